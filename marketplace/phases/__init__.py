"""Phases with down-selection (issue 17): a challenge that runs in 2 or 3 phases, e.g.
"Thiết kế giải pháp" → "Mẫu thử" → "Thí điểm", as pre-commercial procurement and SBIR do.

Design (written before the views; the rules live in `services`, the tables in `states`,
who-may in `marketplace/policy/phases.py`):

- A challenge without `ChallengePhase` rows is a single-phase challenge and behaves
  exactly as before: nothing of this module is asked on its path.
- A phased challenge has 2 or 3 rows, numbered 1..n, each with a name, a budget share
  (đồng; the shares sum to the challenge's budget ceiling), a duration (days), the
  number of solvers carried into it (non-increasing from phase to phase) and criteria
  (weights sum to 100). Every phase has exactly one *selection*, scored on its criteria,
  that decides who enters it, and each selected solver gets an order of that phase paid
  from its share:
  * phase 1: the open call exactly as today — sealed submissions, deadline, the panel
    scores them on the challenge's own criteria (phase 1's criteria), the award chooses
    at most `carried_forward` solvers within phase 1's share; each award item becomes a
    pilot order (the existing order flow).
  * phase k ≥ 2: the solvers of phase k-1 submit their phase results (`PhaseResult`)
    until the phase's `results_deadline` (the end of phase k-1), sealed until then by
    the same rule as first submissions (`policy.submissions.sealed_view`); the panel
    scores them on phase k's criteria (`PhaseCriterion`, `PhaseScore`); the agency
    decides the down-selection: an `Award` with `phase = k` (items = the solvers carried
    into phase k, amounts within phase k's share). It is therefore an award in every
    other respect: a justification, the second signature above the agency's threshold
    (`award.approve` / `award.reject`), public once approved, followed by the standstill
    of issue 19 during which bidders may complain and no order of it may be offered; an
    upheld complaint annuls it and reopens the phase's evaluation. Each of its items
    becomes a phase order (a pilot order with milestones and payments) by the same
    order flow as any award item.
- A solver not carried forward (result `dropped`) sees its own scores and comments.
- The challenge's own status stays `awarded` from the phase-1 award on; the phase's
  progress is the phase's status (`states.PHASE_LIFECYCLE`).
- The funnel (public): entered (submissions in the evaluation), carried into each phase
  (items of its approved selection) and what each phase cost (their amounts).
"""
