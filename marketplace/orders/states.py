"""The pilot order and milestone lifecycles.

Pilot order:

| from    | to         | who (policy action)                              | public |
| ------- | ---------- | ------------------------------------------------ | ------ |
| draft   | offered    | agency officer (order.offer)                     | no     |
| offered | draft      | agency officer, to change it (order.withdraw_offer) | no  |
| offered | signed     | the solver's owner (order.sign)                  | yes    |
| signed  | active     | the agency's approver (order.countersign)        | yes    |
| active  | completed  | the system, when every milestone is paid         | yes    |
| offered | terminated | agency officer, with a reason (order.terminate)  | no     |
| signed, active | terminated | agency officer, with a reason (order.terminate) | yes |

Milestone (only while the order is active):

| from      | to        | who (policy action)                         | public |
| --------- | --------- | ------------------------------------------- | ------ |
| planned   | delivered | a member of the solver (milestone.deliver)  | no     |
| delivered | accepted  | agency officer (milestone.accept)           | yes    |
| delivered | planned   | agency officer, rejecting with a reason (milestone.reject) | no |
| accepted  | paid      | the payment gateway's confirmation (milestone.pay) | yes |
"""

from marketplace.lifecycle import Lifecycle, Transition
from marketplace.orders.models import MilestoneStatus as M
from marketplace.orders.models import OrderStatus as O

ORDER_LIFECYCLE = Lifecycle(
    name="order",
    transitions=[
        Transition(O.DRAFT, O.OFFERED, "order.offer"),
        Transition(O.OFFERED, O.DRAFT, "order.withdraw_offer"),
        Transition(O.OFFERED, O.SIGNED, "order.sign", public=True),
        Transition(O.SIGNED, O.ACTIVE, "order.countersign", public=True),
        Transition(O.ACTIVE, O.COMPLETED, "order.complete", public=True),
        # never signed, never public (`PilotOrder.is_public`): its end is not either
        Transition(O.OFFERED, O.TERMINATED, "order.terminate"),
        Transition(O.SIGNED, O.TERMINATED, "order.terminate", public=True),
        Transition(O.ACTIVE, O.TERMINATED, "order.terminate", public=True),
    ],
    stamps={O.OFFERED: "offered_at", O.SIGNED: "signed_at", O.ACTIVE: "active_at",
            O.COMPLETED: "completed_at", O.TERMINATED: "terminated_at"},
)

MILESTONE_LIFECYCLE = Lifecycle(
    name="milestone",
    transitions=[
        Transition(M.PLANNED, M.DELIVERED, "milestone.deliver"),
        Transition(M.DELIVERED, M.ACCEPTED, "milestone.accept", public=True),
        Transition(M.DELIVERED, M.PLANNED, "milestone.reject", event="milestone.rejected"),
        Transition(M.ACCEPTED, M.PAID, "milestone.pay", public=True),
    ],
    stamps={M.DELIVERED: "delivered_at", M.ACCEPTED: "accepted_at", M.PAID: "paid_at"},
)
