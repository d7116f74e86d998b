"""The dispute register for external systems (DESIGN §5): thin endpoints over selectors and services.

Reads go through concord.disputes.selectors (scoped to the acting account), writes through
concord.disputes.services; this module only translates between JSON and those calls. Errors are
turned into responses by the handlers in concord.api.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja import Status as Reply
from pydantic import AfterValidator, field_validator

from concord.accounts.models import User
from concord.disputes import selectors, services
from concord.disputes.models import Category, Channel, Dispute, Level, Party, Status, Task
from concord.disputes.workflow import TRANSITIONS, actions_available
from concord.mediation.services import visit_record
from concord.people.masking import mask_address, mask_id_number, mask_phone
from concord.territory.models import Unit

router = Router(tags=["disputes"])

MAX_INT = 2**31 - 1  # the smallest integer column any supported database has
MAX_ID = 2**63 - 1
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2999, 12, 31)


# --- error shapes (shared by every router; the handlers that produce them are in concord.api) ------


class ErrorOut(Schema):
    detail: str


class StaleVersionOut(Schema):
    detail: str
    current_version: int = Field(description="The case's version now: reload the case, then retry.")


class FieldErrorOut(Schema):
    loc: list[str | int] = Field(
        description='Where the problem is, e.g. ["body", "payload", "parties", 1, "id_number"].'
    )
    msg: str
    type: str
    ctx: dict[str, Any] | None = None


class ValidationErrorOut(Schema):
    detail: list[FieldErrorOut]


READ_ERRORS: dict[int, type[Schema]] = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ValidationErrorOut,
}
WRITE_ERRORS: dict[int, type[Schema]] = {400: ErrorOut, **READ_ERRORS, 409: StaleVersionOut}


# --- input types -----------------------------------------------------------------------------------


def _storable(value: Any) -> Any:
    """Text a database can store: no NUL characters, no lone surrogates."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("text may not contain NUL characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError("text must be valid Unicode") from exc
    elif isinstance(value, list | tuple):
        for item in value:
            _storable(item)
    return value


def _date_in_range(value: dt.date) -> dt.date:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"a date between {EARLIEST} and {LATEST}")
    return value


def _aware_in_range(value: dt.datetime) -> dt.datetime:
    """A naive time is read in the bureau's time zone; the year must be a plausible one."""
    if not EARLIEST.year <= value.year <= LATEST.year:
        raise ValueError(f"a time between {EARLIEST.year} and {LATEST.year}")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


SafeDate = Annotated[dt.date, AfterValidator(_date_in_range)]
SafeDateTime = Annotated[dt.datetime, AfterValidator(_aware_in_range)]
Version = Annotated[
    int, Field(ge=1, le=MAX_INT, description="The case's `version` as you last read it.")
]
Username = Annotated[str, Field(min_length=1, max_length=150)]
Note = Annotated[str, Field(max_length=5000)]
LevelCode = Literal[tuple(Level.values)]  # type: ignore[valid-type]
ChannelCode = Literal[tuple(Channel.values)]  # type: ignore[valid-type]
PartyRole = Literal[tuple(Party.Role.values)]  # type: ignore[valid-type]
Sex = Literal["M", "F", ""]
Outcome = Literal[tuple(sorted(s.value for s in TRANSITIONS["record_outcome"].targets))]  # type: ignore[valid-type]


class Input(Schema):
    @field_validator("*")
    @classmethod
    def _text_is_storable(cls, value: Any) -> Any:
        return _storable(value)


class PartyIn(Input):
    name: str = Field(max_length=50)
    role: PartyRole = Party.Role.APPLICANT.value
    id_number: str = Field(
        "", max_length=32, description="18 digits (15-digit numbers are upgraded)."
    )
    phone: str = Field("", max_length=32)
    address: str = Field("", max_length=200)
    sex: Sex = Field("", description="Derived from the ID number when one is given.")
    birth_date: SafeDate | None = None


class DisputeRegisterIn(Input):
    title: str = Field(max_length=120)
    category: str = Field(max_length=32, description="A main category code, e.g. `neighbour`.")
    subtype: str = Field(
        "", max_length=32, description="A sub-type code of the category, e.g. `neighbour.drainage`."
    )
    grid: str = Field(max_length=32, description="The code of the grid where the dispute is.")
    channel: ChannelCode = Channel.API.value
    description: str = Field("", max_length=10000)
    found_at: SafeDateTime | None = Field(
        None, description="Defaults to now; a time without offset is local time."
    )
    began_on: SafeDate | None = None
    people_involved: int = Field(2, ge=1, le=1_000_000)
    amount_involved: Decimal | None = Field(
        None, ge=0, max_digits=14, decimal_places=2, allow_inf_nan=False, description="Yuan."
    )
    level: LevelCode = Level.YELLOW.value
    parties: list[PartyIn] = Field(default_factory=list, max_length=200)


class DisputeFilterIn(Input):
    category: str = Field("", max_length=32, description="A category or sub-type code.")
    level: Literal[("", *Level.values)] = ""  # type: ignore[valid-type]
    status: Literal[("", *Status.values)] = ""  # type: ignore[valid-type]
    unit: str = Field("", max_length=32, description="A unit code: the cases in its subtree.")
    overdue: bool = Field(False, description="Only cases with an open task past its due time.")
    found_from: SafeDate | None = None
    found_to: SafeDate | None = None
    q: str = Field(
        "", max_length=100, description="Case number, title, description or party name contains."
    )
    open_only: bool = False
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=MAX_INT)


class ActionIn(Input):
    expected_version: Version


class AssessIn(ActionIn):
    answers: dict[Annotated[str, Field(max_length=40)], bool] = Field(
        default_factory=dict,
        max_length=100,
        description="Checklist item code → yes/no (see docs/risk.md); the engine grades the case from them.",
    )
    level: LevelCode | None = Field(
        None,
        description="Professional judgement: a level other than the checklist's "
        "needs reasons; below the rules' minimum it is refused.",
    )
    reasons: list[Annotated[str, Field(max_length=500)]] = Field(
        default_factory=list, max_length=50
    )
    lead_leader: Username | None = Field(
        None, description="Username of the bureau commander who owns a red case."
    )


class ChangeLevelIn(ActionIn):
    level: LevelCode
    reasons: list[Annotated[str, Field(max_length=500)]] = Field(min_length=1, max_length=50)
    lead_leader: Username | None = None


class AssignIn(ActionIn):
    owner: Username = Field(description="Username of the officer who will own the case.")
    lead_leader: Username | None = None


class NoteIn(ActionIn):
    note: Note = ""


class RequiredNoteIn(ActionIn):
    note: Note = Field(min_length=1)


class OutcomeIn(ActionIn):
    outcome: Outcome
    note: Note = Field(min_length=1)
    transferred_to: str = Field(
        "", max_length=100, description="Required when the outcome is `transferred`."
    )


class FollowUpIn(ActionIn):
    note: Note = Field(min_length=1)
    matter_settled: bool = Field(description="事了: the matter itself is settled.")
    grievance_settled: bool = Field(description="心结解开: the parties' grievance is settled.")
    method: Literal["in_person", "phone", "video"] = "in_person"
    met_with: str = Field("", max_length=200, description="Whom the visitor met.")
    satisfaction: Literal["", "satisfied", "partly", "dissatisfied"] = ""
    recurred: bool = Field(
        False, description="The dispute has flared up again: reopens a closed case."
    )


class TaskCompleteIn(Input):
    note: Note = ""


class TaskWaiveIn(Input):
    reason: str = Field(min_length=1, max_length=200)


class TaskReassignIn(Input):
    assignee: Username


# --- output types ----------------------------------------------------------------------------------


class SubtypeOut(Schema):
    code: str
    name: str
    name_en: str


class CategoryOut(SubtypeOut):
    subtypes: list[SubtypeOut]


class UnitOut(Schema):
    code: str
    name: str


class PartyOut(Schema):
    id: int
    role: str
    name: str
    id_number: str = Field(description="Masked: the first 6 and the last 4 characters.")
    phone: str = Field(description="Masked: a mobile keeps its first 3 and last 4 digits.")
    address: str = Field(description="Masked: the district and township part only.")
    sex: str


def _reason_text(reason) -> str:
    if isinstance(reason, str):
        return reason
    english = (translation.get_language() or "").startswith("en")
    return reason.get("text_en" if english else "text_zh") or reason.get("text_zh") or ""


class AssessmentOut(Schema):
    level: str
    score: float | None
    reasons: list[str]
    instrument_version: str
    assessed_at: dt.datetime
    assessed_by: str


class TaskOut(Schema):
    id: int
    case_number: str
    kind: str
    title: str
    due_at: dt.datetime
    state: str
    level: str
    assignee: str | None
    overdue: bool
    completed_at: dt.datetime | None
    waive_reason: str


class DisputeItemOut(Schema):
    case_number: str
    title: str
    category: str
    level: str
    status: str
    grid: str
    station: str
    owner: str | None
    found_at: dt.datetime
    version: int


class DisputePageOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[DisputeItemOut]


class DisputeOut(Schema):
    case_number: str
    title: str
    description: str
    category: SubtypeOut
    subtype: SubtypeOut | None
    grid: UnitOut
    station: UnitOut
    channel: str
    level: str
    status: str
    handling_tier: str
    found_at: dt.datetime
    began_on: dt.date | None
    people_involved: int
    amount_involved: Decimal | None
    owner: str | None
    lead_leader: str | None
    registered_by: str
    outcome_note: str
    transferred_to: str
    closed_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
    parties: list[PartyOut]
    assessment: AssessmentOut | None
    open_tasks: list[TaskOut]
    actions: list[str] = Field(
        description=(
            "What the caller may do to the case now: workflow action names such as `start_mediation`, each the "
            "endpoint `POST /api/disputes/{case_number}/start-mediation`; `reassign` is `POST …/assign` too."
        )
    )


class EventOut(Schema):
    at: dt.datetime
    actor: str | None = Field(description="Username; null for Concord's own scheduled checks.")
    action: str
    from_status: str
    to_status: str
    changes: dict[str, Any]
    note: str


# --- translation helpers ---------------------------------------------------------------------------


def _username(user: User | None) -> str | None:
    return user.username if user is not None else None


def _category(category: Category) -> dict[str, str]:
    return {"code": category.code, "name": category.name, "name_en": category.name_en}


def _task(task: Task, now: dt.datetime) -> dict[str, Any]:
    return {
        "id": task.pk,
        "case_number": task.dispute.case_number,
        "kind": task.kind,
        "title": task.title,
        "due_at": task.due_at,
        "state": task.state,
        "level": task.level,
        "assignee": _username(task.assignee),
        "overdue": task.state == Task.State.OPEN and task.due_at < now,
        "completed_at": task.completed_at,
        "waive_reason": task.waive_reason,
    }


def _detail(actor: User, dispute: Dispute) -> dict[str, Any]:
    now = timezone.now()
    assessment = dispute.assessment
    open_tasks = (
        selectors.tasks_visible(actor=actor)
        .filter(dispute=dispute, state=Task.State.OPEN)
        .order_by("due_at", "id")
    )
    return {
        "case_number": dispute.case_number,
        "title": dispute.title,
        "description": dispute.description,
        "category": _category(dispute.category),
        "subtype": _category(dispute.subtype) if dispute.subtype else None,
        "grid": {"code": dispute.grid.code, "name": dispute.grid.name},
        "station": {"code": dispute.station.code, "name": dispute.station.name},
        "channel": dispute.channel,
        "level": dispute.level,
        "status": dispute.status,
        "handling_tier": dispute.handling_tier,
        "found_at": dispute.found_at,
        "began_on": dispute.began_on,
        "people_involved": dispute.people_involved,
        "amount_involved": dispute.amount_involved,
        "owner": _username(dispute.owner),
        "lead_leader": _username(dispute.lead_leader),
        "registered_by": dispute.registered_by.username,
        "outcome_note": dispute.outcome_note,
        "transferred_to": dispute.transferred_to,
        "closed_at": dispute.closed_at,
        "created_at": dispute.created_at,
        "updated_at": dispute.updated_at,
        "version": dispute.version,
        "parties": [
            {
                "id": p.pk,
                "role": p.role,
                "name": p.name,
                "id_number": mask_id_number(p.id_number),
                "phone": mask_phone(p.phone),
                "address": mask_address(p.address),
                "sex": p.sex,
            }
            for p in dispute.parties.all()
        ],
        "assessment": None
        if assessment is None
        else {
            "level": assessment.level,
            "score": assessment.score,
            "reasons": [_reason_text(r) for r in assessment.reasons],
            "instrument_version": assessment.instrument_version,
            "assessed_at": assessment.assessed_at,
            "assessed_by": assessment.assessed_by.username,
        },
        "open_tasks": [_task(t, now) for t in open_tasks],
        "actions": actions_available(role=actor.role, status=dispute.status, level=dispute.level),
    }


def _visible(actor: User, case_number: str) -> Dispute:
    """The case if the actor may see it; Dispute.DoesNotExist (404) otherwise, whether it exists or not."""
    if (
        len(case_number) > Dispute._meta.get_field("case_number").max_length
        or "\x00" in case_number
    ):
        raise Dispute.DoesNotExist
    return selectors.dispute_get(actor=actor, case_number=case_number)


def _users(**usernames: str | None) -> dict[str, User | None]:
    """Resolve usernames named by body fields; unknown ones are a 422 naming the field."""
    found = {
        u.username: u
        for u in User.objects.filter(
            username__in=[n for n in usernames.values() if n], is_active=True
        )
    }
    errors = {
        field: _("No active account “%(username)s”.") % {"username": name}
        for field, name in usernames.items()
        if name and name not in found
    }
    if errors:
        raise ValidationError(errors)
    return {field: found[name] if name else None for field, name in usernames.items()}


def _act(request, case_number: str, service, **data: Any) -> dict[str, Any]:
    actor = request.auth
    service(actor=actor, dispute=_visible(actor, case_number), **data)
    return _detail(actor, _visible(actor, case_number))


# --- endpoints -------------------------------------------------------------------------------------


@router.get(
    "/categories",
    response={200: list[CategoryOut], **READ_ERRORS},
    operation_id="categories_list",
    summary="The dispute taxonomy: active categories and their sub-types",
)
def categories_list(request):
    subtypes = Category.objects.filter(parent__isnull=False, is_active=True).order_by(
        "sort_order", "code"
    )
    by_parent: dict[int, list[dict[str, str]]] = {}
    for sub in subtypes:
        by_parent.setdefault(sub.parent_id, []).append(_category(sub))
    return [
        {**_category(c), "subtypes": by_parent.get(c.pk, [])}
        for c in Category.objects.filter(parent__isnull=True, is_active=True)
    ]


@router.get(
    "/disputes",
    response={200: DisputePageOut, **READ_ERRORS},
    operation_id="disputes_list",
    summary="The register of disputes in your area, filtered and paginated",
)
def disputes_list(request, filters: Query[DisputeFilterIn]):
    data = filters.model_dump()
    limit, offset = data.pop("limit"), data.pop("offset")
    qs = selectors.dispute_list(actor=request.auth, filters=selectors.DisputeFilters(**data))
    items = [
        {
            "case_number": d.case_number,
            "title": d.title,
            "category": d.category.code,
            "level": d.level,
            "status": d.status,
            "grid": d.grid.code,
            "station": d.station.code,
            "owner": _username(d.owner),
            "found_at": d.found_at,
            "version": d.version,
        }
        for d in qs[offset : offset + limit]
    ]
    return {"count": qs.count(), "limit": limit, "offset": offset, "items": items}


@router.post(
    "/disputes",
    response={201: DisputeOut, **WRITE_ERRORS},
    operation_id="dispute_register",
    summary="Register a dispute (a new case with its number for life)",
)
def dispute_register(request, payload: DisputeRegisterIn):
    actor = request.auth
    category = Category.objects.filter(code=payload.category).first()
    subtype = Category.objects.filter(code=payload.subtype).first() if payload.subtype else None
    grid = Unit.objects.filter(code=payload.grid).first()
    errors = {}
    if category is None:
        errors["category"] = _("Unknown category “%(code)s”.") % {"code": payload.category}
    if payload.subtype and subtype is None:
        errors["subtype"] = _("Unknown sub-type “%(code)s”.") % {"code": payload.subtype}
    if grid is None:
        errors["grid"] = _("Unknown grid “%(code)s”.") % {"code": payload.grid}
    if errors:
        raise ValidationError(errors)
    dispute = services.dispute_register(
        actor=actor,
        title=payload.title,
        category=category,
        subtype=subtype,
        grid=grid,
        channel=payload.channel,
        description=payload.description,
        found_at=payload.found_at,
        began_on=payload.began_on,
        people_involved=payload.people_involved,
        amount_involved=payload.amount_involved,
        level=payload.level,
        parties=[services.PartyInput(**p.model_dump()) for p in payload.parties],
    )
    return Reply(201, _detail(actor, _visible(actor, dispute.case_number)))


@router.get(
    "/disputes/{case_number}",
    response={200: DisputeOut, **READ_ERRORS},
    operation_id="dispute_detail",
    summary="One case: parties (masked), assessment, open tasks and what you may do next",
)
def dispute_detail(request, case_number: str):
    return _detail(request.auth, _visible(request.auth, case_number))


@router.get(
    "/disputes/{case_number}/events",
    response={200: list[EventOut], **READ_ERRORS},
    operation_id="dispute_events",
    summary="The case's timeline, oldest first",
)
def dispute_events(request, case_number: str):
    actor = request.auth
    return [
        {
            "at": e.at,
            "actor": _username(e.actor),
            "action": e.action,
            "from_status": e.from_status,
            "to_status": e.to_status,
            "changes": e.changes,
            "note": e.note,
        }
        for e in selectors.dispute_timeline(actor=actor, dispute=_visible(actor, case_number))
    ]


@router.get(
    "/disputes/{case_number}/tasks",
    response={200: list[TaskOut], **READ_ERRORS},
    operation_id="dispute_tasks",
    summary="The case's checklist: every task, open or not",
)
def dispute_tasks(request, case_number: str):
    actor = request.auth
    dispute = _visible(actor, case_number)
    now = timezone.now()
    return [
        _task(t, now)
        for t in selectors.tasks_visible(actor=actor)
        .filter(dispute=dispute)
        .order_by("due_at", "id")
    ]


@router.post(
    "/disputes/{case_number}/assess",
    response={200: DisputeOut, **WRITE_ERRORS},
    operation_id="dispute_assess",
    summary="Record a risk assessment and set the level from it",
)
def dispute_assess(request, case_number: str, payload: AssessIn):
    users = _users(lead_leader=payload.lead_leader)
    return _act(
        request,
        case_number,
        services.dispute_assess,
        expected_version=payload.expected_version,
        answers=payload.answers,
        level=payload.level,
        reasons=payload.reasons,
        lead_leader=users["lead_leader"],
    )


@router.post(
    "/disputes/{case_number}/change-level",
    response={200: DisputeOut, **WRITE_ERRORS},
    operation_id="dispute_change_level",
    summary="Re-grade a case already in hand",
)
def dispute_change_level(request, case_number: str, payload: ChangeLevelIn):
    users = _users(lead_leader=payload.lead_leader)
    return _act(
        request,
        case_number,
        services.dispute_change_level,
        expected_version=payload.expected_version,
        level=payload.level,
        reasons=payload.reasons,
        lead_leader=users["lead_leader"],
    )


@router.post(
    "/disputes/{case_number}/assign",
    response={200: DisputeOut, **WRITE_ERRORS},
    operation_id="dispute_assign",
    summary="Hand the case to its owner (or to a new owner)",
)
def dispute_assign(request, case_number: str, payload: AssignIn):
    users = _users(owner=payload.owner, lead_leader=payload.lead_leader)
    return _act(
        request,
        case_number,
        services.dispute_assign,
        expected_version=payload.expected_version,
        owner=users["owner"],
        lead_leader=users["lead_leader"],
    )


@router.post(
    "/disputes/{case_number}/start-mediation",
    response={200: DisputeOut, **WRITE_ERRORS},
    operation_id="dispute_start_mediation",
    summary="Start mediating",
)
def dispute_start_mediation(request, case_number: str, payload: NoteIn):
    return _act(
        request,
        case_number,
        services.dispute_start_mediation,
        expected_version=payload.expected_version,
        note=payload.note,
    )


@router.post(
    "/disputes/{case_number}/record-outcome",
    response={200: DisputeOut, **WRITE_ERRORS},
    operation_id="dispute_record_outcome",
    summary="Record the outcome: resolved, contained or transferred",
)
def dispute_record_outcome(request, case_number: str, payload: OutcomeIn):
    return _act(
        request,
        case_number,
        services.dispute_record_outcome,
        expected_version=payload.expected_version,
        outcome=payload.outcome,
        note=payload.note,
        transferred_to=payload.transferred_to,
    )


@router.post(
    "/disputes/{case_number}/follow-up",
    response={200: DisputeOut, **WRITE_ERRORS},
    operation_id="dispute_follow_up",
    summary="Record a follow-up visit",
)
def dispute_follow_up(request, case_number: str, payload: FollowUpIn):
    return _act(
        request,
        case_number,
        visit_record,
        expected_version=payload.expected_version,
        note=payload.note,
        matter_settled=payload.matter_settled,
        grievance_settled=payload.grievance_settled,
        method=payload.method,
        met_with=payload.met_with,
        satisfaction=payload.satisfaction,
        recurred=payload.recurred,
    )


@router.post(
    "/disputes/{case_number}/request-closure",
    response={200: DisputeOut, **WRITE_ERRORS},
    operation_id="dispute_request_closure",
    summary="Ask for the case to be closed",
)
def dispute_request_closure(request, case_number: str, payload: NoteIn):
    return _act(
        request,
        case_number,
        services.dispute_request_closure,
        expected_version=payload.expected_version,
        note=payload.note,
    )


@router.post(
    "/disputes/{case_number}/approve-closure",
    response={200: DisputeOut, **WRITE_ERRORS},
    operation_id="dispute_approve_closure",
    summary="Approve closure (销号)",
)
def dispute_approve_closure(request, case_number: str, payload: NoteIn):
    return _act(
        request,
        case_number,
        services.dispute_approve_closure,
        expected_version=payload.expected_version,
        note=payload.note,
    )


@router.post(
    "/disputes/{case_number}/reject-closure",
    response={200: DisputeOut, **WRITE_ERRORS},
    operation_id="dispute_reject_closure",
    summary="Reject closure: more follow-up is needed",
)
def dispute_reject_closure(request, case_number: str, payload: RequiredNoteIn):
    return _act(
        request,
        case_number,
        services.dispute_reject_closure,
        expected_version=payload.expected_version,
        note=payload.note,
    )


@router.post(
    "/disputes/{case_number}/reopen",
    response={200: DisputeOut, **WRITE_ERRORS},
    operation_id="dispute_reopen",
    summary="Reopen a closed case: the dispute recurred",
)
def dispute_reopen(request, case_number: str, payload: RequiredNoteIn):
    return _act(
        request,
        case_number,
        services.dispute_reopen,
        expected_version=payload.expected_version,
        note=payload.note,
    )


TaskId = Annotated[int, Path(ge=1, le=MAX_ID)]
TASK_ERRORS = {k: v for k, v in WRITE_ERRORS.items() if k != 409}


def _visible_task(actor: User, task_id: int) -> Task:
    return selectors.tasks_visible(actor=actor).get(pk=task_id)


def _task_out(actor: User, task: Task) -> dict[str, Any]:
    return _task(_visible_task(actor, task.pk), timezone.now())


@router.post(
    "/tasks/{task_id}/complete",
    response={200: TaskOut, **TASK_ERRORS},
    operation_id="task_complete",
    summary="Mark a task done",
)
def task_complete(request, task_id: TaskId, payload: TaskCompleteIn):
    actor = request.auth
    task = services.task_complete(
        actor=actor, task=_visible_task(actor, task_id), note=payload.note
    )
    return _task_out(actor, task)


@router.post(
    "/tasks/{task_id}/waive",
    response={200: TaskOut, **TASK_ERRORS},
    operation_id="task_waive",
    summary="Waive a task that is no longer due, with the reason",
)
def task_waive(request, task_id: TaskId, payload: TaskWaiveIn):
    actor = request.auth
    task = services.task_waive(
        actor=actor, task=_visible_task(actor, task_id), reason=payload.reason
    )
    return _task_out(actor, task)


@router.post(
    "/tasks/{task_id}/reassign",
    response={200: TaskOut, **TASK_ERRORS},
    operation_id="task_reassign",
    summary="Give a task to someone else",
)
def task_reassign(request, task_id: TaskId, payload: TaskReassignIn):
    actor = request.auth
    users = _users(assignee=payload.assignee)
    task = services.task_reassign(
        actor=actor, task=_visible_task(actor, task_id), assignee=users["assignee"]
    )
    return _task_out(actor, task)
