"""Writes to the lead pool (线索池): a lead from any channel, and its triage into the register."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.accounts.models import Role, User
from concord.accounts.scope import can_see_unit
from concord.audit.services import audit_record
from concord.disputes import services as dispute_services
from concord.disputes.models import Category, Channel, Dispute, Level
from concord.intake.models import Lead, PatrolVisit
from concord.territory.models import Unit, UnitKind

TRIAGE_ROLES = frozenset(
    {Role.COMMUNITY_OFFICER, Role.STATION_STAFF, Role.STATION_CHIEF, Role.BUREAU_COMMANDER}
)
PRIORITY = {Level.RED: 3, Level.ORANGE: 2, Level.YELLOW: 1}


@dataclass(frozen=True)
class LeadInput:
    channel: str
    text: str
    received_at: dt.datetime | None = None
    reporter_name: str = ""
    reporter_phone: str = ""
    address: str = ""
    grid: Unit | None = None
    station: Unit | None = None
    source_ref: str = ""
    source_system: str = ""


def _station_for(data: LeadInput) -> tuple[Unit | None, Unit | None, str | None]:
    """(grid, station, village code) from what the lead says: its grid, else its address."""
    from concord.people.normalise import parse_address
    from concord.people.services import gazetteer

    village_code = None
    grid = data.grid
    if grid is None and data.address:
        village_code = parse_address(data.address, gazetteer()).village
        if village_code:
            grid = (
                Unit.objects.filter(parent__code=village_code, kind=UnitKind.GRID)
                .order_by("code")
                .first()
            )
    if grid is not None:
        station = grid.station()
        village_code = village_code or (grid.parent.code if grid.parent_id else None)
        return grid, station, village_code
    return None, data.station, village_code


def _link_reporter(phone: str):
    from concord.people.models import PersonKey
    from concord.people.normalise import normalise_phone

    number = normalise_phone(phone)
    if not number:
        return None, ""
    key = PersonKey.objects.filter(
        kind=PersonKey.Kind.PHONE, value=number, person__is_active=True
    ).first()
    return (key.person if key else None), number


@transaction.atomic
def lead_create(*, actor: User | None, data: LeadInput) -> Lead:
    """Take a lead in: classify it, read its risk, link the reporter, and look for the open dispute
    it may repeat. The same source reference twice gives the same lead back."""
    from concord.intake.classifier import get_classifier
    from concord.intake.repeats import open_dispute_repeated, reports_in_12_months
    from concord.risk import engine, loader
    from concord.risk.model import Inputs

    errors: dict[str, str] = {}
    text = data.text.strip()
    if not text:
        errors["text"] = _("A lead needs its text.")
    if data.channel not in Channel.values:
        errors["channel"] = _("Unknown channel “%(channel)s”.") % {"channel": data.channel}
    received_at = data.received_at or timezone.now()
    if received_at > timezone.now() + dt.timedelta(minutes=5):
        errors["received_at"] = _("The time received cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    if data.source_ref:
        existing = Lead.objects.filter(
            channel=data.channel, source_system=data.source_system, source_ref=data.source_ref
        ).first()
        if existing is not None:
            return existing
    grid, station, village_code = _station_for(data)
    if station is None:
        raise ValidationError(
            {
                "address": _(
                    "Cannot tell which station's area this lead is in: give the grid "
                    "or an address in the county."
                )
            }
        )
    if actor is not None and not (can_see_unit(actor, grid or station)):
        raise PermissionDenied(_("This place is outside your area."))

    prediction = get_classifier().predict([text])[0]
    person, phone = _link_reporter(data.reporter_phone)
    flags = set(prediction.flags)
    reports = 1
    repeat = None
    if prediction.is_dispute:
        reports = reports_in_12_months(
            person_id=person.pk if person else None,
            phone=phone,
            village_code=village_code,
            address=data.address,
            at=received_at,
        )
        repeat = open_dispute_repeated(
            reporter_person_id=person.pk if person else None,
            reporter_phone=phone,
            address_village_code=village_code,
            grid_id=grid.pk if grid else None,
            category=prediction.category,
            text=text,
            at=received_at,
        )
    result = engine.assess(
        Inputs(
            category=prediction.category if prediction.is_dispute else None,
            flags=frozenset(flags),
            people_involved=prediction.people,
            reports_12m=reports,
        ),
        loader.current_instrument(),
        loader.current_ruleset(),
    )
    level = result.level if prediction.is_dispute else ""
    lead = Lead.objects.create(
        channel=data.channel,
        source_ref=data.source_ref[:80],
        source_system=data.source_system[:80],
        text=text,
        received_at=received_at,
        reporter_name=data.reporter_name.strip()[:50],
        # Normalised, so repeat lookups by phone match however it was typed.
        reporter_phone=(phone or data.reporter_phone.strip())[:32],
        address=data.address.strip()[:200],
        grid=grid,
        station=station,
        is_dispute=prediction.is_dispute,
        category=prediction.category,
        confidence=round(prediction.confidence, 4),
        flags=sorted(result.flags),
        level=level,
        priority=PRIORITY.get(level, 0),
        reporter_person=person,
        repeat_of=repeat.dispute if repeat else None,
        repeat_reasons=[str(r) for r in repeat.reasons] if repeat else [],
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="intake.lead.create",
        target=lead,
        unit=grid or station,
        data={
            "channel": lead.channel,
            "category": lead.category,
            "level": level,
            "repeat_of": lead.repeat_of_id,
        },
    )
    return lead


def _triage_check(actor: User, lead: Lead) -> Lead:
    lead = (
        Lead.objects.select_for_update(of=("self",))
        .select_related("station", "grid")
        .get(pk=lead.pk)
    )
    if actor.role not in TRIAGE_ROLES:
        raise PermissionDenied(_("Your role does not triage leads."))
    if not can_see_unit(actor, lead.grid or lead.station):
        raise PermissionDenied(_("This lead is outside your area."))
    if lead.state != Lead.State.NEW:
        raise ValidationError(
            {
                "state": _("This lead was already triaged (%(state)s).")
                % {"state": lead.get_state_display()}
            }
        )
    return lead


def _done(lead: Lead, actor: User, state: str, **fields) -> Lead:
    lead.state, lead.triaged_by, lead.triaged_at = state, actor, timezone.now()
    for name, value in fields.items():
        setattr(lead, name, value)
    lead.save()
    audit_record(
        actor=actor,
        action=f"intake.lead.{state}",
        target=lead,
        unit=lead.grid or lead.station,
        data={"dispute": lead.dispute_id, "reason": lead.dismiss_reason},
    )
    return lead


@transaction.atomic
def lead_register_dispute(
    *,
    actor: User,
    lead: Lead,
    title: str,
    category: Category,
    grid: Unit,
    level: str = Level.YELLOW,
    parties: list[dispute_services.PartyInput] | tuple = (),
    people_involved: int = 2,
    amount_involved: Decimal | None = None,
) -> Dispute:
    """Triage a lead into a new case; the case keeps the lead's channel, text and time."""
    lead = _triage_check(actor, lead)
    dispute = dispute_services.dispute_register(
        actor=actor,
        title=title,
        category=category,
        grid=grid,
        channel=lead.channel,
        description=lead.text,
        found_at=lead.received_at,
        level=level,
        parties=parties,
        people_involved=people_involved,
        amount_involved=amount_involved,
    )
    _done(lead, actor, Lead.State.REGISTERED, dispute=dispute)
    return dispute


@transaction.atomic
def lead_attach(*, actor: User, lead: Lead, dispute: Dispute) -> Dispute:
    """The lead repeats an open case: it joins that case's timeline instead of opening a new one."""
    lead = _triage_check(actor, lead)
    dispute = dispute_services.dispute_attach_lead(
        actor=actor, dispute=dispute, lead_summary=lead.text, lead_id=lead.pk
    )
    _done(lead, actor, Lead.State.ATTACHED, dispute=dispute)
    return dispute


@transaction.atomic
def lead_dismiss(*, actor: User, lead: Lead, reason: str) -> Lead:
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the lead is dismissed.")})
    lead = _triage_check(actor, lead)
    return _done(lead, actor, Lead.State.DISMISSED, dismiss_reason=reason.strip()[:200])


@transaction.atomic
def patrol_visit_record(
    *, actor: User, grid: Unit, visited_on: dt.date, households: int, found: str = ""
) -> PatrolVisit:
    """A visit log (走访); what was found, if anything, goes into the lead pool at once."""

    errors: dict[str, str] = {}
    if households < 1:
        errors["households"] = _("Count at least one household visited.")
    if visited_on > timezone.localdate():
        errors["visited_on"] = _("A visit cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    if grid.kind != UnitKind.GRID or not can_see_unit(actor, grid):
        raise PermissionDenied(_("This grid is outside your area."))
    lead = None
    if found.strip():
        lead = lead_create(
            actor=actor, data=LeadInput(channel=Channel.PATROL_VISIT, text=found, grid=grid)
        )
    visit = PatrolVisit.objects.create(
        grid=grid,
        visitor=actor,
        visited_on=visited_on,
        households=households,
        found=found.strip(),
        lead=lead,
    )
    audit_record(
        actor=actor,
        action="intake.patrol_visit",
        target=visit,
        unit=grid,
        data={"households": households, "lead": lead.pk if lead else None},
    )
    return visit
