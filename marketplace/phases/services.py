"""The rules of phased challenges (issue 17; design in `marketplace.phases`). Plain
functions over the session: they check, change, flush, audit and raise `DomainError`
(with the form field it belongs to); they never commit. Money in đồng, times aware UTC,
durations in days."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from marketplace import policy
from marketplace.accounts.models import User
from marketplace.audit.services import record
from marketplace.challenges.models import Challenge
from marketplace.errors import DomainError
from marketplace.evaluation.models import Award, AwardItem, AwardStatus, PanelMember
from marketplace.formatting import thousands
from marketplace.lifecycle import SYSTEM, transition
from marketplace.notifications.services import notify
from marketplace.phases.models import (
    MAX_PHASES,
    RESULT_IN_EVALUATION,
    ChallengePhase,
    PhaseCriterion,
    PhaseResult,
    PhaseScore,
    PhaseStatus,
    ResultStatus,
)
from marketplace.phases.states import PHASE_LIFECYCLE, RESULT_LIFECYCLE
from marketplace.policy import phases as rules
from marketplace.policy.submissions import is_lead_member
from marketplace.submissions.models import IN_EVALUATION, Submission, SubmissionStatus
from marketplace.types import utcnow

CENT = Decimal("0.01")
RESULT_PATH = "/phases/results/{id}"
FUNNEL_PATH = "/challenges/{id}/phases"


# --- definition ----------------------------------------------------------------------

@dataclass
class PhaseSpec:
    """What the officer typed for one phase: `criteria` as (name, weight) pairs (phase
    k ≥ 2 only; phase 1's are the challenge's own)."""

    name: str
    budget_share: int  # đồng
    duration_days: int
    carried_forward: int
    criteria: list[tuple[str, int]] = field(default_factory=list)


def phases_of(session, challenge: Challenge) -> list[ChallengePhase]:
    return list(session.scalars(select(ChallengePhase).where(
        ChallengePhase.challenge_id == challenge.id).order_by(ChallengePhase.number)))


def is_phased(_session, challenge: Challenge) -> bool:
    """Whether the challenge runs in phases (no query: `Challenge.phase_count`)."""
    return challenge.phase_count > 0


def spec_problems(specs: list[PhaseSpec], ceiling: int) -> list[tuple[str, str]]:
    """The money and shape rules of a phase plan, as (form field, message) pairs: 2 or 3
    phases (none = a single-phase challenge); each with a name, a positive share,
    duration and number carried; the numbers carried never grow; the shares sum to the
    budget ceiling (đồng); phase k ≥ 2's criteria weights sum to 100."""
    problems: list[tuple[str, str]] = []
    if not specs:
        return problems
    if not 2 <= len(specs) <= MAX_PHASES:
        problems.append(("phase2_name", _("A phased challenge has 2 or 3 phases.")))
    for n, spec in enumerate(specs, start=1):
        if not spec.name.strip():
            problems.append((f"phase{n}_name", _("Please name the phase.")))
        if spec.budget_share <= 0:
            problems.append((f"phase{n}_budget_share", _("The budget share must be positive.")))
        if spec.duration_days <= 0:
            problems.append((f"phase{n}_duration_days", _("The duration must be positive.")))
        if spec.carried_forward <= 0:
            problems.append((f"phase{n}_carried_forward",
                             _("At least one solver must be carried into the phase.")))
        elif n > 1 and spec.carried_forward > specs[n - 2].carried_forward:
            problems.append((f"phase{n}_carried_forward",
                             _("A later phase cannot carry more solvers than the one before.")))
        if n > 1:
            weights = [w for _name, w in spec.criteria]
            if not spec.criteria or any(w <= 0 for w in weights) or sum(weights) != 100:
                problems.append((f"phase{n}_criteria",
                                 _("The weights of the phase's criteria must sum to 100.")))
    total = sum(max(spec.budget_share, 0) for spec in specs)
    if total != ceiling:
        problems.append((f"phase{len(specs)}_budget_share",
                         _("The phases' budget shares add up to %(total)s đồng; they must "
                           "sum to the budget ceiling, %(ceiling)s đồng.",
                           total=thousands(total), ceiling=thousands(ceiling))))
    return problems


def define(session, officer: User, challenge: Challenge, specs: list[PhaseSpec]
           ) -> list[ChallengePhase]:
    """Replace the challenge's phases by `specs` (an empty list makes it single-phase
    again). Only while a draft (`phase.define`). Raises DomainError on the first problem
    of `spec_problems`, with its field."""
    policy.require(officer, "phase.define", challenge)
    problems = spec_problems(specs, challenge.budget_ceiling)
    if problems:
        raise DomainError(problems[0][1], field=problems[0][0])
    before = [_describe(p) for p in phases_of(session, challenge)]
    for phase in phases_of(session, challenge):
        session.delete(phase)
    session.flush()
    created = []
    for n, spec in enumerate(specs, start=1):
        phase = ChallengePhase(
            challenge_id=challenge.id, number=n, name=spec.name.strip(),
            budget_share=spec.budget_share, duration_days=spec.duration_days,
            carried_forward=spec.carried_forward,
            criteria=[PhaseCriterion(position=i, name=name.strip(), weight=weight)
                      for i, (name, weight) in enumerate(spec.criteria if n > 1 else [])])
        session.add(phase)
        created.append(phase)
    challenge.phase_count = len(created)
    session.flush()
    record(session, officer, "phase.defined", challenge, before={"phases": before},
           after={"phases": [_describe(p) for p in created]})
    return created


def _describe(phase: ChallengePhase) -> dict:
    return {"number": phase.number, "name": phase.name, "budget_share": phase.budget_share,
            "duration_days": phase.duration_days, "carried_forward": phase.carried_forward,
            "criteria": [[c.name, c.weight] for c in phase.criteria]}


def publish_problems(session, challenge: Challenge) -> list[str]:
    """Why a phased challenge cannot be published (its ceiling may have changed since
    the phases were defined); empty for a single-phase challenge."""
    phases = phases_of(session, challenge)
    specs = [PhaseSpec(p.name, p.budget_share, p.duration_days, p.carried_forward,
                       [(c.name, c.weight) for c in p.criteria]) for p in phases]
    return [message for _field, message in spec_problems(specs, challenge.budget_ceiling)]


def check_first_award(session, challenge: Challenge, items: list[AwardItem]) -> None:
    """The open call's award of a phased challenge: at most phase 1's number carried,
    within phase 1's share. Nothing for a single-phase challenge."""
    first = rules.phase_of(challenge, 1)
    if first is None:
        return
    if len(items) > first.carried_forward:
        raise DomainError(_("Phase 1 takes at most %(n)d solvers.", n=first.carried_forward))
    if sum(item.amount for item in items) > first.budget_share:
        raise DomainError(_("Together the amounts exceed the phase's budget share."))


# --- the call for phase results --------------------------------------------------------

def _bidders(session, submission_ids) -> list[User]:
    from marketplace.evaluation.awards import bidder_members

    return [user for submission in session.scalars(
        select(Submission).where(Submission.id.in_(list(submission_ids))).order_by(Submission.id))
        for user in bidder_members(session, submission)]


def open_results(session, officer: User, phase: ChallengePhase, deadline: datetime | None
                 ) -> None:
    """Open the call for the results that decide who enters `phase` (k ≥ 2), until
    `deadline` (aware UTC, in the future). The solvers of phase k-1 are told."""
    PHASE_LIFECYCLE.find(phase.status, PhaseStatus.COLLECTING)
    policy.require(officer, "phase.open", phase)
    if deadline is None or deadline <= utcnow():
        raise DomainError(_("The deadline must be in the future."), field="results_deadline")
    phase.results_deadline = deadline
    transition(session, phase, PhaseStatus.COLLECTING, officer, lifecycle=PHASE_LIFECYCLE,
               data={"number": phase.number, "results_deadline": deadline.isoformat()})
    previous = rules.phase_of(phase.challenge, phase.number - 1)
    title = phase.challenge.title
    notify(session, _bidders(session, rules.carried_into(previous)), "phase.opened",
           lambda: _("“%(title)s”: submit your phase results for the next phase.",
                     title=title), link=FUNNEL_PATH.format(id=phase.challenge_id))


def own_result(session, user: User, phase: ChallengePhase) -> PhaseResult | None:
    """The phase result of the user's organization for `phase`, if started; None when
    the user may not start one (`phase_result.start`) or has not yet."""
    if not policy.can(user, "phase_result.start", phase):
        return None
    return session.scalar(select(PhaseResult).where(
        PhaseResult.phase_id == phase.id, PhaseResult.submission_id == _own_submission(
            user, phase).id))


def _own_submission(user: User, phase: ChallengePhase) -> Submission:
    previous = rules.phase_of(phase.challenge, phase.number - 1)
    award = rules.selection_in_effect(previous)
    return next(item.submission for item in award.items
                if is_lead_member(user, item.submission))


def result_for(session, user: User, phase: ChallengePhase) -> PhaseResult:
    """The user's organization's phase result for `phase`, started as a draft if needed
    (`phase_result.start`: a member of a solver carried into the previous phase)."""
    policy.require(user, "phase_result.start", phase)
    result = own_result(session, user, phase)
    if result is None:
        result = PhaseResult(phase_id=phase.id, submission_id=_own_submission(user, phase).id)
        session.add(result)
        session.flush()
    return result


def save_result(session, user: User, result: PhaseResult, summary: str, *,
                submit: bool = False) -> None:
    """Save the draft's text (Markdown); `submit` seals it until the deadline."""
    policy.require(user, "phase_result.edit", result)
    summary = (summary or "").strip()
    if submit and not summary:
        raise DomainError(_("Please describe the results of the phase."), field="summary")
    result.summary = summary
    session.flush()
    if submit:
        transition(session, result, ResultStatus.SUBMITTED, user, lifecycle=RESULT_LIFECYCLE,
                   data={"phase": result.phase.number})


def reopen_result(session, user: User, result: PhaseResult) -> None:
    transition(session, result, ResultStatus.DRAFT, user, lifecycle=RESULT_LIFECYCLE)


def start_evaluation(session, user: User | None, phase: ChallengePhase, *,
                     by_system: bool = False) -> int:
    """After the deadline: the phase's submitted results open to the panel; drafts stay
    with their solvers. Returns how many opened."""
    if not by_system and not policy.can(user, "phase.start_evaluation", phase):
        policy.require(user, "phase.start_evaluation", phase)
    transition(session, phase, PhaseStatus.EVALUATING, user, lifecycle=PHASE_LIFECYCLE,
               by_system=by_system, data={"number": phase.number})
    opened = 0
    for result in session.scalars(select(PhaseResult).where(
            PhaseResult.phase_id == phase.id, PhaseResult.status == ResultStatus.SUBMITTED)
            .order_by(PhaseResult.id)):
        transition(session, result, ResultStatus.OPENED, SYSTEM, lifecycle=RESULT_LIFECYCLE,
                   by_system=True)
        opened += 1
    return opened


def close_expired(session, now: datetime | None = None) -> int:
    """The clock: every phase collecting results past its deadline starts its evaluation."""
    now = now or utcnow()
    phases = list(session.scalars(select(ChallengePhase).where(
        ChallengePhase.status == PhaseStatus.COLLECTING,
        ChallengePhase.results_deadline <= now).order_by(ChallengePhase.id)))
    for phase in phases:
        start_evaluation(session, SYSTEM, phase, by_system=True)
    return len(phases)


# --- scoring ---------------------------------------------------------------------------

def weighted_total(criteria: list[PhaseCriterion], scores: dict[int, int]) -> Decimal:
    """sum(score × weight) / 10: 0–100 when the weights sum to 100 (as for submissions)."""
    raw = sum(Decimal(scores[c.id]) * c.weight for c in criteria)
    return (raw / 10).quantize(CENT, rounding=ROUND_HALF_UP)


def score(session, evaluator: User, result: PhaseResult,
          values: dict[int, tuple[int | None, str]]) -> Decimal:
    """A panel member's scores (criterion id → (0–10, comment)) of a phase result on its
    phase's criteria, all at once and locked. Returns the weighted total (0–100)."""
    policy.require(evaluator, "phase_result.score", result)
    criteria = result.phase.criteria
    given: dict[int, int] = {}
    for criterion in criteria:
        value, _comment = values.get(criterion.id, (None, ""))
        if value is None or not 0 <= value <= 10:
            raise DomainError(_("Each score is a whole number from 0 to 10."),
                              field=f"score_{criterion.id}")
        given[criterion.id] = value
    total = weighted_total(criteria, given)
    for criterion in criteria:
        session.add(PhaseScore(result_id=result.id, evaluator_id=evaluator.id,
                               criterion_id=criterion.id, score=given[criterion.id],
                               comment=(values[criterion.id][1] or "").strip(), total=total))
    session.flush()
    record(session, evaluator, "phase_result.scored", result,
           after={"total": str(total), "scores": {str(k): v for k, v in given.items()}})
    if result.status is ResultStatus.OPENED and not _waiting_for(session, result):
        transition(session, result, ResultStatus.SCORED, SYSTEM, lifecycle=RESULT_LIFECYCLE,
                   by_system=True)
    return total


def _waiting_for(session, result: PhaseResult) -> list[User]:
    """Panel members who may score the result and have not yet."""
    members = session.scalars(select(User).join(PanelMember, PanelMember.user_id == User.id)
                              .where(PanelMember.challenge_id == result.phase.challenge_id))
    return [m for m in members if policy.can(m, "phase_result.score", result)]


@dataclass
class Standing:
    result: PhaseResult
    evaluations: int
    score: Decimal | None  # the mean of the evaluators' totals, 0–100, to the cent
    rank: int | None = None


def standings(session, phase: ChallengePhase) -> list[Standing]:
    """The phase's opened results with their mean totals, best first; equal means share
    a rank. Two statements, however many results and evaluators."""
    results = list(session.scalars(select(PhaseResult).where(
        PhaseResult.phase_id == phase.id, PhaseResult.status.in_(RESULT_IN_EVALUATION))
        .options(selectinload(PhaseResult.submission).selectinload(Submission.organization))
        .order_by(PhaseResult.id)))
    totals: dict[int, dict[int, Decimal]] = {}
    for result_id, evaluator_id, total in session.execute(
            select(PhaseScore.result_id, PhaseScore.evaluator_id, PhaseScore.total).distinct()
            .where(PhaseScore.result_id.in_([r.id for r in results]))):
        totals.setdefault(result_id, {})[evaluator_id] = Decimal(total)
    table = []
    for result in results:
        given = totals.get(result.id, {})
        mean = (sum(given.values(), Decimal(0)) / len(given)).quantize(
            CENT, rounding=ROUND_HALF_UP) if given else None
        table.append(Standing(result, len(given), mean))
    table.sort(key=lambda s: (s.score is None, -(s.score or 0), s.result.id))
    previous, rank = None, 0
    for position, standing in enumerate(table, start=1):
        if standing.score is None:
            continue
        if standing.score != previous:
            rank, previous = position, standing.score
        standing.rank = rank
    return table


def own_scores(session, result: PhaseResult) -> list[PhaseScore]:
    """The result's scores and comments, for its solver's feedback (evaluators unnamed
    on the page)."""
    return list(session.scalars(select(PhaseScore).where(PhaseScore.result_id == result.id)
                                .order_by(PhaseScore.evaluator_id, PhaseScore.criterion_id)))


# --- the down-selection ----------------------------------------------------------------

def selection_blockers(session, phase: ChallengePhase, table: list[Standing] | None = None
                       ) -> list[str]:
    """Why no down-selection is possible yet (empty when it is); `table`: the phase's
    standings when the caller has them."""
    table = standings(session, phase) if table is None else table
    waiting = [s for s in table if s.result.status is ResultStatus.OPENED]
    if waiting:
        return [_("%(n)d phase results are not fully scored yet.", n=len(waiting))]
    return []


def propose_selection(session, officer: User, phase: ChallengePhase, choices: list,
                      justification: str) -> Award:
    """The agency's down-selection into `phase` (k ≥ 2): `choices` are
    `evaluation.awards.Choice` (the solver's first submission id, the amount in đồng of
    its order in the phase, a reason when not ranked first); at most `carried_forward`
    scored results, amounts within the phase's budget share, a justification. It is an
    award of that phase (`evaluation.awards.decide_or_wait`: four-eyes above the
    threshold). Raises DomainError with the field `amount_<id>` / `reason_<id>`."""
    from marketplace.evaluation.awards import decide_or_wait, lock_challenge

    lock_challenge(session, phase.challenge)
    policy.require(officer, "phase.propose_selection", phase)
    blockers = selection_blockers(session, phase)
    if blockers:
        raise DomainError(blockers[0])
    justification = (justification or "").strip()
    if not justification:
        raise DomainError(_("Please justify the down-selection."), field="justification")
    if not choices:
        raise DomainError(_("Please choose the solvers carried into the phase."))
    if len(choices) > phase.carried_forward:
        raise DomainError(_("This phase takes at most %(n)d solvers.", n=phase.carried_forward))
    by_id = {s.result.submission_id: s for s in standings(session, phase)}
    if len({choice.submission_id for choice in choices}) != len(choices):
        raise DomainError(_("Only a scored phase result of this phase can be chosen."))
    items = []
    for choice in choices:
        standing = by_id.get(choice.submission_id)
        if standing is None or standing.rank is None:
            raise DomainError(_("Only a scored phase result of this phase can be chosen."))
        if choice.amount <= 0:
            raise DomainError(_("The amount must be positive."),
                              field=f"amount_{choice.submission_id}")
        reason = (choice.not_top_ranked_reason or "").strip()
        if standing.rank != 1 and not reason:
            raise DomainError(_("Explain why you choose a submission that is not ranked first."),
                              field=f"reason_{choice.submission_id}")
        items.append(AwardItem(submission_id=standing.result.submission_id,
                               amount=choice.amount, rank=standing.rank, score=standing.score,
                               not_top_ranked_reason=reason if standing.rank != 1 else ""))
    if sum(item.amount for item in items) > phase.budget_share:
        raise DomainError(_("Together the amounts exceed the phase's budget share."),
                          field=f"amount_{choices[-1].submission_id}")
    return decide_or_wait(session, officer, phase.challenge, items, justification,
                          phase=phase.number)


def selection_takes_effect(session, award: Award) -> None:
    """A down-selection approved: its standstill starts; the phase is selected; the
    chosen results carried forward, the other opened ones dropped; the bidders told."""
    from marketplace.complaints import standstill

    phase = rules.phase_of(award.challenge, award.phase)
    standstill.start(award)
    transition(session, phase, PhaseStatus.SELECTED, SYSTEM, lifecycle=PHASE_LIFECYCLE,
               by_system=True, data={"award_id": award.id, "number": phase.number})
    chosen = {item.submission_id for item in award.items}
    results = list(session.scalars(select(PhaseResult).where(
        PhaseResult.phase_id == phase.id,
        PhaseResult.status.in_((ResultStatus.OPENED, ResultStatus.SCORED)))
        .order_by(PhaseResult.id)))
    for result in results:
        target = ResultStatus.CARRIED if result.submission_id in chosen else ResultStatus.DROPPED
        transition(session, result, target, SYSTEM, lifecycle=RESULT_LIFECYCLE,
                   by_system=True, data={"award_id": award.id})
    title = award.challenge.title
    for result in results:
        notify(session, _bidders(session, [result.submission_id]), "phase.selected",
               lambda: _("The down-selection on “%(title)s” is out: see your scores.",
                         title=title), link=RESULT_PATH.format(id=result.id))


def selection_annulled(session, award: Award, data: dict) -> None:
    """An upheld complaint annulled the down-selection: its results are scored again and
    the phase back under evaluation, for a new decision."""
    phase = rules.phase_of(award.challenge, award.phase)
    for result in session.scalars(select(PhaseResult).where(
            PhaseResult.phase_id == phase.id,
            PhaseResult.status.in_((ResultStatus.CARRIED, ResultStatus.DROPPED)))
            .order_by(PhaseResult.id)):
        transition(session, result, ResultStatus.SCORED, SYSTEM, lifecycle=RESULT_LIFECYCLE,
                   by_system=True, data=data)
    if phase.status is PhaseStatus.SELECTED:
        transition(session, phase, PhaseStatus.EVALUATING, SYSTEM, lifecycle=PHASE_LIFECYCLE,
                   by_system=True, data=data)


# --- the funnel ------------------------------------------------------------------------

@dataclass
class FunnelRow:
    phase: ChallengePhase
    entered: int  # submissions (phase 1) or phase results (k ≥ 2) that were considered
    carried: int | None  # solvers selected into the phase; None while undecided
    cost: int  # đồng: the amounts of the selection in effect
    award: Award | None


def funnel(session, challenge: Challenge) -> list[FunnelRow]:
    """Per phase: how many entered, how many were carried into it, what it cost."""
    awards = {a.phase: a for a in session.scalars(select(Award).where(
        Award.challenge_id == challenge.id, Award.status == AwardStatus.APPROVED))}
    entered_first = session.scalar(select(func.count()).select_from(Submission).where(
        Submission.challenge_id == challenge.id,
        Submission.status.in_([*IN_EVALUATION, SubmissionStatus.DISQUALIFIED])))
    rows = []
    for phase in phases_of(session, challenge):
        if phase.number == 1:
            entered = entered_first
        else:
            entered = session.scalar(select(func.count()).select_from(PhaseResult).where(
                PhaseResult.phase_id == phase.id,
                PhaseResult.status.in_(RESULT_IN_EVALUATION)))
        award = awards.get(phase.number)
        rows.append(FunnelRow(phase, int(entered or 0),
                              len(award.items) if award else None,
                              award.total_amount if award else 0, award))
    return rows
