"""The append-only registry journal: each entry holds the SHA-256 of the one before.

An entry's hash is SHA-256 over the canonical JSON (sorted keys, no spaces, UTF-8)
of its seq, time, event, case number, unit code, payload and the previous hash.
:func:`verify` recomputes the chain and names every row that no longer fits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from cadastre.registry.models import JournalEntry

GENESIS = "0" * 64


def canonical_json(value: Any) -> bytes:
    """The one byte form of a JSON value that is hashed and signed."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entry_hash(
    seq: int,
    at: str,
    event: str,
    public_number: str | None,
    unit_code: str | None,
    payload: dict[str, Any],
    prev_hash: str,
) -> str:
    record = {
        "seq": seq,
        "at": at,
        "event": event,
        "public_number": public_number,
        "unit_code": unit_code,
        "payload": payload,
        "prev_hash": prev_hash,
    }
    return sha256_hex(canonical_json(record))


def append(
    session: Session,
    event: str,
    payload: dict[str, Any],
    *,
    public_number: str | None = None,
    unit_code: str | None = None,
    at: datetime | None = None,
) -> JournalEntry:
    """Append one event to the chain (serialised by a transaction-scoped lock)."""
    session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended('journal', 0))"))
    last = session.execute(text("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1")).first()
    seq, prev = (int(last[0]) + 1, str(last[1])) if last else (1, GENESIS)
    stamp = (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="microseconds")
    payload = json.loads(canonical_json(payload))
    digest = entry_hash(seq, stamp, event, public_number, unit_code, payload, prev)
    entry = JournalEntry(
        seq=seq,
        at=stamp,
        event=event,
        public_number=public_number,
        unit_code=unit_code,
        payload=payload,
        prev_hash=prev,
        hash=digest,
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass
class Verification:
    """The outcome of recomputing the chain: ``ok`` and the rows that break it."""

    entries: int = 0
    head: str = GENESIS
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head_hash": self.head,
            "problems": self.problems,
        }


def verify(session: Session, max_problems: int = 100) -> Verification:
    """Recompute every hash and link; name the seq of each row changed, removed or inserted."""
    rows = session.execute(select(JournalEntry).order_by(JournalEntry.seq)).scalars()
    return verify_rows(rows.yield_per(2000), max_problems)


def verify_rows(rows: Iterable[Any], max_problems: int = 100) -> Verification:
    """Check entries (objects with the journal's columns) in seq order."""
    result = Verification()
    expected_seq, prev = 1, GENESIS
    for row in rows:
        result.entries += 1
        if row.seq != expected_seq:
            _problem(result, row.seq, f"expected entry {expected_seq}: entries are missing")
        if row.prev_hash != prev:
            _problem(result, row.seq, "prev_hash does not match the hash of the entry before")
        digest = entry_hash(
            row.seq, row.at, row.event, row.public_number, row.unit_code, row.payload, row.prev_hash
        )
        if digest != row.hash:
            _problem(result, row.seq, "content changed: its hash no longer matches")
        expected_seq, prev = row.seq + 1, row.hash
        if len(result.problems) >= max_problems:
            break
    result.head = prev
    return result


def _problem(result: Verification, seq: int, reason: str) -> None:
    result.problems.append({"seq": seq, "reason": f"journal entry {seq}: {reason}"})
