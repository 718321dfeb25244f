"""Notifications: sending pages through Apprise, within throttles."""
