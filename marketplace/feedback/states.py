"""The moderation lifecycle of a citizen's comment on a pilot.

| from    | to       | who (policy action)                                    | public |
| ------- | -------- | ------------------------------------------------------ | ------ |
| pending | approved | an officer of the pilot's agency (feedback.approve)    | no     |
| pending | rejected | an officer of the pilot's agency (feedback.reject)     | no     |

A rating is created `no_comment` (nothing to moderate, no transition) or, with a
comment, `pending` (`feedback.give`, anyone, no account). Approved and rejected are
final. The steps are audited but not public events: the public figures (the index, the
number of rejected comments) are on the feedback page itself, and the anonymous page
cache shows them within `CACHE_PAGE_TTL` seconds.
"""

from marketplace.feedback.models import FeedbackStatus as S
from marketplace.lifecycle import Lifecycle, Transition

FEEDBACK_LIFECYCLE = Lifecycle(
    name="feedback",
    transitions=[
        Transition(S.PENDING, S.APPROVED, "feedback.approve"),
        Transition(S.PENDING, S.REJECTED, "feedback.reject"),
    ],
    stamps={S.APPROVED: "approved_at", S.REJECTED: "rejected_at"},
)
