"""An evaluator's page after the decision (issue 13): their past work — the challenge they
scored, each evaluation they submitted with its total, and the decision on each solution —
not "0 of 0"."""

from __future__ import annotations

import re

from marketplace.challenges.services import cancel
from marketplace.evaluation import awards
from marketplace.evaluation.awards import Choice
from tests.test_evaluation_award import scored_world


def _card(page: str, challenge_id: int) -> str:
    return page.split(f'id="challenge-{challenge_id}"')[1].split("</article>")[0]


def test_after_the_award_the_evaluator_sees_what_they_scored(client, login, session):
    world = scored_world(session)  # two evaluators, three solutions: 90, 70, 50 points
    awards.propose(session, world.officer, world.challenge,
                   [Choice(world.submissions[0].id, 800_000_000)], "Điểm cao nhất")
    session.commit()
    login(world.panel[1])
    page = client.get("/evaluation/").get_data(as_text=True)
    card = _card(page, world.challenge.id)
    assert "0 / 0" not in card and "0 trên 0" not in card
    assert "đã nộp 3 phiếu đánh giá" in card
    rows = re.findall(r"<tr>(.*?)</tr>", card.split("<tbody>")[1], re.S)
    assert len(rows) == 3
    assert "Giải pháp A" in rows[0] and "90,00" in rows[0]
    assert "Giải pháp C" in rows[2] and "50,00" in rows[2]
    assert "Đã lựa chọn giải pháp" in rows[0]
    assert "Không được chọn" in rows[1]
    assert f'href="/challenges/{world.challenge.id}/award"' in card
    assert f'href="/evaluation/submissions/{world.submissions[0].id}"' in rows[0]


def test_after_a_cancellation_the_work_stays_listed_without_links(client, login, session):
    world = scored_world(session)
    cancel(session, world.officer, world.challenge, "Không có giải pháp phù hợp",
           no_suitable_solution=True)
    session.commit()
    login(world.panel[0])
    card = _card(client.get("/evaluation/").get_data(as_text=True), world.challenge.id)
    assert "đã nộp 3 phiếu đánh giá" in card
    assert "Giải pháp B" in card and "70,00" in card
    assert "/evaluation/submissions/" not in card  # the panel's pages are closed now


def test_the_evaluators_to_do_page_leads_to_the_past_work(client, login, session):
    world = scored_world(session)
    awards.propose(session, world.officer, world.challenge,
                   [Choice(world.submissions[0].id, 800_000_000)], "Điểm cao nhất")
    session.commit()
    login(world.panel[0])
    page = client.get("/todo/").get_data(as_text=True)
    group = page.split('id="todo-evaluations"')[1].split("</section>")[0]
    assert ('<a href="/evaluation/">Mọi bài toán bạn đánh giá, kể cả đã có quyết định</a>'
            in group)
