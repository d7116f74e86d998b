"""The lead pool pages: the triage queue, a lead and its triage, a grid worker's report."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from concord.audit.services import audit_access
from concord.core.drafts import client_token, draft_aware
from concord.disputes import selectors as dispute_selectors
from concord.disputes.models import Channel, Dispute
from concord.intake import selectors, services
from concord.intake.forms import GridReportForm, LeadAttachForm, LeadDismissForm, LeadRegisterForm
from concord.intake.models import Lead
from concord.territory.models import UnitKind
from concord.territory.selectors import units_visible

DRAFT_SOURCE = "concord-draft"  # Lead.source_system of a grid worker's report sent by drafts.js


def _errors_into(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
def triage_queue(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", Lead.State.NEW)
    if state not in Lead.State.values:
        state = Lead.State.NEW
    leads = selectors.triage_queue(actor=request.user, state=state)
    page = Paginator(leads, 30).get_page(request.GET.get("page"))
    return render(
        request, "intake/queue.html", {"page": page, "state": state, "states": Lead.State.choices}
    )


def _lead(request: HttpRequest, lead_id: int) -> Lead:
    try:
        return selectors.lead_get(actor=request.user, lead_id=lead_id)
    except Lead.DoesNotExist as exc:
        raise Http404(_("No such lead in your area.")) from exc


@login_required
def lead_detail(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _lead(request, lead_id)
    grids = units_visible(actor=request.user, kind=UnitKind.GRID).filter(
        path__startswith=lead.station.path
    )
    register = LeadRegisterForm(
        request.POST if request.POST.get("action") == "register" else None,
        grids=grids,
        prefix="register",
        initial={
            "title": lead.text[:30],
            "category": lead.category if lead.is_dispute else None,
            "grid": lead.grid_id,
            "level": lead.level or "yellow",
        },
    )
    attach = LeadAttachForm(
        request.POST if request.POST.get("action") == "attach" else None,
        prefix="attach",
        initial={"case_number": lead.repeat_of.case_number if lead.repeat_of else ""},
    )
    dismiss = LeadDismissForm(
        request.POST if request.POST.get("action") == "dismiss" else None, prefix="dismiss"
    )
    if request.method == "POST":
        action = request.POST.get("action")
        form = {"register": register, "attach": attach, "dismiss": dismiss}.get(action)
        if form is not None and form.is_valid():
            try:
                if action == "register":
                    dispute = services.lead_register_dispute(
                        actor=request.user,
                        lead=lead,
                        title=form.cleaned_data["title"],
                        category=form.cleaned_data["category"],
                        grid=form.cleaned_data["grid"],
                        level=form.cleaned_data["level"],
                        people_involved=form.cleaned_data["people_involved"],
                    )
                    messages.success(
                        request,
                        _("Registered as case %(number)s.") % {"number": dispute.case_number},
                    )
                    return redirect("dispute_detail", case_number=dispute.case_number)
                if action == "attach":
                    try:
                        target = dispute_selectors.dispute_get(
                            actor=request.user, case_number=form.cleaned_data["case_number"].strip()
                        )
                    except Dispute.DoesNotExist:
                        form.add_error("case_number", _("No such case in your area."))
                        raise ValidationError({}) from None
                    services.lead_attach(actor=request.user, lead=lead, dispute=target)
                    messages.success(
                        request, _("Attached to case %(number)s.") % {"number": target.case_number}
                    )
                    return redirect("dispute_detail", case_number=target.case_number)
                services.lead_dismiss(
                    actor=request.user, lead=lead, reason=form.cleaned_data["reason"]
                )
                messages.success(request, _("Lead dismissed."))
                return redirect("triage_queue")
            except ValidationError as exc:
                if exc.message_dict:
                    _errors_into(form, exc)
            except PermissionDenied as exc:
                messages.error(request, str(exc))
    audit_access(actor=request.user, action="intake.lead_view", target=lead, unit=lead.station)
    return render(
        request,
        "intake/lead.html",
        {
            "lead": lead,
            "register": register,
            "attach": attach,
            "dismiss": dismiss,
            "can_triage": request.user.role in services.TRIAGE_ROLES
            and lead.state == Lead.State.NEW,
        },
    )


@draft_aware
@login_required
def grid_report(request: HttpRequest) -> HttpResponse:
    """A grid worker reports what they found in their grid (网格员上报)."""
    grids = list(units_visible(actor=request.user, kind=UnitKind.GRID)[:2])
    if len(grids) != 1:
        raise Http404(_("Reports from the lane are made by the grid's own grid worker."))
    form = GridReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        token = client_token(request)
        try:
            # A browser draft's token is the lead's source reference: sent twice, it is one lead.
            lead = services.lead_create(
                actor=request.user,
                data=services.LeadInput(
                    channel=Channel.GRID_REPORT,
                    text=data["text"],
                    address=data["address"],
                    grid=grids[0],
                    reporter_name=data["reporter_name"],
                    reporter_phone=data["reporter_phone"],
                    source_system=DRAFT_SOURCE if token else "",
                    source_ref=str(token) if token else "",
                ),
            )
        except ValidationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(request, _("Reported. The station will triage it."))
            return redirect("lead_detail", lead_id=lead.pk)
    return render(request, "intake/grid_report.html", {"form": form, "grid": grids[0]})


@login_required
def patrol_visit(request: HttpRequest) -> HttpResponse:
    """A grid worker or auxiliary logs a patrol visit (走访) from a phone."""
    from django.utils import timezone

    from concord.intake.forms import PatrolVisitForm
    from concord.intake.models import PatrolVisit

    grids = units_visible(actor=request.user, kind=UnitKind.GRID).order_by("code")
    grid = (
        grids.filter(pk=request.POST.get("grid") or request.GET.get("grid")).first()
        or grids.first()
    )
    if grid is None:
        raise Http404(_("You have no grid to visit."))
    form = PatrolVisitForm(request.POST or None, initial={"visited_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.patrol_visit_record(actor=request.user, grid=grid, **form.cleaned_data)
        except ValidationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(
                request,
                _("Visit logged.")
                + (" " + _("What you found is in the lead pool.") if visit.lead_id else ""),
            )
            return redirect("patrol_visit")
    recent = PatrolVisit.objects.filter(visitor=request.user).select_related("grid")[:10]
    return render(
        request,
        "intake/patrol_visit.html",
        {"form": form, "grid": grid, "grids": grids[:200], "recent": recent},
    )
