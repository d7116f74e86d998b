"""Writes of the mediation room. Each service is one transaction that writes the change, a step on
the case's timeline (DisputeEvent) and its audit row together."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.accounts.models import Role, User
from concord.accounts.scope import can_see_unit
from concord.disputes import services as dispute_services
from concord.disputes.models import Dispute, Status, Task
from concord.disputes.services import TransitionRefused, policy_for, timeline_record
from concord.disputes.workflow import ANY_TERRITORIAL, TRANSITIONS
from concord.mediation.closure import visits_since_outcome
from concord.mediation.models import (
    Agreement,
    FollowUpVisit,
    Instalment,
    MediationBody,
    MediationSession,
    Referral,
    ReferralRoute,
    SessionResult,
)
from concord.risk.signals import text_signals

# Days a body has to mediate a referral, by the case's level (人民调解 is usually within 30 days; a
# red case cannot wait that long).
REFERRAL_DAYS = {"yellow": 30, "orange": 15, "red": 7}
# New signals in a visit note that call for a fresh look at the risk level.
ESCALATING_FLAGS = frozenset(
    {"threat_kill", "self_harm", "weapon", "violence", "stalking", "group"}
)


@dataclass
class InstalmentInput:
    due_on: dt.date
    description: str
    amount: Decimal | None = None


# --- helpers -----------------------------------------------------------------------------------


def _referral_locked(referral: Referral) -> Referral:
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("dispute__grid", "dispute__owner", "body")
        .get(pk=referral.pk)
    )


def _check_member(actor: User, body: MediationBody) -> None:
    if actor.role != Role.MEDIATOR or not body.members.filter(pk=actor.pk).exists():
        raise TransitionRefused(_("Only a mediator of %(body)s may do this.") % {"body": body.name})


def _check_state(referral: Referral, *states: str) -> None:
    if referral.dispute.status == Status.CLOSED:
        raise ValidationError(
            {"state": _("Case %(number)s is closed.") % {"number": referral.dispute.case_number}}
        )
    if referral.state not in states:
        raise ValidationError(
            {
                "state": _("The referral to %(body)s is already %(state)s.")
                % {"body": referral.body.name, "state": referral.get_state_display()}
            }
        )


def _owner_task(dispute: Dispute, *, kind: str, title: str, data: dict, at: dt.datetime) -> Task:
    """A task for the case owner, due within the level's first-contact time."""
    hours = policy_for(dispute.level).first_contact_hours
    return Task.objects.create(
        dispute=dispute,
        kind=kind,
        title=title[:120],
        due_at=at + dt.timedelta(hours=hours),
        assignee=dispute.owner,
        level=dispute.level,
        data=data,
    )


def body_serves(body: MediationBody, dispute: Dispute) -> bool:
    codes = set(dispute.grid.path_codes)
    return body.serves.filter(code__in=codes).exists()


# --- referrals ---------------------------------------------------------------------------------


@transaction.atomic
def referral_create(
    *,
    actor: User,
    dispute: Dispute,
    expected_version: int,
    bodies: list[MediationBody],
    route: str = ReferralRoute.POLICE,
    note: str = "",
    due_at: dt.datetime | None = None,
) -> list[Referral]:
    """警调对接 / 诉调对接 / 访调对接: hand the case to one or more bodies (several at once: joint
    handling). An assigned case starts mediating."""
    if not can_see_unit(actor, dispute.grid) or not TRANSITIONS["refer"].allowed(
        actor.role, dispute.level
    ):
        raise TransitionRefused(_("You may not refer this case to mediation."))
    errors: dict[str, str] = {}
    bodies = list(dict.fromkeys(bodies))
    if not bodies:
        errors["bodies"] = _("Choose at least one mediation body.")
    if route not in ReferralRoute.values:
        errors["route"] = _("Unknown referral route “%(route)s”.") % {"route": route}
    body_errors = [
        _("%(body)s no longer takes referrals.") % {"body": body.name}
        if not body.is_active
        else _("%(body)s does not serve this case's place.") % {"body": body.name}
        for body in bodies
        if not body.is_active or not body_serves(body, dispute)
    ]
    if body_errors:
        errors["bodies"] = " ".join(body_errors)
    now = timezone.now()
    if due_at is not None and due_at <= now:
        errors["due_at"] = _("The due date must be in the future.")
    if errors:
        raise ValidationError(errors)
    busy = Referral.objects.filter(
        dispute=dispute,
        body__in=bodies,
        state__in=[Referral.State.REFERRED, Referral.State.ACCEPTED],
    ).select_related("body")
    if busy:
        raise ValidationError(
            {"bodies": _("%(body)s already holds this case.") % {"body": busy[0].body.name}}
        )
    due_at = due_at or now + dt.timedelta(days=REFERRAL_DAYS[dispute.level])
    dispute = dispute_services.dispute_step(
        "refer",
        actor=actor,
        dispute=dispute,
        expected_version=expected_version,
        target=Status.MEDIATING,
        note=note,
        done={Task.Kind.FIRST_CONTACT, Task.Kind.MEDIATION},
        event_changes={
            "referrals": [None, [body.name for body in bodies]],
            "route": [None, route],
            "due_at": [None, due_at],
        },
    )
    return Referral.objects.bulk_create(
        [
            Referral(
                dispute=dispute,
                body=body,
                route=route,
                kind=body.mediation_kind,
                joint=len(bodies) > 1,
                note=note.strip(),
                due_at=due_at,
                referred_by=actor,
                referred_at=now,
            )
            for body in bodies
        ]
    )


@transaction.atomic
def referral_accept(*, actor: User, referral: Referral) -> Referral:
    referral = _referral_locked(referral)
    _check_member(actor, referral.body)
    _check_state(referral, Referral.State.REFERRED)
    now = timezone.now()
    referral.state, referral.answered_by, referral.answered_at = Referral.State.ACCEPTED, actor, now
    referral.save(update_fields=["state", "answered_by", "answered_at"])
    timeline_record(
        dispute=referral.dispute,
        actor=actor,
        action="referral_accept",
        changes={"referral": [None, {"id": referral.pk, "body": referral.body.name}]},
        at=now,
    )
    return referral


@transaction.atomic
def referral_return(*, actor: User, referral: Referral, reason: str) -> Referral:
    """The body will not take the case: it goes back to its owner as a task carrying the reason."""
    referral = _referral_locked(referral)
    _check_member(actor, referral.body)
    _check_state(referral, Referral.State.REFERRED, Referral.State.ACCEPTED)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the referral is returned.")})
    now = timezone.now()
    referral.state, referral.answered_by, referral.answered_at = Referral.State.RETURNED, actor, now
    referral.return_reason = reason.strip()
    referral.save(update_fields=["state", "answered_by", "answered_at", "return_reason"])
    dispute = referral.dispute
    _owner_task(
        dispute,
        kind=Task.Kind.REFERRAL,
        title=_("Returned by %(body)s: %(reason)s")
        % {"body": referral.body.name, "reason": referral.return_reason},
        data={"referral": referral.pk, "reason": referral.return_reason},
        at=now,
    )
    timeline_record(
        dispute=dispute,
        actor=actor,
        action="referral_return",
        changes={"referral": [None, {"id": referral.pk, "body": referral.body.name}]},
        note=referral.return_reason,
        at=now,
    )
    return referral


@transaction.atomic
def referral_withdraw(*, actor: User, referral: Referral, reason: str) -> Referral:
    """The case owner's side takes the case back (settled another way, or sent elsewhere)."""
    referral = _referral_locked(referral)
    dispute = referral.dispute
    if not can_see_unit(actor, dispute.grid) or not TRANSITIONS["refer"].allowed(
        actor.role, dispute.level
    ):
        raise TransitionRefused(_("Only the officers handling the case may withdraw a referral."))
    _check_state(referral, Referral.State.REFERRED, Referral.State.ACCEPTED)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the referral is withdrawn.")})
    now = timezone.now()
    referral.state, referral.concluded_at = Referral.State.WITHDRAWN, now
    referral.conclusion = reason.strip()
    referral.save(update_fields=["state", "concluded_at", "conclusion"])
    timeline_record(
        dispute=dispute,
        actor=actor,
        action="referral_withdraw",
        changes={"referral": [None, {"id": referral.pk, "body": referral.body.name}]},
        note=referral.conclusion,
        at=now,
    )
    return referral


# --- sessions and agreements -------------------------------------------------------------------


@transaction.atomic
def session_record(
    *,
    actor: User,
    referral: Referral,
    held_at: dt.datetime,
    place: str,
    mediators: list[User],
    attendees: str,
    summary: str,
    result: str,
) -> MediationSession:
    """One mediation session. "No agreement" ends the referral and hands the case back to its owner."""
    referral = _referral_locked(referral)
    _check_member(actor, referral.body)
    _check_state(referral, Referral.State.ACCEPTED)
    now = timezone.now()
    errors: dict[str, str] = {}
    if held_at > now + dt.timedelta(minutes=5):
        errors["held_at"] = _("A session cannot be recorded before it is held.")
    elif held_at < referral.referred_at - dt.timedelta(days=1):
        errors["held_at"] = _("The session is dated before the case was referred.")
    if not place.strip():
        errors["place"] = _("Say where the session was held.")
    if not attendees.strip():
        errors["attendees"] = _("Say who attended.")
    if not summary.strip():
        errors["summary"] = _("Summarise the session.")
    if result not in SessionResult.values:
        errors["result"] = _("Choose the session's result.")
    mediators = list(dict.fromkeys(mediators or [actor]))
    outsiders = [m for m in mediators if not referral.body.members.filter(pk=m.pk).exists()]
    if outsiders:
        errors["mediators"] = _("%(name)s is not a mediator of %(body)s.") % {
            "name": outsiders[0],
            "body": referral.body.name,
        }
    if errors:
        raise ValidationError(errors)
    session = MediationSession.objects.create(
        referral=referral,
        held_at=held_at,
        place=place.strip(),
        attendees=attendees.strip(),
        summary=summary.strip(),
        result=result,
        recorded_by=actor,
    )
    session.mediators.set(mediators)
    dispute = referral.dispute
    timeline_record(
        dispute=dispute,
        actor=actor,
        action="mediation_session",
        changes={
            "session": [None, {"id": session.pk, "body": referral.body.name}],
            "result": [None, result],
        },
        note=session.summary[:500],
        at=now,
    )
    if result == SessionResult.NOT_AGREED:
        referral.state, referral.concluded_at = Referral.State.FAILED, now
        referral.conclusion = session.summary
        referral.save(update_fields=["state", "concluded_at", "conclusion"])
        _owner_task(
            dispute,
            kind=Task.Kind.REFERRAL,
            title=_("No agreement at %(body)s: decide the next step")
            % {"body": referral.body.name},
            data={"referral": referral.pk, "reason": session.summary[:200]},
            at=now,
        )
        timeline_record(
            dispute=dispute,
            actor=actor,
            action="mediation_failed",
            changes={"referral": [None, {"id": referral.pk, "body": referral.body.name}]},
            at=now,
        )
    return session


def _agreement_number(dispute: Dispute) -> str:
    return f"{dispute.case_number}-T{dispute.agreements.count() + 1}"


@transaction.atomic
def agreement_record(
    *,
    actor: User,
    referral: Referral,
    form: str,
    facts: str,
    terms: str,
    signed_on: dt.date,
    amount: Decimal | None = None,
    instalments: list[InstalmentInput] | tuple[InstalmentInput, ...] = (),
    court: str = "",
    confirmation_number: str = "",
    confirmed_on: dt.date | None = None,
    scan=None,
) -> Agreement:
    """The agreement that ends a referral in success, with its performance schedule (履行)."""
    referral = _referral_locked(referral)
    _check_member(actor, referral.body)
    _check_state(referral, Referral.State.ACCEPTED)
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if form not in Agreement.Form.values:
        errors["form"] = _("Choose oral, written or judicially confirmed.")
    if not facts.strip():
        errors["facts"] = _("State the facts and the points in dispute.")
    if not terms.strip():
        errors["terms"] = _("State the terms agreed.")
    if signed_on > today:
        errors["signed_on"] = _("The agreement cannot be signed in the future.")
    elif signed_on < timezone.localdate(referral.referred_at):
        errors["signed_on"] = _("The agreement is dated before the case was referred.")
    if amount is not None and amount < 0:
        errors["amount"] = _("The amount cannot be negative.")
    if form == Agreement.Form.JUDICIAL:
        if not court.strip():
            errors["court"] = _("Name the court that confirmed the agreement.")
        if not confirmation_number.strip():
            errors["confirmation_number"] = _("Give the number of the confirmation ruling.")
        if confirmed_on is None:
            errors["confirmed_on"] = _("Give the date of judicial confirmation.")
        elif confirmed_on < signed_on or confirmed_on > today:
            errors["confirmed_on"] = _(
                "Judicial confirmation comes after signing and not in the future."
            )
    for n, step in enumerate(instalments, start=1):
        if not step.description.strip():
            errors[f"instalments[{n - 1}].description"] = _(
                "Instalment %(n)s: say what is to be done."
            ) % {"n": n}
        if step.due_on < signed_on:
            errors[f"instalments[{n - 1}].due_on"] = _(
                "Instalment %(n)s is due before the agreement was signed."
            ) % {"n": n}
        if step.amount is not None and step.amount < 0:
            errors[f"instalments[{n - 1}].amount"] = _(
                "Instalment %(n)s: the amount cannot be negative."
            ) % {"n": n}
    scheduled = sum((s.amount or Decimal(0)) for s in instalments)
    if amount is not None and instalments and scheduled > amount:
        errors["amount"] = _(
            "The instalments add up to ¥%(scheduled)s, more than the agreed ¥%(amount)s."
        ) % {"scheduled": scheduled, "amount": amount}
    if scan is not None:
        try:
            dispute_services.attachment_check(scan)
        except ValidationError as exc:
            errors["scan"] = exc.message_dict["attachment"][0]
    if errors:
        raise ValidationError(errors)
    # The case row's lock serialises agreement numbers between bodies of a joint referral.
    dispute = Dispute.objects.select_for_update(of=("self",)).get(pk=referral.dispute_id)
    attachment = (
        dispute_services.attachment_store(actor=actor, dispute=dispute, upload=scan)
        if scan is not None
        else None
    )
    is_written = form != Agreement.Form.ORAL
    agreement = Agreement.objects.create(
        referral=referral,
        dispute=dispute,
        number=_agreement_number(dispute),
        form=form,
        facts=facts.strip(),
        terms=terms.strip(),
        amount=amount,
        signed_on=signed_on,
        court=court.strip() if form == Agreement.Form.JUDICIAL else "",
        confirmation_number=confirmation_number.strip() if is_written else "",
        confirmed_on=confirmed_on if form == Agreement.Form.JUDICIAL else None,
        scan=attachment,
        recorded_by=actor,
    )
    Instalment.objects.bulk_create(
        [
            Instalment(
                agreement=agreement,
                sequence=n,
                due_on=step.due_on,
                description=step.description.strip(),
                amount=step.amount,
            )
            for n, step in enumerate(sorted(instalments, key=lambda s: s.due_on), start=1)
        ]
    )
    now = timezone.now()
    referral.state, referral.concluded_at = Referral.State.SUCCEEDED, now
    referral.conclusion = agreement.terms
    referral.save(update_fields=["state", "concluded_at", "conclusion"])
    timeline_record(
        dispute=dispute,
        actor=actor,
        action="agreement_record",
        changes={
            "agreement": [None, {"id": agreement.pk, "number": agreement.number}],
            "form": [None, form],
            "amount": [None, amount],
            "instalments": [0, len(instalments)],
        },
        note=agreement.terms[:500],
        at=now,
    )
    return agreement


def may_record_performance(actor: User, agreement: Agreement) -> bool:
    """Who may record an instalment as performed: the body's mediators and the case's officers."""
    if actor.role == Role.MEDIATOR:
        return agreement.referral.body.members.filter(pk=actor.pk).exists()
    return actor.role in ANY_TERRITORIAL and can_see_unit(actor, agreement.dispute.grid)


@transaction.atomic
def instalment_perform(
    *,
    actor: User,
    instalment: Instalment,
    performed_on: dt.date,
    amount: Decimal | None = None,
    note: str = "",
) -> Instalment:
    """One instalment of the agreement was performed; a task its miss raised is done with it."""
    instalment = (
        Instalment.objects.select_for_update(of=("self",))
        .select_related("agreement__dispute__grid", "agreement__referral__body")
        .get(pk=instalment.pk)
    )
    agreement = instalment.agreement
    if not may_record_performance(actor, agreement):
        raise TransitionRefused(_("You do not handle this agreement."))
    if instalment.performed:
        raise ValidationError(
            {
                "performed_on": _("Instalment %(n)s is already recorded as performed.")
                % {"n": instalment.sequence}
            }
        )
    if performed_on > timezone.localdate():
        raise ValidationError({"performed_on": _("Performance cannot be recorded in advance.")})
    if performed_on < agreement.signed_on:
        raise ValidationError(
            {"performed_on": _("Performance is dated before the agreement was signed.")}
        )
    if amount is not None and amount < 0:
        raise ValidationError({"amount": _("The amount cannot be negative.")})
    now = timezone.now()
    instalment.performed_on = performed_on
    instalment.performed_amount = amount if amount is not None else instalment.amount
    instalment.performed_note = note.strip()[:200]
    instalment.recorded_by = actor
    instalment.save(
        update_fields=["performed_on", "performed_amount", "performed_note", "recorded_by"]
    )
    dispute = agreement.dispute
    Task.objects.filter(
        dispute=dispute,
        kind=Task.Kind.PERFORMANCE,
        state=Task.State.OPEN,
        data__instalment=instalment.pk,
    ).update(state=Task.State.DONE, completed_at=now, completed_by=actor)
    timeline_record(
        dispute=dispute,
        actor=actor,
        action="instalment_perform",
        changes={
            "instalment": [None, {"agreement": agreement.number, "n": instalment.sequence}],
            "performed_amount": [None, instalment.performed_amount],
        },
        note=instalment.performed_note,
        at=now,
    )
    return instalment


@transaction.atomic
def instalments_check_missed(*, now: dt.datetime | None = None) -> int:
    """The scheduled check: each instalment past its due date and not performed raises, once, a task
    for the case owner and a step on the timeline. Returns how many it found."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    missed = (
        Instalment.objects.select_for_update(of=("self",))
        .filter(performed_on__isnull=True, missed_at__isnull=True, due_on__lt=today)
        .select_related("agreement__dispute__owner")
        .order_by("due_on", "pk")
    )
    found = 0
    for instalment in missed:
        agreement, dispute = instalment.agreement, instalment.agreement.dispute
        instalment.missed_at = now
        instalment.save(update_fields=["missed_at"])
        _owner_task(
            dispute,
            kind=Task.Kind.PERFORMANCE,
            title=_("Agreement %(number)s: instalment %(n)s, due %(due)s, not performed")
            % {"number": agreement.number, "n": instalment.sequence, "due": instalment.due_on},
            data={"instalment": instalment.pk, "agreement": agreement.pk},
            at=now,
        )
        timeline_record(
            dispute=dispute,
            actor=None,
            action="instalment_missed",
            changes={
                "instalment": [None, {"agreement": agreement.number, "n": instalment.sequence}],
                "due_on": [None, instalment.due_on],
            },
            note=instalment.description,
            at=now,
        )
        found += 1
    return found


# --- follow-up visits --------------------------------------------------------------------------


@transaction.atomic
def visit_record(
    *,
    actor: User,
    dispute: Dispute,
    expected_version: int,
    note: str,
    matter_settled: bool,
    grievance_settled: bool,
    method: str = FollowUpVisit.Method.IN_PERSON,
    met_with: str = "",
    satisfaction: str = "",
    visited_at: dt.datetime | None = None,
    recurred: bool = False,
) -> FollowUpVisit:
    """回访 after the outcome (and, for a red case, in the months after closure). New risk signals
    propose a re-assessment; a recurrence (`recurred`) reopens a closed case."""
    now = timezone.now()
    visited_at = visited_at or now
    errors: dict[str, str] = {}
    if not note.strip():
        errors["note"] = _("Write what the visit found.")
    if method not in FollowUpVisit.Method.values:
        errors["method"] = _("Choose how the visit was made.")
    if satisfaction and satisfaction not in FollowUpVisit.Satisfaction.values:
        errors["satisfaction"] = _("Choose the parties' satisfaction.")
    if visited_at > now + dt.timedelta(minutes=5):
        errors["visited_at"] = _("A visit cannot be recorded before it happens.")
    if errors:
        raise ValidationError(errors)
    changes = {
        "matter_settled": [None, matter_settled],
        "grievance_settled": [None, grievance_settled],
    }
    closed = dispute.status == Status.CLOSED
    if closed:  # a visit in the months after closure: on the timeline, the status stays closed
        dispute = dispute_services.dispute_lock(dispute, expected_version)
        if not can_see_unit(actor, dispute.grid) or actor.role not in ANY_TERRITORIAL:
            raise TransitionRefused(_("This case is outside your area."))
        due_visit = (
            dispute.tasks.filter(kind=Task.Kind.FOLLOW_UP, state=Task.State.OPEN)
            .order_by("due_at", "id")
            .first()
        )
        if due_visit:
            Task.objects.filter(pk=due_visit.pk).update(
                state=Task.State.DONE, completed_at=now, completed_by=actor
            )
        timeline_record(
            dispute=dispute,
            actor=actor,
            action="follow_up",
            changes=changes,
            note=note.strip(),
            at=now,
        )
    else:
        dispute = dispute_services.dispute_step(
            "follow_up",
            actor=actor,
            dispute=dispute,
            expected_version=expected_version,
            target=Status.FOLLOWING_UP,
            note=note,
            done={Task.Kind.FOLLOW_UP},
            first_only=True,
            event_changes=changes,
        )
    flags = sorted(text_signals(note).flags & ESCALATING_FLAGS)
    visit = FollowUpVisit.objects.create(
        dispute=dispute,
        visited_at=visited_at,
        visited_by=actor,
        method=method,
        met_with=met_with.strip()[:200],
        matter_settled=matter_settled,
        grievance_settled=grievance_settled,
        satisfaction=satisfaction,
        note=note.strip(),
        flags=flags,
    )
    if recurred and closed:
        dispute_services.dispute_reopen(
            actor=actor,
            dispute=dispute,
            expected_version=dispute.version,
            note=_("Recurrence found on a follow-up visit: %(note)s")
            % {"note": note.strip()[:200]},
        )
        return visit
    if flags or recurred:
        reason = (
            _("the dispute recurred")
            if recurred
            else _("the visit found new risk signals: %(flags)s") % {"flags": ", ".join(flags)}
        )
        dispute_services.reassessment_propose(dispute=dispute, reason=reason, at=now)
    if not closed:
        done = visits_since_outcome(dispute).count()
        if done < policy_for(dispute.level).visits_after_outcome or not (
            matter_settled and grievance_settled
        ):
            dispute_services.visit_schedule(dispute=dispute)
    return visit
