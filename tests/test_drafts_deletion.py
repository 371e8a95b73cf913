"""Drafts can be deleted by their authors (issue 19); the audit log keeps that they
existed, and a deleted submission draft leaves no public trace."""

import io
import re

import pytest
from sqlalchemy import select

from marketplace import drafts
from marketplace.audit.models import AuditEvent
from marketplace.challenges.models import Challenge, ChallengeStatus
from marketplace.errors import NotAllowed
from marketplace.files.models import Attachment
from marketplace.orders.models import OrderStatus, PilotOrder
from marketplace.submissions import services as submissions
from marketplace.submissions.models import Submission
from marketplace.submissions.services import SubmissionContent
from tests import orders_factories
from tests.factories import make_challenge, make_user
from tests.submissions_factories import PDF, make_solver


def _event(session, action):
    return session.scalar(select(AuditEvent).where(AuditEvent.action == action))


def test_a_draft_challenge(session):
    officer = make_user(session)
    draft = make_challenge(session, creator=officer, status=ChallengeStatus.DRAFT)
    published = make_challenge(session, agency=draft.agency, creator=officer)
    with pytest.raises(NotAllowed):
        drafts.delete_challenge(session, make_user(session), draft)
    with pytest.raises(NotAllowed):
        drafts.delete_challenge(session, officer, published)
    draft_id, title = draft.id, draft.title
    drafts.delete_challenge(session, officer, draft)
    assert session.get(Challenge, draft_id) is None
    event = _event(session, "challenge.deleted")
    assert event.object_id == draft_id and event.before["title"] == title
    assert not event.public


def _content():
    return SubmissionContent(summary="BẢN-NHÁP-BÍ-MẬT-5521", technical_approach="Cách làm",
                             trl=5, proposed_price=900_000_000, timeline="6 tháng",
                             team="3 người")


def _public(client, challenge_id):
    pages = [f"/challenges/{challenge_id}", f"/api/v1/challenges/{challenge_id}",
             "/challenges/"]
    return [re.sub(r'name="csrf_token" value="[^"]+"', "", client.get(p).get_data(as_text=True))
            for p in pages]


def test_a_sealed_draft_leaves_no_public_trace(client, session):
    challenge = make_challenge(session)
    before = _public(client, challenge.id)
    user, org = make_solver(session)
    submission = submissions.start(session, user, challenge.id, org.id, _content())
    submissions.add_attachment(session, user, submission, io.BytesIO(PDF), "ban-nhap.pdf")
    digest = submissions.submit(session, user, submission)
    submissions.reopen(session, user, submission)  # a draft again, once submitted
    other, _org = make_solver(session)
    with pytest.raises(NotAllowed):
        drafts.delete_submission(session, other, submission)
    submission_id = submission.id
    drafts.delete_submission(session, user, submission)
    assert session.get(Submission, submission_id) is None
    assert session.scalar(select(Attachment).where(
        Attachment.submission_id == submission_id)) is None
    event = _event(session, "submission.deleted")
    assert not event.public and event.before["files"] == ["ban-nhap.pdf"]
    assert _public(client, challenge.id) == before
    for path in ("/activity", "/opendata/ocds.json", "/dashboard"):
        html = client.get(path).get_data(as_text=True)
        assert "BẢN-NHÁP-BÍ-MẬT-5521" not in html and digest not in html


def test_a_submitted_solution_cannot_be_deleted(session):
    challenge = make_challenge(session)
    user, org = make_solver(session)
    submission = submissions.start(session, user, challenge.id, org.id, _content())
    submissions.submit(session, user, submission)
    with pytest.raises(NotAllowed):
        drafts.delete_submission(session, user, submission)


def test_a_draft_order(session):
    parties = orders_factories.make_award_item(session)
    order = orders_factories.make_order(session, parties, status=OrderStatus.DRAFT)
    with pytest.raises(NotAllowed):
        drafts.delete_order(session, parties.owner, order)
    order_id = order.id
    drafts.delete_order(session, parties.officer, order)
    assert session.get(PilotOrder, order_id) is None
    assert _event(session, "order.deleted").before["contract_number"] == order.contract_number
    offered = orders_factories.make_order(session, orders_factories.make_award_item(session),
                                          status=OrderStatus.OFFERED)
    with pytest.raises(NotAllowed):
        drafts.delete_order(session, offered.parties.officer, offered)


def test_the_buttons(client, login, session):
    officer = make_user(session)
    draft = make_challenge(session, creator=officer, status=ChallengeStatus.DRAFT)
    login(officer)
    assert f"/challenges/{draft.id}/delete" in client.get(f"/challenges/{draft.id}").get_data(
        as_text=True)
    response = client.post_form(f"/challenges/{draft.id}/delete", {},
                                token_from=f"/challenges/{draft.id}")
    assert response.status_code == 302
    assert client.get(f"/challenges/{draft.id}").status_code == 404
