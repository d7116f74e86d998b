"""The transition table of a dispute's life (DESIGN §4), as data.

One row per action: the states it may start from, the states it may lead to (None: the status does
not change), which roles may take it at each risk level, and the data it requires. Services consult
this table and nothing else; the role matrix test reads it too.
"""

from dataclasses import dataclass

from concord.accounts.models import Role
from concord.disputes.models import Level, Status

S = Status
FIELD = frozenset({Role.GRID_WORKER, Role.AUXILIARY, Role.COMMUNITY_OFFICER})
OFFICERS = frozenset(
    {Role.COMMUNITY_OFFICER, Role.STATION_STAFF, Role.STATION_CHIEF, Role.BUREAU_COMMANDER}
)
STATION_UP = frozenset({Role.STATION_STAFF, Role.STATION_CHIEF, Role.BUREAU_COMMANDER})
CHIEFS = frozenset({Role.STATION_CHIEF, Role.BUREAU_COMMANDER})
BUREAU = frozenset({Role.BUREAU_COMMANDER})
ANY_TERRITORIAL = FIELD | STATION_UP
WORKING = frozenset({S.ASSESSED, S.ASSIGNED, S.MEDIATING})
AFTER_OUTCOME = frozenset({S.RESOLVED, S.CONTAINED, S.TRANSFERRED, S.FOLLOWING_UP})
OPEN = frozenset(set(Status) - {S.CLOSED})


def same_for_all_levels(roles: frozenset[str]) -> dict[str, frozenset[str]]:
    return {level: roles for level in Level}


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    targets: frozenset[str] | None  # None: the status stays as it is
    roles: dict[str, frozenset[str]]  # level -> roles that may act on a case of that level
    requires: tuple[str, ...] = ()

    def allowed(self, role: str, level: str) -> bool:
        return role in self.roles.get(level, frozenset())


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition(
            "register",
            frozenset(),
            frozenset({S.REGISTERED}),
            same_for_all_levels(ANY_TERRITORIAL),
            ("title", "category", "grid"),
        ),
        Transition(
            "assess",
            frozenset({S.REGISTERED, S.REOPENED, S.ASSESSED}),
            frozenset({S.ASSESSED}),
            same_for_all_levels(OFFICERS),
            ("level", "reasons"),
        ),
        Transition(
            "change_level",
            OPEN - {S.REGISTERED, S.REOPENED},
            None,
            same_for_all_levels(OFFICERS),
            ("level", "reasons"),
        ),
        Transition(
            "assign",
            frozenset({S.ASSESSED}),
            frozenset({S.ASSIGNED}),
            {Level.YELLOW: OFFICERS, Level.ORANGE: STATION_UP, Level.RED: CHIEFS},
            ("owner",),
        ),
        Transition(
            "reassign",
            frozenset({S.ASSIGNED, S.MEDIATING}) | AFTER_OUTCOME,
            None,
            {Level.YELLOW: OFFICERS, Level.ORANGE: STATION_UP, Level.RED: CHIEFS},
            ("owner",),
        ),
        Transition(
            "start_mediation",
            frozenset({S.ASSIGNED}),
            frozenset({S.MEDIATING}),
            {
                Level.YELLOW: OFFICERS | {Role.AUXILIARY},
                Level.ORANGE: OFFICERS,
                Level.RED: OFFICERS,
            },
        ),
        Transition(
            "refer",
            frozenset({S.ASSIGNED, S.MEDIATING}),
            frozenset({S.MEDIATING}),
            {
                Level.YELLOW: OFFICERS | {Role.AUXILIARY},
                Level.ORANGE: OFFICERS,
                Level.RED: OFFICERS,
            },
            ("bodies",),
        ),
        Transition(
            "record_outcome",
            frozenset({S.ASSIGNED, S.MEDIATING}),
            frozenset({S.RESOLVED, S.CONTAINED, S.TRANSFERRED}),
            {
                Level.YELLOW: OFFICERS | {Role.AUXILIARY},
                Level.ORANGE: OFFICERS,
                Level.RED: STATION_UP,
            },
            ("outcome", "note"),
        ),
        Transition(
            "follow_up",
            AFTER_OUTCOME,
            frozenset({S.FOLLOWING_UP}),
            same_for_all_levels(ANY_TERRITORIAL),
            ("note",),
        ),
        Transition(
            "request_closure",
            frozenset({S.FOLLOWING_UP}),
            frozenset({S.CLOSURE_REQUESTED}),
            {
                Level.YELLOW: OFFICERS | {Role.AUXILIARY},
                Level.ORANGE: OFFICERS,
                Level.RED: OFFICERS,
            },
        ),
        Transition(
            "approve_closure",
            frozenset({S.CLOSURE_REQUESTED}),
            frozenset({S.CLOSED}),
            {
                Level.YELLOW: frozenset({Role.COMMUNITY_OFFICER}) | CHIEFS,
                Level.ORANGE: CHIEFS,
                Level.RED: BUREAU,
            },
        ),
        Transition(
            "reject_closure",
            frozenset({S.CLOSURE_REQUESTED}),
            frozenset({S.FOLLOWING_UP}),
            {
                Level.YELLOW: frozenset({Role.COMMUNITY_OFFICER}) | CHIEFS,
                Level.ORANGE: CHIEFS,
                Level.RED: BUREAU,
            },
            ("note",),
        ),
        Transition(
            "reopen",
            frozenset({S.CLOSED}),
            frozenset({S.REOPENED}),
            same_for_all_levels(ANY_TERRITORIAL),
            ("note",),
        ),
    ]
}


def actions_available(*, role: str, status: str, level: str) -> list[str]:
    """The actions a role may take on a case in this status and at this level (for buttons)."""
    return [
        t.action
        for t in TRANSITIONS.values()
        if t.action != "register" and status in t.sources and t.allowed(role, level)
    ]
