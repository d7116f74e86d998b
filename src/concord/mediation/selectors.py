"""Reads of the mediation room, scoped to the acting user: officers see what lies in their territory,
mediators see what was referred to the bodies they serve on."""

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from concord.accounts.models import Role
from concord.accounts.scope import in_scope
from concord.disputes.models import Dispute
from concord.mediation.models import Agreement, FollowUpVisit, MediationBody, Referral


def bodies_serving(*, dispute: Dispute) -> QuerySet[MediationBody]:
    """The active bodies that serve the case's place (its grid or any unit above it)."""
    return (
        MediationBody.objects.filter(is_active=True, serves__code__in=dispute.grid.path_codes)
        .distinct()
        .order_by("kind", "name")
    )


def referrals_visible(*, actor) -> QuerySet[Referral]:
    base = Referral.objects.select_related("dispute__grid", "dispute__station", "body")
    if getattr(actor, "role", None) == Role.MEDIATOR and actor.is_active:
        return base.filter(body__members=actor)
    return in_scope(base, actor, via="dispute__grid")


def mediator_inbox(*, actor, state: str = "") -> QuerySet[Referral]:
    """The mediator's referrals: awaiting acceptance first, then those in hand, by due date."""
    qs = referrals_visible(actor=actor).filter(body__members=actor)
    if state:
        qs = qs.filter(state=state)
    else:
        qs = qs.filter(state__in=[Referral.State.REFERRED, Referral.State.ACCEPTED])
    return qs.order_by("-state", "due_at", "pk")


def referral_get(*, actor, referral_id: int) -> Referral:
    return referrals_visible(actor=actor).get(pk=referral_id)


def referrals_overdue(*, actor, now: dt.datetime | None = None) -> QuerySet[Referral]:
    return referrals_visible(actor=actor).filter(
        state__in=[Referral.State.REFERRED, Referral.State.ACCEPTED],
        due_at__lt=now or timezone.now(),
    )


def _case_visible(actor, dispute: Dispute) -> bool:
    if getattr(actor, "role", None) == Role.MEDIATOR:
        return (
            referrals_visible(actor=actor).filter(dispute=dispute).exists()
            or in_scope(Dispute.objects.filter(pk=dispute.pk), actor, via="grid").exists()
        )
    return in_scope(Dispute.objects.filter(pk=dispute.pk), actor, via="grid").exists()


def referrals_of_case(*, actor, dispute: Dispute) -> list[Referral]:
    if not _case_visible(actor, dispute):
        return []
    return list(
        Referral.objects.filter(dispute=dispute)
        .select_related("body", "referred_by", "answered_by")
        .prefetch_related("sessions__mediators")
        .order_by("referred_at", "pk")
    )


def agreements_of_case(*, actor, dispute: Dispute) -> list[Agreement]:
    if not _case_visible(actor, dispute):
        return []
    return list(
        Agreement.objects.filter(dispute=dispute)
        .select_related("referral__body", "scan")
        .prefetch_related("instalments")
        .order_by("signed_on", "pk")
    )


def agreement_get(*, actor, agreement_id: int) -> Agreement:
    """One agreement the actor may see: through the case's territory or the referral's body."""
    visible = (
        Q(dispute__grid__path__startswith=actor.scope_unit.path)
        if actor.scope_unit
        else Q(pk__in=[])
    )
    if actor.role == Role.MEDIATOR:
        visible |= Q(referral__body__members=actor)
    return (
        Agreement.objects.filter(visible)
        .select_related("dispute__grid", "dispute__station", "referral__body")
        .prefetch_related("instalments", "dispute__parties", "referral__sessions__mediators")
        .distinct()
        .get(pk=agreement_id)
    )


def visits_of_case(*, actor, dispute: Dispute) -> list[FollowUpVisit]:
    if not _case_visible(actor, dispute):
        return []
    return list(
        FollowUpVisit.objects.filter(dispute=dispute)
        .select_related("visited_by")
        .order_by("visited_at", "pk")
    )
