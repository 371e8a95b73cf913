"""The phase and phase-result lifecycles (issue 17). Phase 1 has no steps here: it is
the open call and follows the challenge's own table (`challenges.states`).

Phase k ≥ 2 (who: the policy action; * = public in the activity stream):

- planned → collecting*: the agency officer opens the call for the previous phase's
  results, with its deadline, once the selection into phase k-1 is in effect
  (phase.open)
- collecting → evaluating*: the officer once the deadline has passed
  (phase.start_evaluation), or the clock (`challenges close-expired`, by the system)
- evaluating → selected*: the down-selection (an award of phase k) taking effect
  (phase.select, system only)
- selected → evaluating*: an upheld complaint annulling the down-selection
  (phase.reopen_selection, system only)

Phase result (a solver of phase k-1 for phase k; none of it public):

- draft → submitted: a member of the lead organization, before the deadline
  (phase_result.submit)
- submitted → draft: the same, to edit again, before the deadline (phase_result.reopen)
- submitted → opened: the system, when the phase's evaluation starts (phase_result.open)
- opened → scored: the system, when every panel member without a conflict has scored
  (phase_result.mark_scored)
- opened, scored → carried / dropped: the system, when the down-selection takes effect
  (phase_result.decide)
- carried, dropped → scored: the system, when an upheld complaint annuls it
  (phase_result.reconsider)

Results never submitted stay drafts, with the solver only. The down-selection decision
itself is an `Award` with `phase = k` and moves through `AWARD_LIFECYCLE` (proposed →
approved / rejected, approved → annulled): four-eyes and publicity as for any award.
"""

from marketplace.lifecycle import Lifecycle, Transition
from marketplace.phases.models import PhaseStatus as P
from marketplace.phases.models import ResultStatus as R

PHASE_LIFECYCLE = Lifecycle(
    name="phase",
    transitions=[
        Transition(P.PLANNED, P.COLLECTING, "phase.open", public=True, event="phase.opened"),
        Transition(P.COLLECTING, P.EVALUATING, "phase.start_evaluation", public=True),
        Transition(P.EVALUATING, P.SELECTED, "phase.select", public=True),
        Transition(P.SELECTED, P.EVALUATING, "phase.reopen_selection", public=True,
                   event="phase.selection_reopened"),
    ],
    stamps={P.COLLECTING: "collecting_at", P.EVALUATING: "evaluating_at",
            P.SELECTED: "selected_at"},
)

RESULT_LIFECYCLE = Lifecycle(
    name="phase_result",
    transitions=[
        Transition(R.DRAFT, R.SUBMITTED, "phase_result.submit"),
        Transition(R.SUBMITTED, R.DRAFT, "phase_result.reopen", event="phase_result.reopened"),
        Transition(R.SUBMITTED, R.OPENED, "phase_result.open"),
        Transition(R.OPENED, R.SCORED, "phase_result.mark_scored"),
        *[Transition(source, target, "phase_result.decide")
          for source in (R.OPENED, R.SCORED) for target in (R.CARRIED, R.DROPPED)],
        Transition(R.CARRIED, R.SCORED, "phase_result.reconsider",
                   event="phase_result.reconsidered"),
        Transition(R.DROPPED, R.SCORED, "phase_result.reconsider",
                   event="phase_result.reconsidered"),
    ],
    stamps={R.SUBMITTED: "submitted_at", R.OPENED: "opened_at", R.SCORED: "scored_at",
            R.CARRIED: "decided_at", R.DROPPED: "decided_at"},
)
