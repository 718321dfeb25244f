"""Incidents: declaration, lifecycle, roles and assessment."""
