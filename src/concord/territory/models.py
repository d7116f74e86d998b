"""The territory tree (区局 → 派出所 → 警务室/片区 → 村/社区 → 网格) and who answers for each part of it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    BUREAU = "bureau", _("Bureau")
    STATION = "station", _("Police station")
    POST = "post", _("Police post (sector)")
    VILLAGE = "village", _("Village / community")
    GRID = "grid", _("Grid")


# Each kind sits directly under exactly one other kind: this is what makes the police grid and the
# community grid one tree ("警格+网格"), so a grid always has one village, one sector and one station.
PARENT_KIND: dict[str, str | None] = {
    UnitKind.BUREAU: None,
    UnitKind.STATION: UnitKind.BUREAU,
    UnitKind.POST: UnitKind.STATION,
    UnitKind.VILLAGE: UnitKind.POST,
    UnitKind.GRID: UnitKind.VILLAGE,
}
KIND_ORDER = [UnitKind.BUREAU, UnitKind.STATION, UnitKind.POST, UnitKind.VILLAGE, UnitKind.GRID]


class Unit(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path of codes ("/411603/411603001/…/"): a subtree is one indexed prefix match.
    path = models.CharField(max_length=400, db_index=True, editable=False)
    boundary = models.JSONField(_("boundary (GeoJSON geometry)"), null=True, blank=True)
    # Bounding box of the boundary, so "which grid is this point in" scans a handful of rows.
    min_lng = models.FloatField(null=True, blank=True, editable=False)
    min_lat = models.FloatField(null=True, blank=True, editable=False)
    max_lng = models.FloatField(null=True, blank=True, editable=False)
    max_lat = models.FloatField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["kind", "path"]),
            models.Index(
                fields=["min_lng", "max_lng", "min_lat", "max_lat"], name="territory_unit_bbox"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="territory_unit_root_is_bureau",
                condition=(
                    Q(kind=UnitKind.BUREAU, parent__isnull=True)
                    | (~Q(kind=UnitKind.BUREAU) & Q(parent__isnull=False))
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def path_codes(self) -> list[str]:
        """The codes from the bureau down to this unit."""
        return [c for c in self.path.strip("/").split("/") if c]

    def station(self) -> "Unit | None":
        """The police station whose area holds this unit (itself, for a station), in one query."""
        return Unit.objects.filter(code__in=self.path_codes, kind=UnitKind.STATION).first()

    def ancestors(self) -> list["Unit"]:
        """From the root down to this unit's parent, in one query."""
        codes = self.path_codes[:-1]
        by_code = {u.code: u for u in Unit.objects.filter(code__in=codes)}
        return [by_code[c] for c in codes if c in by_code]


class Tier(models.TextChoices):
    SECTOR = "sector", _("Community officer for the sector")
    VILLAGE = "village", _("Auxiliary officer for the village")
    GRID = "grid", _("Grid worker for the grid")


TIER_UNIT_KIND = {
    Tier.SECTOR: UnitKind.POST,
    Tier.VILLAGE: UnitKind.VILLAGE,
    Tier.GRID: UnitKind.GRID,
}
UNIT_KIND_TIER = {kind: tier for tier, kind in TIER_UNIT_KIND.items()}


class Responsibility(models.Model):
    """A dated assignment of one person to one unit at one tier (三级包保)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        on_delete=models.PROTECT,
        related_name="responsibilities",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="responsibilities"
    )
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices)
    since = models.DateField(_("since"))
    until = models.DateField(
        _("until"), null=True, blank=True, help_text=_("Last day; empty while current.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")
        ordering = ["unit__path", "-since"]
        constraints = [
            models.CheckConstraint(
                name="territory_responsibility_dates_ordered",
                condition=Q(until__isnull=True) | Q(until__gte=models.F("since")),
            ),
            models.UniqueConstraint(
                fields=["unit", "tier"],
                condition=Q(until__isnull=True),
                name="territory_responsibility_one_current_per_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_tier_display()} · {self.user}"
