import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from concord.disputes import selectors, services
from concord.disputes.models import Status, Task
from tests.factories import register_dispute

pytestmark = pytest.mark.django_db


def _assessed(county, level="yellow"):
    d = register_dispute(county.east)
    return services.dispute_assess(
        actor=county.east.officer,
        dispute=d,
        expected_version=d.version,
        level=level,
        reasons=["初评"],
    )


def test_raising_yellow_to_red_creates_red_tasks_names_the_leader_and_moves_to_bureau_tier(county):
    d = _assessed(county)
    before = timezone.now()
    d = services.dispute_change_level(
        actor=county.east.chief,
        dispute=d,
        expected_version=d.version,
        level="red",
        reasons=["扬言同归于尽"],
        lead_leader=county.commander,
    )
    assert (d.level, d.handling_tier, d.lead_leader) == ("red", "bureau", county.commander)
    open_tasks = {t.kind: t for t in d.tasks.filter(state=Task.State.OPEN)}
    assert set(open_tasks) == {"first_contact", "plan", "mediation", "closure"}
    assert all(t.level == "red" for t in open_tasks.values())
    assert open_tasks["plan"].assignee == county.commander

    def hours(task):
        return round((task.due_at - before).total_seconds() / 3600)

    assert hours(open_tasks["first_contact"]) == 2
    assert hours(open_tasks["plan"]) == 3 * 24
    assert hours(open_tasks["mediation"]) == 3 * 24
    assert hours(open_tasks["closure"]) == 30 * 24
    yellow_left = d.tasks.filter(level="yellow", state=Task.State.OPEN)
    assert not yellow_left.exists()
    event = d.events.get(action="change_level")
    assert event.changes["level"] == ["yellow", "red"]
    assert event.changes["handling_tier"] == ["village", "bureau"]
    assert event.changes["lead_leader"][1]["id"] == county.commander.pk


def test_red_level_without_a_named_leader_is_refused(county):
    d = _assessed(county)
    with pytest.raises(ValidationError) as exc:
        services.dispute_change_level(
            actor=county.east.chief,
            dispute=d,
            expected_version=d.version,
            level="red",
            reasons=["持刀"],
        )
    assert "lead_leader" in exc.value.message_dict
    d.refresh_from_db()
    assert d.level == "yellow"


def test_a_level_is_never_set_without_reasons(county):
    d = register_dispute(county.east)
    with pytest.raises(ValidationError) as exc:
        services.dispute_assess(
            actor=county.east.officer,
            dispute=d,
            expected_version=d.version,
            level="orange",
            reasons=["  "],
        )
    assert "reasons" in exc.value.message_dict


def test_a_stale_version_is_refused_and_nothing_is_written(county):
    d = register_dispute(county.east)
    stale = d.version
    services.dispute_assess(
        actor=county.east.officer,
        dispute=d,
        expected_version=stale,
        level="orange",
        reasons=["第一次"],
    )
    with pytest.raises(services.StaleVersion) as exc:
        services.dispute_assess(
            actor=county.east.chief,
            dispute=d,
            expected_version=stale,
            level="yellow",
            reasons=["第二次"],
        )
    assert d.case_number in str(exc.value)
    d.refresh_from_db()
    assert d.level == "orange" and d.assessments.count() == 1


def test_completing_a_task_writes_an_event_and_bumps_the_version(county):
    d = register_dispute(county.east)
    task = d.tasks.get(kind="first_contact")
    services.task_complete(actor=county.east.officer, task=task, note="已电话联系双方")
    task.refresh_from_db()
    d.refresh_from_db()
    assert task.state == Task.State.DONE and task.completed_by == county.east.officer
    assert d.version == 2 and d.events.last().action == "task_complete"


def test_waiving_a_task_needs_a_reason(county):
    task = register_dispute(county.east).tasks.get(kind="mediation")
    with pytest.raises(ValidationError):
        services.task_waive(actor=county.east.officer, task=task, reason=" ")
    services.task_waive(actor=county.east.officer, task=task, reason="当事人已自行和解")
    task.refresh_from_db()
    assert task.state == Task.State.WAIVED and task.waive_reason == "当事人已自行和解"


def test_a_task_cannot_be_reassigned_to_someone_outside_the_area(county):
    task = register_dispute(county.east).tasks.get(kind="mediation")
    with pytest.raises(ValidationError):
        services.task_reassign(actor=county.east.chief, task=task, assignee=county.west.officer)
    services.task_reassign(actor=county.east.chief, task=task, assignee=county.east.auxiliary)
    task.refresh_from_db()
    assert task.assignee == county.east.auxiliary


def test_overdue_tasks_are_listed_per_person_and_per_unit(county):
    east = register_dispute(county.east)
    register_dispute(county.west)
    later = timezone.now() + dt.timedelta(
        days=4
    )  # past the 72 h first-contact deadline, before mediation's 7 days
    mine = selectors.tasks_overdue(actor=county.commander, now=later, assignee=county.east.officer)
    assert {(t.dispute, t.kind) for t in mine} == {(east, "first_contact"), (east, "assessment")}
    by_unit = selectors.tasks_overdue(
        actor=county.commander, now=later, unit_code=county.west.village.code
    )
    assert {t.dispute.grid for t in by_unit} == {county.west.grid}
    assert (
        selectors.tasks_overdue(
            actor=county.west.chief, now=later, assignee=county.east.officer
        ).count()
        == 0
    )


def test_an_outcome_schedules_the_first_follow_up_visit_at_the_levels_interval(county):
    b = county.east
    d = _assessed(county, level="orange")
    d = services.dispute_assign(
        actor=b.chief, dispute=d, expected_version=d.version, owner=b.officer
    )
    before = timezone.now()
    d = services.dispute_record_outcome(
        actor=b.officer,
        dispute=d,
        expected_version=d.version,
        outcome=Status.TRANSFERRED,
        note="移交司法所",
        transferred_to="白楼司法所",
    )
    visit = d.tasks.get(kind="follow_up", state=Task.State.OPEN)
    assert round((visit.due_at - before).total_seconds() / 86400) == 15
    assert d.transferred_to == "白楼司法所"


def test_transfer_needs_a_destination(county):
    b = county.east
    d = _assessed(county)
    d = services.dispute_assign(
        actor=b.officer, dispute=d, expected_version=d.version, owner=b.officer
    )
    with pytest.raises(ValidationError) as exc:
        services.dispute_record_outcome(
            actor=b.officer,
            dispute=d,
            expected_version=d.version,
            outcome=Status.TRANSFERRED,
            note="移交",
        )
    assert "transferred_to" in exc.value.message_dict
