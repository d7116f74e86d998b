"""Mediation (调处): the bodies a case is referred to, their sessions and agreements, the agreement's
performance, and the follow-up visits (回访) until both the matter and the grievance are settled."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class MediationKind(models.TextChoices):
    PEOPLES = "peoples", _("People's mediation")
    ADMINISTRATIVE = "administrative", _("Administrative mediation")
    JUDICIAL = "judicial", _("Judicial mediation")


class BodyKind(models.TextChoices):
    VILLAGE_COMMITTEE = "village_committee", _("Village people's mediation committee")
    TOWNSHIP_COMMITTEE = "township_committee", _("Township people's mediation committee")
    JUSTICE_OFFICE = "justice_office", _("Justice office (司法所)")
    DEPARTMENT = "department", _("Administrative department")
    COURT = "court", _("Court pre-litigation mediation (诉前调解)")
    POLICE_DESK = "police_desk", _("Police–mediation desk (警调对接)")


# What kind of mediation each body gives: it decides the referral's kind and the agreement's title.
BODY_MEDIATION_KIND = {
    BodyKind.VILLAGE_COMMITTEE: MediationKind.PEOPLES,
    BodyKind.TOWNSHIP_COMMITTEE: MediationKind.PEOPLES,
    BodyKind.JUSTICE_OFFICE: MediationKind.PEOPLES,
    BodyKind.POLICE_DESK: MediationKind.PEOPLES,
    BodyKind.DEPARTMENT: MediationKind.ADMINISTRATIVE,
    BodyKind.COURT: MediationKind.JUDICIAL,
}


class MediationBody(models.Model):
    """A people's mediation committee, a justice office, a department, a court's mediation room or the
    police–mediation desk; it serves the units listed (and everything under them)."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=BodyKind.choices)
    department = models.CharField(
        _("department"),
        max_length=40,
        blank=True,
        help_text=_("人社, 住建, 卫健, 自然资源, 市场监管…"),
    )
    serves = models.ManyToManyField(
        "territory.Unit", verbose_name=_("serves"), related_name="mediation_bodies"
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("mediators"),
        blank=True,
        related_name="mediation_bodies",
        limit_choices_to={"role": "mediator"},
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("mediation body")
        verbose_name_plural = _("mediation bodies")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="mediation_body_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def mediation_kind(self) -> str:
        return BODY_MEDIATION_KIND[self.kind]


class ReferralRoute(models.TextChoices):
    POLICE = "police", _("Police to mediation (警调对接)")
    COURT = "court", _("Court to mediation (诉调对接)")
    PETITION = "petition", _("Petition to mediation (访调对接)")


class Referral(models.Model):
    """A case handed to a mediation body. Several bodies may hold one case at once (joint handling)."""

    class State(models.TextChoices):
        REFERRED = "referred", _("Referred, awaiting acceptance")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        SUCCEEDED = "succeeded", _("Mediated: agreement reached")
        FAILED = "failed", _("Mediated: no agreement")

    dispute = models.ForeignKey(
        "disputes.Dispute", on_delete=models.CASCADE, related_name="referrals"
    )
    body = models.ForeignKey(
        MediationBody,
        verbose_name=_("mediation body"),
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    route = models.CharField(_("route"), max_length=12, choices=ReferralRoute.choices)
    kind = models.CharField(_("kind of mediation"), max_length=16, choices=MediationKind.choices)
    joint = models.BooleanField(_("handled jointly"), default=False)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.REFERRED
    )
    note = models.TextField(_("what the body is asked to do"), blank=True)
    due_at = models.DateTimeField(_("mediation due by"))
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("referred by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    referred_at = models.DateTimeField(_("referred at"))
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    return_reason = models.TextField(_("reason returned"), blank=True)
    concluded_at = models.DateTimeField(_("concluded at"), null=True, blank=True)
    conclusion = models.TextField(_("conclusion"), blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-referred_at", "-id"]
        indexes = [models.Index(fields=["body", "state", "due_at"])]
        constraints = [
            models.CheckConstraint(
                name="mediation_referral_returned_has_reason",
                condition=~Q(state="returned") | ~Q(return_reason=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dispute_id} → {self.body_id}"

    @property
    def is_pending(self) -> bool:
        return self.state in {self.State.REFERRED, self.State.ACCEPTED}


class SessionResult(models.TextChoices):
    AGREED = "agreed", _("Agreement reached")
    CONTINUING = "continuing", _("To be continued")
    NOT_AGREED = "not_agreed", _("No agreement")


class MediationSession(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="sessions")
    held_at = models.DateTimeField(_("held at"))
    place = models.CharField(_("place"), max_length=120)
    mediators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("mediators"), related_name="+"
    )
    attendees = models.TextField(_("who attended"))
    summary = models.TextField(_("summary"))
    result = models.CharField(_("result"), max_length=12, choices=SessionResult.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")
        ordering = ["held_at", "id"]

    def __str__(self) -> str:
        return f"{self.held_at:%Y-%m-%d} {self.place}"


class Agreement(models.Model):
    class Form(models.TextChoices):
        ORAL = "oral", _("Oral agreement")
        WRITTEN = "written", _("Written agreement")
        JUDICIAL = "judicial", _("Written, with judicial confirmation (司法确认)")

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="agreement")
    dispute = models.ForeignKey(
        "disputes.Dispute", on_delete=models.CASCADE, related_name="agreements"
    )
    number = models.CharField(_("agreement number"), max_length=40, unique=True)
    form = models.CharField(_("form"), max_length=10, choices=Form.choices)
    facts = models.TextField(_("facts and points in dispute"))
    terms = models.TextField(_("terms agreed"))
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    signed_on = models.DateField(_("signed on"))
    court = models.CharField(_("confirming court"), max_length=80, blank=True)
    confirmation_number = models.CharField(
        _("confirmation ruling number"), max_length=60, blank=True
    )
    confirmed_on = models.DateField(_("confirmed on"), null=True, blank=True)
    scan = models.ForeignKey(
        "disputes.Attachment",
        verbose_name=_("signed scan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mediation agreement")
        verbose_name_plural = _("mediation agreements")
        ordering = ["signed_on", "id"]
        constraints = [
            models.CheckConstraint(
                name="mediation_agreement_judicial_has_court",
                condition=~Q(form="judicial") | ~Q(court=""),
            ),
        ]

    def __str__(self) -> str:
        return self.number


class Instalment(models.Model):
    """One step of an agreement's performance schedule (履行): pay, repair, apologise… by a date."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="instalments")
    sequence = models.PositiveSmallIntegerField(_("no."))
    due_on = models.DateField(_("due on"))
    description = models.CharField(_("what is to be done"), max_length=200)
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    performed_on = models.DateField(_("performed on"), null=True, blank=True)
    performed_amount = models.DecimalField(
        _("amount performed (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    performed_note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Set when the scheduled check found it missed and raised a task for the case owner (once).
    missed_at = models.DateTimeField(_("found missed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["agreement", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "sequence"], name="mediation_instalment_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sequence}. {self.description}"

    @property
    def performed(self) -> bool:
        return self.performed_on is not None


class FollowUpVisit(models.Model):
    """回访: a visit after the outcome. "事心双解" is both `matter_settled` and `grievance_settled`."""

    class Method(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        PHONE = "phone", _("By phone")
        VIDEO = "video", _("By video call")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        PARTLY = "partly", _("Partly satisfied")
        DISSATISFIED = "dissatisfied", _("Dissatisfied")

    dispute = models.ForeignKey("disputes.Dispute", on_delete=models.CASCADE, related_name="visits")
    visited_at = models.DateTimeField(_("visited at"))
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("visited by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    met_with = models.CharField(_("whom they met"), max_length=200)
    matter_settled = models.BooleanField(_("the matter is settled (事了)"))
    grievance_settled = models.BooleanField(_("the grievance is settled (心结解开)"))
    satisfaction = models.CharField(
        _("satisfaction"), max_length=12, choices=Satisfaction.choices, blank=True
    )
    note = models.TextField(_("what the visit found"))
    flags = models.JSONField(_("new risk signals"), default=list, blank=True)

    class Meta:
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        ordering = ["visited_at", "id"]
        indexes = [models.Index(fields=["dispute", "visited_at"])]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.visited_at:%Y-%m-%d}"

    @property
    def both_settled(self) -> bool:
        return self.matter_settled and self.grievance_settled
