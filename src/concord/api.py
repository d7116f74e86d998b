"""The HTTP API for external systems (DESIGN §5): OpenAPI 3 at /api/docs, the schema at /api/openapi.json.

Callers authenticate with a browser session (CSRF-checked on unsafe methods) or with a bearer token
(`Authorization: Bearer <token>`, see concord.accounts.tokens); either way they act as one account,
whose role and scope decide what they see and may do.

Errors have one shape whatever raised them:
- 401 / 403 / 404: {"detail": message}; a case outside the caller's area is a 404, like an unknown one;
- 409 (a stale `expected_version`): {"detail": message, "current_version": n};
- 422: {"detail": [{"loc": [...], "msg": message, "type": code}]}, for schema errors (from ninja)
  and for the domain's own validation errors (django.core.exceptions.ValidationError) alike.
Messages follow the request's Accept-Language.
"""

import re

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, Throttled
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth
from ninja.throttling import SimpleRateThrottle

from concord.accounts.tokens import api_token_verify
from concord.disputes.api import router as disputes_router
from concord.disputes.services import StaleVersion
from concord.intake.api import router as intake_router
from concord.mediation.api import router as mediation_router


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`: a token issued to an external system."""

    def authenticate(self, request, token):
        found = api_token_verify(token.strip())
        if found is None:
            # A token was offered and is wrong: say so, rather than trying the session.
            raise AuthenticationError(message=_("The API token is unknown, revoked or malformed."))
        request.user = found.user
        request.api_token = found
        return found.user


class Session(SessionAuth):
    """Django's session, as ninja's django_auth, with its CSRF check on unsafe methods.

    The check is skipped only when no session cookie was sent at all (there is no session to
    forge), so that a token caller is not refused for a missing CSRF token.
    """

    def _get_key(self, request):
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        if key is None:
            return None
        return super().authenticate(request, key)


class ApiTokenThrottle(SimpleRateThrottle):
    """Each API token may make `CONCORD_API_RATE` requests (default 600 a minute): a leaked or
    runaway key cannot flood the register. Session callers are people at a page, not throttled here.
    The counter lives in Django's cache, so several app servers need a shared cache (Redis)."""

    scope = "api_token"

    def __init__(self):
        super().__init__(rate=settings.CONCORD_API_RATE)

    def allow_request(self, request) -> bool:
        # Read the rate on each request, so a changed setting applies without a restart.
        self.num_requests, self.duration = self.parse_rate(settings.CONCORD_API_RATE)
        return super().allow_request(request)

    def get_cache_key(self, request) -> str | None:
        token = getattr(request, "api_token", None)
        return None if token is None else f"throttle_api_token_{token.pk}"


api = NinjaAPI(
    title="Concord API",
    version="1",
    description=__doc__,
    urls_namespace="api",
    auth=[BearerToken(), Session()],
    throttle=[ApiTokenThrottle()],
)


def _error(request, status: int, detail, **extra):
    return api.create_response(request, {"detail": detail, **extra}, status=status)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc: AuthenticationError):
    message = exc.message if exc.message != "Unauthorized" else _("Sign in, or send an API token.")
    return _error(request, 401, message)


@api.exception_handler(ObjectDoesNotExist)
def on_not_found(request, exc):
    return _error(request, 404, _("Not found."))


@api.exception_handler(Http404)
def on_http404(request, exc):
    return _error(request, 404, _("Not found."))


@api.exception_handler(PermissionDenied)  # services.TransitionRefused among others
def on_refused(request, exc: PermissionDenied):
    return _error(request, 403, str(exc) or _("You may not do this."))


@api.exception_handler(Throttled)
def on_throttled(request, exc: Throttled):
    return _error(request, 429, _("Too many requests with this API token; try again shortly."))


@api.exception_handler(StaleVersion)
def on_stale(request, exc: StaleVersion):
    return _error(request, 409, str(exc), current_version=exc.dispute.version)


BODY_LOC = ("body", "payload")  # where ninja puts a body parameter named `payload`
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def field_loc(key: str) -> list[str | int]:
    """ "parties[1].id_number" → ["body", "payload", "parties", 1, "id_number"]."""
    if key == "__all__":
        return list(BODY_LOC)
    return [*BODY_LOC, *(name or int(index) for name, index in _PATH_PART.findall(key))]


@api.exception_handler(ValidationError)
def on_invalid(request, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        detail = [
            {"loc": field_loc(key), "msg": str(message), "type": "value_error"}
            for key, messages in exc.message_dict.items()
            for message in messages
        ]
    else:
        detail = [
            {"loc": list(BODY_LOC), "msg": str(message), "type": "value_error"}
            for message in exc.messages
        ]
    return _error(request, 422, detail)


api.add_router("", disputes_router)
api.add_router("", intake_router)
api.add_router("", mediation_router)
