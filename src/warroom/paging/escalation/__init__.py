"""Escalation: who is paged when, from the runbook's matrix or a configured policy."""
