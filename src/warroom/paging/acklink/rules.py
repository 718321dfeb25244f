"""When an acknowledge link may act: pure rules, no I/O."""

from __future__ import annotations

from warroom.auth.links import AckGrant, LinkExpiredError
from warroom.errors import ForbiddenError, WarroomError
from warroom.incidents.rules import Status


def refusal(
    grant: AckGrant, *, ref: str, status: str, times_reopened: int, person_configured: bool
) -> WarroomError | None:
    """Why the link may not act on the incident as it is now, or None when it may.

    A link acts only for a person in the configuration (someone removed since the page
    was sent can no longer acknowledge), only while the incident is unresolved, and only
    for the opening of the incident it was sent in: a reopened incident sends new links.
    """
    if not person_configured:
        return ForbiddenError(
            "this link names someone who is not among the configured people", field="token"
        )
    if status == Status.resolved:
        return LinkExpiredError(f"{ref} is resolved; this link no longer works", field="token")
    if grant.times_reopened != times_reopened:
        return LinkExpiredError(
            f"{ref} was reopened after this link was sent; use the link of a newer page",
            field="token",
        )
    return None
