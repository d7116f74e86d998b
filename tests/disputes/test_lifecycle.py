"""One dispute walked through every state of DESIGN §4, and its timeline checked step by step."""

import pytest

from concord.audit.models import AuditEntry
from concord.disputes import services
from concord.disputes.models import DisputeEvent, Status, Task
from concord.mediation.services import visit_record
from tests.factories import register_dispute

pytestmark = pytest.mark.django_db


def test_a_dispute_walks_every_state_to_closure_and_reopening(county):
    b = county.east
    d = register_dispute(b, description="两家因排水沟堵塞争吵")
    steps = [("register", b.grid_worker, "", Status.REGISTERED)]

    d = services.dispute_assess(
        actor=b.officer,
        dispute=d,
        expected_version=d.version,
        level="yellow",
        reasons=["口角，无暴力"],
    )
    steps.append(("assess", b.officer, Status.REGISTERED, Status.ASSESSED))
    d = services.dispute_assign(
        actor=b.officer, dispute=d, expected_version=d.version, owner=b.auxiliary
    )
    steps.append(("assign", b.officer, Status.ASSESSED, Status.ASSIGNED))
    d = services.dispute_start_mediation(actor=b.auxiliary, dispute=d, expected_version=d.version)
    steps.append(("start_mediation", b.auxiliary, Status.ASSIGNED, Status.MEDIATING))
    d = services.dispute_record_outcome(
        actor=b.auxiliary,
        dispute=d,
        expected_version=d.version,
        outcome=Status.RESOLVED,
        note="双方同意共同清理水沟",
    )
    steps.append(("record_outcome", b.auxiliary, Status.MEDIATING, Status.RESOLVED))
    d = visit_record(
        actor=b.grid_worker,
        dispute=d,
        expected_version=d.version,
        note="回访：已通水",
        matter_settled=True,
        grievance_settled=True,
    ).dispute
    steps.append(("follow_up", b.grid_worker, Status.RESOLVED, Status.FOLLOWING_UP))
    d = services.dispute_request_closure(actor=b.auxiliary, dispute=d, expected_version=d.version)
    steps.append(("request_closure", b.auxiliary, Status.FOLLOWING_UP, Status.CLOSURE_REQUESTED))
    d = services.dispute_reject_closure(
        actor=b.officer, dispute=d, expected_version=d.version, note="再回访一次"
    )
    steps.append(("reject_closure", b.officer, Status.CLOSURE_REQUESTED, Status.FOLLOWING_UP))
    d = services.dispute_request_closure(actor=b.auxiliary, dispute=d, expected_version=d.version)
    steps.append(("request_closure", b.auxiliary, Status.FOLLOWING_UP, Status.CLOSURE_REQUESTED))
    d = services.dispute_approve_closure(actor=b.officer, dispute=d, expected_version=d.version)
    steps.append(("approve_closure", b.officer, Status.CLOSURE_REQUESTED, Status.CLOSED))
    d = services.dispute_reopen(
        actor=b.grid_worker, dispute=d, expected_version=d.version, note="又因排水吵架"
    )
    steps.append(("reopen", b.grid_worker, Status.CLOSED, Status.REOPENED))

    events = list(DisputeEvent.objects.filter(dispute=d).order_by("at", "id"))
    assert [(e.action, e.actor, e.from_status, e.to_status) for e in events] == steps
    for event, (_, _, old, new) in zip(events[1:], steps[1:], strict=True):
        assert event.changes["status"] == [old, new]
    assign = events[2]
    assert (
        assign.changes["owner"][0]["id"] == b.officer.pk
        and assign.changes["owner"][1]["id"] == b.auxiliary.pk
    )
    outcome = events[4]
    assert outcome.changes["outcome_note"] == ["", "双方同意共同清理水沟"]
    assert d.version == len(steps)
    assert AuditEntry.objects.filter(
        target_type="disputes.dispute", target_id=str(d.pk)
    ).count() == len(steps)


def test_registration_names_the_sector_officer_as_owner_and_sets_the_checklist(county):
    d = register_dispute(county.east)
    assert d.owner == county.east.officer and d.handling_tier == "village"
    kinds = set(d.tasks.values_list("kind", flat=True))
    assert kinds == {"first_contact", "assessment", "mediation", "closure"}
    first_contact = d.tasks.get(kind="first_contact")
    assert (first_contact.due_at - d.found_at).total_seconds() == 72 * 3600
    assert d.case_number.startswith(f"{county.east.station.code}-")


def test_assessment_completes_the_assessment_task(county):
    d = register_dispute(county.east)
    services.dispute_assess(
        actor=county.east.officer,
        dispute=d,
        expected_version=d.version,
        level="yellow",
        reasons=["口角"],
    )
    assert d.tasks.get(kind="assessment").state == Task.State.DONE


def test_closure_waives_remaining_tasks(county):
    b = county.east
    d = register_dispute(b)
    for step in (
        lambda d: services.dispute_assess(
            actor=b.officer, dispute=d, expected_version=d.version, level="yellow", reasons=["x"]
        ),
        lambda d: services.dispute_assign(
            actor=b.officer, dispute=d, expected_version=d.version, owner=b.officer
        ),
        lambda d: services.dispute_record_outcome(
            actor=b.officer, dispute=d, expected_version=d.version, outcome="contained", note="稳控"
        ),
        lambda d: (
            visit_record(
                actor=b.officer,
                dispute=d,
                expected_version=d.version,
                note="ok",
                matter_settled=True,
                grievance_settled=True,
            ).dispute
        ),
        lambda d: services.dispute_request_closure(
            actor=b.officer, dispute=d, expected_version=d.version
        ),
        lambda d: services.dispute_approve_closure(
            actor=b.officer, dispute=d, expected_version=d.version
        ),
    ):
        d = step(d)
    assert d.status == Status.CLOSED and d.closed_at is not None
    assert not d.tasks.filter(state=Task.State.OPEN).exists()
