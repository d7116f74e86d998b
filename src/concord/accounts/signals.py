"""Logins and failed logins go into the audit log."""

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.dispatch import receiver

from concord.audit.services import audit_record


def _client(request) -> dict:
    if request is None:
        return {}
    return {
        "ip": request.META.get("REMOTE_ADDR"),
        "agent": request.META.get("HTTP_USER_AGENT", "")[:200],
    }


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    with transaction.atomic():
        audit_record(
            actor=user,
            action="accounts.login",
            target=user,
            unit=user.scope_unit,
            data=_client(request),
        )


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    with transaction.atomic():
        audit_record(
            actor=None,
            action="accounts.login_failed",
            data={"username": str(credentials.get("username", ""))[:150], **_client(request)},
        )


@receiver(user_logged_in)
def start_session_clock(sender, request, user, **kwargs):
    """The idle timeout and the absolute session age count from the login."""
    from concord.accounts.middleware import STARTED_KEY, touch_session

    session = getattr(request, "session", None)
    if session is not None:
        session.pop(STARTED_KEY, None)
        touch_session(session)
