"""Notifications (提醒): the in-app inbox, and each e-mail or SMS that carries one out.

A `Notification` is one message to one person about one thing (a task, a case, a period, a brief),
with the key that makes it unique for that person: a scheduled job that runs twice for the same
moment finds the key taken and sends nothing twice. Each channel it goes out on is a `Delivery` that
records whether, when and after how many attempts it was delivered, and the last error.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    OVERDUE = "overdue", _("Overdue task")
    ESCALATION = "escalation", _("Escalation")
    DUE_SOON = "due_soon", _("Due soon")
    DIGEST = "digest", _("Daily digest")
    NIL_REMINDER = "nil_reminder", _("Nil report reminder")
    BRIEF = "brief", _("Brief ready")
    REASSESS = "reassess", _("Re-assessment proposed")
    PERFORMANCE = "performance", _("Agreement not performed")
    TASK = "task", _("New task")
    DELIVERY_FAILED = "delivery_failed", _("Delivery failed")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    # What it was about.
    dispute = models.ForeignKey(
        "disputes.Dispute",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    task = models.ForeignKey(
        "disputes.Task",
        verbose_name=_("task"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    level = models.CharField(_("risk level"), max_length=8, blank=True)
    # Urgent (a red case): quiet hours do not hold it back.
    urgent = models.BooleanField(_("urgent"), default=False)
    data = models.JSONField(_("details"), default=dict, blank=True)
    # Unique per recipient: what makes a scheduled job idempotent ("overdue:task:42", "digest:2026-03-02").
    dedupe_key = models.CharField(_("key"), max_length=200)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], name="notify_notification_once_per_key"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notify_unread_idx"),
            models.Index(fields=["recipient", "-created_at"], name="notify_inbox_idx"),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def level_label(self) -> str:
        from concord.disputes.models import Level

        return str(Level(self.level).label) if self.level in Level.values else self.level


class Channel(models.TextChoices):
    INBOX = "inbox", _("In-app inbox")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class Delivery(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Delivered")
        FAILED = "failed", _("Failed, will retry")
        GAVE_UP = "gave_up", _("Failed, gave up")

    notification = models.ForeignKey(
        Notification,
        verbose_name=_("notification"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    address = models.CharField(_("address"), max_length=254, blank=True)  # e-mail or phone
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="notify_due_idx")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.get_state_display()}"


class SmsChoice(models.TextChoices):
    ALL = "all", _("Every notification")
    URGENT = "urgent", _("Only alerts about red cases")
    OFF = "off", _("Never")


class NotificationPreference(models.Model):
    """How a person wants to hear: the inbox always; e-mail and SMS as chosen; quiet hours hold
    e-mail and SMS back until they end, except alerts about red cases."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    email = models.BooleanField(_("send e-mail"), default=True)
    sms = models.CharField(
        _("send SMS"), max_length=8, choices=SmsChoice.choices, default=SmsChoice.URGENT
    )
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)
