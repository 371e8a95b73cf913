"""The solver's pages, end to end, and the demo data."""

from sqlalchemy import func, select

from marketplace.demo import accounts as demo_accounts
from marketplace.demo import submissions as demo_submissions
from marketplace.demo.accounts import demo_org, demo_user
from marketplace.submissions import services
from marketplace.submissions.models import PartnerStatus, Submission, SubmissionStatus
from tests.factories import make_challenge
from tests.submissions_factories import make_solver

FORM = {"summary": "Hệ thống cảnh báo ngập lụt sớm", "technical_approach": "Cảm biến IoT",
        "trl": "7", "proposed_price": "1.200.000.000 đ", "timeline": "5 tháng",
        "team": "6 kỹ sư"}


def test_draft_edit_submit_withdraw_reopen_and_submit_again(client, session, login):
    challenge = make_challenge(session)
    user, org = make_solver(session)
    login(user)
    html = client.get("/submissions/").get_data(as_text=True)
    assert challenge.title in html and f"/submissions/new?challenge={challenge.id}" in html

    response = client.post_form(f"/submissions/new?challenge={challenge.id}",
                                {**FORM, "organization_id": org.id})
    assert response.status_code == 302
    submission = session.scalar(select(Submission))
    assert submission.proposed_price == 1_200_000_000
    assert submission.status is SubmissionStatus.DRAFT
    path = f"/submissions/{submission.id}"

    edited = client.post_form(f"{path}/edit", {**FORM, "summary": "Bản sửa"})
    assert edited.status_code == 302
    session.expire_all()
    assert submission.summary == "Bản sửa"

    for action, status in (("submit", SubmissionStatus.SUBMITTED),
                           ("withdraw", SubmissionStatus.WITHDRAWN),
                           ("reopen", SubmissionStatus.DRAFT),
                           ("submit", SubmissionStatus.SUBMITTED),
                           ("reopen", SubmissionStatus.DRAFT)):
        assert client.post_form(f"{path}/{action}", token_from=path).status_code == 302
        session.expire_all()
        assert submission.status is status, action
    assert submission.receipt_digest is None  # reopened: the old receipt no longer holds
    html = client.get("/submissions/").get_data(as_text=True)
    assert path in html


def test_a_bad_form_keeps_what_was_typed(client, session, login):
    challenge = make_challenge(session)
    user, org = make_solver(session)
    login(user)
    response = client.post_form(f"/submissions/new?challenge={challenge.id}",
                                {**FORM, "organization_id": org.id, "trl": "12"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "is-invalid" in html
    assert "Hệ thống cảnh báo ngập lụt sớm" in html
    assert session.scalar(select(func.count()).select_from(Submission)) == 0


def test_a_closed_challenge_takes_no_new_submission(client, session, login):
    from datetime import timedelta

    from marketplace.types import utcnow
    from tests.submissions_factories import make_challenge_due

    challenge = make_challenge_due(session, utcnow() - timedelta(seconds=1))
    user, org = make_solver(session)
    login(user)
    response = client.post_form(f"/submissions/new?challenge={challenge.id}",
                                {**FORM, "organization_id": org.id},
                                token_from="/submissions/")
    assert response.status_code == 302
    assert session.scalar(select(func.count()).select_from(Submission)) == 0


def test_demo_data_is_sealed_and_idempotent(client, session, login):
    demo_accounts.load(session)
    first = demo_submissions.load(session)
    assert "2 sealed submissions" in first
    assert demo_submissions.load(session) == "submissions: already loaded"
    startup = session.scalar(select(Submission).where(
        Submission.organization_id == demo_org(session, "startup").id))
    lead = session.scalar(select(Submission).where(
        Submission.organization_id == demo_org(session, "university").id))
    assert startup.status is lead.status is SubmissionStatus.SUBMITTED
    assert startup.receipt_digest and lead.receipt_digest
    assert [p.status for p in lead.partners] == [PartnerStatus.ACCEPTED]
    assert services.is_sse_linkage(lead) and not services.is_sse_linkage(startup)
    officer = demo_user(session, "officer@agency.demo.example")
    assert not services.submissions_of(session, officer)
    login(officer, "demo-password")
    assert client.get(f"/submissions/{startup.id}").status_code == 404
    client.post_form("/logout", token_from="/")
    login(demo_user(session, "enterprise@demo.example"), "demo-password")
    assert client.get(f"/submissions/{lead.id}").status_code == 200


def test_the_menu_links_solvers_to_their_submissions(client, session, login):
    user, _org = make_solver(session)
    officer = make_challenge(session).created_by
    login(user)
    assert 'href="/submissions/"' in client.get("/").get_data(as_text=True)
    client.post_form("/logout", token_from="/")
    login(officer)
    assert 'href="/submissions/"' not in client.get("/").get_data(as_text=True)
