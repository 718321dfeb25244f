"""Which runbook governs an incident."""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from warroom.runbooks.model import RoleRequirement, Runbook, SeverityLevel


@cache
def default_runbook() -> Runbook:
    """The shipped default policy, as the customer's runbook states it."""
    return Runbook(
        severities=[
            SeverityLevel(
                name="SEV-1",
                rank=1,
                description="Critical - Service down",
                aliases=["critical"],
                response_time=timedelta(minutes=15),
            ),
            SeverityLevel(
                name="SEV-2",
                rank=2,
                description="High - Major impact",
                aliases=["high"],
                response_time=timedelta(hours=1),
            ),
            SeverityLevel(
                name="SEV-3",
                rank=3,
                description="Medium - Minor impact",
                aliases=["medium"],
                response_time=timedelta(hours=4),
            ),
            SeverityLevel(
                name="SEV-4",
                rank=4,
                description="Low - Minimal impact",
                aliases=["low"],
                next_business_day=True,
            ),
        ],
        roles=[
            RoleRequirement(role="engineering_lead", label="Engineering lead"),
            RoleRequirement(role="on_call_engineer", label="On-call engineer"),
            RoleRequirement(
                role="product_manager",
                label="Product manager (SEV-1/2)",
                severities=["SEV-1", "SEV-2"],
            ),
            RoleRequirement(
                role="communications_lead",
                label="Communications lead (SEV-1)",
                severities=["SEV-1"],
            ),
        ],
    )
