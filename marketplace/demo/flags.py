"""Demo data of issue 18: the Ha Noi Department of Construction's record shows every red
flag (`marketplace/scorecards/flags.py`), so that its scorecard (`/agencies/<id>`), the
ranking and the dashboard have something to point at:

- a challenge with a 10-day submission period, four amendments (the last one the day
  before the deadline) and one valid submission at the close (the other disqualified);
- three challenges awarded to the same institute within two years: one to the solution
  ranked second, one at 99% of the ceiling;
- their orders: one with a milestone accepted 40 days ago and unpaid and a delivery
  waiting 35 days for a verdict, one without any activity for 200 days, one completed,
  paid and rated by both sides.

This is a past the demo tells, not one it plays: the records are written with their
historical statuses and times directly (the other demo steps replay their stories through
the rules, today). Then the flags are computed at once (the worker recomputes them every
15 minutes). Idempotent: the first challenge's title is the marker."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from marketplace.accounts import services as accounts
from marketplace.accounts.models import MemberRole, Membership
from marketplace.challenges.models import Amendment, Challenge, ChallengeStatus, Criterion
from marketplace.demo.accounts import PASSWORD, demo_org, demo_user
from marketplace.demo.orders import _group
from marketplace.evaluation.models import Award, AwardItem, AwardStatus
from marketplace.orders.models import (
    Kpi,
    Milestone,
    MilestoneDelivery,
    MilestoneStatus,
    OrderStatus,
    PilotOrder,
    Rating,
    RatingSide,
)
from marketplace.orders.terms import LOCAL_ZONE
from marketplace.payments.models import Payment, PaymentMethod, PaymentStatus
from marketplace.scorecards import flags
from marketplace.submissions.models import Submission, SubmissionStatus
from marketplace.types import utcnow

MARKER = "Cảm biến giám sát lún nền công trình ngầm"
APPROVER = "approver@hanoi.demo.example"
SHA = "e" * 64


def _challenge(session, agency, officer, *, title, published, days, ceiling, status,
               group="03"):
    deadline = published + timedelta(days=days)
    challenge = Challenge(
        agency=agency, created_by=officer, title=title,
        problem="Sở cần giải pháp đo đạc tự động, số liệu công khai theo thời gian thực.",
        expected_outcomes="Giảm 30% thời gian phát hiện sự cố.",
        technology_group_id=_group(session, group).id, sector="Xây dựng",
        pilot_site="Các công trình ngầm nội đô Hà Nội", province=agency.province,
        budget_ceiling=ceiling, pilot_duration_months=6,
        eligible_kinds=["startup", "institute", "university", "enterprise"],
        clarification_deadline=published + timedelta(days=days // 2),
        submission_deadline=deadline, status=status, published_at=published,
        closed_at=deadline, evaluating_at=deadline + timedelta(days=1),
        awarded_at=deadline + timedelta(days=15) if status is ChallengeStatus.AWARDED else None)
    for position, (name, weight) in enumerate((("Tính đổi mới", 40), ("Khả thi", 35),
                                                ("Chi phí", 25))):
        challenge.criteria.append(Criterion(position=position, name=name, weight=weight))
    session.add(challenge)
    session.flush()
    return challenge


def _bid(session, challenge, org, owner, *, price, status=SubmissionStatus.OPENED,
         reason=""):
    submission = Submission(
        challenge=challenge, organization=org, created_by=owner, status=status,
        summary="Mạng cảm biến và nền tảng phân tích số liệu.",
        technical_approach="Cảm biến sợi quang, truyền LoRaWAN.", trl=6, proposed_price=price,
        timeline="6 tháng", team="5 kỹ sư", receipt_digest="c" * 64,
        submitted_at=challenge.submission_deadline - timedelta(days=1),
        opened_at=challenge.closed_at, disqualification_reason=reason,
        disqualified_at=challenge.closed_at if reason else None)
    session.add(submission)
    session.flush()
    return submission


def _award(session, challenge, officer, approver, submission, *, amount, rank=1):
    award = Award(challenge=challenge, status=AwardStatus.APPROVED,
                  justification="Giải pháp phù hợp nhất với điều kiện công trình.",
                  total_amount=amount, proposed_by_id=officer.id,
                  proposed_at=challenge.awarded_at - timedelta(days=1),
                  decided_by_id=approver.id, decided_at=challenge.awarded_at)
    item = AwardItem(award=award, submission=submission, amount=amount, rank=rank,
                     score=Decimal("85.00") - 5 * (rank - 1),
                     not_top_ranked_reason="" if rank == 1 else
                     "Đơn vị xếp hạng nhất không đáp ứng tiến độ thi công.")
    session.add_all([award, item])
    submission.status = SubmissionStatus.AWARDED
    session.flush()
    return item


def _order(session, item, officer, number, *, status, signed_days_after=5):
    challenge = item.award.challenge
    signed = challenge.awarded_at + timedelta(days=signed_days_after)
    order = PilotOrder(
        award_item=item, challenge=challenge, agency_id=challenge.agency_id,
        solver_id=item.submission.organization_id, contract_number=number, value=item.amount,
        start_date=signed.astimezone(LOCAL_ZONE).date(),
        end_date=signed.astimezone(LOCAL_ZONE).date() + timedelta(days=240),
        terms="Điều khoản chi tiết (bảo mật).", status=status, created_by_id=officer.id,
        offered_at=signed - timedelta(days=1), signed_at=signed, signer_name="Ngô Viện",
        signed_terms_sha256=SHA, active_at=signed + timedelta(days=1),
        countersigner_name="Đỗ Thị Thu Hà", countersigned_terms_sha256=SHA,
        completed_at=signed + timedelta(days=150) if status is OrderStatus.COMPLETED else None)
    order.kpis.append(Kpi(position=0, name="Sai số đo lún", target="≤ 1 mm"))
    session.add(order)
    session.flush()
    return order


def _milestone(session, order, position, amount, status, *, delivered=None, accepted=None,
               paid_after=None, officer=None):
    milestone = Milestone(order=order, position=position, amount=amount, status=status,
                          deliverable=f"Giai đoạn {position + 1}",
                          due_date=order.start_date + timedelta(days=60 * (position + 1)),
                          delivered_at=delivered, accepted_at=accepted,
                          paid_at=accepted + timedelta(days=paid_after)
                          if paid_after is not None else None)
    session.add(milestone)
    session.flush()
    if delivered is not None:
        session.add(MilestoneDelivery(
            milestone=milestone, notes="Báo cáo số liệu và biên bản hiện trường.",
            delivered_by_id=order.created_by_id, delivered_at=delivered,
            verdict="accepted" if accepted else None, decided_at=accepted,
            decided_by_id=officer.id if accepted else None))
    if paid_after is not None:
        paid_on = (accepted + timedelta(days=paid_after)).astimezone(LOCAL_ZONE).date()
        session.add(Payment(
            milestone=milestone, order_id=order.id, amount=amount,
            method=PaymentMethod.OFFLINE, status=PaymentStatus.SUCCEEDED,
            reference=f"KBNN-HN-{milestone.id}", paid_on=paid_on,
            idempotency_key=f"demo-flags-{milestone.id}", created_by_id=officer.id,
            succeeded_at=milestone.paid_at, treasury_name="Kho bạc Nhà nước Hà Nội",
            budget_unit_code="1012345", payment_order_number=f"HN-{milestone.id}",
            payment_order_date=paid_on))
    session.flush()
    return milestone


def load(session) -> str:
    if session.scalar(select(Challenge.id).where(Challenge.title == MARKER)) is not None:
        return "red flags: already loaded"
    agency = demo_org(session, "hanoi")
    officer = demo_user(session, "officer@hanoi.demo.example")
    approver = demo_user(session, APPROVER)
    if approver is None:
        approver = accounts.register(session, email=APPROVER, password=PASSWORD,
                                     full_name="Lý Phê Chuẩn")
        session.add(Membership(user=approver, organization=agency, role=MemberRole.APPROVER))
    institute, enterprise = demo_org(session, "institute"), demo_org(session, "enterprise")
    startup, university = demo_org(session, "startup"), demo_org(session, "university")
    solver_owner = demo_user(session, "institute@demo.example")
    now = utcnow()

    # one valid submission, a 10-day period, four amendments, the last one day before
    single = _challenge(session, agency, officer, title=MARKER, published=now - timedelta(days=30),
                        days=10, ceiling=900_000_000, status=ChallengeStatus.EVALUATING)
    _bid(session, single, startup, demo_user(session, "startup@demo.example"),
         price=850_000_000)
    _bid(session, single, university, demo_user(session, "university@demo.example"),
         price=700_000_000, status=SubmissionStatus.DISQUALIFIED,
         reason="Thiếu giấy phép hoạt động đo đạc.")
    for day in (1, 3, 6, 9):
        session.add(Amendment(challenge=single, created_by_id=officer.id,
                              created_at=single.published_at + timedelta(days=day, hours=2),
                              summary=f"Điều chỉnh yêu cầu kỹ thuật (lần {day})."))

    # the same institute, three awards in two years: ranked second; at 99% of the ceiling
    second = _challenge(session, agency, officer, title="Quan trắc nứt kết cấu cầu vượt",
                        published=now - timedelta(days=400), days=30,
                        ceiling=2_000_000_000, status=ChallengeStatus.AWARDED)
    _bid(session, second, enterprise, demo_user(session, "enterprise@demo.example"),
         price=1_500_000_000)
    won = _bid(session, second, institute, solver_owner, price=1_800_000_000)
    item = _award(session, second, officer, approver, won, amount=1_800_000_000, rank=2)
    overdue = _order(session, item, officer, "HN-CB-01/2025", status=OrderStatus.ACTIVE)
    start = overdue.active_at
    _milestone(session, overdue, 0, 600_000_000, MilestoneStatus.PAID,
               delivered=start + timedelta(days=55), accepted=start + timedelta(days=60),
               paid_after=48, officer=officer)
    _milestone(session, overdue, 1, 600_000_000, MilestoneStatus.ACCEPTED,
               delivered=now - timedelta(days=45), accepted=now - timedelta(days=40),
               officer=officer)
    _milestone(session, overdue, 2, 300_000_000, MilestoneStatus.DELIVERED,
               delivered=now - timedelta(days=35), officer=officer)
    _milestone(session, overdue, 3, 300_000_000, MilestoneStatus.PLANNED)

    near = _challenge(session, agency, officer, title="Bản đồ số hạ tầng ngầm quận Đống Đa",
                      published=now - timedelta(days=300), days=30, ceiling=1_000_000_000,
                      status=ChallengeStatus.AWARDED)
    won = _bid(session, near, institute, solver_owner, price=990_000_000)
    _bid(session, near, startup, demo_user(session, "startup@demo.example"),
         price=950_000_000, status=SubmissionStatus.NOT_AWARDED)
    item = _award(session, near, officer, approver, won, amount=990_000_000)
    stalled = _order(session, item, officer, "HN-CB-02/2025", status=OrderStatus.ACTIVE)
    _milestone(session, stalled, 0, 500_000_000, MilestoneStatus.PLANNED)
    _milestone(session, stalled, 1, 490_000_000, MilestoneStatus.PLANNED)

    done = _challenge(session, agency, officer, title="Cảnh báo ngập hầm chui",
                      published=now - timedelta(days=260), days=30, ceiling=800_000_000,
                      status=ChallengeStatus.AWARDED)
    won = _bid(session, done, institute, solver_owner, price=600_000_000)
    _bid(session, done, enterprise, demo_user(session, "enterprise@demo.example"),
         price=700_000_000, status=SubmissionStatus.NOT_AWARDED)
    item = _award(session, done, officer, approver, won, amount=600_000_000)
    completed = _order(session, item, officer, "HN-CB-03/2025", status=OrderStatus.COMPLETED)
    start = completed.active_at
    _milestone(session, completed, 0, 300_000_000, MilestoneStatus.PAID,
               delivered=start + timedelta(days=40), accepted=start + timedelta(days=45),
               paid_after=4, officer=officer)
    _milestone(session, completed, 1, 300_000_000, MilestoneStatus.PAID,
               delivered=start + timedelta(days=120), accepted=start + timedelta(days=125),
               paid_after=26, officer=officer)
    kpi = completed.kpis[0]
    session.add_all([
        Rating(order=completed, side=RatingSide.SOLVER, average=Decimal("2.67"),
               scores={"fairness": 3, "clarity": 3, "payment_speed": 2},
               comment="Hồ sơ mời sửa nhiều lần; thanh toán đợt 2 chậm.",
               rated_by_id=solver_owner.id),
        Rating(order=completed, side=RatingSide.AGENCY, average=Decimal("4.00"),
               scores={f"kpi:{kpi.id}": 4}, comment="Đạt sai số mục tiêu.",
               rated_by_id=officer.id)])
    session.flush()
    count = flags.recompute(session, flags.Thresholds.from_config(current_app.config))
    return f"red flags: 4 challenges of {agency.name_vi}, {count} flags computed"
