"""Factories of the orders domain: an approved award item with its two parties, and
pilot orders brought to a status through the real rules and transitions."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from marketplace.accounts.models import MemberRole, Organization, User
from marketplace.challenges.models import Challenge, ChallengeStatus
from marketplace.evaluation.models import Award, AwardItem, AwardStatus
from marketplace.orders import services
from marketplace.orders.models import OrderStatus, PilotOrder
from marketplace.orders.terms import (
    LOCAL_ZONE,
    MilestonePlan,
    OrderTerms,
    local_today,
    terms_sha256,
)
from marketplace.submissions.models import SubmissionStatus
from marketplace.types import utcnow
from tests import factories

_seq = itertools.count(1)


@dataclass
class Parties:
    officer: User
    approver: User
    owner: User  # the solver's owner: signs
    member: User  # a solver member: reports deliveries
    outsider: User
    agency: Organization
    solver: Organization
    challenge: Challenge
    item: AwardItem


def make_award_item(session, *, amount: int = 1_500_000_000, budget: int = 2_000_000_000,
                    parties: Parties | None = None) -> Parties:
    """An approved award item. Given `parties`, another item on the same challenge and
    award, for another solver (parallel pilots)."""
    if parties is None:
        officer, approver = factories.make_user(session), factories.make_user(session)
        agency = factories.make_agency(session, officer=officer, approver=approver)
        challenge = factories.make_challenge(session, agency=agency, creator=officer,
                                             status=ChallengeStatus.AWARDED,
                                             budget_ceiling=budget,
                                             parallel_pilots_allowed=True)
        award = Award(challenge=challenge, status=AwardStatus.APPROVED,
                      justification="Điểm cao nhất.", total_amount=amount,
                      proposed_by_id=officer.id, decided_by_id=approver.id,
                      decided_at=utcnow())
        session.add(award)
        outsider = factories.make_user(session)
    else:
        officer, approver, agency = parties.officer, parties.approver, parties.agency
        challenge, award, outsider = parties.challenge, parties.item.award, parties.outsider
        award.total_amount += amount
    owner, member = factories.make_user(session), factories.make_user(session)
    solver = factories.make_org(session, members={owner: MemberRole.OWNER,
                                                  member: MemberRole.MEMBER})
    submission = factories.make_submission(session, challenge=challenge, organization=solver,
                                           member=owner, status=SubmissionStatus.AWARDED)
    item = AwardItem(award=award, submission=submission, amount=amount,
                     rank=1 if parties is None else 2,
                     not_top_ranked_reason="" if parties is None else "Thí điểm song song.")
    session.add(item)
    session.flush()
    return Parties(officer, approver, owner, member, outsider, agency, solver, challenge, item)


def order_terms(*, value: int = 1_200_000_000, amounts: tuple[int, ...] | None = None,
                start: date | None = None, days: int = 180, contract_number: str | None = None,
                due_offsets: tuple[int, ...] | None = None) -> OrderTerms:
    start = start or local_today()
    amounts = amounts or (value // 3, value // 3, value - 2 * (value // 3))
    offsets = due_offsets or tuple((i + 1) * days // len(amounts) for i in range(len(amounts)))
    return OrderTerms(
        contract_number=contract_number or f"HĐ-{next(_seq):04d}/2026",
        value=value, start_date=start, end_date=start + timedelta(days=days),
        terms="Điều khoản bảo mật: bên B bảo đảm dữ liệu **không rời khỏi** máy chủ.",
        kpis=(("Thời gian chờ trung bình", "giảm 20%"), ("Độ chính xác", "≥ 95%")),
        milestones=tuple(MilestonePlan(f"Sản phẩm giai đoạn {i + 1}",
                                       start + timedelta(days=offsets[i]), amount)
                         for i, amount in enumerate(amounts)))


def make_order(session, parties: Parties | None = None, *,
               status: OrderStatus = OrderStatus.ACTIVE, **terms) -> PilotOrder:
    """A pilot order taken to `status` through the rules, as the parties would."""
    parties = parties or make_award_item(session)
    drafted = order_terms(**terms)
    award = parties.item.award
    if services.award_day(parties.item) > drafted.start_date:
        # a pilot in the past: its award was decided before it (the rule refuses otherwise)
        award.decided_at = datetime.combine(drafted.start_date - timedelta(days=1), time(9),
                                            tzinfo=LOCAL_ZONE).astimezone(UTC)
        session.flush()
    order = services.draft_order(session, parties.officer, parties.item, drafted)
    steps = [OrderStatus.OFFERED, OrderStatus.SIGNED, OrderStatus.ACTIVE]
    for step in steps[:steps.index(status) + 1] if status in steps else []:
        if step is OrderStatus.OFFERED:
            services.offer(session, parties.officer, order)
        elif step is OrderStatus.SIGNED:
            services.sign(session, parties.owner, order, full_name=parties.owner.full_name,
                          confirmed=True, shown_sha256=terms_sha256(order))
        else:
            services.countersign(session, parties.approver, order,
                                 full_name=parties.approver.full_name, confirmed=True,
                                 shown_sha256=terms_sha256(order))
    order.parties = parties  # for the tests' convenience; not persisted
    return order


def accept_milestone(session, order: PilotOrder, milestone) -> None:
    from io import BytesIO

    from marketplace.orders import milestones

    parties = order.parties
    milestones.deliver(session, parties.member, milestone, "Đã bàn giao.",
                       [(BytesIO(b"%PDF-1.4 bien ban"), "bien-ban.pdf")])
    milestones.accept(session, parties.officer, milestone)


def treasury_payment(milestone, number: str = "", **changes):
    """A well-formed State Treasury payment order for exactly the milestone's amount."""
    from dataclasses import replace

    from marketplace.payments.treasury import TreasuryPayment

    record = TreasuryPayment(treasury="Kho bạc Nhà nước Đà Nẵng", budget_unit_code="1012345",
                             order_number=number or f"UNC-{next(_seq)}",
                             order_date=local_today(), amount=milestone.amount)
    return replace(record, **changes)
