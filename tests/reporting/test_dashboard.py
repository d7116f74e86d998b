"""The dashboard and the grid map: scoped numbers, drill-down, the 清零 tracker, map colours, the
grid's case list, and the few queries each page costs.

The clock for the tracker reads Wednesday 2026-11-18 12:00 (Asia/Shanghai); the twelve weeks begin
on the Mondays 08-31 … 11-16 and each is read at its end (the next Monday 00:00), this week at the
clock.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from concord.disputes.models import Dispute, Status, Task
from concord.reporting import selectors
from concord.territory.geometry import rectangle
from concord.territory.models import UnitKind
from tests.factories import child_unit, make_county, register_dispute

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 18, 12, 0, tzinfo=TZ)


def at(month, day, hour=0):
    return dt.datetime(2026, month, day, hour, 0, tzinfo=TZ)


def case(branch, level="yellow", *, grid=None, found=None, closed=None, category="neighbour"):
    """A case registered through the service, then moved in time (and closed) by hand."""
    d = register_dispute(branch, level=level, category=category)
    changes = {}
    if grid is not None:
        changes["grid"] = grid
    if found is not None:
        changes["found_at"] = found
    if closed is not None:
        changes.update(closed_at=closed, status=Status.CLOSED)
    if changes:
        Dispute.objects.filter(pk=d.pk).update(**changes)
    d.refresh_from_db()
    return d


@pytest.fixture
def cases(county):
    """East: 2 red, 1 orange, 1 yellow open and 1 red closed. West: 1 red, 3 yellow open."""
    east, west = county.east, county.west
    made = {
        "east": [case(east, "red"), case(east, "red", category="land"), case(east, "orange")],
        "west": [case(west, "red"), *(case(west, "yellow", category="debt") for _ in range(3))],
    }
    made["east"].append(case(east, "yellow"))
    case(east, "red", closed=timezone.now())
    return made


def get_data(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("dashboard_data"), params)
    assert response.status_code == 200, response.content
    return response.json()


# --- scope -----------------------------------------------------------------------------------


def test_a_station_chief_counts_only_the_station(client, county, cases):
    data = get_data(client, county.east.chief)
    assert data["unit"]["code"] == county.east.station.code
    assert data["open_by_level"] == {"red": 2, "orange": 1, "yellow": 1}
    assert data["open_total"] == 4 and data["open_red_orange"] == 3
    by_category = {row["code"]: row for row in data["open_by_category"]}
    assert set(by_category) == {"neighbour", "land"}
    assert by_category["neighbour"]["red"] == 1 and by_category["neighbour"]["total"] == 3
    # A station drills down to its villages (through the police post).
    assert data["child_kind"] == UnitKind.VILLAGE
    assert [(c["code"], c["red"], c["orange"], c["yellow"]) for c in data["children"]] == [
        (county.east.village.code, 2, 1, 1)
    ]
    assert sum(data["trend"]["red"]) == 3  # the closed red case was found this week too
    assert data["clearance"]["total"][-1] == 3


def test_the_commander_sees_both_stations(client, county, cases):
    data = get_data(client, county.commander)
    assert data["open_by_level"] == {"red": 3, "orange": 1, "yellow": 4}
    assert data["child_kind"] == UnitKind.STATION
    assert [(u["code"], u["red_orange"]) for u in data["top_units"]] == [
        (county.east.station.code, 3),
        (county.west.station.code, 1),
    ]
    assert data["top_units"][0]["url"].endswith(f"?unit={county.east.station.code}")
    assert {row["code"]: row["total"] for row in data["open_by_category"]} == {
        "neighbour": 4,
        "land": 1,
        "debt": 3,
    }


def test_the_page_shows_the_station_chiefs_numbers_only(client, county, cases):
    client.force_login(county.east.chief)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    board = response.context["board"]
    assert board.open_by_level == {"red": 2, "orange": 1, "yellow": 1}
    html = response.content.decode()
    assert 'id="dashboard-data"' in html and 'data-chart="clearance"' in html
    assert county.west.station.name not in html


def test_drill_down_follows_the_tree_and_stops_at_the_scope(client, county, cases):
    to_east = get_data(client, county.commander, unit=county.east.station.code)
    assert to_east["open_by_level"] == {"red": 2, "orange": 1, "yellow": 1}
    to_village = get_data(client, county.commander, unit=county.east.village.code)
    assert to_village["child_kind"] == UnitKind.GRID
    assert [c["code"] for c in to_village["children"]] == [county.east.grid.code]
    to_grid = get_data(client, county.commander, unit=county.east.grid.code)
    assert to_grid["children"] == [] and to_grid["open_total"] == 4

    client.force_login(county.east.chief)
    for url in ("dashboard", "dashboard_data", "dashboard_metrics", "grid_map", "grid_map_data"):
        outside = client.get(reverse(url), {"unit": county.west.station.code})
        assert outside.status_code == 404, url
        above = client.get(reverse(url), {"unit": county.bureau.code})
        assert above.status_code == 404, url
    assert client.get(reverse("dashboard"), {"unit": "NO-SUCH"}).status_code == 404


def test_breadcrumbs_start_at_the_actors_scope(client, county, cases):
    client.force_login(county.east.chief)
    response = client.get(reverse("dashboard"), {"unit": county.east.grid.code})
    assert [u.code for u in response.context["crumbs"]] == [
        county.east.station.code,
        county.east.post.code,
        county.east.village.code,
    ]


def test_overdue_tasks_are_counted_in_scope_and_by_person(client, county, cases):
    past = timezone.now() - dt.timedelta(days=2)
    east_open = Task.objects.filter(
        dispute__station=county.east.station, state=Task.State.OPEN
    ).exclude(dispute__status=Status.CLOSED)
    east_ids = list(east_open.values_list("pk", flat=True))
    Task.objects.filter(pk__in=east_ids).update(due_at=past)
    west_task = Task.objects.filter(dispute__station=county.west.station).first()
    Task.objects.filter(pk=west_task.pk).update(due_at=past, assignee=None)

    chief = get_data(client, county.east.chief)
    assert chief["overdue"]["total"] == len(east_ids) > 0
    assert sum(row["n"] for row in chief["overdue"]["by_assignee"]) == len(east_ids)
    commander = get_data(client, county.commander)
    assert commander["overdue"]["total"] == len(east_ids) + 1
    unassigned = [r for r in commander["overdue"]["by_assignee"] if not r["username"]]
    assert [r["n"] for r in unassigned] == [1]


def test_another_countys_cases_and_tasks_never_reach_the_commander(client, county, cases):
    other = make_county()
    d = case(other.east, "red")
    d.tasks.update(due_at=timezone.now() - dt.timedelta(days=1))
    data = get_data(client, county.commander)
    assert data["open_by_level"]["red"] == 3
    assert data["overdue"]["total"] == 0
    assert get_data(client, other.commander)["overdue"]["total"] == d.tasks.count() > 0


# --- the 清零 tracker and the trend, on a hand-built set -------------------------------------


def test_clearance_tracker_counts_red_and_orange_open_at_each_weeks_end(county):
    east, west = county.east, county.west
    case(east, "red", found=at(9, 1))  # open all along
    case(east, "orange", found=at(10, 5, 10), closed=at(10, 20))  # open at 10-12 and 10-19
    case(east, "red", found=at(6, 1), closed=at(9, 2))  # closed before the first week ended
    case(east, "yellow", found=at(9, 1))  # yellow never counts
    case(east, "orange", found=at(11, 17))  # this week: only at the clock
    case(west, "orange", found=at(9, 1))  # another station

    board = selectors.dashboard(actor=east.chief, unit=east.station, now=NOW)
    assert [w.date() for w in board.weeks] == [
        dt.date(2026, 8, 31) + dt.timedelta(weeks=i) for i in range(12)
    ]
    assert board.clearance["red"] == [1] * 12
    assert board.clearance["orange"] == [0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1]
    assert board.clearance["total"] == [1, 1, 1, 1, 1, 2, 2, 1, 1, 1, 1, 2]
    # New cases by the week they were found in.
    assert board.trend["red"] == [1] + [0] * 11
    assert board.trend["orange"] == [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]
    assert board.trend["yellow"] == [1] + [0] * 11

    commander = selectors.dashboard(actor=county.commander, unit=county.bureau, now=NOW)
    assert commander.clearance["orange"] == [1, 1, 1, 1, 1, 2, 2, 1, 1, 1, 1, 2]


def test_a_reopened_case_counts_as_open_while_it_was_closed(county):
    """The accepted approximation: reopening clears closed_at, so the closed weeks count too."""
    # Found Sunday 09-20, closed 10-01, reopened 10-10: reopening cleared closed_at.
    d = case(county.east, "red", found=at(9, 20))
    Dispute.objects.filter(pk=d.pk).update(status=Status.REOPENED, closed_at=None)
    board = selectors.dashboard(actor=county.east.chief, unit=county.east.station, now=NOW)
    assert board.clearance["red"] == [0, 0] + [1] * 10


# --- the grid map -----------------------------------------------------------------------------


def test_map_grids_are_coloured_by_their_worst_open_level(client, county, cases):
    quiet = child_unit(
        county.east.village,
        UnitKind.GRID,
        name="东村第二网格",
        boundary=rectangle(114.81, 33.70, 114.82, 33.71),
    )
    orange_only = child_unit(
        county.east.village,
        UnitKind.GRID,
        name="东村第三网格",
        boundary=rectangle(114.82, 33.70, 114.83, 33.71),
    )
    case(county.east, "orange", grid=orange_only)
    client.force_login(county.commander)
    data = client.get(reverse("grid_map_data")).json()
    props = {f["properties"]["code"]: f["properties"] for f in data["grids"]["features"]}
    assert props[county.east.grid.code]["worst_level"] == "red"
    assert (
        props[county.east.grid.code]["open_red"],
        props[county.east.grid.code]["open_orange"],
    ) == (
        2,
        1,
    )
    assert props[county.west.grid.code]["worst_level"] == "red"
    assert props[quiet.code]["worst_level"] == "none" and props[quiet.code]["open_yellow"] == 0
    assert props[orange_only.code]["worst_level"] == "orange"
    assert data["grids"]["type"] == "FeatureCollection"
    assert data["colours"]["red"] and data["colours"]["none"]

    client.force_login(county.east.chief)
    chief = client.get(reverse("grid_map_data")).json()
    codes = {f["properties"]["code"] for f in chief["grids"]["features"]}
    assert codes == {county.east.grid.code, quiet.code, orange_only.code}


def test_a_yellow_only_grid_is_yellow(client, county):
    case(county.west, "yellow")
    client.force_login(county.west.chief)
    data = client.get(reverse("grid_map_data")).json()
    (feature,) = data["grids"]["features"]
    assert feature["properties"]["worst_level"] == "yellow"
    assert feature["geometry"]["type"] == "Polygon"


def test_the_map_page_embeds_the_grids_and_the_tile_setting(client, county, cases, settings):
    settings.CONCORD_MAP_TILE_URL = ""
    client.force_login(county.east.chief)
    response = client.get(reverse("grid_map"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="map-data"' in html and 'id="map-config"' in html and "leaflet.js" in html
    assert response.context["map_config"]["tile_url"] == ""
    assert county.west.grid.code not in html
    settings.CONCORD_MAP_TILE_URL = "https://tiles.intranet/{z}/{x}/{y}.png"
    response = client.get(reverse("grid_map"))
    assert response.context["map_config"]["tile_url"] == "https://tiles.intranet/{z}/{x}/{y}.png"


def test_a_grids_case_list_is_scoped_and_links_to_the_cases(client, county, cases):
    client.force_login(county.east.chief)
    response = client.get(reverse("grid_cases", args=[county.east.grid.code]))
    assert response.status_code == 200
    html = response.content.decode()
    shown = [d for d in cases["east"] if reverse("dispute_detail", args=[d.case_number]) in html]
    assert len(shown) == 4
    assert response.context["total"] == 4
    assert [d.level for d in response.context["cases"]] == ["red", "red", "orange", "yellow"]
    closed = Dispute.objects.get(station=county.east.station, status=Status.CLOSED)
    assert closed.case_number not in html
    for d in cases["west"]:
        assert d.case_number not in html

    assert client.get(reverse("grid_cases", args=[county.west.grid.code])).status_code == 404
    assert client.get(reverse("grid_cases", args=[county.east.village.code])).status_code == 404
    client.force_login(county.west.grid_worker)
    assert client.get(reverse("grid_cases", args=[county.east.grid.code])).status_code == 404
    assert client.get(reverse("grid_cases", args=[county.west.grid.code])).status_code == 200


# --- pages: wall screen, navigation, metrics strip, and the queries they cost -----------------


def test_wall_screen_is_dark_full_screen_and_refreshes(client, county, cases):
    client.force_login(county.commander)
    html = client.get(reverse("dashboard"), {"wall": "1"}).content.decode()
    assert 'http-equiv="refresh" content="60"' in html
    assert 'data-bs-theme="dark"' in html and "dashboard-wall" in html
    assert 'data-testid="whoami"' not in html and "navbar" not in html
    normal = client.get(reverse("dashboard")).content.decode()
    assert 'http-equiv="refresh"' not in normal and 'data-testid="whoami"' in normal


def test_navigation_offers_the_dashboard_to_the_police_tiers(client, county):
    client.force_login(county.east.chief)
    html = client.get(reverse("home")).content.decode()
    assert reverse("dashboard") in html and reverse("grid_map") in html
    client.force_login(county.east.grid_worker)
    html = client.get(reverse("home")).content.decode()
    assert reverse("dashboard") not in html


def test_the_metrics_strip_shows_the_last_30_days(client, county, cases):
    client.force_login(county.east.chief)
    response = client.get(reverse("dashboard_metrics"))
    assert response.status_code == 200
    rates = {r["code"]: r["value"] for r in response.context["rates"]}
    assert rates["found"] == "5"  # the east station's cases, the closed one included
    assert rates["resolution_rate"] == "0.0%"
    assert {"containment_rate", "overdue_rate", "nil_completeness"} <= set(rates)
    narrowed = client.get(reverse("dashboard_metrics"), {"unit": county.east.grid.code})
    assert {r["code"]: r["value"] for r in narrowed.context["rates"]}["found"] == "5"


def test_the_pages_cost_a_few_queries(client, county, cases, django_assert_max_num_queries):
    for _ in range(3):  # more grids with cases: the counts below do not grow with them
        extra = child_unit(
            county.west.village,
            UnitKind.GRID,
            boundary=rectangle(114.91, 33.70, 114.92, 33.71),
        )
        case(county.west, "orange", grid=extra)
    # A commander's request costs one query more than a chief's: the second factor's device is
    # reloaded from the session on every request (django-otp) to check it is still confirmed.
    client.force_login(county.commander)
    with django_assert_max_num_queries(15):
        assert client.get(reverse("dashboard")).status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get(reverse("dashboard"), {"wall": "1"}).status_code == 200
    with django_assert_max_num_queries(15):  # a drill-down adds the unit and its breadcrumbs
        village = {"unit": county.west.village.code}
        assert client.get(reverse("dashboard"), village).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("grid_map")).status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(reverse("grid_cases", args=[county.east.grid.code])).status_code == 200
    client.force_login(county.east.chief)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("dashboard")).status_code == 200
    with django_assert_max_num_queries(9):
        assert client.get(reverse("grid_map")).status_code == 200
    # Each page above includes one query of notify's context processor (the unread count). The strip
    # is reporting/metrics.py's work (its nil-report count is a query per week), loaded after the
    # page so the dashboard itself stays within its budget.
    with django_assert_max_num_queries(18):
        assert client.get(reverse("dashboard_metrics")).status_code == 200


# --- the shared dashboard ------------------------------------------------------------------------


def test_the_dashboard_is_computed_once_for_all_who_see_the_unit_alike(county, cases, settings):
    """Within CONCORD_DASHBOARD_CACHE_SECONDS a second commander gets the same computation (a new
    case shows after it expires); another scope or role computes its own."""
    from tests.factories import UserFactory

    settings.CONCORD_DASHBOARD_CACHE_SECONDS = 30
    unit = county.commander.scope_unit
    first = selectors.dashboard_shared(actor=county.commander, unit=unit)
    colleague = UserFactory(role=county.commander.role, scope_unit=unit)
    case(county.west, "red")
    assert selectors.dashboard_shared(actor=colleague, unit=unit).now == first.now
    assert selectors.dashboard_shared(actor=colleague, unit=unit).open_by_level["red"] == 3
    chief = selectors.dashboard_shared(actor=county.west.chief, unit=county.west.station)
    assert chief.open_by_level["red"] == 2  # its own computation, with the new case
    settings.CONCORD_DASHBOARD_CACHE_SECONDS = 0
    assert selectors.dashboard_shared(actor=colleague, unit=unit).open_by_level["red"] == 4


def test_a_cached_dashboard_is_never_shown_outside_the_scope(county, cases, settings):
    settings.CONCORD_DASHBOARD_CACHE_SECONDS = 30
    selectors.dashboard_shared(actor=county.east.chief, unit=county.east.station)
    with pytest.raises(selectors.Unit.DoesNotExist):
        selectors.dashboard_shared(actor=county.west.chief, unit=county.east.station)
