"""The audit log's hash chain: canonical content, row hash, and the walk that verifies it.

Kept free of model imports so the data migration can use the same functions on historical models.

A row's hash is SHA-256 (hex) over a canonical JSON object of its content and the hash of the row
before it (empty for the first row). The content is what the row says: when, who, what, on which
record and unit, and the details as stored in the database (so values the JSON encoder turned into
strings hash as those strings).
"""

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

GENESIS = ""

# The columns the verifier reads, in the order `row_hash` takes them.
CONTENT_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor_label",
    "action",
    "target_type",
    "target_id",
    "unit_id",
    "data",
)

_encoder = DjangoJSONEncoder()


def _normalise(value: Any) -> Any:
    """JSON as the database gives it back: PostgreSQL's jsonb prints 1e20 and 2.0 its own way, so
    integral floats hash as integers on both databases."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {str(k): _normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normalise(v) for v in value]
    return value


def stored_data(data: dict | None) -> Any:
    """`data` as it reads back from the JSON column (dates, decimals, UUIDs become strings)."""
    return json.loads(_encoder.encode(data or {}))


def _iso_utc(at: dt.datetime) -> str:
    if at.tzinfo is None:  # USE_TZ is on; a naive value here means UTC
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical(
    *,
    seq: int,
    at: dt.datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    target_type: str,
    target_id: str,
    unit_id: int | None,
    data: Any,
    prev_hash: str,
) -> str:
    return json.dumps(
        {
            "seq": seq,
            "at": _iso_utc(at),
            "actor_id": actor_id,
            "actor_label": actor_label,
            "action": action,
            "target_type": target_type,
            "target_id": target_id,
            "unit_id": unit_id,
            "data": _normalise(stored_data(data)),
            "prev_hash": prev_hash,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def row_hash(**content) -> str:
    return hashlib.sha256(canonical(**content).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Break:
    """The first place the chain does not hold."""

    id: int
    seq: int
    problem: str  # "hash mismatch" | "broken link" | "gap"
    detail: str

    def __str__(self) -> str:
        return f"audit row id={self.id} seq={self.seq}: {self.problem} ({self.detail})"


@dataclass(frozen=True)
class VerifyResult:
    rows: int
    head_seq: int
    head_hash: str
    broken: Break | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify_rows(rows) -> VerifyResult:
    """Walk rows (dicts with id, prev_hash, hash and CONTENT_FIELDS) in seq order."""
    expected_seq, prev, count = 1, GENESIS, 0
    for row in rows:
        count += 1
        seq = row["seq"]
        if seq != expected_seq:
            missing = (
                f"seq {expected_seq}"
                if seq == expected_seq + 1
                else f"seq {expected_seq}–{seq - 1}"
            )
            return VerifyResult(
                count,
                seq,
                row["hash"],
                Break(row["id"], seq, "gap", f"{missing} missing before it"),
            )
        if row["prev_hash"] != prev:
            return VerifyResult(
                count,
                seq,
                row["hash"],
                Break(row["id"], seq, "broken link", "prev_hash is not the hash of the row before"),
            )
        content = {f: row[f] for f in CONTENT_FIELDS}
        if row_hash(**content, prev_hash=prev) != row["hash"]:
            return VerifyResult(
                count,
                seq,
                row["hash"],
                Break(row["id"], seq, "hash mismatch", "the row's content was altered"),
            )
        prev, expected_seq = row["hash"], seq + 1
    return VerifyResult(count, expected_seq - 1, prev, None)
