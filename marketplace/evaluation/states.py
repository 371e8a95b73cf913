"""The award decision lifecycle.

| from     | to       | who (policy action)                                         | public |
| -------- | -------- | ----------------------------------------------------------- | ------ |
| proposed | approved | an agency approver other than the proposer (award.approve), | yes    |
|          |          | or the system at once when the total is within the threshold |       |
| proposed | rejected | an agency approver other than the proposer (award.reject)   | no     |
"""

from marketplace.evaluation.models import AwardStatus as S
from marketplace.lifecycle import Lifecycle, Transition

AWARD_LIFECYCLE = Lifecycle(
    name="award",
    transitions=[
        Transition(S.PROPOSED, S.APPROVED, "award.approve", public=True),
        Transition(S.PROPOSED, S.REJECTED, "award.reject"),
    ],
    stamps={S.APPROVED: "decided_at", S.REJECTED: "decided_at"},
)
