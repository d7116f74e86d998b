"""The dashboard and the grid map in a real browser, on a phone (375 px) and on the command centre's
wall screen (1920×1080): the charts are drawn, the grids are on the map, a grid lists its cases, no
console error, and a station chief sees only the station's numbers."""

import pytest

from concord.disputes.models import Dispute, Status
from tests.e2e.checks import assert_no_horizontal_scroll
from tests.e2e.conftest import PHONE, pass_two_factor
from tests.factories import make_county, register_dispute

try:
    from playwright.sync_api import Page, expect
except ImportError:
    Page = expect = None

pytestmark = pytest.mark.browser

PASSWORD = "Concord-test-2026"
WALL = {"width": 1920, "height": 1080}
CHARTS = ("levels", "categories", "trend", "clearance", "units")

# Each chart container's canvases, and how many of their pixels are painted: a canvas that exists
# but was never drawn on has none.
_INKED_JS = """
(names) => names.map((name) => {
  const canvases = [...document.querySelectorAll(`[data-chart="${name}"] canvas`)];
  let inked = 0;
  for (const canvas of canvases) {
    if (!canvas.width || !canvas.height) continue;
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < data.length; i += 16) if (data[i]) inked++;
  }
  return { name, canvases: canvases.length, inked };
})
"""


@pytest.fixture
def viewport_page(request, browser, browser_context_args):
    """A page at the test's viewport: the phone of conftest.py, or the wall screen."""
    if request.param == "wall":
        args = {
            **browser_context_args,
            "viewport": WALL,
            "screen": WALL,
            "device_scale_factor": 1,
            "is_mobile": False,
            "has_touch": False,
        }
    else:
        args = {**browser_context_args, "viewport": PHONE, "screen": PHONE}
    context = browser.new_context(**args)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def watch_errors(page: Page) -> list[str]:
    """Failed requests, HTTP errors, console and JavaScript errors, as conftest's page_errors."""
    errors: list[str] = []

    def on_response(response):
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            errors.append(f"HTTP {response.status} {response.request.method} {response.url}")

    def on_console(message):
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(f"console error: {message.text}")

    page.on("response", on_response)
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url} {r.failure}"))
    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"JavaScript error: {error}"))
    return errors


def build_county():
    """East: 2 red, 1 orange, 1 yellow open, 1 closed; west: 1 orange, 2 yellow open."""
    county = make_county()
    east, west = county.east, county.west
    cases = [
        register_dispute(east, level="red", title="宅基地边界争执"),
        register_dispute(east, level="red", category="land", title="承包地调整纠纷"),
        register_dispute(east, level="orange", category="debt", title="借款不还"),
        register_dispute(east, level="yellow", title="排水沟堵塞"),
        register_dispute(west, level="orange", category="labour", title="工资拖欠"),
        register_dispute(west, level="yellow", title="噪音扰邻"),
        register_dispute(west, level="yellow", title="楼道堆物"),
    ]
    closed = register_dispute(east, level="red", title="已销号案件")
    Dispute.objects.filter(pk=closed.pk).update(status=Status.CLOSED, closed_at=closed.found_at)
    return county, cases


def log_in(page: Page, live_server, user, next_url: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    pass_two_factor(page, user)  # a commander confirms the login with a TOTP code
    page.wait_for_url(f"{live_server.url}{next_url}")


def assert_charts_drawn(page: Page) -> None:
    for name in CHARTS:
        expect(page.locator(f'[data-chart="{name}"] canvas').first).to_be_attached()
    page.wait_for_function(
        '(names) => names.every((n) => document.querySelector(`[data-chart="${n}"] canvas`))',
        arg=list(CHARTS),
    )
    page.wait_for_timeout(1200)  # ECharts animates its first frame in
    for chart in page.evaluate(_INKED_JS, list(CHARTS)):
        assert chart["canvases"] >= 1, chart
        assert chart["inked"] > 0, f"chart {chart['name']} has a canvas but nothing drawn on it"


def open_dashboard(page: Page, live_server, unit_code: str = "", wall: bool = False) -> None:
    query = "&".join(
        p for p in (f"unit={unit_code}" if unit_code else "", "wall=1" if wall else "") if p
    )
    page.goto(f"{live_server.url}/reporting/dashboard/{'?' + query if query else ''}")
    expect(page.get_by_test_id("dashboard")).to_be_visible()
    assert_charts_drawn(page)
    expect(page.get_by_test_id("metrics")).to_be_visible()  # the strip loaded through htmx


@pytest.mark.parametrize("viewport_page", ["phone", "wall"], indirect=True)
def test_a_station_chief_sees_the_stations_dashboard_and_map(
    viewport_page: Page, live_server, reference_data, screenshot_dir, request
):
    page = viewport_page
    size = request.node.callspec.params["viewport_page"]
    errors = watch_errors(page)
    county, cases = build_county()
    east, west = county.east, county.west

    log_in(page, live_server, east.chief, "/reporting/dashboard/")
    assert_charts_drawn(page)
    expect(page.get_by_test_id("dashboard-unit")).to_have_text(east.station.name)
    expect(page.get_by_test_id("kpi-open")).to_have_text("4")
    expect(page.get_by_test_id("kpi-red")).to_have_text("2")
    expect(page.get_by_test_id("kpi-orange")).to_have_text("1")
    expect(page.get_by_test_id("kpi-yellow")).to_have_text("1")
    expect(page.get_by_test_id("metrics")).to_be_visible()
    expect(page.get_by_text(west.station.name)).to_have_count(0)
    expect(page.get_by_test_id("children")).to_contain_text(east.village.name)
    page.screenshot(path=screenshot_dir / f"dashboard-chief-{size}.png", full_page=True)
    assert_no_horizontal_scroll(page)

    # Wall-screen mode: no navigation, the same numbers, large.
    open_dashboard(page, live_server, wall=True)
    expect(page.get_by_test_id("whoami")).to_have_count(0)
    expect(page.get_by_test_id("kpi-red")).to_have_text("2")
    page.screenshot(path=screenshot_dir / f"dashboard-wall-chief-{size}.png", full_page=True)
    assert_no_horizontal_scroll(page)

    # The grid map: one drawn path per grid of the station, red where a red case is open.
    page.goto(f"{live_server.url}/reporting/map/")
    grids = page.locator("#grid-map path.leaflet-interactive")
    expect(grids).to_have_count(1)
    red = page.locator(f'#grid-map path[data-grid="{east.grid.code}"]')
    expect(red).to_have_attribute("data-level", "red")
    expect(red).to_have_attribute("fill", "#d6312b")
    red.click()
    listing = page.get_by_test_id("grid-cases")
    expect(listing).to_be_visible()
    for d in cases[:4]:
        expect(listing.get_by_role("link", name=d.title)).to_have_attribute(
            "href", f"/disputes/{d.case_number}/"
        )
    expect(listing).not_to_contain_text("已销号案件")
    page.screenshot(path=screenshot_dir / f"map-chief-{size}.png", full_page=True)
    assert_no_horizontal_scroll(page, clipped_by=".leaflet-container")
    assert not errors, "the pages did not load cleanly:\n" + "\n".join(errors)


@pytest.mark.parametrize("viewport_page", ["phone", "wall"], indirect=True)
def test_the_commander_sees_the_county_and_drills_down(
    viewport_page: Page, live_server, reference_data, screenshot_dir, request
):
    page = viewport_page
    size = request.node.callspec.params["viewport_page"]
    errors = watch_errors(page)
    county, cases = build_county()

    log_in(page, live_server, county.commander, "/reporting/dashboard/")
    assert_charts_drawn(page)
    expect(page.get_by_test_id("kpi-open")).to_have_text("7")
    expect(page.get_by_test_id("kpi-red")).to_have_text("2")
    expect(page.get_by_test_id("kpi-orange")).to_have_text("2")
    children = page.get_by_test_id("children")
    expect(children).to_contain_text(county.east.station.name)
    expect(children).to_contain_text(county.west.station.name)
    page.screenshot(path=screenshot_dir / f"dashboard-commander-{size}.png", full_page=True)
    assert_no_horizontal_scroll(page)

    # Drill down to the west station: its numbers only.
    children.get_by_role("link", name=county.west.station.name).click()
    expect(page.get_by_test_id("dashboard-unit")).to_have_text(county.west.station.name)
    assert_charts_drawn(page)
    expect(page.get_by_test_id("kpi-open")).to_have_text("3")
    expect(page.get_by_test_id("kpi-red")).to_have_text("0")

    open_dashboard(page, live_server, wall=True)
    expect(page.get_by_test_id("kpi-open")).to_have_text("7")
    if size == "wall":  # the command centre's screen holds every panel without scrolling
        assert page.evaluate("document.documentElement.scrollHeight") <= WALL["height"]
    page.screenshot(path=screenshot_dir / f"dashboard-wall-commander-{size}.png", full_page=False)

    page.goto(f"{live_server.url}/reporting/map/")
    expect(page.locator("#grid-map path.leaflet-interactive")).to_have_count(2)
    expect(page.locator(f'#grid-map path[data-grid="{county.west.grid.code}"]')).to_have_attribute(
        "data-level", "orange"
    )
    # The list beside the map loads a grid's cases too (the keyboard's way in).
    page.locator(f'[data-testid="grids-at-risk"] [data-grid="{county.west.grid.code}"]').click()
    expect(page.get_by_test_id("grid-cases")).to_contain_text("工资拖欠")
    page.screenshot(path=screenshot_dir / f"map-commander-{size}.png", full_page=True)
    assert_no_horizontal_scroll(page, clipped_by=".leaflet-container")
    assert not errors, "the pages did not load cleanly:\n" + "\n".join(errors)
