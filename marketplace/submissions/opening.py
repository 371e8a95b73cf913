"""The opening record ("biên bản mở hồ sơ") of a challenge: what was in the box when it
closed.

At the close (by the clock, in the transaction that closes the challenge) the record is
written to the audit log as the public event `challenge.opening_record`: the number of
submissions and, for each, its receipt digest (the SHA-256 its solver got at submission,
`services.receipt_digest`) and the time it was submitted. The same record is then read
back from the submissions themselves by `opening_record`, which the challenge page, the
API, the OCDS bid details and the PDF of the record all use.

What it discloses, and when (the rule of `disclosure`):

| moment                                   | digests, times | names        | proposed prices |
| ---------------------------------------- | -------------- | ------------ | --------------- |
| before the close                         | never          | never        | never           |
| closed, review blind, no public award    | yes            | no           | no              |
| closed, review open, no public award     | yes            | yes          | no              |
| an award is public (approved)            | yes            | yes          | yes             |

Names are withheld during a blind review because the evaluators must not learn who wrote
what; prices too, since a price would match a name to a submission the evaluators read.
Source: issue 19 ("without names while review is blind; with the organizations' names
and proposed prices once the award is public"), after VNEPS's "biên bản mở thầu".
"""

from __future__ import annotations

import functools
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from marketplace.audit.services import record
from marketplace.challenges.models import Challenge, ChallengeStatus
from marketplace.submissions.models import ConsortiumPartner, PartnerStatus, Submission

EVENT = "challenge.opening_record"


def _in_the_box(session, challenge_id: int) -> list[Submission]:
    """The submissions opened at the close, in the order they were submitted."""
    return list(session.scalars(
        select(Submission).where(Submission.challenge_id == challenge_id,
                                 Submission.opened_at.is_not(None),
                                 Submission.receipt_digest.is_not(None))
        .order_by(Submission.submitted_at, Submission.id)))


def disclosure(challenge: Challenge) -> tuple[bool, bool]:
    """(names disclosed, prices disclosed) for a closed challenge; see the module's table.
    An award is public once approved, and the challenge is `awarded` exactly while its
    approved award is in effect (`evaluation.awards`; an annulled award sends it back to
    evaluation or to cancelled), so the status answers without a query."""
    award_public = challenge.status is ChallengeStatus.AWARDED
    return award_public or not challenge.blind_review, award_public


def _names(submission: Submission) -> list[str]:
    return [submission.organization.name_vi] + [
        p.organization.name_vi for p in submission.partners if p.status is PartnerStatus.ACCEPTED]


@functools.cache
def _opened():
    """One query: the submissions opened at the close with their lead and accepted
    partners, joined; built once (building it and its cache key cost more than running
    it: 1.3 ms a closed challenge's page)."""
    return (select(Submission)
            .where(Submission.challenge_id == bindparam("challenge_id"),
                   Submission.opened_at.is_not(None), Submission.receipt_digest.is_not(None))
            .options(joinedload(Submission.organization),
                     joinedload(Submission.partners).joinedload(ConsortiumPartner.organization))
            .order_by(Submission.submitted_at, Submission.id))


def opening_record(session, challenge: Challenge) -> dict | None:
    """The challenge's opening record as plain data, or None before the close.

    Shape: {"challenge_id": int, "title": str, "agency": str, "closed_at": aware UTC
    datetime, "deadline": aware UTC datetime, "count": int, "names_disclosed": bool,
    "prices_disclosed": bool, "entries": [{"number": int (1-based, in the order of
    submission), "receipt_digest": str (64 hex), "submitted_at": aware UTC datetime,
    "organizations": [str] | None (the lead first, then accepted partners; None while
    withheld), "proposed_price": int đồng | None (None while withheld)}]}.
    Raises nothing; the caller decides who may see the challenge (`challenge.view`)."""
    if challenge.closed_at is None:
        return None
    names, prices = disclosure(challenge)
    rows = session.scalars(_opened(), {"challenge_id": challenge.id}).unique().all()
    entries = [{
        "number": number,
        "receipt_digest": submission.receipt_digest,
        "submitted_at": submission.submitted_at,
        "organizations": _names(submission) if names else None,
        "proposed_price": submission.proposed_price if prices else None,
    } for number, submission in enumerate(rows, start=1)]
    return {"challenge_id": challenge.id, "title": challenge.title,
            "agency": challenge.agency.name_vi, "closed_at": challenge.closed_at,
            "deadline": challenge.submission_deadline, "count": len(entries),
            "names_disclosed": names, "prices_disclosed": prices, "entries": entries}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def record_opening(session, challenge: Challenge) -> None:
    """Write the record to the audit log (public, by the system). Called by the close, in
    its transaction, after the sealed submissions were opened."""
    entries = [{"number": number, "receipt_digest": s.receipt_digest,
                "submitted_at": _iso(s.submitted_at)}
               for number, s in enumerate(_in_the_box(session, challenge.id), start=1)]
    record(session, None, "challenge.opening_record", challenge,
           after={"count": len(entries), "entries": entries},
           public=True)


def own_digests(session, user, challenge: Challenge) -> set[str]:
    """The receipt digests of the user's own organizations' submissions on the challenge
    (lead or accepted partner), so that a solver can find its own line in the record."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    org_ids = {m.organization_id for m in user.memberships}
    return {s.receipt_digest for s in _in_the_box(session, challenge.id)
            if s.organization_id in org_ids or org_ids & set(s.accepted_partner_ids())}
