"""Public JSON shapes of the API. Only fields that are public by the rules in
`marketplace/opendata/visibility.py`: never submission content, never confidential
order terms, never who asked a clarification question."""

from __future__ import annotations

from flask import current_app

from marketplace.opendata.ocds import iso
from marketplace.opendata.visibility import public_milestone_status


def organization(org) -> dict:
    return {"id": org.id, "name": org.name_vi, "name_en": org.name_en or None,
            "kind": org.kind.value, "province": org.province}


def group(tech_group) -> dict | None:
    if tech_group is None:
        return None
    return {"id": tech_group.id, "code": tech_group.code, "name": tech_group.name_vi,
            "name_en": tech_group.name_en}


def challenge(ch, agency, tech_group) -> dict:
    return {
        "id": ch.id,
        "ocid": f"{current_app.config['OCDS_PREFIX']}-{ch.id}",
        "title": ch.title,
        "status": ch.status.value,
        "agency": organization(agency),
        "technology_group": group(tech_group),
        "province": ch.province,
        "sector": ch.sector,
        "pilot_site": ch.pilot_site,
        "budget_ceiling": ch.budget_ceiling,
        "currency": "VND",
        "published_at": iso(ch.published_at),
        "clarification_deadline": iso(ch.clarification_deadline),
        "submission_deadline": iso(ch.submission_deadline),
        "closed_at": iso(ch.closed_at),
        "awarded_at": iso(ch.awarded_at),
        "cancelled_at": iso(ch.cancelled_at),
        "cancel_reason": ch.cancel_reason or None,
    }


def red_flags(flags) -> list[dict]:
    """Issue 18: the red flags stored on a record (kind, the figures that made it fire,
    since when; definitions at /methodology)."""
    return [{"kind": f.kind.value, "detail": f.detail, "raised_at": iso(f.raised_at),
             "milestone_id": f.milestone_id, "solver_id": f.solver_id,
             "computed_at": iso(f.computed_at)} for f in flags]


def challenge_detail(ch, agency, tech_group, *, criteria, clarifications, bids, award_ids,
                     order_ids, flags=()) -> dict:
    data = challenge(ch, agency, tech_group)
    data.update({
        "problem": ch.problem,
        "expected_outcomes": ch.expected_outcomes,
        "pilot_duration_months": ch.pilot_duration_months,
        "eligible_kinds": list(ch.eligible_kinds or []),
        "consortia_allowed": ch.consortia_allowed,
        "parallel_pilots_allowed": ch.parallel_pilots_allowed,
        "blind_review": ch.blind_review,
        "criteria": [{"name": c.name, "description": c.description, "weight": c.weight}
                     for c in criteria],
        "clarifications": [{"question": c.question, "answer": c.answer,
                            "answered_at": iso(c.answered_at)} for c in clarifications],
        # the number of solutions is sealed until the deadline has passed
        "bids": bids if ch.closed_at is not None else None,
        "awards": award_ids,
        "orders": order_ids,
        "red_flags": red_flags(flags),
    })
    return data


def award(aw, ch, items) -> dict:
    return {
        "id": aw.id,
        "challenge": {"id": ch.id, "title": ch.title},
        "decided_at": iso(aw.decided_at),
        "total_amount": aw.total_amount,
        "currency": "VND",
        "justification": aw.justification,
        "items": [{"id": item.id, "solver": organization(solver), "amount": item.amount,
                   "rank": item.rank,
                   "score": str(item.score) if item.score is not None else None,
                   "not_top_ranked_reason": item.not_top_ranked_reason or None}
                  for item, solver in items],
    }


def order(o, ch, agency, solver, paid: int) -> dict:
    return {
        "id": o.id,
        "contract_number": o.contract_number,
        "challenge": {"id": ch.id, "title": ch.title},
        "award_item_id": o.award_item_id,
        "kind": o.kind.value,  # pilot | follow_on (issue 17)
        "follows_order_id": o.follows_order_id,
        "quantity": o.quantity,
        "agency": organization(agency),
        "solver": organization(solver),
        "value": o.value,
        "paid": int(paid or 0),
        "currency": "VND",
        "start_date": o.start_date.isoformat(),
        "end_date": o.end_date.isoformat(),
        "status": o.status.value,
        "version": o.version,
        "signed_at": iso(o.signed_at),
        "active_at": iso(o.active_at),
        "completed_at": iso(o.completed_at),
        "terminated_at": iso(o.terminated_at),
        "termination_reason": o.termination_reason or None,
        "scale_up_recommended": o.scale_up_recommended,
    }


def _treasury_order(p) -> dict | None:
    """A State Treasury payment's order, without bank details (none are stored)."""
    if not p.payment_order_number:
        return None
    return {"treasury": p.treasury_name, "budget_unit_code": p.budget_unit_code,
            "number": p.payment_order_number,
            "date": p.payment_order_date.isoformat() if p.payment_order_date else None}


def order_detail(o, ch, agency, solver, paid, *, kpis, milestones, payments,
                 flags=()) -> dict:
    data = order(o, ch, agency, solver, paid)
    data.update({
        "kpis": [{"name": k.name, "target": k.target} for k in kpis],
        "milestones": [{"id": m.id, "position": m.position + 1, "deliverable": m.deliverable,
                        "due_date": m.due_date.isoformat(), "amount": m.amount,
                        "status": public_milestone_status(m.status).value,
                        "accepted_at": iso(m.accepted_at), "paid_at": iso(m.paid_at)}
                       for m in milestones],
        "payments": [{"id": p.id, "milestone_id": p.milestone_id, "amount": p.amount,
                      "currency": p.currency, "method": p.method.value,
                      "paid_on": p.paid_on.isoformat() if p.paid_on else None,
                      "succeeded_at": iso(p.succeeded_at),
                      "treasury_payment_order": _treasury_order(p)} for p in payments],
        "red_flags": red_flags(flags),
    })
    return data


def opening_record(record: dict) -> dict:
    """The opening record (`submissions.opening.opening_record`) with ISO times."""
    return {
        "challenge_id": record["challenge_id"],
        "closed_at": iso(record["closed_at"]),
        "submission_deadline": iso(record["deadline"]),
        "count": record["count"],
        "names_disclosed": record["names_disclosed"],
        "prices_disclosed": record["prices_disclosed"],
        "currency": "VND",
        "entries": [{"number": e["number"], "receipt_digest": e["receipt_digest"],
                     "submitted_at": iso(e["submitted_at"]),
                     "organizations": e["organizations"],
                     "proposed_price": e["proposed_price"]} for e in record["entries"]],
    }
