"""Leads (线索): raw items from every channel, classified, linked and triaged into the register."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from concord.disputes.models import Channel


class Lead(models.Model):
    class State(models.TextChoices):
        NEW = "new", _("Awaiting triage")
        REGISTERED = "registered", _("Registered as a dispute")
        ATTACHED = "attached", _("Attached to a dispute")
        DISMISSED = "dismissed", _("Dismissed")

    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    # The sender's own reference (a 110 call id, a 12345 ticket number, an API idempotency key):
    # the same item sent twice is one lead.
    source_ref = models.CharField(_("source reference"), max_length=80, blank=True)
    source_system = models.CharField(_("source system"), max_length=80, blank=True)
    text = models.TextField(_("text"))
    received_at = models.DateTimeField(_("received at"), db_index=True)
    reporter_name = models.CharField(_("reporter"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    grid = models.ForeignKey(
        "territory.Unit",
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The station the lead belongs to even when no grid is known yet: scope goes through it.
    station = models.ForeignKey(
        "territory.Unit", verbose_name=_("station"), on_delete=models.PROTECT, related_name="+"
    )
    is_dispute = models.BooleanField(_("describes a dispute"), default=True)
    category = models.CharField(_("category"), max_length=16, blank=True)
    confidence = models.FloatField(_("confidence"), default=0)
    flags = models.JSONField(_("risk flags"), default=list, blank=True)
    level = models.CharField(_("indicated risk level"), max_length=8, blank=True)
    priority = models.PositiveSmallIntegerField(default=0)  # 3 red … 0 not a dispute: triage order
    reporter_person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    # "一地多报、一人多报、一事多报": the open dispute this lead seems to repeat, and why.
    repeat_of = models.ForeignKey(
        "disputes.Dispute", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    repeat_reasons = models.JSONField(default=list, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.NEW)
    dispute = models.ForeignKey(
        "disputes.Dispute", null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    dismiss_reason = models.CharField(_("reason dismissed"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            models.Index(fields=["state", "-priority", "received_at"], name="intake_lead_triage"),
            models.Index(fields=["reporter_phone"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "source_system", "source_ref"],
                condition=~Q(source_ref=""),
                name="intake_lead_one_per_source_ref",
            )
        ]

    def __str__(self) -> str:
        return self.text[:40]


class PatrolVisit(models.Model):
    """A patrol visit (走访) in a grid: households visited and what was found; a finding becomes a lead."""

    grid = models.ForeignKey(
        "territory.Unit", verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+"
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("visited by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    visited_on = models.DateField(_("visited on"))
    households = models.PositiveIntegerField(_("households visited"))
    found = models.TextField(_("what was found"), blank=True)
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("patrol visit")
        verbose_name_plural = _("patrol visits")
        ordering = ["-visited_on", "-id"]

    def __str__(self) -> str:
        return f"{self.grid_id} {self.visited_on} {self.households}"


from concord.intake.screening import *  # noqa: E402,F401,F403 (models in their own module)
