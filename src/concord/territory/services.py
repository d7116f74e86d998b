"""Writes to the territory: each is one transaction with its audit row."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from concord.accounts.models import Role
from concord.audit.services import audit_record
from concord.territory import geometry
from concord.territory.models import (
    PARENT_KIND,
    TIER_UNIT_KIND,
    UNIT_KIND_TIER,
    Responsibility,
    Tier,
    Unit,
    UnitKind,
)

TIER_ROLE = {
    Tier.SECTOR: Role.COMMUNITY_OFFICER,
    Tier.VILLAGE: Role.AUXILIARY,
    Tier.GRID: Role.GRID_WORKER,
}


def _check_placement(*, kind: str, parent: Unit | None) -> None:
    expected = PARENT_KIND.get(kind, "?")
    if kind not in PARENT_KIND:
        raise ValidationError({"kind": _("Unknown unit kind “%(kind)s”.") % {"kind": kind}})
    if expected is None:
        if parent is not None:
            raise ValidationError(
                {"parent": _("A bureau is the root of the tree and has no parent unit.")}
            )
        return
    if parent is None or parent.kind != expected:
        raise ValidationError(
            {
                "parent": _("A %(kind)s must lie directly inside a %(expected)s.")
                % {
                    "kind": UnitKind(kind).label,
                    "expected": UnitKind(expected).label,
                }
            }
        )


def _apply_boundary(unit: Unit, boundary: dict[str, Any] | None) -> None:
    if boundary is None:
        unit.boundary = None
        unit.min_lng = unit.min_lat = unit.max_lng = unit.max_lat = None
        return
    try:
        unit.boundary = geometry.normalise(boundary)
        unit.min_lng, unit.min_lat, unit.max_lng, unit.max_lat = geometry.bbox(unit.boundary)
    except geometry.GeometryError as exc:
        raise ValidationError(
            {
                "boundary": _("The boundary is not a valid GeoJSON polygon: %(error)s")
                % {"error": exc}
            }
        ) from exc


@transaction.atomic
def unit_create(
    *,
    actor,
    code: str,
    name: str,
    kind: str,
    parent: Unit | None = None,
    boundary: dict[str, Any] | None = None,
) -> Unit:
    code, name = code.strip(), name.strip()
    if not code:
        raise ValidationError({"code": _("A unit needs a code.")})
    if "/" in code:
        raise ValidationError({"code": _("A unit code may not contain “/”.")})
    if not name:
        raise ValidationError({"name": _("A unit needs a name.")})
    if Unit.objects.filter(code=code).exists():
        raise ValidationError(
            {"code": _("A unit with code %(code)s already exists.") % {"code": code}}
        )
    _check_placement(kind=kind, parent=parent)
    unit = Unit(
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        path=f"{parent.path if parent else '/'}{code}/",
    )
    _apply_boundary(unit, boundary)
    unit.save()
    audit_record(
        actor=actor,
        action="territory.unit.create",
        target=unit,
        unit=unit,
        data={"code": code, "name": name, "kind": kind, "parent": parent.code if parent else None},
    )
    return unit


@transaction.atomic
def unit_update(
    *,
    actor,
    unit: Unit,
    name: str | None = None,
    boundary: dict[str, Any] | None = None,
    clear_boundary: bool = False,
    is_active: bool | None = None,
) -> Unit:
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    changes: dict[str, Any] = {}
    if name is not None and name.strip() != unit.name:
        if not name.strip():
            raise ValidationError({"name": _("A unit needs a name.")})
        changes["name"] = [unit.name, name.strip()]
        unit.name = name.strip()
    if boundary is not None or clear_boundary:
        _apply_boundary(unit, None if clear_boundary else boundary)
        changes["boundary"] = "cleared" if clear_boundary else "replaced"
    if is_active is not None and is_active != unit.is_active:
        changes["is_active"] = [unit.is_active, is_active]
        unit.is_active = is_active
    if changes:
        unit.save()
        audit_record(
            actor=actor, action="territory.unit.update", target=unit, unit=unit, data=changes
        )
    return unit


@transaction.atomic
def unit_move(*, actor, unit: Unit, new_parent: Unit) -> Unit:
    """Re-parent a unit under another of the same kind as its old parent; its subtree moves with it."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    _check_placement(kind=unit.kind, parent=new_parent)
    if new_parent.path.startswith(unit.path):
        raise ValidationError({"parent": _("A unit cannot be moved inside itself.")})
    old_path, new_path = unit.path, f"{new_parent.path}{unit.code}/"
    old_parent_code = unit.parent.code if unit.parent else None
    # Rewrite the path prefix of the whole subtree in one statement.
    Unit.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1))
    )
    Unit.objects.filter(pk=unit.pk).update(parent=new_parent)
    unit.refresh_from_db()
    audit_record(
        actor=actor,
        action="territory.unit.move",
        target=unit,
        unit=unit,
        data={"parent": [old_parent_code, new_parent.code]},
    )
    return unit


@transaction.atomic
def responsibility_assign(
    *,
    actor,
    user,
    unit: Unit,
    since: dt.date,
    until: dt.date | None = None,
) -> Responsibility:
    """Make `user` the responsible person for `unit` at its tier from `since`.

    A current holder of the same post hands over: their assignment ends the day before.
    """
    tier = UNIT_KIND_TIER.get(unit.kind)
    if tier is None:
        raise ValidationError(
            {
                "unit": _(
                    "Only sectors (police posts), villages and grids have a responsible person at a tier."
                )
            }
        )
    if user.role != TIER_ROLE[tier]:
        raise ValidationError(
            {
                "user": _("%(tier)s must be held by a %(role)s.")
                % {"tier": Tier(tier).label, "role": Role(TIER_ROLE[tier]).label}
            }
        )
    if until is not None and until < since:
        raise ValidationError({"until": _("The end date cannot be before the start date.")})
    current = (
        Responsibility.objects.select_for_update()
        .filter(unit=unit, tier=tier, until__isnull=True)
        .first()
    )
    if current is not None:
        if current.user_id == user.pk:
            return current
        if since <= current.since:
            raise ValidationError(
                {
                    "since": _(
                        "The new assignment must start after the current one (since %(date)s)."
                    )
                    % {"date": current.since}
                }
            )
        current.until = since - dt.timedelta(days=1)
        current.save(update_fields=["until"])
        audit_record(
            actor=actor,
            action="territory.responsibility.end",
            target=current,
            unit=unit,
            data={"user": current.user.username, "until": current.until},
        )
    overlapping = Responsibility.objects.filter(
        unit=unit, tier=tier, since__lte=until or dt.date.max
    ).filter(Q(until__isnull=True) | Q(until__gte=since))
    if overlapping.exists():
        raise ValidationError(
            {"since": _("Another person is responsible for this unit during these dates.")}
        )
    assignment = Responsibility.objects.create(
        user=user, unit=unit, tier=tier, since=since, until=until
    )
    audit_record(
        actor=actor,
        action="territory.responsibility.assign",
        target=assignment,
        unit=unit,
        data={"user": user.username, "tier": tier, "since": since, "until": until},
    )
    return assignment


@transaction.atomic
def responsibility_end(*, actor, responsibility: Responsibility, until: dt.date) -> Responsibility:
    responsibility = Responsibility.objects.select_for_update().get(pk=responsibility.pk)
    if until < responsibility.since:
        raise ValidationError({"until": _("The end date cannot be before the start date.")})
    responsibility.until = until
    responsibility.save(update_fields=["until"])
    audit_record(
        actor=actor,
        action="territory.responsibility.end",
        target=responsibility,
        unit=responsibility.unit,
        data={"user": responsibility.user.username, "until": until},
    )
    return responsibility


__all__ = [
    "TIER_ROLE",
    "TIER_UNIT_KIND",
    "responsibility_assign",
    "responsibility_end",
    "unit_create",
    "unit_move",
    "unit_update",
]
