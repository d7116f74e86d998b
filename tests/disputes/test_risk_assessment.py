"""Assessments on record: the engine's level and reasons, judgement, downgrades, versions."""

import pytest
from django.core.exceptions import ValidationError

from concord.disputes import services
from concord.disputes.models import Assessment, Task
from concord.disputes.services import PartyInput
from concord.mediation.services import visit_record
from tests.factories import register_dispute

pytestmark = pytest.mark.django_db


def test_the_checklist_sets_the_level_and_its_reasons(county):
    d = register_dispute(county.east, category="family", title="夫妻分居纠纷")
    d = services.dispute_assess(
        actor=county.east.officer,
        dispute=d,
        expected_version=d.version,
        answers={"separation": True, "fear": True, "substance": True},
    )
    assert d.level == "orange" and d.assessment.score == 7
    assert {r["code"] for r in d.assessment.reasons if r["kind"] == "item"} == {
        "separation",
        "fear",
        "substance",
    }
    assert (
        d.assessment.instrument_version == "concord-dispute@1" and d.assessment.rules_version == "1"
    )


def test_a_threat_in_the_description_makes_the_case_red_and_needs_a_leader(county):
    d = register_dispute(county.east, description="报警人称邻居扬言要和他同归于尽")
    with pytest.raises(ValidationError) as exc:
        services.dispute_assess(actor=county.east.officer, dispute=d, expected_version=d.version)
    assert "lead_leader" in exc.value.message_dict
    d = services.dispute_assess(
        actor=county.east.officer,
        dispute=d,
        expected_version=d.version,
        lead_leader=county.commander,
    )
    assert d.level == "red" and d.assessment.minimum_level == "red"
    assert "threat_kill_red" in {r["code"] for r in d.assessment.reasons}


def test_judgement_may_raise_the_level_with_a_reason(county):
    d = register_dispute(county.east)
    d = services.dispute_assess(
        actor=county.east.officer,
        dispute=d,
        expected_version=d.version,
        level="orange",
        reasons=["当事人情绪激动，多次拍桌"],
    )
    assert d.level == "orange"
    assert d.assessment.reasons[-1] == {
        "kind": "judgement",
        "code": "orange",
        "text_zh": "当事人情绪激动，多次拍桌",
        "text_en": "当事人情绪激动，多次拍桌",
        "source": str(county.east.officer),
    }


def test_a_downgrade_below_the_rules_minimum_without_a_second_approver_is_refused(county):
    d = register_dispute(county.east, description="双方扭打，一方手持铁锹")
    with pytest.raises(ValidationError) as exc:
        services.dispute_assess(
            actor=county.east.officer,
            dispute=d,
            expected_version=d.version,
            level="yellow",
            reasons=["已和解"],
            lead_leader=county.commander,
        )
    assert "level" in exc.value.message_dict
    assert not Assessment.objects.filter(dispute=d).exists()


def test_a_downgrade_stands_once_a_higher_tier_approves_it(county):
    d = register_dispute(
        county.east, description="双方推搡，有人受轻伤"
    )  # violence: at least orange
    d = services.dispute_assess(actor=county.east.officer, dispute=d, expected_version=d.version)
    assert d.level == "orange"
    with pytest.raises(ValidationError):
        services.dispute_request_downgrade(
            actor=county.east.officer,
            dispute=d,
            expected_version=d.version,
            level="yellow",
            reason="双方已握手言和",
            approver=county.east.auxiliary,
        )
    task = services.dispute_request_downgrade(
        actor=county.east.officer,
        dispute=d,
        expected_version=d.version,
        level="yellow",
        reason="双方已握手言和",
        approver=county.east.chief,
    )
    d.refresh_from_db()
    assert d.level == "orange"
    with pytest.raises(services.TransitionRefused):
        services.dispute_approve_downgrade(actor=county.commander, task=task)
    d = services.dispute_approve_downgrade(actor=county.east.chief, task=task)
    assert d.level == "yellow"
    assert (d.assessment.assessed_by, d.assessment.approved_by) == (
        county.east.officer,
        county.east.chief,
    )
    assert d.assessment.minimum_level == "orange"


def test_three_reports_about_the_same_phone_in_a_year_raise_repeat(county):
    for _ in range(2):
        register_dispute(county.east, parties=[PartyInput(name="赵六", phone="13912345678")])
    d = register_dispute(county.east, parties=[PartyInput(name="赵老六", phone="13912345678")])
    d = services.dispute_assess(actor=county.east.officer, dispute=d, expected_version=d.version)
    assert "repeat" in d.assessment.flags and d.level == "orange"


def test_a_new_instrument_version_leaves_stored_assessments_and_reasons_unchanged(
    county, client, monkeypatch
):
    from django.urls import reverse

    from concord.risk import loader
    from concord.risk.model import Instrument

    d = register_dispute(county.east, category="family")
    d = services.dispute_assess(
        actor=county.east.officer, dispute=d, expected_version=d.version, answers={"fear": True}
    )
    stored = Assessment.objects.get(pk=d.assessment_id)
    client.force_login(county.east.officer)
    before = client.get(reverse("dispute_detail", args=[d.case_number])).content.decode()

    v1 = loader.current_instrument()
    reworded = tuple(
        type(item)(
            **{
                **item.__dict__,
                "question_zh": item.question_zh + "（新版）",
                "weight": item.weight * 3,
            }
        )
        for item in v1.items
    )
    v2 = Instrument(
        code=v1.code, version="2", title_zh=v1.title_zh, title_en=v1.title_en, items=reworded
    )
    monkeypatch.setattr(loader, "current_instrument", lambda code="concord-dispute": v2)

    after = client.get(reverse("dispute_detail", args=[d.case_number])).content.decode()
    again = Assessment.objects.get(pk=stored.pk)
    assert (again.level, again.score, again.reasons, again.instrument_version) == (
        stored.level,
        stored.score,
        stored.reasons,
        "concord-dispute@1",
    )
    assert (
        "（新版）" not in after
        and v1.item("fear").question_zh in before
        and v1.item("fear").question_zh in after
    )
    d = services.dispute_change_level(
        actor=county.east.officer,
        dispute=d,
        expected_version=d.version,
        level="orange",
        reasons=["复评"],
    )
    assert d.assessment.instrument_version == "concord-dispute@2"


def test_a_visit_that_finds_violence_proposes_a_reassessment(county):
    b = county.east
    d = register_dispute(b)
    d = services.dispute_assess(actor=b.officer, dispute=d, expected_version=d.version)
    d = services.dispute_assign(
        actor=b.officer, dispute=d, expected_version=d.version, owner=b.officer
    )
    d = services.dispute_record_outcome(
        actor=b.officer, dispute=d, expected_version=d.version, outcome="resolved", note="已调解"
    )
    d = visit_record(
        actor=b.grid_worker,
        dispute=d,
        expected_version=d.version,
        note="回访发现双方昨晚又打起来了，一方被打伤",
        matter_settled=False,
        grievance_settled=False,
    ).dispute
    reassess = d.tasks.get(kind=Task.Kind.REASSESS)
    assert reassess.state == Task.State.OPEN and "violence" in reassess.title
    d = services.dispute_change_level(
        actor=b.officer,
        dispute=d,
        expected_version=d.version,
        level="orange",
        reasons=["回访发现再次动手"],
    )
    reassess.refresh_from_db()
    assert reassess.state == Task.State.DONE


def test_a_case_with_no_contact_past_its_interval_gets_one_reassessment_task(county):
    import datetime as dt

    from django.utils import timezone

    b = county.east
    d = register_dispute(b)
    d = services.dispute_assess(actor=b.officer, dispute=d, expected_version=d.version)
    later = timezone.now() + dt.timedelta(days=31)  # yellow cases are visited every 30 days
    assert (
        services.disputes_propose_stale_reassessments(now=timezone.now() + dt.timedelta(days=29))
        == 0
    )
    assert services.disputes_propose_stale_reassessments(now=later) == 1
    assert services.disputes_propose_stale_reassessments(now=later) == 0
    task = d.tasks.get(kind=Task.Kind.REASSESS)
    assert task.assignee == b.officer and "31" in task.title
