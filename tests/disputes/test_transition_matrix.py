"""Every transition × every role × every level: allowed exactly where the table says, refused elsewhere."""

import pytest

from concord.accounts.models import Role
from concord.disputes import services
from concord.disputes.models import Dispute, Level, Status
from concord.disputes.workflow import TRANSITIONS
from concord.mediation import services as mediation_services
from concord.mediation.closure import CLOSABLE_FROM
from tests.factories import UserFactory, make_closure_ready, mediation_body, register_dispute

pytestmark = pytest.mark.django_db

# A representative starting state for each action.
START = {
    "assess": Status.REGISTERED,
    "change_level": Status.MEDIATING,
    "assign": Status.ASSESSED,
    "reassign": Status.ASSIGNED,
    "start_mediation": Status.ASSIGNED,
    "refer": Status.ASSIGNED,
    "record_outcome": Status.MEDIATING,
    "follow_up": Status.RESOLVED,
    "request_closure": Status.FOLLOWING_UP,
    "approve_closure": Status.CLOSURE_REQUESTED,
    "reject_closure": Status.CLOSURE_REQUESTED,
    "reopen": Status.CLOSED,
}


def _act(action, actor, d, county):
    v = d.version
    leader = county.commander if d.level == Level.RED else None
    calls = {
        "assess": lambda: services.dispute_assess(
            actor=actor,
            dispute=d,
            expected_version=v,
            level=d.level,
            reasons=["复核"],
            lead_leader=leader,
        ),
        "change_level": lambda: services.dispute_change_level(
            actor=actor,
            dispute=d,
            expected_version=v,
            level=d.level,
            reasons=["复核"],
            lead_leader=leader,
        ),
        "assign": lambda: services.dispute_assign(
            actor=actor, dispute=d, expected_version=v, owner=county.east.officer
        ),
        "reassign": lambda: services.dispute_assign(
            actor=actor, dispute=d, expected_version=v, owner=county.east.chief
        ),
        "start_mediation": lambda: services.dispute_start_mediation(
            actor=actor, dispute=d, expected_version=v
        ),
        "record_outcome": lambda: services.dispute_record_outcome(
            actor=actor, dispute=d, expected_version=v, outcome="resolved", note="化解"
        ),
        "refer": lambda: (
            mediation_services.referral_create(
                actor=actor,
                dispute=d,
                expected_version=v,
                bodies=[mediation_body(county.east.station)],
            )[0].dispute
        ),
        "follow_up": lambda: (
            mediation_services.visit_record(
                actor=actor,
                dispute=d,
                expected_version=v,
                note="回访",
                matter_settled=True,
                grievance_settled=True,
            ).dispute
        ),
        "request_closure": lambda: services.dispute_request_closure(
            actor=actor, dispute=d, expected_version=v
        ),
        "approve_closure": lambda: services.dispute_approve_closure(
            actor=actor, dispute=d, expected_version=v
        ),
        "reject_closure": lambda: services.dispute_reject_closure(
            actor=actor, dispute=d, expected_version=v, note="不同意"
        ),
        "reopen": lambda: services.dispute_reopen(
            actor=actor, dispute=d, expected_version=v, note="复发"
        ),
    }
    return calls[action]()


def _actor(role, county):
    b = county.east
    existing = {
        Role.GRID_WORKER: b.grid_worker,
        Role.AUXILIARY: b.auxiliary,
        Role.COMMUNITY_OFFICER: b.officer,
        Role.STATION_CHIEF: b.chief,
        Role.BUREAU_COMMANDER: county.commander,
    }
    if role in existing:
        return existing[role]
    scope = {Role.STATION_STAFF: b.station, Role.MEDIATOR: b.station}.get(role, county.bureau)
    return UserFactory(role=role, scope_unit=scope)


def _dispute_in(county, status, level):
    d = register_dispute(county.east, level=level)
    Dispute.objects.filter(pk=d.pk).update(
        status=status, lead_leader=county.commander if level == Level.RED else None
    )
    d.refresh_from_db()
    if status in CLOSABLE_FROM:
        d = make_closure_ready(d, county.east.officer)
    return d


CASES = [
    (action, role, level) for action in START for role in Role.values for level in Level.values
]


@pytest.mark.parametrize(("action", "role", "level"), CASES, ids=["-".join(c) for c in CASES])
def test_transition_is_allowed_exactly_to_the_roles_in_the_table(county, action, role, level):
    d = _dispute_in(county, START[action], level)
    steps_before = d.events.count()
    actor = _actor(role, county)
    if TRANSITIONS[action].allowed(role, level):
        result = _act(action, actor, d, county)
        assert result.version == d.version + 1
    else:
        with pytest.raises(services.TransitionRefused):
            _act(action, actor, d, county)
        d.refresh_from_db()
        assert d.status == START[action] and d.events.count() == steps_before


@pytest.mark.parametrize("role", Role.values)
def test_registration_is_allowed_exactly_to_the_roles_in_the_table(county, role):
    actor = _actor(role, county)
    if TRANSITIONS["register"].allowed(role, Level.YELLOW):
        assert register_dispute(county.east, actor=actor).status == Status.REGISTERED
    else:
        with pytest.raises(services.TransitionRefused):
            register_dispute(county.east, actor=actor)


@pytest.mark.parametrize("action", sorted(START))
def test_an_officer_outside_the_area_is_refused_every_action(county, action):
    d = _dispute_in(county, START[action], Level.YELLOW)
    with pytest.raises(services.TransitionRefused):
        _act(action, county.west.officer, d, county)


@pytest.mark.parametrize(
    "action", ["approve_closure", "record_outcome", "reopen", "start_mediation"]
)
def test_an_action_from_the_wrong_state_is_refused(county, action):
    d = register_dispute(county.east)
    with pytest.raises(services.TransitionRefused):
        _act(action, county.commander, d, county)
