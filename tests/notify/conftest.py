"""Helpers for the notify tests. The clock is frozen the project's way: every job takes `now`.

After every test, every notification about a case must have gone to someone whose territory holds
the case (DESIGN §7): the scope check runs over whatever the test sent."""

import datetime as dt

import pytest
from django.utils import timezone

from concord.accounts.scope import can_see_unit
from concord.disputes.models import Dispute, Task
from concord.notify.gateways import LoggingSmsGateway
from tests.factories import Branch, register_dispute

TZ = dt.timezone(dt.timedelta(hours=8))  # the bureau's clock (Asia/Shanghai has no DST)


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ)


def tomorrow() -> dt.date:
    """Days in the tests lie after today, so nothing the services stamp "now" is in their future."""
    return timezone.localdate() + dt.timedelta(days=1)


def bare_case(branch: Branch, *, level: str = "yellow", lead_leader=None, **kwargs) -> Dispute:
    """A registered case without its generated checklist, so a test sets the tasks it reads."""
    dispute = register_dispute(branch, **kwargs)
    Task.objects.filter(dispute=dispute).delete()
    if level != dispute.level or lead_leader is not None:
        Dispute.objects.filter(pk=dispute.pk).update(level=level, lead_leader=lead_leader)
        dispute.refresh_from_db()
    return dispute


def task(dispute: Dispute, *, due_at: dt.datetime, assignee, kind: str = "first_contact", **kw):
    return Task.objects.create(
        dispute=dispute, kind=kind, due_at=due_at, assignee=assignee, level=dispute.level, **kw
    )


@pytest.fixture(autouse=True)
def _notifications_stay_in_scope(db):
    from concord.notify.models import Notification

    LoggingSmsGateway.sent.clear()
    yield
    for n in Notification.objects.filter(dispute__isnull=False).select_related(
        "recipient__scope_unit", "dispute__grid"
    ):
        assert can_see_unit(n.recipient, n.dispute.grid), (
            f"{n.recipient} was told about {n.dispute.case_number}, outside their area"
        )
