"""Follow-on orders in the OCDS package (issue 17): each signed follow-on order is a
contracting process of its own (ocid `<prefix>-followon-<order id>`), awarded without
competition from the catalogue of proven solutions, whose `relatedProcesses` points to
the proven pilot's process (`<prefix>-<challenge id>`) with the relatedProcess codelist's
`prior` ("this process follows on from the identified prior process"). A follow-on
process travels on the package page of its pilot's challenge, loaded with that page's
orders (no query of its own: a page costs `opendata.ocds.QUERIES`). Amounts in đồng (VND),
times ISO 8601 UTC, calendar days in Viet Nam (UTC+7)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from marketplace.accounts.models import Organization
from marketplace.orders.models import OrderStatus, PilotOrder

CONTRACT_STATUS = {
    OrderStatus.SIGNED: "pending", OrderStatus.ACTIVE: "active",
    OrderStatus.COMPLETED: "terminated", OrderStatus.TERMINATED: "terminated",
}


def iso(value: datetime | date | None, *, end_of_day: bool = False) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return f"{value.isoformat()}T{'23:59:59' if end_of_day else '00:00:00'}+07:00"


def _compact(obj: dict) -> dict:
    return {k: v for k, v in obj.items() if v not in (None, "", [], {})}


def _party(org: Organization, role: str) -> dict:
    return _compact({
        "id": f"org-{org.id}", "name": org.name_vi,
        # org-id.guide's VN-TIN, as the pilots' processes (opendata.ocds.IDENTIFIER_SCHEME)
        "identifier": _compact({"scheme": "VN-TIN", "id": org.registration_code,
                                "legalName": org.name_vi}),
        "address": {"region": org.province, "countryName": "Việt Nam"},
        "roles": [role]})


def follow_on_ocid(prefix: str, order_id: int) -> str:
    return f"{prefix}-followon-{order_id}"


def follow_on_release(order: PilotOrder, buyer: Organization, supplier: Organization, *,
                      prefix: str) -> dict:
    """The one release of a signed follow-on order (`buyer` its agency, `supplier` its
    solver, loaded with it: no query here): its award and contract as they stand, the
    justification as the tender's rationale, the pilot's process as `prior`."""
    ocid = follow_on_ocid(prefix, order.id)
    changed = max(d for d in (order.signed_at, order.active_at, order.completed_at,
                              order.terminated_at, order.approved_at) if d is not None)
    stamp = changed.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    award_id = f"followon-{order.id}"
    return {
        "ocid": ocid,
        "id": f"{ocid}-v{order.version}-{stamp}",
        "date": iso(changed),
        "tag": ["award", "contract"],
        "initiationType": "tender",
        "language": "vi",
        "parties": [_party(buyer, "buyer"), _party(supplier, "supplier")],
        "buyer": {"id": f"org-{buyer.id}", "name": buyer.name_vi},
        "tender": _compact({
            "id": award_id,
            "title": f"Đơn đặt hàng mở rộng {order.contract_number}",
            "description": order.scope,
            "status": "complete",
            "procurementMethod": "limited",
            "procurementMethodDetails": "Đặt hàng mở rộng từ danh mục giải pháp đã được "
                                        "chứng minh (không qua bài toán mới)",
            "procurementMethodRationale": order.justification,
        }),
        "awards": [{"id": award_id, "status": "active", "date": iso(order.signed_at),
                    "value": {"amount": int(order.value), "currency": "VND"},
                    "suppliers": [{"id": f"org-{supplier.id}", "name": supplier.name_vi}]}],
        "contracts": [_compact({
            "id": str(order.id), "awardID": award_id, "title": order.contract_number,
            "status": CONTRACT_STATUS[order.status],  # no statusDetails: not in OCDS 1.1
            "period": {"startDate": iso(order.start_date),
                       "endDate": iso(order.end_date, end_of_day=True)},
            "value": {"amount": int(order.value), "currency": "VND"},
            "dateSigned": iso(order.active_at)})],
        "relatedProcesses": [{
            "id": "1", "relationship": ["prior"],
            "title": f"Thí điểm đã được chứng minh (đơn đặt hàng {order.follows_order_id})",
            "scheme": "ocid", "identifier": f"{prefix}-{order.challenge_id}"}],
    }
