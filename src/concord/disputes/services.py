"""Writes to the dispute register. Each service is one transaction that writes the change, one
DisputeEvent on the case's timeline and one audit row together."""

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from concord.accounts.models import Role, User
from concord.accounts.scope import can_see_unit
from concord.audit.services import audit_record
from concord.disputes import risk as dispute_risk
from concord.disputes.models import (
    LEVEL_RANK,
    Assessment,
    Attachment,
    CaseSequence,
    Category,
    Channel,
    Dispute,
    DisputeEvent,
    Level,
    LevelPolicy,
    Party,
    Status,
    Task,
)
from concord.disputes.workflow import TRANSITIONS
from concord.people.identity import InvalidIdNumber, parse_id_number
from concord.people.services import party_link
from concord.risk import loader as risk_loader
from concord.territory.models import Responsibility, Tier, Unit, UnitKind


class TransitionRefused(PermissionDenied):
    """The actor may not take this action on this case in its current state."""


class StaleVersion(Exception):
    """Someone else changed the case since the actor loaded it; nothing was written."""

    def __init__(self, dispute: Dispute, expected: int):
        self.dispute, self.expected = dispute, expected
        super().__init__(
            _(
                "Case %(number)s was changed by someone else (version %(current)s, you had %(expected)s). "
                "Reload it to see their change, then try again."
            )
            % {"number": dispute.case_number, "current": dispute.version, "expected": expected}
        )


class DraftAlreadySent(Exception):
    """A browser draft arrived a second time (the signal came back in the middle of its request):
    its first arrival already made the step, so nothing more is written."""

    def __init__(self, event: DisputeEvent):
        self.event, self.dispute = event, event.dispute
        super().__init__(
            _("This draft already reached case %(number)s; it was not recorded twice.")
            % {"number": event.dispute.case_number}
        )


ID_ERRORS = {
    "format": gettext_lazy("an ID number has 18 characters (or 15 digits for an old one)"),
    "birth_date": gettext_lazy("the birth date in the ID number is impossible"),
    "checksum": gettext_lazy(
        "the ID number's check digit is wrong; please check it for a typing error"
    ),
}


@dataclass
class PartyInput:
    name: str
    role: str = Party.Role.APPLICANT
    id_number: str = ""
    phone: str = ""
    address: str = ""
    sex: str = ""
    birth_date: dt.date | None = None


@dataclass
class TaskPlanItem:
    kind: str
    due_at: dt.datetime
    assignee: User | None
    title: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


# --- helpers -----------------------------------------------------------------------------------


def policy_for(level: str) -> LevelPolicy:
    return LevelPolicy.objects.get(level=level)


def _station_of(grid: Unit) -> Unit:
    station = grid.station()
    if station is None:
        raise ValidationError({"grid": _("This grid lies in no police station's area.")})
    return station


def _sector_officer(grid: Unit, on: dt.date) -> User | None:
    """The community officer currently responsible for the sector the grid lies in."""
    held = (
        Responsibility.objects.filter(
            unit__code__in=grid.path_codes, tier=Tier.SECTOR, since__lte=on
        )
        .exclude(until__lt=on)
        .select_related("user")
        .first()
    )
    return held.user if held else None


def _issue_case_number(station: Unit, year: int) -> str:
    CaseSequence.objects.bulk_create(
        [CaseSequence(unit=station, year=year, last=0)], ignore_conflicts=True
    )
    sequence = CaseSequence.objects.select_for_update().get(unit=station, year=year)
    sequence.last = F("last") + 1
    sequence.save(update_fields=["last"])
    sequence.refresh_from_db(fields=["last"])
    return f"{station.code}-{year}-{sequence.last:05d}"


def _clean_party(index: int, party: PartyInput) -> Party:
    errors: dict[str, str] = {}
    name = "".join(party.name.split())
    if not name:
        errors[f"parties[{index}].name"] = _("Party %(n)s needs a name.") % {"n": index + 1}
    record = Party(
        role=party.role,
        name=name,
        phone=party.phone.strip(),
        address=party.address.strip(),
        sex=party.sex,
        birth_date=party.birth_date,
    )
    if party.role not in Party.Role.values:
        errors[f"parties[{index}].role"] = _("Unknown party role “%(role)s”.") % {
            "role": party.role
        }
    if party.id_number.strip():
        try:
            parsed = parse_id_number(party.id_number)
        except InvalidIdNumber as exc:
            errors[f"parties[{index}].id_number"] = _("Party %(n)s: %(problem)s.") % {
                "n": index + 1,
                "problem": ID_ERRORS[exc.reason],
            }
        else:
            record.id_number = parsed.number
            if record.sex and record.sex != parsed.sex:
                errors[f"parties[{index}].sex"] = _(
                    "Party %(n)s: the sex does not match the ID number."
                ) % {"n": index + 1}
            if record.birth_date and record.birth_date != parsed.birth_date:
                errors[f"parties[{index}].birth_date"] = _(
                    "Party %(n)s: the birth date does not match the ID number."
                ) % {"n": index + 1}
            record.sex, record.birth_date = parsed.sex, parsed.birth_date
    if errors:
        raise ValidationError(errors)
    return record


def _event(
    *,
    dispute: Dispute,
    actor: User | None,
    action: str,
    from_status: str,
    to_status: str,
    changes: dict[str, list[Any]] | None = None,
    note: str = "",
    at: dt.datetime | None = None,
    client_token: uuid.UUID | None = None,
) -> DisputeEvent:
    event = DisputeEvent.objects.create(
        dispute=dispute,
        actor=actor,
        at=at or timezone.now(),
        action=action,
        from_status=from_status,
        to_status=to_status,
        changes=_jsonable(changes or {}),
        note=note,
        client_token=client_token,
    )
    audit_record(
        actor=actor,
        action=f"disputes.{action}",
        target=dispute,
        unit=dispute.grid,
        data={
            "case_number": dispute.case_number,
            "from": from_status,
            "to": to_status,
            "fields": sorted((changes or {}).keys()),
        },
    )
    return event


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "pk"):
        return {"id": value.pk, "label": str(value)}
    return value


def _task_plan(
    dispute: Dispute, policy: LevelPolicy, start: dt.datetime, *, fresh: bool
) -> list[TaskPlanItem]:
    """The checklist a level's policy asks for, from `start` on, given how far the case has got."""
    owner, status = dispute.owner, dispute.status
    early = status in {Status.REGISTERED, Status.REOPENED, Status.ASSESSED, Status.ASSIGNED}
    items: list[TaskPlanItem] = []
    if early:
        items.append(
            TaskPlanItem(
                Task.Kind.FIRST_CONTACT,
                start + dt.timedelta(hours=policy.first_contact_hours),
                owner,
            )
        )
    if fresh and status in {Status.REGISTERED, Status.REOPENED}:
        items.append(
            TaskPlanItem(
                Task.Kind.ASSESSMENT, start + dt.timedelta(hours=policy.assessment_hours), owner
            )
        )
    if policy.plan_days is not None:
        items.append(
            TaskPlanItem(
                Task.Kind.PLAN,
                start + dt.timedelta(days=policy.plan_days),
                dispute.lead_leader or owner,
            )
        )
    if early:
        items.append(
            TaskPlanItem(
                Task.Kind.MEDIATION, start + dt.timedelta(days=policy.mediation_days), owner
            )
        )
    if status in {Status.RESOLVED, Status.CONTAINED, Status.TRANSFERRED, Status.FOLLOWING_UP}:
        items.append(
            TaskPlanItem(
                Task.Kind.FOLLOW_UP, start + dt.timedelta(days=policy.visit_interval_days), owner
            )
        )
    items.append(
        TaskPlanItem(Task.Kind.CLOSURE, start + dt.timedelta(days=policy.closure_days), owner)
    )
    return items


def _create_tasks(dispute: Dispute, items: list[TaskPlanItem]) -> list[Task]:
    return Task.objects.bulk_create(
        [
            Task(
                dispute=dispute,
                kind=i.kind,
                title=i.title,
                due_at=i.due_at,
                assignee=i.assignee,
                level=dispute.level,
            )
            for i in items
        ]
    )


def _complete_tasks(
    dispute: Dispute, kinds: set[str], actor: User, at: dt.datetime, *, first_only: bool = False
) -> None:
    open_tasks = dispute.tasks.filter(kind__in=kinds, state=Task.State.OPEN).order_by(
        "due_at", "id"
    )
    if first_only:
        open_tasks = open_tasks[:1]
    Task.objects.filter(pk__in=[t.pk for t in open_tasks]).update(
        state=Task.State.DONE, completed_at=at, completed_by=actor
    )


def dispute_lock(dispute: Dispute, expected_version: int) -> Dispute:
    """The case row, locked for this transaction; StaleVersion if it changed since it was read."""
    current = (
        Dispute.objects.select_for_update(of=("self",))
        .select_related("grid", "owner", "lead_leader")
        .get(pk=dispute.pk)
    )
    if current.version != expected_version:
        raise StaleVersion(current, expected_version)
    return current


def draft_check(*, actor: User, client_token: uuid.UUID | None) -> None:
    """Refuse a browser draft that already made its step: DraftAlreadySent names the case."""
    if client_token is None:
        return
    event = DisputeEvent.objects.select_related("dispute").filter(client_token=client_token).first()
    if event is None:
        return
    if event.actor_id != actor.pk:
        raise ValidationError(
            {"client_token": _("This draft's token was used by someone else; start a new form.")}
        )
    raise DraftAlreadySent(event)


def draft_token_record(
    *, dispute: Dispute, actor: User, after_event_id: int, client_token: uuid.UUID | None
) -> None:
    """Mark the first step `actor` wrote on the case after event `after_event_id` as made by this
    browser draft, so that a second arrival of the draft is recognised (DraftAlreadySent).
    Callers hold the transaction that wrote the step."""
    if client_token is None:
        return
    first = (
        DisputeEvent.objects.filter(dispute=dispute, actor=actor, pk__gt=after_event_id)
        .order_by("pk")
        .first()
    )
    if first is not None:
        DisputeEvent.objects.filter(pk=first.pk).update(client_token=client_token)


def _authorise(actor: User, dispute: Dispute, action: str) -> None:
    transition = TRANSITIONS[action]
    if not can_see_unit(actor, dispute.grid):
        raise TransitionRefused(_("This case is outside your area."))
    if action != "register" and dispute.status not in transition.sources:
        raise TransitionRefused(
            _("“%(action)s” is not possible while the case is %(status)s.")
            % {"action": ACTION_LABELS[action], "status": Status(dispute.status).label}
        )
    if not transition.allowed(actor.role, dispute.level):
        raise TransitionRefused(
            _("A %(role)s may not “%(action)s” on a %(level)s case.")
            % {
                "role": Role(actor.role).label,
                "action": ACTION_LABELS[action],
                "level": Level(dispute.level).label,
            }
        )


def _save(dispute: Dispute, changes: dict[str, list[Any]], **extra: Any) -> None:
    fields = [name for name in changes if name in {f.name for f in Dispute._meta.fields}]
    dispute.version += 1
    dispute.save(update_fields=[*fields, *extra.get("also", []), "version", "updated_at"])


ACTION_LABELS = {
    "register": gettext_lazy("register"),
    "assess": gettext_lazy("assess"),
    "change_level": gettext_lazy("change level"),
    "assign": gettext_lazy("assign"),
    "reassign": gettext_lazy("reassign"),
    "start_mediation": gettext_lazy("start mediation"),
    "record_outcome": gettext_lazy("record outcome"),
    "follow_up": gettext_lazy("record follow-up visit"),
    "request_closure": gettext_lazy("request closure"),
    "approve_closure": gettext_lazy("approve closure"),
    "reject_closure": gettext_lazy("reject closure"),
    "reopen": gettext_lazy("reopen"),
    "attachment_add": gettext_lazy("add attachment"),
    "task_complete": gettext_lazy("complete a task"),
    "task_waive": gettext_lazy("waive a task"),
    "task_reassign": gettext_lazy("reassign a task"),
    "request_downgrade": gettext_lazy("request a downgrade"),
    "lead_attach": gettext_lazy("a new lead attached"),
    "refer": gettext_lazy("refer to mediation"),
    "referral_accept": gettext_lazy("referral accepted"),
    "referral_return": gettext_lazy("referral returned"),
    "referral_withdraw": gettext_lazy("referral withdrawn"),
    "mediation_session": gettext_lazy("mediation session"),
    "mediation_failed": gettext_lazy("mediation ended without agreement"),
    "agreement_record": gettext_lazy("agreement recorded"),
    "instalment_perform": gettext_lazy("agreement performance recorded"),
    "instalment_missed": gettext_lazy("agreement instalment missed"),
    "import": gettext_lazy("import from a ledger"),
}


# --- the transitions ----------------------------------------------------------------------------


@transaction.atomic
def dispute_register(
    *,
    actor: User,
    title: str,
    category: Category,
    grid: Unit,
    channel: str = Channel.GRID_REPORT,
    description: str = "",
    subtype: Category | None = None,
    found_at: dt.datetime | None = None,
    began_on: dt.date | None = None,
    people_involved: int = 2,
    amount_involved: Decimal | None = None,
    level: str = Level.YELLOW,
    parties: list[PartyInput] | tuple[PartyInput, ...] = (),
    attachments: tuple = (),
    client_token: uuid.UUID | None = None,
) -> Dispute:
    """Open a case: its number for life, its owner (the sector's community officer) and its checklist.

    `client_token` is the browser draft's token: a draft that arrives twice opens one case (the
    second arrival raises DraftAlreadySent naming it)."""
    draft_check(actor=actor, client_token=client_token)
    now = timezone.now()
    found_at = found_at or now
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = _("A dispute needs a short title.")
    if grid.kind != UnitKind.GRID:
        errors["grid"] = _("A dispute is registered in a grid.")
    if category.parent_id is not None or not category.is_active:
        errors["category"] = _("Choose one of the active main categories.")
    if subtype is not None and subtype.parent_id != category.pk:
        errors["subtype"] = _("The sub-type does not belong to the category.")
    if channel not in Channel.values:
        errors["channel"] = _("Unknown channel “%(channel)s”.") % {"channel": channel}
    if level not in Level.values:
        errors["level"] = _("Unknown risk level “%(level)s”.") % {"level": level}
    if found_at > now + dt.timedelta(minutes=5):
        errors["found_at"] = _("The time found cannot be in the future.")
    if began_on is not None and began_on > timezone.localdate(found_at):
        errors["began_on"] = _("A dispute cannot begin after it was found.")
    if people_involved < 1:
        errors["people_involved"] = _("At least one person is involved.")
    if amount_involved is not None and amount_involved < 0:
        errors["amount_involved"] = _("The amount involved cannot be negative.")
    for upload in attachments:
        try:
            attachment_check(upload)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    party_records: list[Party] = []
    for index, party in enumerate(parties):
        try:
            party_records.append(_clean_party(index, party))
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    if grid.kind == UnitKind.GRID and not can_see_unit(actor, grid):
        raise TransitionRefused(_("This grid is outside your area."))
    if not TRANSITIONS["register"].allowed(actor.role, level):
        raise TransitionRefused(
            _("A %(role)s may not register disputes.") % {"role": Role(actor.role).label}
        )

    policy = policy_for(level)
    station = _station_of(grid)
    dispute = Dispute.objects.create(
        case_number=_issue_case_number(station, timezone.localdate(found_at).year),
        title=title.strip(),
        category=category,
        subtype=subtype,
        description=description.strip(),
        grid=grid,
        station=station,
        began_on=began_on,
        found_at=found_at,
        channel=channel,
        people_involved=people_involved,
        amount_involved=amount_involved,
        level=level,
        status=Status.REGISTERED,
        handling_tier=policy.handling_tier,
        owner=_sector_officer(grid, timezone.localdate(now)),
        registered_by=actor,
    )
    for record in party_records:
        record.dispute = dispute
    Party.objects.bulk_create(party_records)
    for record in party_records:
        # "一人多报": every party is linked to a person at once, so repeats show from the start.
        party_link(party=record, actor=actor)
    _create_tasks(dispute, _task_plan(dispute, policy, found_at, fresh=True))
    _event(
        dispute=dispute,
        actor=actor,
        action="register",
        from_status="",
        to_status=Status.REGISTERED,
        changes={
            "level": [None, level],
            "owner": [None, dispute.owner],
            "parties": [0, len(party_records)],
        },
        at=now,
        client_token=client_token,
    )
    for upload in attachments:
        attachment_add(actor=actor, dispute=dispute, upload=upload)
    dispute.refresh_from_db()
    return dispute


def _apply_level(
    dispute: Dispute,
    *,
    level: str,
    lead_leader: User | None,
    now: dt.datetime,
    changes: dict[str, list[Any]],
) -> LevelPolicy:
    """Set a new level: its tier, its leader for red cases, and a fresh checklist for its deadlines."""
    policy = policy_for(level)
    if policy.needs_lead_leader:
        leader = lead_leader or dispute.lead_leader
        if leader is None:
            raise ValidationError(
                {"lead_leader": _("A red case needs a named leader who owns it (包案领导).")}
            )
        if leader.role != Role.BUREAU_COMMANDER or not can_see_unit(leader, dispute.grid):
            raise ValidationError(
                {
                    "lead_leader": _(
                        "The leader in charge must be a bureau commander over this area."
                    )
                }
            )
        if leader != dispute.lead_leader:
            changes["lead_leader"] = [dispute.lead_leader, leader]
            dispute.lead_leader = leader
    if level != dispute.level:
        changes["level"] = [dispute.level, level]
        if policy.handling_tier != dispute.handling_tier:
            changes["handling_tier"] = [dispute.handling_tier, policy.handling_tier]
        dispute.level, dispute.handling_tier = level, policy.handling_tier
        dispute.tasks.filter(state=Task.State.OPEN).update(
            state=Task.State.WAIVED,
            waive_reason=_("Superseded: the level changed to %(level)s.")
            % {"level": Level(level).label},
        )
        _create_tasks(dispute, _task_plan(dispute, policy, now, fresh=False))
    return policy


@transaction.atomic
def dispute_assess(
    *,
    actor: User,
    dispute: Dispute,
    expected_version: int,
    answers: dict[str, bool] | None = None,
    level: str | None = None,
    reasons: list[str] | tuple[str, ...] = (),
    lead_leader: User | None = None,
) -> Dispute:
    """Grade the case with the current instrument; professional judgement may set another level with reasons."""
    return _assess(
        actor=actor,
        dispute=dispute,
        expected_version=expected_version,
        level=level,
        reasons=reasons,
        answers=answers,
        lead_leader=lead_leader,
        action="assess",
    )


@transaction.atomic
def dispute_change_level(
    *,
    actor: User,
    dispute: Dispute,
    expected_version: int,
    level: str,
    reasons: list[str] | tuple[str, ...],
    lead_leader: User | None = None,
    answers: dict[str, bool] | None = None,
) -> Dispute:
    """Re-grade a case already in hand (new signals, professional judgement)."""
    return _assess(
        actor=actor,
        dispute=dispute,
        expected_version=expected_version,
        level=level,
        reasons=reasons,
        answers=answers,
        lead_leader=lead_leader,
        action="change_level",
    )


def _check_answers(answers: dict[str, bool]) -> dict[str, bool]:
    known = {item.code for item in risk_loader.current_instrument().items}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise ValidationError(
            {"answers": _("Unknown checklist items: %(codes)s.") % {"codes": ", ".join(unknown)}}
        )
    return {code: bool(value) for code, value in answers.items()}


def _assess(
    *,
    actor,
    dispute,
    expected_version,
    level,
    reasons,
    answers,
    lead_leader,
    action,
    approved_by: User | None = None,
    at: dt.datetime | None = None,
):
    dispute = dispute_lock(dispute, expected_version)
    _authorise(actor, dispute, action)
    if level is not None and level not in Level.values:
        raise ValidationError({"level": _("Unknown risk level “%(level)s”.") % {"level": level}})
    if answers is None and dispute.assessment_id:
        answers = dispute.assessment.answers  # a re-grade keeps what was answered last time
    answers = _check_answers(answers or {})
    result = dispute_risk.grade(dispute, answers)
    judgement = [r.strip() for r in reasons if r and r.strip()]
    final = level or result.level
    if LEVEL_RANK[final] < LEVEL_RANK[result.minimum_level] and approved_by is None:
        raise ValidationError(
            {
                "level": _(
                    "The rules set at least %(minimum)s for this case (%(rules)s). A lower level needs a second "
                    "approver at a higher tier: request a downgrade."
                )
                % {
                    "minimum": Level(result.minimum_level).label,
                    "rules": "; ".join(
                        r.text_zh if _is_zh() else r.text_en
                        for r in result.reasons
                        if r.kind == "rule"
                    ),
                }
            }
        )
    if final != result.level and not judgement:
        raise ValidationError(
            {
                "reasons": _(
                    "Give the reasons for your judgement: it differs from the checklist's level (%(level)s)."
                )
                % {"level": Level(result.level).label}
            }
        )
    now = at or timezone.now()
    changes: dict[str, list[Any]] = {}
    # Done before a level change supersedes the open checklist, so they count as done, not waived.
    _complete_tasks(dispute, {Task.Kind.ASSESSMENT, Task.Kind.REASSESS}, actor, now)
    _apply_level(dispute, level=final, lead_leader=lead_leader, now=now, changes=changes)
    stored = [r.as_dict() for r in result.reasons] + [
        {"kind": "judgement", "code": final, "text_zh": r, "text_en": r, "source": str(actor)}
        for r in judgement
    ]
    assessment = Assessment.objects.create(
        dispute=dispute,
        level=final,
        score=result.score,
        reasons=stored,
        instrument_version=result.instrument_version,
        rules_version=result.rules_version,
        minimum_level=result.minimum_level,
        answers=answers,
        flags=sorted(result.flags),
        assessed_by=actor,
        assessed_at=now,
        approved_by=approved_by,
    )
    changes["assessment"] = [dispute.assessment_id, assessment.pk]
    dispute.assessment = assessment
    old_status = dispute.status
    if TRANSITIONS[action].targets:
        dispute.status = Status.ASSESSED
    if old_status != dispute.status:
        changes["status"] = [old_status, dispute.status]
    _save(dispute, changes, also=["status", "assessment", "level", "handling_tier", "lead_leader"])
    note = "; ".join(judgement) or "; ".join(r.text_zh for r in result.reasons if r.kind == "rule")
    _event(
        dispute=dispute,
        actor=actor,
        action=action,
        from_status=old_status,
        to_status=dispute.status,
        changes=changes,
        note=note,
        at=now,
    )
    return dispute


def _is_zh() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "zh-hans").startswith("zh")


# Who may stand second to a downgrade: a tier above the one asking.
ROLE_TIER = {
    Role.GRID_WORKER: 0,
    Role.AUXILIARY: 0,
    Role.COMMUNITY_OFFICER: 1,
    Role.STATION_STAFF: 2,
    Role.STATION_CHIEF: 2,
    Role.BUREAU_COMMANDER: 3,
}


@transaction.atomic
def dispute_request_downgrade(
    *, actor: User, dispute: Dispute, expected_version: int, level: str, reason: str, approver: User
) -> Task:
    """Ask a higher tier to approve a level below the rules' minimum; nothing changes until they do."""
    dispute = dispute_lock(dispute, expected_version)
    _authorise(actor, dispute, "change_level")
    if level not in Level.values:
        raise ValidationError({"level": _("Unknown risk level “%(level)s”.") % {"level": level}})
    if not reason.strip():
        raise ValidationError(
            {"reason": _("Say why the level should be lower than the rules say.")}
        )
    if ROLE_TIER.get(approver.role, -1) <= ROLE_TIER.get(actor.role, 0) or not can_see_unit(
        approver, dispute.grid
    ):
        raise ValidationError(
            {"approver": _("The second approver must be a higher tier over this area.")}
        )
    task = Task.objects.create(
        dispute=dispute,
        kind=Task.Kind.DOWNGRADE_REVIEW,
        assignee=approver,
        level=dispute.level,
        due_at=timezone.now() + dt.timedelta(days=1),
        title=_("Approve lowering to %(level)s?") % {"level": Level(level).label},
        data={"level": level, "reason": reason.strip(), "requested_by": actor.pk},
    )
    Dispute.objects.filter(pk=dispute.pk).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    dispute.version += 1
    _event(
        dispute=dispute,
        actor=actor,
        action="request_downgrade",
        from_status=dispute.status,
        to_status=dispute.status,
        changes={"level": [dispute.level, level]},
        note=reason.strip(),
    )
    return task


@transaction.atomic
def dispute_approve_downgrade(*, actor: User, task: Task) -> Dispute:
    """The second approver agrees: the lower level is recorded with both names."""
    task = Task.objects.select_for_update(of=("self",)).select_related("dispute").get(pk=task.pk)
    if task.kind != Task.Kind.DOWNGRADE_REVIEW or task.state != Task.State.OPEN:
        raise ValidationError({"task": _("This is not an open downgrade request.")})
    requester = User.objects.get(pk=task.data["requested_by"])
    if actor.pk != task.assignee_id or ROLE_TIER.get(actor.role, -1) <= ROLE_TIER.get(
        requester.role, 0
    ):
        raise TransitionRefused(_("Only the named second approver may approve this downgrade."))
    dispute = _assess(
        actor=requester,
        dispute=task.dispute,
        expected_version=task.dispute.version,
        level=task.data["level"],
        reasons=[task.data["reason"]],
        answers=None,
        lead_leader=None,
        action="change_level",
        approved_by=actor,
    )
    task.state, task.completed_at, task.completed_by = Task.State.DONE, timezone.now(), actor
    task.save(update_fields=["state", "completed_at", "completed_by"])
    return dispute


def reassessment_propose(*, dispute: Dispute, reason: str, at: dt.datetime) -> Task | None:
    """One open re-assessment task at a time, due at once (new signals do not wait)."""
    if dispute.tasks.filter(kind=Task.Kind.REASSESS, state=Task.State.OPEN).exists():
        return None
    return Task.objects.create(
        dispute=dispute,
        kind=Task.Kind.REASSESS,
        due_at=at,
        assignee=dispute.owner,
        level=dispute.level,
        title=_("Re-assess: %(reason)s") % {"reason": reason[:80]},
        data={"reason": reason},
    )


@transaction.atomic
def dispute_attach_lead(
    *, actor: User, dispute: Dispute, lead_summary: str, lead_id: int
) -> Dispute:
    """A new lead about this case (一人多报、一地多报、一事多报) joins its timeline and proposes a
    re-assessment: the same people reporting again is itself a risk signal."""
    dispute = (
        Dispute.objects.select_for_update(of=("self",)).select_related("grid").get(pk=dispute.pk)
    )
    if not can_see_unit(actor, dispute.grid):
        raise TransitionRefused(_("This case is outside your area."))
    if dispute.status == Status.CLOSED:
        raise ValidationError(
            {
                "dispute": _("Case %(number)s is closed: reopen it first, or register a new case.")
                % {"number": dispute.case_number}
            }
        )
    now = timezone.now()
    Dispute.objects.filter(pk=dispute.pk).update(version=F("version") + 1, updated_at=now)
    dispute.version += 1
    _event(
        dispute=dispute,
        actor=actor,
        action="lead_attach",
        from_status=dispute.status,
        to_status=dispute.status,
        changes={"lead": [None, lead_id]},
        note=lead_summary[:500],
        at=now,
    )
    reassessment_propose(dispute=dispute, reason=_("a new lead about this case arrived"), at=now)
    return dispute


@transaction.atomic
def disputes_propose_stale_reassessments(*, now: dt.datetime | None = None) -> int:
    """Propose re-assessment for every open case with no step on its timeline for longer than its
    level's visit interval (no contact means the level may be stale). Returns the tasks created."""
    from django.db.models import Max

    now = now or timezone.now()
    intervals = {p.level: p.visit_interval_days for p in LevelPolicy.objects.all()}
    created = 0
    candidates = (
        Dispute.objects.exclude(status__in=[Status.CLOSED, Status.REGISTERED])
        .annotate(last_step=Max("events__at"))
        .select_related("owner")
    )
    for dispute in candidates.iterator():
        interval = intervals.get(dispute.level)
        if interval and dispute.last_step and dispute.last_step < now - dt.timedelta(days=interval):
            days = (now - dispute.last_step).days
            if reassessment_propose(
                dispute=dispute, reason=_("no contact for %(days)s days") % {"days": days}, at=now
            ):
                created += 1
    return created


def _owner_checked(dispute: Dispute, owner: User) -> User:
    if (
        owner.role
        not in {
            Role.AUXILIARY,
            Role.COMMUNITY_OFFICER,
            Role.STATION_STAFF,
            Role.STATION_CHIEF,
            Role.BUREAU_COMMANDER,
        }
        or not owner.is_active
    ):
        raise ValidationError({"owner": _("The owner must be an officer of the area.")})
    if not can_see_unit(owner, dispute.grid):
        raise ValidationError(
            {"owner": _("%(name)s does not cover this case's grid.") % {"name": owner}}
        )
    return owner


@transaction.atomic
def dispute_assign(
    *,
    actor: User,
    dispute: Dispute,
    expected_version: int,
    owner: User,
    lead_leader: User | None = None,
) -> Dispute:
    """Hand the case to its owner (交办); open tasks follow the owner."""
    dispute = dispute_lock(dispute, expected_version)
    action = "assign" if dispute.status == Status.ASSESSED else "reassign"
    _authorise(actor, dispute, action)
    owner = _owner_checked(dispute, owner)
    now = timezone.now()
    changes: dict[str, list[Any]] = {}
    if owner != dispute.owner:
        changes["owner"] = [dispute.owner, owner]
        dispute.owner = owner
        dispute.tasks.filter(state=Task.State.OPEN).exclude(kind=Task.Kind.PLAN).update(
            assignee=owner
        )
    if lead_leader is not None:
        _apply_level(
            dispute, level=dispute.level, lead_leader=lead_leader, now=now, changes=changes
        )
    old_status = dispute.status
    if action == "assign":
        dispute.status = Status.ASSIGNED
        changes["status"] = [old_status, dispute.status]
    _save(dispute, changes, also=["status"])
    _event(
        dispute=dispute,
        actor=actor,
        action=action,
        from_status=old_status,
        to_status=dispute.status,
        changes=changes,
        at=now,
    )
    return dispute


def dispute_step(
    action: str,
    *,
    actor: User,
    dispute: Dispute,
    expected_version: int,
    target: str | None,
    note: str = "",
    extra: dict[str, Any] | None = None,
    done: set[str] | None = None,
    first_only: bool = False,
    event_changes: dict[str, list[Any]] | None = None,
    precondition: Callable[[Dispute], None] | None = None,
) -> Dispute:
    """One transition from the table whose data is its note and plain fields: lock, authorise,
    change, complete the tasks it settles, write the event. Callers hold the transaction."""
    dispute = dispute_lock(dispute, expected_version)
    _authorise(actor, dispute, action)
    if precondition is not None:
        precondition(dispute)
    transition = TRANSITIONS[action]
    if "note" in transition.requires and not note.strip():
        raise ValidationError({"note": _("Write a note for this step.")})
    now = timezone.now()
    changes: dict[str, list[Any]] = {}
    for name, value in (extra or {}).items():
        if getattr(dispute, name) != value:
            changes[name] = [getattr(dispute, name), value]
            setattr(dispute, name, value)
    old_status = dispute.status
    if target and target != old_status:
        dispute.status = target
        changes["status"] = [old_status, target]
    if done:
        _complete_tasks(dispute, done, actor, now, first_only=first_only)
    _save(dispute, changes, also=["status"])
    _event(
        dispute=dispute,
        actor=actor,
        action=action,
        from_status=old_status,
        to_status=dispute.status,
        changes={**changes, **(event_changes or {})},
        note=note.strip(),
        at=now,
    )
    return dispute


def visit_schedule(*, dispute: Dispute, title: str = "") -> None:
    """The next follow-up visit, due after the level's interval."""
    interval = policy_for(dispute.level).visit_interval_days
    _create_tasks(
        dispute,
        [
            TaskPlanItem(
                Task.Kind.FOLLOW_UP,
                timezone.now() + dt.timedelta(days=interval),
                dispute.owner,
                title=title,
            )
        ],
    )


@transaction.atomic
def dispute_start_mediation(
    *, actor: User, dispute: Dispute, expected_version: int, note: str = ""
) -> Dispute:
    return dispute_step(
        "start_mediation",
        actor=actor,
        dispute=dispute,
        expected_version=expected_version,
        target=Status.MEDIATING,
        note=note,
        done={Task.Kind.FIRST_CONTACT, Task.Kind.MEDIATION},
    )


@transaction.atomic
def dispute_record_outcome(
    *,
    actor: User,
    dispute: Dispute,
    expected_version: int,
    outcome: str,
    note: str,
    transferred_to: str = "",
) -> Dispute:
    """化解 / 稳控 / 移交: the outcome, after which follow-up visits are due at the level's interval."""
    if outcome not in TRANSITIONS["record_outcome"].targets:
        raise ValidationError({"outcome": _("The outcome is resolved, contained or transferred.")})
    if outcome == Status.TRANSFERRED and not transferred_to.strip():
        raise ValidationError({"transferred_to": _("Say where the case was transferred to.")})
    if not note.strip():
        raise ValidationError({"note": _("Describe the outcome.")})
    dispute = dispute_step(
        "record_outcome",
        actor=actor,
        dispute=dispute,
        expected_version=expected_version,
        target=outcome,
        note=note,
        extra={"outcome_note": note.strip(), "transferred_to": transferred_to.strip()},
        done={Task.Kind.FIRST_CONTACT, Task.Kind.MEDIATION},
    )
    visit_schedule(dispute=dispute)
    return dispute


def _refuse_unready_closure(dispute: Dispute) -> None:
    from concord.mediation.closure import closure_missing

    missing = closure_missing(dispute=dispute)
    if missing:
        raise ValidationError(
            {"closure": [_("The case cannot be closed yet:"), *missing]},
        )


@transaction.atomic
def dispute_request_closure(
    *, actor: User, dispute: Dispute, expected_version: int, note: str = ""
) -> Dispute:
    """Ask for 销号; refused, naming what is missing, until the case meets DESIGN §4's conditions."""
    return dispute_step(
        "request_closure",
        actor=actor,
        dispute=dispute,
        expected_version=expected_version,
        target=Status.CLOSURE_REQUESTED,
        note=note,
        precondition=_refuse_unready_closure,
    )


@transaction.atomic
def dispute_approve_closure(
    *, actor: User, dispute: Dispute, expected_version: int, note: str = ""
) -> Dispute:
    """销号, by the level's approver. Open tasks other than later visits are no longer due."""
    now = timezone.now()
    dispute = dispute_step(
        "approve_closure",
        actor=actor,
        dispute=dispute,
        expected_version=expected_version,
        target=Status.CLOSED,
        note=note,
        extra={"closed_at": now},
        done={Task.Kind.CLOSURE},
        precondition=_refuse_unready_closure,
    )
    dispute.tasks.filter(state=Task.State.OPEN).update(
        state=Task.State.WAIVED, waive_reason=_("No longer due: the case was closed.")
    )
    if dispute.level == Level.RED:  # red cases are visited monthly for three months after closure
        _create_tasks(
            dispute,
            [
                TaskPlanItem(Task.Kind.FOLLOW_UP, now + dt.timedelta(days=30 * n), dispute.owner)
                for n in (1, 2, 3)
            ],
        )
    return dispute


@transaction.atomic
def dispute_reject_closure(
    *, actor: User, dispute: Dispute, expected_version: int, note: str
) -> Dispute:
    dispute = dispute_step(
        "reject_closure",
        actor=actor,
        dispute=dispute,
        expected_version=expected_version,
        target=Status.FOLLOWING_UP,
        note=note,
    )
    visit_schedule(
        dispute=dispute, title=_("Closure rejected: %(reason)s") % {"reason": note.strip()[:80]}
    )
    return dispute


@transaction.atomic
def dispute_reopen(*, actor: User, dispute: Dispute, expected_version: int, note: str) -> Dispute:
    """The dispute recurred: the same case number comes back to life with a fresh checklist."""
    dispute = dispute_step(
        "reopen",
        actor=actor,
        dispute=dispute,
        expected_version=expected_version,
        target=Status.REOPENED,
        note=note,
        extra={"closed_at": None},
    )
    _create_tasks(
        dispute, _task_plan(dispute, policy_for(dispute.level), timezone.now(), fresh=True)
    )
    return dispute


def timeline_record(
    *,
    dispute: Dispute,
    actor: User | None,
    action: str,
    changes: dict[str, list[Any]] | None = None,
    note: str = "",
    at: dt.datetime | None = None,
) -> DisputeEvent:
    """A step on the case's timeline that leaves its status as it is (a mediation session, an
    agreement, an instalment…): bumps the case's version so open forms see the change. `actor` None
    is Concord's own scheduled check. Callers hold the transaction."""
    Dispute.objects.filter(pk=dispute.pk).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    dispute.version += 1
    return _event(
        dispute=dispute,
        actor=actor,
        action=action,
        from_status=dispute.status,
        to_status=dispute.status,
        changes=changes,
        note=note,
        at=at,
    )


# --- tasks ---------------------------------------------------------------------------------------


def _task_locked(actor: User, task: Task) -> Task:
    task = (
        Task.objects.select_for_update(of=("self",)).select_related("dispute__grid").get(pk=task.pk)
    )
    if not can_see_unit(actor, task.dispute.grid):
        raise TransitionRefused(_("This case is outside your area."))
    if task.state != Task.State.OPEN:
        raise ValidationError(
            {"state": _("This task is already %(state)s.") % {"state": task.get_state_display()}}
        )
    return task


def _task_event(
    actor: User, task: Task, action: str, changes: dict[str, list[Any]], note: str = ""
) -> None:
    dispute = task.dispute
    Dispute.objects.filter(pk=dispute.pk).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    _event(
        dispute=dispute,
        actor=actor,
        action=action,
        from_status=dispute.status,
        to_status=dispute.status,
        changes={"task": [None, {"id": task.pk, "kind": task.kind}], **changes},
        note=note,
    )


@transaction.atomic
def task_complete(*, actor: User, task: Task, note: str = "") -> Task:
    task = _task_locked(actor, task)
    task.state, task.completed_at, task.completed_by = Task.State.DONE, timezone.now(), actor
    task.save(update_fields=["state", "completed_at", "completed_by"])
    _task_event(actor, task, "task_complete", {"state": [Task.State.OPEN, Task.State.DONE]}, note)
    return task


TASK_WAIVER_ROLES = frozenset(
    {Role.COMMUNITY_OFFICER, Role.STATION_STAFF, Role.STATION_CHIEF, Role.BUREAU_COMMANDER}
)


@transaction.atomic
def task_waive(*, actor: User, task: Task, reason: str) -> Task:
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the task is waived.")})
    task = _task_locked(actor, task)
    if actor.role not in TASK_WAIVER_ROLES:
        raise TransitionRefused(_("Only officers may waive a task."))
    task.state, task.waive_reason = Task.State.WAIVED, reason.strip()[:200]
    task.save(update_fields=["state", "waive_reason"])
    _task_event(
        actor, task, "task_waive", {"state": [Task.State.OPEN, Task.State.WAIVED]}, reason.strip()
    )
    return task


@transaction.atomic
def task_reassign(*, actor: User, task: Task, assignee: User) -> Task:
    task = _task_locked(actor, task)
    if not can_see_unit(assignee, task.dispute.grid):
        raise ValidationError(
            {"assignee": _("%(name)s does not cover this case's grid.") % {"name": assignee}}
        )
    old = task.assignee
    task.assignee = assignee
    task.save(update_fields=["assignee"])
    _task_event(actor, task, "task_reassign", {"assignee": [old, assignee]})
    return task


ALLOWED_ATTACHMENT_TYPES = {
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/heic",
    "application/pdf",
}


def attachment_check(upload) -> None:
    """Refuse what is not a photo or a PDF, or is too large (ValidationError on "attachment")."""
    from django.conf import settings

    content_type = getattr(upload, "content_type", "") or ""
    if content_type not in ALLOWED_ATTACHMENT_TYPES:
        raise ValidationError({"attachment": _("Attach a photo (JPEG, PNG, WebP, HEIC) or a PDF.")})
    if upload.size > settings.CONCORD_ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            {
                "attachment": _("The file is larger than %(mb)s MB.")
                % {"mb": settings.CONCORD_ATTACHMENT_MAX_BYTES // (1024 * 1024)}
            }
        )


@transaction.atomic
def attachment_add(*, actor: User, dispute: Dispute, upload) -> Attachment:
    """Attach a photo or a PDF to a case; the record and its event are saved together."""
    if not can_see_unit(actor, dispute.grid):
        raise TransitionRefused(_("This case is outside your area."))
    return attachment_store(actor=actor, dispute=dispute, upload=upload)


def attachment_store(*, actor: User, dispute: Dispute, upload) -> Attachment:
    """Store a checked photo or PDF on a case with its event, for a caller that has already decided
    the actor may (a case officer, or a mediator of the body holding the case's referral)."""
    attachment_check(upload)
    content_type = getattr(upload, "content_type", "") or ""
    name = (upload.name or "attachment").replace("/", "_").replace("\\", "_")[-120:]
    attachment = Attachment(
        dispute=dispute,
        original_name=name,
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor,
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    Dispute.objects.filter(pk=dispute.pk).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    dispute.refresh_from_db(fields=["version"])
    _event(
        dispute=dispute,
        actor=actor,
        action="attachment_add",
        from_status=dispute.status,
        to_status=dispute.status,
        changes={"attachment": [None, name]},
    )
    return attachment
