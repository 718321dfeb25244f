"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from warroom.alerts.models import Alert, AlertDelivery, ChangeEvent, HealthCheckState, Integration
from warroom.auth.models import ApiToken, InstanceSetting
from warroom.engine.models import Job
from warroom.incidents.models import Incident, IncidentRefCounter, IncidentRole, IncidentService
from warroom.paging.models import Page, PagingGap, ScheduleOverride
from warroom.runbooks.models import RunbookAction, StoredRunbook
from warroom.tasks.models import IncidentTask
from warroom.timeline.models import TimelineEvent

__all__ = [
    "Alert",
    "AlertDelivery",
    "ApiToken",
    "ChangeEvent",
    "HealthCheckState",
    "Incident",
    "IncidentRefCounter",
    "IncidentRole",
    "IncidentService",
    "IncidentTask",
    "InstanceSetting",
    "Integration",
    "Job",
    "Page",
    "PagingGap",
    "RunbookAction",
    "ScheduleOverride",
    "StoredRunbook",
    "TimelineEvent",
]
