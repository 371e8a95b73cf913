"""The rules of citizens' feedback on a pilot: receiving a rating, moderating its
comment, and the citizens' index that pages, scorecards and rankings show.

The index of a pilot is read from the order's own totals (`PilotOrder.citizen_ratings`,
`citizen_rating_sum`, `citizen_comments_rejected`), kept by `give` and `reject` with
SQL increments (`col = col + 1`), so two ratings at once both count and a page that
shows the order needs no extra query."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import nh3
from flask_babel import gettext as _
from sqlalchemy import func, select

from marketplace import policy
from marketplace.audit.services import record
from marketplace.errors import DomainError
from marketplace.feedback.models import CitizenFeedback, FeedbackStatus
from marketplace.feedback.states import FEEDBACK_LIFECYCLE
from marketplace.lifecycle import transition
from marketplace.orders.models import PilotOrder
from marketplace.policy.feedback import OPEN_TO_FEEDBACK, ratings_min
from marketplace.textsafety import strip_bidi

COMMENT_MAX = 1000  # characters
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200d\ufeff]")
_BLANK_LINES = re.compile(r"\n{3,}")
_SPACES = re.compile(r"[ \t]+")


@dataclass(frozen=True)
class CitizensIndex:
    """The citizens' index of a pilot or of an agency's pilots.

    `ratings`: how many ratings were received; `average`: their mean on 1–5, rounded to
    two decimals — None while fewer than `minimum` ratings stand behind it (the index
    is not shown then, `CITIZEN_RATINGS_MIN`); `rejected`: comments the agency refused
    to publish (shown publicly, whatever their number)."""

    ratings: int
    average: Decimal | None
    rejected: int
    minimum: int

    @property
    def shown(self) -> bool:
        return self.average is not None


def _index(ratings: int, total: int, rejected: int) -> CitizensIndex:
    minimum = ratings_min()
    average = None
    if ratings and ratings >= minimum:
        average = (Decimal(total) / Decimal(ratings)).quantize(Decimal("0.01"),
                                                               rounding=ROUND_HALF_UP)
    return CitizensIndex(ratings, average, rejected, minimum)


def citizens_index(order: PilotOrder) -> CitizensIndex:
    """The citizens' index of one pilot, from the order's totals (no query). The
    function the scorecards call beside the agency's own rating of the pilot."""
    return _index(order.citizen_ratings or 0, order.citizen_rating_sum or 0,
                  order.citizen_comments_rejected or 0)


def citizens_index_by_agency(session, agency_ids: list[int] | None = None
                             ) -> dict[int, CitizensIndex]:
    """agency id → the index over all its public pilots that are or were open to
    feedback (active or completed), in one query. Agencies without any such pilot are
    absent. `agency_ids` None: every agency."""
    query = select(PilotOrder.agency_id, func.sum(PilotOrder.citizen_ratings),
                   func.sum(PilotOrder.citizen_rating_sum),
                   func.sum(PilotOrder.citizen_comments_rejected)).where(
        PilotOrder.is_public, PilotOrder.status.in_(OPEN_TO_FEEDBACK)
    ).group_by(PilotOrder.agency_id)
    if agency_ids is not None:
        query = query.where(PilotOrder.agency_id.in_(agency_ids))
    return {agency_id: _index(int(n or 0), int(total or 0), int(rejected or 0))
            for agency_id, n, total, rejected in session.execute(query)}


def clean_comment(text: str | None) -> str:
    """A comment as plain text: HTML removed (tags dropped, the content of script and
    style dropped, entities read as characters: the page escapes it again), bidi and
    other control characters removed, spaces and blank lines collapsed, NFC, at most
    `COMMENT_MAX` characters."""
    text = unicodedata.normalize("NFC", text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = html.unescape(nh3.clean(text, tags=set()))
    text = _CONTROL.sub("", strip_bidi(text))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    return text[:COMMENT_MAX].strip()


def give(session, order: PilotOrder, *, rating: int, comment: str = "",
         rated_today: bool = False) -> CitizenFeedback:
    """Record a citizen's rating (1–5) of the pilot, with its comment held for the
    agency's moderation. No account and nothing identifying is stored. Raises
    `DomainError` (field `rating`) when the pilot is not open to feedback, the rating
    is not 1–5, or this browser already rated the pilot today (`rated_today`, from its
    signed cookie: one rating per browser per pilot per Vietnamese calendar day)."""
    if not policy.can(None, "feedback.give", order):
        raise DomainError(_("This pilot does not take feedback now."), field="rating")
    if rated_today:
        raise DomainError(_("You have already rated this pilot today. Thank you!"),
                          field="rating")
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise DomainError(_("Choose a rating from 1 to 5."), field="rating")
    text = clean_comment(comment)
    feedback = CitizenFeedback(order_id=order.id, rating=rating, comment=text,
                               status=FeedbackStatus.PENDING if text
                               else FeedbackStatus.NO_COMMENT)
    session.add(feedback)
    order.citizen_ratings = PilotOrder.citizen_ratings + 1
    order.citizen_rating_sum = PilotOrder.citizen_rating_sum + rating
    session.flush()
    record(session, None, "feedback.received", feedback,
           after={"order_id": order.id, "rating": rating, "comment": bool(text)})
    return feedback


def approve(session, user, feedback: CitizenFeedback) -> None:
    """Publish a waiting comment (the agency's officer; `feedback.approve`)."""
    transition(session, feedback, FeedbackStatus.APPROVED, user, lifecycle=FEEDBACK_LIFECYCLE)


def reject(session, user, feedback: CitizenFeedback) -> None:
    """Refuse to publish a waiting comment: it is never shown, the pilot's public count
    of rejected comments grows by one; the rating still counts."""
    transition(session, feedback, FeedbackStatus.REJECTED, user, lifecycle=FEEDBACK_LIFECYCLE)
    order = feedback.order
    order.citizen_comments_rejected = PilotOrder.citizen_comments_rejected + 1
    session.flush()


def published(session, order: PilotOrder, limit: int = 50) -> list[CitizenFeedback]:
    """The pilot's approved comments, newest first."""
    return list(session.scalars(select(CitizenFeedback).where(
        CitizenFeedback.order_id == order.id,
        CitizenFeedback.status == FeedbackStatus.APPROVED,
    ).order_by(CitizenFeedback.approved_at.desc(), CitizenFeedback.id.desc()).limit(limit)))


def waiting(session, order: PilotOrder) -> list[CitizenFeedback]:
    """The comments waiting for the agency's moderation, oldest first."""
    return list(session.scalars(select(CitizenFeedback).where(
        CitizenFeedback.order_id == order.id,
        CitizenFeedback.status == FeedbackStatus.PENDING,
    ).order_by(CitizenFeedback.id)))
