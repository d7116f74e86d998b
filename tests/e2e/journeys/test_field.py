"""The field roles' journeys (issue 12), on a phone (375×812) and at a desk (1440×900).

One dispute's whole life, role by role, as each would use Concord:

(a) the grid worker registers a dispute with two parties and a photo, then submits the period's
    report (零报告) for the grid;
(b) the community officer assesses it with the escalation checklist, takes it on (交办), and refers it
    to the township's mediation committee (警调对接);
(c) the mediator accepts the referral, records a session and the agreement;
(d) the officer records the outcome (化解) and the follow-up visit that finds 事心双解, and asks for
    closure (销号);
(e) the station chief approves the closure.

Every key page is checked by `journey.key_page` (axe, no sideways scroll on the phone, a screenshot the
user guide embeds). Smaller tests: the "nothing found" nil report, and field errors shown in Chinese
beside their fields.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone

from concord.disputes import services
from concord.disputes.models import Dispute, DisputeEvent
from concord.intake.screening import NilReport
from concord.mediation import services as mediation_services
from concord.mediation.models import Agreement, FollowUpVisit, MediationSession, Referral
from tests.e2e.a11y import assert_accessible
from tests.e2e.checks import assert_no_horizontal_scroll, assert_tap_targets
from tests.e2e.conftest import ARTIFACTS_DIR
from tests.e2e.journeys.conftest import WIDTH
from tests.factories import make_county, mediation_body, mediator, register_dispute

try:
    from playwright.sync_api import expect
except ImportError:
    expect = None

pytestmark = pytest.mark.browser

# A 1×1 PNG: the "photo" a grid worker takes of the blocked ditch.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
TITLE = "东村张李两户排水沟堵塞纠纷"
BODY = "东镇人民调解委员会"
CHINESE = re.compile("[\u4e00-\u9fff]")


def key_page(journey, name: str, show=None) -> None:
    """The journey's key-page checks, standalone links included in the phone's tap-target check.

    `show`: the part of the page the desk screenshot (one screen high) should start with; without
    it, the top of the page."""
    page = journey.page
    if show is None:
        page.evaluate("window.scrollTo(0, 0)")
    else:
        show.evaluate("element => element.scrollIntoView({block: 'start'})")
    journey.key_page(name, links=True)


def check_here(journey, name: str) -> None:
    """A page that is not a key page: axe, and on the phone no sideways scroll and no control too
    small for a finger; its screenshot goes to test-artifacts/ only, never to the guide."""
    page = journey.page
    assert_accessible(page)
    if journey.size == "phone":
        assert_no_horizontal_scroll(page)
        assert_tap_targets(page, links=True)
    folder = ARTIFACTS_DIR / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=folder / f"{name}-{WIDTH[journey.size]}.png", full_page=journey.size == "phone"
    )


def name_people(county, member) -> None:
    """Names as on a real roster, for the screenshots of the user guide."""
    for user, name in (
        (county.east.grid_worker, "赵红梅"),
        (county.east.officer, "刘建国"),
        (county.east.chief, "陈志强"),
        (member, "王秀兰"),
    ):
        user.display_name = name
        user.save(update_fields=["display_name"])


def follow(target) -> None:
    """Click a link or a submit button once the page has finished loading (leaving earlier would cut
    short the loading of its styles and scripts), and wait for the page it leads to to load."""
    target.page.wait_for_load_state()
    target.click()
    target.page.wait_for_load_state()


def go_to(journey, label: str) -> None:
    """Open a page from the main navigation, through the menu button where the phone folds it away."""
    page = journey.page
    page.wait_for_load_state()
    nav = page.get_by_role("navigation", name="主导航")
    toggler = nav.get_by_role("button", name="菜单")
    if toggler.is_visible():
        toggler.click()
    follow(nav.get_by_role("link", name=label, exact=True))


def open_case(journey, title: str = TITLE) -> None:
    """From the dispute ledger, open the case by its title."""
    go_to(journey, "矛盾纠纷台账")
    follow(journey.page.get_by_test_id("dispute-list").get_by_role("link", name=re.compile(title)))
    expect(journey.page.get_by_test_id("case-title")).to_have_text(title)


def action_form(journey, label: str):
    """Unfold the "next step" whose summary reads `label`; returns its <details> element."""
    journey.page.wait_for_load_state()
    actions = journey.page.get_by_test_id("actions")
    details = actions.locator("details").filter(
        has=journey.page.locator("summary", has_text=re.compile(rf"^\s*{label}\s*$"))
    )
    details.locator("summary").click()
    expect(details).to_have_attribute("open", "")
    return details


def timeline_actions(dispute: Dispute) -> list[str]:
    return list(DisputeEvent.objects.filter(dispute=dispute).values_list("action", flat=True))


# --- the whole life of one case --------------------------------------------------------------------


def grid_worker_registers_and_reports(journey, county) -> Dispute:
    """(a) The grid worker, in the lane: registers the dispute, then the period's report."""
    page, east = journey.page, county.east
    journey.login(east.grid_worker, "/")
    go_to(journey, "登记纠纷")
    expect(page.get_by_role("heading", level=1)).to_have_text("登记纠纷")

    page.get_by_label("纠纷类型").select_option(label="邻里纠纷")
    page.get_by_label("标题").fill(TITLE)
    expect(page.get_by_label("网格")).to_have_value(str(east.grid.pk))
    page.get_by_label("简要情况").fill(
        "张家与李家共用的排水沟堵塞，雨后积水倒灌，两户发生口角，无肢体冲突。"
    )
    first, second = page.get_by_test_id("party-0"), page.get_by_test_id("party-1")
    first.get_by_label("姓名").fill("张三")
    first.get_by_label("电话").fill("13800138000")
    second.get_by_label("姓名").fill("李四")
    second.locator("select").and_(second.get_by_label("身份", exact=False)).select_option(
        "respondent"
    )
    second.get_by_label("电话").fill("13900139000")
    page.get_by_label("照片或材料").set_input_files(
        {"name": "排水沟.png", "mimeType": "image/png", "buffer": PNG}
    )
    key_page(journey, "grid-worker-register")
    follow(page.get_by_role("button", name="登记", exact=True))

    expect(page.get_by_role("alert")).to_contain_text("已登记，案件编号")
    dispute = Dispute.objects.get(title=TITLE)
    expect(page).to_have_url(re.compile(rf"/disputes/{dispute.case_number}/$"))
    expect(page.get_by_test_id("case-status")).to_have_text("已登记")
    expect(page.get_by_test_id("parties")).to_contain_text("张三")
    expect(page.get_by_test_id("parties")).to_contain_text("李四")
    expect(page.get_by_test_id("parties")).to_contain_text("138****8000")
    expect(page.get_by_role("link", name="排水沟.png")).to_be_visible()
    expect(page.get_by_test_id("timeline")).to_contain_text("登记")
    key_page(journey, "grid-worker-case")
    assert dispute.status == "registered" and dispute.level == "yellow"
    assert [p.name for p in dispute.parties.order_by("pk")] == ["张三", "李四"]
    assert dispute.attachments.get().original_name == "排水沟.png"

    # The period's report: the grid raised a dispute this week, so it reports it, not "nothing".
    go_to(journey, "零报告")
    card = page.get_by_test_id("report-card")
    expect(card).to_contain_text(east.grid.name)
    expect(card.get_by_test_id("has-disputes")).to_contain_text("1 条线索或纠纷")
    card.get_by_label("备注（选填）").fill("已当场劝解，登记后移交社区民警。")
    key_page(journey, "grid-worker-nil-report")
    follow(card.get_by_role("button", name="报送 1 条线索或纠纷"))
    expect(page.get_by_role("alert")).to_contain_text("1 条线索或纠纷")
    expect(page.get_by_test_id("reported")).to_contain_text("已报告：1 条线索或纠纷。")
    report = NilReport.objects.get(grid=east.grid)
    assert (report.kind, report.disputes_count, report.reported_by) == (
        NilReport.Kind.DISPUTES,
        1,
        east.grid_worker,
    )
    return dispute


def officer_assesses_assigns_and_refers(journey, county, dispute: Dispute) -> Referral:
    """(b) The community officer: the escalation checklist, takes the case on, refers it."""
    page, officer = journey.page, county.east.officer
    journey.login(officer, "/")
    open_case(journey)
    expect(page.get_by_test_id("case-status")).to_have_text("已登记")

    follow(page.get_by_role("link", name="按风险研判清单研判"))
    expect(page.get_by_role("heading", level=1)).to_have_text("风险研判")
    result = page.get_by_test_id("risk-result")
    expect(result).to_have_attribute("data-level", "yellow")
    page.get_by_label("当事人是否酗酒、吸毒，或常在酒后闹事？").check()
    expect(page.get_by_test_id("risk-reasons")).not_to_be_empty()
    expect(page.get_by_test_id("risk-result")).to_have_attribute("data-level", "yellow")
    page.get_by_label("研判理由（每行一条）").fill("两户邻里口角，无暴力史\n李四酒后易冲动，需关注")
    key_page(journey, "officer-assess")
    follow(page.get_by_role("button", name="保存研判"))

    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_test_id("case-status")).to_have_text("已研判")
    expect(page.get_by_test_id("assessment")).to_contain_text("李四酒后易冲动")
    dispute.refresh_from_db()
    assert dispute.status == "assessed" and dispute.level == "yellow"
    assert dispute.assessment.answers["substance"] is True

    assign = action_form(journey, "交办")
    assign.get_by_label("责任人").select_option(label=str(officer))
    follow(assign.get_by_role("button", name="确定"))
    expect(page.get_by_test_id("case-status")).to_have_text("已交办")
    expect(page.get_by_test_id("owner")).to_have_text(str(officer))
    key_page(journey, "officer-case")

    refer = action_form(journey, "移交调解")
    refer.get_by_label(BODY).check()
    refer.get_by_label("对接方式").select_option(label="警调对接")
    refer.get_by_label("委托调解事项").fill("请就排水沟疏通费用分担和今后维护组织调解。")
    key_page(journey, "officer-refer", show=refer)
    follow(refer.get_by_role("button", name="确定"))
    expect(page.get_by_test_id("case-status")).to_have_text("调处中")
    referrals = page.get_by_test_id("referrals")
    expect(referrals).to_contain_text(BODY)
    expect(referrals).to_contain_text("已移交，待受理")

    dispute.refresh_from_db()
    assert (dispute.status, dispute.owner) == ("mediating", officer)
    referral = Referral.objects.get(dispute=dispute)
    assert (referral.body.name, referral.state, referral.route) == (BODY, "referred", "police")
    return referral


def mediator_mediates(journey, county, dispute: Dispute, referral: Referral, member) -> Agreement:
    """(c) The mediator: the inbox, accepts the referral, records a session and the agreement."""
    page = journey.page
    journey.login(member, "/")
    go_to(journey, "调解待办")
    inbox = page.get_by_test_id("inbox")
    expect(inbox.get_by_role("link")).to_have_count(1)
    expect(inbox).to_contain_text(TITLE)
    expect(inbox).to_contain_text("已移交，待受理")
    key_page(journey, "mediator-inbox")

    follow(inbox.get_by_role("link", name=re.compile(TITLE)))
    expect(page.get_by_test_id("referral-state")).to_have_text("已移交，待受理")
    expect(page.get_by_test_id("referral-note")).to_contain_text("排水沟疏通费用")
    follow(page.get_by_role("button", name="受理"))
    expect(page.get_by_role("alert")).to_contain_text("已受理")
    expect(page.get_by_test_id("referral-state")).to_have_text("已受理")
    key_page(journey, "mediator-referral")

    session = page.locator("details[data-form=session]")
    session.locator("summary").click()
    expect(session.get_by_label(str(member))).to_be_checked()
    session.get_by_label("地点").fill("东村村委会调解室")
    session.get_by_label("参加人员").fill("张三、李四、村调解员")
    session.get_by_label("调解情况").fill(
        "双方同意共同出资疏通排水沟，张三多承担因其堆放杂物造成的部分。"
    )
    session.get_by_label("调解结果").select_option(label="达成协议")
    follow(session.get_by_role("button", name="保存调解记录"))
    expect(page.get_by_role("alert")).to_contain_text("调解记录已保存")
    expect(page.get_by_test_id("sessions")).to_contain_text("东村村委会调解室")

    agreement_form = page.locator("details[data-form=agreement]")
    agreement_form.locator("summary").click()
    expect(agreement_form.get_by_label("协议形式")).to_have_value("written")
    agreement_form.get_by_label("纠纷主要事实及争议事项").fill(
        "张李两户共用排水沟因杂物堵塞，雨后积水倒灌李家院落，双方就疏通费用发生争执。"
    )
    agreement_form.get_by_label("协议内容（每行一条）").fill(
        "张三承担疏通费用八百元\n今后排水沟由两户轮流每月清理一次"
    )
    agreement_form.get_by_label("金额（元）").first.fill("800")  # the agreement's; rows follow
    row = agreement_form.get_by_test_id("instalment-row").first
    row.get_by_label("履行内容").fill("张三向李四支付疏通费用")
    due = timezone.localdate() + dt.timedelta(days=7)
    row.get_by_label("履行期限").fill(due.isoformat())
    row.get_by_label("金额（元）").fill("800")
    key_page(journey, "mediator-agreement", show=agreement_form)
    follow(agreement_form.get_by_role("button", name="保存调解协议"))

    expect(page.get_by_role("alert")).to_contain_text("调解协议")
    expect(page.get_by_test_id("referral-state")).to_have_text("调解成功（达成协议）")
    agreement = Agreement.objects.get(dispute=dispute)
    expect(page.get_by_test_id("agreement-number")).to_have_text(agreement.number)
    expect(page.get_by_test_id(f"schedule-{agreement.pk}")).to_contain_text(
        "张三向李四支付疏通费用"
    )
    assert agreement.form == "written" and agreement.amount == 800
    assert list(agreement.instalments.values_list("due_on", flat=True)) == [due]
    assert MediationSession.objects.get(referral=referral).result == "agreed"
    referral.refresh_from_db()
    assert referral.state == "succeeded"
    return agreement


def officer_follows_up(journey, county, dispute: Dispute) -> None:
    """(d) The officer: the outcome, the follow-up visit (事心双解), and the request for closure."""
    page, officer = journey.page, county.east.officer
    journey.login(officer, "/")
    open_case(journey)
    expect(page.get_by_test_id("agreements")).to_contain_text("张三承担疏通费用八百元")

    outcome = action_form(journey, "登记处置结果")
    outcome.get_by_label("处置结果").select_option(label="化解")
    outcome.get_by_label("处置情况").fill("经东镇人民调解委员会调解达成书面协议，排水沟已疏通。")
    follow(outcome.get_by_role("button", name="确定"))
    expect(page.get_by_test_id("case-status")).to_have_text("已化解")

    visit = action_form(journey, "登记回访")
    visit.get_by_label("回访方式").select_option(label="当面回访")
    visit.get_by_label("回访对象").fill("张三、李四")
    visit.get_by_label("回访情况").fill("排水沟通畅，两户已和好，李四表示不再计较。")
    visit.get_by_label("事了（纠纷事项已解决）").check()
    visit.get_by_label("心结解开（当事人已无怨气）").check()
    visit.get_by_label("满意度").select_option(label="满意")
    key_page(journey, "officer-visit", show=visit)
    follow(visit.get_by_role("button", name="确定"))
    expect(page.get_by_test_id("case-status")).to_have_text("回访中")
    visits = page.get_by_test_id("visits")
    expect(visits).to_contain_text("两户已和好")
    expect(visits).to_contain_text("事了")
    expect(visits).to_contain_text("心结解开")
    expect(page.get_by_test_id("closure-missing")).to_have_count(0)

    request = action_form(journey, "申请销号")
    follow(request.get_by_role("button", name="确定"))
    expect(page.get_by_test_id("case-status")).to_have_text("待销号审批")
    visit_row = FollowUpVisit.objects.get(dispute=dispute)
    assert visit_row.matter_settled and visit_row.grievance_settled
    dispute.refresh_from_db()
    assert dispute.status == "closure_requested" and dispute.outcome_note


def chief_approves_closure(journey, county, dispute: Dispute) -> None:
    """(e) The station chief: approves the closure (销号)."""
    page = journey.page
    journey.login(county.east.chief, "/")
    open_case(journey)
    expect(page.get_by_test_id("case-status")).to_have_text("待销号审批")
    approve = action_form(journey, "批准销号")
    approve.get_by_label("备注").fill("材料齐全，同意销号。")
    key_page(journey, "chief-closure")
    follow(approve.get_by_role("button", name="确定"))
    expect(page.get_by_test_id("case-status")).to_have_text("已销号")
    timeline = page.get_by_test_id("timeline")
    for step in (
        *("登记", "添加附件", "研判", "交办", "移交调解", "调解组织受理", "调解记录"),
        *("登记调解协议", "登记处置结果", "登记回访", "申请销号", "批准销号"),
    ):
        expect(timeline).to_contain_text(step)
    expect(timeline.locator("li").last).to_contain_text("材料齐全，同意销号。")
    dispute.refresh_from_db()
    assert dispute.status == "closed" and dispute.closed_at is not None


def test_a_dispute_from_the_lane_to_closure(journey, page_errors):
    county = make_county()
    member = mediator(county.east.station)
    mediation_body(county.east.station, name=BODY, members=[member])
    name_people(county, member)

    dispute = grid_worker_registers_and_reports(journey, county)
    referral = officer_assesses_assigns_and_refers(journey, county, dispute)
    mediator_mediates(journey, county, dispute, referral, member)
    officer_follows_up(journey, county, dispute)
    chief_approves_closure(journey, county, dispute)

    assert timeline_actions(dispute) == [
        "register",
        "attachment_add",  # the photo
        "assess",
        "assign",
        "refer",
        "referral_accept",
        "mediation_session",
        "agreement_record",
        "record_outcome",
        "follow_up",
        "request_closure",
        "approve_closure",
    ]
    assert not page_errors, "\n".join(page_errors)


# --- smaller journeys ------------------------------------------------------------------------------


def test_a_grid_with_nothing_found_reports_it_in_one_tap(journey, page_errors):
    county = make_county()
    page = journey.page
    journey.login(county.west.grid_worker, "/")
    go_to(journey, "零报告")
    card = page.get_by_test_id("report-card")
    expect(card).to_contain_text(county.west.grid.name)
    follow(card.get_by_role("button", name=re.compile("未发现纠纷")))
    expect(page.get_by_test_id("reported")).to_contain_text("已报告：未发现纠纷。")
    expect(page.get_by_test_id("history")).to_contain_text("未发现纠纷")
    report = NilReport.objects.get(grid=county.west.grid)
    assert report.kind == NilReport.Kind.NOTHING_FOUND and report.disputes_count == 0
    assert not page_errors, "\n".join(page_errors)


def test_field_errors_show_in_chinese_beside_their_fields(journey, page_errors):
    """A judgement without reasons, a session saved blank, a visit without what it found: each
    error is said in Chinese inside the field's own block, the field is marked invalid, and what
    was typed stays."""
    county = make_county()
    east = county.east
    member = mediator(east.station)
    body = mediation_body(east.station, name=BODY, members=[member])
    page = journey.page
    dispute = register_dispute(east, title=TITLE)

    # The officer's own judgement on the checklist, without saying why.
    journey.login(east.officer, f"/disputes/{dispute.case_number}/assess/")
    page.get_by_label("将等级定为").select_option("orange")
    follow(page.get_by_role("button", name="保存研判"))
    reasons = page.get_by_label("研判理由（每行一条）")
    expect(reasons).to_have_attribute("aria-invalid", "true")
    expect(reasons.locator("xpath=..").get_by_role("alert")).to_have_text(CHINESE)
    expect(page.get_by_label("将等级定为")).to_have_value("orange")
    check_here(journey, "errors-assess")
    dispute.refresh_from_db()
    assert dispute.status == "registered"

    dispute = services.dispute_assess(
        actor=east.officer,
        dispute=dispute,
        expected_version=dispute.version,
        level="yellow",
        reasons=["邻里口角"],
    )
    dispute = services.dispute_assign(
        actor=east.officer, dispute=dispute, expected_version=dispute.version, owner=east.officer
    )
    (referral,) = mediation_services.referral_create(
        actor=east.officer, dispute=dispute, expected_version=dispute.version, bodies=[body]
    )
    mediation_services.referral_accept(actor=member, referral=referral)

    # The mediator's session, saved blank.
    journey.login(member, f"/mediation/referrals/{referral.pk}/")
    session = page.locator("details[data-form=session]")
    session.locator("summary").click()
    follow(session.get_by_role("button", name="保存调解记录"))
    session = page.locator("details[data-form=session]")
    expect(session).to_have_attribute("open", "")
    for label in ("地点", "参加人员", "调解情况", "调解结果"):
        field = session.get_by_label(label)
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field.locator("xpath=..").get_by_role("alert")).to_have_text(CHINESE)
    check_here(journey, "errors-session")
    assert not MediationSession.objects.exists()

    # The officer's follow-up visit after the outcome, saved without saying what it found.
    dispute.refresh_from_db()
    services.dispute_record_outcome(
        actor=east.officer,
        dispute=dispute,
        expected_version=dispute.version,
        outcome="resolved",
        note="当场化解",
    )
    journey.login(east.officer, f"/disputes/{dispute.case_number}/")
    visit = action_form(journey, "登记回访")
    visit.get_by_label("回访对象").fill("张三")
    follow(visit.get_by_role("button", name="确定"))
    visit = page.locator("details[data-action=follow_up]")
    expect(visit).to_have_attribute("open", "")
    note = visit.get_by_label("回访情况")
    expect(note).to_have_attribute("aria-invalid", "true")
    expect(note.locator("xpath=..").get_by_role("alert")).to_have_text(CHINESE)
    expect(visit.get_by_label("回访对象")).to_have_value("张三")
    check_here(journey, "errors-visit")
    assert not FollowUpVisit.objects.filter(dispute=dispute).exists()
    # The refused forms answer 422 (Unprocessable Content), as they should; nothing else failed.
    assert all(" 422 " in e for e in page_errors), "\n".join(page_errors)
