"""Briefs on a hand-built week whose figures are worked out below.

The week of Monday 2026-11-16 to Sunday 2026-11-22 in the east station (metrics period
[2026-11-16, 2026-11-23)); the previous week is 11-09…11-15.

case  found        level            outcome              in the week
E1    11-16 10:00  yellow           resolved 11-18       closed 11-20
E2    11-17 09:00  red (leader)     contained 11-19      an instalment missed 11-22
E3    11-19 00:00  orange           —                    raised yellow → orange 11-20
E4    11-21 00:00  yellow           —                    closed 03:00 and reopened 06:00 on 11-21
P1    11-10        yellow           resolved 11-12       closed 11-13, reopened 11-25 (after the week)
P2    11-11        red              —                    raised yellow → red 11-20
P3    11-12        yellow           —
W1    11-18        red, in the west station (outside the east chief's scope)

This week: found 4 (yellow 2, red 1, orange 1); resolved 1 (E1), contained 1 (E2)
→ 化解率 1/4 = 25.0%, 稳控率 2/4 = 50.0%. Ever closed E1, E4; reopened E4 → 复发率 1/2 = 50.0%.
Tasks due in the week: C3 E2 first contact 11-17 12:00 done 11:00; F1 E1 follow-up 11-19 done
11-18; C1 E3 first contact 11-19 12:00 done 14:00 (late); C2 E4 first contact 11-21 12:00 done
10:00; F2 E2 follow-up 11-21 still open (late) → 超期率 2/5 = 40.0%, 回访完成率 1/2 = 50.0%.
The grid's one whole week has no nil report → 零报告完整率 0/1 = 0.0%.
Previous week: found 3 (P1–P3), resolved 1 → 化解率 33.3% (so this week's 25.0% is down).

At the week's end (2026-11-23 00:00): closed in the week E1 and E4 (reopened since); open E2, E3, E4, P2, P3 (P1 was closed
then: its reopening came later) → red 2 (E2, P2), orange 1, yellow 2. New red cases E2 (found red)
and P2 (raised to red). Overdue then: F2 (open), G2 P2's follow-up due 11-12 (open), G3 P3's
follow-up due 11-14 done 11-24 (after the end) → 3. Cases to watch: P2 (red, level change), E2 (red,
instalment missed), E3 (orange, level change).
"""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from concord.audit.models import AuditEntry
from concord.disputes.models import Dispute, DisputeEvent, Level, Task
from concord.reporting import briefs, metrics
from concord.territory.models import Unit
from tests.factories import register_dispute

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=TZ)
SUNDAY = dt.date(2026, 11, 22)
START, END = dt.date(2026, 11, 16), dt.date(2026, 11, 23)
URL = "/reporting/briefs/"


def at(month, day, hour=0, minute=0):
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TZ)


def case(branch, found, *, level="yellow", title="排水沟纠纷", leader=None, outcome=None):
    d = register_dispute(branch, title=title)
    Dispute.objects.filter(pk=d.pk).update(found_at=found, level=level, lead_leader=leader)
    d.tasks.all().delete()  # the checklist below is built by hand
    if outcome:
        status, when = outcome
        DisputeEvent.objects.create(
            dispute=d, actor=branch.officer, at=when, action="record_outcome", to_status=status
        )
    d.refresh_from_db()
    return d


def event(d, action, when, **kwargs):
    return DisputeEvent.objects.create(dispute=d, actor=None, at=when, action=action, **kwargs)


def task(d, kind, due, *, done=None):
    return Task.objects.create(
        dispute=d,
        kind=kind,
        due_at=due,
        level=d.level,
        state=Task.State.DONE if done else Task.State.OPEN,
        completed_at=done,
    )


def close(d, when):
    Dispute.objects.filter(pk=d.pk).update(closed_at=when, status="closed")
    event(d, "approve_closure", when, from_status="closure_requested", to_status="closed")


@pytest.fixture
def week(county):
    east, fc, fu = county.east, Task.Kind.FIRST_CONTACT, Task.Kind.FOLLOW_UP
    e1 = case(east, at(11, 16, 10), outcome=("resolved", at(11, 18)))
    close(e1, at(11, 20))
    e2 = case(
        east,
        at(11, 17, 9),
        level="red",
        title="宅基地界址纠纷",
        leader=county.commander,
        outcome=("contained", at(11, 19)),
    )
    event(e2, "instalment_missed", at(11, 22, 1))
    e3 = case(east, at(11, 19), level="orange")
    event(e3, "change_level", at(11, 20), changes={"level": ["yellow", "orange"]})
    e4 = case(east, at(11, 21))
    close(e4, at(11, 21, 3))
    event(e4, "reopen", at(11, 21, 6), to_status="reopened")  # yellow: not a case to watch
    Dispute.objects.filter(pk=e4.pk).update(closed_at=None, status="reopened")
    p1 = case(east, at(11, 10), outcome=("resolved", at(11, 12)))
    close(p1, at(11, 13))
    event(p1, "reopen", at(11, 25), to_status="reopened")
    Dispute.objects.filter(pk=p1.pk).update(closed_at=None, status="reopened")
    p2 = case(east, at(11, 11), level="red", leader=county.commander)
    event(p2, "change_level", at(11, 20), changes={"level": ["yellow", "red"]})
    p3 = case(east, at(11, 12))
    case(county.west, at(11, 18), level="red", leader=county.commander)
    task(e2, fc, at(11, 17, 12), done=at(11, 17, 11))
    task(e1, fu, at(11, 19), done=at(11, 18))
    task(e3, fc, at(11, 19, 12), done=at(11, 19, 14))
    task(e4, fc, at(11, 21, 12), done=at(11, 21, 10))
    task(e2, fu, at(11, 21))
    task(p2, fu, at(11, 12))
    task(p3, fu, at(11, 14), done=at(11, 24))
    county.cases = {"E1": e1, "E2": e2, "E3": e3, "E4": e4, "P1": p1, "P2": p2, "P3": p3}
    return county


def east_brief(county, **kwargs):
    kwargs.setdefault("now", NOW)
    return briefs.brief_build(
        actor=county.east.chief, unit=county.east.station, period="week", ending=SUNDAY, **kwargs
    )


# --- periods and scheduling ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "ending", "first", "last"),
    [
        ("week", dt.date(2026, 11, 22), dt.date(2026, 11, 16), dt.date(2026, 11, 22)),  # a Sunday
        ("week", dt.date(2026, 11, 23), dt.date(2026, 11, 16), dt.date(2026, 11, 22)),  # Monday
        ("week", dt.date(2026, 11, 21), dt.date(2026, 11, 9), dt.date(2026, 11, 15)),  # Saturday
        ("month", dt.date(2026, 11, 30), dt.date(2026, 11, 1), dt.date(2026, 11, 30)),
        ("month", dt.date(2026, 11, 29), dt.date(2026, 10, 1), dt.date(2026, 10, 31)),
        ("month", dt.date(2027, 1, 15), dt.date(2026, 12, 1), dt.date(2026, 12, 31)),
    ],
)
def test_a_brief_covers_the_last_complete_period_up_to_its_ending(kind, ending, first, last):
    period = briefs.period_ending(kind, ending)
    assert (period.start, period.last, period.end) == (first, last, last + dt.timedelta(days=1))


def test_the_previous_period_is_the_one_just_before():
    assert briefs.period_ending("week", SUNDAY).previous().start == dt.date(2026, 11, 9)
    march = briefs.period_ending("month", dt.date(2026, 3, 31))
    assert (march.previous().start, march.previous().last) == (
        dt.date(2026, 2, 1),
        dt.date(2026, 2, 28),
    )


def test_briefs_due_on_monday_at_eight_for_the_week_just_ended(county):
    due = briefs.briefs_due(now=at(11, 23, 8))
    assert [(u.code, p, e) for u, p, e in due] == [
        (county.bureau.code, "week", SUNDAY),
        (county.east.station.code, "week", SUNDAY),
        (county.west.station.code, "week", SUNDAY),
    ]
    assert briefs.briefs_due(now=at(11, 24, 8)) == []  # Tuesday
    # An hourly job lists the Monday briefs once: not before eight, not again at nine.
    assert briefs.briefs_due(now=at(11, 23, 7, 59)) == []
    assert briefs.briefs_due(now=at(11, 23, 9)) == []
    assert len(briefs.briefs_due(now=at(11, 23, 8, 30))) == 3


def test_briefs_due_on_the_first_for_the_month_just_ended(county):
    due = briefs.briefs_due(now=at(12, 1, 8))  # 2026-12-01 is a Tuesday
    assert {(u.code, p, e) for u, p, e in due} == {
        (unit.code, "month", dt.date(2026, 11, 30))
        for unit in (county.bureau, county.east.station, county.west.station)
    }
    on_both = briefs.briefs_due(now=dt.datetime(2027, 3, 1, 8, tzinfo=TZ))  # a Monday and the 1st
    assert {(p, e) for _, p, e in on_both} == {
        ("week", dt.date(2027, 2, 28)),
        ("month", dt.date(2027, 2, 28)),
    }
    assert briefs.period_ending("month", dt.date(2027, 2, 28)).start == dt.date(2027, 2, 1)


# --- the brief -----------------------------------------------------------------------------------


def test_the_rates_are_the_metrics_modules_and_the_hand_worked_ones(week):
    brief = east_brief(week)
    m = metrics.metrics_for(
        actor=week.east.chief, start=START, end=END, now=NOW, unit_code=week.east.station.code
    )
    assert brief.metrics == m
    assert (brief.period.start, brief.period.end) == (START, END)
    rates = {line.name: line.value for line in brief.rates}
    assert rates == {name: getattr(m, name) for name in metrics.Metrics.RATES}
    assert rates == {
        "resolution_rate": 0.25,
        "containment_rate": 0.5,
        "recurrence_rate": 0.5,
        "follow_up_completion": 0.5,
        "overdue_rate": 0.4,
        "nil_completeness": 0.0,
    }
    assert {line.name: line.display for line in brief.rates} == {
        "resolution_rate": "25.0%",
        "containment_rate": "50.0%",
        "recurrence_rate": "50.0%",
        "follow_up_completion": "50.0%",
        "overdue_rate": "40.0%",
        "nil_completeness": "0.0%",
    }
    overdue = next(line for line in brief.rates if line.name == "overdue_rate")
    assert (overdue.part, overdue.whole) == (2, 5)


def test_the_previous_week_is_compared(week):
    brief = east_brief(week)
    before = metrics.metrics_for(
        actor=week.east.chief,
        start=dt.date(2026, 11, 9),
        end=START,
        now=NOW,
        unit_code=week.east.station.code,
    )
    assert brief.previous_metrics == before
    resolution = next(line for line in brief.rates if line.name == "resolution_rate")
    assert (resolution.previous, resolution.previous_display) == (0.3333, "33.3%")
    assert (resolution.change, resolution.better) == ("down", False)


def test_the_headline_counts(week):
    brief = east_brief(week)
    by_level = {line.level: (line.new, line.open_at_end) for line in brief.levels}
    assert by_level == {Level.RED: (1, 2), Level.ORANGE: (1, 1), Level.YELLOW: (2, 2)}
    assert brief.metrics.found == 4 and brief.open_at_end == 5
    assert brief.closed == 2
    cases = week.cases
    assert [d.case_number for d in brief.new_red] == [
        cases["P2"].case_number,
        cases["E2"].case_number,
    ]
    assert brief.overdue_count == 3
    assert [t.dispute for t in brief.overdue_top] == [cases["P2"], cases["P3"], cases["E2"]]
    assert [(n.dispute, n.actions) for n in brief.notable] == [
        (cases["P2"], ["change_level"]),
        (cases["E2"], ["instalment_missed"]),
        (cases["E3"], ["change_level"]),
    ]
    assert not brief.partial


def test_a_station_brief_has_a_row_per_village(week):
    brief = east_brief(week)
    [row] = brief.rows
    assert row.unit == week.east.village
    assert row.metrics == metrics.metrics_for(
        actor=week.east.chief, start=START, end=END, now=NOW, unit_code=week.east.village.code
    )
    assert (row.metrics.found, row.metrics.resolved, row.overdue) == (4, 1, 3)


def test_the_bureau_brief_has_a_row_per_station(week):
    brief = briefs.brief_build(
        actor=week.commander, unit=week.bureau, period="week", ending=SUNDAY, now=NOW
    )
    assert [(r.unit, r.metrics.found) for r in brief.rows] == [
        (week.east.station, 4),
        (week.west.station, 1),
    ]
    assert brief.metrics.found == 5
    assert len(brief.new_red) == 3


def test_a_brief_of_a_week_not_over_shows_the_figures_so_far(week):
    brief = east_brief(week, now=at(11, 22, 12))
    assert brief.partial and brief.as_of == at(11, 22, 12)
    assert brief.overdue_count == 3  # F2, G2 open; G3 not done yet


def test_a_brief_is_scoped(week):
    with pytest.raises(Unit.DoesNotExist):
        briefs.brief_build(
            actor=week.east.chief, unit=week.west.station, period="week", ending=SUNDAY
        )
    with pytest.raises(PermissionDenied):
        briefs.brief_build(
            actor=week.east.grid_worker, unit=week.east.station, period="week", ending=SUNDAY
        )


# --- the page and the workbook -------------------------------------------------------------------


def get_brief(client, user, **params):
    client.force_login(user)
    return client.get(URL, params, HTTP_ACCEPT_LANGUAGE=params.pop("lang", "zh-hans"))


def test_the_weekly_brief_page_in_chinese(client, week):
    station = week.east.station
    response = get_brief(
        client, week.east.chief, unit=station.code, period="week", ending="2026-11-22"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "东派出所矛盾纠纷工作周报（2026年11月16日—11月22日）" in page
    assert "工作周报" in page and station.name in page
    m = metrics.metrics_for(
        actor=week.east.chief, start=START, end=END, unit_code=station.code
    )  # the page's clock is now: every task of the week is past its due time either way
    assert f'data-testid="rate-resolution_rate">{briefs.percent(m.resolution_rate)}<' in page
    for name, shown in (
        ("resolution_rate", "25.0%"),
        ("containment_rate", "50.0%"),
        ("overdue_rate", "40.0%"),
        ("follow_up_completion", "50.0%"),
    ):
        assert briefs.percent(getattr(m, name)) == shown
        assert f'data-testid="rate-{name}">{shown}<' in page
    assert week.cases["E2"].case_number in page
    assert "宅基地界址纠纷" in page
    # The rates are labelled in Chinese, from the real catalogue.
    for label in ("化解率", "稳控率", "超期率", "回访完成率"):
        assert label in page


def test_the_printable_page_is_a4(client, week):
    response = get_brief(
        client,
        week.east.chief,
        unit=week.east.station.code,
        period="week",
        ending="2026-11-22",
        format="print",
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "size: A4" in page and 'lang="zh-CN"' in page
    assert "<title>东派出所矛盾纠纷工作周报（2026年11月16日—11月22日）</title>" in page
    assert 'data-testid="rate-overdue_rate">40.0%<' in page


def test_the_brief_page_in_english(client, week):
    response = get_brief(
        client,
        week.east.chief,
        unit=week.east.station.code,
        period="week",
        ending="2026-11-22",
        lang="en",
    )
    page = response.content.decode()
    assert "东派出所: weekly dispute brief, 16 November 2026 – 22 November 2026" in page
    assert "Resolution rate" in page and "25.0%" in page


def test_the_page_defaults_to_the_last_week_of_the_users_own_unit(client, week):
    response = get_brief(client, week.east.chief)
    assert response.status_code == 200
    assert response.context["brief"].unit == week.east.station
    assert response.context["brief"].period.kind == "week"


def test_another_stations_brief_is_not_found(client, week):
    response = get_brief(
        client, week.east.chief, unit=week.west.station.code, period="week", ending="2026-11-22"
    )
    assert response.status_code == 404


def test_a_grid_worker_reads_no_briefs(client, week):
    assert get_brief(client, week.east.grid_worker).status_code == 403


def test_a_bad_period_or_a_future_day_is_a_form_error(client, week):
    assert get_brief(client, week.east.chief, period="year").status_code == 400
    assert get_brief(client, week.east.chief, ending="2999-01-01").status_code == 400


def test_the_workbook_has_the_same_rates_and_is_audited(client, week):
    station = week.east.station
    response = get_brief(
        client,
        week.east.chief,
        unit=station.code,
        period="week",
        ending="2026-11-22",
        format="xlsx",
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["概况", "新增重大", "超期", "重点案件", "分单位"]
    summary = book["概况"]
    assert summary["A1"].value == "东派出所矛盾纠纷工作周报（2026年11月16日—11月22日）"
    rates = {
        row[0]: row[1]
        for row in summary.iter_rows(min_row=5, max_col=2, values_only=True)
        if row[0] in {"化解率", "稳控率", "复发率", "回访完成率", "超期率", "零报告完整率"}
    }
    m = metrics.metrics_for(actor=week.east.chief, start=START, end=END, unit_code=station.code)
    assert rates == {
        "化解率": m.resolution_rate,
        "稳控率": m.containment_rate,
        "复发率": m.recurrence_rate,
        "回访完成率": m.follow_up_completion,
        "超期率": m.overdue_rate,
        "零报告完整率": m.nil_completeness,
    }
    assert rates["化解率"] == 0.25 and rates["超期率"] == 0.4
    assert summary["B5"].number_format == "0.0%"
    red = [row[0] for row in book["新增重大"].iter_rows(min_row=2, values_only=True)]
    assert red == [week.cases["P2"].case_number, week.cases["E2"].case_number]
    assert book["超期"].max_row == 4  # the header and three tasks
    assert [row[0] for row in book["分单位"].iter_rows(min_row=2, values_only=True)] == ["东村"]

    [entry] = AuditEntry.objects.filter(action="reporting.brief_export")
    assert entry.actor == week.east.chief and entry.unit == station
    assert entry.data == {
        "unit": station.code,
        "period": "week",
        "start": "2026-11-16",
        "end": "2026-11-22",
    }


def test_a_rate_over_nothing_is_a_dash_in_the_workbook(county):
    brief = briefs.brief_build(
        actor=county.east.chief, unit=county.east.station, period="month", ending=SUNDAY, now=NOW
    )
    output = io.BytesIO()
    briefs.brief_to_xlsx(brief, output)
    summary = openpyxl.load_workbook(io.BytesIO(output.getvalue()))["概况"]
    values = {row[0]: row[1] for row in summary.iter_rows(min_row=5, max_col=2, values_only=True)}
    assert values["化解率"] == "—"
    assert briefs.percent(None) == "—"
    with translation.override("en"):
        assert brief.title == f"{county.east.station.name}: monthly dispute brief, October 2026"


def test_a_title_that_looks_like_a_formula_stays_text_in_the_workbook(client, week):
    """A poisoned title (=HYPERLINK…) must not become a live formula in the brief's workbook."""
    poisoned = '=HYPERLINK("http://example.invalid","点我")'
    Dispute.objects.filter(pk=week.cases["E2"].pk).update(title=poisoned)
    response = get_brief(
        client,
        week.east.chief,
        unit=week.east.station.code,
        period="week",
        ending="2026-11-22",
        format="xlsx",
    )
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row if c.value == poisoned]
    assert cells and all(c.data_type == "s" for c in cells)
