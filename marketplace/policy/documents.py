"""Who may download which official document (PDF).

- the award decision: whoever may see the award, once it is approved (public then);
- the pilot-order contract: the parties' version, with the confidential terms, and its
  signed versions to the two parties once offered; the public version (without the
  confidential terms) to whoever may see the order;
- an amendment: the two parties;
- a submission receipt: the members of the submitting organization and of its accepted
  consortium partners — never the agency or the evaluators;
- the opening record: whoever may see the challenge, once it has closed (its content
  discloses names and prices only as `submissions.opening.disclosure` allows)."""

from marketplace.evaluation.models import AwardStatus
from marketplace.orders.models import OrderStatus
from marketplace.policy.core import can, rule
from marketplace.policy.orders import is_party
from marketplace.policy.submissions import is_lead_member, is_partner_member


@rule("document.award")
def award_decision(user, award) -> bool:
    return (award is not None and award.status is AwardStatus.APPROVED
            and can(user, "award.view", award))


@rule("document.order")
def order_contract(user, order) -> bool:
    return order is not None and order.status is not OrderStatus.DRAFT and is_party(user, order)


@rule("document.order_public")
def order_public(user, order) -> bool:
    return (order is not None and order.status is not OrderStatus.DRAFT
            and can(user, "order.view", order))


@rule("document.amendment")
def amendment(user, change) -> bool:
    return change is not None and is_party(user, change.order)


@rule("document.receipt")
def receipt(user, submission) -> bool:
    return (submission is not None and submission.receipt_digest is not None
            and (is_lead_member(user, submission) or is_partner_member(user, submission)))


@rule("document.opening_record")
def opening_record(user, challenge) -> bool:
    return (challenge is not None and challenge.closed_at is not None
            and can(user, "challenge.view", challenge))
