"""The timeline event kinds the paging domain records."""

from __future__ import annotations

from warroom.timeline.model import EventKind

KINDS = (
    EventKind("escalation_step", "An escalation step paged or notified its targets"),
    EventKind("escalation_skipped", "An escalation step found nobody to page"),
    EventKind("escalation_deferred", "A step waits for business hours (low urgency)"),
    EventKind("escalation_fallback", "Nobody was on call: the fallback was paged"),
    EventKind("response_sla_warning", "80 % of the response time has passed"),
    EventKind("response_sla_breached", "The response time passed unacknowledged"),
    EventKind("page_sent", "A page reached a contact method"),
    EventKind("page_failed", "A page could not be sent"),
    EventKind("page_suppressed", "A page was held back by a throttle"),
)
