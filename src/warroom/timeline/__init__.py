"""The append-only timeline: every change to an incident, written with the change."""
