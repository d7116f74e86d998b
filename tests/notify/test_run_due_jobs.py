"""`concord run-due-jobs [--at ISO-TIME]` (DESIGN §6): every job once as if the clock read that time;
running it twice for the same time sends nothing twice. The worker's periodic task calls the same."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from concord.accounts.models import Role
from concord.disputes.models import Dispute
from concord.notify.gateways import LoggingSmsGateway
from concord.notify.models import Delivery, Notification
from concord.notify.tasks import run_due_jobs_periodic
from tests.factories import UserFactory
from tests.notify.conftest import bare_case, local, task, tomorrow

pytestmark = pytest.mark.django_db


def busy_county(county) -> dt.datetime:
    """Overdue work at every level, a red case, something due soon, e-mail and phones: a moment at
    which every kind of job has something to send."""
    east, west = county.east, county.west
    for n, user in enumerate((east.officer, east.chief, county.commander, west.officer)):
        user.email, user.phone = f"{user.username}@police.example", f"1380000000{n}"
        user.save(update_fields=["email", "phone"])
    day = tomorrow()
    now = local(day, 9)
    yellow = bare_case(east)
    task(yellow, due_at=now - dt.timedelta(hours=30), assignee=east.auxiliary)
    task(yellow, due_at=now + dt.timedelta(hours=3), assignee=east.officer)
    red = bare_case(west, level="red", lead_leader=county.commander)
    task(red, due_at=now - dt.timedelta(hours=1), assignee=west.officer)
    return now


def outbound() -> tuple[int, int, int]:
    sent = Delivery.objects.filter(state=Delivery.State.SENT).count()
    return sent, len(mail.outbox), len(LoggingSmsGateway.sent)


def test_running_twice_for_the_same_time_sends_each_notification_once(county):
    from concord.notify.jobs import run_due_jobs

    now = busy_county(county)

    first = run_due_jobs(now=now)
    assert first["errors"] == {}
    made = Notification.objects.count()
    assert made == first["notifications"] >= 6
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert {"overdue", "escalation", "due_soon", "digest"} <= kinds
    assert first["deliveries"]["sent"] > 0 and len(mail.outbox) > 0
    assert len(LoggingSmsGateway.sent) > 0  # red alerts go by SMS by default
    after_first = outbound()

    second = run_due_jobs(now=now)

    assert second["notifications"] == 0
    assert second["deliveries"] == {"sent": 0, "failed": 0, "gave_up": 0}
    assert Notification.objects.count() == made
    assert outbound() == after_first


def test_the_command_twice_with_the_same_at_prints_a_summary_and_sends_nothing_twice(county):
    now = busy_county(county)
    at = now.isoformat()

    out = StringIO()
    call_command("run_due_jobs", "--at", at, stdout=out)
    first = json.loads(out.getvalue())
    made = Notification.objects.count()
    sent = outbound()

    out = StringIO()
    call_command("run_due_jobs", "--at", at, stdout=out)
    second = json.loads(out.getvalue())

    assert dt.datetime.fromisoformat(first["at"]) == now
    assert first["notifications"] == made > 0
    assert set(first["jobs"]) == {
        "missed_instalments",
        "stale_reassessments",
        "event_tasks",
        "overdue",
        "escalations",
        "due_soon",
        "nil_reminders",
        "briefs",
        "digests",
    }
    assert second["notifications"] == 0
    assert Notification.objects.count() == made
    assert outbound() == sent


def test_a_time_without_an_offset_is_on_the_bureaus_clock(county):
    bare = county.east
    day = tomorrow()
    d = bare_case(bare)
    task(d, due_at=local(day, 6), assignee=bare.officer)
    out = StringIO()
    call_command("run_due_jobs", "--at", f"{day.isoformat()}T07:00", stdout=out)
    assert dt.datetime.fromisoformat(json.loads(out.getvalue())["at"]) == local(day, 7)
    assert Notification.objects.filter(recipient=bare.officer, kind="overdue").count() == 1


def test_a_bad_time_is_refused_naming_the_option(county):
    with pytest.raises(CommandError, match="--at"):
        call_command("run_due_jobs", "--at", "next tuesday", stdout=StringIO())
    assert Notification.objects.count() == 0


def test_the_workers_periodic_task_runs_the_same_jobs(county):
    east = county.east
    d = bare_case(east)
    task(d, due_at=local(dt.date.today() - dt.timedelta(days=3), 9), assignee=east.officer)
    summary = run_due_jobs_periodic.call_local()
    assert summary["errors"] == {}
    assert Notification.objects.filter(recipient=east.officer, kind="overdue").count() == 1


def test_a_failing_job_is_named_and_the_others_still_run(county, monkeypatch):
    from concord.notify import jobs

    east = county.east
    d = bare_case(east)
    task(d, due_at=local(tomorrow(), 6), assignee=east.officer)

    def broken(*, now):
        raise RuntimeError("the brief service is down")

    monkeypatch.setattr(
        jobs, "JOBS", [("briefs", broken), *[j for j in jobs.JOBS if j[0] != "briefs"]]
    )
    with pytest.raises(CommandError, match="briefs"):
        call_command("run_due_jobs", "--at", local(tomorrow(), 7).isoformat(), stdout=StringIO())
    assert Notification.objects.filter(recipient=east.officer, kind="overdue").count() == 1


def test_inactive_people_and_cases_without_an_owner_still_reach_someone(county):
    east = county.east
    east.officer.is_active = False
    east.officer.save(update_fields=["is_active"])
    d = bare_case(east)
    Dispute.objects.filter(pk=d.pk).update(owner=None)
    day = tomorrow()
    task(d, due_at=local(day, 6), assignee=east.officer)
    chief2 = UserFactory(role=Role.STATION_CHIEF, scope_unit=east.station)

    call_command("run_due_jobs", "--at", local(day, 7).isoformat(), stdout=StringIO())

    assert not Notification.objects.filter(recipient=east.officer).exists()
    for chief in (east.chief, chief2):
        assert Notification.objects.filter(recipient=chief, kind="overdue").count() == 1
