"""Writes for nil reports (零报告), sensitive periods and screening campaigns (排查).

Each service is one transaction that writes the change and one audit row together. Role and area
refusals raise `ScreeningRefused`; bad input raises ValidationError naming the field.
"""

import datetime as dt
from collections.abc import Iterable, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from concord.accounts.models import Role, User
from concord.accounts.scope import can_see_unit
from concord.audit.services import audit_record
from concord.intake.screening import (
    CAMPAIGN_CREATE_ROLES,
    CAMPAIGN_REPORT_ROLES,
    NIL_REPORT_ROLES,
    SENSITIVE_PERIOD_ROLES,
    Campaign,
    CampaignUnit,
    NilReport,
    SensitivePeriod,
)
from concord.intake.screening_selectors import (
    Period,
    local_today,
    period_for,
    raised_in_period,
)
from concord.territory.models import Unit, UnitKind

NOTE_MAX = 500
NOTES_MAX = 2000
SENSITIVE_MAX_DAYS = 92
CHECKLIST_MAX = 30
CHECKLIST_ITEM_MAX = 100
FOUND_MAX = 100_000
CAMPAIGN_UNIT_KINDS = (UnitKind.STATION, UnitKind.VILLAGE, UnitKind.GRID)


class ScreeningRefused(PermissionDenied):
    """The actor's role or area does not allow this; nothing was written."""


def _role_label(actor: User) -> str:
    role = getattr(actor, "role", "")
    return str(Role(role).label) if role in Role.values else _("user")


def _existing_report(grid: Unit, period: Period) -> NilReport | None:
    return (
        NilReport.objects.filter(grid=grid)
        .filter(period.covered_by())
        .select_related("reported_by")
        .first()
    )


def _already_reported(grid: Unit, period: Period, report: NilReport | None) -> ValidationError:
    if report is None:
        message = _("%(grid)s has already reported for %(period)s.") % {
            "grid": grid.name,
            "period": period.label,
        }
    else:
        message = _(
            "%(grid)s has already reported for %(period)s (%(who)s, %(at)s); "
            "a period has one report."
        ) % {
            "grid": grid.name,
            "period": period.label,
            "who": report.reported_by,
            "at": timezone.localtime(report.reported_at).strftime("%Y-%m-%d %H:%M"),
        }
    return ValidationError(message, code="duplicate")


# --- nil reports ---------------------------------------------------------------------------------


@transaction.atomic
def nil_report_submit(
    *,
    actor: User,
    grid: Unit,
    nothing_found: bool,
    note: str = "",
    now: dt.datetime | None = None,
) -> NilReport:
    """The grid's report for the current period: "nothing found" (零报告), or a report with the
    leads and disputes it raised in the period (counted here, never typed)."""
    now = now or timezone.now()
    note = note.strip()
    if getattr(actor, "role", None) not in NIL_REPORT_ROLES:
        raise ScreeningRefused(
            _(
                "A %(role)s does not submit nil reports; the grid worker (or the village's "
                "auxiliary officer) does."
            )
            % {"role": _role_label(actor)}
        )
    if grid.kind != UnitKind.GRID:
        raise ValidationError({"grid": _("A nil report is made for a grid.")})
    if not can_see_unit(actor, grid):
        raise ScreeningRefused(_("%(grid)s is outside your area.") % {"grid": grid.name})
    if len(note) > NOTE_MAX:
        raise ValidationError(
            {"note": _("The note is at most %(max)s characters.") % {"max": NOTE_MAX}}
        )

    # One report at a time per grid: a second tap waits here, then finds the first report.
    grid = Unit.objects.select_for_update().get(pk=grid.pk)
    period = period_for(unit=grid, on=local_today(now))
    existing = _existing_report(grid, period)
    if existing is not None:
        raise _already_reported(grid, period, existing)
    raised = raised_in_period(grid=grid, period=period)
    if nothing_found and raised:
        message = ngettext(
            "%(grid)s raised %(n)s lead or dispute in %(period)s, so it cannot report "
            "“nothing found”: submit a report with its disputes instead.",
            "%(grid)s raised %(n)s leads or disputes in %(period)s, so it cannot report "
            "“nothing found”: submit a report with its disputes instead.",
            raised,
        ) % {"grid": grid.name, "n": raised, "period": period.label}
        raise ValidationError({"nothing_found": ValidationError(message, code="has_disputes")})
    if not nothing_found and not raised:
        message = _(
            "%(grid)s has raised no lead or dispute in %(period)s: register the dispute first, "
            "or report “nothing found”."
        ) % {"grid": grid.name, "period": period.label}
        raise ValidationError({"nothing_found": ValidationError(message, code="no_disputes")})
    try:
        with transaction.atomic():
            report = NilReport.objects.create(
                grid=grid,
                cadence=period.cadence,
                period_start=period.start,
                period_end=period.end,
                kind=NilReport.Kind.NOTHING_FOUND if nothing_found else NilReport.Kind.DISPUTES,
                disputes_count=raised,
                note=note,
                reported_by=actor,
                reported_at=now,
            )
    except IntegrityError as exc:
        raise _already_reported(grid, period, None) from exc
    audit_record(
        actor=actor,
        action="intake.nil_report",
        target=report,
        unit=grid,
        data={
            "grid": grid.code,
            "period": [period.start.isoformat(), period.end.isoformat()],
            "cadence": period.cadence,
            "kind": report.kind,
            "count": raised,
        },
    )
    return report


@transaction.atomic
def sensitive_period_set(
    *,
    actor: User,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    note: str = "",
    now: dt.datetime | None = None,
) -> SensitivePeriod:
    """Set a sensitive period over the actor's bureau: its grids report daily on those days."""
    name, note = name.strip(), note.strip()
    if getattr(actor, "role", None) not in SENSITIVE_PERIOD_ROLES:
        raise ScreeningRefused(
            _("Only a bureau commander or an administrator sets a sensitive period.")
        )
    bureau = actor.scope_unit
    if bureau is None or bureau.kind != UnitKind.BUREAU:
        raise ScreeningRefused(_("A sensitive period is set by the bureau, over all its grids."))
    today = local_today(now)
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Give the sensitive period a name, e.g. “春节” or “全国两会”.")
    elif len(name) > 100:
        errors["name"] = _("The name is at most 100 characters.")
    if len(note) > NOTE_MAX:
        errors["note"] = _("The note is at most %(max)s characters.") % {"max": NOTE_MAX}
    if starts_on < today:
        errors["starts_on"] = _(
            "A sensitive period cannot start in the past: those periods have been reported already."
        )
    if ends_on < starts_on:
        errors["ends_on"] = _("The last day cannot be before the first day.")
    elif (ends_on - starts_on).days + 1 > SENSITIVE_MAX_DAYS:
        errors["ends_on"] = _("A sensitive period lasts at most %(days)s days.") % {
            "days": SENSITIVE_MAX_DAYS
        }
    if errors:
        raise ValidationError(errors)
    period = SensitivePeriod.objects.create(
        name=name, unit=bureau, starts_on=starts_on, ends_on=ends_on, note=note, set_by=actor
    )
    audit_record(
        actor=actor,
        action="intake.sensitive_period_set",
        target=period,
        unit=bureau,
        data={"name": name, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()},
    )
    return period


# --- campaigns -----------------------------------------------------------------------------------


def _clean_checklist(checklist: Iterable[str]) -> tuple[list[str], str | None]:
    items = [" ".join(str(item).split()) for item in checklist]
    items = [item for item in items if item]
    if not items:
        return items, _("A campaign needs at least one checklist item, e.g. “走访全部户”.")
    if len(items) > CHECKLIST_MAX:
        return items, _("A checklist has at most %(max)s items.") % {"max": CHECKLIST_MAX}
    for n, item in enumerate(items, start=1):
        if len(item) > CHECKLIST_ITEM_MAX:
            return items, _("Item %(n)s is longer than %(max)s characters.") % {
                "n": n,
                "max": CHECKLIST_ITEM_MAX,
            }
        if item in items[: n - 1]:
            return items, _("The checklist repeats “%(item)s”.") % {"item": item}
    return items, None


@transaction.atomic
def campaign_create(
    *,
    actor: User,
    name: str,
    deadline: dt.date,
    checklist: Sequence[str],
    units: Sequence[Unit],
    description: str = "",
    now: dt.datetime | None = None,
) -> Campaign:
    """Launch a screening campaign over stations, villages or grids in the actor's area: a bureau
    commander over the county, a station chief over their station."""
    role = getattr(actor, "role", None)
    scope = getattr(actor, "scope_unit", None)
    if role not in CAMPAIGN_CREATE_ROLES:
        raise ScreeningRefused(
            _(
                "A %(role)s may not launch a screening campaign: a bureau commander does, or a "
                "station chief for their own station."
            )
            % {"role": _role_label(actor)}
        )
    expected = UnitKind.BUREAU if role == Role.BUREAU_COMMANDER else UnitKind.STATION
    if scope is None or scope.kind != expected:
        raise ScreeningRefused(_("Your account has no area to launch a campaign in."))

    name, description = name.strip(), description.strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("A campaign needs a name.")
    elif len(name) > 120:
        errors["name"] = _("The name is at most 120 characters.")
    items, problem = _clean_checklist(checklist)
    if problem:
        errors["checklist"] = problem
    if deadline < local_today(now):
        errors["deadline"] = _("The deadline cannot be in the past.")
    chosen: list[Unit] = []
    for unit in units:
        if unit.pk not in {u.pk for u in chosen}:
            chosen.append(unit)
    outside = [u for u in chosen if not can_see_unit(actor, u)]
    if outside:
        raise ScreeningRefused(
            _("%(unit)s is outside your area.") % {"unit": ", ".join(u.name for u in outside)}
        )
    if not chosen:
        errors["units"] = _("Choose the stations, villages or grids the campaign covers.")
    for unit in chosen:
        if unit.kind not in CAMPAIGN_UNIT_KINDS:
            errors["units"] = _(
                "%(unit)s is a %(kind)s: a campaign covers stations, villages or grids."
            ) % {"unit": unit.name, "kind": UnitKind(unit.kind).label}
            break
        if not unit.is_active:
            errors["units"] = _("%(unit)s is no longer active.") % {"unit": unit.name}
            break
        above = next((u for u in chosen if u.pk != unit.pk and unit.path.startswith(u.path)), None)
        if above is not None:
            errors["units"] = _(
                "%(unit)s lies inside %(above)s, which the campaign already covers."
            ) % {"unit": unit.name, "above": above.name}
            break
    if errors:
        raise ValidationError(errors)

    campaign = Campaign.objects.create(
        name=name,
        description=description,
        unit=scope,
        checklist=items,
        deadline=deadline,
        created_by=actor,
    )
    CampaignUnit.objects.bulk_create(
        [CampaignUnit(campaign=campaign, unit=u) for u in sorted(chosen, key=lambda u: u.path)]
    )
    audit_record(
        actor=actor,
        action="intake.campaign_create",
        target=campaign,
        unit=scope,
        data={
            "name": name,
            "deadline": deadline.isoformat(),
            "items": len(items),
            "units": sorted(u.code for u in chosen),
        },
    )
    return campaign


@transaction.atomic
def campaign_unit_report(
    *,
    actor: User,
    campaign_unit: CampaignUnit,
    done_items: Iterable[int],
    found_count: int,
    notes: str = "",
    now: dt.datetime | None = None,
) -> CampaignUnit:
    """A covered unit reports its progress: which checklist items are done and what it found. It may
    report again as work goes on; each report replaces the last and is audited."""
    now = now or timezone.now()
    notes = notes.strip()
    if getattr(actor, "role", None) not in CAMPAIGN_REPORT_ROLES:
        raise ScreeningRefused(
            _("A %(role)s does not report for a unit in a campaign.") % {"role": _role_label(actor)}
        )
    entry = (
        CampaignUnit.objects.select_for_update(of=("self",))
        .select_related("campaign", "unit")
        .get(pk=campaign_unit.pk)
    )
    if not can_see_unit(actor, entry.unit):
        raise ScreeningRefused(_("%(unit)s is outside your area.") % {"unit": entry.unit.name})
    size = len(entry.campaign.checklist)
    errors: dict[str, str] = {}
    try:
        done = sorted({int(i) for i in done_items})
    except (TypeError, ValueError):
        done = []
        errors["done_items"] = _("Tick the checklist items that are done.")
    if any(i < 0 or i >= size for i in done):
        errors["done_items"] = _("The checklist has items 1 to %(n)s.") % {"n": size}
    if not isinstance(found_count, int) or found_count < 0 or found_count > FOUND_MAX:
        errors["found_count"] = _("The number found is a whole number from 0 to %(max)s.") % {
            "max": FOUND_MAX
        }
    if len(notes) > NOTES_MAX:
        errors["notes"] = _("The notes are at most %(max)s characters.") % {"max": NOTES_MAX}
    if errors:
        raise ValidationError(errors)

    before = {"done": list(entry.done_items), "found": entry.found_count}
    complete = len(done) == size
    entry.done_items = done
    entry.found_count = found_count
    entry.notes = notes
    entry.reported_by = actor
    entry.reported_at = now
    if complete and entry.completed_at is None:
        entry.completed_at = now
    elif not complete:
        entry.completed_at = None
    entry.save(
        update_fields=[
            "done_items",
            "found_count",
            "notes",
            "reported_by",
            "reported_at",
            "completed_at",
        ]
    )
    audit_record(
        actor=actor,
        action="intake.campaign_unit_report",
        target=entry,
        unit=entry.unit,
        data={
            "campaign": entry.campaign_id,
            "unit": entry.unit.code,
            "done": [before["done"], done],
            "found": [before["found"], found_count],
            "complete": complete,
        },
    )
    return entry
