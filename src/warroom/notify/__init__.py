"""Sending messages to people: contact methods, Apprise delivery and throttles.

Shared by every domain that tells someone something (pages and escalation notices
today; status updates, subscribers and chat next). Domains send from worker jobs, never
inside a request: `sender.Sender` is what a job handler calls.
"""
