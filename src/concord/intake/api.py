"""Lead intake for external systems (110 dispatch, 12345, courts): one lead per idempotency key,
field-level 422s, and a status endpoint that shows a system only its own leads."""

import datetime as dt
from typing import Annotated

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja import Status as Reply

from concord.disputes.api import READ_ERRORS, WRITE_ERRORS, Input, SafeDateTime
from concord.disputes.models import Channel
from concord.intake import selectors, services
from concord.intake.models import Lead
from concord.territory.models import Unit, UnitKind

router = Router(tags=["leads"])
INTAKE_CHANNELS = tuple(
    c for c in Channel.values if c not in {Channel.LEDGER_IMPORT, Channel.GRID_REPORT}
)
ChannelCode = Annotated[str, Field(json_schema_extra={"enum": list(INTAKE_CHANNELS)})]


class LeadIn(Input):
    idempotency_key: str = Field(
        min_length=1,
        max_length=80,
        description="The sender's own id for this item; sending it again returns the same lead.",
    )
    channel: ChannelCode = Field(Channel.API)
    text: str = Field(min_length=1, max_length=4000)
    received_at: SafeDateTime | None = None
    reporter_name: str = Field("", max_length=50)
    reporter_phone: str = Field("", max_length=32)
    address: str = Field("", max_length=200)
    grid: str = Field("", max_length=32, description="A grid code, when the sender knows it.")
    station: str = Field(
        "", max_length=32, description="A station code, when neither grid nor address says."
    )


class LeadOut(Schema):
    idempotency_key: str
    state: str
    is_dispute: bool
    category: str
    level: str
    flags: list[str]
    station: str
    received_at: dt.datetime
    case_number: str | None
    repeat_of: str | None


def _out(lead: Lead) -> dict:
    return {
        "idempotency_key": lead.source_ref,
        "state": lead.state,
        "is_dispute": lead.is_dispute,
        "category": lead.category,
        "level": lead.level,
        "flags": lead.flags,
        "station": lead.station.code,
        "received_at": lead.received_at,
        "case_number": lead.dispute.case_number if lead.dispute_id else None,
        "repeat_of": lead.repeat_of.case_number if lead.repeat_of_id else None,
    }


def _system(request) -> str:
    token = getattr(request, "api_token", None)
    return token.name if token is not None else f"user:{request.user.username}"


def _unit(code: str, kind: str, field: str) -> Unit | None:
    from django.core.exceptions import ValidationError

    if not code:
        return None
    unit = Unit.objects.filter(code=code, kind=kind).first()
    if unit is None:
        raise ValidationError(
            {
                field: _("Unknown %(kind)s “%(code)s”.")
                % {"kind": UnitKind(kind).label, "code": code}
            }
        )
    return unit


@router.post(
    "/leads",
    response={201: LeadOut, 200: LeadOut, **WRITE_ERRORS},
    operation_id="lead_create",
    summary="Send a lead; the same idempotency key again returns the lead already made",
)
def lead_create(request, payload: LeadIn):
    system = _system(request)
    existing = Lead.objects.filter(source_system=system, source_ref=payload.idempotency_key).first()
    if existing is not None:
        if not selectors.leads_visible(actor=request.user).filter(pk=existing.pk).exists():
            raise PermissionDenied(_("This idempotency key was already used outside your area."))
        return Reply(200, _out(existing))
    lead = services.lead_create(
        actor=request.user,
        data=services.LeadInput(
            channel=payload.channel,
            text=payload.text,
            received_at=payload.received_at,
            reporter_name=payload.reporter_name,
            reporter_phone=payload.reporter_phone,
            address=payload.address,
            grid=_unit(payload.grid, UnitKind.GRID, "grid"),
            station=_unit(payload.station, UnitKind.STATION, "station"),
            source_ref=payload.idempotency_key,
            source_system=system,
        ),
    )
    return Reply(201, _out(lead))


@router.get(
    "/leads/{idempotency_key}",
    response={200: LeadOut, **READ_ERRORS},
    operation_id="lead_status",
    summary="The state of a lead this system sent (never another system's)",
)
def lead_status(request, idempotency_key: str):
    lead = (
        selectors.leads_visible(actor=request.user)
        .filter(source_system=_system(request), source_ref=idempotency_key[:80])
        .select_related("station", "dispute", "repeat_of")
        .first()
    )
    if lead is None:
        raise Http404
    return _out(lead)
