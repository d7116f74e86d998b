"""Screening campaigns (排查): who launches them, units reporting their progress, completion
percentages, overdue units after the deadline, scoped reads and the pages."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import Resolver404, include, path, resolve, reverse
from django.utils import timezone, translation

from concord.accounts.models import Role
from concord.audit.models import AuditEntry
from concord.intake.screening import Campaign, CampaignUnit
from concord.intake.screening_selectors import (
    campaign_progress,
    campaign_units_to_report,
    campaigns_visible,
)
from concord.intake.screening_services import (
    ScreeningRefused,
    campaign_create,
    campaign_unit_report,
)
from concord.territory.models import UnitKind
from tests.factories import UserFactory, child_unit

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 5, 13, 10, 0, tzinfo=SHANGHAI)
DEADLINE = dt.date(2026, 5, 20)
CHECKLIST = ["走访全部户", "排查婚恋家庭矛盾", "排查邻里纠纷", "重点人员见面"]

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


def launch(actor, units, *, deadline=DEADLINE, checklist=CHECKLIST, now=NOW, name="春季大排查"):
    return campaign_create(
        actor=actor, name=name, deadline=deadline, checklist=checklist, units=units, now=now
    )


def entry(campaign, unit) -> CampaignUnit:
    return campaign.units.get(unit=unit)


# --- launching ------------------------------------------------------------------------------------


def test_a_bureau_commander_launches_a_campaign_over_stations_villages_and_grids(county):
    e, w = county.east, county.west
    campaign = campaign_create(
        actor=county.commander,
        name=" 春季大排查 ",
        description="逐村逐户排查",
        deadline=DEADLINE,
        checklist=["走访全部户", "  ", " 排查婚恋家庭矛盾 "],
        units=[e.station, w.grid],
        now=NOW,
    )
    assert campaign.name == "春季大排查" and campaign.unit == county.bureau
    assert campaign.checklist == ["走访全部户", "排查婚恋家庭矛盾"]
    assert sorted(u.unit.code for u in campaign.units.all()) == sorted(
        [e.station.code, w.grid.code]
    )
    audit = AuditEntry.objects.get(action="intake.campaign_create")
    assert audit.target_id == str(campaign.pk) and audit.unit == county.bureau
    assert sorted(audit.data["units"]) == sorted([e.station.code, w.grid.code])


def test_a_station_chief_launches_for_their_own_station_only(county):
    e = county.east
    campaign = launch(e.chief, [e.village])
    assert campaign.unit == e.station
    with pytest.raises(ScreeningRefused, match="outside your area"):
        launch(e.chief, [e.village, county.west.village])
    assert Campaign.objects.count() == 1


@pytest.mark.parametrize(
    "role", ["grid_worker", "auxiliary", "community_officer", "station_staff", "analyst", "admin"]
)
def test_other_roles_may_not_launch_a_campaign(county, role):
    scope = {
        "grid_worker": county.east.grid,
        "auxiliary": county.east.village,
        "community_officer": county.east.post,
        "station_staff": county.east.station,
    }.get(role, county.bureau)
    actor = UserFactory(role=role, scope_unit=scope)
    with pytest.raises(ScreeningRefused) as refused:
        launch(actor, [county.east.grid])
    assert str(Role(role).label) in str(refused.value)
    assert "may not launch a screening campaign" in str(refused.value)
    assert not Campaign.objects.exists()
    assert not AuditEntry.objects.filter(action="intake.campaign_create").exists()


def test_campaign_input_is_checked_field_by_field(county):
    e = county.east
    with pytest.raises(ValidationError) as bad:
        campaign_create(
            actor=county.commander,
            name="",
            deadline=NOW.date() - dt.timedelta(days=1),
            checklist=["", " "],
            units=[],
            now=NOW,
        )
    assert set(bad.value.message_dict) == {"name", "deadline", "checklist", "units"}

    with pytest.raises(ValidationError, match="a campaign covers stations, villages or grids"):
        launch(county.commander, [e.post])
    with pytest.raises(ValidationError, match="lies inside"):
        launch(county.commander, [e.station, e.grid])
    with pytest.raises(ValidationError, match="repeats"):
        launch(county.commander, [e.grid], checklist=["走访全部户", "走访全部户"])
    assert not Campaign.objects.exists()


# --- reporting ----------------------------------------------------------------------------------


def test_a_covered_unit_reports_what_it_did_and_found(county):
    e = county.east
    campaign = launch(county.commander, [e.grid, county.west.grid])

    done = campaign_unit_report(
        actor=e.grid_worker,
        campaign_unit=entry(campaign, e.grid),
        done_items=[1, 0, 1],
        found_count=2,
        notes="发现宅基地纠纷两起",
        now=NOW,
    )
    assert (done.done_items, done.found_count, done.notes) == ([0, 1], 2, "发现宅基地纠纷两起")
    assert (done.reported_by, done.reported_at, done.completed_at) == (e.grid_worker, NOW, None)
    audit = AuditEntry.objects.get(action="intake.campaign_unit_report")
    assert audit.unit == e.grid and audit.data["done"] == [[], [0, 1]]

    later = NOW + dt.timedelta(days=1)
    done = campaign_unit_report(
        actor=e.auxiliary,
        campaign_unit=done,
        done_items=[0, 1, 2, 3],
        found_count=3,
        now=later,
    )
    assert done.completed_at == later and done.reported_by == e.auxiliary
    assert AuditEntry.objects.filter(action="intake.campaign_unit_report").count() == 2


def test_reports_outside_the_area_or_by_other_roles_are_refused(county):
    e, w = county.east, county.west
    campaign = launch(county.commander, [e.village, w.grid])
    with pytest.raises(ScreeningRefused, match="outside your area"):
        campaign_unit_report(
            actor=e.grid_worker,
            campaign_unit=entry(campaign, w.grid),
            done_items=[0],
            found_count=0,
            now=NOW,
        )
    # A grid worker does not report for the whole village.
    with pytest.raises(ScreeningRefused, match="outside your area"):
        campaign_unit_report(
            actor=e.grid_worker,
            campaign_unit=entry(campaign, e.village),
            done_items=[0],
            found_count=0,
            now=NOW,
        )
    with pytest.raises(ScreeningRefused, match="does not report"):
        campaign_unit_report(
            actor=county.commander,
            campaign_unit=entry(campaign, e.village),
            done_items=[0],
            found_count=0,
            now=NOW,
        )
    with pytest.raises(ValidationError) as bad:
        campaign_unit_report(
            actor=e.auxiliary,
            campaign_unit=entry(campaign, e.village),
            done_items=[0, 4],
            found_count=-1,
            now=NOW,
        )
    assert set(bad.value.message_dict) == {"done_items", "found_count"}
    assert not CampaignUnit.objects.filter(reported_at__isnull=False).exists()
    assert not AuditEntry.objects.filter(action="intake.campaign_unit_report").exists()


# --- progress -------------------------------------------------------------------------------------


@pytest.fixture
def campaign(county):
    """Three grids of the east village: one complete, one half done, one not reported; a west grid
    done in part."""
    e = county.east
    g2 = child_unit(e.village, UnitKind.GRID, name="东村第二网格")
    g3 = child_unit(e.village, UnitKind.GRID, name="东村第三网格")
    campaign = launch(county.commander, [e.grid, g2, g3, county.west.grid])
    campaign_unit_report(
        actor=e.auxiliary,
        campaign_unit=entry(campaign, e.grid),
        done_items=[0, 1, 2, 3],
        found_count=2,
        now=NOW,
    )
    campaign_unit_report(
        actor=e.auxiliary,
        campaign_unit=entry(campaign, g2),
        done_items=[0, 2],
        found_count=1,
        now=NOW,
    )
    campaign_unit_report(
        actor=county.west.grid_worker,
        campaign_unit=entry(campaign, county.west.grid),
        done_items=[0],
        found_count=0,
        now=NOW,
    )
    campaign.grids = [e.grid, g2, g3]
    return campaign


def test_completion_percentages_per_unit_and_overall(county, campaign):
    progress = campaign_progress(actor=county.east.chief, campaign=campaign, now=NOW)

    # The east chief sees the three east grids only.
    assert [r.entry.unit for r in progress.rows] == campaign.grids
    assert [r.percent for r in progress.rows] == [100, 50, 0]
    assert [r.complete for r in progress.rows] == [True, False, False]
    assert (progress.units_complete, progress.units_total, progress.units_percent) == (1, 3, 33)
    assert progress.items_percent == 50  # 6 of 12 items
    assert progress.found_total == 3
    assert progress.rows[0].items[0] == ("走访全部户", True)

    everything = campaign_progress(actor=county.commander, campaign=campaign, now=NOW)
    assert (everything.units_complete, everything.units_total, everything.units_percent) == (
        1,
        4,
        25,
    )
    assert everything.items_percent == 44  # 7 of 16 items


def test_units_not_complete_are_overdue_after_the_deadline(county, campaign):
    before = campaign_progress(
        actor=county.commander,
        campaign=campaign,
        now=dt.datetime(2026, 5, 20, 23, 0, tzinfo=SHANGHAI),
    )
    assert not before.past_deadline and before.overdue == []

    after_deadline = dt.datetime(2026, 5, 21, 0, 30, tzinfo=SHANGHAI)
    after = campaign_progress(actor=county.commander, campaign=campaign, now=after_deadline)
    assert after.past_deadline
    assert [r.entry.unit for r in after.overdue] == [campaign.grids[1], campaign.grids[2]] + [
        county.west.grid
    ]

    # Completing late ends the overdue mark and shows the unit completed late.
    campaign_unit_report(
        actor=county.east.auxiliary,
        campaign_unit=entry(campaign, campaign.grids[1]),
        done_items=[0, 1, 2, 3],
        found_count=1,
        now=after_deadline,
    )
    later = campaign_progress(actor=county.commander, campaign=campaign, now=after_deadline)
    row = next(r for r in later.rows if r.entry.unit == campaign.grids[1])
    assert row.complete and row.late and not row.overdue
    assert len(later.overdue) == 2


def test_the_deadline_follows_the_bureaus_clock_whatever_time_zone_is_active(county, campaign):
    with timezone.override("UTC"):
        # 23:30 UTC on the deadline is already the next morning in Shanghai.
        late = dt.datetime(2026, 5, 20, 23, 30, tzinfo=dt.UTC)
        assert campaign_progress(actor=county.commander, campaign=campaign, now=late).past_deadline


def test_campaigns_are_scoped(county):
    e, w = county.east, county.west
    bureau = launch(county.commander, [e.station, w.village], name="全县排查")
    station = launch(e.chief, [e.village], name="东所排查")

    assert set(campaigns_visible(actor=county.commander)) == {bureau, station}
    assert set(campaigns_visible(actor=e.chief)) == {bureau, station}
    assert set(campaigns_visible(actor=e.grid_worker)) == {bureau, station}
    assert set(campaigns_visible(actor=w.chief)) == {bureau}
    assert set(campaigns_visible(actor=w.grid_worker)) == {bureau}

    rows = campaign_progress(actor=w.chief, campaign=bureau, now=NOW).rows
    assert [r.entry.unit for r in rows] == [w.village]
    # A grid worker under a covered station sees the station's row, read-only.
    rows = campaign_progress(actor=e.grid_worker, campaign=bureau, now=NOW).rows
    assert [(r.entry.unit, r.can_report) for r in rows] == [(e.station, False)]
    with pytest.raises(Campaign.DoesNotExist):
        campaign_progress(actor=w.chief, campaign=station, now=NOW)

    assert [c.unit for c in campaign_units_to_report(actor=e.auxiliary)] == [e.village]
    assert list(campaign_units_to_report(actor=county.commander)) == []


# --- pages ---------------------------------------------------------------------------------------


def test_the_commander_launches_a_campaign_from_the_page(client, county, pages):
    client.force_login(county.commander)
    form = client.get(reverse("campaign_create"))
    assert form.status_code == 200 and county.east.station.name in form.content.decode()
    deadline = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    response = client.post(
        reverse("campaign_create"),
        {
            "name": "春季大排查",
            "deadline": deadline,
            "checklist": "走访全部户\n\n排查婚恋家庭矛盾\n",
            "units": [county.east.station.pk, county.west.village.pk],
        },
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("campaign_detail", args=[campaign.pk])
    assert campaign.checklist == ["走访全部户", "排查婚恋家庭矛盾"]

    nested = client.post(
        reverse("campaign_create"),
        {
            "name": "重复",
            "deadline": deadline,
            "checklist": "走访全部户",
            "units": [county.east.station.pk, county.east.grid.pk],
        },
    )
    assert nested.status_code == 422 and Campaign.objects.count() == 1


def test_a_grid_worker_cannot_open_the_launch_form(client, county, pages):
    client.force_login(county.east.grid_worker)
    assert client.get(reverse("campaign_create")).status_code == 404


def test_the_grid_worker_reports_progress_and_sees_the_campaign_in_chinese(client, county, pages):
    e = county.east
    campaign = launch(
        county.commander,
        [e.grid, county.west.grid],
        deadline=timezone.localdate() + dt.timedelta(days=3),
        now=timezone.now(),
    )
    client.force_login(e.grid_worker)

    home = client.get(reverse("screening_home")).content.decode()
    assert 'data-testid="campaigns-to-report"' in home and campaign.name in home

    url = reverse("campaign_unit_report", args=[campaign.pk, e.grid.code])
    form = client.get(url)
    assert form.status_code == 200 and "走访全部户" in form.content.decode()
    saved = client.post(url, {"done_items": ["0", "1"], "found_count": "2", "notes": "两起"})
    assert saved.status_code == 302
    assert entry(campaign, e.grid).done_items == [0, 1]

    other = reverse("campaign_unit_report", args=[campaign.pk, county.west.grid.code])
    assert client.get(other).status_code == 404

    # After the deadline the units not complete are highlighted.
    Campaign.objects.filter(pk=campaign.pk).update(
        deadline=timezone.localdate() - dt.timedelta(days=1)
    )
    html = client.get(reverse("campaign_detail", args=[campaign.pk])).content.decode()
    assert '<html lang="zh-CN">' in html and "退出登录" in html
    assert f'data-code="{e.grid.code}" data-overdue="1"' in html
    assert county.west.grid.code not in html  # another station's unit is not shown
    assert "两起" in html

    client.force_login(county.commander)
    html = client.get(reverse("campaign_list")).content.decode()
    assert campaign.name in html
    html = client.get(reverse("campaign_detail", args=[campaign.pk])).content.decode()
    assert html.count('data-overdue="1"') == 2
