"""Keeping the index in step with the database, and searching it.

Every change to a searchable object writes a `SearchPending` row in its own transaction
(`queue`, or automatically: see `events.py`). After the commit, `apply_pending` takes
the index writer, re-reads each pending object as the database now has it, writes it,
and only then deletes the rows it applied. Whoever holds the writer works alone, so a
stale read can never overwrite a newer one; a process that cannot get the writer leaves
the rows for the next writer or for `flask search sync`."""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import Organization
from marketplace.challenges.models import Challenge, ChallengeStatus
from marketplace.labels import label
from marketplace.search import documents
from marketplace.search.analysis import nfc, vietnamese_analyzer
from marketplace.search.backend import (
    IndexBusy,
    QueryError,
    SearchBackend,
    SearchPage,
    SearchRequest,
    make_backend,
)
from marketplace.search.models import SearchPending
from marketplace.submissions.models import Submission, SubmissionStatus
from marketplace.taxonomy.models import TechnologyGroup

log = logging.getLogger(__name__)

OBJECT_TYPES = ("challenge", "solution", "organization")
BATCH_SIZE = 200
REBUILD_CHUNK = 2000  # objects read from the database at a time by `rebuild`

__all__ = ["IndexBusy", "QueryError", "SearchRequest", "apply_pending", "backend", "queue",
           "rebuild", "search"]


def backend() -> SearchBackend:
    """The application's search engine, made once from its configuration."""
    extensions = current_app.extensions
    if "search_backend" not in extensions:
        extensions["search_backend"] = make_backend(current_app.config)
    return extensions["search_backend"]


def queue(session, object_type: str, object_id: int) -> None:
    """Ask for `object_type` #`object_id` to be (re)indexed after this transaction."""
    if object_type not in OBJECT_TYPES:
        raise ValueError(f"unknown search object type {object_type!r}")
    session.add(SearchPending(object_type=object_type, object_id=object_id))


@dataclass
class _Work:
    challenge_ids: set[int]
    submission_ids: set[int]


def _expand(session, rows) -> _Work:
    """The objects whose documents a set of pending rows touches."""
    work = _Work(set(), set())
    org_ids = set()
    for row in rows:
        if row.object_type == "challenge":
            work.challenge_ids.add(row.object_id)
        elif row.object_type == "solution":
            work.submission_ids.add(row.object_id)
        elif row.object_type == "organization":
            org_ids.add(row.object_id)
    if org_ids:
        work.challenge_ids |= set(session.scalars(
            select(Challenge.id).where(Challenge.agency_id.in_(org_ids))))
        work.submission_ids |= set(session.scalars(
            select(Submission.id).where(Submission.organization_id.in_(org_ids))))
    if work.challenge_ids:  # a solution's document repeats its challenge's title and status
        work.submission_ids |= set(session.scalars(
            select(Submission.id).where(Submission.challenge_id.in_(work.challenge_ids),
                                        Submission.status == SubmissionStatus.AWARDED)))
    return work


def _write(session, batch, work: _Work) -> None:
    # populate_existing: objects the session holds are read again, collections included
    # (inside the change's own transaction they are flushed but not expired)
    fresh = {"populate_existing": True}
    challenges = {c.id: c for c in session.scalars(
        select(Challenge).where(Challenge.id.in_(work.challenge_ids))
        .options(selectinload(Challenge.clarifications), selectinload(Challenge.agency),
                 selectinload(Challenge.technology_group)).execution_options(**fresh))
    } if work.challenge_ids else {}
    submissions = {s.id: s for s in session.scalars(
        select(Submission).where(Submission.id.in_(work.submission_ids))
        .options(selectinload(Submission.organization),
                 selectinload(Submission.challenge).selectinload(Challenge.agency),
                 selectinload(Submission.challenge).selectinload(Challenge.technology_group))
        .execution_options(**fresh))
    } if work.submission_ids else {}
    for challenge_id in sorted(work.challenge_ids):
        challenge = challenges.get(challenge_id)
        if documents.is_indexed_challenge(challenge):
            batch.upsert(documents.challenge_doc(challenge))
        else:
            batch.delete(documents.challenge_doc_id(challenge_id))
    for submission_id in sorted(work.submission_ids):
        submission = submissions.get(submission_id)
        if documents.is_indexed_solution(submission):
            batch.upsert(documents.solution_doc(submission))
        else:
            batch.delete(documents.solution_doc_id(submission_id))


def apply_in_transaction(session) -> int:
    """For an engine that writes in the database (`backend().transactional`): apply every
    pending row inside the current transaction, before it commits, and delete the rows
    (`events.py` calls it before each commit). The number applied."""
    rows = session.execute(
        select(SearchPending.id, SearchPending.object_type, SearchPending.object_id)
        .order_by(SearchPending.id)).all()
    if not rows:
        return 0
    batch = backend().writer(session)
    _write(session, batch, _expand(session, rows))
    batch.flush()
    session.execute(delete(SearchPending).where(SearchPending.id.in_([r.id for r in rows])))
    return len(rows)


def _lock_timeout(timeout: float | None) -> float:
    if timeout is not None:
        return timeout
    return float(current_app.config.get("SEARCH_LOCK_TIMEOUT", 0.5))


def apply_pending(session, *, timeout: float | None = None) -> int | None:
    """Apply every pending row; the number applied, or None when another process holds
    the writer (the rows stay for later). Call it after the commit: it commits."""
    if session.scalar(select(SearchPending.id).limit(1)) is None:
        return 0
    applied = 0
    while True:
        session.commit()  # a fresh snapshot: read only what is committed by now
        try:
            with backend().batch(timeout=_lock_timeout(timeout)) as batch:
                rows = session.execute(
                    select(SearchPending.id, SearchPending.object_type, SearchPending.object_id)
                    .order_by(SearchPending.id).limit(BATCH_SIZE)).all()
                _write(session, batch, _expand(session, rows))
        except IndexBusy:
            session.rollback()
            log.info("search index busy; pending rows left for a later writer")
            return applied or None
        if rows:
            session.execute(delete(SearchPending).where(
                SearchPending.id.in_([row.id for row in rows])))
            session.commit()
        applied += len(rows)
        if len(rows) < BATCH_SIZE:
            return applied


def _chunks(ids: list[int]):
    for start in range(0, len(ids), REBUILD_CHUNK):
        yield set(ids[start:start + REBUILD_CHUNK])


@contextmanager
def _no_cycle_collection():
    """A rebuild makes millions of small objects and no reference cycles: the cycle
    collector would walk them again and again (a quarter of the time it takes to feed
    the writers). Writer processes forked meanwhile inherit the setting."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def rebuild(session, *, timeout: float = 60.0) -> int:
    """Index every public object afresh; the number of documents. Pending rows written
    before the rebuild read the database are covered by it and removed. Objects are read
    a chunk at a time, so memory stays flat however many there are; the engine may
    analyse them in other processes meanwhile."""
    session.commit()
    with _no_cycle_collection(), backend().batch(timeout=timeout, clear=True) as batch:
        last_pending = session.scalar(select(func.max(SearchPending.id)))
        challenge_ids = list(session.scalars(
            select(Challenge.id).where(Challenge.is_public)
            .order_by(Challenge.id)))
        submission_ids = list(session.scalars(
            select(Submission.id).join(Challenge).where(
                Submission.status == SubmissionStatus.AWARDED,
                Challenge.is_public).order_by(Submission.id)))
        # The session holds loaded objects weakly: each chunk's are let go after it.
        for chunk in _chunks(challenge_ids):
            _write(session, batch, _Work(chunk, set()))
        for chunk in _chunks(submission_ids):
            _write(session, batch, _Work(set(), chunk))
    if last_pending is not None:
        session.execute(delete(SearchPending).where(SearchPending.id <= last_pending))
    session.commit()
    return len(challenge_ids) + len(submission_ids)


def pending_count(session) -> int:
    return session.scalar(select(func.count(SearchPending.id))) or 0


def search(request: SearchRequest) -> SearchPage:
    """Raises `QueryError` when the query has nothing to search for."""
    return backend().search(request)


def matching_ids(text: str, doc_type: str = "challenge"):
    """The ids of the public objects (`doc_type` "challenge" or "solution") that `text`
    finds on /search — the one notion of "matches" that /challenges/?q=, the API's `q`
    and every other text filter over indexed objects use: words, diacritics folded
    (đ → d), in any indexed field. Something `column.in_()` takes; empty when `text` has
    no word."""
    try:
        return backend().matching_ids(text, doc_type)
    except QueryError:
        return []


def matching(column, text: str, doc_type: str = "challenge"):
    """`column IN (the ids `text` matches)`: a subquery on PostgreSQL; on Whoosh the ids
    written into the statement (a list of tens of thousands would pass the drivers'
    limits on parameters)."""
    ids = matching_ids(text, doc_type)
    if isinstance(ids, list):
        return column.in_(bindparam("matching_ids", ids, expanding=True, literal_execute=True))
    return column.in_(ids)


def text_matches(text: str, *values: str | None) -> bool:
    """Whether every word of `text` is a word of `values` (folded as the index folds:
    "nguyen van" matches "Nguyễn Văn An"): the same notion of "matches" for the few lists
    that have no index (the administrator's list of users)."""
    return text_matcher(text)(*values)


def text_matcher(text: str) -> Callable[..., bool]:
    """`text_matches` with `text` read once, for every row of a list: the administrator's
    filter reads every user (3,623 in the benchmark's 1,000 set: 400 ms with a Whoosh
    token per word, 50–90 ms with the tokenizer's own word list, `_words`)."""
    wanted = set(_words(text))

    def matches(*values: str | None) -> bool:
        return bool(wanted) and wanted <= {word for value in values for word in _words(value)}
    return matches


_TOKENIZER = vietnamese_analyzer()


def _words(text: str | None) -> Iterable[str]:
    """The words of `text` as the analyzer gives them (lower case, folded)."""
    return _TOKENIZER.positions(nfc(text or "")).keys()


def more_like(text: str, *, doc_type: str = "challenge", top: int = 8) -> list[dict]:
    """The stored fields of the documents most like `text` (see `SearchBackend.more_like`)."""
    return backend().more_like(text, doc_type=doc_type, top=top)


def similar_ids(text: str, *, doc_type: str = "challenge", top: int = 8):
    """The ids of the documents most like `text` (see `SearchBackend.similar_ids`):
    something `column.in_()` takes."""
    return backend().similar_ids(text, doc_type=doc_type, top=top)


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool


def facet_options(session, page: SearchPage, filters: dict[str, str], locale: str
                  ) -> dict[str, list[FacetOption]]:
    """Each facet's values with their labels in the reader's language, most first."""
    def ids(name):
        return [int(v) for v in page.facets.get(name, {}) if v.isdigit()]

    # names only (not whole organizations: a common word's facet holds most agencies),
    # each model's own display_name rule
    groups = {str(g.id): TechnologyGroup.display_name(g, locale) for g in session.execute(
        select(TechnologyGroup.id, TechnologyGroup.name_vi, TechnologyGroup.name_en)
        .where(TechnologyGroup.id.in_(ids("group"))))}
    agencies = {str(o.id): Organization.display_name(o, locale) for o in session.execute(
        select(Organization.id, Organization.name_vi, Organization.name_en)
        .where(Organization.id.in_(ids("agency"))))}
    statuses = {s.value: label(s) for s in ChallengeStatus}
    types = {"challenge": _("Challenges"), "solution": _("Awarded solutions")}
    names = {"type": types, "group": groups, "status": statuses, "agency": agencies}
    options = {}
    for name, counts in page.facets.items():
        options[name] = sorted(
            (FacetOption(value, names[name].get(value, value), count,
                         filters.get(name) == value) for value, count in counts.items()),
            key=lambda o: (-o.count, o.label))
    return options
