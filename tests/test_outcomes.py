"""Issue 17: outcomes, the catalogue entry and follow-on orders — the transition tables
allowed and forbidden, who may take each step, and the rules (proven needs the KPIs met,
a follow-on order stays within the offer, four eyes above the threshold)."""

import itertools
from datetime import timedelta

import pytest

from marketplace import policy
from marketplace.errors import DomainError, InvalidTransition, NotAllowed
from marketplace.orders import services as orders
from marketplace.orders.models import OrderKind, OrderStatus
from marketplace.orders.terms import local_today
from marketplace.outcomes import queries, services
from marketplace.outcomes.models import EntryStatus as E
from marketplace.outcomes.models import KpiVerdict, OutcomeResult, OutcomeStatus
from marketplace.outcomes.models import OutcomeStatus as S
from marketplace.outcomes.states import CATALOGUE_LIFECYCLE, OUTCOME_LIFECYCLE
from tests.orders_factories import make_order, order_terms
from tests.outcomes_factories import complete, kpi_lines, make_buyer, make_entry, make_outcome

OUTCOME_ALLOWED = {(S.DRAFT, S.PUBLISHED)}
ENTRY_ALLOWED = {(E.PENDING, E.LISTED), (E.LISTED, E.WITHDRAWN), (E.WITHDRAWN, E.LISTED)}


@pytest.mark.parametrize("source, target", list(itertools.product(S, S)))
def test_outcome_table(source, target):
    if (source, target) in OUTCOME_ALLOWED:
        assert OUTCOME_LIFECYCLE.find(source, target).public
    else:
        with pytest.raises(InvalidTransition):
            OUTCOME_LIFECYCLE.find(source, target)


@pytest.mark.parametrize("source, target", list(itertools.product(E, E)))
def test_catalogue_table(source, target):
    if (source, target) in ENTRY_ALLOWED:
        assert CATALOGUE_LIFECYCLE.find(source, target).public
    else:
        with pytest.raises(InvalidTransition):
            CATALOGUE_LIFECYCLE.find(source, target)


ROLES = ("officer", "approver", "owner", "member", "outsider")


@pytest.mark.parametrize("role", ROLES)
def test_only_the_agency_officer_records_and_publishes(session, role):
    order = complete(session, make_order(session))
    user = getattr(order.parties, role)
    assert policy.can(user, "outcome.record", order) is (role == "officer")
    outcome = make_outcome(session, order, publish=False)
    assert policy.can(user, "outcome.publish", outcome) is (role == "officer")
    assert policy.can(user, "outcome.view", outcome) is (role != "outsider")
    assert not policy.can(None, "outcome.view", outcome)


def test_no_outcome_while_the_order_runs(session):
    order = make_order(session)
    assert not policy.can(order.parties.officer, "outcome.record", order)
    with pytest.raises(NotAllowed):
        services.save_outcome(session, order.parties.officer, order,
                              result=OutcomeResult.PROVEN, lessons="x", lines=[])


def test_proven_needs_every_kpi_met(session):
    order = complete(session, make_order(session))
    officer = order.parties.officer
    with pytest.raises(DomainError) as missing:
        services.save_outcome(session, officer, order, result=OutcomeResult.PROVEN,
                              lessons="", lines=kpi_lines(order)[:1])
    assert missing.value.field == "kpis"
    with pytest.raises(DomainError) as not_met:
        services.save_outcome(session, officer, order, result=OutcomeResult.PROVEN,
                              lessons="", lines=kpi_lines(order, KpiVerdict.NOT_MET))
    assert not_met.value.field == "result"
    with pytest.raises(DomainError):  # only a terminated order's outcome is "terminated"
        services.save_outcome(session, officer, order, result=OutcomeResult.TERMINATED,
                              lessons="", lines=[])


def test_not_proven_opens_no_entry_and_publish_needs_lessons(session):
    order = complete(session, make_order(session))
    outcome = services.save_outcome(session, order.parties.officer, order,
                                    result=OutcomeResult.NOT_PROVEN, lessons="  ",
                                    lines=kpi_lines(order, KpiVerdict.NOT_MET))
    with pytest.raises(DomainError) as error:
        services.publish_outcome(session, order.parties.officer, outcome)
    assert error.value.field == "lessons"
    outcome.lessons = "Công nghệ chưa đạt độ chính xác trong điều kiện mưa lớn."
    assert services.publish_outcome(session, order.parties.officer, outcome) is None
    assert outcome.status is OutcomeStatus.PUBLISHED and outcome.published_at
    assert not policy.can(order.parties.officer, "outcome.record", order)  # final


def test_terminated_order_outcome(session):
    order = make_order(session)
    orders.terminate(session, order.parties.officer, order, "Đơn vị giải pháp giải thể.")
    outcome = services.save_outcome(session, order.parties.officer, order,
                                    result=OutcomeResult.TERMINATED,
                                    lessons="Kiểm tra năng lực tài chính.", lines=[])
    assert services.publish_outcome(session, order.parties.officer, outcome) is None


def test_entry_is_listed_once_offer_and_facts_are_in(session):
    entry = make_entry(session, listed=False)
    parties = entry.parties
    assert entry.status is E.PENDING
    offer = services.Offer(unit="bộ", reference_price=50_000_000, conditions="",
                           valid_until=local_today() + timedelta(days=30))
    for role in ("officer", "member", "outsider"):
        assert not policy.can(getattr(parties, role), "catalogue.write_offer", entry)
    with pytest.raises(NotAllowed):
        services.write_offer(session, parties.officer, entry, offer)
    with pytest.raises(DomainError) as error:
        services.write_offer(session, parties.owner, entry,
                             services.Offer("bộ", 50_000_000, "", local_today()
                                            - timedelta(days=1)))
    assert error.value.field == "valid_until"
    services.write_offer(session, parties.owner, entry, offer)
    assert entry.status is E.PENDING
    assert not policy.can(parties.owner, "catalogue.confirm", entry)
    services.confirm_facts(session, parties.officer, entry)
    assert entry.status is E.LISTED and entry.listed_at
    assert not policy.can(parties.officer, "catalogue.confirm", entry)  # once
    services.withdraw_offer(session, parties.owner, entry)
    assert entry.status is E.WITHDRAWN
    services.relist(session, parties.owner, entry)
    assert entry.status is E.LISTED


def test_follow_on_within_the_offer(session):
    entry = make_entry(session, price=100_000_000)
    buyer = make_buyer(session)
    pilot = entry.order
    cite = f"Căn cứ kết quả thí điểm hợp đồng {pilot.contract_number}."
    assert policy.can(buyer.officer, "followon.place", entry)
    assert not policy.can(buyer.approver, "followon.place", entry)
    assert not policy.can(entry.parties.owner, "followon.place", entry)
    with pytest.raises(DomainError) as over:
        services.place_follow_on(session, buyer.officer, entry, buyer.agency,
                                 order_terms(value=300_000_001), quantity=3,
                                 scope="3 điểm", justification=cite)
    assert over.value.field == "value"
    with pytest.raises(DomainError) as uncited:
        services.place_follow_on(session, buyer.officer, entry, buyer.agency,
                                 order_terms(value=300_000_000), quantity=3,
                                 scope="3 điểm", justification="Vì tốt.")
    assert uncited.value.field == "justification"
    order = services.place_follow_on(session, buyer.officer, entry, buyer.agency,
                                     order_terms(value=300_000_000), quantity=3,
                                     scope="3 điểm", justification=cite)
    assert order.kind is OrderKind.FOLLOW_ON and order.follows is pilot
    assert order.agency is buyer.agency and order.solver_id == entry.solver_id
    assert pilot.follow_ons == [order]
    # it does not count against the pilot's challenge budget
    assert orders.committed(session, pilot.challenge_id) == pilot.value
    # within the threshold: offered at once, then signed by both as any order
    orders.offer(session, buyer.officer, order)
    orders.sign(session, entry.parties.owner, order, full_name=entry.parties.owner.full_name,
                confirmed=True, shown_sha256=__import__(
                    "marketplace.orders.terms", fromlist=["x"]).terms_sha256(order))
    assert order.status is OrderStatus.SIGNED and order.is_public
    figures = queries.scale_up(session)
    assert figures["proven"] == 1 and figures["with_follow_on"] == 1
    assert figures["follow_on_value"] == 300_000_000
    assert figures["median_days_to_follow_on"] == 0.0  # signed the day it completed


def test_follow_on_above_threshold_needs_the_approver(session):
    entry = make_entry(session, price=600_000_000)
    buyer = make_buyer(session, threshold=500_000_000)
    order = services.place_follow_on(
        session, buyer.officer, entry, buyer.agency, order_terms(value=1_200_000_000),
        quantity=2, scope="2 bộ", justification=f"Theo {entry.order.contract_number}")
    assert not policy.can(buyer.officer, "order.offer", order)
    assert not policy.can(buyer.officer, "order.approve_follow_on", order)
    services.approve_follow_on(session, buyer.approver, order)
    assert policy.can(buyer.officer, "order.offer", order)
    assert not policy.can(buyer.approver, "order.approve_follow_on", order)  # once


def test_no_follow_on_from_a_withdrawn_or_expired_entry(session):
    entry = make_entry(session)
    buyer = make_buyer(session)
    entry.valid_until = local_today() - timedelta(days=1)
    assert not policy.can(buyer.officer, "followon.place", entry)
    entry.valid_until = local_today()
    services.withdraw_offer(session, entry.parties.owner, entry)
    assert not policy.can(buyer.officer, "followon.place", entry)


def test_sandbox_permission(session):
    order = make_order(session)
    sandbox = services.Sandbox("123/QĐ-BKHCN", "Bộ Khoa học và Công nghệ",
                               "Thử nghiệm trên 3 tuyến phố", local_today(),
                               local_today() - timedelta(days=1))
    with pytest.raises(DomainError) as error:
        services.record_sandbox(session, order.parties.officer, order, sandbox)
    assert error.value.field == "ends_on"
    with pytest.raises(NotAllowed):
        services.record_sandbox(session, order.parties.owner, order, sandbox)
    services.record_sandbox(session, order.parties.officer, order, services.Sandbox(
        "123/QĐ-BKHCN", "Bộ Khoa học và Công nghệ", "3 tuyến phố", local_today(), None))
    assert order.sandbox_decision == "123/QĐ-BKHCN"
