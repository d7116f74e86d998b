"""Users, their roles (DESIGN §1) and the territory subtree each one may see."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from concord.territory.models import UnitKind


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("Grid worker")
    AUXILIARY = "auxiliary", _("Village auxiliary officer")
    COMMUNITY_OFFICER = "community_officer", _("Community police officer")
    STATION_STAFF = "station_staff", _("Station staff")
    STATION_CHIEF = "station_chief", _("Station chief")
    BUREAU_COMMANDER = "bureau_commander", _("Bureau commander")
    MEDIATOR = "mediator", _("Mediator")
    ANALYST = "analyst", _("Analyst")
    ADMIN = "admin", _("Administrator")


# The kind of unit a role's scope is anchored at. A mediator serves a township (the station's area)
# or, for the county's own committees, the whole bureau.
ROLE_SCOPE_KINDS: dict[str, tuple[str, ...]] = {
    Role.GRID_WORKER: (UnitKind.GRID,),
    Role.AUXILIARY: (UnitKind.VILLAGE,),
    Role.COMMUNITY_OFFICER: (UnitKind.POST,),
    Role.STATION_STAFF: (UnitKind.STATION,),
    Role.STATION_CHIEF: (UnitKind.STATION,),
    Role.BUREAU_COMMANDER: (UnitKind.BUREAU,),
    Role.MEDIATOR: (UnitKind.STATION, UnitKind.BUREAU),
    Role.ANALYST: (UnitKind.BUREAU,),
    Role.ADMIN: (UnitKind.BUREAU,),
}


class User(AbstractUser):
    display_name = models.CharField(_("name"), max_length=50, blank=True)
    role = models.CharField(
        _("role"), max_length=32, choices=Role.choices, default=Role.GRID_WORKER
    )
    scope_unit = models.ForeignKey(
        "territory.Unit",
        verbose_name=_("scope"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="scoped_users",
        help_text=_("The user sees this unit and everything under it, nothing else."),
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username


class ApiToken(models.Model):
    """A bearer token an external system (110, 12345, the court) uses to act as a system account.

    Only the token's SHA-256 is stored; the token itself is shown once, when it is issued
    (concord.accounts.tokens). The account's role and scope unit decide what the token may do.
    """

    user = models.ForeignKey(
        User, verbose_name=_("acts as"), on_delete=models.PROTECT, related_name="api_tokens"
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("Which system uses the token, e.g. “12345 hotline”.")
    )
    key_prefix = models.CharField(_("key prefix"), max_length=8, db_index=True, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
