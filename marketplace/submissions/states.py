"""The submission lifecycle.

Before the deadline (the solver's own organization):

| from      | to        | who (policy action)                         |
| --------- | --------- | ------------------------------------------- |
| draft     | submitted | a member of the lead organization (submission.submit) |
| submitted | withdrawn | a member of the lead organization (submission.withdraw); or the |
|           |           | system when the challenge is cancelled before its close: the  |
|           |           | sealed bid is returned unopened (audited with the reason      |
|           |           | `challenge_cancelled`; issue 14)                              |
| submitted | draft     | a member of the lead organization, to edit again (submission.reopen) |
| withdrawn | draft     | a member of the lead organization (submission.reopen) |

After the deadline (the agency and its panel; none of these is public):

| from                | to           | who                                      |
| ------------------- | ------------ | ---------------------------------------- |
| submitted           | opened       | the clock, when the challenge closes (system) |
| opened              | disqualified | agency officer, with a reason (submission.disqualify) |
| opened              | scored       | system, when every assigned evaluation is in |
| scored              | disqualified | agency officer, with a reason (submission.disqualify) |
| scored              | shortlisted  | agency officer (submission.shortlist)    |
| opened, scored, shortlisted | awarded / not_awarded | system, when the award takes effect |
| opened, scored, shortlisted | not_awarded | system, the challenge cancelled after its close |
| awarded, not_awarded | scored | system, when an upheld complaint annuls the award |

Consortium partner (an organization invited to bid with the lead; while the lead's
submission is a draft):

| from     | to       | who (policy action)                                            |
| -------- | -------- | -------------------------------------------------------------- |
| invited  | accepted | a member of the invited organization (consortium.respond)      |
| invited  | declined | a member of the invited organization (consortium.respond)      |
| declined | invited  | the lead, inviting it again (consortium.invite_again)          |
"""

from marketplace.lifecycle import Lifecycle, Transition
from marketplace.submissions.models import PartnerStatus as P
from marketplace.submissions.models import SubmissionStatus as S

SUBMISSION_LIFECYCLE = Lifecycle(
    name="submission",
    transitions=[
        Transition(S.DRAFT, S.SUBMITTED, "submission.submit"),
        Transition(S.SUBMITTED, S.WITHDRAWN, "submission.withdraw"),
        Transition(S.SUBMITTED, S.DRAFT, "submission.reopen", event="submission.reopened"),
        Transition(S.WITHDRAWN, S.DRAFT, "submission.reopen", event="submission.reopened"),
        Transition(S.SUBMITTED, S.OPENED, "submission.open"),
        Transition(S.OPENED, S.DISQUALIFIED, "submission.disqualify"),
        Transition(S.SCORED, S.DISQUALIFIED, "submission.disqualify"),
        Transition(S.OPENED, S.SCORED, "submission.mark_scored"),
        Transition(S.SCORED, S.SHORTLISTED, "submission.shortlist"),
        *[Transition(source, target, "submission.decide")
          for source in (S.OPENED, S.SCORED, S.SHORTLISTED)
          for target in (S.AWARDED, S.NOT_AWARDED)],
        Transition(S.AWARDED, S.SCORED, "submission.reconsider", event="submission.reconsidered"),
        Transition(S.NOT_AWARDED, S.SCORED, "submission.reconsider",
                   event="submission.reconsidered"),
    ],
    stamps={S.SUBMITTED: "submitted_at", S.WITHDRAWN: "withdrawn_at", S.OPENED: "opened_at",
            S.DISQUALIFIED: "disqualified_at", S.SCORED: "scored_at",
            S.SHORTLISTED: "shortlisted_at", S.AWARDED: "decided_at",
            S.NOT_AWARDED: "decided_at"},
)

PARTNER_LIFECYCLE = Lifecycle(
    name="consortium",
    transitions=[
        Transition(P.INVITED, P.ACCEPTED, "consortium.respond"),
        Transition(P.INVITED, P.DECLINED, "consortium.respond"),
        Transition(P.DECLINED, P.INVITED, "consortium.invite_again", event="consortium.invited"),
    ],
    stamps={P.ACCEPTED: "responded_at", P.DECLINED: "responded_at", P.INVITED: "invited_at"},
)
