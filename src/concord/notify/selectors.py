"""Reads of the notify room: a person sees their own notifications; administrators see failed
deliveries."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from concord.accounts.scope import in_scope
from concord.notify.models import Delivery, Notification
from concord.notify.services import is_notify_admin


def inbox(*, actor, unread_only: bool = False) -> QuerySet[Notification]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return Notification.objects.none()
    qs = Notification.objects.filter(recipient=actor).select_related("dispute")
    return qs.filter(read_at__isnull=True) if unread_only else qs


def unread_count(*, actor) -> int:
    return inbox(actor=actor, unread_only=True).count()


def notification_get(*, actor, pk: int) -> Notification:
    """The actor's own notification (Notification.DoesNotExist for anyone else's)."""
    return inbox(actor=actor).get(pk=pk)


def deliveries_failed(*, actor) -> QuerySet[Delivery]:
    """Deliveries that failed (still being retried, or given up), newest first: administrators only."""
    if not is_notify_admin(actor):
        raise PermissionDenied
    deliveries = Delivery.objects.all()
    if not actor.is_superuser:  # an administrator sees the deliveries of people in their area
        deliveries = in_scope(deliveries, actor, via="notification__recipient__scope_unit")
    return (
        deliveries.filter(state__in=[Delivery.State.FAILED, Delivery.State.GAVE_UP])
        .select_related("notification__recipient", "notification__dispute")
        .order_by("state", "-created_at", "-id")
    )
