"""Deleting drafts (issue 19): a challenge, a submission or a pilot order that is still a
draft can be deleted by its authors (`marketplace/policy/drafts.py`).

The audit log keeps that the draft existed — `<kind>.deleted`, not public, with what
identifies it — and its files go from storage after the commit. Nothing of a deleted
draft is public: drafts never were, and a submission draft (even one reopened after
being submitted, whose earlier receipt the audit log holds) leaves no trace in the
public pages, the counts or the open data, which only ever read submissions opened at
the close. Plain functions over the session; they flush and audit, never commit."""

from __future__ import annotations

from sqlalchemy import select

from marketplace import policy
from marketplace.audit.services import record
from marketplace.challenges.models import Challenge
from marketplace.files import services as files
from marketplace.files.models import Attachment
from marketplace.orders.models import PilotOrder
from marketplace.submissions.models import Submission


def _remove_files(session, user, owner_field: str, owner_id: int) -> list[str]:
    names = []
    for attachment in session.scalars(select(Attachment).where(
            getattr(Attachment, owner_field) == owner_id)):
        names.append(attachment.original_name)
        files.remove(session, user, attachment)
    return names


def delete_challenge(session, user, challenge: Challenge) -> None:
    policy.require(user, "challenge.delete", challenge)
    removed = _remove_files(session, user, "challenge_id", challenge.id)
    record(session, user, "challenge.deleted", challenge,
           before={"title": challenge.title, "agency_id": challenge.agency_id,
                   "status": challenge.status.value, "files": removed})
    session.delete(challenge)
    session.flush()


def delete_submission(session, user, submission: Submission) -> None:
    policy.require(user, "submission.delete", submission)
    removed = _remove_files(session, user, "submission_id", submission.id)
    record(session, user, "submission.deleted", submission,
           before={"challenge_id": submission.challenge_id,
                   "organization_id": submission.organization_id,
                   "status": submission.status.value, "files": removed})
    session.delete(submission)
    session.flush()


def delete_order(session, user, order: PilotOrder) -> None:
    policy.require(user, "order.delete", order)
    record(session, user, "order.deleted", order,
           before={"contract_number": order.contract_number,
                   "award_item_id": order.award_item_id, "value": order.value,
                   "status": order.status.value})
    session.delete(order)
    session.flush()
