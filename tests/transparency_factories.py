"""Factories for the transparency tests: awards, orders, milestones, payments and ratings
created directly with the models (the rules that make them belong to other domains).

`make_process(session, ...)` builds a whole public contracting process: an agency's
challenge, closed with bids, awarded, a pilot order, milestones, payments, ratings."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

from marketplace.accounts.models import MemberRole, OrgKind
from marketplace.challenges.models import ChallengeStatus
from marketplace.evaluation.models import Award, AwardItem, AwardStatus
from marketplace.orders.models import (
    Milestone,
    MilestoneStatus,
    OrderStatus,
    PilotOrder,
    Rating,
    RatingSide,
)
from marketplace.orders.terms import LOCAL_ZONE
from marketplace.payments.models import Payment, PaymentMethod, PaymentStatus
from marketplace.submissions.models import ConsortiumPartner, PartnerStatus, SubmissionStatus
from marketplace.types import utcnow
from tests import factories

_seq = itertools.count(1)
SHA = "a" * 64


def make_closed_challenge(session, *, status=ChallengeStatus.EVALUATING, published=None,
                          **overrides):
    """A challenge past its deadline (closed, evaluating, awarded or cancelled after close)."""
    published = published or utcnow() - timedelta(days=60)
    stamps = {"published_at": published,
              "clarification_deadline": published + timedelta(days=10),
              "submission_deadline": published + timedelta(days=20),
              "closed_at": published + timedelta(days=20)}
    if status in (ChallengeStatus.EVALUATING, ChallengeStatus.AWARDED):
        stamps["evaluating_at"] = published + timedelta(days=21)
    stamps.update(overrides)
    return factories.make_challenge(session, status=status, **stamps)


def make_bid(session, challenge, *, kind=OrgKind.STARTUP, status=SubmissionStatus.OPENED,
             partners: list[tuple[OrgKind, PartnerStatus]] = (), **overrides):
    member = factories.make_user(session)
    org = factories.make_org(session, kind=kind, members={member: MemberRole.OWNER})
    submission = factories.make_submission(session, challenge=challenge, organization=org,
                                           member=member, status=status, **overrides)
    for partner_kind, partner_status in partners:
        partner = factories.make_org(session, kind=partner_kind)
        session.add(ConsortiumPartner(submission=submission, organization=partner,
                                      status=partner_status, invited_by_id=member.id))
    session.flush()
    return submission


def make_award(session, challenge, items: list[tuple], *, decided_at=None,
               status=AwardStatus.APPROVED, justification="Giải pháp tốt nhất theo tiêu chí."):
    """An award decision on `challenge`: items are (submission, amount)."""
    proposer = challenge.created_by
    approver = factories.make_user(session)
    decided_at = decided_at or (challenge.evaluating_at or utcnow()) + timedelta(days=5)
    award = Award(challenge=challenge, status=status, justification=justification,
                  total_amount=sum(amount for _s, amount in items), proposed_by=proposer,
                  proposed_at=decided_at - timedelta(days=1),
                  decided_by=approver if status is not AwardStatus.PROPOSED else None,
                  decided_at=decided_at if status is not AwardStatus.PROPOSED else None,
                  rejection_reason="Chưa đủ căn cứ." if status is AwardStatus.REJECTED else "")
    for rank, (submission, amount) in enumerate(items, start=1):
        award.items.append(AwardItem(submission=submission, amount=amount, rank=rank,
                                     score=Decimal("80.50") - rank,
                                     not_top_ranked_reason="" if rank == 1 else "Song song."))
    session.add(award)
    session.flush()
    return award


def make_order(session, item: AwardItem, *, status=OrderStatus.ACTIVE, signed_at=None,
               value=None, terms="Điều khoản mật: giá chi tiết 123", **overrides):
    challenge = item.award.challenge
    signed_at = signed_at or (item.award.decided_at + timedelta(days=3))
    signed = status in (OrderStatus.SIGNED, OrderStatus.ACTIVE, OrderStatus.COMPLETED,
                        OrderStatus.TERMINATED)
    active = status in (OrderStatus.ACTIVE, OrderStatus.COMPLETED, OrderStatus.TERMINATED)
    data = {
        "contract_number": f"HĐ-{next(_seq):04d}/2026",
        "value": value or item.amount,
        "start_date": signed_at.date(),
        "end_date": signed_at.date() + timedelta(days=180),
        "terms": terms,
        "status": status,
        "offered_at": signed_at - timedelta(days=1),
        "signed_at": signed_at if signed else None,
        "signed_terms_sha256": SHA if signed else None,
        "signer_name": "Nguyễn Văn A" if signed else "",
        "active_at": signed_at + timedelta(days=1) if active else None,
        "countersigned_terms_sha256": SHA if active else None,
        "countersigner_name": "Trần Thị B" if active else "",
        "created_by_id": challenge.created_by_id,
    }
    if status is OrderStatus.TERMINATED:
        data.update(terminated_at=signed_at + timedelta(days=30),
                    termination_reason="Đơn vị giải pháp không bàn giao đúng hạn.")
    if status is OrderStatus.COMPLETED:
        data.update(completed_at=signed_at + timedelta(days=150))
    data.update(overrides)
    order = PilotOrder(award_item=item, challenge=challenge, agency_id=challenge.agency_id,
                       solver_id=item.submission.organization_id, **data)
    session.add(order)
    session.flush()
    return order


def make_milestone(session, order, *, amount, status=MilestoneStatus.PLANNED, accepted_at=None,
                   paid_at=None, position=None, deliverable=None):
    if status in (MilestoneStatus.ACCEPTED, MilestoneStatus.PAID):
        accepted_at = accepted_at or (order.active_at or utcnow()) + timedelta(days=20)
    if status is MilestoneStatus.PAID:
        paid_at = paid_at or accepted_at + timedelta(days=4)
    milestone = Milestone(order=order, amount=amount, status=status,
                          position=position if position is not None else len(order.milestones),
                          deliverable=deliverable or f"Bàn giao giai đoạn {next(_seq)}",
                          due_date=order.start_date + timedelta(days=60),
                          delivered_at=accepted_at - timedelta(days=2) if accepted_at else None,
                          accepted_at=accepted_at, paid_at=paid_at)
    session.add(milestone)
    session.flush()
    return milestone


def make_payment(session, milestone, *, status=PaymentStatus.SUCCEEDED, succeeded_at=None,
                 amount=None, reference="KBNN-0001"):
    succeeded_at = succeeded_at or milestone.paid_at
    payment = Payment(milestone=milestone, order_id=milestone.order_id,
                      amount=amount or milestone.amount, method=PaymentMethod.OFFLINE,
                      status=status, reference=reference,
                      paid_on=succeeded_at.astimezone(LOCAL_ZONE).date() if succeeded_at else None,
                      idempotency_key=f"idem-{next(_seq)}",
                      created_by_id=milestone.order.created_by_id,
                      succeeded_at=succeeded_at if status is PaymentStatus.SUCCEEDED else None,
                      failure_message="Từ chối" if status is PaymentStatus.FAILED else "")
    session.add(payment)
    session.flush()
    return payment


def make_paid_milestone(session, order, *, amount, accepted_at=None, paid_after_days=4):
    accepted_at = accepted_at or (order.active_at + timedelta(days=20))
    milestone = make_milestone(session, order, amount=amount, status=MilestoneStatus.PAID,
                               accepted_at=accepted_at,
                               paid_at=accepted_at + timedelta(days=paid_after_days))
    make_payment(session, milestone)
    return milestone


def make_rating(session, order, side: RatingSide, average: str):
    rating = Rating(order=order, side=side, average=Decimal(average),
                    scores={"fairness": 4}, comment="Nhận xét riêng",
                    rated_by_id=order.created_by_id)
    session.add(rating)
    session.flush()
    return rating


def make_process(session, *, order_status=OrderStatus.ACTIVE, bids: int = 2, **challenge_kw):
    """An awarded challenge with `bids` bids, its award to the first, an order, one paid
    and one planned milestone."""
    challenge = make_closed_challenge(session, status=ChallengeStatus.AWARDED, **challenge_kw)
    submissions = [make_bid(session, challenge) for _ in range(bids)]
    challenge.awarded_at = challenge.evaluating_at + timedelta(days=5)
    award = make_award(session, challenge, [(submissions[0], 1_000_000_000)],
                       decided_at=challenge.awarded_at)
    order = make_order(session, award.items[0], status=order_status)
    make_paid_milestone(session, order, amount=400_000_000)
    make_milestone(session, order, amount=600_000_000)
    return challenge, award, order


def today() -> date:
    return utcnow().date()
