"""Reads of the lead pool, scoped: a lead is seen through its station, or its grid."""

from django.db.models import QuerySet

from concord.accounts.scope import in_scope_any
from concord.intake.models import Lead


def leads_visible(*, actor) -> QuerySet[Lead]:
    return in_scope_any(Lead.objects.all(), actor, vias=("station", "grid"))


def triage_queue(
    *, actor, state: str = Lead.State.NEW, disputes_only: bool = True
) -> QuerySet[Lead]:
    """The lead pool ranked by risk, then by age (oldest first within a level)."""
    qs = (
        leads_visible(actor=actor)
        .filter(state=state)
        .select_related("station", "grid", "repeat_of")
    )
    if disputes_only:
        qs = qs.filter(is_dispute=True)
    return qs.order_by("-priority", "received_at", "id")


def lead_get(*, actor, lead_id: int) -> Lead:
    return (
        leads_visible(actor=actor)
        .select_related("station", "grid", "repeat_of", "dispute")
        .get(pk=lead_id)
    )
