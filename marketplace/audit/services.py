"""Writing and verifying the audit chain."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text

from marketplace.audit.models import GENESIS_HASH, HASHED_COLUMNS, AuditEvent, hashed_payload
from marketplace.types import utcnow

_PG_CHAIN_LOCK = 0x4155_4449  # "AUDI": one advisory lock serializes appends on PostgreSQL


def _jsonable(value: Any) -> Any:
    """Make `value` exactly what the JSON column will give back."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def event_hash(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _tail_hash(session) -> str:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_CHAIN_LOCK})
    last = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    return last or GENESIS_HASH


def record(
    session,
    actor,
    action: str,
    obj: Any = None,
    *,
    object_type: str | None = None,
    object_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
    public: bool = False,
) -> AuditEvent:
    """Append an event in the caller's transaction. `actor` None means the system."""
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = object_id if object_id is not None else obj.id
    event = AuditEvent(
        created_at=utcnow(),
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=_jsonable(before),
        after=_jsonable(after),
        public=public,
        prev_hash=_tail_hash(session),
    )
    event.hash = event_hash(event.payload())
    session.add(event)
    session.flush()
    return event


@dataclass
class ChainReport:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""


def verify_chain(session, batch: int = 1000) -> ChainReport:
    """Walk the chain in id order; report the first event that does not fit."""
    expected_prev = GENESIS_HASH
    checked = 0
    last_id = 0
    while True:
        columns = [getattr(AuditEvent, name) for name in ("id", "hash", *HASHED_COLUMNS)]
        rows = session.execute(
            select(*columns).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not rows:
            return ChainReport(ok=True, checked=checked)
        for event in rows:
            if event.prev_hash != expected_prev:
                return ChainReport(False, checked, event.id,
                                   "previous-hash link broken (event deleted or reordered)")
            if event_hash(hashed_payload(event)) != event.hash:
                return ChainReport(False, checked, event.id, "content does not match its hash")
            expected_prev = event.hash
            checked += 1
            last_id = event.id
