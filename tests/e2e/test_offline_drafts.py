"""Drafts that survive a lost signal (issue 12): the grid worker's form is kept in the phone while
the network is cut, sent once when it returns, and a draft on a case changed meanwhile is shown as a
conflict, not applied."""

import re

import pytest
from django.db import transaction

from concord.disputes import services
from concord.disputes.models import Dispute, Status
from concord.intake.models import Lead
from concord.intake.screening import NilReport
from concord.mediation.models import FollowUpVisit
from tests.e2e.checks import assert_no_horizontal_scroll
from tests.factories import make_county
from tests.mediation.conftest import assigned_case

try:
    from playwright.sync_api import Page, expect
except ImportError:
    Page = expect = None

pytestmark = pytest.mark.browser

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)

# What this browser keeps (drafts.js stores its drafts in IndexedDB "concord-drafts"): per draft,
# its fields' values and its files' names.
DRAFTS = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("concord-drafts", 1);
  open.onupgradeneeded = () => open.result.createObjectStore("drafts", { keyPath: "key" });
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const all = open.result.transaction("drafts").objectStore("drafts").getAll();
    all.onsuccess = () => {
      open.result.close();
      resolve(all.result.map(d => ({
        state: d.state,
        values: d.fields.map(f => f.value),
        files: d.files.map(f => f.filename),
      })));
    };
  };
})"""


def _drafts_kept(page: Page) -> list[dict]:
    return page.evaluate(DRAFTS)


def _wait_for_draft(page: Page, *, value: str, file: str | None = None) -> None:
    """Until the draft holds `value` (and `file`): it is saved a moment after typing stops."""

    def holds() -> bool:
        return any(
            value in d["values"] and (file is None or file in d["files"])
            for d in _drafts_kept(page)
        )

    for _ in range(50):
        if holds():
            return
        page.wait_for_timeout(100)
    assert holds(), _drafts_kept(page)


def _sign_in(page: Page, live_server, user, next_url: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill("Concord-test-2026")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(next_url) + "$"))


def _fill_registration(page: Page, *, photo: bool = True) -> None:
    page.get_by_label("纠纷类型").select_option(label="邻里纠纷")
    page.get_by_label("标题").fill("东村两户排水沟纠纷")
    page.get_by_label("简要情况").fill("两户因排水沟堵塞发生口角，无肢体冲突。")
    page.get_by_test_id("party-0").get_by_label("姓名").fill("张三")
    page.get_by_test_id("party-1").get_by_label("姓名").fill("李四")
    if photo:
        page.get_by_label("照片或材料").set_input_files(
            {"name": "scene.png", "mimeType": "image/png", "buffer": PNG}
        )


def _js_errors(errors: list[str]) -> list[str]:
    # While the network is cut the notification bell's polling may fail; that is not a page error.
    return [e for e in errors if e.startswith("JavaScript error")]


def test_a_dispute_registered_without_network_arrives_once_when_it_returns(
    page: Page, live_server, reference_data, page_errors, screenshot_dir
):
    county = make_county()
    _sign_in(page, live_server, county.east.grid_worker, "/disputes/new/")

    page.context.set_offline(True)
    _fill_registration(page)
    page.get_by_role("button", name="登记", exact=True).click()

    status = page.get_by_test_id("draft-status")
    expect(status).to_contain_text("已保存为草稿，网络恢复后自动提交")
    expect(status).to_have_attribute("role", "status")
    page.screenshot(path=screenshot_dir / "draft-offline-375.png", full_page=True)
    assert_no_horizontal_scroll(page)
    assert Dispute.objects.count() == 0
    assert [draft["state"] for draft in _drafts_kept(page)] == ["queued"]

    page.context.set_offline(False)
    expect(page.get_by_role("alert")).to_contain_text("已登记，案件编号")
    dispute = Dispute.objects.get()
    expect(page).to_have_url(re.compile(rf"/disputes/{dispute.case_number}/$"))
    expect(page.get_by_role("link", name="scene.png")).to_be_visible()
    assert Dispute.objects.count() == 1
    assert [p.name for p in dispute.parties.all()] == ["张三", "李四"]
    assert _drafts_kept(page) == []
    assert not _js_errors(page_errors), "\n".join(page_errors)


def test_a_draft_sent_again_after_its_answer_was_lost_opens_one_case(
    page: Page, live_server, reference_data, page_errors
):
    """The signal drops after the server took the draft but before the answer came back: the
    phone sends it again, and the server recognises the draft's token."""
    county = make_county()
    _sign_in(page, live_server, county.east.grid_worker, "/disputes/new/")
    _fill_registration(page, photo=False)

    def answer_lost(route):
        if route.request.method != "POST":
            route.continue_()
            return
        route.fetch()  # the server registers the case…
        route.abort("internetdisconnected")  # …and the answer never reaches the phone

    page.route("**/disputes/new/", answer_lost)
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.get_by_test_id("draft-status")).to_contain_text("无法连接服务器")
    assert Dispute.objects.count() == 1
    page.unroute("**/disputes/new/")

    page.context.set_offline(True)  # the phone notices the network…
    page.context.set_offline(False)  # …coming back, and sends the kept draft again
    # The first arrival's message waited in the session; the second arrival says it was not repeated.
    expect(page.get_by_role("alert").filter(has_text="未重复记录")).to_be_visible()
    dispute = Dispute.objects.get()
    expect(page).to_have_url(re.compile(rf"/disputes/{dispute.case_number}/$"))
    assert _drafts_kept(page) == []
    assert not _js_errors(page_errors), "\n".join(page_errors)


def test_a_draft_typed_without_network_is_restored_with_its_photo_after_a_reload(
    page: Page, live_server, reference_data, page_errors
):
    county = make_county()
    _sign_in(page, live_server, county.east.grid_worker, "/disputes/new/")
    page.context.set_offline(True)
    _fill_registration(page)
    _wait_for_draft(page, value="李四", file="scene.png")  # kept as typed, before any submit

    # Without a service worker a page cannot load with no network: the reload comes once it returns.
    page.context.set_offline(False)
    page.reload()
    expect(page.get_by_test_id("draft-status")).to_contain_text("已恢复本机于")
    expect(page.get_by_label("标题")).to_have_value("东村两户排水沟纠纷")
    expect(page.get_by_label("纠纷类型")).to_have_value(re.compile(r"\d+"))
    expect(page.get_by_test_id("party-1").get_by_label("姓名")).to_have_value("李四")
    assert page.get_by_label("照片或材料").evaluate(
        "input => [...input.files].map(f => [f.name, f.size])"
    ) == [["scene.png", len(PNG)]]
    assert Dispute.objects.count() == 0  # a draft never submitted is not sent by itself

    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("已登记，案件编号")
    dispute = Dispute.objects.get()
    assert dispute.attachments.get().original_name == "scene.png"
    assert not _js_errors(page_errors), "\n".join(page_errors)


def test_a_submitted_draft_survives_closing_the_page_and_is_sent_when_the_form_is_opened(
    page: Page, live_server, reference_data
):
    county = make_county()
    _sign_in(page, live_server, county.east.grid_worker, "/disputes/new/")
    page.context.set_offline(True)
    _fill_registration(page, photo=False)
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.get_by_test_id("draft-status")).to_contain_text("已保存为草稿")
    context = page.context
    page.close()

    context.set_offline(False)
    later = context.new_page()
    later.goto(f"{live_server.url}/disputes/new/")
    expect(later.get_by_role("alert")).to_contain_text("已登记，案件编号")
    assert Dispute.objects.count() == 1
    assert _drafts_kept(later) == []


def test_the_grid_workers_report_and_nil_report_wait_for_the_network_and_arrive_once(
    page: Page, live_server, reference_data, page_errors
):
    county = make_county()
    worker = county.east.grid_worker
    _sign_in(page, live_server, worker, "/intake/report/")
    page.context.set_offline(True)
    page.get_by_label("发现了什么情况？").fill("张庄村两户因宅基地边界吵架")
    page.get_by_role("button", name="上报", exact=True).click()
    expect(page.get_by_test_id("draft-status")).to_contain_text("已保存为草稿")
    assert Lead.objects.count() == 0
    page.context.set_offline(False)
    expect(page.get_by_role("alert")).to_contain_text("已上报")
    assert Lead.objects.get().text == "张庄村两户因宅基地边界吵架"

    Lead.objects.all().delete()  # a report with disputes is another test's; here: nothing found
    page.goto(f"{live_server.url}/intake/screening/")
    page.context.set_offline(True)
    card = page.get_by_test_id("report-form")
    card.get_by_label("备注（选填）").fill("已走访全部农户")
    card.get_by_role("button", name="本周未发现纠纷").click()
    expect(card.get_by_test_id("draft-status")).to_contain_text("已保存为草稿")
    assert NilReport.objects.count() == 0
    page.context.set_offline(False)
    expect(page.get_by_test_id("reported")).to_contain_text("已报告：未发现纠纷")
    report = NilReport.objects.get()
    assert (report.reported_by, report.note) == (worker, "已走访全部农户")
    assert _drafts_kept(page) == []
    assert not _js_errors(page_errors), "\n".join(page_errors)


def _resolved_case(county) -> Dispute:
    d = assigned_case(county)
    return services.dispute_record_outcome(
        actor=county.east.officer,
        dispute=d,
        expected_version=d.version,
        outcome=Status.RESOLVED,
        note="调解成功",
    )


def test_a_visit_drafted_offline_on_a_case_changed_meanwhile_shows_the_conflict_not_applied(
    page: Page, live_server, reference_data, page_errors, screenshot_dir
):
    county = make_county()
    d = _resolved_case(county)
    worker = county.east.grid_worker
    _sign_in(page, live_server, worker, f"/disputes/{d.case_number}/")
    visit = page.locator("details[data-action=follow_up]")
    visit.locator("summary").click()

    page.context.set_offline(True)
    visit.get_by_label("回访方式").select_option("in_person")
    visit.get_by_label("回访情况").fill("网格员上门回访：双方又因排水沟争吵")
    visit.get_by_role("button", name="确定").click()
    expect(visit.get_by_test_id("draft-status")).to_contain_text("已保存为草稿")

    # Meanwhile, at the station, the case officer records a visit of their own.
    with transaction.atomic():
        services.dispute_step(
            "follow_up",
            actor=county.east.officer,
            dispute=d,
            expected_version=d.version,
            target=Status.FOLLOWING_UP,
            note="社区民警电话回访，双方和好",
        )
    d.refresh_from_db()
    changed = d.version

    page.context.set_offline(False)
    conflict = page.get_by_test_id("draft-conflict")
    expect(conflict).to_contain_text("未提交：您离线期间案件已被修改")
    expect(conflict.get_by_test_id("conflict-changes")).to_contain_text(
        "社区民警电话回访，双方和好"
    )
    expect(conflict.get_by_test_id("conflict-draft")).to_contain_text(
        "网格员上门回访：双方又因排水沟争吵"
    )
    page.screenshot(path=screenshot_dir / "draft-conflict-375.png", full_page=True)
    assert_no_horizontal_scroll(page)

    # Nothing of the draft reached the case; the draft is kept for review.
    d.refresh_from_db()
    assert d.version == changed
    assert not FollowUpVisit.objects.filter(dispute=d, visited_by=worker).exists()
    assert not d.events.filter(actor=worker, action="follow_up").exists()
    assert [draft["state"] for draft in _drafts_kept(page)] == ["conflict"]

    # Reviewing: the case as it is now, with the draft back in its form, sent only when confirmed.
    conflict.get_by_role("link", name="刷新案件并核对草稿").click()
    visit = page.locator("details[data-action=follow_up]")
    expect(visit.get_by_test_id("draft-status")).to_contain_text("草稿未提交")
    expect(visit.get_by_label("回访情况")).to_have_value("网格员上门回访：双方又因排水沟争吵")
    expect(page.get_by_test_id("timeline")).to_contain_text("社区民警电话回访，双方和好")
    assert not FollowUpVisit.objects.filter(dispute=d, visited_by=worker).exists()
    visit.get_by_role("button", name="确定").click()
    expect(page.get_by_role("alert")).to_contain_text("已完成：登记回访")
    assert FollowUpVisit.objects.filter(dispute=d, visited_by=worker).count() == 1
    assert _drafts_kept(page) == []
    assert not _js_errors(page_errors), "\n".join(page_errors)
