"""The complaint (kiến nghị) lifecycle.

| from         | to           | who (policy action)                                  | public |
| ------------ | ------------ | ---------------------------------------------------- | ------ |
| filed        | under_review | agency officer takes it up (complaint.review)        | yes    |
| filed        | withdrawn    | a member of the complaining bidder (complaint.withdraw) | yes |
| under_review | withdrawn    | a member of the complaining bidder (complaint.withdraw) | yes |
| under_review | upheld       | agency officer, with reasons and a remedy (complaint.decide) | yes |
| under_review | dismissed    | agency officer, with reasons (complaint.decide)      | yes    |

Filing (→ filed) is the creation of the complaint (`complaint.file`): only a bidder of
the challenge, only during the standstill. Every step is public on the register, without
the complainant's name until the decision, and never with the grounds or the evidence.

An upheld complaint undoes the award through the award's and the challenge's own
transitions (`evaluation.states`, `challenges.states`): the award `approved → annulled`,
the decided submissions back to `scored`, the challenge `awarded → evaluating`; with the
remedy "cancel", the challenge then `evaluating → cancelled`.
"""

from marketplace.complaints.models import ComplaintStatus as S
from marketplace.lifecycle import Lifecycle, Transition

COMPLAINT_LIFECYCLE = Lifecycle(
    name="complaint",
    transitions=[
        Transition(S.FILED, S.UNDER_REVIEW, "complaint.review", public=True),
        Transition(S.FILED, S.WITHDRAWN, "complaint.withdraw", public=True),
        Transition(S.UNDER_REVIEW, S.WITHDRAWN, "complaint.withdraw", public=True),
        Transition(S.UNDER_REVIEW, S.UPHELD, "complaint.decide", public=True),
        Transition(S.UNDER_REVIEW, S.DISMISSED, "complaint.decide", public=True),
    ],
    stamps={S.UNDER_REVIEW: "under_review_at", S.UPHELD: "decided_at",
            S.DISMISSED: "decided_at", S.WITHDRAWN: "withdrawn_at"},
)
