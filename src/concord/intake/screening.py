"""Nil reports (零报告) and screening campaigns (排查): the models.

Every grid reports each period either the disputes it raised or "nothing found". A period is a week,
Monday to Sunday in the bureau's time zone, except on the days of a sensitive period the bureau sets:
each of those days is a period of its own (daily reporting). A campaign is a sweep over chosen units
with a deadline and a checklist; each covered unit reports what it has done and what it found.

The models live in the intake app (`concord.intake.models` imports them), so their tables are
`intake_*`. The rules are in `screening_services` (writes) and `screening_selectors` (reads).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from concord.accounts.models import Role

__all__ = ["Campaign", "CampaignUnit", "NilReport", "SensitivePeriod"]


class Cadence(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    DAILY = "daily", _("Daily (sensitive period)")


# Who does what (DESIGN §1). The grid's worker reports for it; the village auxiliary may report for a
# grid of the village when its worker cannot.
NIL_REPORT_ROLES = frozenset({Role.GRID_WORKER, Role.AUXILIARY})
SENSITIVE_PERIOD_ROLES = frozenset({Role.BUREAU_COMMANDER, Role.ADMIN})
CAMPAIGN_CREATE_ROLES = frozenset({Role.BUREAU_COMMANDER, Role.STATION_CHIEF})
CAMPAIGN_REPORT_ROLES = frozenset(
    {
        Role.GRID_WORKER,
        Role.AUXILIARY,
        Role.COMMUNITY_OFFICER,
        Role.STATION_STAFF,
        Role.STATION_CHIEF,
    }
)


class SensitivePeriod(models.Model):
    """Days on which every grid under the unit reports daily instead of weekly (敏感时期)."""

    name = models.CharField(_("name"), max_length=100)
    unit = models.ForeignKey(
        "territory.Unit",
        verbose_name=_("bureau"),
        on_delete=models.PROTECT,
        related_name="sensitive_periods",
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("set at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sensitive period")
        verbose_name_plural = _("sensitive periods")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                name="intake_sensitiveperiod_dates_ordered",
                condition=Q(ends_on__gte=models.F("starts_on")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.starts_on:%Y-%m-%d} – {self.ends_on:%Y-%m-%d})"


class NilReport(models.Model):
    """One grid's report for one period: the disputes it raised, or nothing found (零报告)."""

    class Kind(models.TextChoices):
        NOTHING_FOUND = "nothing_found", _("Nothing found")
        DISPUTES = "disputes", _("Disputes found")

    grid = models.ForeignKey(
        "territory.Unit",
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name="nil_reports",
    )
    cadence = models.CharField(_("cadence"), max_length=8, choices=Cadence.choices)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    kind = models.CharField(_("report"), max_length=16, choices=Kind.choices)
    # Counted by the service when the report was made (leads and disputes raised in the grid in the
    # period), never typed.
    disputes_count = models.PositiveIntegerField(_("leads and disputes raised"), default=0)
    note = models.CharField(_("note"), max_length=500, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reported_at = models.DateTimeField(_("reported at"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("nil report")
        verbose_name_plural = _("nil reports")
        ordering = ["-period_start", "grid__path"]
        indexes = [
            models.Index(fields=["period_start", "period_end"], name="intake_nilreport_period")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["grid", "cadence", "period_start"],
                name="intake_nilreport_one_per_grid_period",
            ),
            models.CheckConstraint(
                name="intake_nilreport_dates_ordered",
                condition=Q(period_end__gte=models.F("period_start")),
            ),
            models.CheckConstraint(
                name="intake_nilreport_nothing_found_counts_zero",
                condition=~Q(kind="nothing_found") | Q(disputes_count=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grid} · {self.period_start:%Y-%m-%d} · {self.get_kind_display()}"

    @property
    def nothing_found(self) -> bool:
        return self.kind == self.Kind.NOTHING_FOUND


class Campaign(models.Model):
    """A screening sweep (排查) over chosen units, with a deadline and a checklist."""

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    # The unit that launched it (the bureau, or a station for a station's own campaign).
    unit = models.ForeignKey(
        "territory.Unit",
        verbose_name=_("launched by unit"),
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    checklist = models.JSONField(_("checklist"), default=list)  # a list of item texts
    deadline = models.DateField(_("deadline"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("launched by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("launched at"), auto_now_add=True)

    class Meta:
        verbose_name = _("screening campaign")
        verbose_name_plural = _("screening campaigns")
        ordering = ["-deadline", "-id"]

    def __str__(self) -> str:
        return self.name


class CampaignUnit(models.Model):
    """One unit a campaign covers and what it has reported: the checklist items done, what it found."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="units"
    )
    unit = models.ForeignKey(
        "territory.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    done_items = models.JSONField(_("items done"), default=list, blank=True)  # checklist indexes
    found_count = models.PositiveIntegerField(_("disputes found"), default=0)
    notes = models.TextField(_("what was found"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("unit in a campaign")
        verbose_name_plural = _("units in campaigns")
        ordering = ["campaign", "unit__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "unit"], name="intake_campaignunit_one_per_unit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.unit}"
