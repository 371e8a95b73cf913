"""The catalogue in the JSON API (issue 17): `GET /api/v1/catalogue` and
`GET /api/v1/catalogue/<id>`, on the API's blueprint (its read-only rule and JSON errors).
Amounts in đồng (`"currency": "VND"`), times ISO 8601 UTC, dates `YYYY-MM-DD`."""

from __future__ import annotations

from flask import abort, jsonify, request, url_for

from marketplace.api.routes import MAX_PER_PAGE, PER_PAGE, _int_arg, bp
from marketplace.api.serializers import iso, organization
from marketplace.extensions import db
from marketplace.outcomes import queries
from marketplace.params import BIGINT_MAX, query_int


def _card(card: queries.Card, *, paid: dict | None = None) -> dict:
    entry, pilot = card.entry, card.pilot
    group = pilot.challenge.technology_group
    data = {
        "id": entry.id,
        "title": entry.title,
        "status": entry.status.value,
        "solver": organization(entry.solver),
        "technology_group": ({"id": group.id, "code": group.code, "name": group.name_vi,
                              "name_en": group.name_en} if group else None),
        "province": pilot.challenge.province,
        "pilot_order_id": pilot.id,
        "pilot_cost": pilot.value,
        "currency": "VND",
        "offer": ({"unit": entry.unit, "reference_price": entry.reference_price,
                   "conditions": entry.conditions,
                   "valid_until": entry.valid_until.isoformat() if entry.valid_until else None,
                   "updated_at": iso(entry.offer_updated_at)}
                  if entry.reference_price else None),
        "confirmed_at": iso(entry.confirmed_at),
        "rating": float(card.rating) if card.rating is not None else None,
        "follow_on_orders": len(card.follow_ons),
        "follow_on_value": card.follow_on_value,
    }
    if paid is not None:
        outcome = entry.outcome
        data.update({
            "summary": entry.summary,
            "lessons": outcome.lessons,
            "kpis": [{"name": r.kpi.name, "target": r.kpi.target, "achieved": r.achieved,
                      "verdict": r.verdict.value} for r in outcome.kpi_results],
            "follow_ons": [{"order_id": o.id, "agency": organization(o.agency),
                            "quantity": o.quantity, "value": o.value,
                            "signed_at": iso(o.signed_at), "status": o.status.value,
                            "paid": int(paid.get(o.id) or 0)} for o in card.follow_ons],
        })
    return data


@bp.route("/catalogue")
def catalogue():
    found = queries.catalogue(
        db.session, text=request.args.get("q", "")[:200], group_id=_int_arg("group"),
        province=request.args.get("province", ""),
        price_max=query_int("price_max", min=1, max=BIGINT_MAX, strict=True),
        rating_min=query_int("rating_min", min=1, max=5, strict=True))
    page = max(_int_arg("page", 1), 1)
    per_page = min(max(_int_arg("per_page", PER_PAGE), 1), MAX_PER_PAGE)
    total = len(found)
    pages = max((total + per_page - 1) // per_page, 1)
    args = {k: v for k, v in request.args.items() if k not in ("page", "per_page")}

    def link(n: int) -> str:
        return url_for("api.catalogue", **args, page=n, per_page=per_page, _external=True)

    return jsonify({
        "data": [_card(c) for c in found[(page - 1) * per_page:page * per_page]],
        "meta": {"page": page, "per_page": per_page, "total": total, "pages": pages},
        "links": {"self": link(page), "next": link(page + 1) if page < pages else None,
                  "prev": link(page - 1) if 1 < page <= pages + 1 else None}})


@bp.route("/catalogue/<int:entry_id>")
def catalogue_entry(entry_id: int):
    entry = queries.load_entry(db.session, entry_id)
    if entry is None:
        abort(404)
    card = queries.cards(db.session, [entry])[0]
    paid = queries.paid_totals(db.session, [o.id for o in card.follow_ons])
    return jsonify(_card(card, paid=paid))
