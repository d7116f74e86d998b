"""The periodic jobs (DESIGN §6 `concord run-due-jobs`). Each job is a plain function of the moment
`now` it runs at, returns its counts, and may run any number of times for the same moment: every
notification it sends has a key unique per recipient, so a second run sends nothing twice.

The escalation ladder (DESIGN §4 "overdue tasks escalate one tier up"):

- A task past its due time notifies the person holding it: its assignee, else the case owner, else
  the station's chiefs.
- Once it is overdue by more than its level's grace period (`ESCALATION_GRACE_HOURS`, settings
  `CONCORD_ESCALATION_GRACE_HOURS`: yellow 24 h, orange 4 h, red 0 h), the supervisor one tier up
  from the holder is notified: a grid worker's or an auxiliary's → the sector's community officer;
  a community officer's → the station chiefs; station staff's or a chief's → the bureau
  commanders. A bureau commander is the top.
- A task overdue on a red case also reaches at once every bureau commander over the case and the
  leader in charge (包案领导), ignoring quiet hours.

Everyone is notified only about cases in their own territory (the send refuses the rest).
"""

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from concord.accounts.models import Role, User
from concord.accounts.scope import can_see_unit
from concord.disputes.models import Dispute, Level, Task
from concord.intake.models import Lead
from concord.notify.models import Kind
from concord.notify.services import deliveries_attempt, notification_send
from concord.territory.models import Responsibility, Tier, Unit, UnitKind

logger = logging.getLogger("concord.notify.jobs")

ESCALATION_GRACE_HOURS = {Level.YELLOW: 24, Level.ORANGE: 4, Level.RED: 0}

# Task kinds that arise from an event (not the level's checklist): their holder hears at once.
EVENT_TASK_KINDS = {
    Task.Kind.REASSESS: Kind.REASSESS,
    Task.Kind.PERFORMANCE: Kind.PERFORMANCE,
    Task.Kind.REFERRAL: Kind.TASK,
    Task.Kind.DOWNGRADE_REVIEW: Kind.TASK,
}

# Roles whose digest lists the new leads in their area.
LEAD_DIGEST_ROLES = frozenset(
    {
        Role.GRID_WORKER,
        Role.AUXILIARY,
        Role.COMMUNITY_OFFICER,
        Role.STATION_STAFF,
        Role.STATION_CHIEF,
        Role.BUREAU_COMMANDER,
    }
)
DIGEST_LINES = 30  # per list; the rest is "… and N more"


def grace_for(level: str) -> dt.timedelta:
    hours = getattr(settings, "CONCORD_ESCALATION_GRACE_HOURS", {}).get(
        level, ESCALATION_GRACE_HOURS.get(level, 24)
    )
    return dt.timedelta(hours=hours)


def _tz() -> dt.tzinfo:
    return timezone.get_default_timezone()


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment, _tz()).strftime("%Y-%m-%d %H:%M")


def _case_url(dispute: Dispute) -> str:
    return reverse("dispute_detail", args=[dispute.case_number])


def _task_words(task: Task) -> dict[str, str]:
    dispute = task.dispute
    return {
        "task": str(task),
        "case": dispute.case_number,
        "title": dispute.title,
        "due": _local(task.due_at),
        "level": Level(dispute.level).label if dispute.level in Level.values else dispute.level,
    }


class People:
    """Who is who around a case, looked up once per run."""

    def __init__(self, now: dt.datetime):
        self.today = timezone.localdate(now, _tz())
        self._chiefs: dict[int, list[User]] = {}
        self._sector: dict[int, User | None] = {}
        self._commanders: list[User] | None = None

    def station_chiefs(self, station_id: int) -> list[User]:
        if station_id not in self._chiefs:
            self._chiefs[station_id] = list(
                User.objects.filter(
                    role=Role.STATION_CHIEF, scope_unit_id=station_id, is_active=True
                ).select_related("scope_unit")
            )
        return self._chiefs[station_id]

    def commanders(self, dispute: Dispute) -> list[User]:
        if self._commanders is None:
            self._commanders = list(
                User.objects.filter(role=Role.BUREAU_COMMANDER, is_active=True)
                .select_related("scope_unit")
                .order_by("pk")
            )
        return [u for u in self._commanders if can_see_unit(u, dispute.grid)]

    def sector_officer(self, grid: Unit) -> User | None:
        if grid.pk not in self._sector:
            held = (
                Responsibility.objects.filter(
                    unit__code__in=grid.path_codes, tier=Tier.SECTOR, since__lte=self.today
                )
                .filter(Q(until__isnull=True) | Q(until__gte=self.today))
                .select_related("user__scope_unit")
                .first()
            )
            self._sector[grid.pk] = held.user if held else None
        return self._sector[grid.pk]

    def holder(self, task: Task) -> list[User]:
        """Who holds the task: its assignee, else the case owner, else the station's chiefs (only
        people who can see the case)."""
        dispute = task.dispute
        for person in (task.assignee, dispute.owner):
            if person is not None and person.is_active and can_see_unit(person, dispute.grid):
                return [person]
        return self.station_chiefs(dispute.station_id)

    def one_tier_up(self, holder: User | None, dispute: Dispute) -> list[User]:
        role = holder.role if holder is not None else None
        if role == Role.BUREAU_COMMANDER:
            return []
        if role in {Role.STATION_STAFF, Role.STATION_CHIEF}:
            return self.commanders(dispute)
        if role == Role.COMMUNITY_OFFICER:
            return self.station_chiefs(dispute.station_id) or self.commanders(dispute)
        if role in {Role.GRID_WORKER, Role.AUXILIARY}:
            officer = self.sector_officer(dispute.grid)
            if officer is not None and officer.is_active and officer != holder:
                return [officer]
        return self.station_chiefs(dispute.station_id)


def _open_tasks():
    return Task.objects.filter(state=Task.State.OPEN).select_related(
        "dispute__grid",
        "dispute__owner__scope_unit",
        "dispute__lead_leader__scope_unit",
        "assignee__scope_unit",
    )


def _send_all(people: Iterable[User | None], **kwargs: Any) -> int:
    sent, seen = 0, set()
    for person in people:
        if person is None or person.pk in seen:
            continue
        seen.add(person.pk)
        if notification_send(recipient=person, **kwargs) is not None:
            sent += 1
    return sent


# --- the jobs ------------------------------------------------------------------------------------


def job_missed_instalments(*, now: dt.datetime) -> dict[str, int]:
    """Agreement instalments past due and not performed: a task for the owner (mediation room);
    the new-task job tells the owner."""
    from concord.mediation.services import instalments_check_missed

    return {"found": instalments_check_missed(now=now)}


def job_stale_reassessments(*, now: dt.datetime) -> dict[str, int]:
    """Open cases with no step on their timeline for longer than their level's visit interval: a
    re-assessment task for the owner; the new-task job tells the owner."""
    from concord.disputes.services import disputes_propose_stale_reassessments

    return {"proposed": disputes_propose_stale_reassessments(now=now)}


def job_event_tasks(*, now: dt.datetime) -> dict[str, int]:
    """Tasks an event raised (re-assess, an agreement not performed, a referral returned, a
    downgrade to review): their holder hears once."""
    people, sent = People(now), 0
    for task in _open_tasks().filter(kind__in=EVENT_TASK_KINDS):
        words = _task_words(task)
        sent += _send_all(
            people.holder(task),
            kind=EVENT_TASK_KINDS[task.kind],
            subject=_("New task: %(task)s · %(case)s") % words,
            body=_("Case %(case)s “%(title)s” (%(level)s): %(task)s, due %(due)s.") % words,
            dedupe_key=f"task:{task.pk}",
            now=now,
            task=task,
            url=_case_url(task.dispute),
        )
    return {"notified": sent}


def job_overdue(*, now: dt.datetime) -> dict[str, int]:
    """Every open task past its due time: its holder, once."""
    people, sent = People(now), 0
    for task in _open_tasks().filter(due_at__lt=now).order_by("due_at", "pk"):
        words = _task_words(task)
        sent += _send_all(
            people.holder(task),
            kind=Kind.OVERDUE,
            subject=_("Overdue: %(task)s · %(case)s") % words,
            body=_("Case %(case)s “%(title)s” (%(level)s): “%(task)s” was due %(due)s.") % words,
            dedupe_key=f"overdue:task:{task.pk}",
            now=now,
            task=task,
            url=_case_url(task.dispute),
        )
    return {"notified": sent}


def job_escalations(*, now: dt.datetime) -> dict[str, int]:
    """Overdue past the level's grace: one tier up from the holder. Red cases: every bureau
    commander over the case and the leader in charge, at once."""
    people, sent = People(now), 0
    for task in _open_tasks().filter(due_at__lt=now).order_by("due_at", "pk"):
        dispute = task.dispute
        holders = people.holder(task)
        holder = holders[0] if holders else None
        recipients: list[User] = []
        if now - task.due_at > grace_for(dispute.level):
            recipients += people.one_tier_up(holder, dispute)
        if dispute.level == Level.RED:
            recipients += [*people.commanders(dispute), dispute.lead_leader]
        recipients = [u for u in recipients if u is not None and u not in holders]
        if not recipients:
            continue
        words = {
            **_task_words(task),
            "holder": str(holder) if holder else _("nobody"),
            "hours": int((now - task.due_at).total_seconds() // 3600),
        }
        sent += _send_all(
            recipients,
            kind=Kind.ESCALATION,
            subject=_("Escalated: %(task)s · %(case)s is %(hours)s h overdue") % words,
            body=_(
                "Case %(case)s “%(title)s” (%(level)s): “%(task)s”, held by %(holder)s, was due "
                "%(due)s and is %(hours)s hours overdue. Please supervise (督办)."
            )
            % words,
            dedupe_key=f"escalation:task:{task.pk}",
            now=now,
            task=task,
            urgent=dispute.level == Level.RED,
            url=_case_url(dispute),
            data={"holder": holder.pk if holder else None, "hours_overdue": words["hours"]},
        )
    return {"notified": sent}


def job_due_soon(*, now: dt.datetime) -> dict[str, int]:
    """Open tasks falling due within `CONCORD_DUE_SOON_HOURS`: their holder, once."""
    window = dt.timedelta(hours=settings.CONCORD_DUE_SOON_HOURS)
    people, sent = People(now), 0
    for task in _open_tasks().filter(due_at__gt=now, due_at__lte=now + window):
        words = _task_words(task)
        sent += _send_all(
            people.holder(task),
            kind=Kind.DUE_SOON,
            subject=_("Due %(due)s: %(task)s · %(case)s") % words,
            body=_("Case %(case)s “%(title)s” (%(level)s): “%(task)s” is due %(due)s.") % words,
            dedupe_key=f"due_soon:task:{task.pk}",
            now=now,
            task=task,
            url=_case_url(task.dispute),
        )
    return {"notified": sent}


def job_nil_reminders(*, now: dt.datetime) -> dict[str, int]:
    """Grids that have not reported for a period closing within `CONCORD_NIL_REMINDER_HOURS`: the
    grid worker (else the village auxiliary), once per period."""
    from concord.intake.screening import NilReport, SensitivePeriod
    from concord.intake.screening_selectors import local_today, period_for

    window = dt.timedelta(hours=settings.CONCORD_NIL_REMINDER_HOURS)
    today = local_today(now)
    monday = today - dt.timedelta(days=today.weekday())
    sensitive = list(
        SensitivePeriod.objects.filter(
            starts_on__lte=monday + dt.timedelta(days=6), ends_on__gte=monday
        ).values_list("pk", "unit__code")
    )
    # Grids under the same sensitive periods share their period: one lookup per group.
    groups: dict[frozenset[int], list[Unit]] = defaultdict(list)
    for grid in Unit.objects.filter(kind=UnitKind.GRID, is_active=True).order_by("path"):
        codes = set(grid.path_codes)
        groups[frozenset(pk for pk, code in sensitive if code in codes)].append(grid)
    missing: list[tuple[Unit, Any]] = []
    for grids in groups.values():
        period = period_for(unit=grids[0], on=today)
        closes = period.bounds()[1]
        if not now < closes <= now + window:
            continue
        reported = set(
            NilReport.objects.filter(period.covered_by(), grid__in=grids).values_list(
                "grid_id", flat=True
            )
        )
        missing += [(grid, period) for grid in grids if grid.pk not in reported]
    if not missing:
        return {"notified": 0}
    held = (
        Responsibility.objects.filter(
            Q(unit_id__in=[g.pk for g, _p in missing], tier=Tier.GRID)
            | Q(unit_id__in={g.parent_id for g, _p in missing}, tier=Tier.VILLAGE),
            since__lte=today,
        )
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .select_related("user__scope_unit")
    )
    holders = {(r.unit_id, r.tier): r.user for r in held}
    url, sent = reverse("screening_home"), 0
    for grid, period in missing:
        person = holders.get((grid.pk, Tier.GRID)) or holders.get((grid.parent_id, Tier.VILLAGE))
        if person is None:
            continue
        words = {
            "grid": grid.name,
            "period": period.label,
            "closes": _local(period.bounds()[1]),
        }
        sent += _send_all(
            [person],
            kind=Kind.NIL_REMINDER,
            subject=_("Nil report due: %(grid)s, period %(period)s") % words,
            body=_(
                "%(grid)s has not reported for the period %(period)s, which closes at %(closes)s. "
                "Report the disputes found, or that nothing was found (零报告)."
            )
            % words,
            dedupe_key=f"nil:{grid.code}:{period.cadence}:{period.start:%Y-%m-%d}",
            now=now,
            url=url,
            data={"grid": grid.code, "period_start": period.start.isoformat()},
        )
    return {"notified": sent}


def job_briefs(*, now: dt.datetime) -> dict[str, int]:
    """Scheduled briefs (reporting.briefs.briefs_due): the bureau's commanders and each station's
    chiefs hear that theirs is ready, with a link to it. A day's window: a worker that was down at
    08:00 still sends them, once."""
    from concord.reporting.briefs import PERIOD_LABELS, briefs_due, period_ending

    sent = 0
    for unit, kind, ending in briefs_due(now=now, window=dt.timedelta(hours=24)):
        role = Role.BUREAU_COMMANDER if unit.kind == UnitKind.BUREAU else Role.STATION_CHIEF
        readers = User.objects.filter(role=role, scope_unit=unit, is_active=True)
        period = period_ending(kind, ending)
        words = {
            "brief": PERIOD_LABELS[kind],
            "unit": unit.name,
            "first": period.start.isoformat(),
            "last": period.last.isoformat(),
        }
        sent += _send_all(
            readers,
            kind=Kind.BRIEF,
            subject=_("%(brief)s brief for %(unit)s, %(first)s – %(last)s") % words,
            body=_("The %(brief)s brief for %(unit)s (%(first)s – %(last)s) is ready to read.")
            % words,
            dedupe_key=f"brief:{unit.code}:{kind}:{ending:%Y-%m-%d}",
            now=now,
            url=reverse("brief")
            + "?"
            + urlencode({"unit": unit.code, "period": kind, "ending": ending.isoformat()}),
            data={"unit": unit.code, "period": kind, "ending": ending.isoformat()},
        )
    return {"notified": sent}


def digest_time() -> dt.time:
    return dt.time.fromisoformat(settings.CONCORD_DIGEST_TIME)


def _lines(items: list[str], total: int) -> list[str]:
    lines = [f"- {item}" for item in items[:DIGEST_LINES]]
    if total > DIGEST_LINES:
        lines.append(_("… and %(n)s more") % {"n": total - DIGEST_LINES})
    return lines


def job_digests(*, now: dt.datetime) -> dict[str, int]:
    """From `CONCORD_DIGEST_TIME` (08:00) on the bureau's clock, once a day per person with
    anything to read: their open tasks due today, their open tasks due before today (overdue), and
    the leads awaiting triage in their area received since the last digest time."""
    tz = _tz()
    local = timezone.localtime(now, tz)
    today = local.date()
    send_at = dt.datetime.combine(today, digest_time(), tzinfo=tz)
    if now < send_at:
        return {"notified": 0}
    day_start = dt.datetime.combine(today, dt.time.min, tzinfo=tz)
    day_end = day_start + dt.timedelta(days=1)
    since = send_at - dt.timedelta(days=1)

    tasks: dict[int, list[Task]] = defaultdict(list)
    for task in (
        _open_tasks()
        .filter(assignee__isnull=False, due_at__lt=day_end)
        .order_by("due_at", "pk")
        .select_related("dispute__station")
    ):
        tasks[task.assignee_id].append(task)

    leads = list(
        Lead.objects.filter(
            state=Lead.State.NEW, is_dispute=True, received_at__gte=since, received_at__lte=now
        )
        .select_related("station", "grid")
        .order_by("received_at", "pk")
    )
    users = {
        u.pk: u
        for u in User.objects.filter(is_active=True, scope_unit__isnull=False)
        .filter(Q(pk__in=list(tasks)) | Q(role__in=LEAD_DIGEST_ROLES))
        .select_related("scope_unit")
    }
    # A lead is in a person's area through its station or its grid (intake.selectors.leads_visible).
    by_scope: dict[str, list[User]] = defaultdict(list)
    for user in users.values():
        if user.role in LEAD_DIGEST_ROLES:
            by_scope[user.scope_unit.path].append(user)
    leads_for: dict[int, list[Lead]] = defaultdict(list)
    for lead in leads:
        paths = {lead.station.path, lead.grid.path if lead.grid else ""}
        reached = set()
        for path in paths:
            parts = [p for p in path.strip("/").split("/") if p]
            for n in range(1, len(parts) + 1):
                for user in by_scope.get("/" + "/".join(parts[:n]) + "/", ()):
                    reached.add(user.pk)
        for pk in reached:
            leads_for[pk].append(lead)

    url, sent = reverse("my_tasks"), 0
    for pk in sorted(set(tasks) | set(leads_for)):
        user = users.get(pk)
        if user is None:
            continue
        mine = [t for t in tasks.get(pk, ()) if can_see_unit(user, t.dispute.grid)]
        due_today = [t for t in mine if t.due_at >= day_start]
        overdue = [t for t in mine if t.due_at < day_start]
        new_leads = leads_for.get(pk, [])
        if not (due_today or overdue or new_leads):
            continue
        counts = {"today": len(due_today), "overdue": len(overdue), "leads": len(new_leads)}
        body: list[str] = []
        if due_today:
            body.append(_("Due today (%(n)s):") % {"n": len(due_today)})
            body += _lines(
                [
                    f"{timezone.localtime(t.due_at, tz):%H:%M} {t.dispute.case_number} "
                    f"{t.dispute.title} · {t}"
                    for t in due_today
                ],
                len(due_today),
            )
        if overdue:
            body.append(_("Overdue (%(n)s):") % {"n": len(overdue)})
            body += _lines(
                [
                    _("due %(due)s") % {"due": _local(t.due_at)}
                    + f" {t.dispute.case_number} {t.dispute.title} · {t}"
                    for t in overdue
                ],
                len(overdue),
            )
        if new_leads:
            body.append(
                _("New leads in your area since %(since)s (%(n)s):")
                % {"since": _local(since), "n": len(new_leads)}
            )
            body += _lines(
                [
                    f"{_local(lead.received_at)} {lead.get_channel_display()} · "
                    f"{(lead.grid or lead.station).name}"
                    for lead in new_leads
                ],
                len(new_leads),
            )
        sent += _send_all(
            [user],
            kind=Kind.DIGEST,
            subject=_(
                "Your day %(date)s: %(today)s due today, %(overdue)s overdue, %(leads)s new leads"
            )
            % {"date": today.isoformat(), **counts},
            body="\n".join(body),
            dedupe_key=f"digest:{today:%Y-%m-%d}",
            now=now,
            url=url,
            data={
                "date": today.isoformat(),
                "due_today": [t.pk for t in due_today],
                "overdue": [t.pk for t in overdue],
                "leads": [lead.pk for lead in new_leads],
            },
        )
    return {"notified": sent}


# --- all of them ---------------------------------------------------------------------------------

Job = Callable[..., dict[str, int]]

# In this order: the jobs that raise tasks come before the ones that read them.
JOBS: list[tuple[str, Job]] = [
    ("missed_instalments", job_missed_instalments),
    ("stale_reassessments", job_stale_reassessments),
    ("event_tasks", job_event_tasks),
    ("overdue", job_overdue),
    ("escalations", job_escalations),
    ("due_soon", job_due_soon),
    ("nil_reminders", job_nil_reminders),
    ("briefs", job_briefs),
    ("digests", job_digests),
]


def run_due_jobs(
    *,
    now: dt.datetime | None = None,
    deliver: bool = True,
    jobs: list[tuple[str, Job]] | None = None,
) -> dict[str, Any]:
    """Run every job once as if the clock read `now`, each in its own transaction, then send the
    e-mails and texts that are due. A job that fails is logged and named in "errors"; the others
    still run. Texts are written in the interface's default language (Chinese)."""
    now = now or timezone.now()
    summary: dict[str, Any] = {"at": now.isoformat(), "jobs": {}, "errors": {}}
    with translation.override(settings.LANGUAGE_CODE):
        for name, job in jobs or JOBS:
            try:
                with transaction.atomic():
                    summary["jobs"][name] = job(now=now)
            except Exception as exc:
                logger.exception("Job %s failed at %s", name, now.isoformat())
                summary["errors"][name] = f"{type(exc).__name__}: {exc}"
        summary["notifications"] = sum(
            counts.get("notified", 0) for counts in summary["jobs"].values()
        )
        if deliver:
            summary["deliveries"] = deliveries_attempt(now=now)
    return summary
