"""Factories of phased challenges (issue 17): a challenge under evaluation with three
phases, its open call awarded to two solvers, and the call for phase-2 results."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from marketplace.evaluation import awards
from marketplace.phases import services as phases
from marketplace.phases.models import ChallengePhase, PhaseCriterion
from marketplace.types import utcnow
from tests.evaluation_factories import make_evaluation, score_everything

SHARES = (300_000_000, 700_000_000, 1_000_000_000)  # sum: the ceiling, 2 000 000 000


def add_phases(session, challenge, shares=SHARES, carried=(2, 2, 1)) -> list[ChallengePhase]:
    names = ("Thiết kế giải pháp", "Mẫu thử", "Thí điểm")
    rows = []
    for n, (share, count) in enumerate(zip(shares, carried, strict=True), start=1):
        criteria = [] if n == 1 else [PhaseCriterion(position=0, name="Kết quả", weight=60),
                                      PhaseCriterion(position=1, name="Tiến độ", weight=40)]
        rows.append(ChallengePhase(challenge_id=challenge.id, number=n, name=names[n - 1],
                                   budget_share=share, duration_days=60,
                                   carried_forward=count, criteria=criteria))
    session.add_all(rows)
    challenge.phase_count = len(rows)
    session.flush()
    return rows


def make_phased(session, *, submissions: int = 3, open_phase_2: bool = True
                ) -> SimpleNamespace:
    """Three phases; the open call scored (first submission best) and awarded to the
    first two submissions (150 000 000 đồng each, within the threshold); phase 2's
    results call open for ten days when `open_phase_2`."""
    world = make_evaluation(session, submissions=submissions, prices=[900_000_000] * submissions)
    world.phases = add_phases(session, world.challenge)
    table = [[[9, 9, 9], [8, 8, 8], [5, 5, 5]][:submissions]] * len(world.panel)
    score_everything(session, world, table)
    world.award = awards.propose(
        session, world.officer, world.challenge,
        [awards.Choice(s.id, 150_000_000, "" if i == 0 else "Hạng hai, cùng đi tiếp")
         for i, s in enumerate(world.submissions[:2])], "Hai giải pháp tốt nhất")
    world.phase2 = world.phases[1]
    if open_phase_2:
        phases.open_results(session, world.officer, world.phase2,
                            utcnow() + timedelta(days=10))
    return world


def submit_results(session, world, members) -> list:
    """Each member (of a carried solver) submits its phase-2 results."""
    results = []
    for member in members:
        result = phases.result_for(session, member, world.phase2)
        phases.save_result(session, member, result, "Bản thiết kế chi tiết", submit=True)
        results.append(result)
    return results


def pass_deadline(session, phase) -> None:
    phase.results_deadline = utcnow() - timedelta(seconds=1)
    session.flush()
