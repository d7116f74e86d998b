"""The mediation room's services: a referral's whole loop, returns, missed instalments, visits."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from concord.audit.models import AuditEntry
from concord.disputes import services as dispute_services
from concord.disputes.models import Dispute, DisputeEvent, Status, Task
from concord.mediation import services
from concord.mediation.models import Agreement, FollowUpVisit, Referral, SessionResult
from concord.mediation.services import InstalmentInput
from tests.factories import mediation_body, mediator
from tests.mediation.conftest import assigned_case

pytestmark = pytest.mark.django_db


def _refer(m, *bodies):
    return services.referral_create(
        actor=m.dispute.owner,
        dispute=m.dispute,
        expected_version=m.dispute.version,
        bodies=list(bodies) or [m.body],
        note="请组织双方调解",
    )


def _agreed(m, *, instalments=(), form=Agreement.Form.WRITTEN, amount=Decimal("3000")):
    [referral] = _refer(m)
    services.referral_accept(actor=m.mediator, referral=referral)
    services.session_record(
        actor=m.mediator,
        referral=referral,
        held_at=timezone.now(),
        place="东镇调解室",
        mediators=[m.mediator, m.second_mediator],
        attendees="张三、李四",
        summary="双方同意由李四赔偿并疏通水沟",
        result=SessionResult.AGREED,
    )
    return services.agreement_record(
        actor=m.mediator,
        referral=referral,
        form=form,
        facts="李四家排水沟堵塞致张三家院子积水",
        terms="一、李四疏通水沟；二、李四赔偿张三3000元",
        amount=amount,
        signed_on=timezone.localdate(),
        instalments=list(instalments),
    )


def _outcome(d, actor):
    d.refresh_from_db()
    return dispute_services.dispute_record_outcome(
        actor=actor, dispute=d, expected_version=d.version, outcome=Status.RESOLVED, note="调解成功"
    )


def _visit(d, actor, *, settled=True, note="回访：已履行，双方无意见"):
    d.refresh_from_db()
    return services.visit_record(
        actor=actor,
        dispute=d,
        expected_version=d.version,
        note=note,
        matter_settled=settled,
        grievance_settled=settled,
        method="in_person",
        met_with="张三、李四",
        satisfaction="satisfied" if settled else "dissatisfied",
    )


def test_a_referral_runs_its_whole_loop_to_closure_with_every_step_on_the_timeline(
    county, mediation
):
    m, officer = mediation, county.east.officer
    today = timezone.localdate()
    agreement = _agreed(m, instalments=[InstalmentInput(today, "当场支付赔偿款", Decimal("3000"))])
    [instalment] = agreement.instalments.all()
    services.instalment_perform(
        actor=officer, instalment=instalment, performed_on=today, note="现金当面交付"
    )
    d = _outcome(m.dispute, officer)
    _visit(d, county.east.grid_worker)
    d.refresh_from_db()
    d = dispute_services.dispute_request_closure(
        actor=officer, dispute=d, expected_version=d.version
    )
    d = dispute_services.dispute_approve_closure(
        actor=officer, dispute=d, expected_version=d.version
    )

    assert d.status == Status.CLOSED
    steps = list(DisputeEvent.objects.filter(dispute=d).order_by("at", "id"))
    assert [(e.action, e.actor) for e in steps[3:]] == [
        ("refer", officer),
        ("referral_accept", m.mediator),
        ("mediation_session", m.mediator),
        ("agreement_record", m.mediator),
        ("instalment_perform", officer),
        ("record_outcome", officer),
        ("follow_up", county.east.grid_worker),
        ("request_closure", officer),
        ("approve_closure", officer),
    ]
    assert steps[3].changes["status"] == [Status.ASSIGNED, Status.MEDIATING]
    referral = Referral.objects.get(dispute=d)
    assert referral.state == Referral.State.SUCCEEDED and referral.answered_by == m.mediator
    assert AuditEntry.objects.filter(action="disputes.agreement_record").count() == 1
    assert d.version == len(steps)  # every step bumps the version once


def test_a_returned_referral_becomes_a_task_for_the_owner_carrying_the_reason(mediation):
    m = mediation
    [referral] = _refer(m)
    services.referral_return(actor=m.mediator, referral=referral, reason="涉及刑事伤害，不宜调解")

    task = Task.objects.get(dispute=m.dispute, kind=Task.Kind.REFERRAL)
    assert task.assignee == m.dispute.owner and task.state == Task.State.OPEN
    assert "涉及刑事伤害，不宜调解" in task.title
    assert task.data["reason"] == "涉及刑事伤害，不宜调解"
    referral.refresh_from_db()
    assert referral.state == Referral.State.RETURNED
    event = m.dispute.events.get(action="referral_return")
    assert event.note == "涉及刑事伤害，不宜调解"


def test_a_referral_cannot_be_returned_without_a_reason(mediation):
    [referral] = _refer(mediation)
    with pytest.raises(ValidationError) as exc:
        services.referral_return(actor=mediation.mediator, referral=referral, reason="  ")
    assert "reason" in exc.value.message_dict


def test_only_a_mediator_of_the_body_may_accept(county, mediation):
    [referral] = _refer(mediation)
    outsider = mediator(county.east.station)
    with pytest.raises(dispute_services.TransitionRefused):
        services.referral_accept(actor=outsider, referral=referral)
    with pytest.raises(dispute_services.TransitionRefused):
        services.referral_accept(actor=county.east.officer, referral=referral)


def test_a_referral_is_accepted_once(mediation):
    [referral] = _refer(mediation)
    services.referral_accept(actor=mediation.mediator, referral=referral)
    with pytest.raises(ValidationError):
        services.referral_accept(actor=mediation.second_mediator, referral=referral)


def test_a_red_case_goes_to_several_bodies_at_once_as_joint_handling(county):
    d = assigned_case(county, level="red")
    committee = mediation_body(county.east.station, name="东镇调委会")
    justice = mediation_body(county.east.station, name="东镇司法所", kind="justice_office")
    referrals = services.referral_create(
        actor=d.owner, dispute=d, expected_version=d.version, bodies=[committee, justice]
    )
    assert {r.body for r in referrals} == {committee, justice}
    assert all(r.joint for r in referrals)
    # A red case's body has 7 days (REFERRAL_DAYS), both see the same due date.
    assert len({r.due_at for r in referrals}) == 1
    assert referrals[0].due_at - referrals[0].referred_at == dt.timedelta(days=7)


def test_a_body_that_does_not_serve_the_place_is_refused(county, mediation):
    west_body = mediation_body(county.west.station, name="西镇调委会")
    with pytest.raises(ValidationError) as exc:
        _refer(mediation, west_body)
    assert "bodies" in exc.value.message_dict
    assert not Referral.objects.exists()


def test_a_body_holding_the_case_is_not_sent_it_again(mediation):
    _refer(mediation)
    mediation.dispute.refresh_from_db()
    with pytest.raises(ValidationError):
        _refer(mediation)


def test_no_agreement_ends_the_referral_and_hands_the_case_back(mediation):
    m = mediation
    [referral] = _refer(m)
    services.referral_accept(actor=m.mediator, referral=referral)
    services.session_record(
        actor=m.mediator,
        referral=referral,
        held_at=timezone.now(),
        place="东镇调解室",
        mediators=[m.mediator],
        attendees="张三、李四",
        summary="双方分歧过大",
        result=SessionResult.NOT_AGREED,
    )
    referral.refresh_from_db()
    assert referral.state == Referral.State.FAILED
    assert Task.objects.get(dispute=m.dispute, kind=Task.Kind.REFERRAL).assignee == m.dispute.owner


def test_a_session_with_a_mediator_from_outside_the_body_is_refused(county, mediation):
    m = mediation
    [referral] = _refer(m)
    services.referral_accept(actor=m.mediator, referral=referral)
    with pytest.raises(ValidationError) as exc:
        services.session_record(
            actor=m.mediator,
            referral=referral,
            held_at=timezone.now(),
            place="调解室",
            mediators=[m.mediator, mediator(county.east.station)],
            attendees="双方",
            summary="调解",
            result=SessionResult.CONTINUING,
        )
    assert "mediators" in exc.value.message_dict


def test_a_judicially_confirmed_agreement_needs_the_court_and_ruling(mediation):
    with pytest.raises(ValidationError) as exc:
        _agreed(mediation, form=Agreement.Form.JUDICIAL)
    assert {"court", "confirmation_number", "confirmed_on"} <= set(exc.value.message_dict)
    assert not Agreement.objects.exists()


def test_an_instalment_due_before_signing_is_refused_naming_the_row(mediation):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        _agreed(
            mediation,
            instalments=[
                InstalmentInput(timezone.localdate(), "第一期", Decimal("1000")),
                InstalmentInput(yesterday, "第二期", Decimal("1000")),
            ],
        )
    assert "instalments[1].due_on" in exc.value.message_dict
    assert not Agreement.objects.exists()


def test_instalments_adding_up_to_more_than_the_amount_are_refused(mediation):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        _agreed(mediation, instalments=[InstalmentInput(today, "一次付清", Decimal("5000"))])
    assert "amount" in exc.value.message_dict


# --- closure --------------------------------------------------------------------------------


def _following_up(county, mediation, *, instalments=()):
    agreement = _agreed(mediation, instalments=instalments)
    d = _outcome(mediation.dispute, county.east.officer)
    return d, agreement


def _request_closure(d, actor):
    d.refresh_from_db()
    return dispute_services.dispute_request_closure(
        actor=actor, dispute=d, expected_version=d.version
    )


def test_closure_is_refused_naming_the_missing_visits(county, mediation):
    d, _ = _following_up(county, mediation)
    # The outcome puts the case in "resolved"; one unsettled visit moves it to following-up.
    _visit(d, county.east.grid_worker, settled=False, note="回访：李四还没赔钱，张三有怨气")
    with pytest.raises(ValidationError) as exc:
        _request_closure(d, county.east.officer)
    messages = exc.value.message_dict["closure"]
    assert any("事心双解" in m or "grievance" in m for m in messages)
    d.refresh_from_db()
    assert d.status == Status.FOLLOWING_UP


def test_closure_is_refused_while_an_instalment_is_overdue_and_allowed_once_performed(
    county, mediation
):
    today = timezone.localdate()
    d, agreement = _following_up(
        county,
        mediation,
        instalments=[InstalmentInput(today, "赔偿款", Decimal("3000"))],
    )
    [instalment] = agreement.instalments.all()
    # Backdate the schedule as if the agreement was signed a month ago and the payment fell due.
    agreement.__class__.objects.filter(pk=agreement.pk).update(signed_on=today - dt.timedelta(30))
    instalment.__class__.objects.filter(pk=instalment.pk).update(due_on=today - dt.timedelta(2))
    _visit(d, county.east.grid_worker)
    with pytest.raises(ValidationError) as exc:
        _request_closure(d, county.east.officer)
    assert any(agreement.number in m for m in exc.value.message_dict["closure"])

    services.instalment_perform(
        actor=county.east.officer, instalment=instalment, performed_on=today
    )
    assert _request_closure(d, county.east.officer).status == Status.CLOSURE_REQUESTED


def test_an_instalment_not_yet_due_keeps_the_schedule_on_track_for_closure(county, mediation):
    later = timezone.localdate() + dt.timedelta(days=60)
    d, _ = _following_up(
        county, mediation, instalments=[InstalmentInput(later, "第二期赔偿款", Decimal("1000"))]
    )
    _visit(d, county.east.grid_worker)
    assert _request_closure(d, county.east.officer).status == Status.CLOSURE_REQUESTED


def test_closure_is_refused_while_a_referral_is_still_with_a_body(county, mediation):
    [referral] = _refer(mediation)
    d = _outcome(mediation.dispute, county.east.officer)
    _visit(d, county.east.grid_worker)
    with pytest.raises(ValidationError) as exc:
        _request_closure(d, county.east.officer)
    assert any(mediation.body.name in m for m in exc.value.message_dict["closure"])


def test_an_orange_case_needs_two_visits_after_the_outcome(county, mediation):
    d = assigned_case(county, level="orange")
    d = dispute_services.dispute_start_mediation(
        actor=d.owner, dispute=d, expected_version=d.version
    )
    d = _outcome(d, d.owner)
    _visit(d, county.east.officer)
    with pytest.raises(ValidationError) as exc:
        _request_closure(d, county.east.officer)
    assert any("1" in m and "2" in m for m in exc.value.message_dict["closure"])
    _visit(d, county.east.officer)
    assert _request_closure(d, county.east.officer).status == Status.CLOSURE_REQUESTED


def test_approval_rechecks_what_closure_needs(county, mediation):
    d, _ = _following_up(county, mediation)
    _visit(d, county.east.grid_worker)
    d = _request_closure(d, county.east.officer)
    FollowUpVisit.objects.filter(dispute=d).update(grievance_settled=False)
    with pytest.raises(ValidationError):
        dispute_services.dispute_approve_closure(
            actor=county.east.officer, dispute=d, expected_version=d.version
        )
    d.refresh_from_db()
    assert d.status == Status.CLOSURE_REQUESTED


# --- missed instalments ---------------------------------------------------------------------


def test_a_missed_instalment_raises_a_task_for_the_owner_once(county, mediation):
    today = timezone.localdate()
    agreement = _agreed(
        mediation,
        instalments=[
            InstalmentInput(today + dt.timedelta(days=10), "第一期", Decimal("1000")),
            InstalmentInput(today + dt.timedelta(days=40), "第二期", Decimal("2000")),
        ],
    )
    first, second = agreement.instalments.order_by("sequence")
    # The clock reads the day after the first instalment fell due.
    frozen = timezone.now() + dt.timedelta(days=11)
    assert services.instalments_check_missed(now=frozen) == 1
    assert services.instalments_check_missed(now=frozen + dt.timedelta(hours=1)) == 0

    task = Task.objects.get(dispute=mediation.dispute, kind=Task.Kind.PERFORMANCE)
    assert task.assignee == mediation.dispute.owner
    assert task.data["instalment"] == first.pk and agreement.number in task.title
    event = mediation.dispute.events.get(action="instalment_missed")
    assert event.actor is None and event.at == frozen
    second.refresh_from_db()
    assert second.missed_at is None


def test_an_instalment_due_today_is_not_yet_missed(mediation):
    today = timezone.localdate()
    _agreed(mediation, instalments=[InstalmentInput(today, "当天支付", Decimal("1000"))])
    assert services.instalments_check_missed(now=timezone.now()) == 0


def test_performing_a_missed_instalment_completes_its_task(county, mediation):
    today = timezone.localdate()
    agreement = _agreed(mediation, instalments=[InstalmentInput(today, "赔偿款", Decimal("3000"))])
    [instalment] = agreement.instalments.all()
    services.instalments_check_missed(now=timezone.now() + dt.timedelta(days=2))
    services.instalment_perform(actor=mediation.mediator, instalment=instalment, performed_on=today)
    task = Task.objects.get(kind=Task.Kind.PERFORMANCE)
    assert task.state == Task.State.DONE and task.completed_by == mediation.mediator


def test_performance_cannot_be_recorded_twice_or_in_advance(county, mediation):
    today = timezone.localdate()
    agreement = _agreed(mediation, instalments=[InstalmentInput(today, "赔偿款", Decimal("3000"))])
    [instalment] = agreement.instalments.all()
    with pytest.raises(ValidationError):
        services.instalment_perform(
            actor=county.east.officer,
            instalment=instalment,
            performed_on=today + dt.timedelta(days=1),
        )
    services.instalment_perform(
        actor=county.east.officer, instalment=instalment, performed_on=today
    )
    with pytest.raises(ValidationError):
        services.instalment_perform(
            actor=county.east.officer, instalment=instalment, performed_on=today
        )


def test_an_officer_of_another_station_may_not_record_performance(county, mediation):
    today = timezone.localdate()
    agreement = _agreed(mediation, instalments=[InstalmentInput(today, "赔偿款", Decimal("3000"))])
    with pytest.raises(dispute_services.TransitionRefused):
        services.instalment_perform(
            actor=county.west.officer, instalment=agreement.instalments.get(), performed_on=today
        )


# --- visits ---------------------------------------------------------------------------------


def test_a_visit_is_recorded_with_whom_and_how(county, mediation):
    d = _outcome(mediation.dispute, county.east.officer)
    visit = _visit(d, county.east.grid_worker)
    assert visit.method == "in_person" and visit.met_with == "张三、李四"
    assert visit.both_settled and visit.satisfaction == "satisfied"
    assert Dispute.objects.get(pk=d.pk).status == Status.FOLLOWING_UP


def test_a_visit_finding_new_threats_proposes_a_reassessment(county, mediation):
    d = _outcome(mediation.dispute, county.east.officer)
    visit = _visit(d, county.east.grid_worker, settled=False, note="张三扬言要拿刀砍李四全家")
    assert "threat_kill" in visit.flags
    assert Task.objects.filter(dispute=d, kind=Task.Kind.REASSESS, state="open").exists()


def test_a_recurrence_found_on_a_visit_after_closure_reopens_the_case(county, mediation):
    m = mediation
    d = _outcome(m.dispute, county.east.officer)
    _visit(d, county.east.grid_worker)
    d = _request_closure(d, county.east.officer)
    d = dispute_services.dispute_approve_closure(
        actor=county.east.officer, dispute=d, expected_version=d.version
    )
    services.visit_record(
        actor=county.east.grid_worker,
        dispute=d,
        expected_version=d.version,
        note="两家又因排水沟吵起来",
        matter_settled=False,
        grievance_settled=False,
        recurred=True,
    )
    d.refresh_from_db()
    assert d.status == Status.REOPENED
    actions = list(d.events.order_by("at", "id").values_list("action", flat=True))
    assert actions[-2:] == ["follow_up", "reopen"]


def test_a_quiet_visit_after_closure_leaves_the_case_closed(county, mediation):
    d = _outcome(mediation.dispute, county.east.officer)
    _visit(d, county.east.grid_worker)
    d = _request_closure(d, county.east.officer)
    d = dispute_services.dispute_approve_closure(
        actor=county.east.officer, dispute=d, expected_version=d.version
    )
    _visit(d, county.east.grid_worker, note="结案后回访：关系和睦")
    d.refresh_from_db()
    assert d.status == Status.CLOSED and d.visits.count() == 2


def test_a_visit_cannot_be_dated_in_the_future(county, mediation):
    d = _outcome(mediation.dispute, county.east.officer)
    with pytest.raises(ValidationError) as exc:
        services.visit_record(
            actor=county.east.grid_worker,
            dispute=d,
            expected_version=d.version,
            note="回访",
            matter_settled=True,
            grievance_settled=True,
            visited_at=timezone.now() + dt.timedelta(days=1),
        )
    assert "visited_at" in exc.value.message_dict


def test_a_role_that_may_not_refer_is_refused_before_its_input_is_checked(county, mediation):
    with pytest.raises(dispute_services.TransitionRefused):
        services.referral_create(
            actor=county.east.grid_worker,
            dispute=mediation.dispute,
            expected_version=mediation.dispute.version,
            bodies=[],
            due_at=timezone.now() - dt.timedelta(days=1),
        )


def test_every_body_that_does_not_serve_the_place_is_named(county, mediation):
    first = mediation_body(county.west.station, name="西一调委会")
    second = mediation_body(county.west.station, name="西二调委会")
    with pytest.raises(ValidationError) as exc:
        _refer(mediation, first, second)
    [message] = exc.value.message_dict["bodies"]
    assert "西一调委会" in message and "西二调委会" in message


def test_a_mediator_outside_the_body_is_refused_before_the_reason_is_checked(county, mediation):
    [referral] = _refer(mediation)
    with pytest.raises(dispute_services.TransitionRefused):
        services.referral_return(actor=mediator(county.west.station), referral=referral, reason=" ")


def test_a_pending_referral_on_a_closed_case_cannot_be_accepted(county, mediation):
    [referral] = _refer(mediation)
    Dispute.objects.filter(pk=mediation.dispute.pk).update(status=Status.CLOSED)
    with pytest.raises(ValidationError) as exc:
        services.referral_accept(actor=mediation.mediator, referral=referral)
    assert mediation.dispute.case_number in " ".join(exc.value.messages)


def test_a_member_mediator_from_elsewhere_may_attach_the_signed_scan(county, mediation):
    from django.core.files.uploadedfile import SimpleUploadedFile

    m = mediation
    court_mediator = mediator(county.west.station)  # scoped elsewhere, but serves on the body
    m.body.members.add(court_mediator)
    [referral] = _refer(m)
    services.referral_accept(actor=court_mediator, referral=referral)
    scan = SimpleUploadedFile("协议书.pdf", b"%PDF-1.4 signed", content_type="application/pdf")
    agreement = services.agreement_record(
        actor=court_mediator,
        referral=referral,
        form=Agreement.Form.WRITTEN,
        facts="排水沟堵塞",
        terms="李四疏通水沟",
        signed_on=timezone.localdate(),
        scan=scan,
    )
    assert agreement.scan.original_name == "协议书.pdf"
    assert agreement.scan.dispute == m.dispute
