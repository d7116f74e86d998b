"""Every metric on a hand-built month whose expected values are worked out below.

October 2026 in the east station (the period is [2026-10-01, 2026-11-01), the clock reads
2026-11-15 12:00):

case  found         first contact done      outcome (first)            later
D1    10-05 10:00   10-05 12:00 (2 h)       resolved 10-07 10:00 (2 d)  closed
D2    10-10 08:00   10-10 14:00 (6 h)       contained 10-14 08:00 (4 d)
D3    10-20 00:00   10-21 00:00 (24 h)      —
D4    10-25 00:00   —                       resolved 10-31 00:00 (6 d)  closed, then reopened
D5    09-20 (September: outside the cohort) resolved
W1    10-03 in the west station (outside the east chief's scope)

found 4; resolved 2 (D1, D4); contained 1 → 化解率 2/4 = 0.5, 稳控率 3/4 = 0.75.
Ever closed D1, D4; reopened D4 → 复发率 1/2 = 0.5.
Medians: first contact [2, 6, 24] h → 6; outcome [2, 4, 6] d → 4.
Tasks due in October (waived ones do not count): follow-ups F1 (due 10-10, done 10-09), F2 (due
10-20, still open), F3 (due 10-28, waived); first contacts C1 (due 10-05 13:00, done on time), C2
(due 10-10 12:00, done 14:00: late), C3 (due 10-20 12:00, done 10-21: late); one task due in
November does not count. Follow-up completion 1/2 = 0.5; overdue 3 late (F2, C2, C3) of 5 = 0.6.
Nil reports: the east grid's weeks wholly inside October are 10-05…11, 10-12…18 and 10-19…25
(the weeks of 10-01 and 10-31 straddle the month); reports cover the first two → 2/3.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from concord.disputes.models import Dispute, DisputeEvent, Task
from concord.intake.models import NilReport
from concord.reporting import metrics
from tests.factories import register_dispute

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 15, 12, 0, tzinfo=TZ)
START, END = dt.date(2026, 10, 1), dt.date(2026, 11, 1)


def at(month, day, hour=0):
    return dt.datetime(2026, month, day, hour, 0, tzinfo=TZ)


def case(branch, found, *, outcome=None, outcome_at=None, closed=False, reopened=False):
    d = register_dispute(branch)
    Dispute.objects.filter(pk=d.pk).update(
        found_at=found, closed_at=found + dt.timedelta(days=20) if closed else None
    )
    d.tasks.all().delete()  # the checklist below is built by hand
    actor = branch.officer
    if outcome:
        DisputeEvent.objects.create(
            dispute=d, actor=actor, at=outcome_at, action="record_outcome", to_status=outcome
        )
    if reopened:
        DisputeEvent.objects.create(
            dispute=d, actor=actor, at=outcome_at + dt.timedelta(days=1), action="reopen"
        )
    d.refresh_from_db()
    return d


def task(d, kind, due, *, done=None, state=None):
    return Task.objects.create(
        dispute=d,
        kind=kind,
        due_at=due,
        level=d.level,
        state=state or (Task.State.DONE if done else Task.State.OPEN),
        completed_at=done,
        waive_reason="不再需要" if state == Task.State.WAIVED else "",
    )


@pytest.fixture
def october(county):
    east = county.east
    d1 = case(east, at(10, 5, 10), outcome="resolved", outcome_at=at(10, 7, 10), closed=True)
    d2 = case(east, at(10, 10, 8), outcome="contained", outcome_at=at(10, 14, 8))
    d3 = case(east, at(10, 20))
    d4 = case(east, at(10, 25), outcome="resolved", outcome_at=at(10, 31), reopened=True)
    case(east, at(9, 20), outcome="resolved", outcome_at=at(9, 22))
    case(county.west, at(10, 3), outcome="resolved", outcome_at=at(10, 4))
    fc, fu = Task.Kind.FIRST_CONTACT, Task.Kind.FOLLOW_UP
    task(d1, fc, at(10, 5, 13), done=at(10, 5, 12))
    task(d2, fc, at(10, 10, 12), done=at(10, 10, 14))
    task(d3, fc, at(10, 20, 12), done=at(10, 21))
    task(d1, fu, at(10, 10), done=at(10, 9))
    task(d2, fu, at(10, 20))
    task(d2, fu, at(10, 28), state=Task.State.WAIVED)
    task(d4, fu, at(11, 5))
    for monday in (dt.date(2026, 10, 5), dt.date(2026, 10, 12)):
        NilReport.objects.create(
            grid=east.grid,
            cadence="weekly",
            period_start=monday,
            period_end=monday + dt.timedelta(days=6),
            kind="nothing_found",
            reported_by=east.grid_worker,
            reported_at=dt.datetime.combine(monday + dt.timedelta(days=6), dt.time(18), TZ),
        )
    return county


def east_metrics(county, **narrow):
    return metrics.metrics_for(actor=county.east.chief, start=START, end=END, now=NOW, **narrow)


def test_resolution_and_containment_rates(october):
    m = east_metrics(october)
    assert (m.found, m.resolved, m.contained) == (4, 2, 1)
    assert m.resolution_rate == 0.5
    assert m.containment_rate == 0.75


def test_recurrence_rate(october):
    m = east_metrics(october)
    assert (m.closed_ever, m.reopened) == (2, 1)
    assert m.recurrence_rate == 0.5


def test_follow_up_completion(october):
    m = east_metrics(october)
    assert (m.follow_ups_due, m.follow_ups_done) == (2, 1)
    assert m.follow_up_completion == 0.5


def test_overdue_rate(october):
    m = east_metrics(october)
    assert (m.tasks_due, m.tasks_late) == (5, 3)
    assert m.overdue_rate == 0.6


def test_median_times_to_first_contact_and_to_outcome(october):
    m = east_metrics(october)
    assert m.first_contact_hours_median == 6.0
    assert m.outcome_days_median == 4.0


def test_nil_report_completeness(october):
    m = east_metrics(october)
    assert (m.nil_expected, m.nil_received) == (3, 2)
    assert m.nil_completeness == 0.6667


def test_the_bureau_counts_both_stations(october):
    m = metrics.metrics_for(actor=october.commander, start=START, end=END, now=NOW)
    assert (m.found, m.resolved) == (5, 3)
    assert m.nil_expected == 6  # two grids × three whole weeks


def test_narrowing_by_level_leaves_out_nil_reports(october):
    m = east_metrics(october, level="red")
    assert m.found == 0 and m.resolution_rate is None and m.nil_expected == 0


def test_a_rate_over_nothing_is_none_not_zero(county):
    m = east_metrics(county)
    assert m.found == 0
    case_rates = [rate for rate in metrics.Metrics.RATES if rate != "nil_completeness"]
    assert all(getattr(m, rate) is None for rate in case_rates)
    assert m.nil_completeness == 0.0  # three weeks were due and no grid reported
