"""The subject-access export of one person, as a JSON download (concord.people.subject_access)."""

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from concord.people.models import Person
from concord.people.subject_access import can_export_subject_access, subject_access_export


@login_required
def subject_access(request: HttpRequest, person_id: int) -> HttpResponse:
    if not can_export_subject_access(request.user):
        raise PermissionDenied(
            _("Only bureau commanders, station chiefs and administrators export a person's data.")
        )
    try:
        export = subject_access_export(actor=request.user, person=Person(pk=person_id))
    except Person.DoesNotExist as exc:
        raise Http404(_("No such person in your area.")) from exc
    response = HttpResponse(
        json.dumps(export, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="person-{person_id}-subject-access.json"'
    )
    response["Cache-Control"] = "no-store"
    return response
