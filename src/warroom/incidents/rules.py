"""Pure incident rules: references, lifecycle, roles, response clocks. No I/O."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from warroom.runbooks.model import SeverityLevel
from warroom.workdays import BusinessCalendar

# --- references ---------------------------------------------------------------------

_REF = re.compile(r"^#?incident-(\d{4})-(\d{2})-(\d{2})-(\d{1,9})$")


def format_ref(day: date, seq: int) -> str:
    """`incident-YYYY-MM-DD-NNNN`, the runbook's channel naming."""
    return f"incident-{day.isoformat()}-{seq:04d}"


def parse_ref(text: str) -> tuple[date, int]:
    """Accept the canonical ref, the runbook's 3-digit form and a `#channel` spelling."""
    match = _REF.match(text.strip().lower())
    if match is None:
        raise ValueError(f"not an incident reference: {text!r} (expected incident-YYYY-MM-DD-NNNN)")
    year, month, day_, seq = (int(g) for g in match.groups())
    try:
        day = date(year, month, day_)
    except ValueError as exc:
        raise ValueError(f"not an incident reference: {text!r} ({exc})") from None
    if seq < 1:
        raise ValueError(f"not an incident reference: {text!r} (sequence starts at 1)")
    return day, seq


def channel_for(ref: str) -> str:
    return f"#{ref}"


def ref_day(instant: datetime) -> date:
    return instant.astimezone(UTC).date()


# --- lifecycle ----------------------------------------------------------------------


class Status(StrEnum):
    investigating = "investigating"
    identified = "identified"
    monitoring = "monitoring"
    resolved = "resolved"


OPEN_STATUSES = (Status.investigating, Status.identified, Status.monitoring)
_ORDER = list(Status)


def allowed_moves(current: Status) -> list[Status]:
    """Forward to any later status; back only to `investigating` (the fix did not hold).
    A resolved incident only leaves through reopen, which is its own verb."""
    if current is Status.resolved:
        return []
    forward = _ORDER[_ORDER.index(current) + 1 :]
    back = [Status.investigating] if current is not Status.investigating else []
    return back + forward


def can_move(current: Status, target: Status) -> bool:
    return target in allowed_moves(current)


# --- roles --------------------------------------------------------------------------

ROLES = (
    "incident_commander",
    "engineering_lead",
    "on_call_engineer",
    "product_manager",
    "communications_lead",
    "scribe",
)


def missing_roles(required: list[str], assigned: set[str]) -> list[str]:
    return [role for role in required if role not in assigned]


def resolution_warnings(missing: list[str], open_tasks: list[tuple[int, str]]) -> list[str]:
    """What resolving left undone, in words: roles still missing, tasks still open."""
    warnings = []
    if missing:
        roles = ", ".join(role.replace("_", " ") for role in missing)
        warnings.append(f"resolved with required roles missing: {roles}")
    if open_tasks:
        listed = "; ".join(f"{number} {_short(text)}" for number, text in open_tasks)
        warnings.append(f"resolved with {len(open_tasks)} task(s) open: {listed}")
    return warnings


def _short(text: str, most: int = 60) -> str:
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


ON_CALL = "on_call_engineer"


def paged_role(targets: list[str], *, first: bool) -> str | None:
    """The role an escalation step's page fills: the on-call engineer is whoever the
    incident's first step pages (the runbook's "0 min | On-call engineer paged"), or
    whoever a step paging the on-call engineer's position by name finds."""
    named = any(t in ("position:on_call_engineer", "position:on_call") for t in targets)
    return ON_CALL if named or first else None


# --- response clock -----------------------------------------------------------------


def response_due(
    declared_at: datetime, level: SeverityLevel, calendar: BusinessCalendar
) -> datetime:
    if level.next_business_day:
        return calendar.next_business_day_end(declared_at)
    if level.response_time is None:
        raise ValueError(f"severity {level.name} has no response time")
    return declared_at + level.response_time


def response_breached(
    due: datetime | None, acknowledged_at: datetime | None, now: datetime
) -> bool:
    """Breached when the acknowledgement came late, or has not come and the time is up."""
    if due is None:
        return False
    return (acknowledged_at or now) > due


# --- filters ------------------------------------------------------------------------

_RELATIVE = re.compile(r"^(\d+)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant; UTC when no offset is given."""
    try:
        instant = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"cannot read {text!r} as an ISO 8601 time") from None
    return _in_utc(instant, text)


def _in_utc(instant: datetime, text: str) -> datetime:
    # 0001-01-01T00:00+01:00 is a valid ISO 8601 time that falls outside datetime's range
    # in UTC; so does a relative time reaching back before year 1.
    try:
        return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{text!r} is out of range") from None


def parse_since(text: str, now: datetime) -> datetime:
    """`24h`, `7d`, `30m`, `2w`, or an ISO 8601 instant (UTC if no offset is given)."""
    text = text.strip()
    match = _RELATIVE.match(text.lower())
    if match:
        try:
            return now - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
        except OverflowError:
            raise ValueError(f"{text!r} reaches back too far") from None
    try:
        instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"cannot read {text!r} as a time; use 30m, 24h, 7d, 2w or an ISO 8601 date"
        ) from None
    return _in_utc(instant, text)


# --- assessment -----------------------------------------------------------------------

ASSESSMENT_FIELDS = (
    "user_impact",
    "users_affected",
    "systems_impacted",
    "data_at_risk",
    "security_incident",
)


def question_key(question: str) -> str:
    """Which assessment field answers a runbook question; other questions get their slug."""
    text = question.lower()
    if "security" in text:
        return "security_incident"
    if "data" in text and "risk" in text:
        return "data_at_risk"
    if "how many" in text or "affected" in text:
        return "users_affected"
    if "system" in text or "service" in text:
        return "systems_impacted"
    if "impact" in text:
        return "user_impact"
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")[:60] or "answer"
