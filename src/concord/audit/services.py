from typing import Any

from django.db import models, transaction

from concord.audit.models import AuditEntry


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    unit=None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write one audit row. Must run inside the caller's transaction, so the row and the change
    it describes are committed or rolled back together."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "audit_record must be called inside the transaction of the change it records"
        )
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=getattr(actor, "username", "") or "system",
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        unit=unit,
        data=data or {},
    )
