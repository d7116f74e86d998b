"""The audit viewer for supervisors and administrators; every look at it is itself audited."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from concord.audit import selectors
from concord.audit.forms import AuditFilterForm
from concord.audit.services import audit_access

PAGE_SIZE = 50


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    if request.user.role not in selectors.VIEWER_ROLES:
        raise Http404(_("Only supervisors and administrators read the audit log."))
    form = AuditFilterForm(request.GET or None)
    filters = form.filters() if request.GET else selectors.AuditFilters()
    entries = selectors.audit_entries(actor=request.user, filters=filters)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    # Read the page before recording the look at it, so the page and its count agree.
    page.object_list = list(page.object_list)
    audit_access(
        actor=request.user,
        action="audit.view",
        unit=request.user.scope_unit,
        data={"filters": filters.as_dict(), "page": page.number, "rows": page.paginator.count},
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "audit/log.html", {"form": form, "page": page, "query": query.urlencode()}
    )
