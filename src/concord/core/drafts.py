"""Forms that keep a draft in the browser when the signal drops (static/concord/drafts.js).

The script sends a kept draft with the header `X-Concord-Draft: 1` and a `client_token` field: a
UUID made in the browser, one per draft, that lets the server recognise a draft arriving twice.
A view decorated with `draft_aware` answers such a request in a way the script can act on:

- a redirect becomes JSON `{"status": "done" | "refused", "redirect": url}`: "refused" when the
  view queued an error message (the step was not taken; the draft is kept), "done" otherwise (the
  draft is cleared). The redirect is not followed by the script's request, so the page it then
  opens still shows the view's messages;
- a signed-out user gets 401 JSON `{"status": "login"}` instead of the login page (the draft is
  kept until they sign in again);
- anything else (a form shown again with its errors, a 409 conflict) passes through unchanged.
"""

import uuid
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse

DRAFT_HEADER = "X-Concord-Draft"


def is_draft_request(request: HttpRequest) -> bool:
    return request.headers.get(DRAFT_HEADER) == "1"


def client_token(request: HttpRequest) -> uuid.UUID | None:
    """The draft's token from the posted form, or None (no token, or not a UUID)."""
    value = request.POST.get("client_token", "").strip()
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _error_queued(request: HttpRequest) -> bool:
    # Django's message storage keeps this request's messages in `_queued_messages` until the
    # response stores them; reading them does not mark them shown.
    queued = getattr(getattr(request, "_messages", None), "_queued_messages", [])
    return any(message.level >= messages.ERROR for message in queued)


def draft_aware(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer a draft sent by drafts.js as described above; other requests are untouched.
    Put it outside `login_required`, so that a signed-out draft gets 401 rather than a login page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_draft_request(request):
            return view(request, *args, **kwargs)
        if not request.user.is_authenticated:
            return JsonResponse({"status": "login"}, status=401)
        response = view(request, *args, **kwargs)
        if response.status_code in (301, 302, 303) and response.has_header("Location"):
            status = "refused" if _error_queued(request) else "done"
            return JsonResponse({"status": status, "redirect": response["Location"]})
        return response

    return wrapper
