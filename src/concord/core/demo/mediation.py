"""Demo step: the county's mediation bodies and what they did with the demo's cases.

Bodies: for every township (a station's area) its people's mediation committee (乡镇/街道人民调解委员会)
and justice office (司法所), at every station a police–mediation desk (警调对接室), a committee in a
sample of villages, and the county's own: the court's pre-litigation mediation centre and five
departments. The station's `mediator-<station>` account serves on its township's committee, justice
office and desk; the step adds accounts for the county bodies (`mediator-court`, `mediator-hrss`…), a
chair for each village committee (`mediator-<village>`) and a second member on some township
committees.

Cases: every follow-up event of the register becomes a visit record (回访). A share of the cases that
went through mediation was referred to a body chosen by category: a case still being mediated has
its referral waiting, accepted, returned (a task for its owner carries the reason) or withdrawn; a case
past its outcome had its sessions and ended in an agreement, with a performance schedule, or without.
Each step is on the case's timeline between its start of mediation and its outcome, taken by the case
officer (refer, withdraw) or by a mediator of the body (the rest). Closed and closure-requested cases
have every instalment performed before closure was requested, so nothing the closure rules ask for is
missing; a few open cases have an instalment missed, flagged with a task for the owner.

The plan is drawn from the step's own stream, one sub-stream per case in the order the cases were
written, so one seed and one register give the same mediation. When the demo county already has a
mediation body, the step creates nothing.
"""

import bisect
import datetime as dt
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from concord.accounts.models import Role, User
from concord.core.demo import mediation_texts as texts
from concord.core.demo.base import CountRow, DemoContext, Section, Step, bilingual
from concord.core.demo.county import (
    BUREAU_CODE,
    DEMO_PASSWORD,
    STATIONS,
    CountyPlan,
    _password_hash,
)
from concord.core.demo.disputes import _set_columns, _weighted, amount_text, daytime
from concord.core.demo.names import PeopleNamer
from concord.disputes.models import Dispute, DisputeEvent, LevelPolicy, Party, Status, Task
from concord.disputes.workflow import TRANSITIONS
from concord.mediation.models import (
    BODY_MEDIATION_KIND,
    Agreement,
    BodyKind,
    FollowUpVisit,
    Instalment,
    MediationBody,
    MediationSession,
    Referral,
    ReferralRoute,
    SessionResult,
)
from concord.mediation.services import REFERRAL_DAYS
from concord.territory.models import Unit, UnitKind

_BATCH = 500
_BUREAU_PATH = f"/{BUREAU_CODE}/"
S = Status
R = Referral.State
AFTER_OUTCOME = frozenset(
    {S.RESOLVED, S.CONTAINED, S.TRANSFERRED, S.FOLLOWING_UP, S.CLOSURE_REQUESTED, S.CLOSED}
)
VILLAGE_COMMITTEES_PER_STATION = 3
# How likely a case that went through mediation was referred to a body, by its outcome (none yet: it
# is still being mediated); a red case a little more often.
P_REFER = {None: 0.6, S.RESOLVED: 0.35, S.CONTAINED: 0.45, S.TRANSFERRED: 0.3}
P_REFER_RED = 0.15
P_JOINT = 0.5  # of red cases referred: to two bodies at once
# The states of the referrals of cases still being mediated, dealt in turn so every one appears.
MEDIATING_STATES = (R.ACCEPTED, R.REFERRED, R.RETURNED, R.ACCEPTED, R.WITHDRAWN, R.REFERRED)
# Of the agreements on cases being followed up with an instalment already due, every so many (the
# first among them) had the latest one missed.
MISS_EVERY = 4
MONEY_CATEGORIES = frozenset({"debt", "labour", "damages", "medical"})
MINUTE = dt.timedelta(minutes=1)


# ---------------------------------------------------------------------------------------------
# The bodies (pure)


@dataclass(frozen=True)
class MediatorPlan:
    username: str
    display_name: str
    phone: str
    scope: str  # unit code: a station, or the bureau for the county's bodies


@dataclass(frozen=True)
class BodyPlan:
    key: str  # "township:<station>", "village:<village>", "court", "hrss"…
    name: str
    kind: str
    department: str
    serves: str  # unit code
    members: tuple[str, ...]  # usernames
    phone: str
    address: str
    place: str  # where its sessions are held


def township_name(station_index: int) -> str:
    """The township a station serves; the two urban stations' halves of the county town are 街道."""
    spec = STATIONS[station_index]
    return f"{spec.name.removesuffix('派出所')}街道" if spec.urban else spec.area


def plan_bodies(
    county: CountyPlan, rng: random.Random
) -> tuple[list[BodyPlan], list[MediatorPlan]]:
    """The demo county's mediation bodies and the mediator accounts they add, for a seed's stream."""
    namer = PeopleNamer(random.Random(rng.getrandbits(64)))
    mediators: list[MediatorPlan] = []
    bodies: list[BodyPlan] = []

    def landline() -> str:
        return f"0394-43{rng.randrange(10**5):05d}"

    def add_mediator(username: str, scope: str) -> str:
        mediators.append(MediatorPlan(username, namer.name(), namer.phone(), scope))
        return username

    units = {u.code: u for u in county.units}
    stations = county.of_kind(UnitKind.STATION)
    villages_of: dict[str, list] = defaultdict(list)
    for village in county.of_kind(UnitKind.VILLAGE):
        villages_of[units[village.parent].parent].append(village)
    for i, station in enumerate(stations):
        town = township_name(i)
        office = "街道办事处" if town.endswith("街道") else "人民政府"
        own = f"mediator-{station.code}"
        committee = [own]
        if rng.random() < 0.5:
            committee.append(add_mediator(f"mediator-{station.code}-2", station.code))
        bodies += [
            BodyPlan(
                f"township:{station.code}",
                f"{town}人民调解委员会",
                BodyKind.TOWNSHIP_COMMITTEE,
                "",
                station.code,
                tuple(committee),
                landline(),
                f"{town}{office}院内",
                f"{town}人民调解委员会调解室",
            ),
            BodyPlan(
                f"justice:{station.code}",
                f"{town}司法所",
                BodyKind.JUSTICE_OFFICE,
                "",
                station.code,
                (own,),
                landline(),
                f"{town}{office}东侧",
                f"{town}司法所调解室",
            ),
            BodyPlan(
                f"desk:{station.code}",
                f"{station.name}警调对接室",
                BodyKind.POLICE_DESK,
                "",
                station.code,
                (own,),
                landline(),
                f"{station.name}一楼",
                f"{station.name}警调对接室",
            ),
        ]
        for village in sorted(
            rng.sample(villages_of[station.code], VILLAGE_COMMITTEES_PER_STATION),
            key=lambda v: v.code,
        ):
            seat = "居委会" if village.name.endswith("社区") else "村委会"
            bodies.append(
                BodyPlan(
                    f"village:{village.code}",
                    f"{town}{village.name}人民调解委员会",
                    BodyKind.VILLAGE_COMMITTEE,
                    "",
                    village.code,
                    (add_mediator(f"mediator-{village.code}", station.code),),
                    namer.phone(),
                    f"{village.name}{seat}",
                    f"{village.name}{seat}调解室",
                )
            )
    for key, kind, department, name, address, usernames in texts.COUNTY_BODIES:
        members = tuple(add_mediator(u, BUREAU_CODE) for u in usernames)
        place = name if name.endswith("室") else f"{name}调解室"
        if kind == BodyKind.COURT:
            place = f"{name}第{rng.randint(1, 3)}调解室"
        bodies.append(
            BodyPlan(key, name, kind, department, BUREAU_CODE, members, landline(), address, place)
        )
    return bodies, mediators


# ---------------------------------------------------------------------------------------------
# The cases (pure once the register is read)


@dataclass
class CaseInfo:
    """What the plan needs of a demo case: its register row, parties and timeline."""

    pk: int
    case_number: str
    status: str
    level: str
    category: str
    subtype: str | None
    channel: str
    title: str
    amount: Decimal | None
    station: str
    village: str
    owner: int
    owner_role: str
    officer: int  # the sector's officer: the register's owner, an officer at every level
    parties: list[tuple[str, str]]  # (role, name)
    events: list[tuple[dt.datetime, str, str]]  # (at, action, to_status), in timeline order
    version: int
    updated_at: dt.datetime


@dataclass(eq=False)
class Row:
    """A planned row; `pk` is set once it is written, for the events and tasks that point at it."""

    pk: int | None = field(default=None, init=False)


@dataclass(eq=False)
class SessionPlan(Row):
    held_at: dt.datetime
    place: str
    mediators: list[int]
    attendees: str
    summary: str
    result: str
    recorded_at: dt.datetime


@dataclass(eq=False)
class InstalmentPlan(Row):
    sequence: int
    due_on: dt.date
    description: str
    amount: Decimal | None
    performed_on: dt.date | None = None
    performed_note: str = ""
    recorded_by: int | None = None
    missed_at: dt.datetime | None = None


@dataclass(eq=False)
class AgreementPlan(Row):
    number: str
    form: str
    facts: str
    terms: str
    amount: Decimal | None
    signed_on: dt.date
    court: str
    confirmation_number: str
    confirmed_on: dt.date | None
    recorded_by: int
    recorded_at: dt.datetime
    instalments: list[InstalmentPlan]


@dataclass(eq=False)
class ReferralPlan(Row):
    dispute: int
    body: str  # body key
    route: str
    kind: str
    joint: bool
    note: str
    due_at: dt.datetime
    referred_by: int
    referred_at: dt.datetime
    state: str = R.REFERRED
    answered_by: int | None = None
    answered_at: dt.datetime | None = None
    return_reason: str = ""
    concluded_at: dt.datetime | None = None
    conclusion: str = ""
    sessions: list[SessionPlan] = field(default_factory=list)
    agreement: AgreementPlan | None = None


@dataclass(eq=False)
class TaskPlan(Row):
    dispute: int
    kind: str
    title: str
    due_at: dt.datetime
    assignee: int
    level: str
    created_at: dt.datetime
    data: dict[str, Any]
    completed_at: dt.datetime | None = None
    completed_by: int | None = None


@dataclass(eq=False)
class EventPlan:
    dispute: int
    at: dt.datetime
    actor: int | None
    action: str
    status: str
    changes: dict[str, Any]
    note: str = ""


@dataclass
class MediationPlan:
    referrals: list[ReferralPlan] = field(default_factory=list)
    tasks: list[TaskPlan] = field(default_factory=list)
    events: list[EventPlan] = field(default_factory=list)


@dataclass(frozen=True)
class _Id:
    """The key of a planned row, in an event's changes or a task's data."""

    row: Row


def _resolve(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _resolve(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v) for v in value]
    if isinstance(value, _Id):
        return value.row.pk
    return value


class _Planner:
    def __init__(
        self,
        *,
        bodies: list[BodyPlan],
        users: dict[str, int],
        first_contact_hours: dict[str, int],
        now: dt.datetime,
    ) -> None:
        self.bodies = {b.key: b for b in bodies}
        self.members = {b.key: [users[u] for u in b.members] for b in bodies}
        self.first_contact_hours = first_contact_hours
        self.now = now
        self.today = timezone.localdate(now)
        self.tz = timezone.get_current_timezone()
        self.out = MediationPlan()
        self.dealt = 0  # referrals of cases being mediated dealt so far
        self.could_miss = 0  # agreements that could have had an instalment missed so far
        self.rulings: Counter[int] = Counter()  # judicial confirmations per year
        self.focus = ""  # the point in dispute of the case being planned

    # --- helpers --------------------------------------------------------------------------------

    def candidates(self, case: CaseInfo) -> dict[str, float]:
        weights: dict[str, float] = {}
        for slot, weight in texts.BODY_WEIGHTS[case.category].items():
            key = {
                "village": f"village:{case.village}",
                "township": f"township:{case.station}",
                "justice": f"justice:{case.station}",
                "desk": f"desk:{case.station}",
            }.get(slot, slot)
            if key in self.bodies:
                weights[key] = weights.get(key, 0) + weight
        special = texts.SUBTYPE_BODY.get(case.subtype or "")
        if special in self.bodies:
            weights[special] = weights.get(special, 0) + 6
        return weights

    def times(
        self, rng: random.Random, lo: dt.datetime, hi: dt.datetime, n: int
    ) -> list[dt.datetime] | None:
        """n increasing moments strictly between lo and hi, in working hours where they fit."""
        if hi - lo < dt.timedelta(hours=2) * (n + 1):
            return None
        fractions = sorted(rng.uniform(0.05, 0.9) for _i in range(n))
        out: list[dt.datetime] = []
        for f in fractions:
            t = lo + (hi - lo) * f
            if out:
                t = max(t, out[-1] + dt.timedelta(hours=1))
            day = daytime(t, rng.randrange(90), self.tz)
            if day >= hi - dt.timedelta(hours=1):  # too late: the evening before, if there is room
                day = self.evening(t, rng)
                if day <= (out[-1] if out else lo) + dt.timedelta(minutes=30):
                    day = t
            out.append(day)
        if out[-1] >= hi - dt.timedelta(minutes=30):
            step = (hi - lo) / (n + 1)
            out = [lo + step * (k + 1) for k in range(n)]
        return out

    def evening(self, t: dt.datetime, rng: random.Random) -> dt.datetime:
        """`t` if it falls in working hours, else the end of the working day before it."""
        local = timezone.localtime(t, self.tz)
        if 8 <= local.hour < 20:
            return t
        day = local.date() - dt.timedelta(days=1 if local.hour < 8 else 0)
        start = dt.datetime.combine(day, dt.time(18, 30), tzinfo=self.tz)
        return (start + rng.randrange(80) * MINUTE).astimezone(dt.UTC)

    def mediator(self, rng: random.Random, body: str) -> int:
        return rng.choice(self.members[body])

    def event(self, case: CaseInfo, at: dt.datetime, actor: int | None, action: str, **kw) -> None:
        status = self.status_at(case, at)
        self.out.events.append(EventPlan(case.pk, at, actor, action, status, **kw))

    @staticmethod
    def status_at(case: CaseInfo, at: dt.datetime) -> str:
        # An event written now comes after every earlier one at the same moment (its id is higher).
        i = bisect.bisect_right([e[0] for e in case.events], at)
        return case.events[i - 1][2]

    def local(self, day: dt.date, rng: random.Random) -> dt.datetime:
        minute = rng.randrange(9 * 60, 18 * 60)
        return (dt.datetime.combine(day, dt.time(), tzinfo=self.tz) + minute * MINUTE).astimezone(
            dt.UTC
        )

    def names(self, case: CaseInfo) -> tuple[str, str]:
        a = next((n for r, n in case.parties if r == Party.Role.APPLICANT), "申请人")
        b = next((n for r, n in case.parties if r == Party.Role.RESPONDENT), "")
        return a, b or "对方当事人"

    # --- a case -----------------------------------------------------------------------------------

    def case(self, case: CaseInfo, rng: random.Random) -> None:
        """Refer the case if it went through mediation in its latest round and the dice say so."""
        actions = [e[1] for e in case.events]
        if case.status not in AFTER_OUTCOME | {S.MEDIATING} or "start_mediation" not in actions:
            return
        start = len(actions) - 1 - actions[::-1].index("start_mediation")
        end = next((i for i in range(start, len(actions)) if actions[i] == "record_outcome"), None)
        if end is None and case.status != S.MEDIATING or "reopen" in actions[start:]:
            return  # only the latest round of a case: its level and owner are the case's own
        outcome = case.events[end][2] if end is not None else None
        # Everything happens after the last change of level or owner while mediating, so the level
        # and the owner are the case's own (and no level change supersedes a task written here).
        lo = max(
            case.events[i][0]
            for i in range(start, end if end is not None else len(actions))
            if i == start or actions[i] in {"change_level", "reassign"}
        )
        hi = case.events[end][0] if end is not None else self.now
        p = P_REFER[outcome] + (P_REFER_RED if case.level == "red" else 0)
        if rng.random() >= p:
            return
        self.focus = rng.choice(texts.FOCUS.get(case.subtype or "", texts.FOCUS[case.category]))
        weights = self.candidates(case)
        bodies = [_weighted(rng, weights)]
        if case.level == "red" and len(weights) > 1 and rng.random() < P_JOINT:
            rest = {k: w for k, w in weights.items() if k != bodies[0]}
            bodies.append(_weighted(rng, rest))
        officer = (
            case.owner
            if TRANSITIONS["refer"].allowed(case.owner_role, case.level)
            else case.officer
        )
        if outcome is None:
            self.mediating(case, rng, bodies, officer, lo, hi)
        else:
            self.concluded(case, rng, bodies, officer, lo, hi, outcome, end)

    def refer(
        self,
        case: CaseInfo,
        rng: random.Random,
        bodies: list[str],
        officer: int,
        at: dt.datetime,
    ) -> list[ReferralPlan]:
        route = ReferralRoute.PETITION if case.channel == "petition" else ReferralRoute.POLICE
        if bodies[0] == "court" and rng.random() < 0.5:
            route = ReferralRoute.COURT
        note = rng.choice(texts.REFER_NOTES)
        if len(bodies) > 1:
            note = texts.JOINT_NOTE + note
        due_at = at + dt.timedelta(days=REFERRAL_DAYS[case.level])
        made = [
            ReferralPlan(
                dispute=case.pk,
                body=key,
                route=route,
                kind=BODY_MEDIATION_KIND[self.bodies[key].kind],
                joint=len(bodies) > 1,
                note=note,
                due_at=due_at,
                referred_by=officer,
                referred_at=at,
            )
            for key in bodies
        ]
        self.out.referrals += made
        self.event(
            case,
            at,
            officer,
            "refer",
            changes={
                "referrals": [None, [self.bodies[k].name for k in bodies]],
                "route": [None, route],
                "due_at": [None, due_at.isoformat()],
            },
            note=note,
        )
        return made

    def answer(self, case: CaseInfo, ref: ReferralPlan, action: str, at: dt.datetime, by: int):
        ref.answered_by, ref.answered_at = by, at
        self.event(case, at, by, action, **self.about(ref))

    def about(self, ref: ReferralPlan, note: str = "") -> dict[str, Any]:
        return {
            "changes": {"referral": [None, {"id": _Id(ref), "body": self.bodies[ref.body].name}]},
            "note": note,
        }

    def owner_task(
        self,
        case: CaseInfo,
        *,
        kind: str,
        title: str,
        data: dict[str, Any],
        at: dt.datetime,
    ) -> TaskPlan:
        task = TaskPlan(
            dispute=case.pk,
            kind=kind,
            title=title[:120],
            due_at=at + dt.timedelta(hours=self.first_contact_hours[case.level]),
            assignee=case.owner,
            level=case.level,
            created_at=at,
            data=data,
        )
        self.out.tasks.append(task)
        return task

    def session(
        self,
        case: CaseInfo,
        rng: random.Random,
        ref: ReferralPlan,
        held_at: dt.datetime,
        result: str,
        until: dt.datetime,
    ) -> tuple[SessionPlan, dt.datetime]:
        """A session and its record on the timeline (made some minutes later, before `until`)."""
        a, b = self.names(case)
        body = self.bodies[ref.body]
        by = self.mediator(rng, ref.body)
        others = [m for m in self.members[ref.body] if m != by]
        mediators = [by] + (others[:1] if others and rng.random() < 0.5 else [])
        place = body.place
        if case.category in {"family", "neighbour", "land"} and rng.random() < 0.2:
            place = "争议现场" if case.category == "land" else f"{a}家中（上门调解）"
        parties = f"申请人{a}、被申请人{b}" if len(case.parties) > 1 else f"申请人{a}"
        words = {
            "a": a,
            "b": b,
            "focus": self.focus,
            "n": rng.choice((3, 5, 7)),
        }
        summary = rng.choice(texts.SESSION_SUMMARIES[result]).format(**words)
        recorded = min(held_at + dt.timedelta(minutes=rng.randint(30, 120)), until - MINUTE)
        recorded = max(recorded, held_at)
        session = SessionPlan(
            held_at=held_at,
            place=place,
            mediators=mediators,
            attendees=parties + rng.choice(texts.ATTENDEE_EXTRAS),
            summary=summary,
            result=result,
            recorded_at=recorded,
        )
        ref.sessions.append(session)
        self.event(
            case,
            recorded,
            by,
            "mediation_session",
            changes={
                "session": [None, {"id": _Id(session), "body": body.name}],
                "result": [None, result],
            },
            note=summary[:500],
        )
        return session, recorded

    # --- a case still being mediated ----------------------------------------------------------------

    def mediating(
        self,
        case: CaseInfo,
        rng: random.Random,
        bodies: list[str],
        officer: int,
        lo: dt.datetime,
        hi: dt.datetime,
    ) -> None:
        moments = self.times(rng, lo, hi, 4)
        if moments is None:
            return
        state = MEDIATING_STATES[self.dealt % len(MEDIATING_STATES)]
        self.dealt += 1
        referred_at, answered_at, third, fourth = moments
        refs = self.refer(case, rng, bodies, officer, referred_at)
        for n, ref in enumerate(refs):
            mine = state if n == 0 else (R.ACCEPTED if state == R.RETURNED else state)
            by = self.mediator(rng, ref.body)
            if mine == R.REFERRED:
                continue
            if mine == R.RETURNED:
                reason = rng.choice(texts.RETURN_REASONS)
                ref.state, ref.return_reason = R.RETURNED, reason
                ref.answered_by, ref.answered_at = by, answered_at
                body = self.bodies[ref.body].name
                self.owner_task(
                    case,
                    kind=Task.Kind.REFERRAL,
                    title=_("Returned by %(body)s: %(reason)s") % {"body": body, "reason": reason},
                    data={"referral": _Id(ref), "reason": reason},
                    at=answered_at,
                )
                self.event(case, answered_at, by, "referral_return", **self.about(ref, reason))
                continue
            if mine == R.WITHDRAWN and rng.random() < 0.5:  # withdrawn before it was answered
                withdrawn_at = answered_at
            else:
                self.answer(case, ref, "referral_accept", answered_at, by)
                ref.state = R.ACCEPTED
                withdrawn_at = fourth
                if rng.random() < 0.5:
                    self.session(case, rng, ref, third, SessionResult.CONTINUING, fourth)
            if mine == R.WITHDRAWN:
                reason = rng.choice(texts.WITHDRAW_REASONS)
                ref.state, ref.concluded_at, ref.conclusion = R.WITHDRAWN, withdrawn_at, reason
                self.event(
                    case, withdrawn_at, officer, "referral_withdraw", **self.about(ref, reason)
                )

    # --- a case past its outcome ----------------------------------------------------------------------

    def concluded(
        self,
        case: CaseInfo,
        rng: random.Random,
        bodies: list[str],
        officer: int,
        lo: dt.datetime,
        hi: dt.datetime,
        outcome: str,
        end: int,
    ) -> None:
        p_success = {S.RESOLVED: 0.88, S.CONTAINED: 0.2}.get(outcome, 0.0)
        success = rng.random() < p_success
        n_sessions = _weighted(rng, {1: 5, 2: 3, 3: 1} if success else {1: 6, 2: 3})
        moments = self.times(rng, lo, hi, 2 + n_sessions)
        if moments is None:
            return
        refs = self.refer(case, rng, bodies, officer, moments[0])
        # After the outcome: closure asks that everything due is performed, so a case whose closure
        # was requested had every instalment due and performed before the (first) request.
        request = next((e[0] for e in case.events[end:] if e[1] == "request_closure"), None)
        for n, ref in enumerate(refs):
            self.answer(
                case, ref, "referral_accept", moments[1] + n * MINUTE, self.mediator(rng, ref.body)
            )
            ref.state = R.ACCEPTED
            last = None
            for k, held_at in enumerate(moments[2:]):
                final = k == n_sessions - 1
                result = (
                    SessionResult.CONTINUING
                    if not final
                    else SessionResult.AGREED
                    if success
                    else SessionResult.NOT_AGREED
                )
                until = moments[2 + k + 1] if not final else hi - dt.timedelta(minutes=20)
                last, recorded = self.session(case, rng, ref, held_at + n * MINUTE, result, until)
            at = recorded + MINUTE
            by = last.mediators[0]
            if success:
                self.agreement(case, rng, ref, at, by, secondary=n > 0, request=request)
            else:
                self.failed(case, rng, ref, at, by, hi)

    def failed(
        self,
        case: CaseInfo,
        rng: random.Random,
        ref: ReferralPlan,
        at: dt.datetime,
        by: int,
        outcome_at: dt.datetime,
    ) -> None:
        summary = ref.sessions[-1].summary
        ref.state, ref.concluded_at, ref.conclusion = R.FAILED, at, summary
        body = self.bodies[ref.body].name
        self.event(case, at, by, "mediation_failed", **self.about(ref))
        task = self.owner_task(
            case,
            kind=Task.Kind.REFERRAL,
            title=_("No agreement at %(body)s: decide the next step") % {"body": body},
            data={"referral": _Id(ref), "reason": summary[:200]},
            at=at,
        )
        # The owner decides the next step before the outcome is recorded.
        done = min(
            at + (outcome_at - at) * rng.uniform(0.1, 0.6),
            task.due_at,
            outcome_at - MINUTE,
        )
        done = max(done, at + MINUTE)
        task.completed_at, task.completed_by = done, case.owner
        self.event(
            case,
            done,
            case.owner,
            "task_complete",
            changes={
                "task": [None, {"id": _Id(task), "kind": Task.Kind.REFERRAL}],
                "state": [Task.State.OPEN, Task.State.DONE],
            },
            note=rng.choice(texts.FAILED_TASK_NOTES),
        )

    def agreement(
        self,
        case: CaseInfo,
        rng: random.Random,
        ref: ReferralPlan,
        at: dt.datetime,
        by: int,
        *,
        secondary: bool,
        request: dt.datetime | None,
    ) -> None:
        a, b = self.names(case)
        signed_on = timezone.localdate(at, self.tz)
        money = (
            not secondary
            and case.amount is not None
            and (case.category in MONEY_CATEGORIES or rng.random() < 0.6)
        )
        amount: Decimal | None = None
        steps: list[tuple[str, Decimal | None]] = []
        if money:
            agreed = case.amount * Decimal(rng.uniform(0.6, 1.0))
            amount = max(Decimal(100), (agreed / 100).quantize(Decimal(1)) * 100).quantize(
                Decimal("0.01")
            )
            n = _weighted(rng, {1: 45, 2: 25, 3: 18, 4: 12})
            if amount < 400 * n:
                n = 1
            what = texts.MONEY_WHAT.get(case.subtype or "", texts.MONEY_WHAT[case.category])
            shares = [Decimal(1)] if n == 1 else [Decimal(rng.uniform(0.3, 0.6))]
            for _k in range(n - 1):
                shares.append((1 - shares[0]) / (n - 1))
            left = amount
            for k, share in enumerate(shares):
                part = (
                    left
                    if k == n - 1
                    else max(Decimal(100), (amount * share / 100).quantize(Decimal(1)) * 100)
                )
                part = min(part, left)
                left -= part
                label = f"（第{k + 1}期）" if n > 1 else ""
                steps.append((f"{b}支付{a}{what}{amount_text(part)}{label}", part))
            steps = [(d, p) for d, p in steps if p > 0]
        else:
            pool = texts.DEEDS.get(case.category, texts.DEED_ANY)
            deeds = rng.sample(pool, min(len(pool), 1 if secondary else rng.randint(1, 2)))
            steps = [(d.format(a=a, b=b), None) for d in deeds]

        # When each step falls due: at signing or within days, then every two to four weeks.
        offsets = [0 if rng.random() < 0.5 else rng.randint(3, 15)]
        for _k in steps[1:]:
            offsets.append(offsets[-1] + rng.randint(15, 31))
        if request is not None:
            span = max(0, (timezone.localdate(request, self.tz) - signed_on).days - 1)
            if offsets[-1] > span:
                offsets = [o * span // offsets[-1] for o in offsets]
        instalments = [
            InstalmentPlan(
                sequence=k,
                due_on=signed_on + dt.timedelta(days=offset),
                description=description[:200],
                amount=part,
            )
            for k, ((description, part), offset) in enumerate(zip(steps, offsets, strict=True), 1)
        ]

        form = self.form(rng, ref, amount)
        number = f"{case.case_number}-T{2 if secondary else 1}"
        court = ruling = ""
        confirmed_on = None
        if form == Agreement.Form.JUDICIAL:
            confirmed_on = signed_on + dt.timedelta(days=rng.randint(2, 20))
            if confirmed_on > self.today:
                form, confirmed_on = Agreement.Form.WRITTEN, None
            else:
                self.rulings[confirmed_on.year] += 1
                court = texts.COURT_NAME
                ruling = (
                    f"（{confirmed_on.year}）{texts.COURT_CODE}民特"
                    f"{self.rulings[confirmed_on.year]}号"
                )
        schedule = "；".join(
            f"{i.due_on.month}月{i.due_on.day}日前支付{amount_text(i.amount)}" for i in instalments
        )
        closing = rng.choice(texts.CLOSINGS)
        if money:
            what = texts.MONEY_WHAT.get(case.subtype or "", texts.MONEY_WHAT[case.category])
            terms = texts.MONEY_TERMS.format(
                a=a, b=b, what=what, amt=amount_text(amount), schedule=schedule, closing=closing
            )
        else:
            deeds = "；".join(
                f"{i.description}（{i.due_on.month}月{i.due_on.day}日前）" for i in instalments
            )
            terms = texts.DEED_TERMS.format(deeds=deeds, closing=closing)
        agreement = AgreementPlan(
            number=number,
            form=form,
            facts=texts.FACTS.format(title=case.title, focus=self.focus),
            terms=terms,
            amount=amount,
            signed_on=signed_on,
            court=court,
            confirmation_number=ruling,
            confirmed_on=confirmed_on,
            recorded_by=by,
            recorded_at=at,
            instalments=instalments,
        )
        ref.agreement = agreement
        ref.state, ref.concluded_at, ref.conclusion = R.SUCCEEDED, at, terms
        self.event(
            case,
            at,
            by,
            "agreement_record",
            changes={
                "agreement": [None, {"id": _Id(agreement), "number": number}],
                "form": [None, form],
                "amount": [None, str(amount) if amount is not None else None],
                "instalments": [0, len(instalments)],
            },
            note=terms[:500],
        )
        self.perform(case, rng, ref, agreement, request)

    def form(self, rng: random.Random, ref: ReferralPlan, amount: Decimal | None) -> str:
        F = Agreement.Form
        if self.bodies[ref.body].kind == BodyKind.COURT:
            weights = {F.JUDICIAL: 6, F.WRITTEN: 4}
        elif amount is None:
            weights = {F.ORAL: 5, F.WRITTEN: 5}
        elif amount >= 20_000:
            weights = {F.JUDICIAL: 3, F.WRITTEN: 6, F.ORAL: 1}
        else:
            weights = {F.WRITTEN: 6, F.ORAL: 3, F.JUDICIAL: 1}
        return _weighted(rng, weights)

    def perform(
        self,
        case: CaseInfo,
        rng: random.Random,
        ref: ReferralPlan,
        agreement: AgreementPlan,
        request: dt.datetime | None,
    ) -> None:
        """Each instalment already due is performed (on a case being followed up, the last one due
        is sometimes missed instead, and flagged); those due later are still to come."""
        due = [i for i in agreement.instalments if i.due_on < self.today or request is not None]
        missed: InstalmentPlan | None = None
        if due and case.status == S.FOLLOWING_UP and request is None:
            self.could_miss += 1
            miss = self.could_miss % MISS_EVERY == 1
        else:
            miss = False
        if miss:
            candidate = due[-1]
            missed_at = (
                dt.datetime.combine(
                    candidate.due_on + dt.timedelta(days=1), dt.time(2), tzinfo=self.tz
                )
                + rng.randrange(30) * MINUTE
            ).astimezone(dt.UTC)
            if missed_at < self.now:
                missed, candidate.missed_at = candidate, missed_at
        for inst in due:
            if inst is missed:
                continue
            performed_on = max(
                agreement.signed_on, inst.due_on - dt.timedelta(days=rng.choice((0, 0, 0, 1, 2)))
            )
            at = (
                agreement.recorded_at + rng.randint(5, 60) * MINUTE
                if performed_on == agreement.signed_on
                else self.local(performed_on, rng)
            )
            at = max(agreement.recorded_at + MINUTE, min(at, self.now - MINUTE))
            if request is not None:
                at = min(at, request - MINUTE)
            by = self.mediator(rng, ref.body)
            inst.performed_on = timezone.localdate(at, self.tz)
            inst.performed_note = rng.choice(texts.PERFORMED_NOTES)
            inst.recorded_by = by
            self.event(
                case,
                at,
                by,
                "instalment_perform",
                changes={
                    "instalment": [None, {"agreement": agreement.number, "n": inst.sequence}],
                    "performed_amount": [
                        None,
                        str(inst.amount) if inst.amount is not None else None,
                    ],
                },
                note=inst.performed_note,
            )
        if missed is not None:
            assert missed.missed_at is not None
            title = _("Agreement %(number)s: instalment %(n)s, due %(due)s, not performed") % {
                "number": agreement.number,
                "n": missed.sequence,
                "due": missed.due_on,
            }
            self.owner_task(
                case,
                kind=Task.Kind.PERFORMANCE,
                title=title,
                data={"instalment": _Id(missed), "agreement": _Id(agreement)},
                at=missed.missed_at,
            )
            self.event(
                case,
                missed.missed_at,
                None,
                "instalment_missed",
                changes={
                    "instalment": [None, {"agreement": agreement.number, "n": missed.sequence}],
                    "due_on": [None, missed.due_on.isoformat()],
                },
                note=missed.description,
            )


def plan_mediation(
    cases: list[CaseInfo],
    *,
    rng: random.Random,
    bodies: list[BodyPlan],
    users: dict[str, int],
    first_contact_hours: dict[str, int],
    now: dt.datetime,
) -> MediationPlan:
    """The referrals, sessions, agreements, tasks and timeline steps for the demo's cases, in memory.
    Every case draws its own sub-stream, so which cases are eligible today changes nothing else."""
    planner = _Planner(bodies=bodies, users=users, first_contact_hours=first_contact_hours, now=now)
    seeds = [rng.getrandbits(64) for _case in cases]
    with translation.override("zh-hans"):
        for case, seed in zip(cases, seeds, strict=True):
            planner.case(case, random.Random(seed))
    return planner.out


# ---------------------------------------------------------------------------------------------
# Reading the register


def _demo_disputes():
    return Dispute.objects.filter(station__path__startswith=_BUREAU_PATH)


def read_cases() -> tuple[list[CaseInfo], list[dict[str, Any]]]:
    """The demo cases as the plan needs them, and the follow-up events (for the visit records)."""
    parties: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for dispute_id, role, name in (
        Party.objects.filter(dispute__station__path__startswith=_BUREAU_PATH)
        .order_by("dispute_id", "pk")
        .values_list("dispute_id", "role", "name")
    ):
        parties[dispute_id].append((role, name))
    demo_events = DisputeEvent.objects.filter(dispute__station__path__startswith=_BUREAU_PATH)
    events: dict[int, list[tuple[dt.datetime, str, str]]] = defaultdict(list)
    for dispute_id, at, action, to_status in demo_events.order_by(
        "dispute_id", "at", "pk"
    ).values_list("dispute_id", "at", "action", "to_status"):
        events[dispute_id].append((at, action, to_status))
    # The changes only where they are read (decoding every event's JSON would double the time).
    officers: dict[int, int] = {}
    follow_ups: list[dict[str, Any]] = []
    for row in (
        demo_events.filter(action__in=["register", "follow_up"])
        .order_by("dispute_id", "at", "pk")
        .values("dispute_id", "at", "action", "actor_id", "changes", "note")
    ):
        if row["action"] == "register":
            owner = (row["changes"].get("owner") or [None, None])[1]
            if owner:
                officers[row["dispute_id"]] = owner["id"]
        else:
            follow_ups.append(row)
    cases = [
        CaseInfo(
            pk=d["pk"],
            case_number=d["case_number"],
            status=d["status"],
            level=d["level"],
            category=d["category__code"],
            subtype=d["subtype__code"],
            channel=d["channel"],
            title=d["title"],
            amount=d["amount_involved"],
            station=d["station__code"],
            village=d["grid__parent__code"],
            owner=d["owner_id"],
            owner_role=d["owner__role"],
            officer=officers.get(d["pk"], d["owner_id"]),
            parties=parties[d["pk"]],
            events=events[d["pk"]],
            version=d["version"],
            updated_at=d["updated_at"],
        )
        for d in _demo_disputes()
        .order_by("pk")
        .values(
            "pk",
            "case_number",
            "status",
            "level",
            "category__code",
            "subtype__code",
            "channel",
            "title",
            "amount_involved",
            "station__code",
            "grid__parent__code",
            "owner_id",
            "owner__role",
            "version",
            "updated_at",
        )
        if d["owner_id"] is not None and events[d["pk"]]
    ]
    return cases, follow_ups


def _visits(follow_ups: list[dict[str, Any]], cases: list[CaseInfo], rng: random.Random):
    """A visit record for every follow-up on the timelines: what the event says, and how."""
    by_pk = {c.pk: c for c in cases}
    Method, Satisfaction = FollowUpVisit.Method, FollowUpVisit.Satisfaction
    visits = []
    for row in follow_ups:
        changes = row["changes"]
        matter = bool((changes.get("matter_settled") or [None, True])[1])
        grievance = bool((changes.get("grievance_settled") or [None, True])[1])
        case = by_pk.get(row["dispute_id"])
        names = [n for _r, n in case.parties] if case else []
        if not names:
            met = "当事人"
        elif matter and grievance or len(names) == 1 or rng.random() < 0.5:
            met = "、".join(names[:2])
        else:
            met = names[0] if rng.random() < 0.5 else names[1]
        if matter and grievance:
            satisfaction = Satisfaction.SATISFIED if rng.random() < 0.9 else Satisfaction.PARTLY
        elif matter or grievance:
            satisfaction = Satisfaction.PARTLY
        else:
            satisfaction = Satisfaction.DISSATISFIED if rng.random() < 0.7 else Satisfaction.PARTLY
        method = _weighted(rng, {Method.IN_PERSON: 65, Method.PHONE: 30, Method.VIDEO: 5})
        if "电话" in row["note"]:
            method = Method.PHONE
        elif "入户" in row["note"]:
            method = Method.IN_PERSON
        visits.append(
            FollowUpVisit(
                dispute_id=row["dispute_id"],
                visited_at=row["at"],
                visited_by_id=row["actor_id"],
                method=method,
                met_with=met[:200],
                matter_settled=matter,
                grievance_settled=grievance,
                satisfaction=satisfaction,
                note=row["note"] or "回访",
                flags=[],  # the demo's visit notes carry no new risk signals
            )
        )
    return visits


# ---------------------------------------------------------------------------------------------
# The step


def _demo_bodies():
    return MediationBody.objects.filter(serves__path__startswith=_BUREAU_PATH).distinct()


def _ensure_mediators(ctx: DemoContext, mediators: list[MediatorPlan]) -> dict[str, int]:
    """Create the mediator accounts the bodies need; the usernames of all mediators to their keys."""
    units = dict(
        Unit.objects.filter(
            path__startswith=_BUREAU_PATH, kind__in=[UnitKind.BUREAU, UnitKind.STATION]
        ).values_list("code", "pk")
    )
    existing = dict(
        User.objects.filter(
            role=Role.MEDIATOR, scope_unit__path__startswith=_BUREAU_PATH
        ).values_list("username", "pk")
    )
    missing = [m for m in mediators if m.username not in existing]
    if missing:
        password = _password_hash(DEMO_PASSWORD, tuple(settings.PASSWORD_HASHERS))
        User.objects.bulk_create(
            [
                User(
                    username=m.username,
                    display_name=m.display_name,
                    role=Role.MEDIATOR,
                    scope_unit_id=units[m.scope],
                    phone=m.phone,
                    password=password,
                )
                for m in missing
            ],
            batch_size=_BATCH,
        )
        ctx.created[f"users.{Role.MEDIATOR}"] += len(missing)
        existing = dict(
            User.objects.filter(
                role=Role.MEDIATOR, scope_unit__path__startswith=_BUREAU_PATH
            ).values_list("username", "pk")
        )
    ctx.user_ids.update(existing)
    return existing


def _write_bodies(ctx: DemoContext, plans: list[BodyPlan], users: dict[str, int]) -> dict[str, int]:
    units = dict(
        Unit.objects.filter(
            path__startswith=_BUREAU_PATH,
            kind__in=[UnitKind.BUREAU, UnitKind.STATION, UnitKind.VILLAGE],
        ).values_list("code", "pk")
    )
    bodies = [
        MediationBody(
            name=p.name,
            kind=p.kind,
            department=p.department,
            phone=p.phone,
            address=p.address,
        )
        for p in plans
    ]
    MediationBody.objects.bulk_create(bodies, batch_size=_BATCH)
    Serves, Members = MediationBody.serves.through, MediationBody.members.through
    Serves.objects.bulk_create(
        [
            Serves(mediationbody_id=b.pk, unit_id=units[p.serves])
            for b, p in zip(bodies, plans, strict=True)
        ],
        batch_size=_BATCH,
    )
    members = [
        Members(mediationbody_id=b.pk, user_id=users[u])
        for b, p in zip(bodies, plans, strict=True)
        for u in p.members
    ]
    Members.objects.bulk_create(members, batch_size=_BATCH)
    ctx.created["mediation.bodies"] += len(bodies)
    ctx.created["mediation.members"] += len(members)
    return {p.key: b.pk for b, p in zip(bodies, plans, strict=True)}


def _write_cases(
    ctx: DemoContext, plan: MediationPlan, cases: list[CaseInfo], body_ids: dict[str, int]
) -> None:
    referrals = [
        Referral(
            dispute_id=r.dispute,
            body_id=body_ids[r.body],
            route=r.route,
            kind=r.kind,
            joint=r.joint,
            state=r.state,
            note=r.note,
            due_at=r.due_at,
            referred_by_id=r.referred_by,
            referred_at=r.referred_at,
            answered_by_id=r.answered_by,
            answered_at=r.answered_at,
            return_reason=r.return_reason,
            concluded_at=r.concluded_at,
            conclusion=r.conclusion,
        )
        for r in plan.referrals
    ]
    Referral.objects.bulk_create(referrals, batch_size=_BATCH)
    for row, made in zip(plan.referrals, referrals, strict=True):
        row.pk = made.pk

    session_plans = [(r, s) for r in plan.referrals for s in r.sessions]
    sessions = [
        MediationSession(
            referral_id=r.pk,
            held_at=s.held_at,
            place=s.place,
            attendees=s.attendees,
            summary=s.summary,
            result=s.result,
            recorded_by_id=s.mediators[0],
        )
        for r, s in session_plans
    ]
    MediationSession.objects.bulk_create(sessions, batch_size=_BATCH)
    for (_r, row), made in zip(session_plans, sessions, strict=True):
        row.pk = made.pk
    Mediators = MediationSession.mediators.through
    Mediators.objects.bulk_create(
        [
            Mediators(mediationsession_id=s.pk, user_id=m)
            for _r, s in session_plans
            for m in s.mediators
        ],
        batch_size=_BATCH,
    )

    agreement_plans = [(r, r.agreement) for r in plan.referrals if r.agreement is not None]
    agreements = [
        Agreement(
            referral_id=r.pk,
            dispute_id=r.dispute,
            number=a.number,
            form=a.form,
            facts=a.facts,
            terms=a.terms,
            amount=a.amount,
            signed_on=a.signed_on,
            court=a.court,
            confirmation_number=a.confirmation_number,
            confirmed_on=a.confirmed_on,
            recorded_by_id=a.recorded_by,
        )
        for r, a in agreement_plans
    ]
    Agreement.objects.bulk_create(agreements, batch_size=_BATCH)
    for (_r, row), made in zip(agreement_plans, agreements, strict=True):
        row.pk = made.pk
    instalment_plans = [(a, i) for _r, a in agreement_plans for i in a.instalments]
    instalments = [
        Instalment(
            agreement_id=a.pk,
            sequence=i.sequence,
            due_on=i.due_on,
            description=i.description,
            amount=i.amount,
            performed_on=i.performed_on,
            performed_amount=i.amount if i.performed_on else None,
            performed_note=i.performed_note,
            recorded_by_id=i.recorded_by,
            missed_at=i.missed_at,
        )
        for a, i in instalment_plans
    ]
    Instalment.objects.bulk_create(instalments, batch_size=_BATCH)
    for (_a, row), made in zip(instalment_plans, instalments, strict=True):
        row.pk = made.pk

    tasks = [
        Task(
            dispute_id=t.dispute,
            kind=t.kind,
            title=t.title,
            due_at=t.due_at,
            assignee_id=t.assignee,
            level=t.level,
            state=Task.State.DONE if t.completed_at else Task.State.OPEN,
            completed_at=t.completed_at,
            completed_by_id=t.completed_by,
            data=_resolve(t.data),
        )
        for t in plan.tasks
    ]
    Task.objects.bulk_create(tasks, batch_size=_BATCH)
    for row, made in zip(plan.tasks, tasks, strict=True):
        row.pk = made.pk

    events = [
        DisputeEvent(
            dispute_id=e.dispute,
            at=e.at,
            actor_id=e.actor,
            action=e.action,
            from_status=e.status,
            to_status=e.status,
            changes=_resolve(e.changes),
            note=e.note.strip(),
        )
        for e in plan.events
    ]
    DisputeEvent.objects.bulk_create(events, batch_size=_BATCH)

    # What bulk_create cannot write: the times the services would have stamped, and each case's
    # version and last change now that its timeline is longer.
    _set_columns(
        MediationSession,
        [(s.pk, {"recorded_at": s.recorded_at}) for _r, s in session_plans],
    )
    _set_columns(Agreement, [(a.pk, {"recorded_at": a.recorded_at}) for _r, a in agreement_plans])
    _set_columns(Task, [(t.pk, {"created_at": t.created_at}) for t in plan.tasks])
    added: Counter[int] = Counter(e.dispute for e in plan.events)
    latest: dict[int, dt.datetime] = {}
    for e in plan.events:
        latest[e.dispute] = max(latest.get(e.dispute, e.at), e.at)
    _set_columns(
        Dispute,
        [
            (
                c.pk,
                {"version": c.version + added[c.pk], "updated_at": max(c.updated_at, latest[c.pk])},
            )
            for c in cases
            if added[c.pk]
        ],
    )

    for r in plan.referrals:
        ctx.created[f"mediation.referrals.{r.state}"] += 1
    ctx.created["mediation.sessions"] += len(sessions)
    ctx.created["mediation.agreements"] += len(agreements)
    ctx.created["mediation.instalments"] += len(instalments)
    ctx.created["disputes.tasks"] += len(tasks)
    ctx.created["disputes.events"] += len(events)


def run_mediation(ctx: DemoContext) -> None:
    if _demo_bodies().exists():
        return
    rng = ctx.rng("mediation")
    bodies, mediators = plan_bodies(ctx.plan, random.Random(rng.getrandbits(64)))
    visits_rng = random.Random(rng.getrandbits(64))
    users = _ensure_mediators(ctx, mediators)
    body_ids = _write_bodies(ctx, bodies, users)

    cases, follow_ups = read_cases()
    visits = _visits(follow_ups, cases, visits_rng)
    FollowUpVisit.objects.bulk_create(visits, batch_size=_BATCH)
    ctx.created["mediation.visits"] += len(visits)

    plan = plan_mediation(
        cases,
        rng=rng,
        bodies=bodies,
        users=users,
        first_contact_hours=dict(LevelPolicy.objects.values_list("level", "first_contact_hours")),
        now=timezone.now(),
    )
    _write_cases(ctx, plan, cases, body_ids)


STATE_LABELS = {
    R.REFERRED: ("委托待受理", gettext_lazy("Referrals awaiting acceptance")),
    R.ACCEPTED: ("委托已受理", gettext_lazy("Referrals accepted")),
    R.RETURNED: ("委托被退回", gettext_lazy("Referrals returned")),
    R.WITHDRAWN: ("委托已撤回", gettext_lazy("Referrals withdrawn")),
    R.SUCCEEDED: ("调解成功", gettext_lazy("Referrals mediated: agreed")),
    R.FAILED: ("调解不成", gettext_lazy("Referrals mediated: no agreement")),
}
COUNT_LABELS = {
    "bodies": ("调解组织", gettext_lazy("Mediation bodies")),
    "members": ("调解员任职", gettext_lazy("Mediators on bodies")),
    "sessions": ("调解记录", gettext_lazy("Mediation sessions")),
    "agreements": ("调解协议", gettext_lazy("Agreements")),
    "instalments": ("履行事项", gettext_lazy("Instalments")),
    "visits": ("回访记录", gettext_lazy("Follow-up visits")),
}


def count_mediation(ctx: DemoContext) -> Section:
    in_demo = {"dispute__station__path__startswith": _BUREAU_PATH}
    bodies = MediationBody.objects.filter(serves__path__startswith=_BUREAU_PATH)
    totals = {
        "bodies": bodies.distinct().count(),
        "members": MediationBody.members.through.objects.filter(
            mediationbody__in=bodies.values("pk")
        ).count(),
        "sessions": MediationSession.objects.filter(
            referral__dispute__station__path__startswith=_BUREAU_PATH
        ).count(),
        "agreements": Agreement.objects.filter(**in_demo).count(),
        "instalments": Instalment.objects.filter(
            agreement__dispute__station__path__startswith=_BUREAU_PATH
        ).count(),
        "visits": FollowUpVisit.objects.filter(**in_demo).count(),
    }
    states = dict(
        Referral.objects.filter(**in_demo)
        .values("state")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("state", "n")
    )

    def row(key: str) -> CountRow:
        zh, label = COUNT_LABELS[key]
        return CountRow(key, bilingual(zh, label), totals[key], ctx.created[f"mediation.{key}"])

    return Section(
        bilingual("矛盾纠纷调处", _("Mediation")),
        [
            row("bodies"),
            row("members"),
            *(
                CountRow(
                    f"referrals.{state}",
                    bilingual(*STATE_LABELS[state]),
                    states.get(state, 0),
                    ctx.created[f"mediation.referrals.{state}"],
                )
                for state in R
            ),
            row("sessions"),
            row("agreements"),
            row("instalments"),
            row("visits"),
        ],
    )


MEDIATION = Step("mediation", run_mediation, count_mediation)
