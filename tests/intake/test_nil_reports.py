"""Nil reports (零报告): one report per grid and period, scope, "nothing found" only when nothing was
raised, daily periods in a sensitive period, the missing-grids list per station and village, the
pages in Chinese, and the demo step."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import Resolver404, include, path, resolve, reverse
from django.utils import timezone, translation

from concord.accounts.models import Role, User
from concord.audit.models import AuditEntry
from concord.core.demo import county as demo_county
from concord.core.demo.loader import load_demo
from concord.core.demo.screening import SCREENING
from concord.intake.models import Lead
from concord.intake.screening import Cadence, Campaign, NilReport, SensitivePeriod
from concord.intake.screening_selectors import (
    Period,
    campaign_progress,
    missing_grids,
    nil_report_history,
    period_for,
    periods_between,
    report_card,
)
from concord.intake.screening_services import (
    ScreeningRefused,
    nil_report_submit,
    sensitive_period_set,
)
from concord.territory.models import UnitKind
from tests.factories import UserFactory, child_unit, register_dispute, responsible

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Wednesday morning; its week runs Monday 11 May to Sunday 17 May 2026.
NOW = dt.datetime(2026, 5, 13, 10, 0, tzinfo=SHANGHAI)
MONDAY = dt.date(2026, 5, 11)
SUNDAY = dt.date(2026, 5, 17)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), SHANGHAI)


# Used as ROOT_URLCONF only while the project's URLconf does not mount the pages yet.
urlpatterns = [
    path("intake/screening/", include("concord.intake.screening_urls")),
    path("", include("concord.urls")),
]


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in their English source, whatever the zh-hans catalogue holds; pages
    still choose their language per request (Chinese by default)."""
    with translation.override("en"):
        yield


@pytest.fixture
def pages(settings):
    try:
        mounted = resolve("/intake/screening/").url_name == "screening_home"
    except Resolver404:
        mounted = False
    if not mounted:
        settings.ROOT_URLCONF = __name__


def lead_in(grid, station, when: dt.datetime, **kwargs) -> Lead:
    return Lead.objects.create(
        channel="grid_report",
        text="两户因排水沟争吵",
        received_at=when,
        grid=grid,
        station=station,
        **kwargs,
    )


# --- one report per grid and period ----------------------------------------------------------------


def test_grid_worker_reports_nothing_found_once_per_period(county):
    worker, grid = county.east.grid_worker, county.east.grid

    report = nil_report_submit(actor=worker, grid=grid, nothing_found=True, note="已走访", now=NOW)

    assert (report.kind, report.cadence, report.disputes_count) == ("nothing_found", "weekly", 0)
    assert (report.period_start, report.period_end) == (MONDAY, SUNDAY)
    assert report.reported_by == worker and report.note == "已走访"
    audit = AuditEntry.objects.get(action="intake.nil_report")
    assert audit.target_id == str(report.pk) and audit.unit == grid
    assert audit.data["kind"] == "nothing_found"

    with pytest.raises(ValidationError) as refused:
        nil_report_submit(actor=worker, grid=grid, nothing_found=True, now=at(dt.date(2026, 5, 16)))
    assert refused.value.code == "duplicate"
    assert "already reported" in refused.value.messages[0]
    assert grid.name in refused.value.messages[0]
    assert NilReport.objects.count() == 1
    assert AuditEntry.objects.filter(action="intake.nil_report").count() == 1

    next_week = nil_report_submit(
        actor=worker, grid=grid, nothing_found=True, now=at(dt.date(2026, 5, 18))
    )
    assert next_week.period_start == dt.date(2026, 5, 18)


def test_the_village_auxiliary_may_report_for_a_grid_of_the_village_but_not_twice(county):
    nil_report_submit(
        actor=county.east.grid_worker, grid=county.east.grid, nothing_found=True, now=NOW
    )
    with pytest.raises(ValidationError):
        nil_report_submit(
            actor=county.east.auxiliary, grid=county.east.grid, nothing_found=True, now=NOW
        )
    other = child_unit(county.east.village, UnitKind.GRID, name="东村第二网格")
    report = nil_report_submit(actor=county.east.auxiliary, grid=other, nothing_found=True, now=NOW)
    assert report.reported_by == county.east.auxiliary


def test_a_grid_outside_the_users_scope_is_refused(county):
    with pytest.raises(ScreeningRefused, match="outside your area"):
        nil_report_submit(
            actor=county.east.grid_worker, grid=county.west.grid, nothing_found=True, now=NOW
        )
    with pytest.raises(ScreeningRefused, match="outside your area"):
        nil_report_submit(
            actor=county.east.auxiliary, grid=county.west.grid, nothing_found=True, now=NOW
        )
    assert not NilReport.objects.exists()
    assert not AuditEntry.objects.filter(action="intake.nil_report").exists()


@pytest.mark.parametrize("role", ["station_chief", "bureau_commander", "mediator", "analyst"])
def test_other_roles_do_not_submit_nil_reports(county, role):
    actor = county.commander if role == "bureau_commander" else county.east.chief
    if role in {"mediator", "analyst"}:
        actor = UserFactory(role=role, scope_unit=county.bureau)
    with pytest.raises(ScreeningRefused, match="does not submit nil reports"):
        nil_report_submit(actor=actor, grid=county.east.grid, nothing_found=True, now=NOW)


def test_nothing_found_is_refused_when_the_grid_raised_a_lead_this_period(county):
    b = county.east
    lead_in(b.grid, b.station, NOW - dt.timedelta(hours=20))
    card = report_card(actor=b.grid_worker, grid=b.grid, now=NOW)
    assert card.raised == 1 and not card.can_report_nothing and card.can_report_disputes

    with pytest.raises(ValidationError) as refused:
        nil_report_submit(actor=b.grid_worker, grid=b.grid, nothing_found=True, now=NOW)
    assert refused.value.error_dict["nothing_found"][0].code == "has_disputes"
    assert "nothing found" in refused.value.message_dict["nothing_found"][0]
    assert not NilReport.objects.exists()

    report = nil_report_submit(actor=b.grid_worker, grid=b.grid, nothing_found=False, now=NOW)
    assert (report.kind, report.disputes_count) == ("disputes", 1)


def test_the_count_is_computed_from_leads_and_disputes_of_the_period(county):
    b = county.east
    dispute = register_dispute(b, found_at=NOW - dt.timedelta(days=1))
    lead_in(b.grid, b.station, NOW - dt.timedelta(hours=3), dispute=dispute, state="attached")
    lead_in(b.grid, b.station, NOW - dt.timedelta(hours=2))
    lead_in(b.grid, b.station, NOW - dt.timedelta(hours=1), state="dismissed")
    lead_in(b.grid, b.station, at(MONDAY - dt.timedelta(days=1)))  # last week
    lead_in(county.west.grid, county.west.station, NOW - dt.timedelta(hours=1))  # another grid

    report = nil_report_submit(actor=b.grid_worker, grid=b.grid, nothing_found=False, now=NOW)

    # The dispute and the lead that became it count once; the dismissed lead, last week's lead
    # and the other grid's lead do not count.
    assert report.disputes_count == 2


def test_a_report_with_disputes_is_refused_when_nothing_was_raised(county):
    with pytest.raises(ValidationError) as refused:
        nil_report_submit(
            actor=county.east.grid_worker, grid=county.east.grid, nothing_found=False, now=NOW
        )
    assert refused.value.error_dict["nothing_found"][0].code == "no_disputes"


def test_a_lead_raised_after_a_nil_report_shows_in_the_history(county):
    b = county.east
    nil_report_submit(actor=b.grid_worker, grid=b.grid, nothing_found=True, now=NOW)
    lead_in(b.grid, b.station, NOW + dt.timedelta(hours=3))
    history = nil_report_history(actor=b.grid_worker, grid=b.grid, now=NOW + dt.timedelta(hours=4))
    assert history[0].period.start == MONDAY and history[0].report is not None
    assert history[0].contradicted
    assert len(history) == 8 and all(row.report is None for row in history[1:])


# --- sensitive periods and daily reports ---------------------------------------------------------


@pytest.mark.parametrize("role", ["station_chief", "grid_worker", "community_officer"])
def test_only_the_bureau_sets_a_sensitive_period(county, role):
    actor = {
        "station_chief": county.east.chief,
        "grid_worker": county.east.grid_worker,
        "community_officer": county.east.officer,
    }[role]
    with pytest.raises(ScreeningRefused, match="bureau commander or an administrator"):
        sensitive_period_set(
            actor=actor, name="春节", starts_on=NOW.date(), ends_on=NOW.date(), now=NOW
        )
    assert not SensitivePeriod.objects.exists()


def test_a_bureau_commander_or_an_admin_sets_a_sensitive_period(county):
    period = sensitive_period_set(
        actor=county.commander,
        name="全国两会",
        starts_on=dt.date(2026, 5, 14),
        ends_on=dt.date(2026, 5, 15),
        now=NOW,
    )
    assert (period.unit, period.set_by) == (county.bureau, county.commander)
    assert AuditEntry.objects.get(action="intake.sensitive_period_set").target_id == str(period.pk)

    admin = UserFactory(role=Role.ADMIN, scope_unit=county.bureau)
    sensitive_period_set(
        actor=admin,
        name="春节",
        starts_on=dt.date(2026, 6, 1),
        ends_on=dt.date(2026, 6, 3),
        now=NOW,
    )
    assert SensitivePeriod.objects.count() == 2


def test_sensitive_period_input_is_checked(county):
    with pytest.raises(ValidationError) as bad:
        sensitive_period_set(
            actor=county.commander,
            name=" ",
            starts_on=dt.date(2026, 5, 12),
            ends_on=dt.date(2026, 5, 11),
            now=NOW,
        )
    assert set(bad.value.message_dict) == {"name", "starts_on", "ends_on"}


def test_each_day_of_a_sensitive_period_is_a_period_of_its_own(county):
    b = county.east
    sensitive_period_set(
        actor=county.commander,
        name="全国两会",
        starts_on=dt.date(2026, 5, 14),
        ends_on=dt.date(2026, 5, 15),
        now=NOW,
    )
    weekly, daily = Cadence.WEEKLY, Cadence.DAILY
    assert period_for(unit=b.grid, on=dt.date(2026, 5, 13)) == Period(
        MONDAY, dt.date(2026, 5, 13), weekly
    )
    assert period_for(unit=b.grid, on=dt.date(2026, 5, 14)) == Period(
        dt.date(2026, 5, 14), dt.date(2026, 5, 14), daily
    )
    assert period_for(unit=b.grid, on=dt.date(2026, 5, 17)) == Period(
        dt.date(2026, 5, 16), SUNDAY, weekly
    )
    # The periods of the week cover every day once.
    periods = periods_between(unit=b.grid, first=MONDAY, last=SUNDAY)
    assert [(p.start.day, p.end.day, p.cadence) for p in periods] == [
        (11, 13, weekly),
        (14, 14, daily),
        (15, 15, daily),
        (16, 17, weekly),
    ]

    thursday = nil_report_submit(
        actor=b.grid_worker, grid=b.grid, nothing_found=True, now=at(dt.date(2026, 5, 14))
    )
    assert (thursday.cadence, thursday.period_start, thursday.period_end) == (
        "daily",
        dt.date(2026, 5, 14),
        dt.date(2026, 5, 14),
    )
    with pytest.raises(ValidationError, match="already reported"):
        nil_report_submit(
            actor=b.grid_worker, grid=b.grid, nothing_found=True, now=at(dt.date(2026, 5, 14), 20)
        )
    friday = nil_report_submit(
        actor=b.grid_worker, grid=b.grid, nothing_found=True, now=at(dt.date(2026, 5, 15))
    )
    assert friday.period_start == dt.date(2026, 5, 15)


def test_a_weekly_report_made_before_a_sensitive_period_still_covers_its_weekly_days(county):
    b = county.east
    nil_report_submit(actor=b.grid_worker, grid=b.grid, nothing_found=True, now=at(MONDAY))
    sensitive_period_set(
        actor=county.commander,
        name="全国两会",
        starts_on=dt.date(2026, 5, 14),
        ends_on=dt.date(2026, 5, 14),
        now=at(MONDAY),
    )
    assert report_card(actor=b.grid_worker, grid=b.grid, now=NOW).report is not None
    thursday = report_card(actor=b.grid_worker, grid=b.grid, now=at(dt.date(2026, 5, 14)))
    assert thursday.period.is_daily and thursday.report is None
    nil_report_submit(
        actor=b.grid_worker, grid=b.grid, nothing_found=True, now=at(dt.date(2026, 5, 14))
    )
    with pytest.raises(ValidationError, match="already reported"):
        nil_report_submit(
            actor=b.grid_worker, grid=b.grid, nothing_found=True, now=at(dt.date(2026, 5, 16))
        )


# --- the missing-grids list ----------------------------------------------------------------------


@pytest.fixture
def grids(county):
    """East: village 东村 with three grids, a second village with one; west: two grids."""
    e, w = county.east, county.west
    e2 = child_unit(e.village, UnitKind.GRID, name="东村第二网格")
    e3 = child_unit(e.village, UnitKind.GRID, name="东村第三网格")
    village2 = child_unit(e.post, UnitKind.VILLAGE, name="东二村")
    e4 = child_unit(village2, UnitKind.GRID, name="东二村第一网格")
    w2 = child_unit(w.village, UnitKind.GRID, name="西村第二网格")
    worker3 = UserFactory(role=Role.GRID_WORKER, scope_unit=e3, display_name="王网格")
    responsible(worker3, e3)
    worker4 = UserFactory(role=Role.GRID_WORKER, scope_unit=e4)
    for actor, grid in [(e.grid_worker, e.grid), (worker4, e4), (w.grid_worker, w.grid)]:
        nil_report_submit(actor=actor, grid=grid, nothing_found=True, now=NOW)
    return {"e1": e.grid, "e2": e2, "e3": e3, "e4": e4, "w1": w.grid, "w2": w2, "v2": village2}


def _missing_codes(overview) -> set[str]:
    return {m.grid.code for v in overview.villages for m in v.missing}


def test_a_station_chief_sees_the_missing_grids_of_the_station_per_village(county, grids):
    overview = missing_grids(actor=county.east.chief, now=NOW)

    assert overview.period == Period(MONDAY, SUNDAY, Cadence.WEEKLY)
    assert [s.station for s in overview.stations] == [county.east.station]
    assert (overview.total, overview.reported, overview.percent) == (4, 2, 50)
    assert _missing_codes(overview) == {grids["e2"].code, grids["e3"].code}
    by_village = {v.village.name: v for v in overview.villages}
    first = by_village[county.east.village.name]
    assert (first.total, first.reported, first.percent) == (3, 1, 33)
    assert [m.grid for m in first.missing] == [grids["e2"], grids["e3"]]
    assert [str(m.worker) if m.worker else None for m in first.missing] == [None, "王网格"]
    second = by_village["东二村"]
    assert (second.total, second.reported, second.percent, second.missing) == (1, 1, 100, [])
    assert overview.stations[0].villages_missing == [first]


def test_the_commander_sees_the_county_per_station(county, grids):
    overview = missing_grids(actor=county.commander, now=NOW)

    assert {s.station.code: (s.reported, s.total, s.percent) for s in overview.stations} == {
        county.east.station.code: (2, 4, 50),
        county.west.station.code: (1, 2, 50),
    }
    assert (overview.total, overview.reported) == (6, 3)
    assert _missing_codes(overview) == {grids[k].code for k in ("e2", "e3", "w2")}

    west_only = missing_grids(actor=county.commander, now=NOW, unit_code=county.west.station.code)
    assert _missing_codes(west_only) == {grids["w2"].code}


def test_lower_tiers_see_only_their_own_grids(county, grids):
    auxiliary = missing_grids(actor=county.east.auxiliary, now=NOW)
    assert (auxiliary.total, auxiliary.reported) == (3, 1)
    worker = missing_grids(actor=county.east.grid_worker, now=NOW)
    assert (worker.total, worker.reported, _missing_codes(worker)) == (1, 1, set())
    west_chief = missing_grids(actor=county.west.chief, now=NOW)
    assert _missing_codes(west_chief) == {grids["w2"].code}


def test_a_past_period_and_a_sensitive_day_have_their_own_missing_lists(county, grids):
    last_week = missing_grids(actor=county.commander, on=MONDAY - dt.timedelta(days=1))
    assert last_week.period.start == dt.date(2026, 5, 4) and last_week.reported == 0

    sensitive_period_set(
        actor=county.commander,
        name="全国两会",
        starts_on=dt.date(2026, 5, 14),
        ends_on=dt.date(2026, 5, 14),
        now=NOW,
    )
    # The weekly reports of Monday–Wednesday do not count for Thursday: every grid reports daily.
    thursday = missing_grids(actor=county.commander, now=at(dt.date(2026, 5, 14)))
    assert thursday.period.is_daily and thursday.reported == 0 and thursday.total == 6


# --- pages ---------------------------------------------------------------------------------------


def test_the_grid_worker_reports_nothing_found_in_one_tap_in_chinese(client, county, pages):
    client.force_login(county.east.grid_worker)
    url = reverse("screening_home")
    assert url == "/intake/screening/"

    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in html and "退出登录" in html
    assert county.east.grid.name in html and 'value="nothing_found"' in html
    assert 'name="viewport"' in html

    done = client.post(
        reverse("nil_report_submit", args=[county.east.grid.code]),
        {"kind": "nothing_found", "note": "已走访"},
    )
    assert done.status_code == 302
    report = NilReport.objects.get()
    assert report.kind == "nothing_found" and report.note == "已走访"

    again = client.get(url).content.decode()
    assert 'data-testid="reported"' in again and 'value="nothing_found"' not in again

    twice = client.post(
        reverse("nil_report_submit", args=[county.east.grid.code]), {"kind": "nothing_found"}
    )
    assert twice.status_code == 302 and NilReport.objects.count() == 1


def test_the_card_says_when_the_report_must_carry_disputes(client, county, pages):
    b = county.east
    lead_in(b.grid, b.station, timezone.now() - dt.timedelta(minutes=5))
    client.force_login(b.grid_worker)
    html = client.get(reverse("screening_home")).content.decode()
    assert 'data-testid="has-disputes"' in html and 'value="disputes"' in html
    assert 'value="nothing_found"' not in html


def test_a_grid_outside_the_workers_area_is_not_found(client, county, pages):
    client.force_login(county.east.grid_worker)
    response = client.post(
        reverse("nil_report_submit", args=[county.west.grid.code]), {"kind": "nothing_found"}
    )
    assert response.status_code == 404 and not NilReport.objects.exists()


def test_the_station_sees_missing_grids_grouped_by_village(client, county, grids, pages):
    client.force_login(county.east.chief)
    html = client.get(reverse("screening_missing"), {"on": NOW.date().isoformat()}).content.decode()
    assert f'data-code="{grids["e2"].code}"' in html and f'data-code="{grids["e3"].code}"' in html
    assert f'data-code="{grids["w2"].code}"' not in html
    assert f'data-code="{grids["e1"].code}"' not in html  # reported
    assert county.east.village.name in html and "33%" in html
    assert '<html lang="zh-CN">' in html

    client.force_login(county.commander)
    html = client.get(reverse("screening_missing"), {"on": NOW.date().isoformat()}).content.decode()
    assert f'data-code="{grids["w2"].code}"' in html and county.west.station.name in html

    home = client.get(reverse("screening_home")).content.decode()
    assert 'data-testid="overview"' in home and county.west.station.name in home


def test_the_sensitive_period_page(client, county, pages):
    today = timezone.localdate()
    client.force_login(county.east.grid_worker)
    assert (
        '<form method="post" class="card'
        not in client.get(reverse("sensitive_periods")).content.decode()
    )
    refused = client.post(
        reverse("sensitive_periods"),
        {"name": "春节", "starts_on": today.isoformat(), "ends_on": today.isoformat()},
    )
    assert refused.status_code == 302 and not SensitivePeriod.objects.exists()

    client.force_login(county.commander)
    created = client.post(
        reverse("sensitive_periods"),
        {"name": "春节", "starts_on": today.isoformat(), "ends_on": today.isoformat()},
    )
    assert created.status_code == 302 and SensitivePeriod.objects.get().name == "春节"

    client.force_login(county.east.grid_worker)
    html = client.get(reverse("screening_home")).content.decode()
    assert 'data-testid="sensitive-notice"' in html and "春节" in html
    assert 'data-testid="period"' in html and today.isoformat() in html


# --- the demo ------------------------------------------------------------------------------------


def test_the_demo_step_reports_most_grids_and_is_idempotent(reference_data):
    steps = [demo_county.UNITS, demo_county.USERS, demo_county.RESPONSIBILITIES, SCREENING]
    first = load_demo(steps=steps)
    created = {row.key: row.created for s in first.sections for row in s.rows}
    assert created["nil_reports"] > 10_000 and created["campaigns"] == 1

    commander = User.objects.get(username="commander")
    now = timezone.now()
    today = timezone.localdate(now)
    current = missing_grids(actor=commander, now=now)
    assert 0 < current.missing_count < current.total
    last_week = missing_grids(actor=commander, on=today - dt.timedelta(days=today.weekday() + 1))
    assert 85 <= last_week.percent < 100
    sensitive = SensitivePeriod.objects.get()
    assert sensitive.ends_on < today
    assert (
        NilReport.objects.filter(cadence="daily", period_start=sensitive.starts_on).count() > 1000
    )

    progress = campaign_progress(actor=commander, campaign=Campaign.objects.get(), now=now)
    assert progress.units_total == 4 and 0 < progress.units_complete < 4
    assert not progress.past_deadline and not progress.overdue

    second = load_demo(steps=steps)
    assert second.created == 0
    assert [r.total for s in second.sections for r in s.rows] == [
        r.total for s in first.sections for r in s.rows
    ]
