"""Notify pages: thin callers of the selectors and services."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from concord.notify import selectors, services
from concord.notify.models import Delivery, Notification, SmsChoice


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(selectors.inbox(actor=request.user, unread_only=unread_only), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notify/inbox.html",
        {
            "page": page,
            "unread_only": unread_only,
            "unread": selectors.unread_count(actor=request.user),
            "is_notify_admin": services.is_notify_admin(request.user),
        },
    )


# htmx stops polling on this status: a signed-out page must not swap the login form into the bar.
HTMX_STOP_POLLING = 286


@require_GET
def bell(request: HttpRequest) -> HttpResponse:
    """The bell in the navigation bar, refreshed by htmx every minute."""
    if not request.user.is_authenticated:
        return HttpResponse(status=HTMX_STOP_POLLING)
    return render(
        request, "notify/_bell.html", {"notify_unread": selectors.unread_count(actor=request.user)}
    )


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    ids = [int(v) for v in request.POST.getlist("id") if v.isdigit()]
    services.notifications_mark_read(actor=request.user, ids=ids if ids else None)
    return redirect(_safe_next(request) or "notify_inbox")


@login_required
@require_GET
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a notification: it is read now; go to what it is about."""
    try:
        notification = selectors.notification_get(actor=request.user, pk=pk)
    except Notification.DoesNotExist as exc:
        raise Http404 from exc
    services.notifications_mark_read(actor=request.user, ids=[notification.pk])
    if notification.url and url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None):
        return redirect(notification.url)
    return redirect("notify_inbox")


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


class PreferenceForm(forms.Form):
    email = forms.BooleanField(label=gettext_lazy("Send me e-mail"), required=False)
    sms = forms.ChoiceField(label=gettext_lazy("Send me SMS"), choices=SmsChoice.choices)
    quiet_start = forms.TimeField(
        label=gettext_lazy("Quiet hours from"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    quiet_end = forms.TimeField(
        label=gettext_lazy("Quiet hours until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=gettext_lazy(
            "E-mail and SMS wait until your quiet hours end; alerts about red cases do not wait."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name == "email":
                field.widget.attrs.setdefault("class", "form-check-input")
            else:
                css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                field.widget.attrs.setdefault("class", css)


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    pref = services.preference_for(request.user)
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            try:
                services.preference_save(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, _("Your notification settings are saved."))
                return redirect("notify_preferences")
    else:
        form = PreferenceForm(
            initial={
                "email": pref.email,
                "sms": pref.sms,
                "quiet_start": pref.quiet_start,
                "quiet_end": pref.quiet_end,
            }
        )
    return render(
        request,
        "notify/preferences.html",
        {
            "form": form,
            "has_email": bool(request.user.email),
            "has_phone": bool(request.user.phone),
        },
    )


@login_required
@require_GET
def failed(request: HttpRequest) -> HttpResponse:
    deliveries = selectors.deliveries_failed(actor=request.user)  # PermissionDenied: 403
    page = Paginator(deliveries, 50).get_page(request.GET.get("page"))
    return render(request, "notify/failed.html", {"page": page})


@login_required
@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    if not services.is_notify_admin(request.user):
        raise PermissionDenied
    try:
        delivery = selectors.deliveries_failed(actor=request.user).get(pk=pk)
    except Delivery.DoesNotExist as exc:
        raise Http404 from exc
    services.delivery_retry(actor=request.user, delivery=delivery)
    messages.success(request, _("The delivery will be sent again within a minute."))
    return redirect("notify_failed")
