"""Not buying the same experiment twice (issue 17): while an officer drafts a challenge,
the published challenges of every agency most like it (by text, technology group and
province, through the search service's "more like this"), with their state and outcome,
and the catalogue entries that may already solve the problem."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, select
from sqlalchemy.orm import joinedload

from marketplace.challenges.models import Challenge
from marketplace.orders.models import OrderKind, PilotOrder
from marketplace.outcomes.models import CatalogueEntry, OutcomeStatus, PilotOutcome
from marketplace.search import services as search
from marketplace.search.backend import IndexBusy, QueryError, key_words
from marketplace.search.documents import plain

# Highly similar: at least this share of the draft's key words appear in the other
# challenge, or it shares the technology group and the province and half of that share.
HIGH_SHARE = 0.5


@dataclass
class Similar:
    challenge: Challenge
    share: float  # of the draft's key words found in this challenge, 0 … 1
    same_group: bool
    same_province: bool
    outcomes: list[PilotOutcome] = field(default_factory=list)  # published ones
    entries: list[CatalogueEntry] = field(default_factory=list)

    @property
    def high(self) -> bool:
        return self.share >= HIGH_SHARE or (self.same_group and self.same_province
                                            and self.share >= HIGH_SHARE / 2)


def text_of(challenge: Challenge) -> str:
    """The words a challenge is compared by: title (twice: it says the most), problem,
    expected outcomes, pilot site and province."""
    return "\n".join((challenge.title, challenge.title, plain(challenge.problem),
                      plain(challenge.expected_outcomes), challenge.pilot_site,
                      challenge.province))


def _core(challenge: Challenge) -> str:
    """The words the share is measured on: what the problem is (title and problem), not
    the boilerplate every challenge of an agency repeats."""
    return "\n".join((challenge.title, challenge.title, plain(challenge.problem)))


def similar_challenges(session, challenge: Challenge, top: int = 6) -> list[Similar]:
    """The published challenges most like `challenge` (never itself), best first: the
    search service's candidates, ranked by the share of the draft's key words they hold,
    then same group and province. [] when the index is busy or the draft has no words."""
    text = text_of(challenge)
    words = set(key_words(_core(challenge), limit=20))
    if not words:
        return []
    try:
        # a list (Whoosh) or a subquery of the search table (PostgreSQL): no statement
        candidates = search.similar_ids(text, doc_type="challenge", top=top * 2)
    except (IndexBusy, QueryError):
        return []
    if isinstance(candidates, list) and not candidates:
        return []
    # two statements whatever the number of candidates and the engine (issue 21's budget
    # of the draft page): the candidates with their agencies, then their orders
    rows = session.scalars(select(Challenge).where(
        Challenge.id.in_(candidates), Challenge.id != challenge.id, Challenge.is_public)
        .options(joinedload(Challenge.agency))).all()
    if not rows:
        return []
    ids = [row.id for row in rows]
    orders = session.execute(
        select(PilotOrder.id, PilotOrder.challenge_id, PilotOutcome, CatalogueEntry)
        .outerjoin(PilotOutcome, and_(PilotOutcome.order_id == PilotOrder.id,
                                      PilotOutcome.status == OutcomeStatus.PUBLISHED))
        .outerjoin(CatalogueEntry, CatalogueEntry.order_id == PilotOrder.id)
        .where(PilotOrder.challenge_id.in_(ids), PilotOrder.kind == OrderKind.PILOT)
        .options(joinedload(CatalogueEntry.solver))).all()
    found = []
    for other in rows:
        theirs = set(key_words(_core(other), limit=60))
        item = Similar(
            challenge=other, share=len(words & theirs) / len(words),
            same_group=bool(challenge.technology_group_id)
            and other.technology_group_id == challenge.technology_group_id,
            same_province=bool(challenge.province) and other.province == challenge.province)
        for _order_id, challenge_id, outcome, entry in orders:
            if challenge_id == other.id:
                if outcome is not None:
                    item.outcomes.append(outcome)
                if entry is not None:
                    item.entries.append(entry)
        found.append(item)
    found.sort(key=lambda s: (-s.share, not s.same_group, not s.same_province))
    return found[:top]


def proven_matches(similar: list[Similar]) -> list[CatalogueEntry]:
    """The catalogue entries behind the highly similar challenges: publishing despite
    them asks for a justification."""
    return [e for s in similar if s.high for e in s.entries]


def record_justification(session, challenge: Challenge, justification: str) -> None:
    """Before a challenge is published: when it is highly similar to proven catalogue
    entries, keep their ids and the officer's justification (public), or refuse without
    one (`DomainError`, field `similarity_justification`)."""
    from flask_babel import gettext as _

    from marketplace.errors import DomainError

    entries = proven_matches(similar_challenges(session, challenge))
    justification = (justification or "").strip()
    if entries and not justification:
        raise DomainError(_("This challenge is highly similar to a proven solution in the "
                            "catalogue: say why it is published all the same."),
                          field="similarity_justification")
    challenge.similar_entry_ids = sorted({e.id for e in entries})
    challenge.similarity_justification = justification if entries else ""
