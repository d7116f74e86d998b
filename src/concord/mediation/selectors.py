"""Reads of the mediation room, scoped to the acting user: officers see what lies in their territory,
mediators see what was referred to the bodies they serve on."""

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from concord.accounts.models import Role
from concord.accounts.scope import in_scope
from concord.disputes.models import Dispute
from concord.mediation.models import Agreement, FollowUpVisit, MediationBody, Referral


def bodies_serving(*, actor, dispute: Dispute) -> QuerySet[MediationBody]:
    """The active bodies that serve the place of a case the actor may see (its grid or any unit
    above it)."""
    if not in_scope(Dispute.objects.filter(pk=dispute.pk), actor, via="grid").exists():
        return MediationBody.objects.none()
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


# --- reads for the HTTP API (concord.mediation.api) ---------------------------------------------


def _signed_in(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False) and bool(actor.is_active)


def bodies_visible(*, actor) -> QuerySet[MediationBody]:
    """The active bodies that serve some place in the actor's scope: a unit inside it, or one above
    it (a county committee serves every township). Mediators see the bodies they serve on too."""
    if not _signed_in(actor):
        return MediationBody.objects.none()
    condition = Q(pk__in=[])
    scope = actor.scope_unit
    if scope is not None:
        condition |= Q(serves__path__startswith=scope.path) | Q(serves__code__in=scope.path_codes)
    if actor.role == Role.MEDIATOR:
        condition |= Q(members=actor)
    return (
        MediationBody.objects.filter(condition, is_active=True).distinct().order_by("kind", "name")
    )


def referrals_reachable(*, actor) -> QuerySet[Referral]:
    """The referrals the actor may look at and try to act on: those to a body they serve on, and those
    of cases in their territory (a mediator's scope too: the case is visible to them anyway). Whether
    they may act is the services' decision (a refusal, not a "not found")."""
    if not _signed_in(actor):
        return Referral.objects.none()
    condition = Q(pk__in=[])
    if actor.scope_unit is not None:
        condition |= Q(dispute__grid__path__startswith=actor.scope_unit.path)
    if actor.role == Role.MEDIATOR:
        condition |= Q(body__members=actor)
    return (
        Referral.objects.filter(condition)
        .select_related("dispute__grid", "dispute__station", "body", "referred_by", "answered_by")
        .distinct()
    )


def instalment_get(*, actor, instalment_id: int):
    """One instalment the actor may see: through the case's territory or the referral's body (as
    agreement_get). Instalment.DoesNotExist otherwise."""
    from concord.mediation.models import Instalment

    if not _signed_in(actor):
        raise Instalment.DoesNotExist
    condition = Q(pk__in=[])
    if actor.scope_unit is not None:
        condition |= Q(agreement__dispute__grid__path__startswith=actor.scope_unit.path)
    if actor.role == Role.MEDIATOR:
        condition |= Q(agreement__referral__body__members=actor)
    return (
        Instalment.objects.filter(condition)
        .select_related("agreement__dispute", "recorded_by")
        .distinct()
        .get(pk=instalment_id)
    )


def case_get(*, actor, case_number: str) -> Dispute:
    """One case as the mediation room shows it: in the actor's territory, or referred to a body the
    actor serves on. Dispute.DoesNotExist otherwise, whether it exists or not."""
    dispute = Dispute.objects.select_related("grid").get(case_number=case_number)
    if not _signed_in(actor) or not _case_visible(actor, dispute):
        raise Dispute.DoesNotExist
    return dispute
