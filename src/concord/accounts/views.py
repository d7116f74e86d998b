"""The two-factor page: set up an authenticator app (first time), then confirm each login with it."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from concord.accounts.forms import TwoFactorForm
from concord.accounts.otp import (
    confirmed_device,
    enrolment_device,
    mark_verified,
    qr_svg,
    requires_second_factor,
    secret_in_groups,
)
from concord.audit.services import audit_record


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return settings.LOGIN_REDIRECT_URL


@never_cache
@sensitive_post_parameters("token")
@login_required
def two_factor(request):
    user = request.user
    next_url = _next_url(request)
    if not requires_second_factor(user) or user.is_verified():
        return redirect(next_url)
    device = confirmed_device(user)
    enrolling = device is None
    if enrolling:
        device = enrolment_device(user)
    form = TwoFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            accepted = device.verify_token(form.cleaned_data["token"])
            if accepted:
                if enrolling:
                    device.confirmed = True
                    device.save(update_fields=["confirmed"])
                mark_verified(request, device)
            audit_record(
                actor=user,
                action=(
                    (
                        "accounts.two_factor_enrolled"
                        if enrolling
                        else "accounts.two_factor_verified"
                    )
                    if accepted
                    else "accounts.two_factor_failed"
                ),
                target=user,
                unit=user.scope_unit,
                data={"ip": request.META.get("REMOTE_ADDR")},
            )
        if accepted:
            request.session.cycle_key()
            return redirect(next_url)
        form.add_error(
            "token",
            _("That code is wrong or expired; wait for the next one and try again."),
        )
    context = {"form": form, "enrolling": enrolling, "next": next_url}
    if enrolling:
        uri = device.config_url
        context.update(
            {"otpauth_uri": uri, "qr_svg": qr_svg(uri), "secret": secret_in_groups(device)}
        )
    return render(request, "accounts/two_factor.html", context)


def lockout(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out login: a translated page, HTTP 429."""
    cool_off = settings.AXES_COOLOFF_TIME
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_timedelta": cool_off,
        "cooloff_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }
    return render(request, "accounts/lockout.html", context, status=429)
