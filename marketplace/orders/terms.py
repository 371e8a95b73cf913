"""The terms of a pilot order as plain values, their canonical JSON and its SHA-256.

A signature binds a person to exactly these bytes: the contract number, value, dates,
KPIs, milestones, the confidential terms text and the version. One function computes the
digest, for the order as it stands and for an amendment's proposal alike."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def local_today() -> date:
    """Today in Viet Nam: due dates are Vietnamese calendar days."""
    return datetime.now(LOCAL_ZONE).date()


@dataclass(frozen=True)
class MilestonePlan:
    deliverable: str
    due_date: date
    amount: int
    id: int | None = None  # an existing milestone, in an amendment


@dataclass(frozen=True)
class OrderTerms:
    contract_number: str
    value: int
    start_date: date
    end_date: date
    terms: str = ""
    kpis: tuple[tuple[str, str], ...] = ()
    milestones: tuple[MilestonePlan, ...] = field(default_factory=tuple)
    version: int = 1

    def with_changes(self, **changes) -> OrderTerms:
        return replace(self, **changes)


def terms_of(order) -> OrderTerms:
    return OrderTerms(
        contract_number=order.contract_number, value=order.value,
        start_date=order.start_date, end_date=order.end_date, terms=order.terms or "",
        kpis=tuple((k.name, k.target) for k in order.kpis),
        milestones=tuple(MilestonePlan(m.deliverable, m.due_date, m.amount, m.id)
                         for m in order.milestones),
        version=order.version,
    )


def canonical_json(terms: OrderTerms) -> str:
    document = {
        "contract_number": terms.contract_number,
        "value": int(terms.value),
        "currency": "VND",
        "start_date": terms.start_date.isoformat(),
        "end_date": terms.end_date.isoformat(),
        "kpis": [{"name": name, "target": target} for name, target in terms.kpis],
        "milestones": [{"deliverable": m.deliverable, "due_date": m.due_date.isoformat(),
                        "amount": int(m.amount)} for m in terms.milestones],
        "terms": terms.terms,
        "version": terms.version,
    }
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return unicodedata.normalize("NFC", text)


def terms_sha256(terms_or_order) -> str:
    """The SHA-256 of the canonical JSON of an order's terms (or of proposed terms)."""
    terms = terms_or_order if isinstance(terms_or_order, OrderTerms) else terms_of(
        terms_or_order)
    return hashlib.sha256(canonical_json(terms).encode("utf-8")).hexdigest()


def same_name(typed: str, full_name: str) -> bool:
    def norm(s: str) -> str:
        return " ".join(unicodedata.normalize("NFC", s or "").split()).casefold()

    return bool(norm(typed)) and norm(typed) == norm(full_name)
