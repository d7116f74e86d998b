"""The periodic jobs at a frozen clock: overdue tasks and the escalation ladder, red cases to the
bureau, due-soon reminders, the daily digest, nil-report reminders, briefs and event tasks."""

import datetime as dt

import pytest
from django.utils import timezone

from concord.accounts.models import Role
from concord.disputes import services as dispute_services
from concord.disputes.models import Task
from concord.intake.models import Lead
from concord.intake.screening import NilReport
from concord.notify.jobs import (
    job_briefs,
    job_digests,
    job_due_soon,
    job_escalations,
    job_event_tasks,
    job_nil_reminders,
    job_overdue,
    run_due_jobs,
)
from concord.notify.models import Kind, Notification
from tests.factories import UserFactory, register_dispute
from tests.notify.conftest import bare_case, local, task, tomorrow

pytestmark = pytest.mark.django_db


def received(user, kind: str | None = None) -> list[Notification]:
    qs = Notification.objects.filter(recipient=user)
    return list(qs.filter(kind=kind) if kind else qs)


def run(now):
    summary = run_due_jobs(now=now)
    assert summary["errors"] == {}
    return summary


def ladder(now):
    """The overdue and escalation jobs alone (the digest and reminders have tests of their own)."""
    job_overdue(now=now)
    job_escalations(now=now)


# --- overdue and the escalation ladder -----------------------------------------------------------


def test_an_overdue_task_notifies_its_holder_once_and_nobody_above_before_the_grace(county):
    b = county.east
    due = local(tomorrow(), 9)
    t = task(bare_case(b), due_at=due, assignee=b.auxiliary)

    ladder(due - dt.timedelta(minutes=1))
    assert Notification.objects.count() == 0

    ladder(due + dt.timedelta(hours=1))
    [notice] = received(b.auxiliary)
    assert (notice.kind, notice.task, notice.dispute, notice.urgent) == (
        Kind.OVERDUE,
        t,
        t.dispute,
        False,
    )
    assert notice.url == f"/disputes/{t.dispute.case_number}/"
    # Yellow: 24 hours of grace before anyone above hears.
    ladder(due + dt.timedelta(hours=23))
    assert received(b.officer) == [] and received(b.chief) == []
    assert len(received(b.auxiliary)) == 1


def test_after_the_grace_period_the_supervisor_one_tier_up_hears_and_no_higher(county):
    b = county.east
    due = local(tomorrow(), 9)
    t = task(bare_case(b), due_at=due, assignee=b.auxiliary)

    ladder(due + dt.timedelta(hours=25))

    [escalation] = received(b.officer, Kind.ESCALATION)  # the sector's community officer
    assert escalation.task == t
    assert escalation.data == {"holder": b.auxiliary.pk, "hours_overdue": 25}
    assert received(b.chief) == [] and received(county.commander) == []
    assert [n.kind for n in received(b.auxiliary)] == [Kind.OVERDUE]


@pytest.mark.parametrize(
    ("level", "holder", "above", "grace_hours"),
    [
        ("yellow", "grid_worker", "officer", 24),
        ("yellow", "officer", "chief", 24),
        ("orange", "officer", "chief", 4),
        ("orange", "chief", "commander", 4),
    ],
)
def test_the_ladder_one_tier_up_per_role_and_level(county, level, holder, above, grace_hours):
    b = county.east
    people = {
        "grid_worker": b.grid_worker,
        "officer": b.officer,
        "chief": b.chief,
        "commander": county.commander,
    }
    due = local(tomorrow(), 9)
    task(bare_case(b, level=level), due_at=due, assignee=people[holder])

    ladder(due + dt.timedelta(hours=grace_hours) - dt.timedelta(minutes=5))
    assert received(people[above], Kind.ESCALATION) == []

    ladder(due + dt.timedelta(hours=grace_hours, minutes=5))
    assert len(received(people[above], Kind.ESCALATION)) == 1
    others = set(people) - {holder, above}
    assert all(received(people[o], Kind.ESCALATION) == [] for o in others)


def test_a_deployment_sets_its_own_grace_periods(county, settings):
    settings.CONCORD_ESCALATION_GRACE_HOURS = {"yellow": 2}
    b = county.east
    due = local(tomorrow(), 9)
    task(bare_case(b), due_at=due, assignee=b.officer)
    ladder(due + dt.timedelta(hours=1))
    assert received(b.chief) == []
    ladder(due + dt.timedelta(hours=3))
    assert [n.kind for n in received(b.chief)] == [Kind.ESCALATION]


def test_a_red_case_reaches_every_bureau_commander_and_the_leader_at_once(county):
    b = county.east
    deputy = UserFactory(role=Role.BUREAU_COMMANDER, scope_unit=county.bureau)
    d = register_dispute(b)
    d = dispute_services.dispute_assess(
        actor=b.officer, dispute=d, expected_version=d.version, level="yellow", reasons=["初评"]
    )
    d = dispute_services.dispute_change_level(
        actor=b.chief,
        dispute=d,
        expected_version=d.version,
        level="red",
        reasons=["扬言同归于尽"],
        lead_leader=deputy,
    )
    first_contact = d.tasks.get(kind=Task.Kind.FIRST_CONTACT, state=Task.State.OPEN)
    assert first_contact.assignee == b.officer

    run(first_contact.due_at + dt.timedelta(minutes=10))

    [overdue] = received(b.officer, Kind.OVERDUE)
    assert overdue.urgent and overdue.level == "red"
    for person in (b.chief, county.commander, deputy):  # one tier up, the bureau, the leader
        [alert] = received(person, Kind.ESCALATION)
        assert (alert.task, alert.urgent) == (first_contact, True)
    # The west station hears nothing of an east case.
    assert received(county.west.chief) == [] and received(county.west.officer) == []


def test_a_task_with_nobody_able_to_see_it_goes_to_the_case_owner_not_outside_the_area(county):
    east, west = county.east, county.west
    due = local(tomorrow(), 9)
    d = bare_case(east)
    t = task(d, due_at=due, assignee=west.officer)  # a stale assignment outside their area

    ladder(due + dt.timedelta(hours=30))

    assert received(west.officer) == [] and received(west.chief) == []
    [overdue] = received(east.officer, Kind.OVERDUE)  # the owner
    assert overdue.task == t
    assert [n.kind for n in received(east.chief)] == [Kind.ESCALATION]


def test_closed_and_waived_tasks_are_not_overdue(county):
    b = county.east
    due = local(tomorrow(), 9)
    d = bare_case(b)
    task(d, due_at=due, assignee=b.officer, state=Task.State.DONE)
    task(d, due_at=due, assignee=b.officer, state=Task.State.WAIVED, waive_reason="不再需要")

    assert job_overdue(now=due + dt.timedelta(days=3)) == {"notified": 0}
    assert job_escalations(now=due + dt.timedelta(days=3)) == {"notified": 0}


# --- due soon -------------------------------------------------------------------------------------


def test_tasks_due_within_a_day_remind_their_holder_once(county):
    b = county.east
    now = local(tomorrow(), 9)
    d = bare_case(b)
    soon = task(d, due_at=now + dt.timedelta(hours=5), assignee=b.officer)
    task(d, due_at=now + dt.timedelta(hours=30), assignee=b.officer)

    assert job_due_soon(now=now) == {"notified": 1}
    assert job_due_soon(now=now + dt.timedelta(hours=1)) == {"notified": 0}
    [reminder] = received(b.officer)
    assert (reminder.kind, reminder.task) == (Kind.DUE_SOON, soon)


# --- the daily digest -----------------------------------------------------------------------------


def _lead(branch, at, *, grid=True, **kwargs) -> Lead:
    return Lead.objects.create(
        channel="hotline",
        text="邻居家狗半夜一直叫，多次协商无果",
        received_at=at,
        station=branch.station,
        grid=branch.grid if grid else None,
        **kwargs,
    )


def test_the_digest_lists_exactly_the_tasks_due_that_day_the_overdue_ones_and_new_leads(county):
    east, west = county.east, county.west
    day = tomorrow()
    d = bare_case(east, title="排水沟纠纷")
    due_early = task(d, due_at=local(day, 7), assignee=east.officer, kind="assessment")
    due_later = task(d, due_at=local(day, 16, 30), assignee=east.officer)
    overdue = task(d, due_at=local(day - dt.timedelta(days=1), 18), assignee=east.officer)
    # Not in the officer's digest: tomorrow's, done, waived, someone else's.
    task(d, due_at=local(day + dt.timedelta(days=1), 9), assignee=east.officer)
    task(d, due_at=local(day, 10), assignee=east.officer, state=Task.State.DONE)
    task(
        d,
        due_at=local(day, 11),
        assignee=east.officer,
        state=Task.State.WAIVED,
        waive_reason="不再需要",
    )
    chiefs = task(d, due_at=local(day, 12), assignee=east.chief, kind="closure")
    new_lead = _lead(east, local(day - dt.timedelta(days=1), 20))
    _lead(east, local(day - dt.timedelta(days=2), 20))  # before the last digest
    _lead(east, local(day - dt.timedelta(days=1), 21), state=Lead.State.DISMISSED)
    west_lead = _lead(west, local(day - dt.timedelta(days=1), 22))  # another station's

    assert job_digests(now=local(day, 7, 59)) == {"notified": 0}  # before 08:00
    job_digests(now=local(day, 8, 5))

    [digest] = received(east.officer, Kind.DIGEST)
    assert digest.data == {
        "date": day.isoformat(),
        "due_today": [due_early.pk, due_later.pk],
        "overdue": [overdue.pk],
        "leads": [new_lead.pk],
    }
    assert digest.created_at == local(day, 8, 5)
    lines = digest.body.splitlines()
    assert sum(1 for line in lines if line.startswith("- ")) == 4
    assert sum(d.case_number in line for line in lines) == 3
    assert "16:30" in digest.body and "07:00" in digest.body
    [chief_digest] = received(east.chief, Kind.DIGEST)
    assert chief_digest.data["due_today"] == [chiefs.pk]
    assert chief_digest.data["overdue"] == []
    assert chief_digest.data["leads"] == [new_lead.pk]
    # The grid worker hears of the lead in their grid; the west station of its own lead only.
    assert received(east.grid_worker, Kind.DIGEST)[0].data["leads"] == [new_lead.pk]
    assert received(west.officer, Kind.DIGEST)[0].data["leads"] == [west_lead.pk]
    assert received(county.commander, Kind.DIGEST)[0].data["leads"] == [new_lead.pk, west_lead.pk]
    # Once a day.
    assert job_digests(now=local(day, 12)) == {"notified": 0}
    job_digests(now=local(day + dt.timedelta(days=1), 8))
    assert len(received(east.officer, Kind.DIGEST)) == 2


def test_nobody_gets_an_empty_digest(county):
    assert job_digests(now=local(tomorrow(), 9)) == {"notified": 0}


# --- nil-report reminders -------------------------------------------------------------------------


def _next_sunday() -> dt.date:
    day = tomorrow()
    return day + dt.timedelta(days=(6 - day.weekday()) % 7)


def test_grids_without_a_report_are_reminded_within_a_day_of_the_period_closing(county):
    east, west = county.east, county.west
    sunday = _next_sunday()
    monday = sunday - dt.timedelta(days=6)
    NilReport.objects.create(
        grid=west.grid,
        cadence="weekly",
        period_start=monday,
        period_end=sunday,
        kind="nothing_found",
        reported_by=west.grid_worker,
        reported_at=local(sunday, 8),
    )

    assert job_nil_reminders(now=local(sunday - dt.timedelta(days=1), 10)) == {"notified": 0}
    assert job_nil_reminders(now=local(sunday, 10)) == {"notified": 1}
    [reminder] = received(east.grid_worker)
    assert reminder.kind == Kind.NIL_REMINDER
    assert reminder.data == {"grid": east.grid.code, "period_start": monday.isoformat()}
    assert received(west.grid_worker) == []
    assert job_nil_reminders(now=local(sunday, 20)) == {"notified": 0}


# --- briefs ---------------------------------------------------------------------------------------


def test_a_due_brief_is_announced_to_the_commander_and_each_station_chief(county):
    day = tomorrow()
    monday = day + dt.timedelta(days=(7 - day.weekday()) % 7)
    if monday.day == 1:  # keep to the weekly brief alone
        monday += dt.timedelta(days=7)

    assert job_briefs(now=local(monday, 7, 59)) == {"notified": 0}
    assert job_briefs(now=local(monday, 8, 30)) == {"notified": 3}
    [brief] = received(county.commander)
    ending = (monday - dt.timedelta(days=1)).isoformat()
    assert brief.data == {"unit": county.bureau.code, "period": "week", "ending": ending}
    assert brief.url.startswith("/reporting/briefs/?")
    for branch in (county.east, county.west):
        [chief_brief] = received(branch.chief)
        assert chief_brief.data["unit"] == branch.station.code
    assert job_briefs(now=local(monday, 12)) == {"notified": 0}


# --- tasks raised by events -----------------------------------------------------------------------


def test_a_case_with_no_contact_past_its_interval_is_proposed_for_reassessment_to_its_owner(
    county,
):
    b = county.east
    d = register_dispute(b)
    d = dispute_services.dispute_assess(
        actor=b.officer, dispute=d, expected_version=d.version, level="yellow", reasons=["初评"]
    )
    later = timezone.now() + dt.timedelta(days=31)  # yellow: a visit every 30 days

    summary = run(later)

    assert summary["jobs"]["stale_reassessments"] == {"proposed": 1}
    reassess = d.tasks.get(kind=Task.Kind.REASSESS)
    [notice] = received(b.officer, Kind.REASSESS)
    assert notice.task == reassess
    assert job_event_tasks(now=later) == {"notified": 0}
