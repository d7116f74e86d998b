"""The web import of a station ledger: upload (with a progress bar), then every row's fate.

Thin: the form checks the upload, `ledger_import` does the work, and the report is kept in the
session (the last few imports) so the result page survives a reload without importing again.
"""

import secrets
from pathlib import Path
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from concord.intake import ledger as reader
from concord.intake.ledger_import import (
    COLUMN_MEANINGS,
    IMPORT_ROLES,
    LedgerImportRefused,
    LedgerReport,
    LedgerUnreadable,
    ledger_import,
)

SESSION_KEY = "ledger_import_reports"
KEEP_REPORTS = 5
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
EXTENSIONS = (".xlsx", ".xlsm")


def max_bytes() -> int:
    return int(getattr(settings, "CONCORD_LEDGER_MAX_BYTES", DEFAULT_MAX_BYTES))


class LedgerUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Ledger workbook (.xlsx)"),
        widget=forms.ClearableFileInput(
            attrs={
                "class": "form-control",
                "accept": ".xlsx,.xlsm,application/vnd.openxmlformats-officedocument."
                "spreadsheetml.sheet",
            }
        ),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run: check every row and report, write nothing"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name or "").suffix.lower() not in EXTENSIONS:
            raise forms.ValidationError(
                _(
                    "Upload an Excel workbook (.xlsx). An old .xls file must be saved as .xlsx first."
                )
            )
        if upload.size > max_bytes():
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB.") % {"mb": max_bytes() // (1024 * 1024)}
            )
        return upload


def _require_importer(request: HttpRequest) -> None:
    if request.user.role not in IMPORT_ROLES or request.user.scope_unit is None:
        raise PermissionDenied(_("Your role does not import ledgers."))


def _accepted_columns() -> list[tuple[str, str]]:
    return [
        (str(COLUMN_MEANINGS[fld]), "、".join(n for n in names if not n.isascii()))
        for fld, names in reader.HEADER_SYNONYMS.items()
    ]


@login_required
def ledger_upload(request: HttpRequest) -> HttpResponse:
    _require_importer(request)
    form = LedgerUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = ledger_import(
                actor=request.user, path_or_file=upload, dry_run=form.cleaned_data["dry_run"]
            )
        except LedgerUnreadable as exc:
            form.add_error("file", str(exc))
        except LedgerImportRefused as exc:
            raise PermissionDenied(str(exc)) from exc
        else:
            token = secrets.token_urlsafe(9)
            reports = dict(request.session.get(SESSION_KEY, {}))
            for old in list(reports)[: max(0, len(reports) - KEEP_REPORTS + 1)]:
                reports.pop(old)
            reports[token] = report.as_dict()
            request.session[SESSION_KEY] = reports
            return redirect("ledger_result", token=token)
    return render(
        request,
        "intake/ledger_upload.html",
        {
            "form": form,
            "max_mb": max_bytes() // (1024 * 1024),
            "accepted_columns": _accepted_columns(),
        },
        status=400 if form.errors else 200,
    )


def _report(request: HttpRequest, token: str) -> LedgerReport:
    data = request.session.get(SESSION_KEY, {}).get(token)
    if data is None:
        raise Http404(_("This import report is no longer available."))
    return LedgerReport.from_dict(data)


@login_required
def ledger_result(request: HttpRequest, token: str) -> HttpResponse:
    _require_importer(request)
    report = _report(request, token)
    imported = [(row, report.cases.get(str(row), "")) for row in report.imported]
    return render(
        request,
        "intake/ledger_result.html",
        {"report": report, "imported": imported, "token": token},
    )


@login_required
def ledger_report_json(request: HttpRequest, token: str) -> JsonResponse:
    _require_importer(request)
    report = _report(request, token)
    response = JsonResponse(
        report.as_json(), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    stem = Path(report.file_name).stem or "ledger"
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(stem, safe='')}-report.json"
    )
    return response
