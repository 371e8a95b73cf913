"""The solver's side of the submission lifecycle: every transition allowed and forbidden,
the deadline race, the receipt, one submission per organization, eligibility, price."""

import hashlib
import io
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import MemberRole, OrgKind, OrgStatus
from marketplace.audit.models import AuditEvent
from marketplace.challenges.models import ChallengeStatus
from marketplace.errors import DomainError, InvalidTransition, NotAllowed
from marketplace.notifications.models import Notification
from marketplace.submissions import clock, services
from marketplace.submissions.models import Submission, SubmissionStatus
from marketplace.submissions.services import SubmissionContent
from marketplace.submissions.states import SUBMISSION_LIFECYCLE
from marketplace.types import utcnow
from tests.factories import make_challenge, make_submission, make_user
from tests.submissions_factories import PDF, make_challenge_due, make_draft, make_solver

S = SubmissionStatus
ACTIONS = {"submit": services.submit, "withdraw": services.withdraw, "reopen": services.reopen}
# What each solver action does from each status; every other pair is refused.
ALLOWED = {(S.DRAFT, "submit"): S.SUBMITTED, (S.SUBMITTED, "withdraw"): S.WITHDRAWN,
           (S.SUBMITTED, "reopen"): S.DRAFT, (S.WITHDRAWN, "reopen"): S.DRAFT}
CONTENT = SubmissionContent(summary="Đèn tín hiệu thông minh", technical_approach="Học máy",
                            trl=6, proposed_price=1_000_000_000, timeline="6 tháng",
                            team="5 kỹ sư")


def _submission(session, status, **overrides):
    user, org = make_solver(session)
    extra = {"disqualification_reason": "Thiếu hồ sơ"} if status is S.DISQUALIFIED else {}
    return user, make_submission(session, organization=org, member=user, status=status,
                                 **extra, **overrides)


@pytest.mark.parametrize("source", list(S))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_solver_transitions_allowed_and_forbidden(session, source, action):
    user, submission = _submission(session, source)
    target = ALLOWED.get((source, action))
    if target is None:
        with pytest.raises((InvalidTransition, NotAllowed)):
            ACTIONS[action](session, user, submission)
        assert submission.status is source
        return
    ACTIONS[action](session, user, submission)
    assert submission.status is target
    expected = {S.SUBMITTED: "submission.submitted", S.WITHDRAWN: "submission.withdrawn",
                S.DRAFT: "submission.reopened"}[target]
    event = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "submissions",
                                                     AuditEvent.object_id == submission.id)
                            .order_by(AuditEvent.id.desc())).first()
    assert event.action == expected and event.actor_id == user.id and not event.public


def test_the_table_holds_the_solver_transitions_and_nothing_opens_by_hand(session):
    for (source, _action), target in ALLOWED.items():
        assert SUBMISSION_LIFECYCLE.can_move(type("O", (), {"status": source})(), target)
    user, submission = _submission(session, S.SUBMITTED)
    from marketplace.lifecycle import transition

    with pytest.raises(NotAllowed):  # only the clock opens submissions, at the close
        transition(session, submission, S.OPENED, user, lifecycle=SUBMISSION_LIFECYCLE)


@pytest.mark.parametrize("who", ["partner", "other_solver", "agency_officer", "admin"])
@pytest.mark.parametrize("action", list(ACTIONS))
def test_only_the_lead_moves_its_submission(session, who, action):
    source = S.DRAFT if action == "submit" else S.SUBMITTED
    lead, submission = _submission(session, source)
    if who == "partner":
        actor, org = make_solver(session, kind=OrgKind.UNIVERSITY)
        from marketplace.submissions.models import ConsortiumPartner, PartnerStatus

        submission.partners.append(ConsortiumPartner(organization=org, invited_by_id=lead.id,
                                                     status=PartnerStatus.ACCEPTED))
        session.flush()
    elif who == "other_solver":
        actor, _org = make_solver(session)
    elif who == "agency_officer":
        actor = submission.challenge.created_by
    else:
        actor = make_user(session, is_admin=True)
    with pytest.raises(NotAllowed):
        ACTIONS[action](session, actor, submission)
    assert submission.status is source


# --- the deadline ------------------------------------------------------------------------

def _late_challenge(session, seconds_late=1):
    return make_challenge_due(session, utcnow() - timedelta(seconds=seconds_late))


def test_submit_one_second_late_is_refused_and_the_draft_kept(client, session, login):
    user, org = make_solver(session)
    submission = make_draft(session, _late_challenge(session), org, summary="Bản nháp gốc")
    login(user)
    path = f"/submissions/{submission.id}"
    response = client.post_form(f"{path}/submit", token_from=path, follow_redirects=True)
    alerts = re.findall(r'class="alert alert-danger" role="alert">([^<]*)<',
                        response.get_data(as_text=True))
    assert any("has passed" in a or "Đã quá hạn nộp" in a for a in alerts), alerts
    session.expire_all()
    assert submission.status is S.DRAFT and submission.summary == "Bản nháp gốc"
    assert submission.receipt_digest is None and submission.submitted_at is None
    assert not session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "submission.submitted"))


def test_the_clock_of_the_transaction_decides(session, monkeypatch):
    """Deadline in ten seconds by the wall clock; the server's clock, read inside the
    transaction, says one second past it: refused. One second before it: accepted."""
    challenge = make_challenge_due(session, utcnow() + timedelta(seconds=10))
    user, org = make_solver(session)
    submission = make_draft(session, challenge, org)
    deadline = challenge.submission_deadline
    monkeypatch.setattr(clock, "utcnow", lambda: deadline + timedelta(seconds=1))
    with pytest.raises(DomainError, match="deadline|hạn"):
        services.submit(session, user, submission)
    assert submission.status is S.DRAFT
    monkeypatch.setattr(clock, "utcnow", lambda: deadline - timedelta(seconds=1))
    services.submit(session, user, submission)
    assert submission.status is S.SUBMITTED


@pytest.mark.parametrize("status, change", [
    (S.DRAFT, "update"), (S.DRAFT, "attach"), (S.SUBMITTED, "withdraw"), (S.SUBMITTED, "reopen"),
])
def test_editing_and_withdrawing_stop_at_the_deadline(session, status, change):
    user, org = make_solver(session)
    submission = make_draft(session, _late_challenge(session), org, status=status,
                            summary="Giữ nguyên")
    calls = {
        "update": lambda: services.update(session, user, submission,
                                          SubmissionContent(summary="Đổi sau hạn")),
        "attach": lambda: services.add_attachment(session, user, submission,
                                                  io.BytesIO(PDF), "a.pdf"),
        "withdraw": lambda: services.withdraw(session, user, submission),
        "reopen": lambda: services.reopen(session, user, submission),
    }
    with pytest.raises(DomainError):
        calls[change]()
    assert submission.status is status and submission.summary == "Giữ nguyên"


@pytest.mark.parametrize("status", [ChallengeStatus.DRAFT, ChallengeStatus.CLOSED,
                                    ChallengeStatus.EVALUATING, ChallengeStatus.CANCELLED])
def test_nothing_is_accepted_unless_the_challenge_is_open(session, status):
    extra = {"cancel_reason": "Không còn nhu cầu"} if status is ChallengeStatus.CANCELLED else {}
    challenge = make_challenge(session, status=status, **extra)
    user, org = make_solver(session)
    with pytest.raises(DomainError):
        services.start(session, user, challenge.id, org.id, CONTENT)


# --- eligibility, price, one per organization ------------------------------------------------

def test_start_saves_a_private_draft(session):
    challenge = make_challenge(session)
    user, org = make_solver(session)
    submission = services.start(session, user, challenge.id, org.id, CONTENT)
    assert submission.status is S.DRAFT and submission.created_by_id == user.id
    assert submission.proposed_price == 1_000_000_000 and submission.receipt_digest is None


@pytest.mark.parametrize("org_overrides, message", [
    ({"status": OrgStatus.PENDING}, "(?i)verified|xác minh"),
    ({"kind": OrgKind.ENTERPRISE}, "(?i)kind|loại"),
])
def test_eligibility_is_enforced(session, org_overrides, message):
    challenge = make_challenge(session, eligible_kinds=["startup", "university"])
    user, org = make_solver(session, **org_overrides)
    with pytest.raises(DomainError, match=message):
        services.start(session, user, challenge.id, org.id, CONTENT)
    assert session.scalar(select(func.count()).select_from(Submission)) == 0


def test_eligibility_is_checked_again_at_submit(session):
    challenge = make_challenge(session)
    user, org = make_solver(session)
    submission = make_draft(session, challenge, org)
    org.status = OrgStatus.REJECTED
    org.rejection_reason = "Giấy tờ giả"
    with pytest.raises(DomainError):
        services.submit(session, user, submission)
    assert submission.status is S.DRAFT


def test_an_agency_member_cannot_bid(session):
    challenge = make_challenge(session)
    with pytest.raises(NotAllowed):
        services.start(session, challenge.created_by, challenge.id, challenge.agency_id, CONTENT)


@pytest.mark.parametrize("price, ok", [(2_000_000_000, True), (2_000_000_001, False), (0, False),
                                       (-5, False)])
def test_price_must_be_positive_and_within_the_ceiling(session, price, ok):
    challenge = make_challenge(session, budget_ceiling=2_000_000_000)
    user, org = make_solver(session)
    content = SubmissionContent(summary="Giải pháp", proposed_price=price)
    if ok:
        assert services.start(session, user, challenge.id, org.id, content).proposed_price == price
    else:
        with pytest.raises(DomainError) as refused:
            services.start(session, user, challenge.id, org.id, content)
        assert refused.value.field == "proposed_price"


def test_price_over_the_ceiling_is_shown_on_the_form(client, session, login):
    challenge = make_challenge(session, budget_ceiling=1_000_000)
    user, org = make_solver(session)
    login(user)
    response = client.post_form(f"/submissions/new?challenge={challenge.id}", {
        "organization_id": org.id, "summary": "Giải pháp", "proposed_price": "1.000.001"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "is-invalid" in html
    assert 'value="1.000.001"' in html  # typed value kept
    assert session.scalar(select(func.count()).select_from(Submission)) == 0


def test_submit_needs_the_whole_solution(session):
    challenge = make_challenge(session)
    user, org = make_solver(session)
    submission = services.start(session, user, challenge.id, org.id,
                                SubmissionContent(summary="Chỉ có tóm tắt"))
    with pytest.raises(DomainError, match="TRL"):
        services.submit(session, user, submission)
    assert submission.status is S.DRAFT


def test_one_submission_per_organization(session):
    challenge = make_challenge(session)
    user, org = make_solver(session)
    services.start(session, user, challenge.id, org.id, CONTENT)
    with pytest.raises(DomainError, match="already|đã có"):
        services.start(session, user, challenge.id, org.id, CONTENT)
    with pytest.raises(IntegrityError), session.begin_nested():  # a constraint, not a check
        session.add(Submission(challenge_id=challenge.id, organization_id=org.id,
                               created_by_id=user.id))
        session.flush()


def test_a_race_to_start_ends_in_a_clear_message(session, monkeypatch):
    challenge = make_challenge(session)
    user, org = make_solver(session)
    services.start(session, user, challenge.id, org.id, CONTENT)
    monkeypatch.setattr(services, "find_submission", lambda *a: None)  # both checked at once
    with pytest.raises(DomainError, match="already|đã có"):
        services.start(session, user, challenge.id, org.id, CONTENT)
    assert session.scalar(select(func.count()).select_from(Submission)) == 1


def test_starting_again_opens_the_existing_submission(client, session, login):
    challenge = make_challenge(session)
    user, org = make_solver(session)
    existing = make_draft(session, challenge, org)
    login(user)
    response = client.get(f"/submissions/new?challenge={challenge.id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/submissions/{existing.id}")


def test_a_member_of_two_organizations_is_sent_to_the_existing_one(client, session, login):
    challenge = make_challenge(session)
    user, org = make_solver(session)
    from tests.factories import make_org

    make_org(session, kind=OrgKind.UNIVERSITY, members={user: MemberRole.MEMBER})
    existing = make_draft(session, challenge, org)
    login(user)
    response = client.post_form(f"/submissions/new?challenge={challenge.id}",
                                {"organization_id": org.id, "summary": "Lần hai"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/submissions/{existing.id}")
    assert session.scalar(select(func.count()).select_from(Submission)) == 1


# --- the receipt -----------------------------------------------------------------------------

def test_receipt_is_a_sha256_of_the_canonical_content(session):
    challenge = make_challenge(session)
    user, org = make_solver(session)
    submission = services.start(session, user, challenge.id, org.id, CONTENT)
    services.add_attachment(session, user, submission, io.BytesIO(PDF), "hồ sơ.pdf")
    digest = services.submit(session, user, submission)
    payload = services.receipt_payload(submission, services.attachments_of(session, submission))
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert digest == submission.receipt_digest == hashlib.sha256(canonical.encode()).hexdigest()
    assert payload["attachments"] == [["hồ sơ.pdf", hashlib.sha256(PDF).hexdigest()]]
    assert submission.submitted_at is not None
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "submission.submitted"))
    assert event.after["receipt_digest"] == digest and not event.public
    note = session.scalar(select(Notification).where(Notification.user_id == user.id,
                                                     Notification.kind == "submission.submitted"))
    assert digest in note.message and challenge.title in note.message


@pytest.mark.parametrize("change", ["summary", "price", "trl", "attachment"])
def test_receipt_changes_when_the_content_changes(session, change):
    challenge = make_challenge(session)
    user, org = make_solver(session)
    submission = services.start(session, user, challenge.id, org.id, CONTENT)
    first = services.submit(session, user, submission)
    services.reopen(session, user, submission)
    assert submission.receipt_digest is None and submission.status is S.DRAFT
    same = services.receipt_digest(services.receipt_payload(
        submission, services.attachments_of(session, submission)))
    assert same == first  # the digest depends on the content only
    edits = {"summary": {"summary": "Tóm tắt mới"}, "price": {"proposed_price": 999_999_999},
             "trl": {"trl": 7}}
    if change == "attachment":
        services.add_attachment(session, user, submission, io.BytesIO(PDF), "b.pdf")
    else:
        services.update(session, user, submission, SubmissionContent(
            **{**CONTENT.__dict__, **edits[change]}))
    second = services.submit(session, user, submission)
    assert second != first and submission.receipt_digest == second


def test_receipt_is_shown_on_the_submission_page(client, session, login):
    challenge = make_challenge(session)
    user, org = make_solver(session)
    submission = services.start(session, user, challenge.id, org.id, CONTENT)
    login(user)
    path = f"/submissions/{submission.id}"
    assert client.post_form(f"{path}/submit", token_from=path).status_code == 302
    session.expire_all()
    html = client.get(path).get_data(as_text=True)
    assert submission.receipt_digest in html and "(giờ Việt Nam)" in html
