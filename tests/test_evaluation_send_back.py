"""The approver's page (issue 13): the reason box belongs to "Trả lại" (send back), not to
"Phê duyệt" (approve) — its own form, with its label, required only there, its Vietnamese
error beside it and the typed text kept."""

from __future__ import annotations

import re

import pytest

from marketplace.evaluation.models import AwardStatus
from tests.test_evaluation_award import _big_award, scored_world


@pytest.fixture
def waiting(session):
    world = scored_world(session)
    world.award = _big_award(session, world)
    session.commit()
    return world


def _forms(page: str) -> dict[str, str]:
    """The last path segment of each form's action → the form's HTML."""
    return {action.rsplit("/", 1)[-1]: body for action, body in
            re.findall(r'<form method="post" action="([^"]*)"[^>]*>(.*?)</form>', page, re.S)}


def test_the_reason_is_inside_the_send_back_form_only(client, login, waiting):
    login(waiting.approver)
    page = client.get(f"/evaluation/awards/{waiting.award.id}").get_data(as_text=True)
    forms = _forms(page)
    assert 'name="reason"' not in forms["approve"]
    send_back = forms["reject"]
    assert "Trả lại cán bộ phụ trách" in send_back  # its heading and its button
    assert re.search(r'<label[^>]*for="reason"[^>]*>Lý do trả lại</label>', send_back)
    assert re.search(r'<textarea[^>]*name="reason"', send_back)
    assert "Bắt buộc khi trả lại" in send_back
    assert "Không cần nêu lý do" in page.split('id="approve-h"')[1].split("</section>")[0]


def test_sending_back_without_a_reason_says_so_beside_the_field(client, login, session,
                                                               waiting):
    login(waiting.approver)
    page = f"/evaluation/awards/{waiting.award.id}"
    response = client.post_form(f"{page}/reject", {"reason": "   "}, token_from=page)
    assert response.status_code == 400
    send_back = _forms(response.get_data(as_text=True))["reject"]
    assert re.search(r'<textarea[^>]*aria-invalid="true"[^>]*name="reason"|'
                     r'<textarea[^>]*name="reason"[^>]*aria-invalid="true"', send_back)
    assert ('<div class="invalid-feedback">Vui lòng nêu lý do trả lại quyết định lựa chọn '
            'giải pháp.</div>') in send_back
    session.expire_all()
    assert waiting.award.status is AwardStatus.PROPOSED


def test_a_reason_too_long_is_kept_for_the_approver_to_shorten(client, login, waiting):
    login(waiting.approver)
    page = f"/evaluation/awards/{waiting.award.id}"
    typed = "Giá chưa được giải trình. " * 100  # 2 600 characters, 2 000 allowed
    response = client.post_form(f"{page}/reject", {"reason": typed}, token_from=page)
    assert response.status_code == 400
    send_back = _forms(response.get_data(as_text=True))["reject"]
    assert typed.strip() in send_back and "invalid-feedback" in send_back


def test_sending_back_with_a_reason(client, login, session, waiting):
    login(waiting.approver)
    page = f"/evaluation/awards/{waiting.award.id}"
    response = client.post_form(f"{page}/reject", {"reason": "Cần giải trình thêm về giá"},
                                token_from=page)
    assert response.status_code == 302
    session.expire_all()
    assert waiting.award.status is AwardStatus.REJECTED
    assert waiting.award.rejection_reason == "Cần giải trình thêm về giá"
