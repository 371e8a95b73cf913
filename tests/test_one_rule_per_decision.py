"""One rule per decision (issue 14): "only a draft can be edited" is the policy's
`submission.edit`, asked by the services and the templates alike (reopening a submitted
or withdrawn one is `submission.reopen`); "a member of the agency" has one meaning; the
templates ask `can_transition(user, obj, target)` — the lifecycle table plus the policy —
instead of comparing status strings to decide which action to show."""

import pathlib
import re

import pytest

from marketplace import policy
from marketplace.accounts.models import MemberRole, Membership, OrgKind
from marketplace.errors import DomainError, NotAllowed
from marketplace.lifecycle import can_transition
from marketplace.orders.models import OrderStatus
from marketplace.submissions import services
from marketplace.submissions.models import SubmissionStatus
from tests.factories import make_challenge, make_user
from tests.orders_factories import make_order
from tests.submissions_factories import make_draft, make_solver

TEMPLATES = pathlib.Path(__file__).parent.parent / "templates"


@pytest.fixture
def submitted(session):
    user, org = make_solver(session, kind=OrgKind.STARTUP)
    submission = make_draft(session, make_challenge(session), org)
    services.submit(session, user, submission)
    return user, submission


def test_only_a_draft_can_be_edited_in_the_policy(session, submitted):
    user, submission = submitted
    assert submission.status is SubmissionStatus.SUBMITTED
    assert not policy.can(user, "submission.edit", submission)
    assert policy.can(user, "submission.reopen", submission)
    assert can_transition(user, submission, "draft")
    with pytest.raises(DomainError, match="Reopen|mở lại"):
        services.update(session, user, submission, {"summary": "Thay đổi"})
    services.reopen(session, user, submission)
    assert policy.can(user, "submission.edit", submission)
    assert not policy.can(user, "submission.reopen", submission)


def test_a_stranger_is_refused_not_told_to_reopen(session, submitted):
    _user, submission = submitted
    stranger, _org = make_solver(session)
    with pytest.raises(NotAllowed):
        services.update(session, stranger, submission, {"summary": "Thay đổi"})


def test_the_submission_page_offers_what_the_policy_allows(session, client, login,
                                                          submitted):
    user, submission = submitted
    session.commit()
    login(user)
    html = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert f"/submissions/{submission.id}/edit" not in html  # not a draft
    assert "Reopen to edit" in html or "Mở lại để sửa" in html


def test_agency_membership_has_one_meaning(session):
    order = make_order(session)
    agency_id = order.agency_id
    member = make_user(session)  # a membership in the agency, but in a solver's role
    session.add(Membership(user=member, organization_id=agency_id, role=MemberRole.MEMBER))
    session.flush()
    from marketplace.policy.challenges import is_agency_member

    assert not is_agency_member(member, agency_id)
    assert is_agency_member(order.parties.officer, agency_id)


@pytest.mark.parametrize("status, target, role, allowed", [
    (OrderStatus.DRAFT, "offered", "officer", True),
    (OrderStatus.DRAFT, "offered", "owner", False),  # the policy says no
    (OrderStatus.DRAFT, "signed", "owner", False),  # the table says no
    (OrderStatus.OFFERED, "signed", "owner", True),
    (OrderStatus.SIGNED, "active", "approver", True),
    (OrderStatus.ACTIVE, "completed", "officer", False),  # only the system
    (OrderStatus.ACTIVE, "terminated", "officer", True),
])
def test_can_transition_is_the_table_and_the_policy(session, status, target, role, allowed):
    order = make_order(session, status=status)
    assert can_transition(getattr(order.parties, role), order, target) is allowed


def test_can_transition_of_nothing_is_false():
    assert can_transition(None, None, "draft") is False


ACTION_BY_STATUS = re.compile(
    r"{%\s*(?:el)?if\b[^%]*(status(?:\.value)?\s*(?:==|!=|in\b)[^%]*\bcan\(|"
    r"\bcan\([^%]*status(?:\.value)?\s*(?:==|!=|in\b))")


def test_templates_decide_actions_by_can_transition_not_by_status_strings():
    """An action shown because the status is X and the user may do Y is the table's
    and the policy's question: `can_transition`. Status comparisons stay only to
    describe (badges, dates, notes)."""
    found = [f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()}"
             for path in TEMPLATES.rglob("*.html")
             for number, line in enumerate(path.read_text().splitlines(), start=1)
             if ACTION_BY_STATUS.search(line)]
    assert found == []


# --- cancelling settles the submissions, whatever the challenge's status (issue 14) ------

def _cancel_world(session, status):
    from datetime import timedelta

    from marketplace.challenges.models import ChallengeStatus
    from marketplace.types import utcnow

    officer = make_user(session)
    closed = status is not ChallengeStatus.PUBLISHED
    now = utcnow()
    challenge = make_challenge(
        session, creator=officer, status=status,
        **({"clarification_deadline": now - timedelta(days=3),
            "submission_deadline": now - timedelta(days=1), "closed_at": now} if closed else {}))
    user, org = make_solver(session)
    bid = make_draft(session, challenge, org, member=user,
                     status=SubmissionStatus.OPENED if closed else SubmissionStatus.SUBMITTED,
                     receipt_digest="a" * 64, submitted_at=now - timedelta(days=2),
                     opened_at=now if closed else None)
    other_user, other_org = make_solver(session)
    draft = make_draft(session, challenge, other_org, member=other_user)
    session.flush()
    return officer, challenge, bid, draft, user


@pytest.mark.parametrize("status, settled", [
    ("published", SubmissionStatus.WITHDRAWN),
    ("closed", SubmissionStatus.NOT_AWARDED),
    ("evaluating", SubmissionStatus.NOT_AWARDED),
])
def test_cancelling_settles_the_submissions_and_tells_the_bidders(session, status, settled):
    from sqlalchemy import select

    from marketplace.audit.models import AuditEvent
    from marketplace.challenges import services as challenges
    from marketplace.challenges.models import ChallengeStatus
    from marketplace.notifications.models import Notification

    officer, challenge, bid, draft, bidder = _cancel_world(session, ChallengeStatus(status))
    challenges.cancel(session, officer, challenge, "Ngân sách bị cắt giảm.")
    assert bid.status is settled
    assert draft.status is SubmissionStatus.DRAFT  # its author's to delete
    if status == "published":
        assert bid.opened_at is None  # returned unopened: the agency never reads it
        assert not policy.can(officer, "submission.view", bid)
    event = session.scalar(select(AuditEvent).where(
        AuditEvent.object_type == "submissions", AuditEvent.object_id == bid.id,
        AuditEvent.action == f"submission.{settled.value}"))
    assert event is not None and event.actor_id is None
    assert event.after["reason"] == "challenge_cancelled"
    told = session.scalars(select(Notification.message).where(
        Notification.user_id == bidder.id)).all()
    assert any("Ngân sách bị cắt giảm." in message for message in told), told
