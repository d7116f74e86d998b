"""The demo county: the territory, its people and who answers for each place (三级包保).

Modelled on Huaiyang District (淮阳区), Zhoukou, Henan: the bureau 周口市公安局淮阳分局, one police
station (派出所) for each of its real townships and two for the county town's urban communities,
2–4 police posts (警务室) per station, about 450 villages and communities and about 1,500 grids.
Village, community and people's names are synthetic, drawn from a seed; so are the boundaries: the
county box is cut into station squares, each station into post cells, each post into village cells and
each village into grid cells, so every unit lies inside its parent and no two units of a kind overlap.

`plan_county(seed)` is pure: it computes the whole county in memory and touches no database. The three
steps at the bottom (`UNITS`, `USERS`, `RESPONSIBILITIES`) write whatever of the plan is missing.
"""

import datetime as dt
import itertools
import math
import random
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from concord.accounts.models import Role, User
from concord.audit.models import AuditEntry
from concord.core.demo.base import CountRow, DemoConflict, DemoContext, Section, Step, bilingual
from concord.core.demo.names import PeopleNamer, community_names, village_names
from concord.territory import geometry
from concord.territory.models import (
    KIND_ORDER,
    UNIT_KIND_TIER,
    Responsibility,
    Tier,
    Unit,
    UnitKind,
)

DEFAULT_SEED = 20220606
DEMO_PASSWORD = "Concord-demo-2026"
# Responsibilities start on a fixed day, not "today", so every run writes the same rows.
DEMO_SINCE = dt.date(2025, 1, 1)

BUREAU_CODE = "411603"
BUREAU_NAME = "周口市公安局淮阳分局"
# (min_lng, min_lat, max_lng, max_lat) around Huaiyang; cut into LAYOUT_SIZE × LAYOUT_SIZE squares.
COUNTY_BOX = (114.60, 33.50, 115.20, 34.00)
LAYOUT_SIZE = 5
CENTRE = (2, 2)
VILLAGES_TOTAL = 450
GRIDS_TOTAL = 1500

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class StationSpec:
    """A police station and the area it serves.

    `cell` is its square in the layout, (column from the west, row from the south); the two urban
    stations share the centre square, one half each. `posts` are police posts that must exist there;
    `spare_posts` name the others an urban station may get.
    """

    name: str
    area: str
    cell: tuple[int, int]
    urban: bool = False
    half: str = ""
    posts: tuple[str, ...] = ()
    spare_posts: tuple[str, ...] = ()


STATIONS: tuple[StationSpec, ...] = (
    StationSpec(
        "城东派出所",
        "城关回族镇（城区东部）",
        CENTRE,
        urban=True,
        half="east",
        posts=("官路边", "广商"),
        spare_posts=("羲皇", "太昊"),
    ),
    StationSpec(
        "城西派出所",
        "城关回族镇（城区西部）",
        CENTRE,
        urban=True,
        half="west",
        posts=("民生", "苏园"),
        spare_posts=("弦歌", "柳湖"),
    ),
    StationSpec("城郊派出所", "城关回族镇", (2, 1)),
    StationSpec("白楼派出所", "白楼镇", (1, 4)),
    StationSpec("朱集派出所", "朱集乡", (2, 4)),
    StationSpec("豆门派出所", "豆门乡", (3, 4)),
    StationSpec("冯塘派出所", "冯塘乡", (0, 3)),
    StationSpec("刘振屯派出所", "刘振屯乡", (1, 3)),
    StationSpec("王店派出所", "王店乡", (2, 3)),
    StationSpec("大连派出所", "大连乡", (3, 3)),
    StationSpec("葛店派出所", "葛店乡", (4, 3)),
    StationSpec("黄集派出所", "黄集乡", (0, 2)),
    StationSpec("齐老派出所", "齐老乡", (1, 2)),
    StationSpec("郑集派出所", "郑集乡", (3, 2)),
    StationSpec("曹河派出所", "曹河乡", (4, 2)),
    StationSpec("新站派出所", "新站镇", (0, 1)),
    StationSpec("鲁台派出所", "鲁台镇", (1, 1)),
    StationSpec("四通派出所", "四通镇", (3, 1)),
    StationSpec("临蔡派出所", "临蔡镇", (1, 0)),
    StationSpec("安岭派出所", "安岭镇", (2, 0)),
    StationSpec("许湾派出所", "许湾乡", (3, 0)),
)


@dataclass(frozen=True)
class UnitPlan:
    code: str
    name: str
    kind: str
    parent: str | None
    path: str
    box: Box  # exactly the bounding box of `rectangle(*box)`

    @property
    def boundary(self) -> dict:
        return geometry.rectangle(*self.box)


@dataclass(frozen=True)
class UserPlan:
    username: str
    display_name: str
    role: str
    scope: str  # unit code
    phone: str
    is_staff: bool = False
    is_superuser: bool = False


@dataclass(frozen=True)
class ResponsibilityPlan:
    username: str
    unit: str  # unit code
    tier: str


@dataclass(frozen=True)
class CountyPlan:
    seed: int
    units: tuple[UnitPlan, ...]
    users: tuple[UserPlan, ...]
    responsibilities: tuple[ResponsibilityPlan, ...]

    def of_kind(self, kind: str) -> list[UnitPlan]:
        return [u for u in self.units if u.kind == kind]

    def unit(self, code: str) -> UnitPlan:
        return next(u for u in self.units if u.code == code)


# ---------------------------------------------------------------------------------------------
# The plan (pure)


def _cuts(lo: float, hi: float, n: int) -> list[float]:
    """n + 1 increasing cut points from lo to hi, the ends exactly lo and hi."""
    return [lo, *(lo + (hi - lo) * i / n for i in range(1, n)), hi]


def tile(box: Box, n: int) -> list[Box]:
    """Cut a box into n rectangles that cover it without overlapping: rows from the north, cells from
    the west, as near square on the ground as the count allows."""
    x0, y0, x1, y1 = box
    # A degree of longitude is about 0.83 of a degree of latitude at 33.75° N.
    width, height = (x1 - x0) * math.cos(math.radians((y0 + y1) / 2)), y1 - y0
    rows = min(n, max(1, round(math.sqrt(n * height / width))))
    base, extra = divmod(n, rows)
    ys = _cuts(y1, y0, rows)
    boxes = []
    for r in range(rows):
        xs = _cuts(x0, x1, base + (1 if r < extra else 0))
        boxes.extend((xs[j], ys[r + 1], xs[j + 1], ys[r]) for j in range(len(xs) - 1))
    return boxes


def _rounded(box: Box) -> Box:
    return geometry.bbox(geometry.rectangle(*box))


def spread(rng: random.Random, total: int, n: int, lo: int, hi: int) -> list[int]:
    """n counts between lo and hi that add up to total, drawn at random."""
    if not n * lo <= total <= n * hi:
        raise ValueError(f"cannot spread {total} over {n} between {lo} and {hi}")
    counts = [lo] * n
    open_slots = list(range(n))
    for _step in range(total - n * lo):
        i = rng.choice(open_slots)
        counts[i] += 1
        if counts[i] == hi:
            open_slots.remove(i)
    return counts


def _station_box(spec: StationSpec) -> Box:
    x0, y0, x1, y1 = COUNTY_BOX
    xs, ys = _cuts(x0, x1, LAYOUT_SIZE), _cuts(y0, y1, LAYOUT_SIZE)
    col, row = spec.cell
    box = (xs[col], ys[row], xs[col + 1], ys[row + 1])
    if spec.half:
        mid = (box[0] + box[2]) / 2
        box = (
            (box[0], box[1], mid, box[3]) if spec.half == "west" else (mid, box[1], box[2], box[3])
        )
    return box


def plan_county(seed: int = DEFAULT_SEED) -> CountyPlan:
    """The whole demo county for a seed, in memory: units with codes, names and boxes, users,
    responsibilities. The same seed gives the same plan, field for field."""
    land = random.Random(f"{seed}:territory")
    people = PeopleNamer(random.Random(f"{seed}:people"))

    # How many of everything, station by station: exactly VILLAGES_TOTAL villages and GRIDS_TOTAL grids.
    posts_per_station = [max(len(s.posts), land.randint(2, 4)) for s in STATIONS]
    urban_villages = {i: land.randint(12, 16) for i, s in enumerate(STATIONS) if s.urban}
    n_urban = sum(urban_villages.values())
    n_rural = VILLAGES_TOTAL - n_urban
    rural_villages = iter(spread(land, n_rural, len(STATIONS) - len(urban_villages), 15, 32))
    villages_per_post = []
    for i, (spec, n_posts) in enumerate(zip(STATIONS, posts_per_station, strict=True)):
        n = urban_villages[i] if spec.urban else next(rural_villages)
        villages_per_post.append(
            spread(land, n, n_posts, max(1, n // n_posts - 3), n // n_posts + 3)
        )
    urban_grids = [land.randint(4, 6) for _i in range(n_urban)]
    rural_grids = spread(land, GRIDS_TOTAL - sum(urban_grids), n_rural, 2, 5)
    grids_left = {True: iter(urban_grids), False: iter(rural_grids)}
    rural_names = village_names(land, n_rural)
    urban_names = community_names(land, n_urban)
    names_left = {True: iter(urban_names), False: iter(rural_names)}

    units: list[UnitPlan] = []
    users: list[UserPlan] = []
    duties: list[ResponsibilityPlan] = []

    def add_unit(code: str, name: str, kind: str, parent: UnitPlan | None, box: Box) -> UnitPlan:
        unit = UnitPlan(
            code=code,
            name=name,
            kind=kind,
            parent=parent.code if parent else None,
            path=f"{parent.path if parent else '/'}{code}/",
            box=_rounded(box),
        )
        units.append(unit)
        return unit

    def add_user(username: str, role: str, scope: UnitPlan, **flags: bool) -> UserPlan:
        user = UserPlan(
            username=username,
            display_name=people.name(),
            role=role,
            scope=scope.code,
            phone=people.phone(),
            **flags,
        )
        users.append(user)
        tier = UNIT_KIND_TIER.get(scope.kind)
        if tier is not None:
            duties.append(ResponsibilityPlan(username=username, unit=scope.code, tier=tier))
        return user

    bureau = add_unit(BUREAU_CODE, BUREAU_NAME, UnitKind.BUREAU, None, COUNTY_BOX)
    add_user("commander", Role.BUREAU_COMMANDER, bureau)
    add_user("deputy-commander", Role.BUREAU_COMMANDER, bureau)
    add_user("analyst", Role.ANALYST, bureau)
    add_user("admin", Role.ADMIN, bureau, is_staff=True, is_superuser=True)

    for s, spec in enumerate(STATIONS, start=1):
        station = add_unit(
            f"{BUREAU_CODE}{s:03d}", spec.name, UnitKind.STATION, bureau, _station_box(spec)
        )
        add_user(f"chief-{station.code}", Role.STATION_CHIEF, station)
        add_user(f"staff-{station.code}", Role.STATION_STAFF, station)
        add_user(f"mediator-{station.code}", Role.MEDIATOR, station)
        counts = villages_per_post[s - 1]
        # Urban posts have their own names; a rural one is named after a village it serves.
        post_names = [*spec.posts]
        if spec.urban:
            post_names += land.sample(spec.spare_posts, len(counts) - len(spec.posts))
        post_boxes = tile(station.box, len(counts))
        for p, (post_box, n_villages) in enumerate(zip(post_boxes, counts, strict=True), start=1):
            names = list(itertools.islice(names_left[spec.urban], n_villages))
            post_name = (
                post_names[p - 1] if spec.urban else names[len(names) // 2].removesuffix("村")
            )
            post = add_unit(
                f"{station.code}{p:02d}", f"{post_name}警务室", UnitKind.POST, station, post_box
            )
            add_user(f"officer-{post.code}", Role.COMMUNITY_OFFICER, post)
            village_boxes = tile(post.box, n_villages)
            for v, (village_box, village_name) in enumerate(
                zip(village_boxes, names, strict=True), start=1
            ):
                village = add_unit(
                    f"{post.code}{v:03d}", village_name, UnitKind.VILLAGE, post, village_box
                )
                add_user(f"aux-{village.code}", Role.AUXILIARY, village)
                for g, grid_box in enumerate(
                    tile(village.box, next(grids_left[spec.urban])), start=1
                ):
                    grid = add_unit(
                        f"{village.code}{g:02d}",
                        f"{village_name}第{g}网格",
                        UnitKind.GRID,
                        village,
                        grid_box,
                    )
                    add_user(f"grid-{grid.code}", Role.GRID_WORKER, grid)

    return CountyPlan(
        seed=seed, units=tuple(units), users=tuple(users), responsibilities=tuple(duties)
    )


# The Chinese term for each kind and role (DESIGN §1–2), shown before the translated label.
UNIT_KIND_ZH = {
    UnitKind.BUREAU: "区局",
    UnitKind.STATION: "派出所",
    UnitKind.POST: "警务室",
    UnitKind.VILLAGE: "村（社区）",
    UnitKind.GRID: "网格",
}
ROLE_ORDER = [
    Role.BUREAU_COMMANDER,
    Role.ANALYST,
    Role.ADMIN,
    Role.STATION_CHIEF,
    Role.STATION_STAFF,
    Role.MEDIATOR,
    Role.COMMUNITY_OFFICER,
    Role.AUXILIARY,
    Role.GRID_WORKER,
]
ROLE_ZH = {
    Role.BUREAU_COMMANDER: "区局指挥长",
    Role.ANALYST: "研判员",
    Role.ADMIN: "系统管理员",
    Role.STATION_CHIEF: "派出所所长",
    Role.STATION_STAFF: "派出所民警",
    Role.MEDIATOR: "调解员",
    Role.COMMUNITY_OFFICER: "社区民警",
    Role.AUXILIARY: "专职辅警",
    Role.GRID_WORKER: "网格员",
}
TIER_ZH = {Tier.SECTOR: "民警包片", Tier.VILLAGE: "辅警包村", Tier.GRID: "网格员包点"}


def example_accounts(plan: CountyPlan) -> list[UserPlan]:
    """The first demo account of each role, bureau first."""
    first: dict[str, UserPlan] = {}
    for user in plan.users:
        first.setdefault(user.role, user)
    return [first[role] for role in ROLE_ORDER if role in first]


# ---------------------------------------------------------------------------------------------
# The steps that write the plan


_BATCH = 500
_BUREAU_PATH = f"/{BUREAU_CODE}/"


def _check_seed(seed: int) -> None:
    """Refuse to mix two demo counties: their codes coincide but mean different places."""
    if not Unit.objects.filter(code=BUREAU_CODE).exists():
        return
    last = (
        AuditEntry.objects.filter(action="demo.load")
        .order_by("-at", "-id")
        .values_list("data", flat=True)
        .first()
    )
    loaded = (last or {}).get("seed")
    if loaded is not None and loaded != seed:
        raise DemoConflict(
            _(
                "This database already holds the demo county built with seed %(loaded)s; load seed "
                "%(seed)s into an empty database instead."
            )
            % {"loaded": loaded, "seed": seed}
        )


def run_units(ctx: DemoContext) -> None:
    _check_seed(ctx.seed)
    existing = set(Unit.objects.filter(code__startswith=BUREAU_CODE).values_list("code", flat=True))
    for kind in KIND_ORDER:
        # Parents first: the database trigger checks each new row's parent kind.
        new = []
        for plan in ctx.plan.of_kind(kind):
            if plan.code in existing:
                continue
            min_lng, min_lat, max_lng, max_lat = plan.box
            new.append(
                Unit(
                    code=plan.code,
                    name=plan.name,
                    kind=plan.kind,
                    parent_id=ctx.unit_ids[plan.parent] if plan.parent else None,
                    path=plan.path,
                    boundary=plan.boundary,
                    min_lng=min_lng,
                    min_lat=min_lat,
                    max_lng=max_lng,
                    max_lat=max_lat,
                )
            )
        Unit.objects.bulk_create(new, batch_size=_BATCH)
        ctx.created[f"units.{kind}"] += len(new)
        ctx.unit_ids.update(
            Unit.objects.filter(kind=kind, code__startswith=BUREAU_CODE).values_list("code", "pk")
        )


def count_units(ctx: DemoContext) -> Section:
    totals = dict(
        Unit.objects.filter(path__startswith=_BUREAU_PATH)
        .values("kind")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("kind", "n")
    )
    return Section(
        bilingual("单位", _("Units")),
        [
            CountRow(
                kind,
                bilingual(UNIT_KIND_ZH[kind], UnitKind(kind).label),
                totals.get(kind, 0),
                ctx.created[f"units.{kind}"],
            )
            for kind in KIND_ORDER
        ],
    )


@lru_cache(maxsize=4)
def _password_hash(password: str, hashers: tuple[str, ...]) -> str:
    # One PBKDF2 run for every account: hashing each of two thousand would take minutes.
    return make_password(password)


def _ids_by_username(usernames: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for i in range(0, len(usernames), _BATCH):
        ids.update(
            User.objects.filter(username__in=usernames[i : i + _BATCH]).values_list(
                "username", "pk"
            )
        )
    return ids


def run_users(ctx: DemoContext) -> None:
    usernames = [u.username for u in ctx.plan.users]
    existing = _ids_by_username(usernames)
    missing = [u for u in ctx.plan.users if u.username not in existing]
    password = _password_hash(DEMO_PASSWORD, tuple(settings.PASSWORD_HASHERS)) if missing else ""
    new = [
        User(
            username=u.username,
            display_name=u.display_name,
            role=u.role,
            scope_unit_id=ctx.unit_ids[u.scope],
            phone=u.phone,
            password=password,
            is_staff=u.is_staff,
            is_superuser=u.is_superuser,
        )
        for u in missing
    ]
    User.objects.bulk_create(new, batch_size=_BATCH)
    for role, n in Counter(u.role for u in new).items():
        ctx.created[f"users.{role}"] += n
    ctx.user_ids.update(_ids_by_username(usernames) if new else existing)


def count_users(ctx: DemoContext) -> Section:
    totals = dict(
        User.objects.filter(scope_unit__path__startswith=_BUREAU_PATH)
        .values("role")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("role", "n")
    )
    return Section(
        bilingual("用户", _("Users")),
        [
            CountRow(
                role,
                bilingual(ROLE_ZH[role], Role(role).label),
                totals.get(role, 0),
                ctx.created[f"users.{role}"],
            )
            for role in ROLE_ORDER
        ],
    )


def run_responsibilities(ctx: DemoContext) -> None:
    held = set(
        Responsibility.objects.filter(
            until__isnull=True, unit__path__startswith=_BUREAU_PATH
        ).values_list("unit_id", "tier")
    )
    new = []
    for duty in ctx.plan.responsibilities:
        unit_id = ctx.unit_ids[duty.unit]
        if (unit_id, duty.tier) not in held:
            new.append(
                Responsibility(
                    user_id=ctx.user_ids[duty.username],
                    unit_id=unit_id,
                    tier=duty.tier,
                    since=DEMO_SINCE,
                )
            )
    Responsibility.objects.bulk_create(new, batch_size=_BATCH)
    for tier, n in Counter(r.tier for r in new).items():
        ctx.created[f"responsibilities.{tier}"] += n


TIER_LABELS = {
    Tier.SECTOR: gettext_lazy("Community officer per sector"),
    Tier.VILLAGE: gettext_lazy("Auxiliary officer per village"),
    Tier.GRID: gettext_lazy("Grid worker per grid"),
}


def count_responsibilities(ctx: DemoContext) -> Section:
    totals = dict(
        Responsibility.objects.filter(until__isnull=True, unit__path__startswith=_BUREAU_PATH)
        .values("tier")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("tier", "n")
    )
    return Section(
        bilingual("三级包保", _("Responsibilities")),
        [
            CountRow(
                tier,
                bilingual(TIER_ZH[tier], TIER_LABELS[tier]),
                totals.get(tier, 0),
                ctx.created[f"responsibilities.{tier}"],
            )
            for tier in Tier
        ],
    )


UNITS = Step("units", run_units, count_units)
USERS = Step("users", run_users, count_users)
RESPONSIBILITIES = Step("responsibilities", run_responsibilities, count_responsibilities)
