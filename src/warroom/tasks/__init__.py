"""Incident tasks: the runbook's phase checklists, with deadlines from the phase windows."""
