"""Issuing official documents: made once from the object's data, stored once through the
file storage, their SHA-256 recorded in the audit log.

`issue` is idempotent per (kind, subject, key): the first call renders, stores and
records the document; every later call returns the same row, so a later change of the
layout never changes a document already issued. `read` gives the bytes back and refuses
them if they no longer hash to the recorded SHA-256. None of these functions commits."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import object_session, selectinload

from marketplace.audit.services import record
from marketplace.documents import content
from marketplace.documents.layout import Official, render
from marketplace.documents.models import DocumentKind, IssuedDocument
from marketplace.errors import DomainError
from marketplace.evaluation.models import Award, AwardItem
from marketplace.files.services import _PENDING_KEY
from marketplace.files.storage import storage
from marketplace.orders.models import OrderStatus
from marketplace.orders.terms import terms_of, terms_sha256
from marketplace.submissions.models import Submission
from marketplace.types import utcnow


def find(session, kind: DocumentKind, subject_id: int, key: str = "") -> IssuedDocument | None:
    return session.scalar(select(IssuedDocument).where(
        IssuedDocument.kind == kind, IssuedDocument.subject_id == subject_id,
        IssuedDocument.key == key))


def _slug(text: str) -> str:
    """"HĐ-01/2026" → "HD-01-2026": a file name in plain ASCII."""
    folded = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return re.sub(r"[^A-Za-z0-9.-]+", "-", folded).strip("-")[:80] or "document"


def store(session, actor, kind: DocumentKind, subject_id: int, key: str, data: bytes,
          filename: str) -> IssuedDocument:
    """Store `data` as the document (kind, subject, key) and audit its SHA-256; the row
    already there wins when two requests issue the same document at once."""
    stored_name = storage().save(data)
    session.info.setdefault(_PENDING_KEY, []).append(stored_name)
    digest = hashlib.sha256(data).hexdigest()
    document = IssuedDocument(kind=kind, subject_id=subject_id, key=key, filename=filename,
                              stored_name=stored_name, size=len(data), sha256=digest,
                              issued_at=utcnow(), issued_by_id=getattr(actor, "id", None))
    try:
        with session.begin_nested():
            session.add(document)
            session.flush()
    except IntegrityError:
        existing = find(session, kind, subject_id, key)
        if existing is None:
            raise
        return existing
    record(session, actor, "document.issued", document,
           after={"kind": kind.value, "subject_id": subject_id, "key": key,
                  "sha256": digest, "size": len(data), "filename": filename})
    return document


def issue(session, actor, kind: DocumentKind, subject_id: int, key: str,
          build: Callable[[], Official], filename: str) -> IssuedDocument:
    """The document as issued, issuing it now (render, store, audit) the first time."""
    existing = find(session, kind, subject_id, key)
    if existing is not None:
        return existing
    return store(session, actor, kind, subject_id, key, render(build()), filename)


def read(document: IssuedDocument) -> bytes:
    """The stored bytes of an issued document. Raises DomainError if they no longer hash
    to the SHA-256 recorded when it was issued."""
    with storage().open(document.stored_name) as stream:
        data = stream.read()
    if hashlib.sha256(data).hexdigest() != document.sha256:
        raise DomainError(_("The stored copy of this document does not match its recorded "
                            "SHA-256."))
    return data


# --- the documents of each kind ----------------------------------------------------------
# Each `*_spec` says which document an object has now: (kind, subject id, key, how to
# build it, file name). The rules issue it when the event happens (`issue_spec`); the
# downloads serve the issued copy (`issued_or_render`).

Spec = tuple[DocumentKind, int, str, Callable[[], Official], str]


def award_spec(award) -> Spec:
    return (DocumentKind.AWARD_DECISION, award.id, "",
            lambda: content.award_decision(_with_winners(award)),
            f"quyet-dinh-{award.id}-QD-LCGP.pdf")


def _with_winners(award):
    """The award with its items, each item's submission and organization (the decision's
    table names them): one statement whatever the number of winners (issue 21)."""
    object_session(award).execute(select(Award).where(Award.id == award.id).options(
        selectinload(Award.items).joinedload(AwardItem.submission)
        .joinedload(Submission.organization))).all()
    return award


def order_spec(order, *, confidential: bool = True) -> Spec:
    """The pilot-order contract for the order's terms as they stand (once offered): the
    parties' version (`confidential`) is the one the parties sign."""
    if order.status is OrderStatus.DRAFT:
        raise DomainError(_("A draft order has no contract document yet."))
    terms = terms_of(order)
    digest = terms_sha256(terms)
    kind = DocumentKind.ORDER if confidential else DocumentKind.ORDER_PUBLIC
    issued_at = order.offered_at or utcnow()
    suffix = "" if confidential else "-cong-khai"
    return (kind, order.id, digest,
            lambda: content.pilot_order(order, terms, confidential=confidential,
                                        issued_at=issued_at),
            f"hop-dong-{_slug(order.contract_number)}-v{terms.version}{suffix}.pdf")


def amendment_spec(amendment) -> Spec:
    from marketplace.orders.amendments import proposed_terms

    order = amendment.order
    return (DocumentKind.AMENDMENT, amendment.id, amendment.terms_sha256,
            lambda: content.amendment(order, amendment, proposed_terms(order, amendment)),
            f"phu-luc-{_slug(order.contract_number)}-{amendment.version:02d}.pdf")


def receipt_spec(session, submission) -> Spec:
    from marketplace.files.services import attachments_of

    if submission.receipt_digest is None or submission.submitted_at is None:
        raise DomainError(_("This solution has not been submitted: it has no receipt."))
    return (DocumentKind.RECEIPT, submission.id, submission.receipt_digest,
            lambda: content.receipt(
                submission, attachments_of(session, "submission_id", submission.id)),
            f"bien-nhan-HS-{submission.id}.pdf")


def opening_record_spec(session, challenge) -> Spec:
    """The opening record as disclosed now: one document per disclosure stage (key
    "digests", "names" or "names-prices"), so that a record issued before the award
    stays as it was, and the one after it adds what became public. Raises DomainError
    before the close."""
    from marketplace.submissions.opening import opening_record

    data = opening_record(session, challenge)
    if data is None:
        raise DomainError(_("The challenge has not closed: it has no opening record yet."))
    key = "-".join(["digests"] + (["names"] if data["names_disclosed"] else [])
                   + (["prices"] if data["prices_disclosed"] else []))
    return (DocumentKind.OPENING_RECORD, challenge.id, key,
            lambda: content.opening_record(challenge, data),
            f"bien-ban-mo-ho-so-{challenge.id}-{key}.pdf")


def issue_spec(session, actor, spec: Spec) -> IssuedDocument:
    kind, subject_id, key, build, filename = spec
    return issue(session, actor, kind, subject_id, key, build, filename)


def issued_or_render(session, spec: Spec) -> tuple[IssuedDocument | None, bytes, str]:
    """For a download: the issued document and its stored bytes; or, for an object from
    before documents were issued, the document rendered now and not archived (None)."""
    kind, subject_id, key, build, filename = spec
    document = find(session, kind, subject_id, key)
    if document is not None:
        return document, read(document), document.filename
    return None, render(build()), filename


# the events that issue documents (called by the rules of each domain)

def award_decided(session, actor, award) -> IssuedDocument:
    """An award took effect: issue its decision, and the opening record that now names
    the bidders and their prices."""
    opening_record_issued(session, actor, award.challenge)
    return issue_spec(session, actor, award_spec(award))


def opening_record_issued(session, actor, challenge) -> IssuedDocument | None:
    """The opening record as disclosed now (the evaluation starts; an award takes
    effect); None when the challenge never closed."""
    if challenge.closed_at is None:
        return None
    return issue_spec(session, actor, opening_record_spec(session, challenge))


def order_offered(session, actor, order) -> None:
    """An order was offered, or its terms amended: issue both versions of the contract
    for its terms as they now stand."""
    issue_spec(session, actor, order_spec(order, confidential=True))
    issue_spec(session, actor, order_spec(order, confidential=False))


def amendment_proposed(session, actor, amendment) -> IssuedDocument:
    return issue_spec(session, actor, amendment_spec(amendment))


def submitted(session, actor, submission) -> IssuedDocument:
    """Issue the receipt of a submitted solution (the worker's `issue_receipts` job: the
    rendering, 0.3–1.5 s, stays out of the bid's transaction). The bytes are those the
    download renders before, so a copy fetched earlier is the archived one."""
    return issue_spec(session, actor, receipt_spec(session, submission))


RECEIPT_WINDOW = timedelta(days=1)  # a lost queue is caught up for this long


def receipts_due(session, *, now: datetime | None = None, limit: int = 100) -> list[int]:
    """Ids of the submissions whose current receipt has not been issued yet, oldest
    first: submitted or opened (a digest and a time), on a challenge whose deadline is
    at most `RECEIPT_WINDOW` ago (an indexed range: older submissions, from before the
    receipts were archived, are rendered when downloaded, `issued_or_render`)."""
    from marketplace.challenges.models import Challenge
    from marketplace.submissions.models import Submission

    since = (now or utcnow()) - RECEIPT_WINDOW
    issued = select(IssuedDocument.id).where(
        IssuedDocument.kind == DocumentKind.RECEIPT, IssuedDocument.subject_id == Submission.id,
        IssuedDocument.key == Submission.receipt_digest)
    return list(session.scalars(
        select(Submission.id).join(Challenge, Challenge.id == Submission.challenge_id)
        .where(Challenge.submission_deadline >= since,
               Submission.receipt_digest.is_not(None), Submission.submitted_at.is_not(None),
               ~issued.exists())
        .order_by(Submission.id).limit(limit)))


def order_document(session, actor, order) -> IssuedDocument:
    """The parties' contract for the current terms, issuing it if an order from before
    documents were issued has none yet (signing needs the archived bytes)."""
    return issue_spec(session, actor, order_spec(order, confidential=True))


def signed_documents(session, order, *, digest: str | None = None) -> list[IssuedDocument]:
    """The signed versions of the order's current terms (or of the terms with SHA-256
    `digest`: a pending amendment's), first signature first."""
    prefix = (digest or terms_sha256(order)) + ":"
    rows = session.scalars(select(IssuedDocument).where(
        IssuedDocument.kind == DocumentKind.ORDER_SIGNED,
        IssuedDocument.subject_id == order.id,
        IssuedDocument.key.startswith(prefix, autoescape=True)).order_by(IssuedDocument.key))
    return list(rows)
