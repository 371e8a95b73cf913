"""Issue 17, phases with down-selection: the tables (every pair allowed or refused), who
may take each step, the sealing of phase results, the money rules, the four-eyes
down-selection and what a dropped solver sees."""

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace import policy
from marketplace.audit.models import AuditEvent
from marketplace.challenges.models import ChallengeStatus
from marketplace.complaints import services as complaints
from marketplace.errors import DomainError, InvalidTransition, NotAllowed
from marketplace.evaluation import awards
from marketplace.evaluation.awards import Choice
from marketplace.evaluation.models import AwardStatus
from marketplace.lifecycle import lifecycle_of, transition
from marketplace.phases import services as phases
from marketplace.phases.models import PhaseStatus as P
from marketplace.phases.models import ResultStatus as R
from marketplace.phases.services import PhaseSpec
from marketplace.phases.states import PHASE_LIFECYCLE, RESULT_LIFECYCLE
from marketplace.types import utcnow
from tests.factories import make_challenge, make_user
from tests.phases_factories import make_phased, pass_deadline, submit_results

PHASE_ALLOWED = {(P.PLANNED, P.COLLECTING), (P.COLLECTING, P.EVALUATING),
                 (P.EVALUATING, P.SELECTED), (P.SELECTED, P.EVALUATING)}
RESULT_ALLOWED = {(R.DRAFT, R.SUBMITTED), (R.SUBMITTED, R.DRAFT), (R.SUBMITTED, R.OPENED),
                  (R.OPENED, R.SCORED), (R.OPENED, R.CARRIED), (R.OPENED, R.DROPPED),
                  (R.SCORED, R.CARRIED), (R.SCORED, R.DROPPED), (R.CARRIED, R.SCORED),
                  (R.DROPPED, R.SCORED)}
SYSTEM_ONLY = {"phase.select", "phase.reopen_selection", "phase_result.open",
               "phase_result.mark_scored", "phase_result.decide", "phase_result.reconsider"}


@pytest.mark.parametrize("source, target", list(itertools.product(P, P)))
def test_phase_table(source, target):
    if (source, target) in PHASE_ALLOWED:
        assert PHASE_LIFECYCLE.find(source, target).target is target
    else:
        with pytest.raises(InvalidTransition):
            PHASE_LIFECYCLE.find(source, target)


@pytest.mark.parametrize("source, target", list(itertools.product(R, R)))
def test_result_table(source, target):
    if (source, target) in RESULT_ALLOWED:
        assert RESULT_LIFECYCLE.find(source, target).target is target
    else:
        with pytest.raises(InvalidTransition):
            RESULT_LIFECYCLE.find(source, target)


@pytest.mark.parametrize("action", sorted(SYSTEM_ONLY))
def test_system_steps_are_nobodys(session, action):
    world = make_phased(session, submissions=2)
    for who in (world.officer, world.approver, world.panel[0], world.submissions[0].created_by):
        assert not policy.can(who, action, world.phase2)


def test_the_tables_are_registered(session):
    world = make_phased(session, submissions=2)
    assert lifecycle_of(world.phase2) is PHASE_LIFECYCLE


# --- the money and shape rules ---------------------------------------------------------

def _specs(shares=(300, 700, 1000), carried=(3, 2, 1), weights=(60, 40)):
    return [PhaseSpec(name, share * 1_000_000, 30, count,
                      [("Kết quả", weights[0]), ("Tiến độ", weights[1])])
            for name, share, count in zip(("Thiết kế", "Mẫu thử", "Thí điểm"), shares, carried,
                                          strict=True)]


@pytest.mark.parametrize("specs, field", [
    (_specs(shares=(300, 700, 900)), "phase3_budget_share"),
    (_specs(shares=(300, 700, 1100)), "phase3_budget_share"),
    (_specs(carried=(1, 2, 1)), "phase2_carried_forward"),
    (_specs(weights=(60, 30)), "phase2_criteria"),
    (_specs()[:1], "phase2_name"),
])
def test_define_refuses_a_plan_outside_the_rules(session, specs, field):
    challenge = make_challenge(session, status=ChallengeStatus.DRAFT,
                               budget_ceiling=2_000_000_000)
    officer = challenge.created_by
    with pytest.raises(DomainError) as refused:
        phases.define(session, officer, challenge, specs)
    assert refused.value.field == field
    assert not phases.is_phased(session, challenge)


def test_define_within_the_ceiling_then_publish_checks_it_again(session):
    challenge = make_challenge(session, status=ChallengeStatus.DRAFT,
                               budget_ceiling=2_000_000_000)
    officer = challenge.created_by
    created = phases.define(session, officer, challenge, _specs())
    assert [p.number for p in created] == [1, 2, 3] and created[0].criteria == []
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "phase.defined"))
    challenge.budget_ceiling = 2_500_000_000
    from marketplace.challenges import services as challenges

    with pytest.raises(challenges.Incomplete):
        challenges.publish(session, officer, challenge)
    phases.define(session, officer, challenge, [])  # single-phase again
    assert not phases.is_phased(session, challenge)


def test_only_the_officer_defines_and_only_a_draft(session):
    world = make_phased(session, submissions=2, open_phase_2=False)
    with pytest.raises(NotAllowed):  # under evaluation: no longer a draft
        phases.define(session, world.officer, world.challenge, _specs())
    draft = make_challenge(session, status=ChallengeStatus.DRAFT)
    with pytest.raises(NotAllowed):
        phases.define(session, make_user(session), draft, [])


def test_the_open_call_award_keeps_within_phase_one(session):
    world = make_phased(session, submissions=3, open_phase_2=False)
    assert world.award.phase == 1 and world.challenge.status is ChallengeStatus.AWARDED
    assert [row.carried for row in phases.funnel(session, world.challenge)] == [2, None, None]


def test_an_open_call_award_over_the_share_is_refused(session):
    from tests.evaluation_factories import make_evaluation, score_everything
    from tests.phases_factories import add_phases

    world = make_evaluation(session, submissions=2)
    add_phases(session, world.challenge)
    score_everything(session, world, [[[9, 9, 9], [8, 8, 8]]] * 2)
    with pytest.raises(DomainError, match="giai đoạn"):
        awards.propose(session, world.officer, world.challenge,
                       [awards.Choice(world.submissions[0].id, 400_000_000)], "Tốt nhất")


# --- the call for phase results and its sealing -------------------------------------------

def test_only_carried_solvers_submit_and_results_stay_sealed(session):
    world = make_phased(session)
    first, second, dropped = (s.created_by for s in world.submissions)
    assert not policy.can(dropped, "phase_result.start", world.phase2)
    with pytest.raises(NotAllowed):
        phases.result_for(session, dropped, world.phase2)
    results = submit_results(session, world, [first, second])
    assert all(r.status is R.SUBMITTED for r in results)
    outsiders = [world.officer, world.approver, *world.panel, dropped, make_user(session)]
    for result in results:
        for who in outsiders:
            assert not policy.can(who, "phase_result.view", result), who
        assert policy.can(result.submission.created_by, "phase_result.view", result)
    # the officer cannot open them early
    assert not policy.can(world.officer, "phase.start_evaluation", world.phase2)
    with pytest.raises(NotAllowed):
        phases.start_evaluation(session, world.officer, world.phase2)
    # before the deadline the solver may take it back to edit
    phases.reopen_result(session, first, results[0])
    phases.save_result(session, first, results[0], "Bản thiết kế sửa", submit=True)
    pass_deadline(session, world.phase2)
    assert not policy.can(first, "phase_result.reopen", results[0])
    with pytest.raises(NotAllowed):
        phases.reopen_result(session, first, results[0])
    assert phases.start_evaluation(session, world.officer, world.phase2) == 2
    for result in results:
        assert result.status is R.OPENED
        assert policy.can(world.officer, "phase_result.view", result)
        assert policy.can(world.panel[0], "phase_result.view", result)
        assert not policy.can(dropped, "phase_result.view", result)


def test_a_draft_never_opens_and_stays_with_its_solver(session):
    world = make_phased(session, submissions=2)
    first = world.submissions[0].created_by
    draft = phases.result_for(session, first, world.phase2)
    phases.save_result(session, first, draft, "Chưa xong")
    pass_deadline(session, world.phase2)
    assert phases.close_expired(session) == 1
    assert world.phase2.status is P.EVALUATING and draft.status is R.DRAFT
    assert not policy.can(world.officer, "phase_result.view", draft)
    assert policy.can(first, "phase_result.view", draft)


def test_opening_needs_the_previous_selection(session):
    world = make_phased(session, submissions=2, open_phase_2=False)
    phase3 = world.phases[2]
    assert not policy.can(world.officer, "phase.open", phase3)
    with pytest.raises(NotAllowed):
        phases.open_results(session, world.officer, phase3, utcnow() + timedelta(days=3))
    with pytest.raises(DomainError) as refused:
        phases.open_results(session, world.officer, world.phase2, utcnow() - timedelta(days=1))
    assert refused.value.field == "results_deadline"
    with pytest.raises(NotAllowed):
        phases.open_results(session, world.panel[0], world.phase2,
                            utcnow() + timedelta(days=3))


# --- scoring and the down-selection ------------------------------------------------------

def _evaluated(session, *, threshold=None):
    world = make_phased(session)
    first, second = (s.created_by for s in world.submissions[:2])
    world.results = submit_results(session, world, [first, second])
    pass_deadline(session, world.phase2)
    phases.start_evaluation(session, world.officer, world.phase2)
    criteria = world.phase2.criteria
    for evaluator in world.panel:
        for result, value in zip(world.results, (9, 6), strict=True):
            phases.score(session, evaluator, result,
                         {c.id: (value, f"Nhận xét {c.name}") for c in criteria})
    if threshold is not None:
        world.agency.approval_threshold = threshold
    return world


def test_scores_lock_and_a_conflicted_member_cannot_score(session):
    world = _evaluated(session)
    result = world.results[0]
    assert result.status is R.SCORED
    assert not policy.can(world.panel[0], "phase_result.score", result)  # already scored
    with pytest.raises(NotAllowed):
        phases.score(session, world.panel[0], result, {})
    assert not policy.can(world.submissions[1].created_by, "phase_result.score", result)
    ranking = phases.standings(session, world.phase2)
    assert [s.rank for s in ranking] == [1, 2] and ranking[0].score == 90


def test_the_down_selection_is_within_the_share_and_the_count(session):
    world = _evaluated(session)
    top, second = world.results
    with pytest.raises(DomainError) as refused:
        phases.propose_selection(session, world.officer, world.phase2,
                                 [Choice(top.submission_id, 800_000_000)], "Tốt nhất")
    assert refused.value.field == f"amount_{top.submission_id}"
    with pytest.raises(DomainError):
        phases.propose_selection(session, world.officer, world.phase2,
                                 [Choice(top.submission_id, 1), Choice(top.submission_id, 1)],
                                 "Hai lần một đơn vị")
    with pytest.raises(DomainError) as refused:
        phases.propose_selection(session, world.officer, world.phase2,
                                 [Choice(second.submission_id, 100_000_000)], "Hạng hai")
    assert refused.value.field == f"reason_{second.submission_id}"
    with pytest.raises(NotAllowed):
        phases.propose_selection(session, world.panel[0], world.phase2,
                                 [Choice(top.submission_id, 100_000_000)], "Tốt nhất")


def test_four_eyes_above_the_threshold_then_carried_and_dropped(session):
    world = _evaluated(session, threshold=100_000_000)
    top, second = world.results
    award = phases.propose_selection(
        session, world.officer, world.phase2,
        [Choice(top.submission_id, 600_000_000)], "Kết quả thiết kế tốt nhất")
    assert award.phase == 2 and award.status is AwardStatus.PROPOSED
    assert world.phase2.status is P.EVALUATING
    assert not policy.can(world.officer, "award.approve", award)
    assert not policy.can(make_user(session), "award.view", award)  # not public yet
    awards.approve(session, world.approver, award)
    assert award.status is AwardStatus.APPROVED and award.standstill_ends_at is not None
    assert world.phase2.status is P.SELECTED
    assert (top.status, second.status) == (R.CARRIED, R.DROPPED)
    assert policy.can(make_user(session), "award.view", award)  # public like an award
    dropped = second.submission.created_by
    assert policy.can(dropped, "phase_result.feedback", second)
    assert not policy.can(dropped, "phase_result.feedback", top)
    assert len(phases.own_scores(session, second)) == 4
    assert world.challenge.status is ChallengeStatus.AWARDED  # the open call's award stays
    row = phases.funnel(session, world.challenge)[1]
    assert (row.entered, row.carried, row.cost) == (2, 1, 600_000_000)
    assert policy.can(world.officer, "phase.open", world.phases[2])


def test_an_upheld_complaint_reopens_the_phase(session):
    world = _evaluated(session)
    top, second = world.results
    award = phases.propose_selection(session, world.officer, world.phase2,
                                     [Choice(top.submission_id, 600_000_000)], "Tốt nhất")
    assert complaints.approved_award(session, world.challenge).id == award.id
    complainant = second.submission.created_by
    complaint = complaints.file(session, complainant, world.challenge, contested="award",
                                grounds="Chấm điểm chưa đúng")
    complaints.review(session, world.officer, complaint)
    complaints.decide(session, world.officer, complaint, upheld=True, reasoning="Có căn cứ",
                      remedy="reevaluate")
    assert award.status is AwardStatus.ANNULLED
    assert world.phase2.status is P.EVALUATING
    assert (top.status, second.status) == (R.SCORED, R.SCORED)
    assert world.challenge.status is ChallengeStatus.AWARDED
    assert world.award.status is AwardStatus.APPROVED


def test_system_steps_refused_to_people(session):
    world = _evaluated(session)
    with pytest.raises(NotAllowed):
        transition(session, world.phase2, P.SELECTED, world.officer, lifecycle=PHASE_LIFECYCLE)
    with pytest.raises(NotAllowed):
        transition(session, world.results[0], R.CARRIED, world.officer,
                   lifecycle=RESULT_LIFECYCLE)


def test_each_item_of_a_down_selection_becomes_a_phase_order(session):
    from marketplace.orders import services as orders
    from tests.orders_factories import order_terms

    world = _evaluated(session)
    top = world.results[0]
    award = phases.propose_selection(session, world.officer, world.phase2,
                                     [Choice(top.submission_id, 600_000_000)], "Tốt nhất")
    item = award.items[0]
    with pytest.raises(DomainError) as refused:  # within the phase's amount
        orders.draft_order(session, world.officer, item, order_terms(value=700_000_000))
    assert refused.value.field == "value"
    order = orders.draft_order(session, world.officer, item, order_terms(value=600_000_000))
    assert order.solver_id == top.submission.organization_id
    with pytest.raises(DomainError):  # the down-selection's own standstill
        orders.offer(session, world.officer, order)
    award.standstill_ends_at = utcnow() - timedelta(seconds=1)
    orders.offer(session, world.officer, order)
    assert order.status.value == "offered"
