"""The payment lifecycle. A recorded offline transfer is stored succeeded at once; a
Stripe payment starts pending and moves only by this table (issue 14: no status set by
hand, no hidden `failed → pending`).

| from       | to         | who (policy action)                                      | public |
| ---------- | ---------- | -------------------------------------------------------- | ------ |
| pending    | succeeded  | system: Stripe confirms the success (payment.confirm)    | yes    |
| failed     | succeeded  | system: the failed intent succeeded after all, the       | yes    |
|            |            | milestone is unpaid and nothing else is live (same)      |        |
| pending    | failed     | system: Stripe says the intent failed (payment.fail)     | no     |
| pending    | cancelled  | the agency abandons it, intent cancelled (payment.abandon) | no   |
| failed     | cancelled  | system: its intent cancelled before a new one            | no     |
|            |            | (payment.cancel_intent)                                  |        |
| pending,   | refund_due | system: money arrived that pays nothing — another        | no     |
| failed,    |            | payment is live, the milestone is not payable, the       |        |
| cancelled  |            | payment was abandoned, or the amount is not the          |        |
|            |            | payment's (payment.refund_due)                           |        |
| refund_due | refunded   | system: the gateway refunded it (payment.refunded)       | no     |

All but `payment.abandon` are made by the system (`by_system=True`); the policy rule
`payment.abandon` says who may abandon."""

from marketplace.lifecycle import Lifecycle, Transition
from marketplace.payments.models import PaymentStatus as P

PAYMENT_LIFECYCLE = Lifecycle(
    name="payment",
    transitions=[
        Transition(P.PENDING, P.SUCCEEDED, "payment.confirm", public=True,
                   event="payment.succeeded"),
        Transition(P.FAILED, P.SUCCEEDED, "payment.confirm", public=True,
                   event="payment.succeeded"),
        Transition(P.PENDING, P.FAILED, "payment.fail", event="payment.failed"),
        Transition(P.PENDING, P.CANCELLED, "payment.abandon", event="payment.abandoned"),
        Transition(P.FAILED, P.CANCELLED, "payment.cancel_intent",
                   event="payment.intent_cancelled"),
        Transition(P.PENDING, P.REFUND_DUE, "payment.refund_due", event="payment.refund_due"),
        Transition(P.FAILED, P.REFUND_DUE, "payment.refund_due", event="payment.refund_due"),
        Transition(P.CANCELLED, P.REFUND_DUE, "payment.refund_due",
                   event="payment.refund_due"),
        Transition(P.REFUND_DUE, P.REFUNDED, "payment.refunded", event="payment.refunded"),
    ],
    stamps={P.SUCCEEDED: "succeeded_at"},
)
