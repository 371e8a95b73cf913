"""The standstill after an award, and complaints (kiến nghị): the working-day clock, the
order rules it blocks, the complaint lifecycle (every transition allowed and forbidden),
the remedies of an upheld complaint, and the public register."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from marketplace.audit.models import AuditEvent
from marketplace.challenges.models import ChallengeStatus
from marketplace.complaints import services, standstill
from marketplace.complaints.models import Complaint, ComplaintStatus
from marketplace.complaints.states import COMPLAINT_LIFECYCLE
from marketplace.errors import DomainError, InvalidTransition, NotAllowed
from marketplace.evaluation import awards
from marketplace.evaluation.models import AwardStatus
from marketplace.files.models import Attachment
from marketplace.lifecycle import transition
from marketplace.orders import services as orders
from marketplace.orders.models import OrderStatus
from marketplace.orders.terms import terms_sha256
from marketplace.submissions.models import SubmissionStatus
from marketplace.types import utcnow
from tests import test_opendata_ocds as ocds_tests
from tests.complaints_factories import draft_order, end_standstill, file, make_awarded
from tests.factories import make_user

S = ComplaintStatus
VN = standstill.VIET_NAM


# --- the working-day clock ------------------------------------------------------------

@pytest.mark.parametrize("start, days, end", [
    # Tuesday 1 Dec 2026, 10:00 in Hà Nội: 5 working days end after Tuesday 8 Dec
    (datetime(2026, 12, 1, 10, tzinfo=VN), 5, datetime(2026, 12, 9, tzinfo=VN)),
    # Friday evening: the weekend does not count
    (datetime(2026, 12, 4, 20, tzinfo=VN), 1, datetime(2026, 12, 8, tzinfo=VN)),
    # Thursday 12 Feb 2026, before Tết (16–20 Feb are public holidays): 5 working days
    # are 13, 23, 24, 25, 26 Feb
    (datetime(2026, 2, 12, 9, tzinfo=VN), 5, datetime(2026, 2, 27, tzinfo=VN)),
    # 0 days: no standstill at all
    (datetime(2026, 12, 1, 10, tzinfo=VN), 0, datetime(2026, 12, 1, 10, tzinfo=VN)),
])
def test_working_days_in_viet_nam(start, days, end):
    assert standstill.add_working_days(start.astimezone(UTC), days) == end


def test_a_declared_working_saturday_counts():
    """22 Aug 2026 is a Saturday worked in exchange for the National Day bridge (31 Aug)."""
    assert standstill.is_working_day(datetime(2026, 8, 22).date())
    assert not standstill.is_working_day(datetime(2026, 8, 31).date())
    assert not standstill.is_working_day(datetime(2026, 8, 23).date())


# --- the standstill blocks orders -------------------------------------------------------

def test_the_approval_starts_the_standstill(app, session):
    world = make_awarded(session)
    award = world.award
    assert award.status is AwardStatus.APPROVED
    assert award.standstill_ends_at == standstill.add_working_days(award.decided_at, 5)
    assert standstill.in_standstill(award)
    app.config["STANDSTILL_WORKING_DAYS"] = 2
    standstill.start(award)
    assert award.standstill_ends_at == standstill.add_working_days(award.decided_at, 2)


def test_no_offer_during_the_standstill(session):
    world = make_awarded(session)
    order = draft_order(session, world)  # drafting is allowed
    with pytest.raises(DomainError, match="(?i)standstill|thời gian chờ"):
        orders.offer(session, world.officer, order)
    assert order.status is OrderStatus.DRAFT
    end_standstill(session, world)
    orders.offer(session, world.officer, order)
    assert order.status is OrderStatus.OFFERED


def _sign(session, world, order):
    user = world.winner_user
    orders.sign(session, user, order, full_name=user.full_name, confirmed=True,
                shown_sha256=terms_sha256(order))


def test_no_offer_and_no_signature_while_a_complaint_is_open(session):
    world = make_awarded(session)
    order = draft_order(session, world)
    complaint = file(session, world)
    end_standstill(session, world)
    with pytest.raises(DomainError, match="(?i)complaint|kiến nghị"):
        orders.offer(session, world.officer, order)
    # an order offered before the complaint (say, the standstill was 0 days) cannot be signed
    order.status = OrderStatus.OFFERED
    session.flush()
    with pytest.raises(DomainError, match="(?i)complaint|kiến nghị"):
        _sign(session, world, order)
    services.review(session, world.officer, complaint)
    with pytest.raises(DomainError, match="(?i)complaint|kiến nghị"):
        _sign(session, world, order)
    services.decide(session, world.officer, complaint, upheld=False,
                    reasoning="Điểm tiêu chí 2 được chấm đúng theo hồ sơ mời.")
    _sign(session, world, order)
    assert order.status is OrderStatus.SIGNED


def test_awards_without_a_standstill_are_not_blocked(session):
    """Awards approved before the standstill existed (NULL) offer as before."""
    world = make_awarded(session)
    world.award.standstill_ends_at = None
    order = draft_order(session, world)
    orders.offer(session, world.officer, order)
    assert order.status is OrderStatus.OFFERED


# --- filing -----------------------------------------------------------------------------

def test_a_losing_bidder_files_with_evidence(session):
    world = make_awarded(session)
    complaint = file(session, world)
    assert complaint.status is S.FILED
    assert complaint.organization_id == world.loser.organization_id
    assert complaint.answer_due_at == standstill.add_working_days(complaint.filed_at, 5)
    evidence = session.scalars(select(Attachment).where(
        Attachment.complaint_id == complaint.id)).all()
    assert [a.original_name for a in evidence] == ["bang-chung.pdf"]
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "complaint.filed"))
    assert event.public and "grounds" not in event.after


def test_only_a_bidder_may_file(session):
    world = make_awarded(session)
    for outsider in (make_user(session), world.officer, world.approver, world.panel[0]):
        with pytest.raises(NotAllowed):
            file(session, world, user=outsider)
    file(session, world, user=world.winner_user)  # the winner is a bidder too


def test_only_during_the_standstill(session):
    world = make_awarded(session)
    end_standstill(session, world)
    with pytest.raises(DomainError, match="(?i)standstill|thời gian chờ"):
        file(session, world)
    assert session.scalar(select(Complaint)) is None


def test_grounds_are_required(session):
    world = make_awarded(session)
    with pytest.raises(DomainError):
        file(session, world, grounds="  ")


# --- the lifecycle: every transition, allowed and forbidden -----------------------------

ALLOWED = {(S.FILED, S.UNDER_REVIEW), (S.FILED, S.WITHDRAWN), (S.UNDER_REVIEW, S.WITHDRAWN),
           (S.UNDER_REVIEW, S.UPHELD), (S.UNDER_REVIEW, S.DISMISSED)}


@pytest.mark.parametrize("source", list(S))
@pytest.mark.parametrize("target", list(S))
def test_the_lifecycle_table(source, target):
    assert COMPLAINT_LIFECYCLE.can_move(type("C", (), {"status": source})(), target) == (
        (source, target) in ALLOWED)
    if (source, target) not in ALLOWED:
        with pytest.raises(InvalidTransition):
            COMPLAINT_LIFECYCLE.find(source, target)


def _at(session, world, status):
    complaint = file(session, world)
    if status in (S.UNDER_REVIEW, S.UPHELD, S.DISMISSED):
        services.review(session, world.officer, complaint)
    if status is S.DISMISSED:
        services.decide(session, world.officer, complaint, upheld=False, reasoning="Không có "
                        "căn cứ.")
    if status is S.UPHELD:
        services.decide(session, world.officer, complaint, upheld=True, reasoning="Có căn cứ.",
                        remedy="reevaluate")
    if status is S.WITHDRAWN:
        services.withdraw(session, world.loser_user, complaint)
    return complaint


@pytest.mark.parametrize("source, target, who, allowed", [
    (S.FILED, S.UNDER_REVIEW, "officer", True),
    (S.FILED, S.UNDER_REVIEW, "loser_user", False),
    (S.FILED, S.UNDER_REVIEW, "approver", False),
    (S.FILED, S.WITHDRAWN, "loser_user", True),
    (S.FILED, S.WITHDRAWN, "winner_user", False),
    (S.FILED, S.WITHDRAWN, "officer", False),
    (S.UNDER_REVIEW, S.WITHDRAWN, "loser_user", True),
    (S.UNDER_REVIEW, S.UPHELD, "officer", True),
    (S.UNDER_REVIEW, S.UPHELD, "loser_user", False),
    (S.UNDER_REVIEW, S.DISMISSED, "officer", True),
    (S.UNDER_REVIEW, S.DISMISSED, "approver", False),
])
def test_who_may_move_a_complaint(session, source, target, who, allowed):
    world = make_awarded(session)
    complaint = _at(session, world, source)
    user = getattr(world, who)
    data = {"reasoning": "Lý do."}
    if target in (S.UPHELD, S.DISMISSED):
        complaint.reasoning, complaint.remedy = "Lý do.", (
            services.Remedy.REEVALUATE if target is S.UPHELD else None)
    if allowed:
        transition(session, complaint, target, user, lifecycle=COMPLAINT_LIFECYCLE, data=data)
        assert complaint.status is target
    else:
        with pytest.raises(NotAllowed):
            transition(session, complaint, target, user, lifecycle=COMPLAINT_LIFECYCLE,
                       data=data)


@pytest.mark.parametrize("status", [S.UPHELD, S.DISMISSED, S.WITHDRAWN])
def test_a_closed_complaint_cannot_move(session, status):
    world = make_awarded(session)
    complaint = _at(session, world, status)
    with pytest.raises(InvalidTransition):
        services.withdraw(session, world.loser_user, complaint)
    with pytest.raises(InvalidTransition):
        services.review(session, world.officer, complaint)
    with pytest.raises(InvalidTransition):
        services.decide(session, world.officer, complaint, upheld=False, reasoning="Lại.")


def test_deciding_needs_reasons_and_a_remedy(session):
    world = make_awarded(session)
    complaint = _at(session, world, S.UNDER_REVIEW)
    with pytest.raises(DomainError):
        services.decide(session, world.officer, complaint, upheld=False, reasoning=" ")
    with pytest.raises(DomainError):
        services.decide(session, world.officer, complaint, upheld=True, reasoning="Có căn cứ.",
                        remedy=None)
    with pytest.raises(InvalidTransition):  # not taken up yet: no decision
        services.decide(session, world.officer, _at(session, world, S.FILED), upheld=False,
                        reasoning="Không.")


# --- the remedies ------------------------------------------------------------------------

def test_upheld_sends_the_challenge_back_to_evaluation(session, outbox):
    world = make_awarded(session)
    order = draft_order(session, world)
    complaint = _at(session, world, S.UNDER_REVIEW)
    services.decide(session, world.officer, complaint, upheld=True,
                    reasoning="Tổ chuyên gia chấm sai tiêu chí 2.", remedy="reevaluate")
    assert complaint.status is S.UPHELD and complaint.decided_by_id == world.officer.id
    assert world.award.status is AwardStatus.ANNULLED
    assert world.challenge.status is ChallengeStatus.EVALUATING
    assert {s.status for s in world.submissions} == {SubmissionStatus.SCORED}
    actions = set(session.scalars(select(AuditEvent.action)))
    assert {"complaint.upheld", "award.annulled", "challenge.evaluation_reopened",
            "submission.reconsidered"} <= actions
    # no order can be offered for the annulled award, even after the standstill
    end_standstill(session, world)
    with pytest.raises(DomainError, match="(?i)no longer|không còn"):
        orders.offer(session, world.officer, order)
    # the challenge can be awarded again
    award = awards.propose(session, world.officer, world.challenge,
                           [awards.Choice(world.loser.id, 800_000_000, "Sau kiến nghị")],
                           "Quyết định lại sau kiến nghị.")
    assert award.status is AwardStatus.APPROVED and award.standstill_ends_at is not None
    # every bidder was told of the decision
    from marketplace.notifications.models import Notification

    told = set(session.scalars(select(Notification.user_id).where(
        Notification.kind == "complaint.decided")))
    assert {world.winner_user.id, world.loser_user.id} <= told


def test_upheld_can_cancel_the_challenge(session):
    world = make_awarded(session)
    order = draft_order(session, world)
    complaint = _at(session, world, S.UNDER_REVIEW)
    services.decide(session, world.officer, complaint, upheld=True,
                    reasoning="Hồ sơ mời sai ngay từ đầu.", remedy="cancel")
    assert world.award.status is AwardStatus.ANNULLED
    assert world.challenge.status is ChallengeStatus.CANCELLED
    assert "Hồ sơ mời sai ngay từ đầu." in world.challenge.cancel_reason
    assert {s.status for s in world.submissions} == {SubmissionStatus.NOT_AWARDED}
    end_standstill(session, world)
    with pytest.raises(DomainError, match="(?i)no longer|không còn"):
        orders.offer(session, world.officer, order)


def test_annul_is_only_for_an_upheld_complaint(session):
    world = make_awarded(session)
    with pytest.raises(NotAllowed):
        transition(session, world.award, AwardStatus.ANNULLED, world.officer,
                   lifecycle=awards.AWARD_LIFECYCLE)
    with pytest.raises(NotAllowed):
        transition(session, world.challenge, ChallengeStatus.EVALUATING, world.officer,
                   lifecycle=awards.CHALLENGE_LIFECYCLE)


# --- the register ------------------------------------------------------------------------

def test_the_register_names_the_complainant_only_once_decided(session):
    world = make_awarded(session)
    complaint = _at(session, world, S.UNDER_REVIEW)
    [row] = services.register(session, challenge_id=world.challenge.id)
    assert row.complainant is None and row.reasoning is None and not row.overdue
    complaint.answer_due_at = utcnow() - timedelta(minutes=1)
    assert services.register(session, agency_id=world.agency.id)[0].overdue
    services.decide(session, world.officer, complaint, upheld=False, reasoning="Không có căn cứ.")
    [row] = services.register(session, challenge_id=world.challenge.id)
    assert row.complainant == world.loser.organization.name_vi
    assert row.reasoning == "Không có căn cứ." and not row.overdue
    assert services.counts(session)["dismissed"] == 1


def test_the_register_and_pages(client, login, session):
    world = make_awarded(session)
    complaint = file(session, world, grounds="BÍ-MẬT-CĂN-CỨ-42")
    evidence = session.scalar(select(Attachment).where(Attachment.complaint_id == complaint.id))
    name = world.loser.organization.name_vi
    html = client.get(f"/complaints/?challenge={world.challenge.id}").get_data(as_text=True)
    assert f'id="complaint-{complaint.id}"' in html
    assert name not in html and "BÍ-MẬT-CĂN-CỨ-42" not in html and "bang-chung" not in html
    assert client.get(f"/complaints/{complaint.id}").status_code == 404  # open: parties only
    assert client.get(f"/files/{evidence.id}").status_code == 404
    page = client.get(f"/challenges/{world.challenge.id}").get_data(as_text=True)
    assert "/complaints/?challenge=" in page
    login(world.loser_user)
    assert "BÍ-MẬT-CĂN-CỨ-42" in client.get(f"/complaints/{complaint.id}").get_data(as_text=True)
    assert client.get(f"/files/{evidence.id}").status_code == 200
    services.review(session, world.officer, complaint)
    services.decide(session, world.officer, complaint, upheld=False,
                    reasoning="Tiêu chí được áp dụng đúng.")
    client.post_form("/logout", token_from="/")
    summary = client.get(f"/complaints/{complaint.id}").get_data(as_text=True)
    assert "Tiêu chí được áp dụng đúng." in summary and name in summary
    assert "BÍ-MẬT-CĂN-CỨ-42" not in summary and "bang-chung" not in summary
    assert client.get(f"/files/{evidence.id}").status_code == 404


def test_filing_through_the_form(client, login, session):
    from io import BytesIO

    from tests.submissions_factories import PDF

    world = make_awarded(session)
    login(world.loser_user)
    page = client.get(f"/challenges/{world.challenge.id}").get_data(as_text=True)
    assert f"/complaints/new/{world.challenge.id}" in page
    response = client.post_form(f"/complaints/new/{world.challenge.id}", {
        "contested": "ranking", "grounds": "Điểm tiêu chí 1 không nhất quán.",
        "files": (BytesIO(PDF), "bang-diem.pdf")})
    assert response.status_code == 302
    complaint = session.scalar(select(Complaint))
    assert complaint.contested.value == "ranking"
    assert session.scalar(select(Attachment).where(Attachment.complaint_id == complaint.id))


def test_the_agency_decides_through_the_page(client, login, session):
    world = make_awarded(session)
    complaint = file(session, world)
    login(world.officer)
    assert client.post_form(f"/complaints/{complaint.id}/review", {},
                            token_from=f"/complaints/{complaint.id}").status_code == 302
    session.refresh(complaint)
    assert complaint.status is S.UNDER_REVIEW
    bad = client.post_form(f"/complaints/{complaint.id}/decide",
                           {"outcome": "dismissed", "reasoning": ""},
                           token_from=f"/complaints/{complaint.id}")
    session.refresh(complaint)
    assert bad.status_code == 400 and complaint.status is S.UNDER_REVIEW
    ok = client.post_form(f"/complaints/{complaint.id}/decide",
                          {"outcome": "dismissed", "reasoning": "Không có căn cứ."},
                          token_from=f"/complaints/{complaint.id}")
    assert ok.status_code == 302
    session.refresh(complaint)
    assert complaint.status is S.DISMISSED


def test_the_open_data_publishes_complaints_as_documents(client, session):
    world = make_awarded(session)
    complaint = _at(session, world, S.UNDER_REVIEW)

    def documents():
        package = client.get("/opendata/ocds.json").get_json()
        if ocds_tests.SCHEMA_DIR.joinpath("release-package-schema.json").exists():
            assert not list(ocds_tests.validator().iter_errors(package))
        tender = [r["tender"] for r in package["releases"]  # the latest tender release
                  if r["ocid"].endswith(f"-{world.challenge.id}") and "tender" in r][-1]
        return [d for d in tender.get("documents", []) if d["documentType"] == "complaints"]

    [doc] = documents()
    assert doc["id"] == f"complaint-{complaint.id}"
    assert world.loser.organization.name_vi not in doc["description"]
    assert "Chấm điểm sai" not in doc["description"]  # never the grounds
    services.decide(session, world.officer, complaint, upheld=False, reasoning="Đúng quy định.")
    [doc] = documents()
    assert "Đúng quy định." in doc["description"]
    assert world.loser.organization.name_vi in doc["description"]


def test_the_dashboard_counts_complaints(client, session):
    world = make_awarded(session)
    file(session, world, user=world.winner_user)
    _at(session, world, S.UPHELD)
    from marketplace.dashboard import queries as dashboard

    head = dashboard.headline(session, dashboard.Filters())
    assert (head["complaints"], head["complaints_open"], head["complaints_upheld"]) == (2, 1, 1)
    html = client.get("/dashboard").get_data(as_text=True)
    assert "/complaints/" in html


def test_the_activity_stream_tells_the_register_without_names(client, session):
    world = make_awarded(session)
    complaint = _at(session, world, S.UNDER_REVIEW)
    html = client.get("/activity").get_data(as_text=True)
    assert world.challenge.title in html and world.loser.organization.name_vi not in html
    assert "complaint.filed" not in html  # told by a sentence, not the generic one
    services.decide(session, world.officer, complaint, upheld=True, reasoning="Có căn cứ.",
                    remedy="reevaluate")
    html = client.get("/activity").get_data(as_text=True)
    assert "award.annulled" not in html and "challenge.evaluation_reopened" not in html
