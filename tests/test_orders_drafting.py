"""Drafting a pilot order from an approved award item: the form, and the money rules
(at most the awarded amount; all orders of a challenge within its budget ceiling;
milestones adding up to the value exactly; contract numbers unique per agency)."""

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from marketplace.errors import DomainError, NotAllowed
from marketplace.evaluation.models import AwardStatus
from marketplace.formatting import amount_in_words
from marketplace.orders import services
from marketplace.orders.models import OrderStatus, PilotOrder
from marketplace.orders.terms import local_today
from tests.orders_factories import make_award_item, make_order, order_terms


@pytest.fixture(autouse=True)
def in_english(session):
    """Messages are matched in English here (the site's default language is Vietnamese)."""
    with force_locale("en"):
        yield


def form_data(**overrides):
    start = local_today()
    data = {
        "contract_number": "01/2026/HĐ-SKHCN", "value": "1.200.000.000",
        "start_date": start.isoformat(), "end_date": (start + timedelta(days=180)).isoformat(),
        "terms": "Bảo mật dữ liệu.",
        "kpis-0-name": "Thời gian chờ", "kpis-0-target": "giảm 20%",
        "kpis-3-name": "", "kpis-3-target": "",
        "milestones-0-deliverable": "Khảo sát", "milestones-0-due_date":
            (start + timedelta(days=60)).isoformat(), "milestones-0-amount": "400.000.000",
        "milestones-2-deliverable": "Vận hành thử", "milestones-2-due_date":
            (start + timedelta(days=170)).isoformat(), "milestones-2-amount": "800,000,000",
    }
    data.update(overrides)
    return data


def test_officer_drafts_through_the_form(session, client, login):
    parties = make_award_item(session)
    session.commit()
    login(parties.officer)
    url = f"/orders/new/{parties.item.id}"
    response = client.post_form(url, form_data())
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    order = session.scalar(select(PilotOrder).where(PilotOrder.award_item_id == parties.item.id))
    assert order.status is OrderStatus.DRAFT and order.value == 1_200_000_000
    assert [k.name for k in order.kpis] == ["Thời gian chờ"]  # blank rows ignored
    assert [m.amount for m in order.milestones] == [400_000_000, 800_000_000]
    assert order.solver_id == parties.solver.id and order.agency_id == parties.agency.id


@pytest.mark.parametrize("overrides, message", [
    ({"value": "1.600.000.000", "milestones-2-amount": "1.200.000.000"},
     "awarded amount"),
    ({"milestones-2-amount": "700.000.000"}, "must add up"),
    ({"value": "12abc"}, "whole number"),
    ({"milestones-2-due_date": ""}, "Required in a filled row"),
    ({"kpis-0-target": ""}, "name and a target"),
    ({"end_date": (local_today() - timedelta(days=1)).isoformat()}, "end date"),
])
def test_field_errors_keep_what_was_typed(session, client, login, overrides, message):
    parties = make_award_item(session)
    parties.officer.locale = "en"
    session.commit()
    login(parties.officer)
    data = form_data(**overrides)
    response = client.post_form(f"/orders/new/{parties.item.id}", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert 'value="01/2026/HĐ-SKHCN"' in html and "Vận hành thử" in html
    assert session.scalar(select(PilotOrder.id).where(
        PilotOrder.award_item_id == parties.item.id)) is None


def test_only_the_agency_officer_drafts(session, client, login):
    parties = make_award_item(session)
    session.commit()
    for user in (parties.approver, parties.owner, parties.outsider):
        with pytest.raises(NotAllowed):
            services.draft_order(session, user, parties.item, order_terms())
    login(parties.owner)
    assert client.get(f"/orders/new/{parties.item.id}").status_code == 403


def test_award_must_be_approved(session):
    parties = make_award_item(session)
    parties.item.award.status = AwardStatus.PROPOSED
    with pytest.raises(NotAllowed):
        services.draft_order(session, parties.officer, parties.item, order_terms())


def test_one_order_per_award_item(session):
    parties = make_award_item(session)
    services.draft_order(session, parties.officer, parties.item, order_terms())
    with pytest.raises(DomainError, match="already has a pilot order"):
        services.draft_order(session, parties.officer, parties.item, order_terms())


def test_all_orders_of_a_challenge_stay_within_its_ceiling(session):
    first = make_award_item(session, amount=1_200_000_000, budget=2_000_000_000)
    second = make_award_item(session, amount=1_000_000_000, parties=first)
    make_order(session, first, value=1_200_000_000)
    with pytest.raises(DomainError, match="budget ceiling") as refused:
        services.draft_order(session, second.officer, second.item,
                             order_terms(value=900_000_000))
    assert refused.value.field == "value"
    order = services.draft_order(session, second.officer, second.item,
                                 order_terms(value=800_000_000))
    assert order.value == 800_000_000


def test_a_terminated_order_commits_only_what_it_settled(session):
    first = make_award_item(session, amount=1_200_000_000, budget=2_000_000_000)
    second = make_award_item(session, amount=1_000_000_000, parties=first)
    order = make_order(session, first, value=1_200_000_000)
    services.terminate(session, first.officer, order, "Nhà cung cấp rút lui.")
    assert services.committed(session, first.challenge.id) == 0
    services.draft_order(session, second.officer, second.item, order_terms(value=1_000_000_000))


def test_contract_number_unique_per_agency(session):
    first = make_award_item(session)
    second = make_award_item(session, parties=first, amount=400_000_000)
    make_order(session, first, value=1_000_000_000, contract_number="HĐ-01")
    with pytest.raises(DomainError, match="already has a contract") as refused:
        services.draft_order(session, second.officer, second.item,
                             order_terms(value=300_000_000, contract_number="HĐ-01"))
    assert refused.value.field == "contract_number"
    other_agency = make_award_item(session)
    make_order(session, other_agency, contract_number="HĐ-01")  # another agency: fine


def test_money_is_integer_dong(session):
    order = make_order(session, value=999_999_999, amounts=(333_333_333, 666_666_666))
    session.expire_all()
    order = session.get(PilotOrder, order.id)
    assert isinstance(order.value, int) and all(isinstance(m.amount, int)
                                                for m in order.milestones)
    assert sum(m.amount for m in order.milestones) == order.value


def test_draft_can_be_edited_offered_and_withdrawn(session, client, login):
    order = make_order(session, status=OrderStatus.DRAFT)
    session.commit()
    login(order.parties.officer)
    page = client.get(f"/orders/{order.id}/edit").get_data(as_text=True)
    assert order.contract_number in page
    # issue 13: each milestone's amount is read back in words, as the contract writes it
    for milestone in order.milestones:
        assert f"Bằng chữ: {amount_in_words(milestone.amount)}" in page
    data = form_data(contract_number=order.contract_number)
    assert client.post_form(f"/orders/{order.id}/edit", data).status_code == 302
    assert client.post_form(f"/orders/{order.id}/offer", token_from=f"/orders/{order.id}"
                            ).status_code == 302
    session.expire_all()
    assert session.get(PilotOrder, order.id).status is OrderStatus.OFFERED
    assert client.get(f"/orders/{order.id}/edit").status_code == 403
    client.post_form(f"/orders/{order.id}/withdraw-offer", token_from=f"/orders/{order.id}")
    session.expire_all()
    assert session.get(PilotOrder, order.id).status is OrderStatus.DRAFT


def test_a_start_before_the_award_is_refused_next_to_the_field_in_vietnamese(
        session, client, login):
    """Issue 16: OCDS shows a contract starting before its award as incoherent; the
    product refuses it, in Vietnamese, next to the start date, keeping what was typed."""
    parties = make_award_item(session)
    session.commit()
    login(parties.officer)
    early = (local_today() - timedelta(days=3)).isoformat()
    response = client.post_form(f"/orders/new/{parties.item.id}",
                                form_data(start_date=early))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    message = "Ngày bắt đầu không được trước ngày ra quyết định lựa chọn giải pháp"
    assert message in html
    field = html[html.index('name="start_date"'):]
    assert f'value="{early}"' in field[:300]
    assert field.index(message) < field.index('name="end_date"')  # next to its field
    assert session.scalar(select(PilotOrder.id).where(
        PilotOrder.award_item_id == parties.item.id)) is None
