"""Demo step: the notifications the scheduled jobs would have sent by now (提醒).

The step runs the notifying jobs once at the moment of loading (`concord.notify.jobs.run_due_jobs`)
over the demo register built by the steps before it: overdue tasks notify their holders and, past
their level's grace period, the supervisor one tier up; tasks on red cases reach the bureau's
commanders and the leader in charge; tasks falling due within a day, the tasks events raised
(re-assessments, agreements not performed, referrals returned), the day's digest (from 08:00),
nil-report reminders for periods closing within a day and due briefs. So every officer with work
open has an inbox to read at first login.

The two jobs that write to the register (proposing re-assessments for cases without contact, and
flagging missed instalments) are left out: the register is the dispute and mediation steps' own,
and the background worker runs them within minutes of `make demo` starting it. E-mail and SMS are
left to the worker too, so loading stays fast; the demo's SMS gateway only writes to the log.

Idempotent like the other steps: nothing is created while any demo user has a notification.
"""

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from concord.core.demo.base import CountRow, DemoContext, Section, Step, bilingual
from concord.core.demo.county import BUREAU_CODE
from concord.notify.jobs import JOBS, run_due_jobs
from concord.notify.models import Notification

_BUREAU_PATH = f"/{BUREAU_CODE}/"
REGISTER_JOBS = {"missed_instalments", "stale_reassessments"}
DEMO_JOBS = [(name, job) for name, job in JOBS if name not in REGISTER_JOBS]


def _demo_notifications():
    return Notification.objects.filter(recipient__scope_unit__path__startswith=_BUREAU_PATH)


def run_notifications(ctx: DemoContext) -> None:
    if _demo_notifications().exists():
        return
    summary = run_due_jobs(now=timezone.now(), deliver=False, jobs=DEMO_JOBS)
    if summary["errors"]:
        raise RuntimeError(f"demo notifications: {summary['errors']}")
    for key, total in _totals().items():
        ctx.created[f"notifications.{key}"] += total


COUNT_LABELS = {
    "notifications": ("提醒", gettext_lazy("Notifications")),
    "recipients": ("收到提醒的用户", gettext_lazy("Users with notifications")),
    "urgent": ("红色案件提醒", gettext_lazy("Alerts about red cases")),
}


def _totals() -> dict[str, int]:
    return _demo_notifications().aggregate(
        notifications=Count("pk"),
        recipients=Count("recipient", distinct=True),
        urgent=Count("pk", filter=Q(urgent=True)),
    )


def count_notifications(ctx: DemoContext) -> Section:
    totals = _totals()
    return Section(
        bilingual("提醒", _("Notifications")),
        [
            CountRow(key, bilingual(zh, label), totals[key], ctx.created[f"notifications.{key}"])
            for key, (zh, label) in COUNT_LABELS.items()
        ],
    )


NOTIFICATIONS = Step("notifications", run_notifications, count_notifications)
