"""Signatures bound to the exact terms shown, and amendments signed again by both."""

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from marketplace.audit.models import AuditEvent
from marketplace.errors import DomainError, NotAllowed
from marketplace.orders import amendments, services
from marketplace.orders.models import MilestoneStatus, OrderStatus, PilotOrder
from marketplace.orders.terms import MilestonePlan, OrderTerms, terms_of, terms_sha256
from tests.orders_factories import accept_milestone, make_award_item, make_order


@pytest.fixture(autouse=True)
def in_english(session):
    """Messages are matched in English here (the site's default language is Vietnamese)."""
    with force_locale("en"):
        yield


def test_digest_covers_every_term(session):
    order = make_order(session, status=OrderStatus.DRAFT)
    base = terms_of(order)
    digest = terms_sha256(base)
    assert digest == terms_sha256(order) and len(digest) == 64
    first = base.milestones[0]
    for change in ({"contract_number": "X"}, {"value": base.value + 1},
                   {"start_date": base.start_date - timedelta(days=1)},
                   {"end_date": base.end_date + timedelta(days=1)}, {"terms": base.terms + "."},
                   {"kpis": base.kpis[:1]}, {"version": 2},
                   {"milestones": (MilestonePlan(first.deliverable, first.due_date,
                                                 first.amount + 1),) + base.milestones[1:]}):
        assert terms_sha256(base.with_changes(**change)) != digest, change


def test_sign_and_countersign_through_the_pages(session, client, login):
    order = make_order(session, status=OrderStatus.OFFERED)
    parties = order.parties
    session.commit()
    login(parties.owner)
    page = client.get(f"/orders/{order.id}/sign").get_data(as_text=True)
    digest = terms_sha256(order)
    assert digest in page and "không rời khỏi" in page  # the confidential terms are shown
    response = client.post_form(f"/orders/{order.id}/sign", {
        "full_name": parties.owner.full_name, "confirm": "y", "terms_sha256": digest})
    assert response.status_code == 302
    session.expire_all()
    order = session.get(PilotOrder, order.id)
    assert order.status is OrderStatus.SIGNED and order.signed_terms_sha256 == digest
    assert order.signer_name == parties.owner.full_name and order.signed_at is not None
    client.post_form("/logout", token_from="/")
    login(parties.approver)
    response = client.post_form(f"/orders/{order.id}/sign", {
        "full_name": parties.approver.full_name, "confirm": "y", "terms_sha256": digest})
    assert response.status_code == 302
    session.expire_all()
    order = session.get(PilotOrder, order.id)
    assert order.status is OrderStatus.ACTIVE and order.countersigned_terms_sha256 == digest


def test_signature_refused_when_terms_changed_after_display(session):
    order = make_order(session, status=OrderStatus.DRAFT)
    parties = order.parties
    shown = terms_sha256(order)
    services.update_draft(session, parties.officer, order,
                          terms_of(order).with_changes(terms="Điều khoản đã sửa."))
    services.offer(session, parties.officer, order)
    with pytest.raises(DomainError, match="changed"):
        services.sign(session, parties.owner, order, full_name=parties.owner.full_name,
                      confirmed=True, shown_sha256=shown)
    services.sign(session, parties.owner, order, full_name=parties.owner.full_name,
                  confirmed=True, shown_sha256=terms_sha256(order))
    assert order.status is OrderStatus.SIGNED


@pytest.mark.parametrize("name, confirmed, field", [
    ("Someone Else", True, "full_name"), ("", True, "full_name"), (None, False, "confirm")])
def test_signature_needs_own_name_and_confirmation(session, name, confirmed, field):
    order = make_order(session, status=OrderStatus.OFFERED)
    owner = order.parties.owner
    with pytest.raises(DomainError) as refused:
        services.sign(session, owner, order, full_name=owner.full_name if name is None else name,
                      confirmed=confirmed, shown_sha256=terms_sha256(order))
    assert refused.value.field == field and order.status is OrderStatus.OFFERED


def test_typed_name_tolerates_case_and_spacing(session):
    order = make_order(session, status=OrderStatus.OFFERED)
    owner = order.parties.owner
    services.sign(session, owner, order, full_name=f"  {owner.full_name.upper()} ",
                  confirmed=True, shown_sha256=terms_sha256(order))
    assert order.status is OrderStatus.SIGNED


def test_member_cannot_sign_for_the_solver(session):
    order = make_order(session, status=OrderStatus.OFFERED)
    member = order.parties.member
    with pytest.raises(NotAllowed):
        services.sign(session, member, order, full_name=member.full_name, confirmed=True,
                      shown_sha256=terms_sha256(order))


def _plans(order, changes=None):
    plans = [MilestonePlan(m.deliverable, m.due_date, m.amount, m.id) for m in order.milestones]
    for index, (field, value) in (changes or {}).items():
        plans[index] = MilestonePlan(**{**plans[index].__dict__, field: value})
    return plans


def _sign_amendment(session, amendment, user, shown=None):
    proposed = amendments.proposed_terms(amendment.order, amendment)
    return amendments.sign(session, user, amendment, full_name=user.full_name, confirmed=True,
                           shown_sha256=shown or terms_sha256(proposed))


def test_amendment_signed_by_both_sides_takes_effect(session):
    order = make_order(session, value=1_200_000_000)
    parties = order.parties
    plans = _plans(order)
    last = plans[-1]
    plans[-1] = MilestonePlan(last.deliverable, last.due_date, last.amount + 100_000_000, last.id)
    plans.append(MilestonePlan("Báo cáo mở rộng", order.end_date + timedelta(days=30),
                               50_000_000))
    amendment = amendments.propose(
        session, parties.officer, order, value=1_350_000_000, start_date=order.start_date,
        end_date=order.end_date + timedelta(days=30), milestones=plans, reason="Mở rộng phạm vi.")
    assert order.value == 1_200_000_000  # nothing changes before both have signed
    assert _sign_amendment(session, amendment, parties.owner) is False
    with pytest.raises(DomainError, match="already signed"):
        _sign_amendment(session, amendment, parties.owner)
    assert _sign_amendment(session, amendment, parties.approver) is True
    assert order.value == 1_350_000_000 and order.version == 2 and len(order.milestones) == 4
    assert terms_sha256(order) == amendment.terms_sha256
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "order.amended",
                                                   AuditEvent.object_id == order.id)).public


def test_amendment_rules(session):
    order = make_order(session, value=1_200_000_000)
    parties = order.parties
    accept_milestone(session, order, order.milestones[0])
    common = {"start_date": order.start_date, "end_date": order.end_date, "reason": "Điều chỉnh."}
    with pytest.raises(DomainError, match="awarded amount"):  # never beyond the award
        amendments.propose(session, parties.officer, order, value=1_600_000_000,
                           milestones=_plans(order, {2: ("amount", 800_000_000)}), **common)
    with pytest.raises(DomainError, match="cannot be changed"):  # accepted is history
        amendments.propose(session, parties.officer, order, value=1_200_000_001,
                           milestones=_plans(order, {0: ("amount", 400_000_001)}), **common)
    with pytest.raises(DomainError, match="must add up"):
        amendments.propose(session, parties.officer, order, value=1_100_000_000,
                           milestones=_plans(order), **common)
    with pytest.raises(DomainError, match="changes nothing"):
        amendments.propose(session, parties.officer, order, value=order.value,
                           milestones=_plans(order), **common)
    with pytest.raises(NotAllowed):
        amendments.propose(session, parties.owner, order, value=order.value,
                           milestones=_plans(order), **common)
    amendment = amendments.propose(
        session, parties.officer, order, value=1_100_000_000,
        milestones=_plans(order, {2: ("amount", order.milestones[2].amount - 100_000_000)}),
        **common)
    with pytest.raises(DomainError, match="waiting for signatures"):
        amendments.propose(session, parties.officer, order, value=1_000_000_000,
                           milestones=_plans(order), **common)
    with pytest.raises(DomainError, match="changed"):  # a signature on other terms
        _sign_amendment(session, amendment, parties.owner, shown=terms_sha256(order))
    amendments.withdraw(session, parties.officer, amendment)
    assert order.amendments == [] and order.version == 1


def test_amendment_cannot_be_signed_once_order_changed(session):
    order = make_order(session)
    parties = order.parties
    plans = _plans(order, {0: ("deliverable", "Khảo sát chi tiết")})
    amendment = amendments.propose(session, parties.officer, order, value=order.value,
                                   start_date=order.start_date, end_date=order.end_date,
                                   milestones=plans, reason="Làm rõ.")
    shown = terms_sha256(amendments.proposed_terms(order, amendment))
    order.terms = "Đổi ngầm."  # anything that changes the terms under the proposal
    with pytest.raises(DomainError, match="changed"):
        amendments.sign(session, parties.owner, amendment, full_name=parties.owner.full_name,
                        confirmed=True, shown_sha256=shown)


def test_amendment_form_round_trip(session, client, login):
    order = make_order(session)
    parties = order.parties
    session.commit()
    login(parties.officer)
    page = client.get(f"/orders/{order.id}/amend").get_data(as_text=True)
    assert order.milestones[0].deliverable in page
    data = {"value": "1.200.000.000", "start_date": order.start_date.isoformat(),
            "end_date": (order.end_date + timedelta(days=10)).isoformat(),
            "reason": "Gia hạn."}
    for i, m in enumerate(order.milestones):
        data.update({f"milestones-{i}-id": str(m.id), f"milestones-{i}-deliverable": m.deliverable,
                     f"milestones-{i}-due_date": m.due_date.isoformat(),
                     f"milestones-{i}-amount": str(m.amount)})
    response = client.post_form(f"/orders/{order.id}/amend", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    session.expire_all()
    assert len(session.get(PilotOrder, order.id).amendments) == 1


def test_status_of_milestones_is_not_part_of_the_terms(session):
    order = make_order(session)
    before = terms_sha256(order)
    order.milestones[0].status = MilestoneStatus.DELIVERED
    assert terms_sha256(order) == before
    assert isinstance(terms_of(order), OrderTerms)


def test_draft_checks_apply_to_countersign(session):
    parties = make_award_item(session)
    order = make_order(session, parties, status=OrderStatus.SIGNED)
    with pytest.raises(NotAllowed):
        services.countersign(session, parties.officer, order, full_name=parties.officer.full_name,
                             confirmed=True, shown_sha256=terms_sha256(order))
