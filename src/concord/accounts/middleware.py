"""Session hardening: the idle timeout and the second factor for commanders and administrators."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from concord.accounts.otp import requires_second_factor

LAST_SEEN_KEY = "concord_last_seen"
STARTED_KEY = "concord_started"
# Writing the session on every request costs a write per page; once a minute is precise enough.
LAST_SEEN_RESOLUTION = 60


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _bearer(request) -> bool:
    return request.headers.get("Authorization", "").lower().startswith("bearer ")


def _htmx_redirect(url: str) -> HttpResponse:
    """htmx swaps a redirected page into the fragment; HX-Redirect makes it load the whole page."""
    response = HttpResponse(status=204)
    response["HX-Redirect"] = url
    return response


def _background_paths() -> frozenset[str]:
    # Requests the page makes on its own (the bell polls every minute) are not the user's activity.
    return frozenset({reverse("notify_bell")})


def touch_session(session, now: float | None = None) -> None:
    now = time.time() if now is None else now
    session[LAST_SEEN_KEY] = now
    session.setdefault(STARTED_KEY, now)


class SessionIdleTimeoutMiddleware:
    """Logs out a session idle for CONCORD_SESSION_IDLE_SECONDS or older than SESSION_COOKIE_AGE."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is None or _bearer(request) or not request.user.is_authenticated:
            return self.get_response(request)
        now = time.time()
        last_seen = session.get(LAST_SEEN_KEY)
        started = session.get(STARTED_KEY)
        idle = settings.CONCORD_SESSION_IDLE_SECONDS
        if (last_seen is not None and now - last_seen > idle) or (
            started is not None and now - started > settings.SESSION_COOKIE_AGE
        ):
            logout(request)
            messages.info(request, _("Your session ended after a time without activity."))
            if request.path.startswith(reverse("api:api-root")):
                return self.get_response(request)  # now anonymous: the API answers 401
            login_url = (
                f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': request.get_full_path()})}"
            )
            if _is_htmx(request):
                return _htmx_redirect(login_url)
            return redirect_to_login(request.get_full_path())
        if request.path not in _background_paths() and (
            last_seen is None or now - last_seen >= LAST_SEEN_RESOLUTION
        ):
            touch_session(session, now)
        return self.get_response(request)


class RequireSecondFactorMiddleware:
    """Commanders and administrators reach nothing but the two-factor page until a TOTP code
    confirms their session. The API answers such a session 403; bearer tokens are the API's own
    business (an external system's account), as are the static files and the language switch.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def _exempt(self, request) -> bool:
        path = request.path
        exempt = (
            reverse("two_factor"),
            reverse("logout"),
            reverse("login"),
            reverse("set_language"),
        )
        return path in exempt or path.startswith("/" + settings.STATIC_URL.lstrip("/"))

    def __call__(self, request):
        if _bearer(request) or self._exempt(request):
            return self.get_response(request)
        user = request.user
        if not requires_second_factor(user) or user.is_verified():
            return self.get_response(request)
        if request.path.startswith(reverse("api:api-root")):
            return JsonResponse(
                {"detail": _("Confirm your login with a two-factor code first.")}, status=403
            )
        target = f"{reverse('two_factor')}?{urlencode({'next': request.get_full_path()})}"
        if _is_htmx(request):
            return _htmx_redirect(target)
        return redirect(target)
