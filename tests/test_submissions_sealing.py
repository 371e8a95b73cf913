"""Sealed until the deadline: before the close nobody outside the lead organization and
its accepted partners learns anything about a submission — its page, its files, or that
it exists at all."""

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.accounts.models import MemberRole, OrgKind
from marketplace.challenges.models import ChallengeStatus
from marketplace.evaluation.models import PanelMember
from marketplace.policy import core
from marketplace.submissions import services
from marketplace.submissions.models import ConsortiumPartner, PartnerStatus, SubmissionStatus
from marketplace.submissions.services import SubmissionContent
from marketplace.types import utcnow
from tests.factories import make_challenge, make_user
from tests.submissions_factories import PDF, make_solver

SECRET = "MẬT-ĐỀ-XUẤT-7731"
SEARCH_WORD = "quytrinhdieuphoi"  # a word of the summary, searched for
FILE_NAME = "bi-mat-ky-thuat-7731.pdf"
ROLES = ["anonymous", "other_solver", "agency_officer", "agency_approver", "evaluator", "admin",
         "own_member", "accepted_partner", "invited_partner"]
SEES_BEFORE_CLOSE = {"own_member", "accepted_partner"}


def _without_tokens(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', "", html)


@pytest.fixture
def world(session):
    """A challenge with one submitted solution, its file, a consortium and every role."""
    officer = make_user(session)
    challenge = make_challenge(session, creator=officer)
    approver = make_user(session)
    from marketplace.accounts.models import Membership

    session.add(Membership(user=approver, organization=challenge.agency,
                           role=MemberRole.APPROVER))
    lead, org = make_solver(session)
    member = make_user(session)
    session.add(Membership(user=member, organization=org, role=MemberRole.MEMBER))
    session.flush()
    submission = services.start(session, lead, challenge.id, org.id, SubmissionContent(
        summary=f"{SECRET} {SEARCH_WORD}", technical_approach=f"{SECRET} cách làm", trl=6,
        proposed_price=1_234_567_890, timeline="6 tháng", team="5 kỹ sư"))
    attachment = services.add_attachment(session, lead, submission, io.BytesIO(PDF), FILE_NAME)
    accepted_user, accepted_org = make_solver(session, kind=OrgKind.UNIVERSITY)
    invited_user, invited_org = make_solver(session, kind=OrgKind.INSTITUTE)
    submission.partners.append(ConsortiumPartner(organization=accepted_org, invited_by_id=lead.id,
                                                 status=PartnerStatus.ACCEPTED))
    submission.partners.append(ConsortiumPartner(organization=invited_org, invited_by_id=lead.id))
    session.flush()
    services.submit(session, lead, submission)
    evaluator = make_user(session)
    session.add(PanelMember(challenge_id=challenge.id, user_id=evaluator.id,
                            appointed_by_id=officer.id))
    other_solver, other_org = make_solver(session)
    session.flush()
    users = {"anonymous": None, "other_solver": other_solver, "agency_officer": officer,
             "agency_approver": approver, "evaluator": evaluator,
             "admin": make_user(session, is_admin=True), "own_member": member,
             "accepted_partner": accepted_user, "invited_partner": invited_user}
    return {"challenge": challenge, "submission": submission, "attachment": attachment,
            "users": users}


def _as(client, login, user):
    if user is not None:
        login(user)
        client.get("/")  # shows (and so clears) the "logged in" message


def _switch(client, login, user):
    client.post_form("/logout", token_from="/")
    login(user)


def _listing_pages(world, role):
    challenge = world["challenge"]
    pages = [f"/challenges/{challenge.id}", "/challenges/", "/", "/dashboard", "/activity",
             f"/search?q={SEARCH_WORD}", "/api/v1/challenges", "/opendata/ocds.json",
             f"/api/v1/challenges/{challenge.id}/opening-record"]
    if role != "anonymous":
        pages += ["/submissions/", "/submissions/invitations", "/notifications/"]
    if role == "admin":
        pages += ["/admin/", "/admin/organizations", "/admin/users"]
    return pages


@pytest.mark.parametrize("role", ROLES)
def test_sealed_before_the_deadline(client, login, session, world, role):
    submission, attachment = world["submission"], world["attachment"]
    _as(client, login, world["users"][role])
    page = client.get(f"/submissions/{submission.id}")
    download = client.get(f"/files/{attachment.id}")
    if role in SEES_BEFORE_CLOSE:
        assert page.status_code == 200 and SECRET in page.get_data(as_text=True)
        assert download.status_code == 200 and download.data == PDF
        return
    assert page.status_code == 404 and download.status_code == 404
    missing = client.get("/submissions/999999")
    # exactly what a submission that does not exist looks like
    same = _without_tokens(page.get_data(as_text=True)).replace(f"/{submission.id}", "/N")
    assert same == _without_tokens(missing.get_data(as_text=True)).replace("/999999", "/N")
    for action in ("edit", "submit", "withdraw", "reopen"):
        method = client.get if action == "edit" else client.post
        assert method(f"/submissions/{submission.id}/{action}").status_code in (302, 400, 404)
    leak = (SECRET, FILE_NAME, f"/submissions/{submission.id}", f"/files/{attachment.id}",
            submission.receipt_digest)  # the opening record's line: only after the close
    for path in _listing_pages(world, role):
        html = client.get(path).get_data(as_text=True)
        for secret in leak:
            assert secret not in html, (path, secret)


@pytest.mark.parametrize("role", ["anonymous", "other_solver", "agency_officer", "evaluator",
                                  "admin"])
def test_the_public_challenge_page_is_the_same_with_or_without_submissions(
        client, login, session, world, role):
    """No count, no list, no hint: the challenge's pages read the same as if there were no
    submission at all."""
    challenge, submission = world["challenge"], world["submission"]
    _as(client, login, world["users"][role])
    paths = [f"/challenges/{challenge.id}", "/challenges/"]
    assert client.get(paths[0]).status_code == 200
    with_it = [_without_tokens(client.get(p).get_data(as_text=True)) for p in paths]
    session.execute(ConsortiumPartner.__table__.delete().where(
        ConsortiumPartner.submission_id == submission.id))
    from marketplace.files.models import Attachment

    session.execute(Attachment.__table__.delete().where(Attachment.submission_id == submission.id))
    session.execute(submission.__table__.delete().where(submission.__table__.c.id == submission.id))
    session.expire_all()
    without = [_without_tokens(client.get(p).get_data(as_text=True)) for p in paths]
    assert with_it == without


def test_the_evaluator_rule_cannot_unseal(client, login, session, world, monkeypatch):
    """Even if the evaluation rule said yes, a sealed submission stays sealed."""
    monkeypatch.setitem(core._RULES, "submission.view_as_evaluator", lambda user, obj: True)
    login(world["users"]["evaluator"])
    assert client.get(f"/submissions/{world['submission'].id}").status_code == 404
    assert client.get(f"/files/{world['attachment'].id}").status_code == 404


def _close(session, world):
    challenge, submission = world["challenge"], world["submission"]
    challenge.submission_deadline = utcnow() - timedelta(minutes=1)
    challenge.clarification_deadline = utcnow() - timedelta(days=1)
    challenge.status, challenge.closed_at = ChallengeStatus.CLOSED, utcnow()
    submission.status, submission.opened_at = SubmissionStatus.OPENED, utcnow()
    session.flush()


AFTER_CLOSE = {"own_member", "accepted_partner", "agency_officer", "agency_approver"}


@pytest.mark.parametrize("role", ROLES)
def test_after_the_close_the_agency_sees_opened_submissions(client, login, session, world, role):
    _close(session, world)
    _as(client, login, world["users"][role])
    expected = 200 if role in AFTER_CLOSE else 404
    assert client.get(f"/submissions/{world['submission'].id}").status_code == expected
    assert client.get(f"/files/{world['attachment'].id}").status_code == expected


def test_after_the_close_an_evaluator_sees_what_the_evaluation_rule_allows(
        client, login, session, world, monkeypatch):
    _close(session, world)
    login(world["users"]["evaluator"])
    monkeypatch.setitem(core._RULES, "submission.view_as_evaluator", lambda user, obj: True)
    assert client.get(f"/submissions/{world['submission'].id}").status_code == 200
    monkeypatch.setitem(core._RULES, "submission.view_as_evaluator", lambda user, obj: False)
    assert client.get(f"/submissions/{world['submission'].id}").status_code == 404


@pytest.mark.parametrize("status", [SubmissionStatus.DRAFT, SubmissionStatus.WITHDRAWN])
def test_drafts_and_withdrawn_stay_private_for_ever(client, login, session, world, status,
                                                    monkeypatch):
    _close(session, world)
    world["submission"].status = status
    session.flush()
    monkeypatch.setitem(core._RULES, "submission.view_as_evaluator", lambda user, obj: True)
    for role in ("agency_officer", "evaluator", "admin"):
        _switch(client, login, world["users"][role])
        assert client.get(f"/submissions/{world['submission'].id}").status_code == 404, role
    _switch(client, login, world["users"]["own_member"])
    assert client.get(f"/submissions/{world['submission'].id}").status_code == 200


def test_an_expired_but_unclosed_challenge_is_treated_as_closed(client, login, session, world):
    """The deadline passed but nobody has recorded the close yet: the submission stays
    sealed (it was never opened) and the solver can no longer change it."""
    challenge = world["challenge"]
    challenge.submission_deadline = utcnow() - timedelta(seconds=1)
    challenge.clarification_deadline = utcnow() - timedelta(days=1)
    session.flush()
    login(world["users"]["agency_officer"])
    assert client.get(f"/submissions/{world['submission'].id}").status_code == 404
    from marketplace import policy

    lead = world["submission"].created_by
    assert not policy.can(lead, "submission.withdraw", world["submission"])
    assert not policy.can(lead, "submission.edit", world["submission"])


def test_the_solver_list_shows_only_ones_own(client, login, session, world):
    login(world["users"]["own_member"])
    html = client.get("/submissions/").get_data(as_text=True)
    assert f"/submissions/{world['submission'].id}" in html
    _switch(client, login, world["users"]["accepted_partner"])
    html = client.get("/submissions/").get_data(as_text=True)
    assert f"/submissions/{world['submission'].id}" in html
    assert session.scalar(select(ConsortiumPartner).where(
        ConsortiumPartner.status == PartnerStatus.INVITED)) is not None
