"""A signed follow-on order in the OCDS package: a contracting process of its own whose
relatedProcesses points to the proven pilot's process ("prior"), valid against the
vendored OCDS 1.1.5 schema; before the solver signs, nothing of it is published."""

from marketplace.orders import services as orders
from marketplace.orders.terms import terms_sha256
from marketplace.outcomes import services
from tests.orders_factories import order_terms
from tests.outcomes_factories import make_buyer, make_entry
from tests.test_opendata_ocds import assert_valid, codes, fetch


def test_follow_on_process_points_to_the_pilot(app, client, session):
    entry = make_entry(session)
    buyer = make_buyer(session)
    order = services.place_follow_on(
        session, buyer.officer, entry, buyer.agency, order_terms(value=200_000_000),
        quantity=2, scope="Hai điểm", justification=f"Theo {entry.order.contract_number}")
    orders.offer(session, buyer.officer, order)
    prefix = app.config["OCDS_PREFIX"]
    ocid = f"{prefix}-followon-{order.id}"
    assert not [r for r in fetch(client)["releases"] if r["ocid"] == ocid]  # not signed
    orders.sign(session, entry.parties.owner, order, full_name=entry.parties.owner.full_name,
                confirmed=True, shown_sha256=terms_sha256(order))
    package = fetch(client)
    assert_valid(package)
    (release,) = [r for r in package["releases"] if r["ocid"] == ocid]
    (related,) = release["relatedProcesses"]
    assert related["relationship"] == ["prior"] and "prior" in codes("relatedProcess.csv")
    assert related["scheme"] == "ocid"
    assert related["identifier"] == f"{prefix}-{entry.order.challenge_id}"
    assert any(r["ocid"] == related["identifier"] for r in package["releases"])
    assert release["contracts"][0]["value"] == {"amount": 200_000_000, "currency": "VND"}
    assert release["tender"]["procurementMethodRationale"].startswith("Theo")
