"""The award decision lifecycle, and an evaluator's scoring of one submission.

| from     | to       | who (policy action)                                         | public |
| -------- | -------- | ----------------------------------------------------------- | ------ |
| proposed | approved | an agency approver other than the proposer (award.approve), | yes    |
|          |          | or the system at once when the total is within the threshold |       |
| proposed | rejected | an agency approver other than the proposer (award.reject)   | no     |
| approved | annulled | agency officer deciding an upheld complaint (award.annul)    | yes    |

Evaluation (one evaluator × one submission):

| from  | to        | who (policy action)                                             | public |
| ----- | --------- | --------------------------------------------------------------- | ------ |
| draft | submitted | the evaluator, while they may score it (evaluation.submit); the | no     |
|       |           | scores are locked from then on                                  |        |
| draft, submitted | set_aside | the system (evaluation.set_aside), when the evaluator is | no |
|       |           | removed from the panel or declares a conflict after all (issue 19); |    |
|       |           | kept with the reason, out of the ranking (`panel_changes`)      |        |
"""

from marketplace.evaluation.models import AwardStatus as S
from marketplace.evaluation.models import EvaluationStatus as E
from marketplace.lifecycle import Lifecycle, Transition

AWARD_LIFECYCLE = Lifecycle(
    name="award",
    transitions=[
        Transition(S.PROPOSED, S.APPROVED, "award.approve", public=True),
        Transition(S.PROPOSED, S.REJECTED, "award.reject"),
        Transition(S.APPROVED, S.ANNULLED, "award.annul", public=True),
    ],
    stamps={S.APPROVED: "decided_at", S.REJECTED: "decided_at"},
)

EVALUATION_LIFECYCLE = Lifecycle(
    name="evaluation",
    transitions=[
        Transition(E.DRAFT, E.SUBMITTED, "evaluation.submit", event="evaluation.submitted"),
        Transition(E.DRAFT, E.SET_ASIDE, "evaluation.set_aside"),
        Transition(E.SUBMITTED, E.SET_ASIDE, "evaluation.set_aside"),
    ],
    stamps={E.SUBMITTED: "submitted_at", E.SET_ASIDE: "set_aside_at"},
)
