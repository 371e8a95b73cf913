"""The challenge lifecycle: every transition of CHALLENGE_LIFECYCLE, allowed and
forbidden, for each kind of actor; publishing checks; cancelling needs a reason."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.accounts.models import MemberRole, Membership, OrgKind, OrgStatus
from marketplace.audit.models import AuditEvent
from marketplace.challenges import services
from marketplace.challenges.models import Challenge, ChallengeStatus
from marketplace.challenges.states import CHALLENGE_LIFECYCLE
from marketplace.errors import DomainError, InvalidTransition, NotAllowed
from marketplace.lifecycle import transition
from marketplace.types import utcnow
from tests import factories
from tests.challenges_factories import officer_and_agency, solver_member

S = ChallengeStatus
ALLOWED = [(t.source, t.target) for t in CHALLENGE_LIFECYCLE.transitions]
FORBIDDEN = [(a, b) for a in S for b in S if (a, b) not in ALLOWED]
ACTORS = ["officer", "owner", "approver", "other_agency_officer", "solver", "admin", "anonymous"]
# Who may perform each transition (the clock's `published → closed`: nobody).
MAY = {S.PUBLISHED: {"officer", "owner"}, S.CLOSED: set(), S.EVALUATING: {"officer", "owner"},
       S.AWARDED: {"officer", "owner"}, S.CANCELLED: {"officer", "owner"}}


@pytest.fixture
def world(session):
    officer, agency = officer_and_agency(session)
    owner, approver = factories.make_user(session), factories.make_user(session)
    session.add_all([Membership(user=owner, organization=agency, role=MemberRole.OWNER),
                     Membership(user=approver, organization=agency, role=MemberRole.APPROVER)])
    other, _ = officer_and_agency(session)
    solver, _ = solver_member(session)
    admin = factories.make_user(session, is_admin=True)
    session.flush()
    for user in (officer, owner, approver):
        session.refresh(user)
    actors = {"officer": officer, "owner": owner, "approver": approver,
              "other_agency_officer": other, "solver": solver, "admin": admin,
              "anonymous": None}
    return agency, actors


def _challenge(session, agency, actors, status):
    extra = {"cancel_reason": "Lý do"} if status is S.CANCELLED else {}
    return factories.make_challenge(session, agency=agency, creator=actors["officer"],
                                    status=status, **extra)


@pytest.mark.parametrize("source, target", ALLOWED)
@pytest.mark.parametrize("actor", ACTORS)
def test_allowed_transitions_only_for_the_right_actor(session, world, source, target, actor):
    agency, actors = world
    challenge = _challenge(session, agency, actors, source)
    if target is S.CANCELLED:
        challenge.cancel_reason = "Không còn nhu cầu"
    user = actors[actor]
    # awarded → evaluating needs an upheld complaint (tests/test_complaints.py): none here
    may = set() if (source, target) == (S.AWARDED, S.EVALUATING) else MAY[target]
    if actor in may:
        transition(session, challenge, target, user, lifecycle=CHALLENGE_LIFECYCLE)
        assert challenge.status is target
        stamp = CHALLENGE_LIFECYCLE.stamps[target]
        assert getattr(challenge, stamp) is not None
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.object_type == "challenges", AuditEvent.object_id == challenge.id)
            .order_by(AuditEvent.id.desc())).first()
        assert event.action == f"challenge.{target.value}" and event.actor_id == user.id
    else:
        with pytest.raises(NotAllowed):
            transition(session, challenge, target, user, lifecycle=CHALLENGE_LIFECYCLE)
        assert challenge.status is source


@pytest.mark.parametrize("source, target", FORBIDDEN)
def test_forbidden_transitions_are_refused_even_to_the_officer(session, world, source, target):
    agency, actors = world
    challenge = _challenge(session, agency, actors, source)
    with pytest.raises(InvalidTransition):
        transition(session, challenge, target, actors["officer"], lifecycle=CHALLENGE_LIFECYCLE)
    with pytest.raises(InvalidTransition):
        transition(session, challenge, target, None, lifecycle=CHALLENGE_LIFECYCLE,
                   by_system=True)
    assert challenge.status is source


def test_only_the_clock_closes(session, world):
    agency, actors = world
    challenge = _challenge(session, agency, actors, S.PUBLISHED)
    transition(session, challenge, S.CLOSED, None, lifecycle=CHALLENGE_LIFECYCLE, by_system=True)
    assert challenge.status is S.CLOSED and challenge.closed_at is not None


def test_pending_agency_can_draft_but_not_publish(session):
    officer, agency = officer_and_agency(session, status=OrgStatus.PENDING)
    challenge = factories.make_challenge(session, agency=agency, creator=officer,
                                         status=S.DRAFT)
    with pytest.raises(DomainError, match="xác minh"):
        services.publish(session, officer, challenge)
    assert challenge.status is S.DRAFT


def test_solver_cannot_create_a_challenge(session):
    solver, org = solver_member(session)
    with pytest.raises(NotAllowed):
        services.create_draft(session, solver, org, services.ChallengeInput(title="X"))


def test_publish_says_exactly_what_is_missing(session):
    officer, agency = officer_and_agency(session)
    challenge = services.create_draft(session, officer, agency, services.ChallengeInput(
        title="Bản nháp", criteria=[services.CriterionInput("Đổi mới", 70)],
        clarification_deadline=utcnow() + timedelta(days=9),
        submission_deadline=utcnow() + timedelta(days=10)))
    with pytest.raises(services.Incomplete) as caught:
        services.publish(session, officer, challenge)
    problems = caught.value.problems
    assert "Thiếu mô tả bài toán." in problems
    assert "Chưa chọn nhóm công nghệ chiến lược." in problems
    assert "Trần ngân sách phải lớn hơn 0 ₫." in problems
    assert "Tổng trọng số các tiêu chí là 70, chưa bằng 100." in problems
    assert "Chưa chọn loại đơn vị nào được nộp giải pháp." in problems
    assert not any("Hạn" in p for p in problems)
    assert challenge.status is S.DRAFT


@pytest.mark.parametrize("clarify, submit, message", [
    (None, None, "Thiếu hạn nộp giải pháp."),
    (-2, 5, "Hạn đặt câu hỏi phải ở thời điểm trong tương lai."),
    (-2, -1, "Hạn nộp giải pháp phải ở thời điểm trong tương lai."),
    (None, 5, "Thiếu hạn đặt câu hỏi."),
])
def test_publish_checks_deadlines(session, clarify, submit, message):
    officer, agency = officer_and_agency(session)
    now = utcnow()
    challenge = factories.make_challenge(
        session, agency=agency, creator=officer, status=S.DRAFT,
        clarification_deadline=None if clarify is None else now + timedelta(days=clarify),
        submission_deadline=None if submit is None else now + timedelta(days=submit))
    assert message in services.completeness_problems(challenge)
    with pytest.raises(services.Incomplete):
        services.publish(session, officer, challenge)


def test_deadlines_out_of_order_are_refused_even_in_a_draft(session):
    officer, agency = officer_and_agency(session)
    now = utcnow()
    with pytest.raises(DomainError) as caught:
        services.create_draft(session, officer, agency, services.ChallengeInput(
            title="X", clarification_deadline=now + timedelta(days=5),
            submission_deadline=now + timedelta(days=4)))
    assert caught.value.field == "clarification_deadline"


def test_publish_a_complete_draft_is_audited_and_public(session):
    officer, agency = officer_and_agency(session)
    challenge = factories.make_challenge(session, agency=agency, creator=officer,
                                         status=S.DRAFT)
    services.publish(session, officer, challenge)
    assert challenge.status is S.PUBLISHED and challenge.published_at is not None
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "challenge.published",
                                                    AuditEvent.object_id == challenge.id))
    assert event.public and event.actor_id == officer.id


def test_cancel_needs_a_reason(session):
    officer, agency = officer_and_agency(session)
    challenge = factories.make_challenge(session, agency=agency, creator=officer)
    with pytest.raises(DomainError) as caught:
        services.cancel(session, officer, challenge, "   ")
    assert caught.value.field == "reason"
    services.cancel(session, officer, challenge, "Ngân sách bị cắt giảm.")
    assert challenge.status is S.CANCELLED and challenge.cancel_reason == "Ngân sách bị cắt giảm."


def test_cancel_through_the_page(client, session, login):
    officer, agency = officer_and_agency(session)
    challenge = factories.make_challenge(session, agency=agency, creator=officer)
    login(officer)
    path = f"/challenges/{challenge.id}/cancel"
    response = client.post_form(path, {"reason": ""})
    assert response.status_code == 400
    response = client.post_form(path, {"reason": "Đã có giải pháp thương mại phù hợp."})
    assert response.status_code == 302
    html = client.get(f"/challenges/{challenge.id}").get_data(as_text=True)
    assert "Đã có giải pháp thương mại phù hợp." in html
    session.expire_all()
    assert session.get(Challenge, challenge.id).status is S.CANCELLED


def test_publish_and_start_evaluation_through_the_pages(client, session, login):
    officer, agency = officer_and_agency(session)
    draft = factories.make_challenge(session, agency=agency, creator=officer, status=S.DRAFT)
    closed = factories.make_challenge(session, agency=agency, creator=officer, status=S.CLOSED)
    login(officer)
    assert client.post_form(f"/challenges/{draft.id}/publish",
                            token_from=f"/challenges/{draft.id}").status_code == 302
    assert client.post_form(f"/challenges/{closed.id}/start-evaluation",
                            token_from=f"/challenges/{closed.id}").status_code == 302
    session.expire_all()
    assert session.get(Challenge, draft.id).status is S.PUBLISHED
    assert session.get(Challenge, closed.id).status is S.EVALUATING


def test_incomplete_publish_through_the_page_lists_the_problems(client, session, login):
    officer, agency = officer_and_agency(session)
    draft = factories.make_challenge(session, agency=agency, creator=officer, status=S.DRAFT,
                                     budget_ceiling=0, criteria=[("Đổi mới", 50)])
    login(officer)
    response = client.post_form(f"/challenges/{draft.id}/publish",
                                token_from=f"/challenges/{draft.id}", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Trần ngân sách phải lớn hơn 0 ₫." in html
    assert "Tổng trọng số các tiêu chí là 50, chưa bằng 100." in html
    session.expire_all()
    assert session.get(Challenge, draft.id).status is S.DRAFT


@pytest.mark.parametrize("who", ["approver", "solver", "other_agency_officer", "anonymous"])
def test_wrong_people_cannot_use_the_agency_pages(client, session, world, login, who):
    agency, actors = world
    challenge = _challenge(session, agency, actors, S.DRAFT)
    if actors[who] is not None:
        login(actors[who])
    for path in (f"/challenges/{challenge.id}/edit", f"/challenges/{challenge.id}/cancel"):
        response = client.get(path)
        assert response.status_code in ((302,) if who == "anonymous" else (403, 404))
    assert OrgKind.AGENCY  # the world's agency is an agency
