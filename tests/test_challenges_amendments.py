"""After publication a change is a public amendment: the deadline only moves later,
budget, criteria and eligibility are fixed from publication on (so that refusing a
change can never reveal a sealed submission), and solvers preparing solutions are told."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.audit.models import AuditEvent
from marketplace.challenges import services
from marketplace.challenges.models import Amendment, Challenge
from marketplace.errors import DomainError
from marketplace.notifications.models import Notification
from marketplace.submissions.models import SubmissionStatus
from tests import factories
from tests.challenges_factories import form_data, local, officer_and_agency


def _input(challenge, **changes) -> services.ChallengeInput:
    data = {name: getattr(challenge, name) for name in services.SCALAR_FIELDS}
    data["eligible_kinds"] = list(challenge.eligible_kinds)
    data["criteria"] = [services.CriterionInput(c.name, c.weight, c.description)
                        for c in challenge.criteria]
    data.update(changes)
    return services.ChallengeInput(**data)


@pytest.fixture
def published(session):
    officer, agency = officer_and_agency(session)
    challenge = factories.make_challenge(session, agency=agency, creator=officer)
    return officer, challenge


def test_an_edit_after_publication_is_a_public_amendment(session, published):
    officer, challenge = published
    later = challenge.submission_deadline + timedelta(days=7)
    amendment = services.update(session, officer, challenge,
                                _input(challenge, submission_deadline=later,
                                       pilot_site="Bệnh viện Đà Nẵng"),
                                "Gia hạn nộp hồ sơ thêm 7 ngày.")
    assert isinstance(amendment, Amendment)
    assert set(amendment.changes) == {"submission_deadline", "pilot_site"}
    assert amendment.changes["pilot_site"]["after"] == "Bệnh viện Đà Nẵng"
    assert challenge.submission_deadline == later
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "challenge.amended"))
    assert event.public and event.actor_id == officer.id


def test_the_deadline_may_only_be_extended(session, published):
    officer, challenge = published
    earlier = challenge.submission_deadline - timedelta(days=1)
    with pytest.raises(DomainError) as caught:
        services.update(session, officer, challenge,
                        _input(challenge, submission_deadline=earlier), "Rút ngắn")
    assert caught.value.field == "submission_deadline"


def test_an_amendment_needs_a_summary_and_a_change(session, published):
    officer, challenge = published
    with pytest.raises(DomainError, match="Không có thay đổi"):
        services.update(session, officer, challenge, _input(challenge), "Không đổi gì")
    with pytest.raises(DomainError) as caught:
        services.update(session, officer, challenge, _input(challenge, sector="Y tế"), " ")
    assert caught.value.field == "amendment_summary"


def test_an_amendment_keeps_the_challenge_complete(session, published):
    officer, challenge = published
    with pytest.raises(services.Incomplete):
        services.update(session, officer, challenge, _input(challenge, problem=""),
                        "Bỏ mô tả bài toán")


@pytest.mark.parametrize("status", [None, SubmissionStatus.DRAFT, SubmissionStatus.SUBMITTED,
                                    SubmissionStatus.WITHDRAWN])
@pytest.mark.parametrize("change", [
    {"budget_ceiling": 3_000_000_000},
    {"criteria": [services.CriterionInput("Giá", 100)]},
    {"eligible_kinds": ["university"]},
    {"consortia_allowed": False},
])
def test_terms_are_fixed_after_publication_whether_or_not_anyone_bids(session, published,
                                                                        status, change):
    """The same refusal with and without submissions: it reveals nothing sealed."""
    officer, challenge = published
    if status is not None:
        factories.make_submission(session, challenge=challenge, status=status)
    before = (challenge.budget_ceiling, [c.name for c in challenge.criteria])
    with pytest.raises(DomainError) as refused:
        services.update(session, officer, challenge, _input(challenge, **change), "Thay đổi")
    assert "trần ngân sách" in refused.value.message
    assert "hồ sơ" not in refused.value.message.lower()  # says nothing of submissions
    assert (challenge.budget_ceiling, [c.name for c in challenge.criteria]) == before


def test_terms_may_change_freely_in_a_draft(session):
    officer, agency = officer_and_agency(session)
    from marketplace.challenges.models import ChallengeStatus

    challenge = factories.make_challenge(session, agency=agency, creator=officer,
                                         status=ChallengeStatus.DRAFT)
    services.update(session, officer, challenge, _input(
        challenge, budget_ceiling=3_000_000_000,
        criteria=[services.CriterionInput("Giá", 100)]), "")
    assert challenge.budget_ceiling == 3_000_000_000
    assert [c.name for c in challenge.criteria] == ["Giá"]


def test_other_fields_may_change_after_a_submission(session, published):
    officer, challenge = published
    factories.make_submission(session, challenge=challenge)
    services.update(session, officer, challenge,
                    _input(challenge, expected_outcomes="Giảm 30% thời gian chờ."), "Mục tiêu")
    assert challenge.expected_outcomes == "Giảm 30% thời gian chờ."


def test_solvers_preparing_solutions_are_notified(session, published):
    officer, challenge = published
    drafting = factories.make_submission(session, challenge=challenge,
                                         status=SubmissionStatus.DRAFT)
    submitted = factories.make_submission(session, challenge=challenge)
    bystander = factories.make_user(session)
    services.update(session, officer, challenge, _input(challenge, sector="Đô thị thông minh"),
                    "Đổi lĩnh vực")
    notes = list(session.scalars(select(Notification).where(
        Notification.kind == "challenge.amended")))
    recipients = {n.user_id for n in notes}
    assert recipients == {drafting.created_by_id, submitted.created_by_id}
    assert bystander.id not in recipients
    assert all("Đổi lĩnh vực" in n.message for n in notes)


def test_amend_through_the_page_is_listed_publicly(client, session, published, login):
    officer, challenge = published
    session.refresh(officer)
    login(officer)
    path = f"/challenges/{challenge.id}/edit"
    assert client.get(path).status_code == 200
    later = challenge.submission_deadline + timedelta(days=5)
    criteria = {}
    for i, criterion in enumerate(challenge.criteria):
        criteria.update({f"criteria-{i}-name": criterion.name, f"criteria-{i}-weight":
                         str(criterion.weight), f"criteria-{i}-description": criterion.description})
    data = form_data(session, title=challenge.title,
                     budget_ceiling=str(challenge.budget_ceiling),
                     eligible_kinds=list(challenge.eligible_kinds),
                     clarification_deadline=local(challenge.clarification_deadline),
                     submission_deadline=local(later),
                     amendment_summary="Gia hạn thêm 5 ngày theo đề nghị của các đơn vị.",
                     **{"criteria-1-description": None, **criteria})
    response = client.post_form(path, data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    client.post_form("/logout", token_from="/")
    html = client.get(f"/challenges/{challenge.id}").get_data(as_text=True)
    assert "Gia hạn thêm 5 ngày theo đề nghị của các đơn vị." in html
    session.expire_all()
    assert len(session.get(Challenge, challenge.id).amendments) == 1


def test_shortening_through_the_page_keeps_what_was_typed(client, session, published, login):
    officer, challenge = published
    login(officer)
    earlier = challenge.submission_deadline - timedelta(days=2)
    data = form_data(session, title="Tiêu đề mới đã gõ",
                     clarification_deadline=local(challenge.clarification_deadline),
                     submission_deadline=local(earlier), amendment_summary="Rút ngắn")
    response = client.post_form(f"/challenges/{challenge.id}/edit", data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'value="Tiêu đề mới đã gõ"' in html and "is-invalid" in html
    session.expire_all()
    assert session.get(Challenge, challenge.id).title != "Tiêu đề mới đã gõ"
