"""Alerts: intake from monitoring tools and customers, deduplication and routing."""
