"""Demo data of the orders domain: two awarded challenges of the demo agency, one with
an active pilot order part-paid (a milestone paid by a State Treasury transfer, one
accepted and not yet paid, one overdue) and one with a completed pilot, rated by both
sides and recommended for scale-up.

Every status change goes through `lifecycle.transition` or the domain's rules, so the
audit trail is real. The history is replayed today: a step that the present clock (or a
rule another domain has not written yet) would refuse to a person is recorded as the
system's. Idempotent: the active order's contract number is the marker."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from marketplace import policy
from marketplace.challenges.models import Challenge, ChallengeStatus, Criterion
from marketplace.challenges.states import CHALLENGE_LIFECYCLE
from marketplace.demo.accounts import demo_org, demo_user
from marketplace.evaluation.models import Award, AwardItem, AwardStatus
from marketplace.evaluation.states import AWARD_LIFECYCLE
from marketplace.lifecycle import transition
from marketplace.orders import milestones, services
from marketplace.orders.models import PilotOrder
from marketplace.orders.terms import (
    LOCAL_ZONE,
    MilestonePlan,
    OrderTerms,
    local_today,
    terms_sha256,
)
from marketplace.payments.services import record_offline
from marketplace.payments.treasury import TreasuryPayment
from marketplace.submissions.models import Submission, SubmissionStatus
from marketplace.submissions.states import SUBMISSION_LIFECYCLE
from marketplace.taxonomy.models import TaxonomyVersion, TechnologyGroup
from marketplace.types import utcnow

MARKER = "01/2026/HĐ-TNCN"


def _treasury(milestone, number: str, order_date) -> TreasuryPayment:
    """The Department's payment order, executed by the Treasury of Đà Nẵng."""
    return TreasuryPayment(treasury="Kho bạc Nhà nước Đà Nẵng", budget_unit_code="1045678",
                           order_number=number, order_date=order_date, amount=milestone.amount)


def _move(session, obj, target, actor, lifecycle) -> None:
    step = lifecycle.find(getattr(obj, lifecycle.status_attr), target)
    try:
        allowed = actor is not None and policy.can(actor, step.action, obj)
    except LookupError:
        allowed = False
    transition(session, obj, target, actor, lifecycle=lifecycle, by_system=not allowed)


def _group(session, code: str):
    group = session.scalar(select(TechnologyGroup).join(TaxonomyVersion).where(
        TechnologyGroup.code == code, TaxonomyVersion.valid_to.is_(None)).limit(1))
    return group or session.scalar(select(TechnologyGroup).limit(1))


def _awarded(session, *, officer, approver, agency, owner, solver, title, problem, group,
             budget, price, summary):
    now = utcnow()
    challenge = Challenge(
        agency=agency, created_by=officer, title=title, problem=problem,
        expected_outcomes="Kết quả đo được, công bố công khai.",
        technology_group_id=_group(session, group).id, sector="Dịch vụ công",
        pilot_site="Khu công nghệ cao Đà Nẵng", province=agency.province,
        budget_ceiling=budget, pilot_duration_months=8,
        eligible_kinds=["startup", "institute", "university", "enterprise"],
        clarification_deadline=now + timedelta(hours=1),
        submission_deadline=now + timedelta(hours=2))
    for position, (name, weight) in enumerate((("Tính đổi mới", 40), ("Khả thi kỹ thuật", 35),
                                                ("Chi phí", 25))):
        challenge.criteria.append(Criterion(position=position, name=name, weight=weight,
                                            description=f"Đánh giá {name.lower()}."))
    session.add(challenge)
    session.flush()
    _move(session, challenge, ChallengeStatus.PUBLISHED, officer, CHALLENGE_LIFECYCLE)
    submission = Submission(
        challenge=challenge, organization=solver, created_by=owner, summary=summary,
        technical_approach="Thí điểm trên dữ liệu thật, đo theo KPI.", trl=6,
        proposed_price=price, timeline="8 tháng", team="6 kỹ sư và nhà nghiên cứu",
        submitted_at=utcnow(), receipt_digest="d" * 64)
    session.add(submission)
    session.flush()
    _move(session, submission, SubmissionStatus.SUBMITTED, owner, SUBMISSION_LIFECYCLE)
    challenge.submission_deadline = utcnow()  # the demo's deadline is now, then it closes
    challenge.clarification_deadline = challenge.submission_deadline
    _move(session, challenge, ChallengeStatus.CLOSED, None, CHALLENGE_LIFECYCLE)
    _move(session, submission, SubmissionStatus.OPENED, None, SUBMISSION_LIFECYCLE)
    _move(session, challenge, ChallengeStatus.EVALUATING, officer, CHALLENGE_LIFECYCLE)
    _move(session, submission, SubmissionStatus.SCORED, None, SUBMISSION_LIFECYCLE)
    award = Award(challenge=challenge, justification="Giải pháp đạt điểm cao nhất.",
                  total_amount=price, requires_approval=price > agency.approval_threshold,
                  proposed_by_id=officer.id)
    item = AwardItem(award=award, submission=submission, amount=price, rank=1)
    session.add_all([award, item])
    session.flush()
    _move(session, award, AwardStatus.APPROVED, approver, AWARD_LIFECYCLE)
    award.decided_by_id = approver.id
    _move(session, submission, SubmissionStatus.AWARDED, officer, SUBMISSION_LIFECYCLE)
    _move(session, challenge, ChallengeStatus.AWARDED, officer, CHALLENGE_LIFECYCLE)
    return item


def _at(day: date, hour: int = 9) -> datetime:
    """A working-hours moment of a day in Viet Nam, as aware UTC."""
    return datetime.combine(day, time(hour), tzinfo=LOCAL_ZONE).astimezone(UTC)


def _backdate(item: AwardItem, order: PilotOrder, start: date) -> None:
    """The demo plays its story in seconds; its dates are then set back so that it reads as
    it happened: the challenge published before its deadline, closed, evaluated and
    awarded before the contract starts, the contract signed just before it, each accepted
    milestone delivered and accepted around its due date (the audit trail keeps the real
    times)."""
    award, challenge, submission = item.award, item.award.challenge, item.submission
    awarded = _award_time(start)
    challenge.published_at = awarded - timedelta(days=45)
    challenge.clarification_deadline = awarded - timedelta(days=30)
    challenge.submission_deadline = challenge.closed_at = awarded - timedelta(days=20)
    challenge.evaluating_at = awarded - timedelta(days=19)
    challenge.awarded_at = award.decided_at = awarded
    award.proposed_at = awarded - timedelta(days=3)
    submission.submitted_at = awarded - timedelta(days=25)
    order.offered_at = _at(start - timedelta(days=7))
    order.signed_at = _at(start - timedelta(days=5))
    order.active_at = _at(start - timedelta(days=3))
    for milestone in order.milestones:
        if milestone.accepted_at is not None:
            milestone.delivered_at = _at(milestone.due_date - timedelta(days=2))
            milestone.accepted_at = _at(milestone.due_date, hour=15)


def _award_time(start: date) -> datetime:
    """When the demo's award was decided: two weeks before its pilot starts."""
    return _at(start - timedelta(days=14))


def _signed_order(session, item, terms, *, officer, approver, owner) -> PilotOrder:
    # the award is dated first: the product refuses a pilot starting before its award
    item.award.decided_at = item.award.challenge.awarded_at = _award_time(terms.start_date)
    session.flush()
    order = services.draft_order(session, officer, item, terms)
    services.offer(session, officer, order)
    services.sign(session, owner, order, full_name=owner.full_name, confirmed=True,
                  shown_sha256=terms_sha256(order))
    services.countersign(session, approver, order, full_name=approver.full_name,
                         confirmed=True, shown_sha256=terms_sha256(order))
    return order


def load(session) -> str:
    agency = demo_org(session, "agency")
    if agency is None:
        return "orders: no demo accounts"
    if session.scalar(select(PilotOrder.id).where(PilotOrder.agency_id == agency.id,
                                                  PilotOrder.contract_number == MARKER)):
        return "orders: already loaded"
    officer = demo_user(session, "officer@agency.demo.example")
    approver = demo_user(session, "approver@agency.demo.example")
    startup, startup_owner = demo_org(session, "startup"), demo_user(session,
                                                                      "startup@demo.example")
    university = demo_org(session, "university")
    professor = demo_user(session, "university@demo.example")
    people = {"officer": officer, "approver": approver}
    today = local_today()

    # 1. an active order, part-paid
    item = _awarded(session, agency=agency, owner=startup_owner, solver=startup, group="1",
                    title="Điều phối đèn tín hiệu giao thông bằng trí tuệ nhân tạo",
                    problem="Ùn tắc giờ cao điểm tại các nút giao trung tâm Đà Nẵng.",
                    budget=2_000_000_000, price=1_600_000_000,
                    summary="Hệ thống AI học tăng cường điều phối 12 nút giao.", **people)
    start = today - timedelta(days=120)
    plans = (("Khảo sát và lắp đặt cảm biến tại 12 nút giao", 30, 400_000_000),
             ("Mô hình điều phối chạy thử tại 4 nút giao", 75, 500_000_000),
             ("Báo cáo đánh giá giữa kỳ", 110, 300_000_000),
             ("Vận hành toàn bộ 12 nút giao và bàn giao", 230, 400_000_000))
    terms = OrderTerms(
        contract_number=MARKER, value=1_600_000_000, start_date=start,
        end_date=start + timedelta(days=240),
        terms="Dữ liệu camera thuộc sở hữu của Sở; không chuyển ra ngoài lãnh thổ Việt Nam.",
        kpis=(("Thời gian chờ trung bình tại nút giao", "giảm 20%"),
              ("Tỷ lệ thời gian hệ thống hoạt động", "≥ 99%")),
        milestones=tuple(MilestonePlan(d, start + timedelta(days=days), amount)
                         for d, days, amount in plans))
    active = _signed_order(session, item, terms, owner=startup_owner, **people)
    first, second = active.milestones[0], active.milestones[1]
    for milestone in (first, second):
        milestones.deliver(session, startup_owner, milestone,
                           "Đã bàn giao theo hợp đồng, kèm biên bản hiện trường.")
        milestones.accept(session, officer, milestone)
    paid_on = first.due_date + timedelta(days=10)
    record_offline(session, officer, first, paid_on=paid_on,
                   treasury=_treasury(first, "KBNN-DN-2026-004512", paid_on - timedelta(days=1)))
    _backdate(item, active, start)

    # 2. a completed order, rated and recommended for scale-up
    item = _awarded(session, agency=agency, owner=professor, solver=university, group="2",
                    title="Cảm biến chất lượng không khí giá rẻ cho trường học",
                    problem="Thiếu số liệu bụi mịn PM2.5 tại các trường tiểu học.",
                    budget=900_000_000, price=800_000_000,
                    summary="Mạng 50 cảm biến PM2.5 hiệu chuẩn tại chỗ.", **people)
    start = today - timedelta(days=300)
    terms = OrderTerms(
        contract_number="02/2026/HĐ-TNCN", value=800_000_000, start_date=start,
        end_date=start + timedelta(days=240), terms="Mã nguồn phần mềm được chuyển giao cho Sở.",
        kpis=(("Độ lệch so với trạm chuẩn", "≤ 15%"), ("Số trường có số liệu hằng ngày", "≥ 45")),
        milestones=(MilestonePlan("Lắp đặt 50 cảm biến", start + timedelta(days=90),
                                  300_000_000),
                    MilestonePlan("Vận hành 6 tháng và báo cáo", start + timedelta(days=240),
                                  500_000_000)))
    done = _signed_order(session, item, terms, owner=professor, **people)
    for n, milestone in enumerate(done.milestones, start=1):
        milestones.deliver(session, professor, milestone, "Đã hoàn thành, có số liệu kèm theo.")
        milestones.accept(session, officer, milestone)
        paid_on = milestone.due_date + timedelta(days=10)
        record_offline(session, officer, milestone, paid_on=paid_on,
                       treasury=_treasury(milestone, f"KBNN-DN-2026-00{7000 + n}",
                                          paid_on - timedelta(days=2)))
    _backdate(item, done, start)
    milestones.rate_pilot(session, officer, done, {k.id: 5 - i for i, k in enumerate(done.kpis)},
                          "Số liệu đủ tin cậy để đưa vào cảnh báo cho phụ huynh.")
    milestones.rate_agency(session, professor, done,
                           {"fairness": 5, "clarity": 4, "payment_speed": 4},
                           "Yêu cầu rõ ràng, thanh toán đúng hạn.")
    milestones.recommend(session, officer, done, recommended=True,
                         follow_on="Mua sắm mở rộng 300 cảm biến cho toàn bộ trường học "
                                   "của thành phố trong năm 2027, dự toán 3,5 tỷ đồng.")
    return "orders: 2 awarded challenges, an active order part-paid and a completed order"
