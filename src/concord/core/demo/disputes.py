"""The demo county's dispute register: some 3,000 disputes over the past year, with timelines and tasks.

Every dispute is planned from the step's own random stream, so one seed gives the same disputes — the
same grids, categories, levels, titles, parties and paths through the workflow — whatever day it is
loaded. Only the anchor moves: a dispute is found so many days before the day of loading, and how far
along its path it has got depends on the clock. A case found ten months ago is closed; one found last
week is being mediated.

Each case is then played forward the way the services in `concord.disputes.services` would have
written it: the events walk `workflow.TRANSITIONS` from "register" to the case's status, each by a demo
user whose role may take that action at the case's level at that moment and whose scope covers the
grid; the tasks are the level policy's checklist, completed, waived and re-planned as the services do.
Nothing goes through the services themselves (three thousand cases one transaction at a time would take
minutes); everything is written with `bulk_create` inside the loader's transaction.

The step is idempotent at the level of the register: when the demo county already holds a dispute, it
creates nothing.
"""

import bisect
import datetime as dt
import math
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from concord.accounts.models import Role, User
from concord.core.demo import dispute_texts as texts
from concord.core.demo.base import CountRow, DemoContext, Section, Step, bilingual
from concord.core.demo.county import BUREAU_CODE, CountyPlan
from concord.core.demo.names import MOBILE_PREFIXES, SURNAMES
from concord.disputes.data.categories import CATEGORIES, load_reference_data
from concord.disputes.models import (
    Assessment,
    CaseSequence,
    Category,
    Channel,
    Dispute,
    DisputeEvent,
    Level,
    LevelPolicy,
    Party,
    Status,
    Task,
)
from concord.disputes.workflow import TRANSITIONS
from concord.people.identity import check_digit
from concord.territory.models import Tier, Unit, UnitKind

TOTAL = 3000
DAYS = 365
_BATCH = 500
_BUREAU_PATH = f"/{BUREAU_CODE}/"
LEADERS = ("commander", "deputy-commander")

S = Status
EARLY = frozenset({S.REGISTERED, S.REOPENED, S.ASSESSED, S.ASSIGNED})
AFTER_OUTCOME = frozenset({S.RESOLVED, S.CONTAINED, S.TRANSFERRED, S.FOLLOWING_UP})

# Who a demo user is, relative to a grid: its grid worker, village auxiliary, sector officer, the
# station's staff and chief, a bureau commander.
KEY_ROLE = {
    "G": Role.GRID_WORKER,
    "A": Role.AUXILIARY,
    "O": Role.COMMUNITY_OFFICER,
    "S": Role.STATION_STAFF,
    "C": Role.STATION_CHIEF,
    "B": Role.BUREAU_COMMANDER,
}

LEVEL_SHARES = {Level.YELLOW: 70, Level.ORANGE: 22, Level.RED: 8}
CHANNEL_SHARES = {
    Channel.POLICE_CALL: 28,
    Channel.GRID_REPORT: 30,
    Channel.PATROL_VISIT: 12,
    Channel.HOTLINE: 9,
    Channel.WALK_IN: 9,
    Channel.PETITION: 2,
    Channel.REFERRAL: 4,
    Channel.CAMPAIGN: 6,
}
# Who writes a case into the register, by the channel it came in through (all may: "register" is open
# to every territorial role).
REGISTRARS = {
    Channel.POLICE_CALL: {"S": 6, "O": 4},
    Channel.GRID_REPORT: {"G": 1},
    Channel.PATROL_VISIT: {"A": 5, "O": 5},
    Channel.HOTLINE: {"S": 1},
    Channel.WALK_IN: {"S": 5, "O": 5},
    Channel.PETITION: {"S": 7, "C": 3},
    Channel.REFERRAL: {"S": 6, "O": 4},
    Channel.CAMPAIGN: {"G": 6, "A": 4},
}
# Hours from the moment found to the moment registered, by channel.
REGISTER_DELAY = {
    Channel.POLICE_CALL: (0.1, 1.0),
    Channel.GRID_REPORT: (0.1, 3.0),
    Channel.PATROL_VISIT: (0.5, 8.0),
    Channel.HOTLINE: (2.0, 24.0),
    Channel.WALK_IN: (0.1, 1.0),
    Channel.PETITION: (12.0, 48.0),
    Channel.REFERRAL: (6.0, 48.0),
    Channel.CAMPAIGN: (1.0, 24.0),
}
# Hours each step takes after the previous one, by the case's level: (shortest, longest).
DELAYS = {
    "assess": {Level.YELLOW: (2, 48), Level.ORANGE: (1, 18), Level.RED: (0.3, 6)},
    "assign": {Level.YELLOW: (0.5, 24), Level.ORANGE: (0.3, 8), Level.RED: (0.2, 3)},
    "start_mediation": {Level.YELLOW: (12, 120), Level.ORANGE: (6, 48), Level.RED: (2, 30)},
    "record_outcome": {
        Level.YELLOW: (24, 14 * 24),
        Level.ORANGE: (48, 20 * 24),
        Level.RED: (48, 12 * 24),
    },
    "request_closure": {Level.YELLOW: (12, 96), Level.ORANGE: (12, 96), Level.RED: (12, 48)},
    "approve_closure": {Level.YELLOW: (2, 72), Level.ORANGE: (12, 96), Level.RED: (12, 120)},
}
# How often the unusual turns happen.
P_TARDY = 0.08  # a case handled slowly: every step takes 1.6–3 times as long
P_STALL = 0.005  # a case that gets stuck at some step and is still stuck today
P_STALL_AFTER_REOPEN = 0.15
# Where stuck cases get stuck: the step that never happens (other steps weigh 0.5).
STALL_WEIGHTS = {"assess": 3, "assign": 2, "approve_closure": 2}
P_REOPEN = 0.04
P_REJECT = 0.05
P_REASSIGN = 0.05
P_ESCALATE = (
    0.06  # of orange and red cases: first assessed a level lower, re-graded during mediation
)
P_DEESCALATE = 0.02  # of yellow cases: first assessed orange, re-graded once mediation calms things
P_DIRECT_OUTCOME = 0.1  # an outcome recorded without a mediation step (settled at first contact)


# ---------------------------------------------------------------------------------------------
# The plan (pure: no database)


@dataclass(frozen=True)
class Place:
    """A grid and the people who answer for it."""

    grid: str
    station: str
    village_name: str
    urban: bool
    crew: dict[str, str]  # key (G, A, O, S, C) -> username


@dataclass(frozen=True)
class Policy:
    """The numbers of a LevelPolicy row the plan needs."""

    handling_tier: str
    first_contact_hours: int
    assessment_hours: int
    plan_days: int | None
    mediation_days: int
    visit_interval_days: int
    visits_after_outcome: int
    closure_days: int
    needs_lead_leader: bool

    @classmethod
    def of(cls, row: LevelPolicy) -> "Policy":
        return cls(**{f: getattr(row, f) for f in cls.__dataclass_fields__})


@dataclass
class Planned:
    """One step of a case's path: when, what, by whom (a username) and with what."""

    at: dt.datetime
    action: str
    actor: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class PartyPlan:
    role: str
    name: str
    sex: str
    birth_date: dt.date
    id_number: str
    phone: str
    address: str


@dataclass
class DisputePlan:
    index: int
    place: Place
    category: str
    subtype: str | None
    level: str  # the level it is first assessed at (the planner draws the final one, the path may change it)
    channel: str
    title: str
    description: str
    parties: list[PartyPlan]
    people_involved: int
    amount: Decimal | None
    found_at: dt.datetime
    began_on: dt.date | None
    steps: list[Planned]
    stall_at: int | None  # index of the first step that never happens


def places(plan: CountyPlan) -> list[Place]:
    units = {u.code: u for u in plan.units}
    officers = {r.unit: r.username for r in plan.responsibilities if r.tier == Tier.SECTOR}
    out = []
    for grid in plan.of_kind(UnitKind.GRID):
        village = units[grid.parent]
        post = units[village.parent]
        station = units[post.parent]
        out.append(
            Place(
                grid=grid.code,
                station=station.code,
                village_name=village.name,
                urban=village.name.endswith("社区"),
                crew={
                    "G": f"grid-{grid.code}",
                    "A": f"aux-{village.code}",
                    "O": officers[post.code],
                    "S": f"staff-{station.code}",
                    "C": f"chief-{station.code}",
                },
            )
        )
    return out


def _weighted(rng: random.Random, weights: dict[Any, float]) -> Any:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _log_uniform(rng: random.Random, lo: float, hi: float) -> float:
    return math.exp(rng.uniform(math.log(lo), math.log(hi)))


_SURNAME_WEIGHTS = [1.0 / (rank + 4) for rank in range(len(SURNAMES))]
_TENS = "一二三四五六七八九"


def _count_text(rng: random.Random, n: int) -> str:
    """23 → "23" or "二十余" as a ledger might write it."""
    if n >= 20 and rng.random() < 0.4:
        return f"{_TENS[n // 10 - 1]}十余"
    return str(n)


def amount_text(amount: Decimal | None) -> str:
    if amount is None:
        return ""
    if amount >= 10_000:
        text = f"{amount / 10_000:.2f}".rstrip("0").rstrip(".")
        return f"{text}万元"
    return f"{int(amount)}元"


def _round_amount(value: float) -> Decimal:
    step = 100 if value < 100_000 else 1000
    return Decimal(max(step, int(round(value / step)) * step)).quantize(Decimal("0.01"))


class _People:
    """Parties' names, ID numbers and phones; no ID number or phone is handed out twice."""

    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.phones: set[str] = set()

    def surname(self, rng: random.Random) -> str:
        return rng.choices(SURNAMES, weights=_SURNAME_WEIGHTS)[0]

    def person(
        self,
        rng: random.Random,
        *,
        role: str,
        sex: str,
        surname: str,
        born: tuple[int, int],
        address: str,
    ) -> PartyPlan:
        year_lo, year_hi = born
        start = dt.date(year_lo, 1, 1)
        birth = start + dt.timedelta(
            days=rng.randrange((dt.date(year_hi, 12, 31) - start).days + 1)
        )
        era = "old" if birth.year < 1970 else "mid" if birth.year < 1990 else "young"
        name = surname + rng.choice(texts.GIVEN_NAMES[(sex, era)])
        id_number = ""
        if rng.random() < 0.6:
            while True:
                old_code = rng.random() < (0.8 if birth.year < 1995 else 0.3)
                area = "411626" if old_code else "411603"
                sex_digit = rng.choice("13579" if sex == "M" else "02468")
                body = f"{area}{birth:%Y%m%d}{rng.randrange(100):02d}{sex_digit}"
                id_number = body + check_digit(body)
                if id_number not in self.ids:
                    self.ids.add(id_number)
                    break
        phone = ""
        if rng.random() < 0.8:
            while True:
                phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
                if phone not in self.phones:
                    self.phones.add(phone)
                    break
        return PartyPlan(
            role=role,
            name=name,
            sex=sex,
            birth_date=birth,
            id_number=id_number,
            phone=phone,
            address=address,
        )


def _level_weights() -> dict[str, dict[str, float]]:
    """Per sub-type level weights from the kinds' biases, scaled so the county comes out near 70/22/8."""
    shares: dict[str, float] = {}
    for code, _zh, _en, subtypes in CATEGORIES:
        subs = [s[0] for s in subtypes] or [code]
        total = sum(texts.SUBTYPE_SHARES.get(s, 1) for s in subs)
        for s in subs:
            shares[s] = texts.CATEGORY_SHARES[code] * texts.SUBTYPE_SHARES.get(s, 1) / total
    whole = sum(shares.values())
    mean_o = sum(shares[s] * texts.KINDS[s].level_bias[0] for s in shares) / whole
    mean_r = sum(shares[s] * texts.KINDS[s].level_bias[1] for s in shares) / whole
    return {
        s: {
            Level.YELLOW: LEVEL_SHARES[Level.YELLOW],
            Level.ORANGE: LEVEL_SHARES[Level.ORANGE] * texts.KINDS[s].level_bias[0] / mean_o,
            Level.RED: LEVEL_SHARES[Level.RED] * texts.KINDS[s].level_bias[1] / mean_r,
        }
        for s in shares
    }


class _Planner:
    """Plans one county's disputes; `plan()` is deterministic for the random stream it is given."""

    def __init__(
        self,
        county: CountyPlan,
        rng: random.Random,
        today: dt.date,
        now: dt.datetime,
        policies: dict[str, Policy],
    ) -> None:
        self.rng = rng
        self.today = today
        self.now = now
        self.tz = timezone.get_current_timezone()
        self.policies = policies
        self.places = places(county)
        self.people = _People()
        self.level_weights = _level_weights()
        # Some villages are busier than others; town communities are denser than villages.
        heat: dict[str, float] = {}
        weights = []
        for place in self.places:
            if place.village_name not in heat:
                heat[place.village_name] = rng.lognormvariate(0, 0.5)
            weights.append(heat[place.village_name] * (1.4 if place.urban else 1.0))
        self.cumulative = list(_accumulate(weights))
        self.subtypes: dict[str, list[str]] = {
            code: [s[0] for s in subs] or [code] for code, _zh, _en, subs in CATEGORIES
        }
        # How much likelier each category is in a town community than in a village.
        self.urban = {
            code: sum(texts.KINDS[s].urban * texts.SUBTYPE_SHARES.get(s, 1) for s in subs)
            / sum(texts.SUBTYPE_SHARES.get(s, 1) for s in subs)
            for code, subs in self.subtypes.items()
        }

    def plan(self, total: int = TOTAL) -> list[DisputePlan]:
        seeds = [self.rng.getrandbits(64) for _i in range(total)]
        return [self._dispute(i, random.Random(seed)) for i, seed in enumerate(seeds)]

    # --- content --------------------------------------------------------------------------------

    def _dispute(self, index: int, rng: random.Random) -> DisputePlan:
        place = self.places[
            bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])
        ]
        category = _weighted(
            rng,
            {
                code: share * (self.urban[code] if place.urban else 1.0)
                for code, share in texts.CATEGORY_SHARES.items()
            },
        )
        subtype = _weighted(
            rng,
            {
                s: texts.SUBTYPE_SHARES.get(s, 1) * (texts.KINDS[s].urban if place.urban else 1.0)
                for s in self.subtypes[category]
            },
        )
        kind = texts.KINDS[subtype]
        level = _weighted(rng, self.level_weights[subtype])
        channel_weights = dict(CHANNEL_SHARES)
        if level == Level.RED:
            channel_weights[Channel.POLICE_CALL] *= 2.5
        if category in {"labour", "property"}:
            channel_weights[Channel.HOTLINE] *= 3
        if category == "requisition":
            channel_weights[Channel.PETITION] *= 5
        if subtype == "family.domestic_violence":
            channel_weights[Channel.POLICE_CALL] *= 3
            channel_weights[Channel.REFERRAL] *= 2
        channel = _weighted(rng, channel_weights)

        group = kind.group is not None and rng.random() < kind.group_share
        choices = [
            i
            for i, (t, f) in enumerate(zip(kind.titles, kind.facts, strict=True))
            if (("{n}" in t + f or "等" in t + f) == group)
        ] or list(range(len(kind.titles)))
        which = rng.choice(choices)
        title_t, fact_t = kind.titles[which], kind.facts[which]
        needs_amount = "{amt}" in title_t + fact_t
        amount: Decimal | None = None
        n_people = rng.randint(*kind.group) if group else 0
        if kind.amount is not None and (needs_amount or rng.random() < kind.amount_share):
            value = _log_uniform(rng, *kind.amount)
            if subtype == "labour.wages":
                value *= max(1, n_people)
            amount = _round_amount(value)

        # The parties: an applicant, usually a respondent, sometimes a third person.
        n_parties = _weighted(rng, {1: 12, 2: 66, 3: 22})
        sex_a = (
            "F"
            if rng.random()
            < {
                "family.domestic_violence": 0.9,
                "family.relationship": 0.7,
                "family.marriage": 0.6,
            }.get(subtype, 0.35)
            else "M"
        )
        sex_b = (
            ("M" if sex_a == "F" else "F")
            if kind.sexes == "FM"
            else ("M" if kind.sexes == "?M" or rng.random() < 0.7 else "F")
        )
        surname_a = self.people.surname(rng)
        surname_b = surname_a if kind.kin else self.people.surname(rng)
        young = subtype == "family.relationship"
        born_a = (1950, 1958) if kind.elder_applicant else (1985, 2004) if young else (1955, 2000)
        born_b = (1968, 1990) if kind.elder_applicant else (1985, 2004) if young else (1955, 2000)
        if kind.sexes == "FM" and not young:
            born_b = born_a = (1965, 2000)
        home = self._address(rng, place)
        parties = [
            self.people.person(
                rng,
                role=Party.Role.APPLICANT,
                sex=sex_a,
                surname=surname_a,
                born=born_a,
                address=home,
            )
        ]
        if n_parties >= 2:
            address_b = (
                home if kind.sexes == "FM" and rng.random() < 0.5 else self._address(rng, place)
            )
            parties.append(
                self.people.person(
                    rng,
                    role=Party.Role.RESPONDENT,
                    sex=sex_b,
                    surname=surname_b,
                    born=born_b,
                    address=address_b,
                )
            )
        if n_parties >= 3:
            parties.append(
                self.people.person(
                    rng,
                    role=Party.Role.OTHER,
                    sex="M" if rng.random() < 0.6 else "F",
                    surname=self.people.surname(rng),
                    born=(1955, 2000),
                    address=self._address(rng, place),
                )
            )
        if group:
            people_involved = n_people
        else:
            people_involved = max(2, len(parties)) + (
                rng.randint(1, 3) if rng.random() < 0.3 else 0
            )

        masked_a = f"{surname_a}某"
        masked_b = f"{surname_b}某某" if surname_b == surname_a else f"{surname_b}某"
        words = {
            "v": place.village_name,
            "a": masked_a,
            "b": masked_b,
            "spouse": "妻子" if sex_b == "F" else "丈夫",
            "ex": "前女友" if sex_b == "F" else "前男友",
            "n": _count_text(rng, n_people or people_involved),
            "amt": amount_text(amount),
            "co": rng.choice(
                texts.SITES
                if subtype in {"labour.wages", "labour.injury", "requisition.land"}
                and rng.random() < 0.6
                else texts.FIRMS
            ),
            "hosp": rng.choice(texts.HOSPITALS),
            "home": rng.choice(texts.CARE_HOMES),
            "shop": rng.choice(texts.SHOPS),
            "estate": rng.choice(texts.ESTATES)
            if place.urban
            else f"{place.village_name}集中安置区",
        }
        demand = kind.demands[which]
        if amount is None and "{amt}" in demand:
            demand = rng.choice([d for d in kind.demands if "{amt}" not in d])
        description = (
            rng.choice(texts.OPENINGS[channel])
            + fact_t.format(**words)
            + "。"
            + rng.choice(texts.RISK_SENTENCES[level]).format(**words)
            + "。"
            + demand.format(**words)
            + "。"
        )
        title = title_t.format(**words)[:120]

        # When: a day in the past year, at an hour that suits the channel.
        days_ago = rng.randrange(DAYS)
        if channel == Channel.POLICE_CALL or level == Level.RED:
            minute = rng.choices(range(24), weights=_CALL_HOURS)[0] * 60 + rng.randrange(60)
        else:
            minute = rng.randrange(8 * 60, 18 * 60)
        found_at = self._at(self.today - dt.timedelta(days=days_ago), minute)
        if found_at > self.now - dt.timedelta(minutes=10):
            found_at -= dt.timedelta(days=1)
        began_days = {
            "land": (0, 900),
            "debt": (20, 1000),
            "labour": (10, 300),
            "requisition": (10, 400),
            "family": (0, 200),
        }.get(category, (0, 30))
        began_before = rng.randint(*began_days) if rng.random() < 0.7 else None

        draft = DisputePlan(
            index=index,
            place=place,
            category=category,
            subtype=subtype if subtype != category else None,
            level=level,
            channel=channel,
            title=title,
            description=description,
            parties=parties,
            people_involved=people_involved,
            amount=amount,
            found_at=found_at,
            began_on=None,
            steps=[],
            stall_at=None,
        )
        _Path(self, rng, draft, words).build()
        # A case found in the last hours whose registration would still lie ahead is found earlier.
        late = draft.steps[0].at - (self.now - dt.timedelta(minutes=5))
        if late > dt.timedelta(0):
            draft.found_at -= late
            for step in draft.steps:
                step.at -= late
        if began_before is not None:
            draft.began_on = timezone.localtime(draft.found_at, self.tz).date() - dt.timedelta(
                days=began_before
            )
        return draft

    def _address(self, rng: random.Random, place: Place) -> str:
        if place.urban:
            return (
                f"{place.village_name}{rng.choice(texts.ESTATES)}{rng.randint(1, 30)}号楼"
                f"{rng.randint(1, 4)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}室"
            )
        return f"{place.village_name}{rng.randint(1, 12)}组{rng.randint(1, 90)}号"

    def _at(self, day: dt.date, minute: int) -> dt.datetime:
        local = dt.datetime.combine(day, dt.time(), tzinfo=self.tz) + dt.timedelta(minutes=minute)
        return local.astimezone(dt.UTC)

    def daytime(self, at: dt.datetime, minute: int) -> dt.datetime:
        """`at` if it falls between 8:00 and 20:00, else `minute` minutes after the next 8:00."""
        return daytime(at, minute, self.tz)


def daytime(at: dt.datetime, minute: int, tz: dt.tzinfo) -> dt.datetime:
    local = timezone.localtime(at, tz)
    if 8 <= local.hour < 20:
        return at
    day = local.date() + dt.timedelta(days=1 if local.hour >= 20 else 0)
    return (
        dt.datetime.combine(day, dt.time(8), tzinfo=tz) + dt.timedelta(minutes=minute)
    ).astimezone(dt.UTC)


_CALL_HOURS = [2, 1, 1, 1, 1, 1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 5, 5, 6, 7, 7, 6, 5, 4, 3]


def _accumulate(values: Iterable[float]) -> Iterable[float]:
    total = 0.0
    for v in values:
        total += v
        yield total


class _Path:
    """The whole path a case would take if nothing stopped it: every step with its time, actor and data.

    Actors are picked only among those the transition table allows at the case's level at that moment;
    the clock decides later how much of the path has happened.
    """

    def __init__(
        self, planner: _Planner, rng: random.Random, draft: DisputePlan, words: dict[str, str]
    ):
        self.p, self.rng, self.d, self.words = planner, rng, draft, words
        self.crew = draft.place.crew
        self.leader = rng.choices(LEADERS, weights=(6, 4))[0]
        self.factor = rng.uniform(1.6, 3.0) if rng.random() < P_TARDY else 1.0
        self.level = Level.YELLOW
        self.owner = "O"
        self.t = draft.found_at

    # helpers
    def user(self, key: str) -> str:
        if key == "B":
            return (
                self.leader if self.rng.random() < 0.8 else LEADERS[1 - LEADERS.index(self.leader)]
            )
        return self.crew[key]

    def actor(self, action: str, *prefs: tuple[str, float]) -> str:
        """A user among the preferred (key, weight) pairs whom the table allows to act at this level."""
        allowed: dict[str, float] = defaultdict(float)
        for key, weight in prefs:
            if TRANSITIONS[action].allowed(KEY_ROLE[key], self.level):
                allowed[key] += weight
        if not allowed:
            raise AssertionError(f"no demo actor for {action} at {self.level}")
        return self.user(_weighted(self.rng, allowed))

    def wait(
        self, lo: float, hi: float, *, scaled: bool = True, skew: bool = False, urgent: bool = False
    ) -> None:
        """Move the clock on by lo–hi hours (longer for a tardy case); work waits for the morning unless
        it is urgent (a 110 call, a red case being graded and handed out)."""
        u = self.rng.random()
        hours = lo + (hi - lo) * (u * u if skew else u)
        self.t = self.t + dt.timedelta(hours=hours * (self.factor if scaled else 1.0))
        minute = int(self.rng.uniform(0, 90))
        if not urgent:
            self.t = self.p.daytime(self.t, minute)

    def step(self, action: str, actor: str, **params: Any) -> None:
        self.d.steps.append(Planned(self.t, action, actor, params))

    def policy(self) -> Policy:
        return self.p.policies[self.level]

    def reasons(self, level: str) -> list[str]:
        pool = texts.ASSESSMENT_REASONS[level]
        return self.rng.sample(pool, self.rng.randint(1, 3 if level != Level.YELLOW else 2))

    # the path
    def build(self) -> None:
        d, rng = self.d, self.rng
        final = d.level
        first = final
        if final in (Level.ORANGE, Level.RED) and rng.random() < P_ESCALATE:
            first = Level.YELLOW if final == Level.ORANGE else Level.ORANGE
        elif final == Level.YELLOW and rng.random() < P_DEESCALATE:
            first = Level.ORANGE
        d.level = first
        # Registered yellow (the form's default) unless whoever took it could already see it was serious;
        # never red, as a red case needs its leader in charge, named when it is assessed.
        registered = Level.YELLOW
        if first != Level.YELLOW and rng.random() < (
            0.75 if d.channel == Channel.POLICE_CALL else 0.5
        ):
            registered = Level.ORANGE
        self.level = registered
        self.wait(*REGISTER_DELAY[d.channel], scaled=False, urgent=d.channel == Channel.POLICE_CALL)
        self.step(
            "register",
            self.user(_weighted(rng, REGISTRARS[d.channel])),
            level=registered,
            plan_frac=rng.uniform(0.3, 0.9),
        )
        self.cycle(first, final)
        if rng.random() < P_REOPEN:
            waiting = (
                rng.random() < P_STALL_AFTER_REOPEN
            )  # still waiting to be assessed again today
            closed_at = self.t
            self.wait(7 * 24, 120 * 24, scaled=False)
            if waiting:  # … and reopened lately, not months ago, if it was closed early enough
                lately = self.p.now - dt.timedelta(days=rng.uniform(0.3, 20))
                self.t = self.p.daytime(
                    max(closed_at + dt.timedelta(days=7), min(self.t, lately)), 30
                )
            self.step(
                "reopen",
                self.actor("reopen", ("G", 4), ("A", 3), ("O", 3)),
                note=rng.choice(texts.REOPEN_NOTES).format(**self.words),
                plan_frac=rng.uniform(0.3, 0.9),
            )
            if waiting:
                d.stall_at = len(d.steps)
            again = (
                self.level
                if rng.random() < 0.8
                else (Level.RED if self.level != Level.YELLOW else Level.ORANGE)
            )
            self.cycle(again, again)
        if d.stall_at is None and rng.random() < P_STALL:
            d.stall_at = rng.choices(
                range(1, len(d.steps)),
                weights=[STALL_WEIGHTS.get(s.action, 0.5) for s in d.steps[1:]],
            )[0]

    def cycle(self, level: str, final: str) -> None:
        """assess → assign → (mediation) → outcome → visits → closure."""
        rng = self.rng
        self.wait(*DELAYS["assess"][level], urgent=level == Level.RED)
        self.level_to(level, "assess")
        self.wait(*DELAYS["assign"][self.level], urgent=self.level == Level.RED)
        owner = _weighted(
            rng,
            {
                Level.YELLOW: {"O": 6, "A": 4},
                Level.ORANGE: {"O": 75, "S": 25},
                Level.RED: {"O": 55, "C": 45},
            }[self.level],
        )
        assigners = {
            Level.YELLOW: (("O", 75), ("S", 25)),
            Level.ORANGE: (("S", 55), ("C", 45)),
            Level.RED: (("C", 7), ("B", 3)),
        }[self.level]
        self.step("assign", self.actor("assign", *assigners), owner=self.crew[owner])
        self.owner = owner
        if rng.random() < P_REASSIGN:
            self.wait(12, 120)
            others = [
                k
                for k in ({"O", "A"} if self.level == Level.YELLOW else {"O", "S", "C"})
                if k != self.owner
            ]
            owner = rng.choice(sorted(others))
            self.step(
                "reassign",
                self.actor("reassign", ("O", 6), ("S", 3), ("C", 3), ("B", 1)),
                owner=self.crew[owner],
            )
            self.owner = owner
        outcome = _weighted(
            rng,
            {S.RESOLVED: 80, S.CONTAINED: 12 if self.level != Level.RED else 30, S.TRANSFERRED: 8},
        )
        direct = rng.random() < (
            0.4
            if outcome == S.TRANSFERRED
            else P_DIRECT_OUTCOME
            if self.level == Level.YELLOW
            else 0.0
        )
        if not direct:
            self.wait(*DELAYS["start_mediation"][self.level])
            note = rng.choice(
                texts.MEDIATION_NOTES_BY_CATEGORY.get(self.d.category, ()) + texts.MEDIATION_NOTES
            )
            self.step(
                "start_mediation",
                self.actor("start_mediation", (self.owner, 85), ("O", 15)),
                note=note.format(**self.words),
            )
            if final != self.level:
                self.wait(24, 120)
                self.level_to(final, "change_level")
        self.wait(*DELAYS["record_outcome"][self.level], skew=True)
        category = self.d.category
        if outcome == S.RESOLVED:
            notes = [
                n
                for n in texts.RESOLVED_NOTES[category]
                if self.d.amount is not None or "{amt}" not in n
            ]
            note, to = rng.choice(notes).format(**self.words), ""
        elif outcome == S.CONTAINED:
            note, to = rng.choice(texts.CONTAINED_NOTES), ""
        else:
            to = rng.choice(texts.TRANSFER_TARGETS[category])
            note = rng.choice(texts.TRANSFERRED_NOTES).format(to=to)
        self.step(
            "record_outcome",
            self.actor("record_outcome", (self.owner, 8), ("O", 1), ("S", 1), ("C", 1)),
            outcome=outcome,
            note=note,
            transferred_to=to,
        )
        self.visit_round(contained=outcome == S.CONTAINED)
        if rng.random() < P_REJECT:
            self.wait(*DELAYS["request_closure"][self.level])
            self.request_closure()
            self.wait(24, 72)
            self.step(
                "reject_closure",
                self.approver("reject_closure"),
                note=rng.choice(texts.REJECT_CLOSURE_NOTES),
            )
            self.wait(72, 240)
            self.visit(settled=(True, True))
        self.wait(*DELAYS["request_closure"][self.level])
        self.request_closure()
        self.wait(*DELAYS["approve_closure"][self.level])
        self.step(
            "approve_closure",
            self.approver("approve_closure"),
            note=rng.choice(texts.APPROVE_CLOSURE_NOTES),
            visit_early=[rng.uniform(0, 72) for _i in range(3)],
        )

    def level_to(self, level: str, action: str) -> None:
        rng = self.rng
        up = list(Level).index(level) < list(Level).index(self.level)  # Level lists red first
        prefs = {
            Level.YELLOW: (("O", 85), ("S", 15)),
            Level.ORANGE: (("O", 45), ("S", 35), ("C", 20)),
            Level.RED: (("C", 55), ("B", 30), ("O", 15)),
        }[level]
        actor = self.actor(action, *prefs)
        if action == "change_level":
            reasons = [rng.choice(texts.ESCALATION_REASONS if up else texts.DEESCALATION_REASONS)]
        else:
            reasons = self.reasons(level)
        self.step(
            action,
            actor,
            level=level,
            reasons=reasons,
            lead_leader=self.leader if level == Level.RED else None,
            plan_frac=rng.uniform(0.3, 0.9),
        )
        self.level = level

    def visit_round(self, *, contained: bool) -> None:
        # Closure counts the visits since the latest outcome (mediation.closure): a reopened case
        # needs the level's full round again, whatever its first round did.
        policy = self.policy()
        needed = max(policy.visits_after_outcome, 1)
        interval = policy.visit_interval_days * 24
        i = 0
        while True:
            i += 1
            self.wait(interval * (0.4 if i == 1 else 0.5), interval * 0.95, scaled=False)
            last_needed = i >= needed
            p_settled = (0.6 if contained else 0.85) if last_needed else 0.7
            settled = (
                (True, True)
                if self.rng.random() < p_settled or i >= needed + 3
                else (self.rng.choice([(True, False), (False, True), (False, False)]))
            )
            self.visit(settled=settled)
            if last_needed and settled == (True, True):
                return

    def visit(self, *, settled: tuple[bool, bool]) -> None:
        note = self.rng.choice(texts.FOLLOW_UP_NOTES[settled]).format(**self.words)
        self.step(
            "follow_up",
            self.actor("follow_up", ("G", 35), ("A", 30), (self.owner, 35)),
            note=note,
            matter_settled=settled[0],
            grievance_settled=settled[1],
        )

    def request_closure(self) -> None:
        self.step(
            "request_closure",
            self.actor("request_closure", (self.owner, 85), ("O", 15)),
            note=self.rng.choice(texts.REQUEST_CLOSURE_NOTES),
        )

    def approver(self, action: str) -> str:
        prefs = {
            Level.YELLOW: (("O", 7), ("C", 3)),
            Level.ORANGE: (("C", 85), ("B", 15)),
            Level.RED: (("B", 1),),
        }[self.level]
        return self.actor(action, *prefs)


def plan_disputes(
    county: CountyPlan,
    *,
    rng: random.Random,
    today: dt.date,
    now: dt.datetime,
    policies: dict[str, Policy],
    total: int = TOTAL,
) -> list[DisputePlan]:
    """The demo disputes for a county, in memory. `rng` is the step's own stream; `today` anchors them."""
    return _Planner(county, rng, today, now, policies).plan(total)


# ---------------------------------------------------------------------------------------------
# Playing a plan forward: what the services would have written by `now`


@dataclass
class UserRef:
    pk: int
    label: str

    def json(self) -> dict[str, Any]:
        return {"id": self.pk, "label": self.label}


@dataclass
class _TaskRef:
    task: Task

    def json(self) -> dict[str, Any]:
        return {"id": self.task.pk, "kind": self.task.kind}


@dataclass
class _AssessmentRef:
    assessment: Assessment | None

    def json(self) -> int | None:
        return self.assessment.pk if self.assessment is not None else None


def _resolve(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _resolve(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v) for v in value]
    if isinstance(value, UserRef | _TaskRef | _AssessmentRef):
        return value.json()
    return value


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


class Case:
    """One dispute played forward to `now`: the rows to write, as the services would have left them."""

    def __init__(
        self,
        plan: DisputePlan,
        *,
        now: dt.datetime,
        policies: dict[str, Policy],
        users: dict[str, UserRef],
        categories: dict[str, int],
        station_id: int,
        grid_id: int,
    ):
        self.plan, self.now, self.policies, self.users = plan, now, policies, users
        self.dispute = Dispute(
            title=plan.title,
            category_id=categories[plan.category],
            subtype_id=categories[plan.subtype] if plan.subtype else None,
            description=plan.description,
            grid_id=grid_id,
            station_id=station_id,
            began_on=plan.began_on,
            found_at=plan.found_at,
            channel=plan.channel,
            people_involved=plan.people_involved,
            amount_involved=plan.amount,
        )
        self.parties = [
            Party(
                dispute=self.dispute,
                role=p.role,
                name=p.name,
                id_number=p.id_number,
                phone=p.phone,
                address=p.address,
                sex=p.sex,
                birth_date=p.birth_date,
            )
            for p in plan.parties
        ]
        self.events: list[DisputeEvent] = []
        self.tasks: list[Task] = []
        self.task_created: dict[
            int, dt.datetime
        ] = {}  # id(task) -> when the services would have made it
        self.assessments: list[Assessment] = []
        self.side: list[
            tuple[dt.datetime, int, Task, str, str]
        ] = []  # task completions between steps
        self.follow_ups = 0
        d = self.dispute
        d.owner_id = d.lead_leader_id = None
        self.owner: UserRef | None = None
        self.lead: UserRef | None = None
        self.assessment: Assessment | None = None
        self.play()

    # --- the mechanics the services share ---------------------------------------------------------

    def before(self, due: dt.datetime, at: dt.datetime) -> dt.datetime:
        """`at` moved into the daytime, and to the day before if that would make it late for `due`."""
        tz = timezone.get_current_timezone()
        done = daytime(at, at.minute + 7 * (at.hour % 7), tz)
        return done if done <= due else daytime(at - dt.timedelta(days=1), at.minute, tz)

    def policy(self) -> Policy:
        return self.policies[self.dispute.level]

    def add_tasks(
        self, items: list[tuple[str, dt.datetime, UserRef | None]], at: dt.datetime, title: str = ""
    ) -> None:
        for kind, due, assignee in items:
            task = Task(
                dispute=self.dispute,
                kind=kind,
                title=title,
                due_at=due,
                assignee_id=assignee.pk if assignee else None,
                level=self.dispute.level,
            )
            self.tasks.append(task)
            self.task_created[id(task)] = at

    def task_plan(
        self, start: dt.datetime, *, fresh: bool
    ) -> list[tuple[str, dt.datetime, UserRef | None]]:
        """services._task_plan."""
        policy, status, owner = self.policy(), self.dispute.status, self.owner
        early = status in EARLY
        items: list[tuple[str, dt.datetime, UserRef | None]] = []
        if early:
            items.append(
                (
                    Task.Kind.FIRST_CONTACT,
                    start + dt.timedelta(hours=policy.first_contact_hours),
                    owner,
                )
            )
        if fresh and status in {S.REGISTERED, S.REOPENED}:
            items.append(
                (Task.Kind.ASSESSMENT, start + dt.timedelta(hours=policy.assessment_hours), owner)
            )
        if policy.plan_days is not None:
            items.append(
                (Task.Kind.PLAN, start + dt.timedelta(days=policy.plan_days), self.lead or owner)
            )
        if early:
            items.append(
                (Task.Kind.MEDIATION, start + dt.timedelta(days=policy.mediation_days), owner)
            )
        if status in AFTER_OUTCOME:
            items.append(
                (Task.Kind.FOLLOW_UP, start + dt.timedelta(days=policy.visit_interval_days), owner)
            )
        items.append((Task.Kind.CLOSURE, start + dt.timedelta(days=policy.closure_days), owner))
        return items

    def open_tasks(self, kinds: set[str] | None = None) -> list[Task]:
        return [
            t
            for t in self.tasks
            if t.state == Task.State.OPEN and (kinds is None or t.kind in kinds)
        ]

    def complete(
        self, kinds: set[str], actor: UserRef, at: dt.datetime, *, first_only: bool = False
    ) -> None:
        tasks = sorted(self.open_tasks(kinds), key=lambda t: (t.due_at, self.tasks.index(t)))
        for task in tasks[:1] if first_only else tasks:
            task.state, task.completed_at, task.completed_by_id = Task.State.DONE, at, actor.pk

    def waive_open(self, reason: str) -> None:
        for task in self.open_tasks():
            task.state, task.waive_reason = Task.State.WAIVED, reason[:200]

    def event(
        self,
        step: Planned,
        actor: UserRef,
        from_status: str,
        changes: dict[str, Any],
        note: str = "",
    ) -> None:
        self.events.append(
            DisputeEvent(
                dispute=self.dispute,
                at=step.at,
                actor_id=actor.pk,
                action=step.action,
                from_status=from_status,
                to_status=self.dispute.status,
                changes=changes,
                note=note.strip(),
            )
        )

    def schedule_plan_task(self, step: Planned, at: dt.datetime) -> None:
        """The leader in charge writes the plan (一事一策) some time before it is due."""
        for task in self.open_tasks({Task.Kind.PLAN}):
            if self.task_created[id(task)] == at:
                done = at + (task.due_at - at) * step.params.get("plan_frac", 0.5)
                self.side.append((self.before(task.due_at, done), len(self.side), task, "plan", ""))

    def flush(self, until: dt.datetime, *, inclusive: bool = False) -> None:
        """Task completions that happened before `until` (services.task_complete)."""
        self.side.sort(key=lambda s: (s[0], s[1]))
        while self.side and (self.side[0][0] < until or (inclusive and self.side[0][0] <= until)):
            at, _n, task, what, note = self.side.pop(0)
            if task.state != Task.State.OPEN:
                continue
            actor = (self.lead or self.owner) if what == "plan" else self.owner
            task.state, task.completed_at, task.completed_by_id = Task.State.DONE, at, actor.pk
            note = texts.PLAN_DONE_NOTE if what == "plan" else note
            status = self.dispute.status
            self.events.append(
                DisputeEvent(
                    dispute=self.dispute,
                    at=at,
                    actor_id=actor.pk,
                    action="task_complete",
                    from_status=status,
                    to_status=status,
                    changes={
                        "task": [None, _TaskRef(task)],
                        "state": [Task.State.OPEN, Task.State.DONE],
                    },
                    note=note,
                )
            )

    # --- the path ---------------------------------------------------------------------------------

    def play(self) -> None:
        steps = (
            self.plan.steps if self.plan.stall_at is None else self.plan.steps[: self.plan.stall_at]
        )
        for step in steps:
            if step.at > self.now:
                break
            self.flush(step.at)
            getattr(self, f"do_{step.action}")(step, self.users[step.actor])
        self.flush(self.now, inclusive=True)
        d = self.dispute
        d.version = len(self.events)

    def do_register(self, step: Planned, actor: UserRef) -> None:
        d, level = self.dispute, step.params["level"]
        d.level, d.status = level, S.REGISTERED
        d.handling_tier = self.policies[level].handling_tier
        self.owner = self.users[self.plan.place.crew["O"]]
        d.owner_id = self.owner.pk
        d.registered_by_id = actor.pk
        self.add_tasks(self.task_plan(d.found_at, fresh=True), step.at)
        self.schedule_plan_task(step, step.at)
        self.event(
            step,
            actor,
            "",
            {
                "level": [None, level],
                "owner": [None, self.owner],
                "parties": [0, len(self.parties)],
            },
        )

    def apply_level(
        self, step: Planned, level: str, leader: UserRef | None, changes: dict[str, Any]
    ) -> None:
        """services._apply_level."""
        d = self.dispute
        policy = self.policies[level]
        if policy.needs_lead_leader:
            leader = leader or self.lead
            if leader is None:
                raise AssertionError("a red case needs a leader in charge")
            if leader != self.lead:
                changes["lead_leader"] = [self.lead, leader]
                self.lead = leader
                d.lead_leader_id = leader.pk
        if level != d.level:
            changes["level"] = [d.level, level]
            if policy.handling_tier != d.handling_tier:
                changes["handling_tier"] = [d.handling_tier, policy.handling_tier]
            d.level, d.handling_tier = level, policy.handling_tier
            self.waive_open(
                _("Superseded: the level changed to %(level)s.") % {"level": Level(level).label}
            )
            self.add_tasks(self.task_plan(step.at, fresh=False), step.at)
            self.schedule_plan_task(step, step.at)

    def _assess(self, step: Planned, actor: UserRef) -> None:
        d = self.dispute
        level, reasons = step.params["level"], step.params["reasons"]
        leader = self.users[step.params["lead_leader"]] if step.params.get("lead_leader") else None
        changes: dict[str, Any] = {}
        # Done before a level change supersedes the open checklist, so they count as done, not waived.
        self.complete({Task.Kind.ASSESSMENT}, actor, step.at)
        self.apply_level(step, level, leader, changes)
        assessment = Assessment(
            dispute=d,
            level=level,
            score=None,
            reasons=reasons,
            instrument_version="judgement",
            assessed_by_id=actor.pk,
            assessed_at=step.at,
        )
        self.assessments.append(assessment)
        changes["assessment"] = [_AssessmentRef(self.assessment), _AssessmentRef(assessment)]
        self.assessment = assessment
        old = d.status
        if TRANSITIONS[step.action].targets:
            d.status = S.ASSESSED
        if old != d.status:
            changes["status"] = [old, d.status]
        self.event(step, actor, old, changes, "; ".join(reasons))

    do_assess = _assess
    do_change_level = _assess

    def do_assign(self, step: Planned, actor: UserRef) -> None:
        d = self.dispute
        owner = self.users[step.params["owner"]]
        changes: dict[str, Any] = {}
        if owner != self.owner:
            changes["owner"] = [self.owner, owner]
            self.owner = owner
            d.owner_id = owner.pk
            for task in self.open_tasks():
                if task.kind != Task.Kind.PLAN:
                    task.assignee_id = owner.pk
        old = d.status
        if step.action == "assign":
            d.status = S.ASSIGNED
            changes["status"] = [old, d.status]
        self.event(step, actor, old, changes)

    do_reassign = do_assign

    def _simple(
        self,
        step: Planned,
        actor: UserRef,
        target: str | None,
        *,
        extra: dict[str, Any] | None = None,
        done: set[str] | None = None,
        first_only: bool = False,
    ) -> dict[str, Any]:
        """services._simple."""
        d = self.dispute
        changes: dict[str, Any] = {}
        for name, value in (extra or {}).items():
            current = getattr(d, name)
            if current != value:
                changes[name] = [
                    _iso(current) if name == "closed_at" else current,
                    _iso(value) if name == "closed_at" else value,
                ]
                setattr(d, name, value)
        old = d.status
        if target and target != old:
            d.status = target
            changes["status"] = [old, target]
        if done:
            self.complete(done, actor, step.at, first_only=first_only)
        self.event(step, actor, old, changes, step.params.get("note", ""))
        return changes

    def do_start_mediation(self, step: Planned, actor: UserRef) -> None:
        self._simple(step, actor, S.MEDIATING, done={Task.Kind.FIRST_CONTACT, Task.Kind.MEDIATION})

    def do_record_outcome(self, step: Planned, actor: UserRef) -> None:
        self._simple(
            step,
            actor,
            step.params["outcome"],
            extra={
                "outcome_note": step.params["note"].strip(),
                "transferred_to": step.params["transferred_to"].strip(),
            },
            done={Task.Kind.FIRST_CONTACT, Task.Kind.MEDIATION},
        )
        interval = dt.timedelta(days=self.policy().visit_interval_days)
        self.add_tasks([(Task.Kind.FOLLOW_UP, step.at + interval, self.owner)], step.at)
        self.follow_ups = 0  # the visits that count are those since this outcome

    def do_follow_up(self, step: Planned, actor: UserRef) -> None:
        matter, grievance = step.params["matter_settled"], step.params["grievance_settled"]
        self._simple(step, actor, S.FOLLOWING_UP, done={Task.Kind.FOLLOW_UP}, first_only=True)
        event = self.events[-1]
        event.changes = {
            **event.changes,
            "matter_settled": [None, matter],
            "grievance_settled": [None, grievance],
        }
        self.follow_ups += 1
        policy = self.policy()
        if self.follow_ups < policy.visits_after_outcome or not (matter and grievance):
            self.add_tasks(
                [
                    (
                        Task.Kind.FOLLOW_UP,
                        step.at + dt.timedelta(days=policy.visit_interval_days),
                        self.owner,
                    )
                ],
                step.at,
            )

    def do_request_closure(self, step: Planned, actor: UserRef) -> None:
        self._simple(step, actor, S.CLOSURE_REQUESTED)

    def do_approve_closure(self, step: Planned, actor: UserRef) -> None:
        self._simple(step, actor, S.CLOSED, extra={"closed_at": step.at}, done={Task.Kind.CLOSURE})
        self.waive_open(_("No longer due: the case was closed."))
        if self.dispute.level == Level.RED:  # visited monthly for three months after closure
            visits = [
                (Task.Kind.FOLLOW_UP, step.at + dt.timedelta(days=30 * n), self.owner)
                for n in (1, 2, 3)
            ]
            self.add_tasks(visits, step.at)
            for k, (task, early) in enumerate(
                zip(self.tasks[-3:], step.params["visit_early"], strict=True), start=1
            ):
                done = self.before(task.due_at, task.due_at - dt.timedelta(hours=early))
                self.side.append(
                    (
                        done,
                        len(self.side),
                        task,
                        "visit",
                        texts.AFTER_CLOSURE_VISIT_NOTE.format(k=k),
                    )
                )

    def do_reject_closure(self, step: Planned, actor: UserRef) -> None:
        note = step.params["note"]
        self._simple(step, actor, S.FOLLOWING_UP)
        self.add_tasks(
            [
                (
                    Task.Kind.FOLLOW_UP,
                    step.at + dt.timedelta(days=self.policy().visit_interval_days),
                    self.owner,
                )
            ],
            step.at,
            title=_("Closure rejected: %(reason)s") % {"reason": note.strip()[:80]},
        )

    def do_reopen(self, step: Planned, actor: UserRef) -> None:
        self._simple(step, actor, S.REOPENED, extra={"closed_at": None})
        self.add_tasks(self.task_plan(step.at, fresh=True), step.at)
        self.schedule_plan_task(step, step.at)


# ---------------------------------------------------------------------------------------------
# The step


def _demo_disputes():
    return Dispute.objects.filter(station__path__startswith=_BUREAU_PATH)


def _set_columns(model: type, rows: list[tuple[int, dict[str, Any]]]) -> None:
    """UPDATE one row at a time in one executemany: for fields bulk_create cannot set (auto_now_add)."""
    if not rows:
        return
    ops = connection.ops
    columns = list(rows[0][1])
    fields = {name: model._meta.get_field(name) for name in columns}
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        ops.quote_name(model._meta.db_table),
        ", ".join(f"{ops.quote_name(fields[c].column)} = %s" for c in columns),
        ops.quote_name(model._meta.pk.column),
    )

    def adapt(name: str, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return ops.adapt_datetimefield_value(value)
        return value

    params = [[adapt(c, values[c]) for c in columns] + [pk] for pk, values in rows]
    with connection.cursor() as cursor:
        for i in range(0, len(params), 2000):
            cursor.executemany(sql, params[i : i + 2000])


def run_disputes(ctx: DemoContext) -> None:
    load_reference_data(Category, LevelPolicy)
    if _demo_disputes().exists():
        return
    now = timezone.now()
    policies = {row.level: Policy.of(row) for row in LevelPolicy.objects.all()}
    users = {
        username: UserRef(pk, display_name or username)
        for pk, username, display_name in User.objects.filter(
            scope_unit__path__startswith=_BUREAU_PATH
        ).values_list("pk", "username", "display_name")
    }
    units = dict(
        Unit.objects.filter(
            path__startswith=_BUREAU_PATH, kind__in=[UnitKind.STATION, UnitKind.GRID]
        ).values_list("code", "pk")
    )
    categories = dict(Category.objects.values_list("code", "pk"))
    with translation.override("zh-hans"):
        plans = plan_disputes(
            ctx.plan,
            rng=ctx.rng("disputes"),
            today=timezone.localdate(now),
            now=now,
            policies=policies,
        )
        cases = [
            Case(
                p,
                now=now,
                policies=policies,
                users=users,
                categories=categories,
                station_id=units[p.place.station],
                grid_id=units[p.place.grid],
            )
            for p in plans
        ]

    # Case numbers in the order the cases were found, per station and year, after any already issued.
    sequences = {
        (s.unit_id, s.year): s for s in CaseSequence.objects.filter(unit_id__in=set(units.values()))
    }
    last: dict[tuple[int, int], int] = {key: s.last for key, s in sequences.items()}
    for case in sorted(cases, key=lambda c: (c.plan.found_at, c.plan.index)):
        d = case.dispute
        year = timezone.localdate(d.found_at).year
        key = (d.station_id, year)
        last[key] = last.get(key, 0) + 1
        d.case_number = f"{case.plan.place.station}-{year}-{last[key]:05d}"

    Dispute.objects.bulk_create([c.dispute for c in cases], batch_size=_BATCH)
    Party.objects.bulk_create([p for c in cases for p in c.parties], batch_size=_BATCH)
    Assessment.objects.bulk_create([a for c in cases for a in c.assessments], batch_size=_BATCH)
    tasks = [t for c in cases for t in c.tasks]
    Task.objects.bulk_create(tasks, batch_size=_BATCH)
    events = [e for c in cases for e in c.events]
    for e in events:
        e.changes = _resolve(e.changes)
    DisputeEvent.objects.bulk_create(events, batch_size=_BATCH)
    # What bulk_create cannot write: the assessment in force (it needed the cases' keys first) and the
    # times the services would have stamped (auto_now_add / auto_now).
    _set_columns(
        Dispute,
        [
            (
                c.dispute.pk,
                {
                    "assessment": c.assessment.pk if c.assessment else None,
                    "created_at": c.events[0].at,
                    "updated_at": c.events[-1].at,
                },
            )
            for c in cases
        ],
    )
    _set_columns(
        Task, [(t.pk, {"created_at": c.task_created[id(t)]}) for c in cases for t in c.tasks]
    )

    new_sequences, changed = [], []
    for (unit_id, year), n in last.items():
        if (unit_id, year) in sequences:
            if sequences[(unit_id, year)].last != n:
                sequences[(unit_id, year)].last = n
                changed.append(sequences[(unit_id, year)])
        else:
            new_sequences.append(CaseSequence(unit_id=unit_id, year=year, last=n))
    CaseSequence.objects.bulk_create(new_sequences)
    CaseSequence.objects.bulk_update(changed, ["last"])

    ctx.created["disputes.disputes"] += len(cases)
    ctx.created["disputes.parties"] += sum(len(c.parties) for c in cases)
    ctx.created["disputes.events"] += len(events)
    ctx.created["disputes.tasks"] += len(tasks)


COUNT_LABELS = {
    "disputes": ("矛盾纠纷", gettext_lazy("Disputes")),
    "parties": ("当事人", gettext_lazy("Parties")),
    "events": ("处置流程记录", gettext_lazy("Timeline events")),
    "tasks": ("任务清单", gettext_lazy("Checklist")),
}


def count_disputes(ctx: DemoContext) -> Section:
    disputes = _demo_disputes()
    totals = {
        "disputes": disputes.count(),
        "parties": Party.objects.filter(dispute__station__path__startswith=_BUREAU_PATH).count(),
        "events": DisputeEvent.objects.filter(
            dispute__station__path__startswith=_BUREAU_PATH
        ).count(),
        "tasks": Task.objects.filter(dispute__station__path__startswith=_BUREAU_PATH).count(),
    }
    return Section(
        bilingual("矛盾纠纷台账", _("Dispute ledger")),
        [
            CountRow(key, bilingual(zh, label), totals[key], ctx.created[f"disputes.{key}"])
            for key, (zh, label) in COUNT_LABELS.items()
        ],
    )


DISPUTES = Step("disputes", run_disputes, count_disputes)
