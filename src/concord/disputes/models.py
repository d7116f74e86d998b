"""The dispute register (矛盾纠纷台账): one case number for life, its parties, timeline and checklist."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    RED = "red", _("Red (major)")
    ORANGE = "orange", _("Orange (serious)")
    YELLOW = "yellow", _("Yellow (general)")


LEVEL_RANK = {Level.YELLOW: 1, Level.ORANGE: 2, Level.RED: 3}


class HandlingTier(models.TextChoices):
    VILLAGE = "village", _("Village tier")
    STATION = "station", _("Station tier")
    BUREAU = "bureau", _("Bureau tier")


class Status(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    ASSESSED = "assessed", _("Assessed")
    ASSIGNED = "assigned", _("Assigned")
    MEDIATING = "mediating", _("Mediating")
    RESOLVED = "resolved", _("Resolved")
    CONTAINED = "contained", _("Contained")
    TRANSFERRED = "transferred", _("Transferred")
    FOLLOWING_UP = "following_up", _("Following up")
    CLOSURE_REQUESTED = "closure_requested", _("Closure requested")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")


OPEN_STATUSES = frozenset(set(Status.values) - {Status.CLOSED})


class Channel(models.TextChoices):
    POLICE_CALL = "police_call", _("Police call (110)")
    GRID_REPORT = "grid_report", _("Grid worker report")
    PATROL_VISIT = "patrol_visit", _("Patrol visit")
    HOTLINE = "hotline", _("12345 hotline")
    WALK_IN = "walk_in", _("Walk-in")
    PETITION = "petition", _("Petition")
    REFERRAL = "referral", _("Referral")
    CAMPAIGN = "campaign", _("Screening campaign")
    LEDGER_IMPORT = "ledger_import", _("Ledger import")
    API = "api", _("External system")


class Category(models.Model):
    """The dispute taxonomy (DESIGN §3) as reference data; a row with a parent is a sub-type."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("Chinese name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=80)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="subtypes"
    )
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        from django.utils.translation import get_language

        return self.name_en if (get_language() or "").startswith("en") else self.name


class LevelPolicy(models.Model):
    """How a level is handled (DESIGN §4): the tier, the deadlines, the visits and the approver."""

    level = models.CharField(_("level"), max_length=8, choices=Level.choices, unique=True)
    handling_tier = models.CharField(_("handling tier"), max_length=8, choices=HandlingTier.choices)
    first_contact_hours = models.PositiveIntegerField(_("first contact within (hours)"))
    assessment_hours = models.PositiveIntegerField(_("assessment within (hours)"))
    plan_days = models.PositiveIntegerField(_("written plan within (days)"), null=True, blank=True)
    mediation_days = models.PositiveIntegerField(_("mediation started within (days)"))
    visit_interval_days = models.PositiveIntegerField(_("follow-up visit every (days)"))
    visits_after_outcome = models.PositiveIntegerField(
        _("follow-up visits required before closure")
    )
    closure_days = models.PositiveIntegerField(_("closure within (days)"))
    closure_approver_role = models.CharField(_("closure approved by"), max_length=32)
    needs_lead_leader = models.BooleanField(_("a named leader owns it (包案)"), default=False)

    class Meta:
        verbose_name = _("level policy")
        verbose_name_plural = _("level policies")

    def __str__(self) -> str:
        return self.get_level_display()


class Dispute(models.Model):
    case_number = models.CharField(_("case number"), max_length=40, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=120)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    subtype = models.ForeignKey(
        Category,
        verbose_name=_("sub-type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    description = models.TextField(_("description"), blank=True)
    grid = models.ForeignKey(
        "territory.Unit", verbose_name=_("grid"), on_delete=models.PROTECT, related_name="disputes"
    )
    # The grid's station, kept on the row: counts per station are the most common query.
    station = models.ForeignKey(
        "territory.Unit", verbose_name=_("station"), on_delete=models.PROTECT, related_name="+"
    )
    began_on = models.DateField(_("began on"), null=True, blank=True)
    found_at = models.DateTimeField(_("found at"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    people_involved = models.PositiveIntegerField(_("people involved"), default=2)
    amount_involved = models.DecimalField(
        _("amount involved (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    level = models.CharField(
        _("risk level"), max_length=8, choices=Level.choices, default=Level.YELLOW
    )
    assessment = models.ForeignKey(
        "Assessment",
        verbose_name=_("assessment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REGISTERED
    )
    handling_tier = models.CharField(_("handling tier"), max_length=8, choices=HandlingTier.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_disputes",
    )
    lead_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leader in charge (包案领导)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_disputes",
    )
    outcome_note = models.TextField(_("outcome"), blank=True)
    transferred_to = models.CharField(_("transferred to"), max_length=100, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-found_at", "-id"]
        indexes = [
            models.Index(fields=["station", "status", "level"]),
            models.Index(fields=["status", "level"]),
            models.Index(fields=["category", "status"]),
            models.Index(fields=["-found_at"]),
            # The dashboard and the grid map (reporting/selectors.py), each read from an index
            # alone: open cases per grid, level and category and new cases per week start from a
            # unit's grids; red and orange cases open at a week's end (清零) start from the level.
            models.Index(
                fields=["grid", "status", "level", "category"], name="disputes_grid_open_idx"
            ),
            models.Index(fields=["grid", "found_at", "level"], name="disputes_grid_found_idx"),
            models.Index(
                fields=["level", "closed_at", "found_at", "grid"], name="disputes_level_open_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Party(models.Model):
    class Role(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        RESPONDENT = "respondent", _("Respondent")
        OTHER = "other", _("Other party")

    class Sex(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.APPLICANT)
    name = models.CharField(_("name"), max_length=50)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("linked person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="party_records",
    )
    # Set by retention (concord.audit.retention): the name is cut to the surname, identifiers gone.
    pseudonymised_at = models.DateTimeField(_("pseudonymised at"), null=True, blank=True)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["dispute", "id"]

    def __str__(self) -> str:
        return self.name


class Assessment(models.Model):
    """A dated, versioned risk assessment with its reasons; the engine that fills it lives in risk/."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="assessments")
    level = models.CharField(_("risk level"), max_length=8, choices=Level.choices)
    score = models.FloatField(_("score"), null=True, blank=True)
    # Each reason as it read when the assessment was made: a dict from the engine (kind, code, text_zh,
    # text_en, source) or a plain string of professional judgement. Never recomputed from a newer instrument.
    reasons = models.JSONField(_("reasons"), default=list)
    instrument_version = models.CharField(
        _("instrument version"), max_length=32, default="judgement"
    )
    rules_version = models.CharField(_("rules version"), max_length=16, blank=True)
    minimum_level = models.CharField(
        _("minimum set by the rules"), max_length=8, choices=Level.choices, blank=True
    )
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    flags = models.JSONField(_("risk flags"), default=list, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessed_at = models.DateTimeField(_("assessed at"))
    # A level below the rules' minimum stands only with a second approver from a higher tier.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("second approver"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("risk assessment")
        verbose_name_plural = _("risk assessments")
        ordering = ["-assessed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.level} {self.assessed_at:%Y-%m-%d}"


class DisputeEvent(models.Model):
    """One step on a case's timeline: every transition and every change writes exactly one."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"), db_index=True)
    # None: Concord's own scheduled check (a missed instalment, an escalation).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=32)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)  # field: [old, new]
    note = models.TextField(_("note"), blank=True)
    # The token of the browser draft (an offline form) that made this step: the same draft sent
    # twice, when the signal came back in the middle of a request, is recognised and not repeated.
    client_token = models.UUIDField(
        _("draft token"), null=True, blank=True, unique=True, editable=False
    )

    class Meta:
        verbose_name = _("dispute event")
        verbose_name_plural = _("dispute events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class Task(models.Model):
    """One due action on a case's checklist (清单化推进)."""

    class Kind(models.TextChoices):
        FIRST_CONTACT = "first_contact", _("First contact with the parties")
        ASSESSMENT = "assessment", _("Risk assessment")
        PLAN = "plan", _("Written plan (一事一策)")
        MEDIATION = "mediation", _("Start mediation")
        FOLLOW_UP = "follow_up", _("Follow-up visit")
        CLOSURE = "closure", _("Closure")
        REASSESS = "reassess", _("Re-assess the risk")
        DOWNGRADE_REVIEW = "downgrade_review", _("Review a downgrade below the rules' minimum")
        REFERRAL = "referral", _("A referral came back from mediation")
        PERFORMANCE = "performance", _("An agreement was not performed on time")
        OTHER = "other", _("Other")

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        WAIVED = "waived", _("Waived")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=120, blank=True)
    due_at = models.DateTimeField(_("due"), db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.OPEN)
    level = models.CharField(_("set by level"), max_length=8, choices=Level.choices)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    waive_reason = models.CharField(_("reason waived"), max_length=200, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["state", "due_at"]),
            models.Index(fields=["assignee", "state", "due_at"]),
            # Overdue tasks on the dashboard: the open ones past due, with their case and person,
            # without reading the task rows.
            models.Index(
                fields=["state", "due_at", "dispute", "assignee"], name="disputes_task_overdue_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="disputes_task_waived_has_reason",
                condition=~Q(state="waived") | ~Q(waive_reason=""),
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.get_kind_display()


class CaseSequence(models.Model):
    """The last case number issued per station and year; its row lock makes numbers unique."""

    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="disputes_casesequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.year}: {self.last}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    return f"disputes/{instance.dispute.case_number}/{filename}"


class Attachment(models.Model):
    """A photo or document on a case (a scene photo, a signed agreement's scan)."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name
