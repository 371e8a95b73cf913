"""The award decision: preconditions, four eyes, taking effect, the public page, feedback
for each bidder, "no suitable solution", the report."""

import csv
import io
import re

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import MemberRole, Membership
from marketplace.challenges.models import ChallengeStatus
from marketplace.errors import DomainError, InvalidTransition, NotAllowed
from marketplace.evaluation import awards, report, services
from marketplace.evaluation.awards import Choice
from marketplace.evaluation.models import Award, AwardStatus
from marketplace.evaluation.states import AWARD_LIFECYCLE
from marketplace.lifecycle import transition
from marketplace.notifications.models import Notification
from marketplace.submissions.models import SubmissionStatus
from tests.evaluation_factories import make_evaluation, score, score_everything
from tests.factories import make_user

# Evaluator × submission × criterion: the first submission ranks first (90), then 70, 50.
TABLE = [[[9, 9, 9], [7, 7, 7], [5, 5, 5]], [[9, 9, 9], [7, 7, 7], [5, 5, 5]]]


def scored_world(session, **kw):
    world = make_evaluation(session, submissions=3, **kw)
    score_everything(session, world, TABLE)
    return world


def test_no_award_before_every_assigned_evaluation_is_in(session):
    world = make_evaluation(session, submissions=2, evaluators=2)
    first, second = world.submissions
    score(session, world.panel[0], first, [9, 9, 9])
    score(session, world.panel[0], second, [9, 9, 9])
    score(session, world.panel[1], first, [9, 9, 9])
    with pytest.raises(DomainError, match="not submitted|chưa"):
        awards.propose(session, world.officer, world.challenge, [Choice(first.id, 1)], "Tốt")
    score(session, world.panel[1], second, [5, 5, 5], submit=False)
    with pytest.raises(DomainError):
        awards.propose(session, world.officer, world.challenge, [Choice(first.id, 1)], "Tốt")


def test_no_award_below_the_minimum_number_of_evaluators(session):
    world = make_evaluation(session, submissions=1, evaluators=2, min_evaluators=2)
    submission = world.submissions[0]
    score(session, world.panel[0], submission, [9, 9, 9])
    services.declare(session, world.panel[1], submission, "employment", "Tôi từng làm ở đây")
    assert awards.award_blockers(session, world.challenge)  # one evaluation, two needed
    with pytest.raises(DomainError):
        awards.propose(session, world.officer, world.challenge, [Choice(submission.id, 1)],
                       "Tốt")


@pytest.mark.parametrize("change, message", [
    ({"amount": 950_000_000}, "giá đề xuất"),  # above the proposed price of 900 000 000
    ({"amount": 0}, "lớn hơn 0"),
    ({"justification": " "}, "giải trình quyết định"),
    ({"second": True}, "một thí điểm"),
    ({"pick": 1}, "không xếp hạng nhất"),
])
def test_award_preconditions(session, change, message):
    world = scored_world(session)
    subs = world.submissions
    choice = Choice(subs[change.get("pick", 0)].id, change.get("amount", 800_000_000))
    choices = [choice, Choice(subs[1].id, 100_000_000)] if change.get("second") else [choice]
    with pytest.raises(DomainError, match=message):
        awards.propose(session, world.officer, world.challenge, choices,
                       change.get("justification", "Điểm cao nhất"))
    assert session.scalar(select(Award)) is None


def test_parallel_pilots_within_the_budget_ceiling(session):
    world = scored_world(session, parallel_pilots_allowed=True, budget_ceiling=1_500_000_000)
    a, b, _ = world.submissions
    with pytest.raises(DomainError, match="trần ngân sách"):
        awards.propose(session, world.officer, world.challenge,
                       [Choice(a.id, 900_000_000), Choice(b.id, 700_000_000, "Bổ sung")], "Hai")
    choices = [Choice(a.id, 800_000_000), Choice(b.id, 700_000_000, "Thí điểm ở quận khác")]
    award = awards.propose(session, world.officer, world.challenge, choices,
                           "Hai thí điểm song song")
    assert award.total_amount == 1_500_000_000 and award.requires_approval


def test_within_threshold_takes_effect_at_once(session):
    world = scored_world(session)
    winner, *losers = world.submissions
    award = awards.propose(session, world.officer, world.challenge,
                           [Choice(winner.id, 800_000_000)], "Điểm cao nhất, giá hợp lý")
    assert award.status is AwardStatus.APPROVED and not award.requires_approval
    assert award.decided_by_id is None and award.decided_at is not None
    assert world.challenge.status is ChallengeStatus.AWARDED
    assert winner.status is SubmissionStatus.AWARDED
    assert all(s.status is SubmissionStatus.NOT_AWARDED for s in losers)
    notified = {n.user_id for n in session.scalars(select(Notification).where(
        Notification.kind == "award.decided"))}
    assert notified == {s.created_by_id for s in world.submissions}
    with pytest.raises(DomainError):  # one award only
        awards.propose(session, world.officer, world.challenge,
                       [Choice(winner.id, 800_000_000)], "Lần nữa")


def _big_award(session, world):
    world.agency.approval_threshold = 500_000_000
    return awards.propose(session, world.officer, world.challenge,
                          [Choice(world.submissions[0].id, 800_000_000)], "Cần phê duyệt")


def test_four_eyes(session, client, login):
    world = scored_world(session)
    award = _big_award(session, world)
    assert award.status is AwardStatus.PROPOSED and award.requires_approval
    assert world.challenge.status is ChallengeStatus.EVALUATING
    assert session.scalar(select(Notification).where(Notification.kind == "award.proposed",
                                                     Notification.user_id == world.approver.id))
    # the proposer may not approve, even holding the approver role too
    world.officer.membership_in(world.agency.id).role = MemberRole.APPROVER
    session.flush()
    with pytest.raises(NotAllowed):
        awards.approve(session, world.officer, award)
    # an officer or an outsider may not either
    outsider = make_user(session)
    session.add(Membership(user=outsider, organization=world.agency, role=MemberRole.OFFICER))
    session.flush()
    with pytest.raises(NotAllowed):
        awards.approve(session, outsider, award)
    # the approver, through the page
    login(world.approver)
    page = f"/evaluation/awards/{award.id}"
    assert client.post_form(f"{page}/approve", token_from=page).status_code == 302
    session.expire_all()
    assert award.status is AwardStatus.APPROVED and award.decided_by_id == world.approver.id
    assert world.challenge.status is ChallengeStatus.AWARDED


def test_four_eyes_is_a_database_check_too(session):
    world = scored_world(session)
    award = _big_award(session, world)
    award.decided_by_id = award.proposed_by_id
    with pytest.raises(IntegrityError), session.begin_nested():
        session.flush()


def test_rejected_award_may_be_proposed_again(session):
    world = scored_world(session)
    award = _big_award(session, world)
    with pytest.raises(DomainError):
        awards.reject(session, world.approver, award, "")
    awards.reject(session, world.approver, award, "Cần giải trình thêm về giá")
    assert award.status is AwardStatus.REJECTED and award.rejection_reason
    assert world.challenge.status is ChallengeStatus.EVALUATING
    again = awards.propose(session, world.officer, world.challenge,
                           [Choice(world.submissions[0].id, 400_000_000)], "Giá thấp hơn")
    assert again.status is AwardStatus.APPROVED


@pytest.mark.parametrize("source, target, allowed", [
    (AwardStatus.PROPOSED, AwardStatus.APPROVED, True),
    (AwardStatus.PROPOSED, AwardStatus.REJECTED, True),
    (AwardStatus.APPROVED, AwardStatus.REJECTED, False),
    (AwardStatus.APPROVED, AwardStatus.PROPOSED, False),
    (AwardStatus.REJECTED, AwardStatus.APPROVED, False),
    (AwardStatus.REJECTED, AwardStatus.PROPOSED, False),
])
def test_award_lifecycle(session, source, target, allowed):
    world = scored_world(session)
    award = _big_award(session, world)
    award.status = source  # arranging the state under test
    if AwardStatus.REJECTED in (source, target):
        award.rejection_reason = "Lý do"
    session.flush()
    if allowed:
        transition(session, award, target, world.approver, lifecycle=AWARD_LIFECYCLE)
        assert award.status is target and award.decided_at is not None
    else:
        with pytest.raises(InvalidTransition):
            transition(session, award, target, world.approver, lifecycle=AWARD_LIFECYCLE)
    assert AWARD_LIFECYCLE.can_move(type("A", (), {"status": source})(), target) is allowed


def test_choosing_a_lower_ranked_submission_is_explained_in_public(session, client):
    world = scored_world(session)
    first, second, third = world.submissions
    awards.propose(session, world.officer, world.challenge,
                   [Choice(second.id, 600_000_000, "Giải pháp xếp thứ nhất không có đội ngũ "
                                                   "tại địa phương")], "Lựa chọn hợp lý")
    html = client.get(f"/challenges/{world.challenge.id}/award").get_data(as_text=True)
    assert second.organization.name_vi in html
    assert "không có đội ngũ tại địa phương" in html
    assert "Không phải hồ sơ xếp hạng nhất" in html
    for loser in (first, third):
        assert loser.organization.name_vi not in html
    for evaluator in world.panel:
        assert evaluator.full_name not in html
    assert "90,00" in html and "70,00" in html and "50,00" in html  # decimal comma
    assert "600.000.000" in html


def test_award_page_is_not_public_before_approval(session, client):
    world = scored_world(session)
    _big_award(session, world)
    assert client.get(f"/challenges/{world.challenge.id}/award").status_code == 404


def test_each_bidder_sees_only_its_own_feedback(session, client, login):
    world = scored_world(session)
    first, second, _ = world.submissions
    awards.propose(session, world.officer, world.challenge, [Choice(first.id, 800_000_000)],
                   "Điểm cao nhất")
    bidder = second.created_by
    login(bidder)
    own = client.get(f"/evaluation/submissions/{second.id}/feedback")
    assert own.status_code == 200
    html = own.get_data(as_text=True)
    assert "70,00" in html and "Nhận xét" in html
    assert "90,00" not in html and first.organization.name_vi not in html
    for evaluator in world.panel:
        assert evaluator.full_name not in html
    assert client.get(f"/evaluation/submissions/{first.id}/feedback").status_code == 404


def test_feedback_waits_for_the_decision(session, client, login):
    world = scored_world(session)
    login(world.submissions[0].created_by)
    assert client.get(f"/evaluation/submissions/{world.submissions[0].id}/feedback") \
        .status_code == 404


def test_no_suitable_solution_cancels_with_a_public_reason(session, client, login):
    world = scored_world(session)
    login(world.officer)
    path = f"/evaluation/challenges/{world.challenge.id}/no-award"
    response = client.post_form(path, {"reason": "Không giải pháp nào đạt yêu cầu an toàn"},
                                token_from=f"/evaluation/challenges/{world.challenge.id}/panel")
    assert response.status_code == 302
    session.expire_all()
    assert world.challenge.status is ChallengeStatus.CANCELLED
    assert world.challenge.cancel_reason == "Không giải pháp nào đạt yêu cầu an toàn"
    assert all(s.status is SubmissionStatus.NOT_AWARDED for s in world.submissions)
    html = client.get(f"/challenges/{world.challenge.id}/award").get_data(as_text=True)
    assert "Không giải pháp nào đạt yêu cầu an toàn" in html


def test_report_has_everything_and_csv_is_safe(session, client, login):
    world = make_evaluation(session, submissions=2)
    first, second = world.submissions
    score(session, world.panel[0], first, [9, 9, 9], comment="=HYPERLINK(\"http://x\")")
    score(session, world.panel[0], second, [7, 7, 7], comment="+1")
    score(session, world.panel[1], first, [8, 8, 8], comment="@SUM(A1)")
    services.declare(session, world.panel[1], second, "other", "-Bạn học cũ")
    world.challenge.min_evaluators = 1
    awards.propose(session, world.officer, world.challenge, [Choice(first.id, 500_000_000)],
                   "-Giải trình")
    login(world.approver)  # any member of the agency reads the report
    response = client.get(f"/evaluation/challenges/{world.challenge.id}/report.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "record"
    cells = [cell for row in rows for cell in row]
    assert "'=HYPERLINK(\"http://x\") Tính đổi mới" in cells
    assert "'+1 Chi phí" in cells and "'@SUM(A1) Tính đổi mới" in cells
    assert "'-Bạn học cũ" in cells and "'-Giải trình" in cells
    assert not any(cell[:1] in "=+-@\t\r" and cell for cell in cells)
    kinds = {row[0] for row in rows[1:]}
    assert {"panel", "standing", "declaration", "evaluation", "score", "award",
            "award_item"} <= kinds
    html = client.get(f"/evaluation/challenges/{world.challenge.id}/report") \
        .get_data(as_text=True)
    assert world.panel[0].full_name in html and "Bạn học cũ" in html
    client.post_form("/logout", token_from="/")
    login(world.submissions[0].created_by)
    assert client.get(f"/evaluation/challenges/{world.challenge.id}/report").status_code == 403


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("ok", "ok"), (None, ""), (5, "5"),
])
def test_safe_cell(value, expected):
    assert report.safe_cell(value) == expected


def test_the_whole_flow_through_the_pages(session, client, login):
    world = make_evaluation(session, submissions=2, status=ChallengeStatus.CLOSED)
    challenge = world.challenge
    login(world.officer)
    panel = f"/evaluation/challenges/{challenge.id}/panel"
    client.post_form(f"/evaluation/challenges/{challenge.id}/start", token_from=panel)
    for i, evaluator in enumerate(world.panel):
        response = client.post_form(panel, {"email": evaluator.email,
                                            **({"chair": "y"} if i == 0 else {})})
        assert response.status_code == 302, response.get_data(as_text=True)
    session.expire_all()
    score_everything(session, world, [[[9, 9, 9], [6, 6, 6]], [[8, 8, 8], [6, 6, 6]]])
    first = world.submissions[0]
    propose = f"/evaluation/challenges/{challenge.id}/award"
    response = client.post_form(propose, {f"choose_{first.id}": "y",
                                          f"amount_{first.id}": "700000000",
                                          "justification": "Điểm cao nhất"})
    assert response.status_code == 302, response.get_data(as_text=True)
    session.expire_all()
    assert challenge.status is ChallengeStatus.AWARDED
    assert client.get(panel).status_code == 200
    assert client.get("/evaluation/").status_code == 200


# --- one cancel rule, whichever page calls it (issue 14) ----------------------------

CANCEL_PAGES = {
    "the challenge's cancel page": "/challenges/{id}/cancel",
    "the panel's no suitable solution": "/evaluation/challenges/{id}/no-award",
}


@pytest.mark.parametrize("page", CANCEL_PAGES)
def test_cancelling_under_evaluation_settles_the_submissions(session, client, login, page):
    world = make_evaluation(session, submissions=3)
    scored, opened, disqualified = world.submissions
    for evaluator in world.panel:
        score(session, evaluator, scored, [8, 8, 8])
    services.disqualify(session, world.officer, disqualified, "Thiếu hồ sơ")
    session.commit()
    assert (scored.status, opened.status) == (SubmissionStatus.SCORED, SubmissionStatus.OPENED)
    login(world.officer)
    path = CANCEL_PAGES[page].format(id=world.challenge.id)
    response = client.post_form(path, {"reason": "Ngân sách bị cắt giảm"},
                                token_from=f"/evaluation/challenges/{world.challenge.id}/panel")
    assert response.status_code == 302
    session.expire_all()
    assert world.challenge.status is ChallengeStatus.CANCELLED
    assert (scored.status, opened.status) == (SubmissionStatus.NOT_AWARDED,
                                              SubmissionStatus.NOT_AWARDED)
    assert disqualified.status is SubmissionStatus.DISQUALIFIED
    told = set(session.scalars(select(Notification.user_id).where(
        Notification.kind == "award.decided")))
    assert {s.created_by_id for s in world.submissions} <= told


@pytest.mark.parametrize("page", CANCEL_PAGES)
def test_no_cancelling_while_an_award_is_proposed(session, client, login, page):
    world = scored_world(session)
    award = _big_award(session, world)
    session.commit()
    login(world.officer)
    path = CANCEL_PAGES[page].format(id=world.challenge.id)
    client.post_form(path, {"reason": "Ngân sách bị cắt giảm"},
                     token_from=f"/evaluation/challenges/{world.challenge.id}/panel")
    session.expire_all()
    assert world.challenge.status is ChallengeStatus.EVALUATING
    assert award.status is AwardStatus.PROPOSED
    assert all(s.status is SubmissionStatus.SCORED for s in world.submissions)


def _links(page: str) -> list[str]:
    return [href for href in re.findall(r'href="(/[^"#]*)', page)
            if not href.startswith(("/static", "/bootstrap"))]


def test_an_award_in_effect_is_public_and_its_page_links_only_where_the_viewer_may_go(
        session, client, login):
    """The rule says public once in effect: a citizen follows the phases page's link to a
    down-selection decision without an account, and no link on the award page answers a
    solver or a citizen with 403 or the login form (its title linked to the panel)."""
    world = scored_world(session)
    waiting = _big_award(session, world)
    session.commit()
    page = f"/evaluation/awards/{waiting.id}"
    assert "/login" in client.get(page).headers["Location"]  # not in effect: agency only
    awards.approve(session, world.approver, waiting)
    session.commit()
    bidder = world.submissions[1].created_by
    for viewer in (None, bidder):
        if viewer:
            login(viewer)
        response = client.get(page)
        assert response.status_code == 200
        for link in _links(response.get_data(as_text=True)):
            answer = client.get(link)
            assert answer.status_code in (200, 302), link
            assert "/login" not in answer.headers.get("Location", ""), link
