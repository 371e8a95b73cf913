"""Tell the officer what to do next (issue 13): when evaluation is short, the pages name the
solutions short — with how many evaluations they have of how many needed — and offer to
appoint another evaluator beside them, from one rule (`services.shortfalls`) that the
award rule asks too."""

from __future__ import annotations

import re

import pytest

from marketplace.challenges.models import ChallengeStatus
from marketplace.errors import DomainError
from marketplace.evaluation import awards, services
from marketplace.evaluation.awards import Choice
from tests.evaluation_factories import make_evaluation, score

APPOINT = "Chỉ định thêm chuyên gia đánh giá"


@pytest.fixture
def short(session):
    """Two solutions, two evaluators, two evaluations needed: A has both, the second
    evaluator recused from B — B has 1 of 2 and nobody left to give the second."""
    world = make_evaluation(session, submissions=2, evaluators=2, min_evaluators=2)
    first, second = world.submissions
    for evaluator in world.panel:
        score(session, evaluator, first, [8, 8, 8])
    score(session, world.panel[0], second, [7, 7, 7])
    services.declare(session, world.panel[1], second, "employment", "Tôi từng làm ở đây")
    session.commit()
    return world


def _shortfall_items(page: str) -> list[str]:
    return re.findall(r'<li class="[^"]*shortfall"[^>]*>(.*?)</li>', page, re.S)


def test_the_rule_names_the_solution_short_and_the_award_rule_asks_it(session, short):
    found = services.shortfalls(session, [short.challenge.id])
    assert list(found) == [short.challenge.id]
    (only,) = found[short.challenge.id]
    assert (only.submission_id, only.submitted, only.expected, only.needed) == \
        (short.submissions[1].id, 1, 1, 2)
    assert only.needs_evaluator
    assert str(only.label) == "Giải pháp B"
    assert any("ít nhất 2 phiếu" in b for b in awards.award_blockers(session, short.challenge))
    with pytest.raises(DomainError, match="ít nhất 2 phiếu"):
        awards.propose(session, short.officer, short.challenge,
                       [Choice(short.submissions[0].id, 1)], "Tốt")


def test_another_evaluator_ends_the_shortfall(session, short):
    third, _created = services.appoint(session, short.officer, short.challenge,
                                       "chuyen-gia-ba@example.vn")
    (pending,) = services.shortfalls(session, [short.challenge.id])[short.challenge.id]
    assert (pending.submitted, pending.expected, pending.needs_evaluator) == (1, 2, False)
    for submission in short.submissions:
        score(session, third.user, submission, [6, 6, 6])
    assert services.shortfalls(session, [short.challenge.id]) == {}
    assert awards.award_blockers(session, short.challenge) == []


@pytest.mark.parametrize("path", ["/evaluation/challenges/{id}/panel",
                                  "/evaluation/challenges/{id}/award", "/evaluation/"])
def test_the_officers_pages_name_the_solution_and_offer_an_evaluator(client, login, short,
                                                                      path):
    login(short.officer)
    page = client.get(path.format(id=short.challenge.id)).get_data(as_text=True)
    (item,) = _shortfall_items(page)
    assert "Giải pháp B" in item and "đã có 1 trong 2 phiếu đánh giá cần có" in item
    assert APPOINT in item
    assert f'href="/evaluation/challenges/{short.challenge.id}/panel#appoint"' in item
    panel = client.get(f"/evaluation/challenges/{short.challenge.id}/panel")
    assert 'id="appoint"' in panel.get_data(as_text=True)


def test_the_to_do_page_names_the_solution_and_offers_an_evaluator(client, login, short):
    login(short.officer)
    page = client.get("/todo/").get_data(as_text=True)
    group = page.split('id="todo-panels"')[1].split("</section>")[0]
    assert short.challenge.title in group
    assert "Giải pháp B: đã có 1 trong 2 phiếu đánh giá cần có" in group
    assert "Giải pháp A" not in group
    assert APPOINT in group
    assert f'href="/evaluation/challenges/{short.challenge.id}/panel#appoint"' in group


def test_nothing_is_short_while_the_panel_can_still_give_the_evaluations(client, login,
                                                                          session):
    world = make_evaluation(session, submissions=2, evaluators=2, min_evaluators=2)
    score(session, world.panel[0], world.submissions[0], [8, 8, 8])
    session.commit()
    login(world.officer)
    page = client.get("/todo/").get_data(as_text=True)
    group = page.split('id="todo-panels"')[1].split("</section>")[0]
    assert world.challenge.title not in group  # the panel is scoring: nothing to appoint
    panel = client.get(f"/evaluation/challenges/{world.challenge.id}/panel")
    items = _shortfall_items(panel.get_data(as_text=True))
    assert len(items) == 2 and "còn chờ 1 phiếu từ hội đồng" in items[0]


def test_a_recusal_from_one_solution_leaves_the_evaluator_expected_on_the_others(session):
    """A conflict is declared per solution: the evaluator recused from B is still expected
    to evaluate A (the rule once counted a recusal from any solution of the challenge as
    one from all of them, so A looked short of an evaluator too)."""
    world = make_evaluation(session, submissions=2, evaluators=2, min_evaluators=2)
    first, second = world.submissions
    services.declare(session, world.panel[1], second, "employment", "Tôi từng làm ở đây")
    session.commit()
    found = {s.submission_id: s for s in services.shortfalls(session, [world.challenge.id])
             [world.challenge.id]}
    assert (found[first.id].expected, found[first.id].needs_evaluator) == (2, False)
    assert (found[second.id].expected, found[second.id].needs_evaluator) == (1, True)


def test_the_panel_page_works_out_blockers_only_where_its_decision_section_shows_them(
        client, login, session, short, monkeypatch):
    """Blockers and shortfalls are shown (and worked out) only while the officer may
    propose the award: not before the evaluation starts, not once an award is live."""
    asked = []
    for module, name in ((awards, "award_blockers"), (services, "shortfalls_of")):
        original = getattr(module, name)
        monkeypatch.setattr(module, name, lambda s, c, _o=original, _n=name: (
            asked.append(_n), _o(s, c))[1])
    closed = make_evaluation(session, status=ChallengeStatus.CLOSED)
    session.commit()
    login(closed.officer)
    page = client.get(f"/evaluation/challenges/{closed.challenge.id}/panel")
    assert page.status_code == 200 and asked == []
    client.post_form("/logout", token_from="/")
    login(short.officer)
    page = client.get(f"/evaluation/challenges/{short.challenge.id}/panel")
    assert _shortfall_items(page.get_data(as_text=True))
    assert sorted(set(asked)) == ["award_blockers", "shortfalls_of"]
