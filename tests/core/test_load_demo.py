"""The demo county (`concord load-demo`): sizes, idempotence, three tiers everywhere, geometry, seeds."""

import re
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command

from concord.accounts.models import ROLE_SCOPE_KINDS, Role, User
from concord.audit.models import AuditEntry
from concord.core.demo import BUREAU_CODE, DEMO_PASSWORD, DemoConflict, load_demo, plan_county
from concord.core.demo.county import (
    GRIDS_TOTAL,
    RESPONSIBILITIES,
    STATIONS,
    UNITS,
    USERS,
    VILLAGES_TOTAL,
    tile,
)
from concord.territory import geometry, selectors
from concord.territory.models import Responsibility, Tier, Unit, UnitKind

TOWNSHIPS = [
    "城关回族镇",
    "白楼镇",
    "朱集乡",
    "豆门乡",
    "冯塘乡",
    "刘振屯乡",
    "王店乡",
    "大连乡",
    "葛店乡",
    "黄集乡",
    "齐老乡",
    "郑集乡",
    "曹河乡",
    "新站镇",
    "鲁台镇",
    "四通镇",
    "临蔡镇",
    "安岭镇",
    "许湾乡",
]
NAMED_POSTS = ["官路边警务室", "广商警务室", "民生警务室", "苏园警务室"]
CODE_LENGTH = {
    UnitKind.BUREAU: 6,
    UnitKind.STATION: 9,
    UnitKind.POST: 11,
    UnitKind.VILLAGE: 14,
    UnitKind.GRID: 16,
}


# The county alone: the dispute register on top of it has tests of its own (test_demo_disputes.py).
COUNTY_STEPS = [UNITS, USERS, RESPONSIBILITIES]


@pytest.fixture
def demo(db):
    return load_demo(steps=COUNTY_STEPS)


@pytest.fixture
def commander(demo) -> User:
    return User.objects.get(username="commander")


def _table(output: str) -> list[tuple[str, int, int]]:
    """The count rows of the printed report: (label, total, created)."""
    return [
        (m[1], int(m[2]), int(m[3]))
        for m in re.finditer(r"^  (\S.*?)\s+(\d+)\s+(\d+)$", output, re.M)
    ]


# (1) sizes and accounts ------------------------------------------------------------------------


@pytest.mark.django_db
def test_county_has_the_expected_size(demo):
    kinds = Counter(
        Unit.objects.filter(path__startswith=f"/{BUREAU_CODE}/").values_list("kind", flat=True)
    )
    assert kinds[UnitKind.BUREAU] == 1
    assert kinds[UnitKind.STATION] >= 21
    assert 2 * kinds[UnitKind.STATION] <= kinds[UnitKind.POST] <= 4 * kinds[UnitKind.STATION]
    assert 405 <= kinds[UnitKind.VILLAGE] <= 495
    assert 1350 <= kinds[UnitKind.GRID] <= 1650
    assert Unit.objects.get(code=BUREAU_CODE).name == "周口市公安局淮阳分局"
    assert {s.area for s in STATIONS} >= set(TOWNSHIPS)
    assert Unit.objects.filter(kind=UnitKind.STATION, name="白楼派出所").exists()
    # Every unit counts its posts 2–4 and its villages and grids at least one.
    children = Counter(
        Unit.objects.filter(parent__isnull=False).values_list("parent__kind", "parent__code")
    )
    for code in Unit.objects.filter(kind=UnitKind.STATION).values_list("code", flat=True):
        assert 2 <= children[(UnitKind.STATION, code)] <= 4
    for kind in (UnitKind.POST, UnitKind.VILLAGE):
        for code in Unit.objects.filter(kind=kind).values_list("code", flat=True):
            assert children[(kind, code)] >= 1


@pytest.mark.django_db
def test_an_account_for_every_role_at_every_tier(demo):
    rows = list(
        User.objects.values_list(
            "username", "role", "scope_unit__kind", "scope_unit__code", "display_name", "phone"
        )
    )
    by_role = Counter(role for _, role, *_ in rows)
    kinds = Counter(Unit.objects.values_list("kind", flat=True))
    assert set(by_role) == set(Role.values)
    for role in (Role.STATION_CHIEF, Role.STATION_STAFF, Role.MEDIATOR):
        assert by_role[role] == kinds[UnitKind.STATION]
    assert by_role[Role.COMMUNITY_OFFICER] == kinds[UnitKind.POST]
    assert by_role[Role.AUXILIARY] == kinds[UnitKind.VILLAGE]
    assert by_role[Role.GRID_WORKER] == kinds[UnitKind.GRID]
    prefix = {
        Role.STATION_CHIEF: "chief",
        Role.STATION_STAFF: "staff",
        Role.MEDIATOR: "mediator",
        Role.COMMUNITY_OFFICER: "officer",
        Role.AUXILIARY: "aux",
        Role.GRID_WORKER: "grid",
    }
    for username, role, scope_kind, scope_code, name, phone in rows:
        assert scope_kind in ROLE_SCOPE_KINDS[role], username
        if role in prefix:
            assert username == f"{prefix[role]}-{scope_code}"
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,3}", name), name
        assert re.fullmatch(r"1[358]\d{9}", phone), phone
    assert len({r[5] for r in rows}) == len(rows), "phone numbers are distinct"
    admin = User.objects.get(username="admin")
    assert admin.role == Role.ADMIN and admin.is_staff and admin.is_superuser
    assert not User.objects.exclude(username="admin").filter(is_superuser=True).exists()


@pytest.mark.django_db
def test_demo_password_is_valid_and_logs_in(demo):
    grid_worker = User.objects.filter(role=Role.GRID_WORKER).first()
    validate_password(DEMO_PASSWORD, user=grid_worker)
    assert authenticate(username=grid_worker.username, password=DEMO_PASSWORD) == grid_worker
    assert authenticate(username="admin", password=DEMO_PASSWORD).is_superuser


# (2) idempotence -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_second_run_creates_nothing_and_prints_the_same_totals():
    first, second = StringIO(), StringIO()
    call_command("load_demo", stdout=first)
    before = (
        Unit.objects.count(),
        User.objects.count(),
        Responsibility.objects.count(),
        AuditEntry.objects.count(),
    )
    call_command("load_demo", stdout=second)
    after = (
        Unit.objects.count(),
        User.objects.count(),
        Responsibility.objects.count(),
        AuditEntry.objects.count(),
    )
    assert before == after

    rows1, rows2 = _table(first.getvalue()), _table(second.getvalue())
    # units, users, responsibilities; the dispute register: disputes, parties, events, tasks; people;
    # mediation: bodies, members, referrals by state, sessions, agreements, instalments, visits; leads;
    # screening; notifications: notifications, users with notifications, red-case alerts.
    assert len(rows1) == 5 + len(Role) + len(Tier) + 4 + 2 + (2 + 6 + 4) + 3 + 4 + 3
    assert [(label, total) for label, total, _ in rows1] == [
        (label, total) for label, total, _ in rows2
    ]
    assert [row for row in rows1 if row[1] != row[2]] == []
    assert all(created == 0 for _, _, created in rows2)
    for output in (first.getvalue(), second.getvalue()):
        assert DEMO_PASSWORD in output
        for username in ("commander", "analyst", "admin", "chief-411603001", "officer-41160300101"):
            assert username in output

    entry = AuditEntry.objects.get(action="demo.load")
    assert entry.data["created"]["units.grid"] == Unit.objects.filter(kind=UnitKind.GRID).count()
    assert entry.data["seed"] == 20220606


@pytest.mark.django_db
def test_a_run_completes_what_is_missing(demo):
    grid = Unit.objects.filter(kind=UnitKind.GRID).order_by("code").last()
    Responsibility.objects.filter(unit=grid).delete()
    User.objects.filter(username=f"grid-{grid.code}").delete()
    report = load_demo(steps=COUNTY_STEPS)
    assert report.created == 2
    assert (
        Responsibility.objects.get(unit=grid, until__isnull=True).user.username
        == f"grid-{grid.code}"
    )
    assert AuditEntry.objects.filter(action="demo.load").count() == 2


@pytest.mark.django_db
def test_another_seed_is_refused_on_a_loaded_county(demo):
    with pytest.raises(DemoConflict):
        load_demo(seed=7)
    with pytest.raises(CommandError):
        call_command("load_demo", "--seed", "7", stdout=StringIO())


# (3) three tiers of responsibility everywhere -----------------------------------------------------


@pytest.mark.django_db
def test_every_grid_has_one_person_at_each_tier(commander):
    # One current holder per post, village and grid, with the role of that tier …
    held = Counter(Responsibility.objects.filter(until__isnull=True).values_list("unit_id", "tier"))
    assert set(held.values()) == {1}
    wrong_role = (
        Responsibility.objects.exclude(tier=Tier.SECTOR, user__role=Role.COMMUNITY_OFFICER)
        .exclude(tier=Tier.VILLAGE, user__role=Role.AUXILIARY)
        .exclude(tier=Tier.GRID, user__role=Role.GRID_WORKER)
    )
    assert not wrong_role.exists()
    # … so every grid has all three tiers above it (one query over all grids) …
    grids = list(
        Unit.objects.filter(kind=UnitKind.GRID).values_list("pk", "parent_id", "parent__parent_id")
    )
    assert grids
    for grid, village, post in grids:
        assert (
            (grid, Tier.GRID) in held
            and (village, Tier.VILLAGE) in held
            and (post, Tier.SECTOR) in held
        )
    # … and the selector the application uses says the same, for every grid.
    for grid in Unit.objects.filter(kind=UnitKind.GRID):
        here = selectors.responsible_here(actor=commander, unit=grid)
        assert here.grid.user.username == f"grid-{grid.code}"
        assert here.village.user.username == f"aux-{grid.code[:14]}"
        assert here.sector.user.username == f"officer-{grid.code[:11]}"
        assert here.station.code == grid.code[:9]


# (4) boundaries ----------------------------------------------------------------------------------


def _overlapping(boxes: list[tuple[str, float, float, float, float]]) -> list[tuple[str, str]]:
    """Pairs whose interiors overlap (touching edges is fine), by a sweep over longitude."""
    found, active = [], []
    for box in sorted(boxes, key=lambda b: b[1]):
        code, x0, y0, x1, y1 = box
        active = [a for a in active if a[3] > x0]
        found += [(a[0], code) for a in active if a[2] < y1 and y0 < a[4]]
        active.append(box)
    return found


def test_overlap_sweep_finds_overlaps():
    assert _overlapping([("a", 0, 0, 2, 2), ("b", 1, 1, 3, 3), ("c", 2, 0, 4, 1)]) == [("a", "b")]
    assert not _overlapping([(str(i), *box) for i, box in enumerate(tile((0.0, 0.0, 1.0, 1.0), 7))])


@pytest.mark.django_db
def test_boundaries_nest_and_never_overlap(demo):
    units = {
        u["code"]: u
        for u in Unit.objects.values(
            "code",
            "kind",
            "parent__code",
            "path",
            "boundary",
            "min_lng",
            "min_lat",
            "max_lng",
            "max_lat",
        )
    }
    assert len(units) > 2000
    for u in units.values():
        assert u["boundary"]["type"] == "Polygon"
        box = (u["min_lng"], u["min_lat"], u["max_lng"], u["max_lat"])
        assert geometry.bbox(geometry.normalise(u["boundary"])) == box
        assert 114.6 <= box[0] < box[2] <= 115.2 and 33.5 <= box[1] < box[3] <= 34.0
        assert len(u["code"]) == CODE_LENGTH[u["kind"]]
        if u["parent__code"] is None:
            assert u["path"] == f"/{u['code']}/"
            continue
        parent = units[u["parent__code"]]
        assert u["code"].startswith(parent["code"])
        assert u["path"] == f"{parent['path']}{u['code']}/"
        assert (
            parent["min_lng"] <= box[0]
            and parent["min_lat"] <= box[1]
            and box[2] <= parent["max_lng"]
            and box[3] <= parent["max_lat"]
        ), u["code"]
    for kind in (UnitKind.STATION, UnitKind.POST, UnitKind.VILLAGE, UnitKind.GRID):
        boxes = [
            (c, u["min_lng"], u["min_lat"], u["max_lng"], u["max_lat"])
            for c, u in units.items()
            if u["kind"] == kind
        ]
        assert _overlapping(boxes) == [], kind


@pytest.mark.django_db
def test_a_point_in_a_grid_finds_that_grid(commander):
    for grid in Unit.objects.filter(kind=UnitKind.GRID).order_by("code")[::25]:
        lng, lat = (grid.min_lng + grid.max_lng) / 2, (grid.min_lat + grid.max_lat) / 2
        assert selectors.grid_at_point(actor=commander, lng=lng, lat=lat) == grid


# (5) determinism -------------------------------------------------------------------------------


def _names(plan) -> list[tuple[str, str]]:
    return [(u.code, u.name) for u in plan.units] + [
        (u.username, u.display_name) for u in plan.users
    ]


def test_same_seed_same_plan_and_another_seed_other_names():
    plan = plan_county(20220606)
    again = plan_county(20220606)
    assert plan == again
    assert _names(plan) == _names(again)
    other = plan_county(1)
    assert [u.code for u in other.of_kind(UnitKind.STATION)] == [
        u.code for u in plan.of_kind(UnitKind.STATION)
    ]
    assert {u.name for u in other.of_kind(UnitKind.VILLAGE)} != {
        u.name for u in plan.of_kind(UnitKind.VILLAGE)
    }
    assert [u.display_name for u in other.users] != [u.display_name for u in plan.users]


def test_plan_codes_and_names_are_well_formed():
    plan = plan_county()
    codes = [u.code for u in plan.units]
    assert len(codes) == len(set(codes))
    villages = [u.name for u in plan.of_kind(UnitKind.VILLAGE)]
    assert len(villages) == len(set(villages))
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,3}(村|社区)", name) for name in villages)
    assert any(name.endswith("社区") for name in villages) and any(
        name.endswith("村") for name in villages
    )
    parents = {u.code: u for u in plan.units}
    for grid in plan.of_kind(UnitKind.GRID):
        assert re.fullmatch(re.escape(parents[grid.parent].name) + r"第\d+网格", grid.name)
    assert len(plan.responsibilities) == len({(r.unit, r.tier) for r in plan.responsibilities})
    for seed in (1, 2, 3, 99):
        other = plan_county(seed)
        assert len(other.of_kind(UnitKind.VILLAGE)) == VILLAGES_TOTAL
        assert len(other.of_kind(UnitKind.GRID)) == GRIDS_TOTAL


@pytest.mark.django_db
def test_database_matches_the_plan(demo):
    plan = plan_county()
    assert dict(Unit.objects.values_list("code", "name")) == {u.code: u.name for u in plan.units}
    assert dict(User.objects.values_list("username", "display_name")) == {
        u.username: u.display_name for u in plan.users
    }


# (6) the named urban police posts -------------------------------------------------------------------


@pytest.mark.django_db
def test_named_urban_posts_exist(demo):
    posts = Unit.objects.filter(kind=UnitKind.POST, name__in=NAMED_POSTS).select_related("parent")
    assert sorted(p.name for p in posts) == sorted(NAMED_POSTS)
    assert {p.parent.name for p in posts} <= {"城东派出所", "城西派出所"}
    for post in posts:
        assert all(v.name.endswith("社区") for v in post.children.all())
