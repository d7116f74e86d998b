"""Briefs (工作简报) on demand: choose a unit, weekly or monthly, and the day the period ends; read it
on screen, print it on A4 (`format=print`) or download it as Excel (`format=xlsx`, audited)."""

import io
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from concord.audit.services import audit_record
from concord.reporting.briefs import (
    BRIEF_ROLES,
    MONTH,
    PERIOD_LABELS,
    WEEK,
    brief_build,
    brief_title_zh,
    brief_to_xlsx,
    brief_units,
)
from concord.territory.models import Unit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class BriefForm(forms.Form):
    unit = forms.ChoiceField(label=gettext_lazy("Unit"))
    period = forms.ChoiceField(
        label=gettext_lazy("Brief"),
        choices=[(WEEK, PERIOD_LABELS[WEEK]), (MONTH, PERIOD_LABELS[MONTH])],
    )
    ending = forms.DateField(
        label=gettext_lazy("Period ending on or before"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("The last whole week (Monday–Sunday) or month up to this day."),
    )

    def __init__(self, *args, units: list[Unit], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.code, u.name) for u in units]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean_ending(self):
        ending = self.cleaned_data["ending"]
        if ending > timezone.localdate():
            raise forms.ValidationError(_("Choose a day that is not in the future."))
        return ending


@login_required
@require_GET
def brief_page(request: HttpRequest) -> HttpResponse:
    actor = request.user
    if actor.role not in BRIEF_ROLES:
        raise PermissionDenied
    units = list(brief_units(actor=actor))
    by_code = {u.code: u for u in units}
    code = request.GET.get("unit", "")
    if code and code not in by_code:
        raise Http404(_("No such unit in your area."))
    default_unit = (
        actor.scope_unit.code if actor.scope_unit and actor.scope_unit.code in by_code else ""
    )
    form = BriefForm(
        {
            "unit": code or default_unit or (units[0].code if units else ""),
            "period": request.GET.get("period") or WEEK,
            "ending": request.GET.get("ending") or timezone.localdate().isoformat(),
        },
        units=units,
    )
    brief = None
    if units and form.is_valid():
        data = form.cleaned_data
        brief = brief_build(
            actor=actor, unit=by_code[data["unit"]], period=data["period"], ending=data["ending"]
        )
    output = request.GET.get("format", "")
    if brief is not None and output == "xlsx":
        return _xlsx(request, brief)
    context = {
        "form": form,
        "brief": brief,
        "query": urlencode(
            {
                "unit": brief.unit.code,
                "period": brief.period.kind,
                "ending": brief.period.last.isoformat(),
            }
        )
        if brief
        else "",
    }
    if brief is not None and output == "print":
        return render(request, "reporting/brief_print.html", context)
    status = 400 if units and not form.is_valid() else 200
    return render(request, "reporting/brief.html", context, status=status)


def _xlsx(request: HttpRequest, brief) -> FileResponse:
    output = io.BytesIO()
    brief_to_xlsx(brief, output)
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action="reporting.brief_export",
            unit=brief.unit,
            data={
                "unit": brief.unit.code,
                "period": brief.period.kind,
                "start": brief.period.start.isoformat(),
                "end": brief.period.last.isoformat(),
            },
        )
    output.seek(0)
    return FileResponse(
        output, as_attachment=True, filename=f"{brief_title_zh(brief)}.xlsx", content_type=XLSX
    )
