"""Issue 17 pages: the outcome form, the public catalogue and its entry, the solver's
offer, a follow-on order placed from the catalogue, the similarity check while drafting."""

from datetime import timedelta

from marketplace.orders.models import OrderKind, PilotOrder
from marketplace.orders.terms import local_today
from marketplace.outcomes.models import OutcomeStatus
from tests.orders_factories import make_order
from tests.outcomes_factories import complete, make_buyer, make_entry


def test_the_officer_records_and_publishes_an_outcome(client, session, login):
    order = complete(session, make_order(session))
    login(order.parties.officer)
    page = client.get(f"/orders/{order.id}/outcome")
    assert page.status_code == 200
    data = {"result": "proven", "lessons": ""}
    for k in order.kpis:
        data |= {f"achieved_{k.id}": "", f"verdict_{k.id}": "met", f"note_{k.id}": ""}
    refused = client.post_form(f"/orders/{order.id}/outcome", data)
    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    assert 'invalid-feedback' in body, body[body.find("<main"):][:3000]
    for k in order.kpis:
        data[f"achieved_{k.id}"] = "đạt 98%"
    data["lessons"] = "Chuẩn bị dữ liệu sớm."
    saved = client.post_form(f"/orders/{order.id}/outcome", data)
    assert saved.status_code == 302
    published = client.post_form(f"/orders/{order.id}/outcome/publish", {})
    assert published.status_code == 302
    assert order.outcome.status is OutcomeStatus.PUBLISHED
    client.get("/logout")
    public = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "Chuẩn bị dữ liệu sớm." in public and "đạt 98%" in public


def test_catalogue_is_public_and_filters(client, session):
    entry = make_entry(session, price=80_000_000)
    page = client.get("/catalogue/")
    assert page.status_code == 200 and entry.title in page.get_data(as_text=True)
    assert entry.title not in client.get("/catalogue/?price_max=1000").get_data(as_text=True)
    assert entry.title not in client.get("/catalogue/?rating_min=5").get_data(as_text=True)
    assert client.get("/catalogue/?price_max=x&group=²&rating_min=9").status_code == 200
    folded = "to chuc thu nghiem"  # the solver "Tổ chức thử nghiệm …", without diacritics
    assert entry.solver.name_vi.startswith("Tổ chức thử nghiệm")
    assert entry.title in client.get(f"/catalogue/?q={folded}").get_data(as_text=True)
    assert entry.title not in client.get("/catalogue/?q=khong+co+gi").get_data(as_text=True)
    shown = client.get(f"/catalogue/{entry.id}")
    assert shown.status_code == 200
    assert "80.000.000" in shown.get_data(as_text=True)


def test_a_buyer_places_a_follow_on_order_from_the_catalogue(client, session, login):
    entry = make_entry(session, price=100_000_000)
    buyer = make_buyer(session)
    login(buyer.officer)
    form = client.get(f"/catalogue/{entry.id}/order")
    assert form.status_code == 200
    start = local_today()
    data = {"agency": buyer.agency.id, "quantity": "2", "scope": "Hai điểm triển khai",
            "justification": f"Theo {entry.order.contract_number}", "contract_number": "HĐ-MR-01",
            "value": "250.000.000", "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=90)).isoformat(),
            "kpis-0-name": "Độ chính xác", "kpis-0-target": "≥ 95%",
            "milestones-0-deliverable": "Triển khai", "milestones-0-amount": "250000000",
            "milestones-0-due_date": (start + timedelta(days=60)).isoformat()}
    over = client.post_form(f"/catalogue/{entry.id}/order", data)
    assert over.status_code == 400
    body = over.get_data(as_text=True)
    assert "giá tham chiếu nhân số lượng" in body
    data |= {"value": "200000000", "milestones-0-amount": "200000000",
             "justification": "Không dẫn chiếu"}
    uncited = client.post_form(f"/catalogue/{entry.id}/order", data)
    assert "dẫn chiếu" in uncited.get_data(as_text=True) and uncited.status_code == 400
    data["justification"] = f"Căn cứ hợp đồng {entry.order.contract_number}."
    placed = client.post_form(f"/catalogue/{entry.id}/order", data)
    assert placed.status_code == 302, placed.get_data(as_text=True)[:3000]
    order = session.query(PilotOrder).filter_by(contract_number="HĐ-MR-01").one()
    assert order.kind is OrderKind.FOLLOW_ON and order.agency_id == buyer.agency.id
    assert client.get(f"/orders/{order.id}").status_code == 200
    assert client.get(f"/orders/{order.id}/edit").status_code == 200


def test_catalogue_in_the_api(client, session):
    entry = make_entry(session, price=70_000_000)
    listing = client.get("/api/v1/catalogue?per_page=5").get_json()
    assert listing["meta"]["total"] >= 1
    assert any(e["id"] == entry.id and e["offer"]["reference_price"] == 70_000_000
               for e in listing["data"])
    detail = client.get(f"/api/v1/catalogue/{entry.id}").get_json()
    assert detail["kpis"][0]["verdict"] == "met" and detail["follow_ons"] == []
    assert client.get("/api/v1/catalogue?price_max=x").status_code == 400
    assert client.get("/api/v1/catalogue/2000000000").status_code == 404
