"""A deterministic county (or province) for the benchmarks: the unit tree, its people, N disputes
with their parties, timelines, checklists and follow-up visits, as plain tuples.

The generator knows the tables' columns (TABLES) but no database: `county()` returns the small
tables (units, users, responsibilities, the API token), `Plan` fixes what the disputes depend on,
and `chunk_rows(plan, k)` returns chunk k's rows of the five large tables. The same seed, size,
scale and `now` give the same rows, whatever order or process the chunks are generated in (each
chunk draws from random streams of its own). Times are naive UTC text ("YYYY-MM-DD HH:MM:SS"), as
Django keeps them in SQLite; PostgreSQL reads them in a session whose TimeZone is UTC.
`load_postgres()` writes it all with COPY (psycopg 3), in parallel processes, with the large tables'
indexes and foreign keys dropped during the load and rebuilt after it, then VACUUM ANALYZE.

The shape (issue 11's benchmark, after bench/dashboard.py): a bureau of 20 police stations, each of
4 police posts, 5 villages a post and 5 grids a village (2,000 grids); `scale="province"` is 10
such bureaus. People: a commander per bureau, a chief per station, a community officer per post
(the sector's responsible officer, so the API's new cases find an owner), a grid worker per grid,
and `api-110`, the 110 command centre's system account (station staff, scoped to the first
bureau) with one API token. Disputes: found over five years, more of them recently, ids in the
order found (as a live register numbers them); 6 % red, 19 % orange, the rest yellow; 70 % of the
last month's cases open and few older ones (≈ 45,000 open in 1,000,000). Cases found before the
system went live (18 months ago) came in from the old Excel ledgers: one "import" event, closed
(a few still open, with the checklist of their status). Later cases carry their whole timeline
(register → assess → assign → [start mediation] → record outcome → follow-up → request closure →
approve closure, as far as their status), the checklist the level's policy sets (done where the
case got past it, open and possibly overdue where it has not) and, after the follow-up step, one
follow-up visit (two for red cases). Every case has two parties (applicant and respondent).
Parties are not linked to persons, cases carry no risk assessment rows, and there is no audit
history: the rows the pages read most, not every table.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import itertools
import random
from collections import Counter
from dataclasses import dataclass, field

from concord.disputes.data.categories import LEVEL_POLICIES

DEFAULT_SEED = 11
SCALES = {"county": 1, "province": 10}  # bureaus
STATIONS, POSTS, VILLAGES, GRIDS = 20, 4, 5, 5
CHUNK = 25_000  # disputes per chunk (the unit of determinism and of parallel loading)
SPAN_DAYS = 5 * 365  # how far back cases were found
GO_LIVE_DAYS = 548  # cases found before this many days ago were imported from ledgers
CST = 8 * 3600  # the bureau's clock (Asia/Shanghai, no DST): case numbers carry its year
# Sparse ids for the rows a case has a varying number of, so a chunk's ids do not depend on the
# chunks before it: case i's events are i * EVENT_SLOTS + 0…, and so on.
EVENT_SLOTS, TASK_SLOTS, VISIT_SLOTS = 12, 8, 4

TABLES: dict[str, tuple[str, ...]] = {
    "territory_unit": (
        "id",
        "code",
        "name",
        "kind",
        "parent_id",
        "path",
        "is_active",
        "created_at",
        "updated_at",
    ),
    "accounts_user": (
        "id",
        "password",
        "is_superuser",
        "username",
        "first_name",
        "last_name",
        "email",
        "is_staff",
        "is_active",
        "date_joined",
        "display_name",
        "role",
        "phone",
        "scope_unit_id",
    ),
    "territory_responsibility": ("id", "user_id", "unit_id", "tier", "since", "created_at"),
    "accounts_apitoken": ("id", "user_id", "name", "key_prefix", "key_hash", "created_at"),
    "disputes_casesequence": ("id", "unit_id", "year", "last"),
    "disputes_dispute": (
        "id",
        "case_number",
        "title",
        "category_id",
        "subtype_id",
        "description",
        "grid_id",
        "station_id",
        "found_at",
        "channel",
        "people_involved",
        "amount_involved",
        "level",
        "status",
        "handling_tier",
        "owner_id",
        "lead_leader_id",
        "outcome_note",
        "transferred_to",
        "registered_by_id",
        "closed_at",
        "created_at",
        "updated_at",
        "version",
    ),
    "disputes_party": (
        "id",
        "dispute_id",
        "role",
        "name",
        "id_number",
        "phone",
        "address",
        "sex",
    ),
    "disputes_disputeevent": (
        "id",
        "dispute_id",
        "at",
        "actor_id",
        "action",
        "from_status",
        "to_status",
        "changes",
        "note",
    ),
    "disputes_task": (
        "id",
        "dispute_id",
        "kind",
        "title",
        "due_at",
        "assignee_id",
        "state",
        "level",
        "completed_at",
        "completed_by_id",
        "waive_reason",
        "data",
        "created_at",
    ),
    "mediation_followupvisit": (
        "id",
        "dispute_id",
        "visited_at",
        "visited_by_id",
        "method",
        "met_with",
        "matter_settled",
        "grievance_settled",
        "satisfaction",
        "note",
        "flags",
    ),
}
SMALL_TABLES = (
    "territory_unit",
    "accounts_user",
    "territory_responsibility",
    "accounts_apitoken",
    "disputes_casesequence",
)
LARGE_TABLES = (
    "disputes_dispute",
    "disputes_party",
    "disputes_disputeevent",
    "disputes_task",
    "mediation_followupvisit",
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂兰玉华红建国志文斌波宇浩凯鹏飞丹萍鑫琳佳欣怡梅春燕海峰云亮辉林晨晓雪慧颖婷倩"
PLACE = "东西南北前后上下大小新老高低黄白青石柳杨桃李枣梨河湖山岭沟坡庄营屯寨店集桥"
STATION_PLACE = "城关城东城西城南城北东关西关南关北关新华解放人民建设和平胜利光明朝阳红星团结"
OUTCOME_NOTES = ("双方达成调解协议，当场履行", "经调解双方和解", "双方同意按协议分期履行")
FOLLOW_UP_NOTES = (
    "回访双方，情绪平稳，协议已履行",
    "电话回访，双方无新的矛盾",
    "回访当事人，表示满意",
)
TRANSFER_TO = ("区人民法院诉前调解", "区人社局劳动监察大队", "区住建局", "区卫健委医调委")
DESCRIPTIONS = (
    "{a}与{b}因{what}发生争执，经网格员发现上报。",
    "{a}反映与{b}之间的{what}长期未解决，情绪激动。",
    "{a}、{b}因{what}多次发生口角，邻居劝解未果。",
)
LIVE_CHANNELS = ("grid_report", "police_call", "patrol_visit", "hotline", "walk_in")
LIVE_CHANNEL_WEIGHTS = (40, 30, 15, 10, 5)
OPEN_SHARES = (  # the status of a case still open, by weight
    ("registered", 6),
    ("assessed", 6),
    ("assigned", 14),
    ("mediating", 30),
    ("resolved", 10),
    ("contained", 8),
    ("transferred", 2),
    ("following_up", 16),
    ("closure_requested", 6),
    ("reopened", 2),
)
OUTCOMES = (("resolved", 80), ("contained", 15), ("transferred", 5))
# A case's way through its life: (action, from, to); "outcome" is resolved, contained or
# transferred. A case may skip mediation (an outcome recorded straight after assignment).
STEPS = ("register", "assess", "assign", "start_mediation", "record_outcome", "follow_up")
STEPS += ("request_closure", "approve_closure")
STEP_STATUS = {
    "register": "registered",
    "assess": "assessed",
    "assign": "assigned",
    "start_mediation": "mediating",
    "record_outcome": "outcome",
    "follow_up": "following_up",
    "request_closure": "closure_requested",
    "approve_closure": "closed",
}
STATUS_STEP = {
    "registered": 0,
    "assessed": 1,
    "assigned": 2,
    "mediating": 3,
    "resolved": 4,
    "contained": 4,
    "transferred": 4,
    "following_up": 5,
    "closure_requested": 6,
    "closed": 7,
}
POLICIES = {p["level"]: p for p in LEVEL_POLICIES}
HOUR, DAY = 3600, 86400


@dataclass(frozen=True)
class Grid:
    id: int
    code: str
    name: str
    station_id: int
    station_code: str
    bureau: int  # the bureau's index
    officer_id: int  # the community officer of the grid's post
    worker_id: int  # the grid's worker
    chief_id: int  # the station's chief
    commander_id: int  # the bureau's commander


@dataclass
class County:
    seed: int
    scale: str
    created: str  # when the county's rows were "created" (text, naive UTC)
    units: list[tuple] = field(default_factory=list)
    users: list[tuple] = field(default_factory=list)
    responsibilities: list[tuple] = field(default_factory=list)
    grids: list[Grid] = field(default_factory=list)
    usernames: dict[str, int] = field(default_factory=dict)
    api_token: str = ""  # the plain bearer token of api-110
    api_token_row: tuple = ()

    def small_rows(self) -> dict[str, list[tuple]]:
        return {
            "territory_unit": self.units,
            "accounts_user": self.users,
            "territory_responsibility": self.responsibilities,
            "accounts_apitoken": [self.api_token_row],
        }


class Clock:
    """Seconds since the Unix epoch (UTC) as "YYYY-MM-DD HH:MM:SS" text, from two lookup tables
    (formatting millions of times through datetime would take most of the build)."""

    def __init__(self) -> None:
        self._hms = [
            f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)
        ]
        self._days: dict[int, str] = {}

    def __call__(self, seconds: int) -> str:
        day, rest = divmod(int(seconds), DAY)
        prefix = self._days.get(day)
        if prefix is None:
            prefix = self._days[day] = (dt.date(1970, 1, 1) + dt.timedelta(days=day)).isoformat()
        return f"{prefix} {self._hms[rest]}"


_FIRST_YEAR = 1990
_YEAR_STARTS = [
    int(dt.datetime(y, 1, 1, tzinfo=dt.UTC).timestamp()) - CST for y in range(_FIRST_YEAR, 2200)
]


def _year(seconds: int) -> int:
    """The year on the bureau's clock (UTC+8) at `seconds` since the epoch."""
    return _FIRST_YEAR + bisect.bisect_right(_YEAR_STARTS, seconds) - 1


def _person_name(rng: random.Random) -> str:
    r = rng.random
    given = GIVEN[int(r() * len(GIVEN))] + (GIVEN[int(r() * len(GIVEN))] if r() < 0.7 else "")
    return SURNAMES[int(r() * len(SURNAMES))] + given


def _phone(rng: random.Random) -> str:
    return f"1{'3578'[int(rng.random() * 4)]}{int(rng.random() * 10**9):09d}"


def county(
    seed: int = DEFAULT_SEED, scale: str = "county", *, now: dt.datetime | None = None
) -> County:
    """The unit tree, its people and the API account (ids from 1: the tables must be empty)."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}")
    rng = random.Random(f"{seed}/county")
    now = now or default_now()
    created = Clock()(int((now - dt.timedelta(days=SPAN_DAYS + 30)).timestamp()))
    since = (now - dt.timedelta(days=SPAN_DAYS + 30)).date().isoformat()
    c = County(seed=seed, scale=scale, created=created)
    unit_ids, user_ids, resp_ids = itertools.count(1), itertools.count(1), itertools.count(1)

    def unit(code: str, name: str, kind: str, parent: tuple | None) -> tuple:
        row = (next(unit_ids), code, name, kind, parent[0] if parent else None)
        row += ((parent[5] if parent else "/") + code + "/", True, created, created)
        c.units.append(row)
        return row

    def user(username: str, role: str, scope: tuple, name: str = "") -> int:
        pk = next(user_ids)
        display = name or _person_name(rng)
        c.users.append(
            (pk, "!bench", False, username, "", "", "", False, True, created, display, role)
            + (_phone(rng), scope[0])
        )
        c.usernames[username] = pk
        return pk

    def responsible(user_id: int, unit_row: tuple, tier: str) -> None:
        c.responsibilities.append((next(resp_ids), user_id, unit_row[0], tier, since, created))

    places = [STATION_PLACE[i : i + 2] for i in range(0, len(STATION_PLACE), 2)]
    for b in range(SCALES[scale]):
        bureau = unit(f"B{b}", f"基准县{b}公安局", "bureau", None)
        commander = user(f"b{b}-commander", "bureau_commander", bureau)
        if b == 0:
            api_user = user("api-110", "station_staff", bureau, "110指挥中心（系统）")
        for s in range(STATIONS):
            place = places[s % len(places)] + ("" if s < len(places) else f"{s}")
            station = unit(f"B{b}S{s:02d}", f"{place}派出所", "station", bureau)
            chief = user(f"{station[1].lower()}-chief", "station_chief", station)
            for p in range(POSTS):
                post = unit(f"{station[1]}P{p}", f"{place}第{p + 1}警务室", "post", station)
                officer = user(f"{post[1].lower()}-officer", "community_officer", post)
                responsible(officer, post, "sector")
                for v in range(VILLAGES):
                    vname = rng.choice(PLACE) + rng.choice(PLACE) + rng.choice("村庄屯寨")
                    village = unit(f"{post[1]}V{v}", vname, "village", post)
                    for g in range(GRIDS):
                        grid = unit(f"{village[1]}G{g}", f"{vname}第{g + 1}网格", "grid", village)
                        worker = user(f"{grid[1].lower()}-worker", "grid_worker", grid)
                        responsible(worker, grid, "grid")
                        c.grids.append(
                            Grid(
                                *grid[:3],
                                station[0],
                                station[1],
                                b,
                                officer,
                                worker,
                                chief,
                                commander,
                            )
                        )
    token = hashlib.sha256(f"concord-bench-{seed}".encode()).hexdigest()[:43]
    c.api_token = token
    c.api_token_row = (
        1,
        api_user,
        "110 指挥中心（基准）",
        token[:8],
        hashlib.sha256(token.encode()).hexdigest(),
        created,
    )
    return c


def default_now() -> dt.datetime:
    """The start of the current UTC day: the data is the same all day for one seed."""
    today = dt.datetime.now(dt.UTC).date()
    return dt.datetime(today.year, today.month, today.day, tzinfo=dt.UTC)


@dataclass
class Plan:
    """What chunk k's rows depend on: the county, the size, the seed, the clock and the taxonomy."""

    county: County
    n: int
    categories: list[tuple[int, str, str, int | None]]  # (id, code, name, parent_id)
    now: int  # seconds since the epoch, UTC
    seq_start: list[dict[tuple[int, int], int]] = field(default_factory=list)  # per chunk
    sequences: list[tuple] = field(default_factory=list)  # disputes_casesequence rows

    @property
    def chunks(self) -> int:
        return -(-self.n // CHUNK)

    def chunk_size(self, k: int) -> int:
        return min(CHUNK, self.n - k * CHUNK)


def _core(rng: random.Random, now: int, grids: int, i: int, n: int) -> tuple[int, int]:
    """Case i's grid index and the second it was found. Cases come in the order they were found,
    as ids do in a live register (so recent cases sit together at the table's end), and more of
    them recently: case i of n is found at age span × (1 − (i + jitter) / n)^1.25."""
    age = int(SPAN_DAYS * DAY * (1 - (i + rng.random()) / n) ** 1.25)
    return int(rng.random() * grids), now - age


def _open_chance(age: int) -> float:
    """How likely a case found `age` seconds ago is still open: 70 % in its first month, then
    falling with the square of its age, and a small rest of long-running cases (≈ 45,000 open of
    1,000,000, about 2,000 of them older than a year)."""
    if age <= 30 * DAY:
        return 0.7
    return 0.7 * (30 * DAY / age) ** 2 + 0.002


def plan(
    county_: County,
    n: int,
    categories: list[tuple[int, str, str, int | None]],
    *,
    now: dt.datetime | None = None,
) -> Plan:
    """Fix the case numbers: a first pass draws each case's grid and time (its own random stream
    per chunk) and counts cases per station and year, so chunk k knows where its numbers start."""
    now_s = int((now or default_now()).timestamp())
    p = Plan(county=county_, n=n, categories=sorted(categories), now=now_s)
    running: Counter[tuple[int, int]] = Counter()
    grids = county_.grids
    for k in range(p.chunks):
        p.seq_start.append(dict(running))
        rng = random.Random(f"{county_.seed}/core/{k}")
        for i in range(k * CHUNK, k * CHUNK + p.chunk_size(k)):
            g, found = _core(rng, now_s, len(grids), i, n)
            year = _year(found)
            running[(grids[g].station_id, year)] += 1
    p.sequences = [
        (i, station, year, last)
        for i, ((station, year), last) in enumerate(sorted(running.items()), 1)
    ]
    return p


def _weighted(options: tuple[tuple[str, int], ...]) -> tuple[list[str], list[int]]:
    values, weights = zip(*options, strict=True)
    cumulative, total = [], 0
    for w in weights:
        total += w
        cumulative.append(total)
    return list(values), cumulative


def chunk_rows(p: Plan, k: int) -> dict[str, list[tuple]]:
    """Chunk k's disputes and their parties, events, tasks and visits (lists of tuples, in the
    column order of TABLES)."""
    c = p.county
    clock = Clock()
    core = random.Random(f"{c.seed}/core/{k}")
    rng = random.Random(f"{c.seed}/rest/{k}")
    grids = c.grids
    now, go_live = p.now, p.now - GO_LIVE_DAYS * DAY
    mains = [cat for cat in p.categories if cat[3] is None]
    subtypes: dict[int, list[tuple]] = {}
    for cat in p.categories:
        if cat[3] is not None:
            subtypes.setdefault(cat[3], []).append(cat)
    seq = dict(p.seq_start[k])
    open_values, open_cum = _weighted(OPEN_SHARES)
    outcome_values, outcome_cum = _weighted(OUTCOMES)
    disputes, parties, events, tasks, visits = [], [], [], [], []
    first = k * CHUNK + 1
    choices, rand = rng.choices, rng.random

    def randrange(lo: int, hi: int | None = None) -> int:  # Random.randrange, a third of the cost
        if hi is None:
            lo, hi = 0, lo
        return lo + int(rand() * (hi - lo))

    for pk in range(first, first + p.chunk_size(k)):
        g, found = _core(core, now, len(grids), pk - 1, p.n)
        grid = grids[g]
        year = _year(found)
        key = (grid.station_id, year)
        seq[key] = seq.get(key, 0) + 1
        case_number = f"{grid.station_code}-{year}-{seq[key]:05d}"
        r = rand()
        level = "red" if r < 0.06 else "orange" if r < 0.25 else "yellow"
        policy = POLICIES[level]
        age = now - found
        if rand() >= _open_chance(age):
            closed = min(found + randrange(DAY, 60 * DAY), now - randrange(60, 3600))
            status = "closed"
        else:
            closed = None
            status = choices(open_values, cum_weights=open_cum)[0]
        imported = found < go_live
        main = mains[randrange(len(mains))]
        sub = subtypes[main[0]][randrange(len(subtypes[main[0]]))] if main[0] in subtypes else None
        what = (sub or main)[2]
        a_name, b_name = _person_name(rng), _person_name(rng)
        title = f"{a_name[0]}某与{b_name[0]}某{what}"
        description = DESCRIPTIONS[randrange(3)].format(a=a_name, b=b_name, what=what)
        amount = None
        if main[1] in ("debt", "labour", "damages", "requisition"):
            amount = f"{randrange(2_000, 800_000)}.00"
        outcome = None
        if status in ("resolved", "contained", "transferred"):
            outcome = status
        elif STATUS_STEP.get(status, 7) >= 4:
            outcome = choices(outcome_values, cum_weights=outcome_cum)[0]
        transferred_to = (
            TRANSFER_TO[randrange(len(TRANSFER_TO))] if outcome == "transferred" else ""
        )
        outcome_note = OUTCOME_NOTES[randrange(3)] if outcome else ""
        officer, chief, commander = grid.officer_id, grid.chief_id, grid.commander_id
        lead = commander if level == "red" and status not in ("registered",) else None
        approver = officer if level == "yellow" else chief if level == "orange" else commander
        registered = found + randrange(300, 6 * HOUR)
        if imported:
            channel, registered_by = "ledger_import", chief
            created = go_live - randrange(0, 30 * DAY)
        else:
            channel = choices(LIVE_CHANNELS, cum_weights=(40, 70, 85, 95, 100))[0]
            registered_by = (
                grid.worker_id if channel in ("grid_report", "patrol_visit") else officer
            )
            created = registered
        end = closed if closed is not None else now - randrange(HOUR, 3 * DAY)
        if end <= registered:
            end = registered + 60

        # The timeline: the steps this case went through, at increasing times.
        if status == "reopened":
            last_step, reopened = 7, True
        else:
            last_step, reopened = STATUS_STEP[status], False
        skip_mediation = rand() < 0.4
        steps = [
            s
            for s in STEPS[: last_step + 1]
            if not (s == "start_mediation" and skip_mediation and last_step >= 4)
        ]
        actor_of = {
            "register": registered_by,
            "assess": officer,
            "assign": officer if level == "yellow" else chief,
            "approve_closure": approver,
        }
        ev_base = pk * EVENT_SLOTS
        times: dict[str, int] = {}
        if imported:
            at = max(created, registered)
            events.append(
                (ev_base, pk, clock(at), None, "import", "", status, '{"source": "ledger"}', "")
            )
            times = {
                s: found + (end - found) * (i + 1) // (len(steps) + 1) for i, s in enumerate(steps)
            }
            version = 1
        else:
            n_steps = len(steps)
            # A reopened case was closed a while before it was reopened (at `end`).
            last = registered + (end - registered) * 4 // 5 if reopened else end
            marks = sorted(randrange(last - registered) for _ in range(max(n_steps - 2, 0)))
            stamps = [registered, *(registered + m for m in marks)]
            if n_steps > 1:
                stamps.append(last)
            previous = ""
            for i, step in enumerate(steps):
                to = outcome if step == "record_outcome" else STEP_STATUS[step]
                at = stamps[i]
                times[step] = at
                if step == "register":
                    changes = (
                        f'{{"level": [null, "{level}"], "owner": [null, {{"id": {officer}, '
                        f'"label": "{officer}"}}], "parties": [0, 2]}}'
                    )
                elif step == "assess":
                    changes = f'{{"level": ["{level}", "{level}"]}}'
                elif step == "assign":
                    changes = f'{{"owner": [{officer}, {officer}]}}'
                else:
                    changes = "{}"
                note = ""
                if step == "record_outcome":
                    note = outcome_note
                elif step == "follow_up":
                    note = FOLLOW_UP_NOTES[randrange(3)]
                events.append(
                    (
                        ev_base + i,
                        pk,
                        clock(at),
                        actor_of.get(step, officer),
                        step,
                        previous,
                        to,
                        changes,
                        note,
                    )
                )
                previous = to
            version = n_steps
            if reopened:
                events.append(
                    (ev_base + n_steps, pk, clock(end), officer, "reopen", "closed", "reopened")
                    + ("{}", "当事人反映协议未履行，重新受理")
                )
                version += 1

        # The checklist the level's policy sets at registration, and the follow-up after the
        # outcome: done where the case got past the step, open (maybe overdue) where it has not.
        if not imported or closed is None:
            start = registered
            plan_items = [
                ("first_contact", start + policy["first_contact_hours"] * HOUR, "assess"),
                ("assessment", start + policy["assessment_hours"] * HOUR, "assess"),
            ]
            if policy["plan_days"] is not None:
                plan_items.append(("plan", start + policy["plan_days"] * DAY, "assign"))
            plan_items.append(
                ("mediation", start + policy["mediation_days"] * DAY, "record_outcome")
            )
            if "record_outcome" in times:
                plan_items.append(
                    (
                        "follow_up",
                        times["record_outcome"] + policy["visit_interval_days"] * DAY,
                        "follow_up",
                    )
                )
            plan_items.append(("closure", start + policy["closure_days"] * DAY, "approve_closure"))
            t_base = pk * TASK_SLOTS
            created_s = clock(created)
            for i, (kind, due, done_by_step) in enumerate(plan_items):
                done_at = times.get(done_by_step)
                if kind == "mediation" and "start_mediation" in times:
                    done_at = times["start_mediation"]
                assignee = lead if kind == "plan" and lead else officer
                if done_at is not None and not (reopened and kind == "closure"):
                    state, completed, completed_by = "done", clock(done_at), assignee
                else:
                    state, completed, completed_by = "open", None, None
                tasks.append(
                    (t_base + i, pk, kind, "", clock(due), assignee, state, level, completed)
                    + (completed_by, "", "{}", created_s)
                )

        # Follow-up visits after the outcome (回访): one, two for a red case.
        if "follow_up" in times and not imported:
            v_base = pk * VISIT_SLOTS
            first_visit = times["follow_up"]
            for i in range(2 if level == "red" else 1):
                settled = rand() < 0.92
                visits.append(
                    (
                        v_base + i,
                        pk,
                        clock(first_visit - i * policy["visit_interval_days"] * DAY),
                        officer,
                        "in_person" if rand() < 0.6 else "phone",
                        "双方当事人",
                        True,
                        settled,
                        "satisfied" if settled else "partly",
                        FOLLOW_UP_NOTES[randrange(3)],
                        "[]",
                    )
                )

        village = grid.name.split("第")[0]
        for i, (role, name) in enumerate((("applicant", a_name), ("respondent", b_name))):
            parties.append(
                (
                    2 * pk - 1 + i,
                    pk,
                    role,
                    name,
                    "",
                    _phone(rng),
                    f"{village}{randrange(1, 300)}号",
                    "M" if rand() < 0.55 else "F",
                )
            )
        disputes.append(
            (
                pk,
                case_number,
                title,
                main[0],
                sub[0] if sub else None,
                description,
                grid.id,
                grid.station_id,
                clock(found),
                channel,
                2,
                amount,
                level,
                status,
                policy["handling_tier"],
                officer,
                lead,
                outcome_note,
                transferred_to,
                registered_by,
                clock(closed) if closed is not None else None,
                clock(created),
                clock(max(end, created)),
                version,
            )
        )
    return {
        "disputes_dispute": disputes,
        "disputes_party": parties,
        "disputes_disputeevent": events,
        "disputes_task": tasks,
        "mediation_followupvisit": visits,
    }


def iter_chunks(p: Plan):
    """Every chunk's rows in order (one process; `load_postgres` spreads them over several)."""
    for k in range(p.chunks):
        yield chunk_rows(p, k)


# --- PostgreSQL --------------------------------------------------------------------------------


def _categories(conn) -> list[tuple[int, str, str, int | None]]:
    return [
        tuple(r) for r in conn.execute("SELECT id, code, name, parent_id FROM disputes_category")
    ]


def _copy(conn, table: str, rows: list[tuple]) -> None:
    from psycopg.copy import QueuedLibpqWriter

    columns = ", ".join(TABLES[table])
    cursor = conn.cursor()
    # The queued writer sends from a thread, so Python formats the next rows meanwhile.
    writer = QueuedLibpqWriter(cursor)
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN", writer=writer) as copy:
        for row in rows:
            copy.write_row(row)


def _load_worker(args: tuple) -> dict[str, int]:
    dsn, p, ks = args
    import psycopg

    counts: Counter[str] = Counter()
    with psycopg.connect(dsn) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        conn.execute("SET synchronous_commit = off")
        for k in ks:
            for table, rows in chunk_rows(p, k).items():
                _copy(conn, table, rows)
                counts[table] += len(rows)
            conn.commit()
    return dict(counts)


def _python_cpu() -> float:
    """CPU seconds of this process and its ended children (the loading workers)."""
    import resource

    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _schema_objects(conn, tables: tuple[str, ...]) -> tuple[list, list, list]:
    """The large tables' foreign keys (either way), constraints backed by an index, and other
    indexes, with the SQL that recreates each."""
    oids = [conn.execute("SELECT %s::regclass::oid", [t]).fetchone()[0] for t in tables]
    fks = conn.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE contype = 'f' AND (conrelid = ANY(%s) OR confrelid = ANY(%s))",
        [oids, oids],
    ).fetchall()
    keys = conn.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE contype IN ('p', 'u') AND conrelid = ANY(%s)",
        [oids],
    ).fetchall()
    indexes = conn.execute(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i"
        " WHERE indrelid = ANY(%s)"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        [oids],
    ).fetchall()
    return fks, keys, indexes


def _run_parallel(dsn: str, statements: list[str], workers: int) -> None:
    """Run independent statements over `workers` connections at once (index builds, VACUUM)."""
    from concurrent.futures import ThreadPoolExecutor

    import psycopg

    def run(statement: str) -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("SET maintenance_work_mem = '512MB'")
            conn.execute(statement)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(run, statements))


def load_postgres(
    dsn: str,
    n: int,
    *,
    seed: int = DEFAULT_SEED,
    scale: str = "county",
    now: dt.datetime | None = None,
    workers: int = 2,
    log=print,
    server_cpu=None,
) -> tuple[County, dict]:
    """Build the county and n disputes into a migrated, empty PostgreSQL database. `server_cpu`,
    if given, returns the server's CPU seconds so far: each step then reports its share."""
    import multiprocessing
    import time

    import psycopg

    timings: dict[str, float] = {}
    cpu: dict[str, dict[str, float]] = {}
    started = time.perf_counter()
    last = [started, _python_cpu(), server_cpu() if server_cpu else 0.0]

    def lap(name: str) -> None:
        now_, python, server = (
            time.perf_counter(),
            _python_cpu(),
            server_cpu() if server_cpu else 0.0,
        )
        timings[name] = round(now_ - last[0], 1)
        cpu[name] = {"python": round(python - last[1], 1)}
        if server_cpu:
            cpu[name]["postgres"] = round(server - last[2], 1)
        last[:] = [now_, python, server]
        log(f"  {name}: {timings[name]:.1f} s (CPU s: {cpu[name]})")

    now = now or default_now()
    c = county(seed, scale, now=now)
    with psycopg.connect(dsn) as conn:
        for table in (*SMALL_TABLES, *LARGE_TABLES):
            if conn.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0]:
                raise RuntimeError(f"{table} is not empty: the generator numbers rows from 1")
        p = plan(c, n, _categories(conn), now=now)
        conn.execute("SET TimeZone = 'UTC'")
        for table, rows in c.small_rows().items():
            _copy(conn, table, rows)
        _copy(conn, "disputes_casesequence", p.sequences)
        conn.commit()  # the small tables' deferred foreign-key checks run here
        fks, keys, indexes = _schema_objects(conn, LARGE_TABLES)
        for table, name, _sql in fks:
            conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for table, name, _sql in keys:
            conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _sql in indexes:
            conn.execute(f"DROP INDEX {name}")
        conn.commit()
    lap("county and plan")

    shares = [list(range(w, p.chunks, workers)) for w in range(workers)]
    context = multiprocessing.get_context("fork")
    counts: Counter[str] = Counter()
    with context.Pool(workers) as pool:
        for result in pool.imap_unordered(_load_worker, [(dsn, p, ks) for ks in shares if ks]):
            counts.update(result)
    lap("generate and COPY")

    # Primary keys and unique constraints first (the foreign keys need them), largest first.
    _run_parallel(
        dsn,
        [f'ALTER TABLE {t} ADD CONSTRAINT "{name}" {sql}' for t, name, sql in keys]
        + [sql for _name, sql in indexes],
        workers,
    )
    lap("indexes")
    with psycopg.connect(dsn, autocommit=True) as conn:
        for table, name, sql in fks:
            conn.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {sql}')
        for table in (*SMALL_TABLES, *LARGE_TABLES):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" (SELECT MAX(id) FROM {table}))"
            )
    lap("foreign keys")
    # VACUUM sets the visibility map, so the dashboard's index-only scans read no table pages (as
    # autovacuum would have on a live system); ANALYZE gives the planner the real distribution.
    _run_parallel(dsn, [f"VACUUM (ANALYZE) {t}" for t in LARGE_TABLES], workers)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("ANALYZE")
    lap("vacuum and analyze")
    summary = {"disputes": n, **{t: counts[t] for t in LARGE_TABLES}, "seconds": timings}
    summary["cpu_seconds"] = cpu
    summary["seconds_total"] = round(time.perf_counter() - started, 1)
    return c, summary
