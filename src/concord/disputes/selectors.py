"""Reads of the dispute register, always through the acting user's scope."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from concord.accounts.scope import in_scope
from concord.disputes.models import OPEN_STATUSES, Dispute, Task


@dataclass
class DisputeFilters:
    category: str = ""
    level: str = ""
    status: str = ""
    unit: str = ""  # a unit code: its subtree
    overdue: bool = False
    found_from: dt.date | None = None
    found_to: dt.date | None = None
    q: str = ""
    open_only: bool = False


def disputes_visible(*, actor) -> QuerySet[Dispute]:
    return in_scope(Dispute.objects.all(), actor, via="grid")


def dispute_list(
    *, actor, filters: DisputeFilters | None = None, now: dt.datetime | None = None
) -> QuerySet[Dispute]:
    """The ledger (台账) as the actor may see it, filtered."""
    f = filters or DisputeFilters()
    qs = disputes_visible(actor=actor).select_related("category", "grid", "station", "owner")
    if f.category:
        qs = qs.filter(Q(category__code=f.category) | Q(subtype__code=f.category))
    if f.level:
        qs = qs.filter(level=f.level)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.open_only:
        qs = qs.filter(status__in=OPEN_STATUSES)
    if f.unit:
        qs = qs.filter(grid__path__contains=f"/{f.unit}/")
    if f.found_from:
        qs = qs.filter(found_at__date__gte=f.found_from)
    if f.found_to:
        qs = qs.filter(found_at__date__lte=f.found_to)
    if f.overdue:
        qs = qs.filter(
            tasks__state=Task.State.OPEN, tasks__due_at__lt=now or timezone.now()
        ).distinct()
    if f.q:
        term = f.q.strip()
        qs = qs.filter(
            Q(case_number__icontains=term)
            | Q(title__icontains=term)
            | Q(description__icontains=term)
            | Q(parties__name__icontains=term)
        ).distinct()
    return qs


def dispute_get(*, actor, case_number: str) -> Dispute:
    """One case the actor may see (Dispute.DoesNotExist otherwise)."""
    return (
        disputes_visible(actor=actor)
        .select_related(
            "category",
            "subtype",
            "grid",
            "station",
            "owner",
            "lead_leader",
            "assessment",
            "registered_by",
        )
        .get(case_number=case_number)
    )


def dispute_timeline(*, actor, dispute: Dispute):
    return (
        disputes_visible(actor=actor)
        .get(pk=dispute.pk)
        .events.select_related("actor")
        .order_by("at", "id")
    )


def tasks_visible(*, actor) -> QuerySet[Task]:
    return in_scope(Task.objects.select_related("dispute", "assignee"), actor, via="dispute__grid")


def tasks_overdue(
    *, actor, now: dt.datetime | None = None, assignee=None, unit_code: str = ""
) -> QuerySet[Task]:
    """Open tasks past their due time, per person or per unit, within the actor's scope."""
    qs = tasks_visible(actor=actor).filter(state=Task.State.OPEN, due_at__lt=now or timezone.now())
    if assignee is not None:
        qs = qs.filter(assignee=assignee)
    if unit_code:
        qs = qs.filter(dispute__grid__path__contains=f"/{unit_code}/")
    return qs.order_by("due_at")


def overdue_counts_by_assignee(*, actor, now: dt.datetime | None = None) -> list[dict]:
    return list(
        tasks_overdue(actor=actor, now=now)
        .values("assignee__username", "assignee__display_name")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
