"""Rankings on exact scores (issue 14): means are exact fractions, ranks compare them
exactly, only the display rounds to cents — on SQLite and PostgreSQL alike."""

from decimal import Decimal
from fractions import Fraction

import pytest

from marketplace.errors import DomainError
from marketplace.evaluation import awards, ranking, report, services
from marketplace.evaluation.awards import Choice
from tests.evaluation_factories import make_evaluation, score

SEVENTY = [7, 7, 7]         # (33×7 + 33×7 + 34×7) / 10 = 70.0
SEVENTY_ONE_TENTH = [6, 7, 8]  # (33×6 + 33×7 + 34×8) / 10 = 70.1


def issue_case(session):
    """Weights 33/33/34, four evaluators, three solutions. A and C: 70.00 × 3 and 70.10
    (mean 70.025); B: the last evaluator is recused, 70.00 × 2 and 70.10 (70.0333…)."""
    world = make_evaluation(session, submissions=3, evaluators=4,
                            criteria=[("Đổi mới", 33), ("Khả thi", 33), ("Chi phí", 34)])
    a, b, c = world.submissions
    for submission in (a, b, c):
        for evaluator in world.panel[:2]:
            score(session, evaluator, submission, SEVENTY)
        score(session, world.panel[2], submission, SEVENTY_ONE_TENTH)
    score(session, world.panel[3], a, SEVENTY)
    services.declare(session, world.panel[3], b, "employment", "Từng làm việc cho đơn vị này")
    score(session, world.panel[3], c, SEVENTY)
    return world


def test_the_issue_case_ranks_on_exact_means(session):
    world = issue_case(session)
    a, b, c = world.submissions
    table = {s.submission.id: s for s in ranking.standings(session, world.challenge)}
    assert table[a.id].exact_mean == Fraction("70.025") == table[c.id].exact_mean
    assert table[b.id].exact_mean == Fraction(21010, 300)  # 70.0333…
    # all three show 70.03 …
    assert {table[s.id].score for s in (a, b, c)} == {Decimal("70.03")}
    # … but only B is first; A and C tie exactly, second
    assert (table[b.id].rank, table[a.id].rank, table[c.id].rank) == (1, 2, 2)
    assert [s.submission.id for s in ranking.standings(session, world.challenge)][0] == b.id


def test_awarding_a_solution_that_is_not_the_best_needs_the_reason(session):
    world = issue_case(session)
    a, b, _ = world.submissions
    with pytest.raises(DomainError, match="not ranked first|xếp hạng nhất"):
        awards.propose(session, world.officer, world.challenge, [Choice(a.id, 500_000_000)],
                       "Giá tốt nhất")
    award = awards.propose(session, world.officer, world.challenge,
                           [Choice(a.id, 500_000_000, "Đội ngũ ở địa phương")], "Giá tốt nhất")
    assert award.items[0].rank == 2 and award.items[0].not_top_ranked_reason
    assert award.items[0].score == Decimal("70.03")  # as shown


def test_the_report_shows_rounded_scores_with_exact_ranks(session):
    world = issue_case(session)
    a, b, c = world.submissions
    rows = [r for r in report.rows(report.build(session, world.challenge)) if r[0] == "standing"]
    assert [(r[6], r[8]) for r in rows] == [(Decimal("70.03"), 1), (Decimal("70.03"), 2),
                                            (Decimal("70.03"), 2)]


@pytest.mark.parametrize("value, shown", [
    (Fraction("70.025"), Decimal("70.03")), (Fraction(21010, 300), Decimal("70.03")),
    (Fraction("70.015"), Decimal("70.02")), (Fraction(200, 3), Decimal("66.67")),
    (Fraction(100), Decimal("100.00")), (Fraction(0), Decimal("0.00")), (None, None),
])
def test_display_rounds_half_up_to_cents(value, shown):
    assert ranking.cents(value) == shown

