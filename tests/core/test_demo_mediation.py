"""The demo's mediation (`concord load-demo`): bodies for every township and some villages, mediators,
referrals in every state with their sessions, agreements and schedules, a visit record for every
follow-up, timelines whose mediation steps are taken by the body's mediators, cases awaiting closure
that lack nothing, idempotence and determinism.

The demo is loaded once for the module inside a transaction that is rolled back at the end; each test
runs in a savepoint of its own inside it.
"""

import datetime as dt
import random
import re
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone

from concord.accounts.models import Role, User
from concord.core.demo import BUREAU_CODE, DEMO_PASSWORD, load_demo, plan_county
from concord.core.demo.loader import STEPS
from concord.core.demo.mediation import (
    MEDIATION,
    plan_bodies,
    plan_mediation,
    read_cases,
)
from concord.disputes.models import Dispute, DisputeEvent, LevelPolicy, Status, Task
from concord.mediation.closure import closure_missing, visits_since_outcome
from concord.mediation.models import (
    Agreement,
    BodyKind,
    FollowUpVisit,
    Instalment,
    MediationBody,
    MediationSession,
    Referral,
    SessionResult,
)
from concord.mediation.services import body_serves
from concord.territory.models import Unit, UnitKind

BUREAU_PATH = f"/{BUREAU_CODE}/"
DEMO_STEPS = [step for step in STEPS if step.name not in {"leads", "screening"}]
MEDIATOR_ACTIONS = {
    "referral_accept",
    "referral_return",
    "mediation_session",
    "mediation_failed",
    "agreement_record",
    "instalment_perform",
}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield load_demo(steps=DEMO_STEPS)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def bodies(demo, db) -> dict[int, MediationBody]:
    return {
        b.pk: b
        for b in MediationBody.objects.filter(serves__path__startswith=BUREAU_PATH)
        .distinct()
        .prefetch_related("serves", "members")
    }


@pytest.fixture
def referrals(demo, db) -> list[Referral]:
    return list(
        Referral.objects.filter(dispute__station__path__startswith=BUREAU_PATH)
        .select_related("dispute__grid", "body")
        .prefetch_related("sessions__mediators", "body__members", "body__serves")
        .order_by("pk")
    )


# (1) the bodies and their mediators --------------------------------------------------------------


def test_every_township_has_its_committee_justice_office_and_desk(bodies):
    stations = Unit.objects.filter(kind=UnitKind.STATION, path__startswith=BUREAU_PATH)
    served = defaultdict(set)
    for body in bodies.values():
        units = list(body.serves.all())
        assert len(units) == 1
        served[units[0].pk].add(body.kind)
        members = list(body.members.all())
        assert members and all(m.role == Role.MEDIATOR for m in members), body.name
        assert body.phone and body.address
    assert len(stations) == 21
    for station in stations:
        assert {
            BodyKind.TOWNSHIP_COMMITTEE,
            BodyKind.JUSTICE_OFFICE,
            BodyKind.POLICE_DESK,
        } <= served[station.pk], station.name
        mediator = User.objects.get(username=f"mediator-{station.code}")
        own = {b.kind for b in bodies.values() if mediator in b.members.all()}
        assert own == {
            BodyKind.TOWNSHIP_COMMITTEE,
            BodyKind.JUSTICE_OFFICE,
            BodyKind.POLICE_DESK,
        }
    kinds = Counter(b.kind for b in bodies.values())
    assert kinds[BodyKind.VILLAGE_COMMITTEE] >= 40
    assert kinds[BodyKind.COURT] == 1 and kinds[BodyKind.DEPARTMENT] == 5
    for body in bodies.values():
        unit = body.serves.get()
        expected = {
            BodyKind.VILLAGE_COMMITTEE: UnitKind.VILLAGE,
            BodyKind.COURT: UnitKind.BUREAU,
            BodyKind.DEPARTMENT: UnitKind.BUREAU,
        }.get(body.kind, UnitKind.STATION)
        assert unit.kind == expected, body.name
        if body.kind == BodyKind.VILLAGE_COMMITTEE:
            assert unit.name in body.name
        if body.kind == BodyKind.DEPARTMENT:
            assert body.department in {"人社", "住建", "卫健", "自然资源", "市场监管"}
    assert len({b.name for b in bodies.values()}) == len(bodies)


def test_the_new_mediators_log_in_and_are_scoped(bodies):
    court = User.objects.get(username="mediator-court")
    assert court.role == Role.MEDIATOR and court.scope_unit.code == BUREAU_CODE
    assert authenticate(username="mediator-hrss", password=DEMO_PASSWORD) is not None
    for body in bodies.values():
        for member in body.members.all():
            scope = member.scope_unit
            assert scope.kind in {UnitKind.STATION, UnitKind.BUREAU}
            assert body.serves.get().path.startswith(scope.path), (body.name, member.username)


# (2) referrals, sessions, agreements ---------------------------------------------------------------


def test_every_referral_state_appears_and_fits_its_case(referrals):
    states = Counter(r.state for r in referrals)
    assert set(states) == set(Referral.State.values), states
    assert states[Referral.State.SUCCEEDED] > states[Referral.State.FAILED] > 50
    assert any(r.joint for r in referrals)
    open_tasks = defaultdict(list)
    for t in Task.objects.filter(
        kind=Task.Kind.REFERRAL, dispute__station__path__startswith=BUREAU_PATH
    ):
        open_tasks[t.data["referral"]].append(t)
    for r in referrals:
        d = r.dispute
        assert body_serves(r.body, d), (d.case_number, r.body.name)
        assert r.kind == r.body.mediation_kind
        assert r.due_at > r.referred_at
        assert r.referred_by.role in {
            Role.AUXILIARY,
            Role.COMMUNITY_OFFICER,
            Role.STATION_STAFF,
            Role.STATION_CHIEF,
        }
        if r.is_pending:
            assert d.status == Status.MEDIATING, d.case_number
        if r.state in {Referral.State.ACCEPTED, Referral.State.RETURNED}:
            assert r.answered_by in r.body.members.all() and r.answered_at > r.referred_at
        sessions = list(r.sessions.all())
        for s in sessions:
            assert set(s.mediators.all()) <= set(r.body.members.all())
            assert s.recorded_by in s.mediators.all()
            assert s.held_at >= r.referred_at and s.attendees and s.summary and s.place
        if r.state == Referral.State.RETURNED:
            assert r.return_reason
            (task,) = open_tasks[r.pk]
            assert task.state == Task.State.OPEN and task.data["reason"] == r.return_reason
            assert task.assignee_id == d.owner_id
        if r.state == Referral.State.WITHDRAWN:
            assert r.conclusion and r.concluded_at
        if r.state == Referral.State.SUCCEEDED:
            assert sessions[-1].result == SessionResult.AGREED
            assert r.agreement.dispute_id == d.pk
        if r.state == Referral.State.FAILED:
            assert sessions[-1].result == SessionResult.NOT_AGREED
            assert r.conclusion == sessions[-1].summary
            (task,) = open_tasks[r.pk]
            assert task.state == Task.State.DONE and task.completed_by_id == d.owner_id
        if r.state in {Referral.State.SUCCEEDED, Referral.State.FAILED}:
            assert d.status != Status.MEDIATING
            assert all(s.result == SessionResult.CONTINUING for s in sessions[:-1])
            assert r.concluded_at >= sessions[-1].held_at


def test_referrals_go_where_the_category_belongs(referrals):
    kinds = defaultdict(Counter)
    for r in referrals:
        kinds[r.dispute.category.code][r.body.department or r.body.kind] += 1
    assert kinds["labour"].most_common(1)[0][0] == "人社"
    assert kinds["medical"].most_common(1)[0][0] == "卫健"
    assert kinds["debt"][BodyKind.COURT] > 0
    assert (
        kinds["neighbour"][BodyKind.VILLAGE_COMMITTEE] + kinds["family"][BodyKind.VILLAGE_COMMITTEE]
        > 0
    )


def test_agreements_have_ordered_schedules(demo, db):
    today = timezone.localdate()
    agreements = list(
        Agreement.objects.filter(dispute__station__path__startswith=BUREAU_PATH)
        .select_related("dispute", "referral")
        .prefetch_related("instalments")
    )
    assert len(agreements) > 300
    assert {a.form for a in agreements} == set(Agreement.Form.values)
    performance = {
        t.data["instalment"]: t
        for t in Task.objects.filter(
            kind=Task.Kind.PERFORMANCE, dispute__station__path__startswith=BUREAU_PATH
        )
    }
    missed = 0
    for a in agreements:
        assert re.fullmatch(rf"{a.dispute.case_number}-T[12]", a.number)
        assert a.facts and a.terms and a.referral.state == Referral.State.SUCCEEDED
        assert a.signed_on <= today
        if a.form == Agreement.Form.JUDICIAL:
            assert a.court and a.confirmation_number and a.signed_on <= a.confirmed_on <= today
        instalments = list(a.instalments.all())
        assert 1 <= len(instalments) <= 4
        assert [i.sequence for i in instalments] == list(range(1, len(instalments) + 1))
        assert [i.due_on for i in instalments] == sorted(i.due_on for i in instalments)
        assert all(i.due_on >= a.signed_on and i.description for i in instalments)
        if a.amount is not None:
            assert a.dispute.amount_involved is not None
            assert sum(i.amount for i in instalments) == a.amount > 0
            assert all(i.amount > 0 for i in instalments)
        for i in instalments:
            if i.performed_on:
                assert a.signed_on <= i.performed_on <= today and i.recorded_by_id
                assert i.performed_amount == i.amount
            elif i.due_on < today:  # overdue: flagged once, with a task for the owner
                assert i.missed_at is not None
                task = performance[i.pk]
                assert task.state == Task.State.OPEN and task.assignee_id == a.dispute.owner_id
                assert a.dispute.status == Status.FOLLOWING_UP
                missed += 1
            else:
                assert i.missed_at is None
    assert missed > 0
    money = [a for a in agreements if a.amount is not None]
    assert money and any(len(a.instalments.all()) > 1 for a in money)
    assert Decimal(0) not in {a.amount for a in money}


# (3) the timeline ----------------------------------------------------------------------------------


def test_mediation_steps_are_taken_by_the_bodys_mediators(referrals):
    members = {r.pk: {m.pk for m in r.body.members.all()} for r in referrals}
    by_session = {s.pk: r.pk for r in referrals for s in r.sessions.all()}
    by_number = dict(
        Agreement.objects.filter(dispute__station__path__startswith=BUREAU_PATH).values_list(
            "number", "referral_id"
        )
    )
    windows = {}
    for dispute_id, action, at in (
        DisputeEvent.objects.filter(
            dispute__station__path__startswith=BUREAU_PATH,
            action__in=["start_mediation", "record_outcome"],
        )
        .order_by("at", "pk")
        .values_list("dispute_id", "action", "at")
    ):
        windows.setdefault(dispute_id, {})[action] = at
    seen = Counter()
    for event in DisputeEvent.objects.filter(
        dispute__station__path__startswith=BUREAU_PATH,
        action__in=[*MEDIATOR_ACTIONS, "refer", "referral_withdraw", "instalment_missed"],
    ):
        seen[event.action] += 1
        changes = event.changes
        if event.action in {"referral_accept", "referral_return", "mediation_failed"}:
            referral = changes["referral"][1]["id"]
        elif event.action == "mediation_session":
            referral = by_session[changes["session"][1]["id"]]
        elif event.action == "agreement_record":
            referral = by_number[changes["agreement"][1]["number"]]
        elif event.action in {"instalment_perform", "instalment_missed"}:
            referral = by_number[changes["instalment"][1]["agreement"]]
        elif event.action == "referral_withdraw":  # by the case's officers
            assert event.actor.role != Role.MEDIATOR
            continue
        else:  # refer: between the start of mediation and the outcome, by the case's officers
            assert set(changes) == {"referrals", "route", "due_at"}
            window = windows[event.dispute_id]
            assert window["start_mediation"] < event.at
            outcome = window.get("record_outcome")
            if outcome is not None and outcome > window["start_mediation"]:
                assert event.at < outcome
            continue
        if event.action == "instalment_missed":
            assert event.actor is None
            continue
        assert event.actor_id in members[referral], (event.action, event.dispute_id)
    assert set(seen) == {*MEDIATOR_ACTIONS, "refer", "referral_withdraw", "instalment_missed"}
    assert seen["refer"] == len({r.dispute_id for r in referrals})


def test_a_visit_record_for_every_follow_up(demo, db):
    events = list(
        DisputeEvent.objects.filter(
            dispute__station__path__startswith=BUREAU_PATH, action="follow_up"
        ).values_list("dispute_id", "at", "actor_id", "changes", "note")
    )
    visits = list(
        FollowUpVisit.objects.filter(dispute__station__path__startswith=BUREAU_PATH).values_list(
            "dispute_id",
            "visited_at",
            "visited_by_id",
            "matter_settled",
            "grievance_settled",
            "note",
            "method",
            "satisfaction",
            "met_with",
        )
    )
    assert events and len(visits) == len(events)
    assert Counter(
        (d, at, actor, c["matter_settled"][1], c["grievance_settled"][1], note)
        for d, at, actor, c, note in events
    ) == Counter(v[:6] for v in visits)
    assert {v[6] for v in visits} >= {FollowUpVisit.Method.IN_PERSON, FollowUpVisit.Method.PHONE}
    for *_, matter, grievance, _note, _method, satisfaction, met_with in visits:
        assert met_with
        if matter and grievance:
            assert satisfaction != FollowUpVisit.Satisfaction.DISSATISFIED
        else:
            assert satisfaction != FollowUpVisit.Satisfaction.SATISFIED


def test_cases_awaiting_closure_lack_nothing(demo, db):
    waiting = Dispute.objects.filter(
        station__path__startswith=BUREAU_PATH, status=Status.CLOSURE_REQUESTED
    )
    assert waiting.count() >= 5
    for d in waiting:
        assert closure_missing(dispute=d) == [], d.case_number
    # Closed cases had their round of visits since their latest outcome too (reopened ones included).
    required = dict(LevelPolicy.objects.values_list("level", "visits_after_outcome"))
    closed = Dispute.objects.filter(station__path__startswith=BUREAU_PATH, status=Status.CLOSED)
    for d in closed.filter(events__action="reopen").distinct():
        visits = list(visits_since_outcome(d).order_by("visited_at", "id"))
        assert len(visits) >= required[d.level] and visits[-1].both_settled, d.case_number
    assert not Instalment.objects.filter(
        agreement__dispute__in=closed, performed_on__isnull=True
    ).exists()


# (4) the report, idempotence, determinism -------------------------------------------------------------


def test_the_first_load_reported_what_it_made(demo, db):
    rows = {row.key: row for section in demo.sections for row in section.rows}
    for key in ("bodies", "members", "sessions", "agreements", "instalments", "visits"):
        assert rows[key].created == rows[key].total > 0, key
    for state in Referral.State.values:
        assert rows[f"referrals.{state}"].created == rows[f"referrals.{state}"].total > 0
    assert (
        rows[Role.MEDIATOR].created
        == rows[Role.MEDIATOR].total
        == User.objects.filter(role=Role.MEDIATOR).count()
    )
    assert rows["events"].created == rows["events"].total
    assert rows["tasks"].created == rows["tasks"].total


def test_a_second_load_creates_nothing(demo, db):
    counts = (
        MediationBody.objects.count(),
        Referral.objects.count(),
        MediationSession.objects.count(),
        Agreement.objects.count(),
        Instalment.objects.count(),
        FollowUpVisit.objects.count(),
        DisputeEvent.objects.count(),
        User.objects.count(),
    )
    report = load_demo(steps=DEMO_STEPS)
    assert report.created == 0
    assert counts == (
        MediationBody.objects.count(),
        Referral.objects.count(),
        MediationSession.objects.count(),
        Agreement.objects.count(),
        Instalment.objects.count(),
        FollowUpVisit.objects.count(),
        DisputeEvent.objects.count(),
        User.objects.count(),
    )
    (section,) = [s for s in report.sections if s.title == MEDIATION.count(_Ctx()).title]
    rows = {row.key: row for row in section.rows}
    assert rows["bodies"].total == counts[0] and rows["visits"].total == counts[5]
    assert all(row.created == 0 for row in section.rows)


class _Ctx:
    created: Counter = Counter()


def test_same_seed_same_mediation(demo, db):
    county = plan_county()
    first = plan_bodies(county, random.Random(1))
    assert plan_bodies(county, random.Random(1)) == first
    assert plan_bodies(county, random.Random(2)) != first

    cases, _follow_ups = read_cases()
    bodies, _mediators = first
    users = dict(User.objects.filter(role=Role.MEDIATOR).values_list("username", "pk"))
    users.update({m.username: -n for n, m in enumerate(_mediators, start=1)})
    hours = dict(LevelPolicy.objects.values_list("level", "first_contact_hours"))
    now = timezone.now().replace(microsecond=0) + dt.timedelta(minutes=1)

    def plan(seed: int):
        p = plan_mediation(
            cases,
            rng=random.Random(seed),
            bodies=bodies,
            users=users,
            first_contact_hours=hours,
            now=now,
        )
        return [
            (r.dispute, r.body, r.state, r.referred_at, [s.summary for s in r.sessions])
            for r in p.referrals
        ], [(e.dispute, e.at, e.action, e.actor) for e in p.events]

    assert plan(5) == plan(5)
    assert plan(5) != plan(6)
