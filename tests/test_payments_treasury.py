"""State Treasury payment records: what a Kho bạc Nhà nước payment order carries is
checked field by field (in Vietnamese, nothing typed lost), stored with the payment,
shown to the parties and published in the open data (CSV, OCDS, API) without bank
details."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from marketplace.errors import DomainError
from marketplace.orders.models import MilestoneStatus
from marketplace.orders.terms import local_today
from marketplace.payments import services, treasury
from marketplace.payments.models import Payment
from marketplace.payments.treasury import TreasuryPayment
from tests.orders_factories import accept_milestone, make_order, treasury_payment

AMOUNT = 300_000_000


def record(**changes) -> TreasuryPayment:
    base = TreasuryPayment(treasury="Kho bạc Nhà nước Đà Nẵng", budget_unit_code="1012345",
                           order_number="UNC-15", order_date=local_today(), amount=AMOUNT)
    return TreasuryPayment(**{**base.__dict__, **changes})


@pytest.mark.parametrize("changes, field", [
    ({"treasury": "  "}, "treasury"),
    ({"treasury": "K" * 201}, "treasury"),
    ({"budget_unit_code": ""}, "budget_unit_code"),
    ({"budget_unit_code": "123456"}, "budget_unit_code"),
    ({"budget_unit_code": "12345678"}, "budget_unit_code"),
    ({"budget_unit_code": "12a4567"}, "budget_unit_code"),
    ({"budget_unit_code": "１２３４５６７"}, "budget_unit_code"),  # full-width digits
    ({"order_number": " "}, "order_number"),
    ({"order_number": "9" * 51}, "order_number"),
    ({"order_date": None}, "order_date"),
    ({"order_date": local_today() + timedelta(days=1)}, "order_date"),
    ({"amount": None}, "amount"),
    ({"amount": AMOUNT - 1}, "amount"),
    ({"amount": AMOUNT + 1}, "amount"),
])
def test_each_wrong_field_is_named(app, changes, field):
    with app.test_request_context():
        found = treasury.problems(record(**changes), amount_due=AMOUNT, paid_on=local_today(),
                                  today=local_today())
        assert [p.field for p in found] == [field]
        with pytest.raises(DomainError) as refused:
            treasury.check(record(**changes), amount_due=AMOUNT, paid_on=local_today(),
                           today=local_today())
        assert refused.value.field == field


def test_dates_in_order(app):
    today = local_today()
    with app.test_request_context():
        late_order = record(order_date=today)
        assert [p.field for p in treasury.problems(
            late_order, amount_due=AMOUNT, paid_on=today - timedelta(days=1), today=today)
        ] == ["order_date"]
        assert [p.field for p in treasury.problems(
            record(order_date=today - timedelta(days=3)), amount_due=AMOUNT,
            paid_on=today + timedelta(days=1), today=today)] == ["paid_on"]


def test_a_well_formed_record_is_normalized(app):
    with app.test_request_context():
        clean = treasury.check(
            record(treasury="  Kho bạc   Nhà nước\tĐà Nẵng\u202e ", budget_unit_code="1 012 345",
                   order_number=" UNC-\x0015 "), amount_due=AMOUNT, paid_on=local_today(),
            today=local_today())
    assert (clean.treasury, clean.budget_unit_code, clean.order_number) == (
        "Kho bạc Nhà nước Đà Nẵng", "1012345", "UNC-15")


def _form(milestone, **changes) -> dict:
    data = {"treasury": "Kho bạc Nhà nước Đà Nẵng", "budget_unit_code": "1012345",
            "order_number": "45/UNC-2026", "order_date": local_today().isoformat(),
            "amount": f"{milestone.amount:,}".replace(",", "."),
            "paid_on": local_today().isoformat()}
    data.update(changes)
    return data


def test_every_wrong_field_shown_at_once_in_vietnamese(session, client, login):
    order = make_order(session)
    milestone = order.milestones[0]
    accept_milestone(session, order, milestone)
    session.commit()
    login(order.parties.officer)
    url = f"/orders/{order.id}/milestones/{milestone.id}/pay"
    typed = _form(milestone, treasury="", budget_unit_code="12345", order_number="",
                  order_date=(local_today() + timedelta(days=2)).isoformat(),
                  amount="1.000", paid_on=(local_today() + timedelta(days=1)).isoformat())
    response = client.post_form(url, typed)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    for message in ("Hãy nhập Kho bạc Nhà nước đã thực hiện thanh toán",
                    "gồm đúng 7 chữ số", "Hãy nhập số chứng từ thanh toán.",
                    "Ngày chứng từ không được ở tương lai.",
                    "Số tiền trên chứng từ phải đúng bằng giá trị của mốc",
                    "Vui lòng sửa các trường được đánh dấu"):
        assert message in html, message
    assert html.count('class="invalid-feedback"') >= 5
    # what was typed is kept
    assert 'value="12345"' in html and 'value="1.000"' in html
    assert f'value="{typed["order_date"]}"' in html
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Payment).where(
        Payment.milestone_id == milestone.id)) == 0
    assert milestone.status is MilestoneStatus.ACCEPTED


def _paid_through_the_page(session, client, login):
    order = make_order(session)
    milestone = order.milestones[0]
    accept_milestone(session, order, milestone)
    session.commit()
    login(order.parties.officer)
    url = f"/orders/{order.id}/milestones/{milestone.id}/pay"
    assert client.post_form(url, _form(milestone, budget_unit_code="1 012 345")
                            ).status_code == 302
    session.expire_all()
    return order, milestone


def test_recorded_and_shown_to_the_parties(session, client, login):
    order, milestone = _paid_through_the_page(session, client, login)
    payment = session.scalar(select(Payment).where(Payment.milestone_id == milestone.id))
    assert (payment.treasury_name, payment.budget_unit_code, payment.payment_order_number,
            payment.payment_order_date, payment.amount) == (
        "Kho bạc Nhà nước Đà Nẵng", "1012345", "45/UNC-2026", local_today(), milestone.amount)
    assert milestone.status is MilestoneStatus.PAID
    for user in (order.parties.officer, order.parties.owner):
        if user is order.parties.owner:
            client.post_form("/logout", token_from=f"/orders/{order.id}")
            login(user)
        html = client.get(f"/orders/{order.id}").get_data(as_text=True)
        assert "Kho bạc Nhà nước Đà Nẵng" in html and "Mã ĐVQHNS 1012345" in html
        assert f"Chứng từ số 45/UNC-2026 ngày {local_today().strftime('%d/%m/%Y')}" in html


def test_the_amount_must_be_the_milestones_even_through_the_rule(session):
    order = make_order(session)
    milestone = order.milestones[0]
    accept_milestone(session, order, milestone)
    with force_locale("en"), pytest.raises(DomainError, match="milestone's amount") as refused:
        services.record_offline(session, order.parties.officer, milestone,
                                treasury=treasury_payment(milestone, amount=milestone.amount - 1),
                                paid_on=local_today())
    assert refused.value.field == "amount"
    assert session.scalar(select(func.count()).select_from(Payment).where(
        Payment.milestone_id == milestone.id)) == 0


def _no_bank_details(text: str) -> None:
    lowered = text.lower()
    for word in ("account", "iban", "bank_", "bankaccount", "tài khoản"):
        assert word not in lowered, word


def test_published_without_bank_details(session, client, login, app):
    order, milestone = _paid_through_the_page(session, client, login)
    payment = session.scalar(select(Payment).where(Payment.milestone_id == milestone.id))
    client.get("/")  # the open data is public: no login needed
    text = client.get("/opendata/payments.csv").get_data(as_text=True).lstrip("\ufeff")
    table = list(csv.DictReader(io.StringIO(text, newline="")))
    row = next(r for r in table if r["id"] == str(payment.id))
    assert (row["treasury"], row["budget_unit_code"], row["payment_order_number"],
            row["payment_order_date"], row["amount_vnd"]) == (
        "Kho bạc Nhà nước Đà Nẵng", "1012345", "45/UNC-2026", local_today().isoformat(),
        str(milestone.amount))
    _no_bank_details(text.splitlines()[0])

    detail = client.get(f"/api/v1/orders/{order.id}").get_json()
    paid = next(p for p in detail["payments"] if p["id"] == payment.id)
    assert paid["treasury_payment_order"] == {
        "treasury": "Kho bạc Nhà nước Đà Nẵng", "budget_unit_code": "1012345",
        "number": "45/UNC-2026", "date": local_today().isoformat()}
    _no_bank_details(json.dumps(paid))

    package = client.get("/opendata/ocds.json").get_json()
    transactions = [t for r in package["releases"] for c in r.get("contracts", [])
                    for t in c.get("implementation", {}).get("transactions", [])
                    if t["id"] == str(payment.id)]
    assert transactions
    assert transactions[-1]["value"] == {"amount": milestone.amount, "currency": "VND"}
    # the payment order is a document of the implementation (OCDS has no field for it)
    orders = [d for r in package["releases"] for c in r.get("contracts", [])
              for d in c.get("implementation", {}).get("documents", [])
              if d["id"] == f"payment-order-{payment.id}"]
    assert orders[-1]["title"] == "Lệnh chi số 45/UNC-2026"
    assert orders[-1]["datePublished"] == f"{local_today().isoformat()}T00:00:00+07:00"
    assert "1012345" in orders[-1]["description"]
    assert "Kho bạc Nhà nước Đà Nẵng" in orders[-1]["description"]
    _no_bank_details(json.dumps(transactions + orders))
