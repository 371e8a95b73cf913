"""The activity stream speaks: every public event kind — each public transition of every
lifecycle table, and each public event recorded outside a transition — has its own
sentence, and a payment is told once."""

from __future__ import annotations

import ast
import gc
import importlib
import pkgutil
from pathlib import Path

import marketplace
from marketplace.activity import services
from marketplace.lifecycle import Lifecycle
from marketplace.orders.models import RatingSide
from marketplace.orders.terms import local_today
from marketplace.payments import services as payments
from tests.orders_factories import accept_milestone, make_order, treasury_payment

ROOT = Path(marketplace.__file__).resolve().parent
GENERIC = "A public record was updated"


def lifecycles() -> list[Lifecycle]:
    for module in pkgutil.walk_packages(marketplace.__path__, "marketplace."):
        if module.name.endswith(".states"):
            importlib.import_module(module.name)
    return [obj for obj in gc.get_objects() if isinstance(obj, Lifecycle)]


def public_transition_kinds() -> set[str]:
    return {step.event or f"{table.name}.{step.target.value}"
            for table in lifecycles() for step in table.transitions if step.public}


def public_recorded_kinds() -> set[str]:
    """The kinds of the `record(session, actor, "kind", obj, ..., public=True)` calls of
    the code (an f-string kind is expanded where its values are known)."""
    kinds = set()
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "record"
                    and any(k.arg == "public" and getattr(k.value, "value", None) is True
                            for k in node.keywords) and len(node.args) >= 3):
                continue
            kind = node.args[2]
            if isinstance(kind, ast.Constant):
                kinds.add(kind.value)
            elif ast.unparse(kind) == "f'order.rated_by_{side.value}'":
                kinds |= {f"order.rated_by_{side.value}" for side in RatingSide}
            else:
                raise AssertionError(f"{path}:{node.lineno}: a kind this test cannot read")
    return kinds


def test_the_kinds_are_found():
    assert {"challenge.published", "milestone.paid", "payment.succeeded",
            "organization.verified"} <= public_transition_kinds()
    assert {"order.scale_up", "order.rated_by_agency", "order.rated_by_solver",
            "payment.recorded", "order.amended"} <= public_recorded_kinds()


def test_every_public_kind_has_its_own_sentence():
    kinds = public_transition_kinds() | public_recorded_kinds()
    without = sorted(k for k in kinds if k not in services.SENTENCES
                     and k not in services.FOLDED)
    assert without == []
    assert set(services.FOLDED.values()) <= set(services.SENTENCES)


def test_a_payment_is_told_once_and_every_event_speaks(app, session):
    order = make_order(session)
    milestone = order.milestones[0]
    accept_milestone(session, order, milestone)
    payments.record_offline(session, order.parties.officer, milestone,
                            treasury=treasury_payment(milestone, "KB-1"), paid_on=local_today())
    session.flush()
    with app.test_request_context():
        items = services.activity_page(session, limit=200).items
    texts = [item.text for item in items]
    assert not [t for t in texts if GENERIC in t or "Một hồ sơ công khai" in t]
    paid = [item for item in items if item.action.startswith(("milestone.paid", "payment."))]
    assert [item.action for item in paid] == ["milestone.paid"]
    assert milestone.deliverable in paid[0].text
