"""The ledger export from the dispute list: the same filters as the page, as an .xlsx download."""

import tempfile

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest
from django.utils import timezone
from django.views.decorators.http import require_GET

from concord.disputes.forms import DisputeFilterForm
from concord.reporting.ledger_export import LedgerExportRefused, ledger_export

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@require_GET
def ledger_export_view(request: HttpRequest) -> FileResponse:
    """GET /reporting/ledger/export?<the list page's query>: exactly the cases the list shows, read
    the way `disputes.views.dispute_list` reads them, masked, audited."""
    form = DisputeFilterForm(request.GET or None)
    filters = form.filters() if request.GET else None
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
    try:
        ledger_export(actor=request.user, filters=filters, output=spool, via="web")
    except LedgerExportRefused as exc:
        spool.close()
        raise PermissionDenied(str(exc)) from exc
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    name = f"矛盾纠纷台账-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
    return FileResponse(spool, as_attachment=True, filename=name, content_type=XLSX)
