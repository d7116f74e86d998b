"""The mediation room for external systems (DESIGN §5): bodies, referrals (警调对接 and its kin),
sessions, agreements with their performance schedules, follow-up visits and what a case still lacks
before closure.

Reads go through concord.mediation.selectors (scoped to the acting account), writes through
concord.mediation.services; errors become responses in concord.api (a referral, an instalment or a
case out of reach is a 404; a step the account may not take is a 403 with the reason; bad input is
a 422 naming the field, and the row of a list).
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja import Status as Reply

from concord.accounts.models import User
from concord.disputes.api import (
    MAX_ID,
    MAX_INT,
    READ_ERRORS,
    WRITE_ERRORS,
    ActionIn,
    Input,
    Note,
    PartyOut,
    SafeDate,
    SafeDateTime,
    Username,
)
from concord.disputes.api import _visible as _case_in_area
from concord.disputes.models import Dispute, Party
from concord.mediation import selectors, services
from concord.mediation.closure import closure_missing
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
from concord.people.masking import mask_address, mask_id_number, mask_phone

router = Router(tags=["mediation"])

# Writes that carry no `expected_version` of the case cannot be stale.
ACTION_ERRORS = {code: schema for code, schema in WRITE_ERRORS.items() if code != 409}

ReferralId = Annotated[int, Path(ge=1, le=MAX_ID)]
InstalmentId = Annotated[int, Path(ge=1, le=MAX_ID)]
BodyId = Annotated[int, Field(ge=1, le=MAX_ID)]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2, allow_inf_nan=False)]
Reason = Annotated[str, Field(max_length=2000)]
RouteCode = Literal[tuple(ReferralRoute.values)]  # type: ignore[valid-type]
StateCode = Literal[tuple(Referral.State.values)]  # type: ignore[valid-type]
ResultCode = Literal[tuple(SessionResult.values)]  # type: ignore[valid-type]
FormCode = Literal[tuple(Agreement.Form.values)]  # type: ignore[valid-type]


# --- input types -----------------------------------------------------------------------------------


class BodyFilterIn(Input):
    case_number: str = Field(
        "",
        max_length=40,
        description="Only the bodies serving this case's place; without it, every active body "
        "serving a place in your area.",
    )


class ReferralFilterIn(Input):
    state: Literal[("", *Referral.State.values)] = ""  # type: ignore[valid-type]
    case_number: str = Field("", max_length=40, description="Only this case's referrals.")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=MAX_INT)


class ReferIn(ActionIn):
    bodies: list[BodyId] = Field(
        min_length=1,
        max_length=20,
        description="Ids of the mediation bodies (GET /api/mediation/bodies?case_number=…); "
        "several at once are a joint referral.",
    )
    route: RouteCode = Field(
        ReferralRoute.POLICE.value,
        description="`police` 警调对接, `court` 诉调对接, `petition` 访调对接.",
    )
    note: Note = Field("", description="What the body is asked to do.")
    due_at: SafeDateTime | None = Field(
        None, description="Mediation due by; defaults to the level's time (30, 15 or 7 days)."
    )


class ReasonIn(Input):
    reason: Reason


class SessionIn(Input):
    held_at: SafeDateTime = Field(description="When the session was held; not in the future.")
    place: str = Field(max_length=120)
    mediators: list[Username] = Field(
        default_factory=list,
        max_length=20,
        description="Usernames of the body's mediators who held it; defaults to you.",
    )
    attendees: str = Field(max_length=2000, description="Who attended.")
    summary: str = Field(max_length=10000)
    result: ResultCode = Field(
        description="`agreed`; `continuing`; `not_agreed` ends the referral and hands the case back."
    )


class InstalmentIn(Input):
    due_on: SafeDate = Field(description="Not before the agreement is signed.")
    description: str = Field(max_length=200, description="What is to be done: pay, repair…")
    amount: Money | None = Field(None, description="Yuan.")


class AgreementIn(Input):
    form: FormCode = Field(description="`oral`, `written`, or `judicial` (司法确认).")
    facts: str = Field(max_length=10000, description="The facts and the points in dispute.")
    terms: str = Field(max_length=10000)
    amount: Money | None = Field(None, description="Yuan; the instalments may not add up to more.")
    signed_on: SafeDate
    court: str = Field("", max_length=80, description="Required for `judicial`.")
    confirmation_number: str = Field("", max_length=60, description="Required for `judicial`.")
    confirmed_on: SafeDate | None = Field(None, description="Required for `judicial`.")
    instalments: list[InstalmentIn] = Field(
        default_factory=list, max_length=100, description="The performance schedule (履行)."
    )


class PerformIn(Input):
    performed_on: SafeDate
    amount: Money | None = Field(None, description="Yuan; defaults to the amount scheduled.")
    note: str = Field("", max_length=200)


# --- output types ----------------------------------------------------------------------------------


class BodyOut(Schema):
    id: int
    name: str
    kind: str
    mediation_kind: str = Field(description="`peoples`, `administrative` or `judicial`.")
    department: str
    phone: str = Field(description="The body's office telephone.")
    address: str = Field(description="The body's office address.")
    serves: list[str] = Field(description="Codes of the units it serves (and all below them).")


class BodyRefOut(Schema):
    id: int
    name: str
    kind: str


class CaseRefOut(Schema):
    case_number: str
    title: str
    level: str
    status: str
    version: int = Field(description="The case's version, for the next write that needs it.")


class ReferralOut(Schema):
    id: int
    case: CaseRefOut
    body: BodyRefOut
    route: str
    kind: str
    joint: bool
    state: str
    note: str
    due_at: dt.datetime
    overdue: bool
    referred_by: str
    referred_at: dt.datetime
    answered_by: str | None
    answered_at: dt.datetime | None
    return_reason: str
    concluded_at: dt.datetime | None
    conclusion: str


class ReferralPageOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[ReferralOut]


class SessionOut(Schema):
    id: int
    held_at: dt.datetime
    place: str
    mediators: list[str]
    attendees: str
    summary: str
    result: str
    recorded_by: str
    recorded_at: dt.datetime


class InstalmentOut(Schema):
    id: int
    agreement: str = Field(description="The agreement's number.")
    sequence: int
    due_on: dt.date
    description: str
    amount: Decimal | None
    performed_on: dt.date | None
    performed_amount: Decimal | None
    performed_note: str
    overdue: bool


class AgreementOut(Schema):
    id: int
    number: str
    form: str
    facts: str
    terms: str
    amount: Decimal | None
    signed_on: dt.date
    court: str
    confirmation_number: str
    confirmed_on: dt.date | None
    has_scan: bool = Field(description="A signed scan is on file (see it in the case's page).")
    recorded_by: str
    recorded_at: dt.datetime
    instalments: list[InstalmentOut]


class ReferralDetailOut(ReferralOut):
    parties: list[PartyOut] = Field(description="The case's parties, personal data masked.")
    sessions: list[SessionOut]
    agreement: AgreementOut | None


class ClosureOut(Schema):
    ready: bool = Field(description="Nothing is missing: closure (销号) may be requested.")
    missing: list[str] = Field(description="Each condition still unmet, as a sentence.")


class VisitOut(Schema):
    id: int
    visited_at: dt.datetime
    visited_by: str
    method: str
    met_with: str
    matter_settled: bool
    grievance_settled: bool
    both_settled: bool = Field(description="事心双解: both the matter and the grievance settled.")
    satisfaction: str
    note: str
    flags: list[str] = Field(description="New risk signals the visit's note raised.")


# --- translation helpers ---------------------------------------------------------------------------


def _username(user: User | None) -> str | None:
    return user.username if user is not None else None


def _body(body: MediationBody) -> dict[str, Any]:
    return {
        "id": body.pk,
        "name": body.name,
        "kind": body.kind,
        "mediation_kind": body.mediation_kind,
        "department": body.department,
        "phone": body.phone,
        "address": body.address,
        "serves": sorted(unit.code for unit in body.serves.all()),
    }


def _referral(referral: Referral, now: dt.datetime) -> dict[str, Any]:
    dispute = referral.dispute
    return {
        "id": referral.pk,
        "case": {
            "case_number": dispute.case_number,
            "title": dispute.title,
            "level": dispute.level,
            "status": dispute.status,
            "version": dispute.version,
        },
        "body": {"id": referral.body.pk, "name": referral.body.name, "kind": referral.body.kind},
        "route": referral.route,
        "kind": referral.kind,
        "joint": referral.joint,
        "state": referral.state,
        "note": referral.note,
        "due_at": referral.due_at,
        "overdue": referral.is_pending and referral.due_at < now,
        "referred_by": referral.referred_by.username,
        "referred_at": referral.referred_at,
        "answered_by": _username(referral.answered_by),
        "answered_at": referral.answered_at,
        "return_reason": referral.return_reason,
        "concluded_at": referral.concluded_at,
        "conclusion": referral.conclusion,
    }


def _party(party: Party) -> dict[str, Any]:
    return {
        "id": party.pk,
        "role": party.role,
        "name": party.name,
        "id_number": mask_id_number(party.id_number),
        "phone": mask_phone(party.phone),
        "address": mask_address(party.address),
        "sex": party.sex,
    }


def _session(session: MediationSession) -> dict[str, Any]:
    return {
        "id": session.pk,
        "held_at": session.held_at,
        "place": session.place,
        "mediators": sorted(m.username for m in session.mediators.all()),
        "attendees": session.attendees,
        "summary": session.summary,
        "result": session.result,
        "recorded_by": session.recorded_by.username,
        "recorded_at": session.recorded_at,
    }


def _instalment(instalment: Instalment, number: str, today: dt.date) -> dict[str, Any]:
    return {
        "id": instalment.pk,
        "agreement": number,
        "sequence": instalment.sequence,
        "due_on": instalment.due_on,
        "description": instalment.description,
        "amount": instalment.amount,
        "performed_on": instalment.performed_on,
        "performed_amount": instalment.performed_amount,
        "performed_note": instalment.performed_note,
        "overdue": not instalment.performed and instalment.due_on < today,
    }


def _agreement(agreement: Agreement, today: dt.date) -> dict[str, Any]:
    return {
        "id": agreement.pk,
        "number": agreement.number,
        "form": agreement.form,
        "facts": agreement.facts,
        "terms": agreement.terms,
        "amount": agreement.amount,
        "signed_on": agreement.signed_on,
        "court": agreement.court,
        "confirmation_number": agreement.confirmation_number,
        "confirmed_on": agreement.confirmed_on,
        "has_scan": agreement.scan_id is not None,
        "recorded_by": agreement.recorded_by.username,
        "recorded_at": agreement.recorded_at,
        "instalments": [
            _instalment(i, agreement.number, today) for i in agreement.instalments.all()
        ],
    }


def _referral_get(actor: User, referral_id: int) -> Referral:
    """A referral the actor may see (Referral.DoesNotExist, a 404, otherwise)."""
    return selectors.referrals_reachable(actor=actor).get(pk=referral_id)


def _detail(actor: User, referral_id: int) -> dict[str, Any]:
    referral = _referral_get(actor, referral_id)
    now = timezone.now()
    sessions = (
        MediationSession.objects.filter(referral=referral)
        .select_related("recorded_by")
        .prefetch_related("mediators")
        .order_by("held_at", "pk")
    )
    agreement = (
        Agreement.objects.filter(referral=referral)
        .select_related("recorded_by")
        .prefetch_related("instalments")
        .first()
    )
    return {
        **_referral(referral, now),
        "parties": [_party(p) for p in referral.dispute.parties.order_by("pk")],
        "sessions": [_session(s) for s in sessions],
        "agreement": _agreement(agreement, timezone.localdate(now)) if agreement else None,
    }


def _case(actor: User, case_number: str) -> Dispute:
    """A case the mediation room shows the actor (Dispute.DoesNotExist, a 404, otherwise)."""
    if (
        len(case_number) > Dispute._meta.get_field("case_number").max_length
        or "\x00" in case_number
    ):
        raise Dispute.DoesNotExist
    return selectors.case_get(actor=actor, case_number=case_number)


def _bodies(ids: list[int]) -> list[MediationBody]:
    """The bodies named by id; an unknown id is a 422 naming its row."""
    found = MediationBody.objects.in_bulk(ids)
    errors = {
        f"bodies[{n}]": _("No mediation body has the id %(id)s.") % {"id": body_id}
        for n, body_id in enumerate(ids)
        if body_id not in found
    }
    if errors:
        raise ValidationError(errors)
    return [found[body_id] for body_id in ids]


def _mediators(usernames: list[str]) -> list[User]:
    """The accounts named; an unknown or inactive one is a 422 naming its row."""
    found = {u.username: u for u in User.objects.filter(username__in=usernames, is_active=True)}
    errors = {
        f"mediators[{n}]": _("No active account “%(username)s”.") % {"username": name}
        for n, name in enumerate(usernames)
        if name not in found
    }
    if errors:
        raise ValidationError(errors)
    return [found[name] for name in usernames]


# --- endpoints -------------------------------------------------------------------------------------


@router.get(
    "/mediation/bodies",
    response={200: list[BodyOut], **READ_ERRORS},
    operation_id="mediation_bodies_list",
    summary="Mediation bodies: those serving a case's place, or every one serving your area",
)
def mediation_bodies_list(request, filters: Query[BodyFilterIn]):
    actor = request.auth
    if filters.case_number:
        bodies = selectors.bodies_serving(actor=actor, dispute=_case(actor, filters.case_number))
    else:
        bodies = selectors.bodies_visible(actor=actor)
    return [_body(b) for b in bodies.prefetch_related("serves")]


@router.get(
    "/mediation/referrals",
    response={200: ReferralPageOut, **READ_ERRORS},
    operation_id="referrals_list",
    summary="Referrals: a mediator's bodies' or, for officers, those of cases in their area",
)
def referrals_list(request, filters: Query[ReferralFilterIn]):
    qs = selectors.referrals_visible(actor=request.auth).select_related(
        "referred_by", "answered_by"
    )
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.case_number:
        qs = qs.filter(dispute__case_number=filters.case_number)
    qs = qs.order_by("-referred_at", "-pk")
    now = timezone.now()
    page = qs[filters.offset : filters.offset + filters.limit]
    return {
        "count": qs.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_referral(r, now) for r in page],
    }


@router.get(
    "/mediation/referrals/{referral_id}",
    response={200: ReferralDetailOut, **READ_ERRORS},
    operation_id="referral_detail",
    summary="One referral with the case's parties (masked), its sessions and its agreement",
)
def referral_detail(request, referral_id: ReferralId):
    return _detail(request.auth, referral_id)


@router.post(
    "/disputes/{case_number}/referrals",
    response={201: list[ReferralOut], **WRITE_ERRORS},
    operation_id="referral_create",
    summary="Refer the case to one or more mediation bodies (警调对接); the case starts mediating",
)
def referral_create(request, case_number: str, payload: ReferIn):
    actor = request.auth
    dispute = _case_in_area(actor, case_number)
    referrals = services.referral_create(
        actor=actor,
        dispute=dispute,
        expected_version=payload.expected_version,
        bodies=_bodies(payload.bodies),
        route=payload.route,
        note=payload.note,
        due_at=payload.due_at,
    )
    now = timezone.now()
    made = selectors.referrals_reachable(actor=actor).filter(pk__in=[r.pk for r in referrals])
    return Reply(201, [_referral(r, now) for r in made.order_by("pk")])


@router.post(
    "/mediation/referrals/{referral_id}/accept",
    response={200: ReferralDetailOut, **ACTION_ERRORS},
    operation_id="referral_accept",
    summary="Accept a referral (a mediator of the body)",
)
def referral_accept(request, referral_id: ReferralId):
    actor = request.auth
    services.referral_accept(actor=actor, referral=_referral_get(actor, referral_id))
    return _detail(actor, referral_id)


@router.post(
    "/mediation/referrals/{referral_id}/return",
    response={200: ReferralDetailOut, **ACTION_ERRORS},
    operation_id="referral_return",
    summary="Return a referral with the reason; the case owner gets a task",
)
def referral_return(request, referral_id: ReferralId, payload: ReasonIn):
    actor = request.auth
    services.referral_return(
        actor=actor, referral=_referral_get(actor, referral_id), reason=payload.reason
    )
    return _detail(actor, referral_id)


@router.post(
    "/mediation/referrals/{referral_id}/withdraw",
    response={200: ReferralDetailOut, **ACTION_ERRORS},
    operation_id="referral_withdraw",
    summary="Withdraw a referral, with the reason (the officers handling the case)",
)
def referral_withdraw(request, referral_id: ReferralId, payload: ReasonIn):
    actor = request.auth
    services.referral_withdraw(
        actor=actor, referral=_referral_get(actor, referral_id), reason=payload.reason
    )
    return _detail(actor, referral_id)


@router.post(
    "/mediation/referrals/{referral_id}/sessions",
    response={201: ReferralDetailOut, **ACTION_ERRORS},
    operation_id="session_record",
    summary="Record a mediation session; `not_agreed` ends the referral",
)
def session_record(request, referral_id: ReferralId, payload: SessionIn):
    actor = request.auth
    referral = _referral_get(actor, referral_id)
    services.session_record(
        actor=actor,
        referral=referral,
        held_at=payload.held_at,
        place=payload.place,
        mediators=_mediators(payload.mediators),
        attendees=payload.attendees,
        summary=payload.summary,
        result=payload.result,
    )
    return Reply(201, _detail(actor, referral_id))


@router.post(
    "/mediation/referrals/{referral_id}/agreement",
    response={201: ReferralDetailOut, **ACTION_ERRORS},
    operation_id="agreement_record",
    summary="Record the agreement and its performance schedule; the referral succeeds",
)
def agreement_record(request, referral_id: ReferralId, payload: AgreementIn):
    actor = request.auth
    services.agreement_record(
        actor=actor,
        referral=_referral_get(actor, referral_id),
        form=payload.form,
        facts=payload.facts,
        terms=payload.terms,
        amount=payload.amount,
        signed_on=payload.signed_on,
        court=payload.court,
        confirmation_number=payload.confirmation_number,
        confirmed_on=payload.confirmed_on,
        instalments=[
            services.InstalmentInput(due_on=i.due_on, description=i.description, amount=i.amount)
            for i in payload.instalments
        ],
    )
    return Reply(201, _detail(actor, referral_id))


@router.post(
    "/mediation/instalments/{instalment_id}/perform",
    response={200: InstalmentOut, **ACTION_ERRORS},
    operation_id="instalment_perform",
    summary="Record that an instalment of an agreement was performed",
)
def instalment_perform(request, instalment_id: InstalmentId, payload: PerformIn):
    actor = request.auth
    services.instalment_perform(
        actor=actor,
        instalment=selectors.instalment_get(actor=actor, instalment_id=instalment_id),
        performed_on=payload.performed_on,
        amount=payload.amount,
        note=payload.note,
    )
    instalment = selectors.instalment_get(actor=actor, instalment_id=instalment_id)
    return _instalment(instalment, instalment.agreement.number, timezone.localdate())


@router.get(
    "/disputes/{case_number}/closure",
    response={200: ClosureOut, **READ_ERRORS},
    operation_id="dispute_closure_check",
    summary="What the case still lacks before it may be closed (销号)",
)
def dispute_closure_check(request, case_number: str):
    missing = closure_missing(dispute=_case(request.auth, case_number))
    return {"ready": not missing, "missing": missing}


@router.get(
    "/disputes/{case_number}/visits",
    response={200: list[VisitOut], **READ_ERRORS},
    operation_id="dispute_visits",
    summary="The case's follow-up visits (回访), oldest first",
)
def dispute_visits(request, case_number: str):
    actor = request.auth
    visits: list[FollowUpVisit] = selectors.visits_of_case(
        actor=actor, dispute=_case(actor, case_number)
    )
    return [
        {
            "id": v.pk,
            "visited_at": v.visited_at,
            "visited_by": v.visited_by.username,
            "method": v.method,
            "met_with": v.met_with,
            "matter_settled": v.matter_settled,
            "grievance_settled": v.grievance_settled,
            "both_settled": v.both_settled,
            "satisfaction": v.satisfaction,
            "note": v.note,
            "flags": v.flags,
        }
        for v in visits
    ]
