"""Pages for nil reports (零报告) and screening campaigns (排查). Thin: forms in, services and
selectors out. Built for a grid worker's phone (375 px) first."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from concord.accounts.scope import in_scope
from concord.core.drafts import client_token, draft_aware
from concord.intake import screening_selectors as selectors
from concord.intake import screening_services as services
from concord.intake.screening import (
    CAMPAIGN_CREATE_ROLES,
    SENSITIVE_PERIOD_ROLES,
    Campaign,
    CampaignUnit,
)
from concord.territory.models import Unit, UnitKind

# --- forms -----------------------------------------------------------------------------------


class _Bootstrap:
    def _style(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css)


class NilReportForm(_Bootstrap, forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note (optional)"),
        max_length=services.NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class SensitivePeriodForm(_Bootstrap, forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("e.g. 春节")}),
    )
    starts_on = forms.DateField(
        label=gettext_lazy("First day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=gettext_lazy("Last day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=services.NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class UnitChoices(forms.ModelMultipleChoiceField):
    DEPTH = {UnitKind.STATION: 0, UnitKind.VILLAGE: 1, UnitKind.GRID: 2}

    def label_from_instance(self, obj: Unit) -> str:
        return f"{'　' * self.DEPTH.get(obj.kind, 0)}{obj.name} · {obj.get_kind_display()}"


class CampaignForm(_Bootstrap, forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=120,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("e.g. 春季矛盾纠纷大排查")}),
    )
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    deadline = forms.DateField(
        label=gettext_lazy("Deadline"), widget=forms.DateInput(attrs={"type": "date"})
    )
    checklist = forms.CharField(
        label=gettext_lazy("Checklist (one item a line)"),
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "走访全部户\n排查婚恋家庭矛盾"}),
    )
    units = UnitChoices(
        Unit.objects.none(),
        label=gettext_lazy("Units covered"),
        help_text=gettext_lazy("Stations, villages or grids; hold Ctrl (or ⌘) to choose several."),
        widget=forms.SelectMultiple(attrs={"size": 12}),
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = units if units is not None else Unit.objects.none()
        self._style()

    def checklist_items(self) -> list[str]:
        return [line for line in self.cleaned_data["checklist"].splitlines() if line.strip()]


class CampaignReportForm(_Bootstrap, forms.Form):
    done_items = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Checklist items done"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    found_count = forms.IntegerField(
        label=gettext_lazy("Disputes found"), min_value=0, max_value=services.FOUND_MAX, initial=0
    )
    notes = forms.CharField(
        label=gettext_lazy("What was found"),
        max_length=services.NOTES_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, checklist=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["done_items"].choices = list(enumerate(checklist))
        self._style()


def _apply_errors(form: forms.Form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _messages_of(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- nil reports -----------------------------------------------------------------------------


@login_required
def screening_home(request: HttpRequest) -> HttpResponse:
    """The grid worker's "report this period" card and history; above a grid, the completeness of
    the actor's area for the period; the campaigns waiting for the actor's units."""
    user, now = request.user, timezone.now()
    cards = selectors.report_cards(actor=user, now=now)
    chosen = next((c for c in cards if c.grid.code == request.GET.get("grid")), None)
    chosen = chosen or (cards[0] if cards else None)
    scope = user.scope_unit
    overview = (
        selectors.missing_grids(actor=user, now=now)
        if scope is not None and scope.kind != UnitKind.GRID
        else None
    )
    today = selectors.local_today(now)
    return render(
        request,
        "intake/screening_home.html",
        {
            "cards": cards,
            "chosen": chosen,
            "history": (
                selectors.nil_report_history(actor=user, grid=chosen.grid, now=now)
                if chosen
                else []
            ),
            "form": NilReportForm(),
            "overview": overview,
            "sensitive": selectors.sensitive_periods_visible(actor=user)
            .filter(ends_on__gte=today)
            .order_by("starts_on")[:5],
            "to_report": selectors.campaign_units_to_report(actor=user)[:20],
            "today": today,
        },
    )


@draft_aware
@login_required
@require_POST
def nil_report_submit(request: HttpRequest, grid_code: str) -> HttpResponse:
    try:
        grid = selectors.grids_reporting(actor=request.user).get(code=grid_code)
    except Unit.DoesNotExist as exc:
        raise Http404(_("No such grid in your area.")) from exc
    form = NilReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("note", [])))
        return redirect(f"{_home_url()}?grid={grid.code}")
    try:
        report = services.nil_report_submit(
            actor=request.user,
            grid=grid,
            nothing_found=request.POST.get("kind") == "nothing_found",
            note=form.cleaned_data["note"],
        )
    except services.ScreeningRefused as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        if _own_report_arrived(request, grid, exc):
            messages.info(request, _("Your report for this period had already arrived."))
        else:
            messages.error(request, _messages_of(exc))
    else:
        period = f"{report.period_start:%Y-%m-%d}" + (
            f" – {report.period_end:%Y-%m-%d}" if report.period_end != report.period_start else ""
        )
        if report.nothing_found:
            messages.success(
                request,
                _("%(grid)s reported for %(period)s: nothing found.")
                % {"grid": grid.name, "period": period},
            )
        else:
            messages.success(
                request,
                ngettext(
                    "%(grid)s reported %(n)s lead or dispute for %(period)s.",
                    "%(grid)s reported %(n)s leads or disputes for %(period)s.",
                    report.disputes_count,
                )
                % {"grid": grid.name, "n": report.disputes_count, "period": period},
            )
    return redirect(f"{_home_url()}?grid={grid.code}")


def _own_report_arrived(request: HttpRequest, grid: Unit, exc: ValidationError) -> bool:
    """A browser draft sent twice (the signal came back mid-request): the period's report is there,
    made by this user, so the second arrival is not an error."""
    if getattr(exc, "code", None) != "duplicate" or client_token(request) is None:
        return False
    report = selectors.report_card(actor=request.user, grid=grid).report
    return report is not None and report.reported_by_id == request.user.pk


def _home_url() -> str:
    return reverse("screening_home")


@login_required
def missing_grids(request: HttpRequest) -> HttpResponse:
    """The station's and bureau's view: grids that have not reported, grouped by village."""
    on = None
    if request.GET.get("on"):
        try:
            on = dt.date.fromisoformat(request.GET["on"])
        except ValueError:
            messages.error(request, _("The date must look like 2026-05-31."))
    unit_code = request.GET.get("unit", "").strip()
    if (
        unit_code
        and not in_scope(Unit.objects.filter(code=unit_code), request.user, via="").exists()
    ):
        raise Http404(_("No such unit in your area."))
    overview = selectors.missing_grids(actor=request.user, on=on, unit_code=unit_code)
    period = overview.period
    return render(
        request,
        "intake/screening_missing.html",
        {
            "overview": overview,
            "on": on,
            "unit_code": unit_code,
            "previous": (period.start - dt.timedelta(days=1)).isoformat() if period else "",
            "next": (
                (period.end + dt.timedelta(days=1)).isoformat()
                if period and period.end < selectors.local_today()
                else ""
            ),
            "open_all": len(overview.stations) == 1,
        },
    )


@login_required
def sensitive_periods(request: HttpRequest) -> HttpResponse:
    may_set = request.user.role in SENSITIVE_PERIOD_ROLES
    form = SensitivePeriodForm(request.POST or None) if may_set else None
    status = 200
    if request.method == "POST":
        if form is None:
            messages.error(
                request, _("Only a bureau commander or an administrator sets a sensitive period.")
            )
            return redirect("sensitive_periods")
        if form.is_valid():
            try:
                period = services.sensitive_period_set(actor=request.user, **form.cleaned_data)
            except services.ScreeningRefused as exc:
                messages.error(request, str(exc))
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "Sensitive period “%(name)s” set: grids report daily from %(start)s to %(end)s."
                    )
                    % {
                        "name": period.name,
                        "start": period.starts_on.isoformat(),
                        "end": period.ends_on.isoformat(),
                    },
                )
                return redirect("sensitive_periods")
        status = 422
    return render(
        request,
        "intake/screening_sensitive.html",
        {
            "periods": selectors.sensitive_periods_visible(actor=request.user),
            "form": form,
            "today": selectors.local_today(),
        },
        status=status,
    )


# --- campaigns -------------------------------------------------------------------------------


def _get_campaign(request: HttpRequest, pk: int) -> Campaign:
    try:
        return selectors.campaign_get(actor=request.user, pk=pk)
    except Campaign.DoesNotExist as exc:
        raise Http404(_("No such campaign in your area.")) from exc


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    campaigns = selectors.campaigns_visible(actor=request.user).order_by("-deadline", "-id")[:50]
    return render(
        request,
        "intake/screening_campaign_list.html",
        {
            "progress": [
                selectors.campaign_progress(actor=request.user, campaign=c, now=now)
                for c in campaigns
            ],
            "may_create": request.user.role in CAMPAIGN_CREATE_ROLES,
        },
    )


@login_required
def campaign_create(request: HttpRequest) -> HttpResponse:
    if request.user.role not in CAMPAIGN_CREATE_ROLES:
        raise Http404(_("Your role does not launch screening campaigns."))
    units = (
        in_scope(Unit.objects.all(), request.user, via="")
        .filter(kind__in=services.CAMPAIGN_UNIT_KINDS, is_active=True)
        .order_by("path")
    )
    form = CampaignForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.campaign_create(
                actor=request.user,
                name=data["name"],
                description=data["description"],
                deadline=data["deadline"],
                checklist=form.checklist_items(),
                units=list(data["units"]),
            )
        except services.ScreeningRefused as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Campaign “%(name)s” launched.") % {"name": campaign.name})
            return redirect("campaign_detail", pk=campaign.pk)
    return render(
        request,
        "intake/screening_campaign_form.html",
        {"form": form},
        status=422 if form.errors else 200,
    )


@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _get_campaign(request, pk)
    return render(
        request,
        "intake/screening_campaign_detail.html",
        {"progress": selectors.campaign_progress(actor=request.user, campaign=campaign)},
    )


@login_required
def campaign_unit_report(request: HttpRequest, pk: int, unit_code: str) -> HttpResponse:
    campaign = _get_campaign(request, pk)
    try:
        entry = selectors.campaign_units_visible(actor=request.user, campaign=campaign).get(
            unit__code=unit_code
        )
    except CampaignUnit.DoesNotExist as exc:
        raise Http404(_("The campaign does not cover this unit in your area.")) from exc
    if not selectors.can_report_for(request.user, entry.unit):
        messages.error(request, _("You cannot report for %(unit)s.") % {"unit": entry.unit.name})
        return redirect("campaign_detail", pk=campaign.pk)
    initial = {
        "done_items": entry.done_items,
        "found_count": entry.found_count,
        "notes": entry.notes,
    }
    form = CampaignReportForm(request.POST or None, checklist=campaign.checklist, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.campaign_unit_report(
                actor=request.user,
                campaign_unit=entry,
                done_items=data["done_items"],
                found_count=data["found_count"],
                notes=data["notes"],
            )
        except services.ScreeningRefused as exc:
            messages.error(request, str(exc))
            return redirect("campaign_detail", pk=campaign.pk)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Progress of %(unit)s saved.") % {"unit": entry.unit.name})
            return redirect("campaign_detail", pk=campaign.pk)
    return render(
        request,
        "intake/screening_campaign_report.html",
        {"campaign": campaign, "entry": entry, "form": form},
        status=422 if form.errors else 200,
    )
