"""The challenge lifecycle.

| from       | to         | who (policy action)                      | public |
| ---------- | ---------- | ---------------------------------------- | ------ |
| draft      | published  | agency officer (challenge.publish)       | yes    |
| published  | closed     | the clock only (system)                  | yes    |
| closed     | evaluating | agency officer (challenge.start_evaluation) | yes |
| evaluating | awarded    | the award taking effect (challenge.award) | yes   |
| draft      | cancelled  | agency officer (challenge.cancel)        | no     |
| published  | cancelled  | agency officer (challenge.cancel)        | yes    |
| closed     | cancelled  | agency officer (challenge.cancel)        | yes    |
| evaluating | cancelled  | agency officer (challenge.cancel), e.g. "no suitable solution" | yes |
| awarded    | evaluating | officer, upheld complaint (challenge.reopen_evaluation) | yes |

`published → closed` is guarded by the policy action `challenge.close`, which no user
holds: only `transition(..., by_system=True)` performs it, at the deadline.
"""

from marketplace.challenges.models import ChallengeStatus as S
from marketplace.lifecycle import Lifecycle, Transition

CHALLENGE_LIFECYCLE = Lifecycle(
    name="challenge",
    transitions=[
        Transition(S.DRAFT, S.PUBLISHED, "challenge.publish", public=True),
        Transition(S.PUBLISHED, S.CLOSED, "challenge.close", public=True),
        Transition(S.CLOSED, S.EVALUATING, "challenge.start_evaluation", public=True),
        Transition(S.EVALUATING, S.AWARDED, "challenge.award", public=True),
        Transition(S.DRAFT, S.CANCELLED, "challenge.cancel"),
        Transition(S.PUBLISHED, S.CANCELLED, "challenge.cancel", public=True),
        Transition(S.CLOSED, S.CANCELLED, "challenge.cancel", public=True),
        Transition(S.EVALUATING, S.CANCELLED, "challenge.cancel", public=True),
        Transition(S.AWARDED, S.EVALUATING, "challenge.reopen_evaluation", public=True,
                   event="challenge.evaluation_reopened"),
    ],
    stamps={S.PUBLISHED: "published_at", S.CLOSED: "closed_at",
            S.EVALUATING: "evaluating_at", S.AWARDED: "awarded_at",
            S.CANCELLED: "cancelled_at"},
)
