"""Paging: who gets woken up — escalation, on-call schedules, notifications."""
