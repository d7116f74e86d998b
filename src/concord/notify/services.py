"""Writes of the notify room: send a notification (the inbox row and a delivery per channel the
person wants), carry deliveries out with retries, and the person's own changes (read, preferences).

Rules:

- A notification is unique per (recipient, dedupe_key): sending it again does nothing and returns
  None. That is what makes every scheduled job safe to run twice for the same moment.
- A notification about a case reaches only a person whose territory holds the case (DESIGN §7).
- The inbox always gets it. E-mail goes when the person wants e-mail and has an address; SMS when
  they have a phone and want SMS for every notification, or for urgent ones and this one is urgent.
  An alert about a red case is urgent.
- Quiet hours hold e-mail and SMS back until they end; urgent alerts ignore them.
- A delivery that fails is tried again after `CONCORD_DELIVERY_RETRY_MINUTES`, doubling each time,
  up to `CONCORD_DELIVERY_MAX_ATTEMPTS` attempts; then it has given up and every administrator
  finds it in their inbox and on the failed-deliveries page, where it can be sent again.
"""

import datetime as dt
import logging
from collections import Counter
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from concord.accounts.models import Role, User
from concord.accounts.scope import can_see_unit
from concord.audit.services import audit_record
from concord.disputes.models import Dispute, Level, Task
from concord.notify.gateways import SmsError, SmsGateway, sms_gateway
from concord.notify.models import (
    Channel,
    Delivery,
    Kind,
    Notification,
    NotificationPreference,
    SmsChoice,
)

logger = logging.getLogger("concord.notify")

# A delivery being sent is held this long, so a second worker running at the same moment skips it;
# if the sender dies half-way, the delivery is tried again after it.
LEASE = dt.timedelta(minutes=10)


def is_notify_admin(user) -> bool:
    """Who sees failed deliveries: administrators (and Django superusers)."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and (user.role == Role.ADMIN or user.is_superuser)
    )


def preference_for(user: User) -> NotificationPreference:
    """The person's preferences, or the defaults (unsaved) when they never set any."""
    found = NotificationPreference.objects.filter(user=user).first()
    return found or NotificationPreference(user=user)


def quiet_until(pref: NotificationPreference, moment: dt.datetime) -> dt.datetime | None:
    """When the quiet hours around `moment` end, on the bureau's clock; None outside them. Quiet
    hours may run past midnight (22:00–07:00)."""
    start, end = pref.quiet_start, pref.quiet_end
    if start is None or end is None or start == end:
        return None
    tz = timezone.get_default_timezone()
    local = timezone.localtime(moment, tz)
    now = local.time()
    inside = start <= now < end if start < end else (now >= start or now < end)
    if not inside:
        return None
    day = local.date() if now < end else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, end, tzinfo=tz)


def _outbound_channels(
    recipient: User, pref: NotificationPreference, *, urgent: bool
) -> list[tuple[str, str]]:
    channels = []
    if pref.email and recipient.email:
        channels.append((Channel.EMAIL, recipient.email))
    wants_sms = pref.sms == SmsChoice.ALL or (pref.sms == SmsChoice.URGENT and urgent)
    if wants_sms and recipient.phone:
        channels.append((Channel.SMS, recipient.phone))
    return channels


@transaction.atomic
def notification_send(
    *,
    recipient: User,
    kind: str,
    subject: str,
    dedupe_key: str,
    body: str = "",
    now: dt.datetime | None = None,
    dispute: Dispute | None = None,
    task: Task | None = None,
    urgent: bool = False,
    url: str = "",
    data: dict[str, Any] | None = None,
    inbox_only: bool = False,
) -> Notification | None:
    """Send one notification: the inbox row, then e-mail and SMS per the person's preferences.

    Returns None, sending nothing, when the person already has a notification with this key, is
    inactive, or may not see the case it is about."""
    now = now or timezone.now()
    if dispute is None and task is not None:
        dispute = task.dispute
    if not recipient.is_active:
        return None
    if dispute is not None and not can_see_unit(recipient, dispute.grid):
        return None
    if Notification.objects.filter(recipient=recipient, dedupe_key=dedupe_key).exists():
        return None
    urgent = urgent or (dispute is not None and dispute.level == Level.RED)
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient,
                kind=kind,
                subject=" ".join(str(subject).split())[:200],
                body=str(body),
                url=url,
                dispute=dispute,
                task=task,
                level=dispute.level if dispute is not None else "",
                urgent=urgent,
                data=data or {},
                dedupe_key=dedupe_key[:200],
                created_at=now,
            )
    except IntegrityError:  # sent by a job running at the same moment
        return None
    deliveries = [
        Delivery(
            notification=notification,
            channel=Channel.INBOX,
            state=Delivery.State.SENT,
            attempts=1,
            sent_at=now,
            created_at=now,
        )
    ]
    if not inbox_only:
        pref = preference_for(recipient)
        held = None if urgent else quiet_until(pref, now)
        deliveries += [
            Delivery(
                notification=notification,
                channel=channel,
                address=address,
                next_attempt_at=held or now,
                created_at=now,
            )
            for channel, address in _outbound_channels(recipient, pref, urgent=urgent)
        ]
    Delivery.objects.bulk_create(deliveries)
    return notification


# --- carrying deliveries out ---------------------------------------------------------------------


def _retry_after(attempts: int) -> dt.timedelta:
    return dt.timedelta(minutes=settings.CONCORD_DELIVERY_RETRY_MINUTES * 2 ** (attempts - 1))


def _send_one(delivery: Delivery, gateway: SmsGateway | None) -> None:
    notification = delivery.notification
    if delivery.channel == Channel.EMAIL:
        EmailMessage(
            subject=notification.subject,
            body=notification.body or notification.subject,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[delivery.address],
        ).send(fail_silently=False)
    elif delivery.channel == Channel.SMS:
        assert gateway is not None
        gateway.send(phone=delivery.address, text=notification.subject)


def deliveries_attempt(
    *, now: dt.datetime | None = None, gateway: SmsGateway | None = None, limit: int = 500
) -> dict[str, int]:
    """Send the e-mails and texts that are due (waiting, or failed and due for a retry). No
    transaction is held while a message is on its way. Returns counts: sent, failed (will be
    retried), gave_up."""
    now = now or timezone.now()
    due = list(
        Delivery.objects.filter(
            state__in=[Delivery.State.PENDING, Delivery.State.FAILED],
            next_attempt_at__lte=now,
        )
        .exclude(channel=Channel.INBOX)
        .select_related("notification__recipient")
        .order_by("next_attempt_at", "id")[:limit]
    )
    counts: Counter[str] = Counter({"sent": 0, "failed": 0, "gave_up": 0})
    for delivery in due:
        claimed = Delivery.objects.filter(
            pk=delivery.pk,
            state=delivery.state,
            attempts=delivery.attempts,
            next_attempt_at=delivery.next_attempt_at,
        ).update(next_attempt_at=now + LEASE)
        if not claimed:
            continue
        if delivery.channel == Channel.SMS and gateway is None:
            gateway = sms_gateway()
        try:
            _send_one(delivery, gateway)
        except Exception as exc:  # any failure of the channel is recorded, never lost
            logger.warning("Delivery %s (%s) failed: %s", delivery.pk, delivery.channel, exc)
            counts[_record_failure(delivery, exc, now)] += 1
        else:
            delivery.attempts += 1
            delivery.state, delivery.sent_at, delivery.next_attempt_at = (
                Delivery.State.SENT,
                now,
                None,
            )
            delivery.save(update_fields=["attempts", "state", "sent_at", "next_attempt_at"])
            counts["sent"] += 1
    return dict(counts)


@transaction.atomic
def _record_failure(delivery: Delivery, exc: Exception, now: dt.datetime) -> str:
    delivery.attempts += 1
    delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    permanent = isinstance(exc, SmsError) and exc.permanent
    if permanent or delivery.attempts >= settings.CONCORD_DELIVERY_MAX_ATTEMPTS:
        delivery.state, delivery.next_attempt_at = Delivery.State.GAVE_UP, None
    else:
        delivery.state = Delivery.State.FAILED
        delivery.next_attempt_at = now + _retry_after(delivery.attempts)
    delivery.save(update_fields=["attempts", "last_error", "state", "next_attempt_at"])
    if delivery.state == Delivery.State.GAVE_UP:
        _tell_admins(delivery, now)
    return delivery.state


def _tell_admins(delivery: Delivery, now: dt.datetime) -> None:
    """A delivery that gave up reaches every administrator's inbox (never by e-mail or SMS: the
    channel itself may be what is broken)."""
    notification = delivery.notification
    admins = User.objects.filter(is_active=True).filter(Q(role=Role.ADMIN) | Q(is_superuser=True))
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("%(channel)s to %(name)s could not be delivered") % {
            "channel": delivery.get_channel_display(),
            "name": notification.recipient,
        }
        body = _(
            "After %(attempts)s attempts Concord gave up sending “%(subject)s”. Last error: %(error)s"
        ) % {
            "attempts": delivery.attempts,
            "subject": notification.subject,
            "error": delivery.last_error,
        }
    for admin in admins:
        notification_send(
            recipient=admin,
            kind=Kind.DELIVERY_FAILED,
            subject=subject,
            body=body,
            dedupe_key=f"delivery_failed:{delivery.pk}:{now.isoformat()}",
            now=now,
            url=reverse("notify_failed"),
            data={"delivery": delivery.pk},
            inbox_only=True,
        )


@transaction.atomic
def delivery_retry(*, actor: User, delivery: Delivery) -> Delivery:
    """An administrator sends a failed delivery again (after fixing a number or the gateway)."""
    if not is_notify_admin(actor):
        raise PermissionDenied(_("Only an administrator may send a delivery again."))
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.state not in {Delivery.State.FAILED, Delivery.State.GAVE_UP}:
        raise PermissionDenied(_("Only a failed delivery can be sent again."))
    old_state = delivery.state
    delivery.state, delivery.attempts = Delivery.State.PENDING, 0
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["state", "attempts", "next_attempt_at"])
    audit_record(
        actor=actor,
        action="notify.delivery_retry",
        target=delivery,
        data={"channel": delivery.channel, "from": old_state},
    )
    return delivery


# --- the person's own changes --------------------------------------------------------------------


def notifications_mark_read(
    *, actor: User, ids: list[int] | None = None, now: dt.datetime | None = None
) -> int:
    """Mark the actor's own notifications read (all unread ones when `ids` is None)."""
    qs = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=now or timezone.now())


@transaction.atomic
def preference_save(
    *,
    actor: User,
    email: bool,
    sms: str,
    quiet_start: dt.time | None,
    quiet_end: dt.time | None,
) -> NotificationPreference:
    from django.core.exceptions import ValidationError

    if sms not in SmsChoice.values:
        raise ValidationError({"sms": _("Choose when to receive SMS.")})
    if (quiet_start is None) != (quiet_end is None):
        raise ValidationError(
            {"quiet_end": _("Give both the start and the end of your quiet hours, or neither.")}
        )
    if quiet_start is not None and quiet_start == quiet_end:
        raise ValidationError({"quiet_end": _("Quiet hours must end at another time.")})
    pref, _created = NotificationPreference.objects.update_or_create(
        user=actor,
        defaults={"email": email, "sms": sms, "quiet_start": quiet_start, "quiet_end": quiet_end},
    )
    return pref
