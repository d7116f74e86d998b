"""Reads of the audit log, scoped like every other read: a supervisor or administrator sees the rows
about their area and the rows written by the people scoped inside it. Administrators also see the
rows tied to no place and no account (failed logins, system jobs)."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from concord.accounts.models import Role
from concord.audit.models import AuditEntry

# Who may open the audit viewer: the supervising tiers and the administrators.
VIEWER_ROLES = frozenset({Role.STATION_CHIEF, Role.BUREAU_COMMANDER, Role.ADMIN})


@dataclass(frozen=True)
class AuditFilters:
    user: str = ""
    case_number: str = ""
    person_id: int | None = None
    action: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def as_dict(self) -> dict:
        return {
            k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in vars(self).items() if v
        }


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_entries_visible(*, actor) -> QuerySet[AuditEntry]:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return AuditEntry.objects.none()
    if actor.role not in VIEWER_ROLES:
        return AuditEntry.objects.none()
    scope = actor.scope_unit
    if scope is None:
        return AuditEntry.objects.none()
    visible = Q(unit__path__startswith=scope.path) | Q(
        actor__scope_unit__path__startswith=scope.path
    )
    if actor.role == Role.ADMIN:
        # Rows tied to no place and no account: failed logins, system jobs.
        visible |= Q(unit__isnull=True, actor__isnull=True)
    return AuditEntry.objects.select_related("unit").filter(visible).order_by("-seq")


def audit_entries(*, actor, filters: AuditFilters | None = None) -> QuerySet[AuditEntry]:
    entries = audit_entries_visible(actor=actor)
    f = filters or AuditFilters()
    if f.user:
        entries = entries.filter(Q(actor_label__iexact=f.user) | Q(data__username=f.user))
    if f.case_number:
        from concord.disputes.models import Dispute

        pks = [
            str(pk)
            for pk in Dispute.objects.filter(case_number=f.case_number).values_list("pk", flat=True)
        ]
        entries = entries.filter(
            Q(target_type="disputes.dispute", target_id__in=pks)
            | Q(data__case_number=f.case_number)
        )
    if f.person_id is not None:
        entries = entries.filter(
            Q(target_type="people.person", target_id=str(f.person_id))
            | Q(data__person=f.person_id)
            | Q(data__person_id=f.person_id)
        )
    if f.action:
        entries = entries.filter(action__startswith=f.action)
    if f.date_from:
        entries = entries.filter(at__gte=_day_start(f.date_from))
    if f.date_to:
        entries = entries.filter(at__lt=_day_start(f.date_to + dt.timedelta(days=1)))
    return entries
