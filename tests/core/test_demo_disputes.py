"""The demo dispute register (`concord load-demo`): coverage, timelines that walk the workflow table, tasks
that follow the level policies, case numbers the service continues, idempotence and determinism.

The demo is loaded once for the module (it takes a few seconds) inside a transaction that is rolled
back at the end; each test runs in a savepoint of its own inside it.
"""

import datetime as dt
import random
import re
from collections import Counter, defaultdict

import pytest
from django.db import transaction
from django.utils import timezone

from concord.accounts.models import Role, User
from concord.core.demo import BUREAU_CODE, load_demo, plan_county
from concord.core.demo.disputes import TOTAL, Policy, plan_disputes
from concord.core.demo.loader import STEPS
from concord.disputes.data.categories import CATEGORIES, LEVEL_POLICIES
from concord.disputes.models import (
    OPEN_STATUSES,
    Assessment,
    CaseSequence,
    Category,
    Dispute,
    DisputeEvent,
    Level,
    LevelPolicy,
    Party,
    Status,
    Task,
)
from concord.disputes.workflow import TRANSITIONS
from concord.people.identity import parse_id_number
from concord.territory.models import Unit, UnitKind

BUREAU_PATH = f"/{BUREAU_CODE}/"
# Steps on the timeline that are not transitions: the status stays. Mediators of the referral's body
# take the mediation room's (tests/core/test_demo_mediation.py checks whose body); the officers
# handling the case withdraw a referral; Concord's own scheduled check finds a missed instalment.
MEDIATION_ACTIONS = {
    "referral_accept": {Role.MEDIATOR},
    "referral_return": {Role.MEDIATOR},
    "mediation_session": {Role.MEDIATOR},
    "mediation_failed": {Role.MEDIATOR},
    "agreement_record": {Role.MEDIATOR},
    "instalment_perform": {Role.MEDIATOR},
    "instalment_missed": {None},
}
# The county, its register and the people linked: the steps after them (leads triaged into new
# cases, nil reports) have tests of their own.
REGISTER_STEPS = [step for step in STEPS if step.name not in {"leads", "screening"}]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield load_demo(steps=REGISTER_STEPS)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def disputes(demo, db) -> dict[int, dict]:
    return {
        row["pk"]: row
        for row in Dispute.objects.filter(station__path__startswith=BUREAU_PATH).values(
            "pk",
            "case_number",
            "status",
            "level",
            "version",
            "found_at",
            "closed_at",
            "created_at",
            "handling_tier",
            "owner__role",
            "lead_leader__role",
            "lead_leader_id",
            "assessment_id",
            "outcome_note",
            "transferred_to",
            "category__code",
            "subtype__code",
            "subtype__parent__code",
            "grid__path",
            "grid__kind",
            "station__code",
            "station__kind",
            "people_involved",
            "amount_involved",
            "registered_by__role",
        )
    }


@pytest.fixture
def policies(db) -> dict[str, LevelPolicy]:
    return {p.level: p for p in LevelPolicy.objects.all()}


# (1) what there is -------------------------------------------------------------------------------


def test_every_status_category_level_and_station_is_there(disputes):
    rows = list(disputes.values())
    assert 2900 <= len(rows) <= 3100
    assert {r["status"] for r in rows} == set(Status.values)
    assert {r["category__code"] for r in rows} == {code for code, *_ in CATEGORIES}
    subtypes = {sub for _, _, _, subs in CATEGORIES for sub, *_ in subs}
    assert {r["subtype__code"] for r in rows} - {None} == subtypes
    assert all(r["subtype__parent__code"] in (None, r["category__code"]) for r in rows)
    levels = Counter(r["level"] for r in rows)
    assert 0.62 <= levels[Level.YELLOW] / len(rows) <= 0.78
    assert 0.16 <= levels[Level.ORANGE] / len(rows) <= 0.28
    assert 0.05 <= levels[Level.RED] / len(rows) <= 0.11
    stations = Counter(r["station__code"] for r in rows)
    assert (
        len(stations)
        == Unit.objects.filter(kind=UnitKind.STATION, path__startswith=BUREAU_PATH).count()
        == 21
    )
    assert min(stations.values()) >= 40
    # Dashboards have open serious cases to show.
    open_serious = [r for r in rows if r["status"] in OPEN_STATUSES and r["level"] != Level.YELLOW]
    assert len(open_serious) >= 24
    assert any(r["level"] == Level.RED for r in open_serious)


def test_old_cases_are_mostly_closed_and_recent_ones_open(disputes):
    now = timezone.now()
    old = [r for r in disputes.values() if now - r["found_at"] > dt.timedelta(days=120)]
    recent = [r for r in disputes.values() if now - r["found_at"] < dt.timedelta(days=14)]
    assert all(now - r["found_at"] <= dt.timedelta(days=367) for r in disputes.values())
    assert sum(r["status"] == Status.CLOSED for r in old) / len(old) >= 0.9
    assert sum(r["status"] in OPEN_STATUSES for r in recent) / len(recent) >= 0.9


def test_each_dispute_is_consistent_with_its_state(disputes):
    for r in disputes.values():
        assert r["grid__kind"] == UnitKind.GRID and r["station__kind"] == UnitKind.STATION
        # The station is the grid's own (services._station_of); the number is the station's.
        assert f"/{r['station__code']}/" in r["grid__path"]
        assert re.fullmatch(rf"{r['station__code']}-(\d{{4}})-\d{{5}}", r["case_number"]), r[
            "case_number"
        ]
        assert r["case_number"][10:14] == str(timezone.localdate(r["found_at"]).year)
        assert r["created_at"] >= r["found_at"]
        assert (r["closed_at"] is not None) == (r["status"] == Status.CLOSED)
        if r["status"] in {Status.REGISTERED}:
            assert r["assessment_id"] is None
        if r["status"] not in {Status.REGISTERED, Status.REOPENED}:
            assert r["assessment_id"] is not None
        if r["status"] in {Status.RESOLVED, Status.CONTAINED, Status.TRANSFERRED}:
            assert r["outcome_note"]
        if r["status"] == Status.TRANSFERRED:
            assert r["transferred_to"]
        if r["level"] == Level.RED:
            assert r["lead_leader__role"] == Role.BUREAU_COMMANDER
            assert r["handling_tier"] == "bureau"
        assert r["owner__role"] in {
            Role.AUXILIARY,
            Role.COMMUNITY_OFFICER,
            Role.STATION_STAFF,
            Role.STATION_CHIEF,
        }
    # Group cases and sums where the category calls for them.
    by_category = defaultdict(list)
    for r in disputes.values():
        by_category[r["category__code"]].append(r)
    for code in ("labour", "requisition"):
        assert any(r["people_involved"] >= 10 for r in by_category[code])
    for code in ("debt", "labour", "damages"):
        assert all(
            r["amount_involved"] is not None and r["amount_involved"] > 0 for r in by_category[code]
        )


def test_assessments_are_on_record(disputes):
    current = dict(
        Assessment.objects.filter(
            pk__in=[r["assessment_id"] for r in disputes.values() if r["assessment_id"]]
        ).values_list("pk", "dispute_id")
    )
    for r in disputes.values():
        if r["assessment_id"]:
            assert current[r["assessment_id"]] == r["pk"]
    rows = Assessment.objects.filter(dispute__station__path__startswith=BUREAU_PATH).values(
        "level",
        "reasons",
        "instrument_version",
        "assessed_by__role",
        "assessed_at",
        "dispute__found_at",
    )
    for a in rows:
        assert a["instrument_version"] == "judgement"
        assert a["reasons"] and all(
            re.search(r"[\u4e00-\u9fff]", reason) for reason in a["reasons"]
        )
        assert a["assessed_by__role"] in {
            Role.COMMUNITY_OFFICER,
            Role.STATION_STAFF,
            Role.STATION_CHIEF,
            Role.BUREAU_COMMANDER,
        }
        assert a["assessed_at"] > a["dispute__found_at"]


def test_parties_look_like_people(demo, db):
    parties = list(
        Party.objects.filter(dispute__station__path__startswith=BUREAU_PATH).values(
            "dispute_id", "role", "name", "id_number", "phone", "sex", "birth_date"
        )
    )
    per_dispute = Counter(p["dispute_id"] for p in parties)
    assert set(per_dispute.values()) <= {1, 2, 3} and len(per_dispute) >= 2900
    assert {p["role"] for p in parties} == set(Party.Role.values)
    with_id = [p for p in parties if p["id_number"]]
    assert 0.5 <= len(with_id) / len(parties) <= 0.7
    assert len({p["id_number"] for p in with_id}) == len(with_id)
    for p in parties:
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,3}", p["name"]), p["name"]
        assert p["sex"] in {"M", "F"} and dt.date(1950, 1, 1) <= p["birth_date"] <= dt.date(
            2004, 12, 31
        )
        assert p["phone"] == "" or re.fullmatch(r"1[358]\d{9}", p["phone"])
        if p["id_number"]:
            parsed = parse_id_number(p["id_number"])
            assert p["id_number"][:6] in {"411603", "411626"}
            assert (parsed.sex, parsed.birth_date) == (p["sex"], p["birth_date"])


# (2) timelines walk the workflow table -----------------------------------------------------------


def test_timelines_walk_the_workflow(disputes):
    events = defaultdict(list)
    for row in (
        DisputeEvent.objects.filter(dispute__station__path__startswith=BUREAU_PATH)
        .order_by("dispute_id", "at", "id")
        .values_list(
            "dispute_id",
            "action",
            "from_status",
            "to_status",
            "changes",
            "at",
            "actor__role",
            "actor__scope_unit__path",
        )
    ):
        events[row[0]].append(row[1:])
    assert set(events) == set(disputes)
    seen_actions = Counter()
    for pk, timeline in events.items():
        d = disputes[pk]
        assert d["version"] == len(timeline), d["case_number"]
        assert timeline[0][0] == "register" and timeline[0][1] == ""
        assert timeline[-1][2] == d["status"], d["case_number"]
        assert d["created_at"] == timeline[0][4]
        level, status, last_at = None, "", None
        for action, from_status, to_status, changes, at, role, scope in timeline:
            seen_actions[action] += 1
            assert from_status == status, (d["case_number"], action)
            assert last_at is None or at >= last_at
            assert scope is None or d["grid__path"].startswith(scope), (
                d["case_number"],
                action,
                scope,
            )
            assert (role is None) == (action == "instalment_missed"), (d["case_number"], action)
            after = changes["level"][1] if "level" in changes else level
            if action in TRANSITIONS:
                transition = TRANSITIONS[action]
                # The level in force when the actor acted (register sets the first one).
                assert transition.allowed(role, level or after), (
                    d["case_number"],
                    action,
                    role,
                    level,
                )
                if action != "register":
                    assert from_status in transition.sources, (
                        d["case_number"],
                        action,
                        from_status,
                    )
                if transition.targets is None:
                    assert to_status == from_status
                else:
                    assert to_status in transition.targets
                if action != "register" and to_status != from_status:
                    assert changes["status"] == [from_status, to_status]
            elif action == "referral_withdraw":
                assert to_status == from_status
                assert TRANSITIONS["refer"].allowed(role, level), (d["case_number"], role, level)
            elif action in MEDIATION_ACTIONS:
                assert to_status == from_status
                assert role in MEDIATION_ACTIONS[action], (d["case_number"], action, role)
            else:
                assert action == "task_complete" and to_status == from_status
                assert (
                    changes["state"] == ["open", "done"]
                    and changes["task"][1]["kind"] in Task.Kind.values
                )
            if action in {"assign", "reassign"} and "owner" in changes:
                assert set(changes["owner"][1]) == {"id", "label"}
            level, status, last_at = after, to_status, at
        assert level == d["level"], d["case_number"]
    for action in (
        "assess",
        "assign",
        "start_mediation",
        "record_outcome",
        "follow_up",
        "request_closure",
        "approve_closure",
        "reopen",
        "reassign",
        "change_level",
        "reject_closure",
        "task_complete",
        "refer",
        *MEDIATION_ACTIONS,
        "referral_withdraw",
    ):
        assert seen_actions[action] > 0, action
    assert seen_actions["register"] == len(disputes)


def test_closed_cases_went_the_whole_way(disputes):
    closed = [pk for pk, d in disputes.items() if d["status"] == Status.CLOSED]
    paths = defaultdict(list)
    for pk, action in (
        DisputeEvent.objects.filter(dispute_id__in=closed)
        .exclude(action="task_complete")
        .order_by("dispute_id", "at", "id")
        .values_list("dispute_id", "action")
    ):
        paths[pk].append(action)
    for pk in closed:
        path = paths[pk]
        assert path[:2] == ["register", "assess"] and path[-2:] == [
            "request_closure",
            "approve_closure",
        ]
        assert "record_outcome" in path and "follow_up" in path


# (3) tasks follow the level policies ---------------------------------------------------------------


def test_tasks_follow_the_policies(disputes, policies):
    now = timezone.now()
    tasks = list(
        Task.objects.filter(dispute__station__path__startswith=BUREAU_PATH).values(
            "dispute_id",
            "kind",
            "state",
            "level",
            "due_at",
            "created_at",
            "completed_at",
            "completed_by_id",
            "waive_reason",
            "assignee__role",
        )
    )
    assert {t["kind"] for t in tasks} >= {
        "first_contact",
        "assessment",
        "plan",
        "mediation",
        "follow_up",
        "closure",
    }
    registered_at = {pk: d["created_at"] for pk, d in disputes.items()}
    overdue = set()
    for t in tasks:
        d = disputes[t["dispute_id"]]
        assert t["created_at"] >= d["found_at"]
        if t["state"] == Task.State.DONE:
            assert t["completed_at"] is not None and t["completed_by_id"] is not None
            assert t["completed_at"] >= t["created_at"]
        elif t["state"] == Task.State.WAIVED:
            assert t["waive_reason"]
        else:
            assert t["completed_at"] is None
            if t["due_at"] < now:
                overdue.add(t["dispute_id"])
            if d["status"] == Status.CLOSED:
                # Only the monthly visits after a red case's closure are still to come.
                assert (t["kind"], t["level"]) == ("follow_up", Level.RED) and t["due_at"] > d[
                    "closed_at"
                ]
                assert t["due_at"] > now
        if t["kind"] == "plan":
            assert t["level"] == Level.RED
        # The checklist written at registration counts from the moment the dispute was found; later ones
        # from the moment they were written.
        if t["created_at"] == registered_at[t["dispute_id"]]:
            policy = policies[t["level"]]
            hours = {
                "first_contact": policy.first_contact_hours,
                "assessment": policy.assessment_hours,
                "mediation": policy.mediation_days * 24,
                "closure": policy.closure_days * 24,
            }[t["kind"]]
            assert t["due_at"] - d["found_at"] == dt.timedelta(hours=hours)
        else:
            assert t["due_at"] > t["created_at"]
    open_cases = [pk for pk, d in disputes.items() if d["status"] in OPEN_STATUSES]
    assert 0.08 <= len(overdue) / len(open_cases) <= 0.3


# (4) the register goes on from here ----------------------------------------------------------------


def test_case_sequences_let_the_service_continue(disputes):
    from concord.disputes.services import PartyInput, dispute_register

    highest = Counter()
    for d in disputes.values():
        station, year, seq = d["case_number"].split("-")
        highest[(station, int(year))] = max(highest[(station, int(year))], int(seq))
    sequences = {
        (code, year): last
        for code, year, last in CaseSequence.objects.values_list("unit__code", "year", "last")
    }
    assert all(sequences[key] == last for key, last in highest.items())

    grid_worker = User.objects.get(
        username=f"grid-{Dispute.objects.order_by('-found_at').first().grid.code}"
    )
    dispute = dispute_register(
        actor=grid_worker,
        title="演示后新登记的纠纷",
        category=Category.objects.get(code="neighbour"),
        grid=grid_worker.scope_unit,
        parties=[PartyInput(name="张三"), PartyInput(name="李四", role="respondent")],
    )
    station = grid_worker.scope_unit.code[:9]
    year = timezone.localdate().year
    assert dispute.case_number == f"{station}-{year}-{highest[(station, year)] + 1:05d}"
    assert dispute.station.code == station


def test_a_second_load_creates_nothing(disputes):
    counts = (
        Dispute.objects.count(),
        Party.objects.count(),
        DisputeEvent.objects.count(),
        Task.objects.count(),
        Assessment.objects.count(),
    )
    report = load_demo(steps=REGISTER_STEPS)
    assert report.created == 0
    assert counts == (
        Dispute.objects.count(),
        Party.objects.count(),
        DisputeEvent.objects.count(),
        Task.objects.count(),
        Assessment.objects.count(),
    )
    rows = {row.key: row for section in report.sections for row in section.rows}
    assert rows["disputes"].total == len(disputes) and rows["disputes"].created == 0
    assert rows["events"].total == counts[2] and rows["tasks"].total == counts[3]


def test_the_first_load_reported_what_it_made(demo, db):
    rows = {row.key: row for section in demo.sections for row in section.rows}
    for key in ("disputes", "parties", "events", "tasks"):
        assert rows[key].created == rows[key].total > 0
    assert rows["disputes"].total == TOTAL


# (5) determinism -----------------------------------------------------------------------------------


def _policies() -> dict[str, Policy]:
    return {
        p["level"]: Policy(**{f: p[f] for f in Policy.__dataclass_fields__}) for p in LEVEL_POLICIES
    }


def _content(plans) -> list[tuple]:
    return [
        (
            p.place.grid,
            p.category,
            p.subtype,
            p.level,
            p.channel,
            p.title,
            p.description,
            p.people_involved,
            p.amount,
            [(x.role, x.name, x.id_number, x.phone, x.birth_date) for x in p.parties],
            [(s.action, s.actor) for s in p.steps],
            p.stall_at,
        )
        for p in plans
    ]


def test_same_seed_same_disputes_whatever_the_day():
    county = plan_county()
    now = dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.UTC)

    def plans(seed: int, at: dt.datetime):
        return plan_disputes(
            county,
            rng=random.Random(f"{seed}:disputes"),
            today=timezone.localdate(at),
            now=at,
            policies=_policies(),
            total=200,
        )

    first, again = plans(1, now), plans(1, now)
    assert _content(first) == _content(again)
    assert [p.found_at for p in first] == [p.found_at for p in again]
    later = plans(1, now + dt.timedelta(days=40))
    assert _content(later) == _content(first)
    assert {p.found_at.date() for p in later} != {p.found_at.date() for p in first}
    assert [p.title for p in plans(2, now)] != [p.title for p in first]
    for p in first:
        assert p.steps[0].action == "register" and p.steps[0].at <= now
        assert all(a.at < b.at for a, b in zip(p.steps, p.steps[1:], strict=False))


def test_every_demo_party_is_linked_to_a_person_with_its_keys(demo, db):
    from concord.people.models import PersonKey

    parties = Party.objects.filter(dispute__station__path__startswith=BUREAU_PATH)
    assert parties.exists() and not parties.filter(person__isnull=True).exists()
    with_phone = parties.exclude(phone="").first()
    assert PersonKey.objects.filter(person=with_phone.person, kind="phone").exists()
