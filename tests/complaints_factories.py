"""Factories of the complaints domain: an awarded challenge whose award was approved
through the real rules (so its standstill runs), with a winning and a losing bidder."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from types import SimpleNamespace

from marketplace.complaints import services
from marketplace.evaluation import awards
from marketplace.orders import services as orders
from marketplace.types import utcnow
from tests.evaluation_factories import make_evaluation, score_everything
from tests.orders_factories import order_terms
from tests.submissions_factories import PDF


def make_awarded(session, *, blind: bool = False) -> SimpleNamespace:
    """Two bidders scored; the first awarded within the threshold (approved at once)."""
    world = make_evaluation(session, submissions=2, blind=blind)
    score_everything(session, world, [[[9, 9, 9], [6, 6, 6]], [[9, 9, 9], [6, 6, 6]]])
    winner, loser = world.submissions
    world.award = awards.propose(session, world.officer, world.challenge,
                                 [awards.Choice(winner.id, 800_000_000)], "Điểm cao nhất.")
    world.item = world.award.items[0]
    world.winner, world.loser = winner, loser
    world.winner_user = winner.organization.memberships[0].user
    world.loser_user = loser.organization.memberships[0].user
    return world


def end_standstill(session, world) -> None:
    """Time passes: the standstill ended a second ago."""
    world.award.standstill_ends_at = utcnow() - timedelta(seconds=1)
    session.flush()


def draft_order(session, world):
    return orders.draft_order(session, world.officer, world.item, order_terms(value=800_000_000))


def file(session, world, *, user=None, grounds="Chấm điểm sai tiêu chí 2.", evidence=True):
    uploads = [(BytesIO(PDF), "bang-chung.pdf")] if evidence else []
    return services.file(session, user or world.loser_user, world.challenge, contested="award",
                         grounds=grounds, uploads=uploads)
