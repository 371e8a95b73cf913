"""Issue 17 through the pages: the phase plan's money rule with the Vietnamese error next
to its field (what was typed kept), the public funnel, a solver's sealed phase results,
the panel's scoring and the down-selection form."""

from datetime import timedelta

from marketplace.challenges.models import ChallengeStatus
from marketplace.phases import services as phases
from marketplace.phases.models import ResultStatus
from marketplace.types import utcnow
from tests.factories import make_challenge
from tests.phases_factories import make_phased, pass_deadline, submit_results

PLAN = {"phase1_name": "Thiết kế giải pháp", "phase1_budget_share": "300.000.000",
        "phase1_duration_days": "60", "phase1_carried_forward": "3",
        "phase2_name": "Mẫu thử", "phase2_budget_share": "700.000.000",
        "phase2_duration_days": "90", "phase2_carried_forward": "2",
        "phase2_criteria": "Kết quả thiết kế: 60\nTính khả thi: 40",
        "phase3_name": "Thí điểm", "phase3_budget_share": "900.000.000",
        "phase3_duration_days": "180", "phase3_carried_forward": "1",
        "phase3_criteria": "Mẫu thử đạt yêu cầu: 100"}


def _switch(client, login, user):
    client.post_form("/logout", token_from="/")
    login(user)


def _feedback_of(html: str, field: str) -> str:
    start = html.index(f'id="{field}"')
    return html[start:html.index("</div>", html.index("invalid-feedback", start))]


def test_the_plan_outside_the_ceiling_is_refused_next_to_the_field(client, session, login):
    challenge = make_challenge(session, status=ChallengeStatus.DRAFT,
                               budget_ceiling=2_000_000_000)
    login(challenge.created_by)
    path = f"/challenges/{challenge.id}/phases/edit"
    assert client.get(path).status_code == 200
    response = client.post_form(path, PLAN)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "phải bằng trần ngân sách" in _feedback_of(html, "phase3_budget_share")
    assert 'value="Thí điểm"' in html and "Tính khả thi: 40" in html
    response = client.post_form(path, {**PLAN, "phase2_criteria": "Không có trọng số"})
    assert "Mỗi dòng một tiêu chí" in _feedback_of(response.get_data(as_text=True),
                                                   "phase2_criteria")
    response = client.post_form(path, {**PLAN, "phase3_budget_share": "1.000.000.000"})
    assert response.status_code == 302
    assert [p.name for p in phases.phases_of(session, challenge)] == [
        "Thiết kế giải pháp", "Mẫu thử", "Thí điểm"]
    assert "Các giai đoạn" in client.get(f"/challenges/{challenge.id}").get_data(as_text=True)


def test_the_funnel_is_public(client, session):
    world = make_phased(session)
    html = client.get(f"/challenges/{world.challenge.id}/phases").get_data(as_text=True)
    assert "Số hồ sơ tham gia: 3" in html and "Được chọn vào giai đoạn: 2" in html
    assert "300.000.000" in html and "Mẫu thử" in html
    single = make_challenge(session, status=ChallengeStatus.PUBLISHED)
    assert client.get(f"/challenges/{single.id}/phases").status_code == 404


def test_phase_results_through_the_pages(client, session, login):
    world = make_phased(session)
    solver = world.submissions[0].created_by
    login(solver)
    path = f"/phases/{world.phase2.id}/my-results"
    assert client.get(path).status_code == 200
    response = client.post_form(path, {"summary": "", "submit": "1"})
    assert response.status_code == 400
    assert "Vui lòng mô tả kết quả" in _feedback_of(response.get_data(as_text=True), "summary")
    response = client.post_form(path, {"summary": "Bản thiết kế chi tiết", "submit": "1"})
    assert response.status_code == 302
    result = phases.own_result(session, solver, world.phase2)
    assert result.status is ResultStatus.SUBMITTED
    _switch(client, login, world.officer)
    assert client.get(f"/phases/results/{result.id}").status_code == 404  # sealed
    pass_deadline(session, world.phase2)
    assert client.post_form(f"/phases/{world.phase2.id}/start").status_code == 302
    assert client.get(f"/phases/results/{result.id}").status_code == 200
    _switch(client, login, world.panel[0])
    criteria = world.phase2.criteria
    score_path = f"/phases/results/{result.id}/score"
    response = client.post_form(score_path, {f"score_{criteria[0].id}": "11"})
    assert response.status_code == 400
    response = client.post_form(score_path, {f"score_{c.id}": "8" for c in criteria})
    assert response.status_code == 302
    assert client.get(score_path).status_code == 403  # locked


def test_the_down_selection_form(client, session, login):
    world = make_phased(session)
    members = [s.created_by for s in world.submissions[:2]]
    results = submit_results(session, world, members)
    world.phase2.results_deadline = utcnow() - timedelta(seconds=1)
    phases.start_evaluation(session, world.officer, world.phase2)
    for evaluator in world.panel:
        for result, value in zip(results, (9, 6), strict=True):
            phases.score(session, evaluator, result,
                         {c.id: (value, "Tốt") for c in world.phase2.criteria})
    login(world.officer)
    path = f"/phases/{world.phase2.id}/select"
    top = results[0].submission_id
    assert client.get(path).status_code == 200
    response = client.post_form(path, {f"choose_{top}": "y", f"amount_{top}": "800.000.000",
                                       "justification": "Tốt nhất"})
    assert response.status_code == 400
    assert "vượt phần ngân sách" in _feedback_of(response.get_data(as_text=True),
                                                 f"amount_{top}")
    response = client.post_form(path, {f"choose_{top}": "y", f"amount_{top}": "600.000.000",
                                       "justification": "Tốt nhất"})
    assert response.status_code == 302
    decision = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "600.000.000" in decision  # the down-selection, on the award page
    session.expire_all()
    assert results[1].status is ResultStatus.DROPPED
    _switch(client, login, members[1])
    html = client.get(f"/phases/results/{results[1].id}").get_data(as_text=True)
    assert "Điểm của bạn và nhận xét của hội đồng" in html
