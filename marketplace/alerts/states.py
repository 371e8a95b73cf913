"""The lifecycle of a follow.

| from    | to     | who (policy action)                                              | public |
| ------- | ------ | ---------------------------------------------------------------- | ------ |
| pending | active | the emailed confirmation link (follow.confirm, the system's step) | no     |
| pending | ended  | its owner, or the unsubscribe link (follow.stop)                 | no     |
| active  | ended  | its owner, or the one-click unsubscribe link (follow.stop)       | no     |

A user's follow is created `active`; a visitor's `pending` (double opt-in: nothing is
mailed but the confirmation until the link is used). Ended is final: following again
makes a new follow.
"""

from marketplace.alerts.models import FollowStatus as S
from marketplace.lifecycle import Lifecycle, Transition

FOLLOW_LIFECYCLE = Lifecycle(
    name="follow",
    transitions=[
        Transition(S.PENDING, S.ACTIVE, "follow.confirm"),
        Transition(S.PENDING, S.ENDED, "follow.stop"),
        Transition(S.ACTIVE, S.ENDED, "follow.stop"),
    ],
    stamps={S.ACTIVE: "active_at", S.ENDED: "ended_at"},
)
