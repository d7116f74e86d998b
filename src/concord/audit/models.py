"""The append-only audit log: who did what to which record, written in the same transaction.

Rows form a hash chain: each carries `seq` (1, 2, 3, … with no gaps), the hash of the row before
(`prev_hash`) and its own `hash` over its content and `prev_hash` (concord.audit.chain). Altering,
deleting or reordering a row breaks the chain, and `concord audit-verify` names the first broken row.
On PostgreSQL a trigger also refuses UPDATE and DELETE on the table (migration 0003).
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntryQuerySet(models.QuerySet):
    """Bulk edits would bypass the chain; the ORM refuses them (the database does too, on PostgreSQL)."""

    def update(self, **kwargs):
        raise RuntimeError("Audit entries are append-only.")

    def delete(self):
        raise RuntimeError("Audit entries are append-only.")

    def bulk_create(self, *args, **kwargs):
        raise RuntimeError("Audit entries are written one at a time through audit_record.")

    def bulk_update(self, *args, **kwargs):
        raise RuntimeError("Audit entries are append-only.")


class AuditEntry(models.Model):
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Kept as written at the time, so the row still reads right if the account is renamed.
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.CharField(_("record type"), max_length=64, blank=True)
    target_id = models.CharField(_("record"), max_length=64, blank=True)
    unit = models.ForeignKey(
        "territory.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    data = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    seq = models.PositiveBigIntegerField(_("sequence"), unique=True, editable=False)
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True, editable=False)
    hash = models.CharField(_("hash"), max_length=64, editable=False)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise RuntimeError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Audit entries are append-only.")
