from typing import Any

from django.db import models, transaction
from django.utils import timezone

from concord.audit import chain
from concord.audit.models import AuditEntry

# The key of the PostgreSQL transaction-level advisory lock that serialises appends to the chain
# ("CONCAUD" in ASCII). Held until the caller's transaction commits or rolls back.
CHAIN_LOCK_KEY = 0x434F4E43415544


def _lock_chain(connection) -> None:
    """Only one transaction at a time may read the head of the chain and append after it.

    PostgreSQL: an advisory lock. SQLite: nothing to do, since settings open every transaction
    IMMEDIATE, so the write lock is already held (and any other backend would need its own lock).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])


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
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError(
            "audit_record must be called inside the transaction of the change it records"
        )
    _lock_chain(connection)
    head = AuditEntry.objects.order_by("-seq").values_list("seq", "hash").first()
    seq, prev_hash = (head[0] + 1, head[1]) if head else (1, chain.GENESIS)
    entry = AuditEntry(
        seq=seq,
        at=timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=getattr(actor, "username", "") or "system",
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        unit=unit,
        data=chain.stored_data(data),
        prev_hash=prev_hash,
    )
    entry.hash = chain.row_hash(
        seq=seq,
        at=entry.at,
        actor_id=entry.actor_id,
        actor_label=entry.actor_label,
        action=entry.action,
        target_type=entry.target_type,
        target_id=entry.target_id,
        unit_id=entry.unit_id,
        data=entry.data,
        prev_hash=prev_hash,
    )
    entry.save(force_insert=True)
    return entry


def audit_access(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    unit=None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record that someone looked at a record (a page, a download): a read has no transaction of
    its own, so this opens one for the row."""
    with transaction.atomic():
        return audit_record(actor=actor, action=action, target=target, unit=unit, data=data)


def audit_verify(*, chunk_size: int = 2000) -> chain.VerifyResult:
    """Walk the whole log in seq order and report the first row where the chain breaks."""
    rows = (
        AuditEntry.objects.order_by("seq")
        .values("id", "prev_hash", "hash", *chain.CONTENT_FIELDS)
        .iterator(chunk_size=chunk_size)
    )
    return chain.verify_rows(rows)
