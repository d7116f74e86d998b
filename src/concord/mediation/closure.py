"""What a case still lacks before it may be closed (销号), in words the case page and the refusal show.

A case closes when it has an outcome, no referral is still with a mediation body, every agreement is
performed or on schedule, the level's follow-up visits since the outcome are done, and the latest of
them found both the matter and the grievance settled (事心双解)."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from concord.disputes.models import Dispute, LevelPolicy, Status
from concord.mediation.models import FollowUpVisit, Instalment, Referral

CLOSABLE_FROM = frozenset({Status.FOLLOWING_UP, Status.CLOSURE_REQUESTED})


def _outcome_at(dispute: Dispute) -> dt.datetime | None:
    event = dispute.events.filter(action="record_outcome").order_by("-at", "-id").first()
    return event.at if event else None


def visits_since_outcome(dispute: Dispute, outcome_at: dt.datetime | None = None):
    """The follow-up visits that count towards closure: those since the latest outcome (looked up
    unless the caller has it)."""
    visits = FollowUpVisit.objects.filter(dispute=dispute)
    outcome_at = outcome_at or _outcome_at(dispute)
    return visits.filter(visited_at__gte=outcome_at) if outcome_at else visits


def closure_missing(*, dispute: Dispute, now: dt.datetime | None = None) -> list[str]:
    """Each condition still unmet, as one sentence; empty when the case may be closed."""
    today = timezone.localdate(now or timezone.now())
    missing: list[str] = []
    outcome_at = _outcome_at(dispute)
    if outcome_at is None or not dispute.outcome_note:
        missing.append(_("No outcome has been recorded (resolved, contained or transferred)."))
    for referral in Referral.objects.filter(
        dispute=dispute, state__in=[Referral.State.REFERRED, Referral.State.ACCEPTED]
    ).select_related("body"):
        missing.append(
            _("The referral to %(body)s is still %(state)s.")
            % {"body": referral.body.name, "state": referral.get_state_display()}
        )
    overdue = (
        Instalment.objects.filter(
            agreement__dispute=dispute, performed_on__isnull=True, due_on__lt=today
        )
        .select_related("agreement")
        .order_by("due_on", "sequence")
    )
    for instalment in overdue:
        missing.append(
            _(
                "Agreement %(number)s: instalment %(n)s (%(what)s, due %(due)s) has not been performed."
            )
            % {
                "number": instalment.agreement.number,
                "n": instalment.sequence,
                "what": instalment.description,
                "due": instalment.due_on.isoformat(),
            }
        )
    required = LevelPolicy.objects.get(level=dispute.level).visits_after_outcome
    visits = list(visits_since_outcome(dispute, outcome_at).order_by("visited_at", "id"))
    if len(visits) < required:
        missing.append(
            _("%(done)s of the %(required)s follow-up visits required after the outcome are done.")
            % {"done": len(visits), "required": required}
        )
    if visits and not visits[-1].both_settled:
        missing.append(
            _(
                "The latest follow-up visit did not find both the matter and the grievance "
                "settled (事心双解)."
            )
        )
    return missing
