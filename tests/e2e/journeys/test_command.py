"""The command centre's day (指挥中心/局领导), on a phone and at a desk: the commander logs in with a
second factor, reads the county's dashboard, looks at the grid map, and exports the dispute ledger
as an Excel workbook, which is checked cell by cell: the header row, one row per case in scope, and
every ID number and phone masked."""

import re

import pytest
from openpyxl import load_workbook

from concord.disputes.models import Dispute
from concord.disputes.services import PartyInput
from concord.people.masking import mask_id_number, mask_phone
from concord.reporting.ledger_export import HEADERS
from tests.factories import make_county, register_dispute
from tests.intake.ledger_fixtures import valid_id

try:
    from playwright.sync_api import expect
except ImportError:
    expect = None

pytestmark = pytest.mark.browser


ID_ZHANG = valid_id("41160319850312001")
ID_LI = valid_id("41160319900101002")
PHONE_ZHANG = "13800138000"


def build_county():
    """East: a red and a yellow case, one of them with full personal data; west: an orange case."""
    county = make_county()
    county.commander.display_name = "周国华"  # a name as on a real roster, for the user guide
    county.commander.save(update_fields=["display_name"])
    register_dispute(
        county.east,
        level="red",
        title="宅基地边界争执",
        parties=[
            PartyInput(name="张三", role="applicant", id_number=ID_ZHANG, phone=PHONE_ZHANG),
            PartyInput(name="李四", role="respondent", id_number=ID_LI),
        ],
    )
    register_dispute(county.east, level="yellow", title="排水沟堵塞")
    register_dispute(county.west, level="orange", category="labour", title="工资拖欠")
    return county


def test_a_commander_reads_the_dashboard_and_the_map_and_exports_the_ledger(
    journey, page_errors, tmp_path
):
    page = journey.page
    county = build_county()
    in_scope = Dispute.objects.count()

    # The login page, as anyone first sees it.
    page.goto(journey.url("/accounts/login/"))
    expect(page.get_by_label("用户名")).to_be_visible()
    journey.key_page("login")

    # Password, then the one-time code of the authenticator app (conftest computes it).
    journey.login(county.commander, "/reporting/dashboard/")
    page.wait_for_url(journey.url("/reporting/dashboard/"))
    expect(page.get_by_test_id("dashboard")).to_be_visible()
    expect(page.get_by_test_id("kpi-open")).to_have_text(str(in_scope))
    expect(page.get_by_test_id("kpi-red")).to_have_text("1")
    children = page.get_by_test_id("children")
    expect(children).to_contain_text(county.east.station.name)
    expect(children).to_contain_text(county.west.station.name)
    expect(page.get_by_test_id("metrics")).to_be_visible()  # the rates strip, loaded by htmx
    page.wait_for_function("() => document.querySelector('[data-chart] canvas')")
    page.wait_for_timeout(800)  # the charts animate their first frame in
    journey.key_page("commander-dashboard")

    # The grid map: both grids drawn, the east one red; the list beside it opens a grid's cases.
    page.goto(journey.url("/reporting/map/"))
    expect(page.locator("#grid-map path.leaflet-interactive")).to_have_count(2)
    expect(page.locator(f'#grid-map path[data-grid="{county.east.grid.code}"]')).to_have_attribute(
        "data-level", "red"
    )
    page.locator(f'[data-testid="grids-at-risk"] [data-grid="{county.east.grid.code}"]').click()
    expect(page.get_by_test_id("grid-cases")).to_contain_text("宅基地边界争执")
    journey.key_page("commander-map", clipped_by=".leaflet-container")

    # The ledger: every case of the county, and its export button.
    page.goto(journey.url("/disputes/"))
    expect(page.get_by_test_id("count")).to_contain_text(str(in_scope))
    expect(page.get_by_test_id("dispute-list").locator("a")).to_have_count(in_scope)
    journey.key_page("commander-ledger")

    with page.expect_download() as info:
        page.get_by_test_id("export-ledger").click()
    download = info.value
    assert re.fullmatch(r"矛盾纠纷台账-\d{8}-\d{4}\.xlsx", download.suggested_filename)
    path = tmp_path / "ledger.xlsx"
    download.save_as(path)

    sheet = load_workbook(path, read_only=True).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header_at = next(i for i, r in enumerate(rows) if r and r[0] == "序号")
    assert tuple(rows[header_at][: len(HEADERS)]) == HEADERS
    data = [r for r in rows[header_at + 1 :] if any(v not in (None, "") for v in r)]
    assert len(data) == in_scope
    column = {name: i for i, name in enumerate(HEADERS)}
    assert sorted(r[column["序号"]] for r in data) == list(range(1, in_scope + 1))
    assert {r[column["案件编号"]] for r in data} == set(
        Dispute.objects.values_list("case_number", flat=True)
    )
    parties = " ".join(str(r[column["主要当事人"]] or "") for r in data)
    assert mask_id_number(ID_ZHANG) in parties and mask_id_number(ID_LI) in parties
    assert mask_phone(PHONE_ZHANG) in parties
    everything = " ".join(str(v) for r in rows for v in r if v is not None)
    for clear in (ID_ZHANG, ID_LI, PHONE_ZHANG):
        assert clear not in everything, f"{clear} is in the export unmasked"
    # A download ends its navigation as net::ERR_ABORTED: that is how Chromium hands it over.
    errors = [e for e in page_errors if not (e.endswith("ERR_ABORTED") and "/ledger/export" in e)]
    assert not errors, "the pages did not load cleanly:\n" + "\n".join(errors)
