"""Drafting through the form: every field, local times, criteria rows, bad input kept,
and challenge documents."""

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from marketplace.challenges.models import Challenge, ChallengeStatus
from marketplace.files.models import Attachment
from tests import factories
from tests.challenges_factories import form_data, officer_and_agency, solver_member

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _new(client, session, **overrides):
    return client.post_form("/challenges/new", form_data(session, **overrides))


def _only_challenge(session) -> Challenge:
    return session.scalars(select(Challenge).order_by(Challenge.id.desc())).first()


@pytest.fixture
def officer(session, login):
    officer, agency = officer_and_agency(session)
    login(officer)
    return officer


def test_create_a_draft_with_every_field(client, session, officer):
    response = _new(client, session, clarification_deadline="2030-03-01T17:00",
                    submission_deadline="2030-03-15T09:30", blind_review="y",
                    parallel_pilots_allowed="y", **{"criteria-5-name": "Tác động xã hội",
                                                    "criteria-5-weight": "0"})
    assert response.status_code == 400  # weight 0 is refused
    html = response.get_data(as_text=True)
    assert 'value="Tác động xã hội"' in html and 'value="Chi phí"' in html
    response = _new(client, session, clarification_deadline="2030-03-01T17:00",
                    submission_deadline="2030-03-15T09:30", blind_review="y",
                    parallel_pilots_allowed="y")
    assert response.status_code == 302
    challenge = _only_challenge(session)
    assert challenge.status is ChallengeStatus.DRAFT
    assert challenge.title == "Giám sát chất lượng không khí bằng cảm biến IoT"
    assert challenge.budget_ceiling == 1_500_000_000
    assert challenge.eligible_kinds == ["startup", "university"]
    assert challenge.blind_review and challenge.parallel_pilots_allowed
    assert challenge.consortia_allowed and challenge.min_evaluators == 3
    assert challenge.pilot_duration_months == 6 and challenge.province == "Đà Nẵng"
    # typed in Viet Nam's time (UTC+7), stored in UTC
    assert challenge.submission_deadline == datetime(2030, 3, 15, 2, 30, tzinfo=UTC)
    assert challenge.clarification_deadline == datetime(2030, 3, 1, 10, 0, tzinfo=UTC)
    assert [(c.name, c.weight) for c in challenge.criteria] == [("Tính đổi mới", 60),
                                                                ("Chi phí", 40)]
    edit = client.get(f"/challenges/{challenge.id}/edit").get_data(as_text=True)
    assert 'value="2030-03-15T09:30"' in edit  # shown in local time again


def test_a_draft_may_be_incomplete_and_is_published_when_complete(client, session, officer):
    response = _new(client, session, problem="", budget_ceiling="", technology_group_id="",
                    **{"criteria-0-name": "", "criteria-0-description": "",
                       "criteria-0-weight": "", "criteria-1-name": "", "criteria-1-weight": ""})
    assert response.status_code == 302
    challenge = _only_challenge(session)
    html = client.get(f"/challenges/{challenge.id}/edit").get_data(as_text=True)
    assert "Thiếu mô tả bài toán." in html and "Chưa chọn nhóm công nghệ chiến lược." in html
    path = f"/challenges/{challenge.id}/edit"
    assert client.post_form(path, form_data(session)).status_code == 302
    response = client.post_form(f"/challenges/{challenge.id}/publish", token_from=path)
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Challenge, challenge.id).status is ChallengeStatus.PUBLISHED


@pytest.mark.parametrize("overrides, field", [
    ({"title": ""}, "title"),
    ({"budget_ceiling": "hai tỷ"}, "budget_ceiling"),
    ({"budget_ceiling": "9" * 25}, "budget_ceiling"),  # was a 500: too big for the column
    ({"submission_deadline": "ngày mai"}, "submission_deadline"),
    ({"criteria-2-weight": "30"}, "criteria-2-name"),  # a weight without a name
    ({"criteria-1-weight": ""}, "criteria-1-weight"),  # a name without a weight
    ({"min_evaluators": "0"}, "min_evaluators"),
    ({"clarification_deadline": "2030-04-01T10:00", "submission_deadline": "2030-03-01T10:00"},
     "clarification_deadline"),
])
def test_bad_input_keeps_what_was_typed(client, session, officer, overrides, field):
    response = _new(client, session, sector="Môi trường đô thị", **overrides)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "is-invalid" in html and f'id="{field}"' in html
    assert 'value="Môi trường đô thị"' in html
    assert "Thành phố cần **dữ liệu**" in html
    assert session.scalar(select(func.count()).select_from(Challenge)) == 0


def test_pending_agency_officer_can_draft(client, session, login):
    from marketplace.accounts.models import OrgStatus

    officer, _ = officer_and_agency(session, status=OrgStatus.PENDING)
    login(officer)
    assert _new(client, session).status_code == 302
    challenge = _only_challenge(session)
    response = client.post_form(f"/challenges/{challenge.id}/publish",
                                token_from=f"/challenges/{challenge.id}/edit",
                                follow_redirects=True)
    assert "đang chờ quản trị viên xác minh" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Challenge, challenge.id).status is ChallengeStatus.DRAFT


def test_solvers_cannot_draft(client, session, login):
    solver, _ = solver_member(session)
    login(solver)
    assert client.get("/challenges/new").status_code == 403


def _files(app) -> list[Path]:
    return [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()]


def test_upload_documents_to_a_challenge(app, client, session, officer):
    challenge = factories.make_challenge(session, agency=officer.memberships[0].organization,
                                         creator=officer, status=ChallengeStatus.DRAFT)
    path = f"/challenges/{challenge.id}/attachments"
    response = client.post_form(path, {"files": [(io.BytesIO(PDF), "Điều khoản tham chiếu.pdf")]},
                                token_from=f"/challenges/{challenge.id}/edit",
                                content_type="multipart/form-data")
    assert response.status_code == 302
    [attachment] = session.scalars(select(Attachment).where(
        Attachment.challenge_id == challenge.id))
    assert attachment.original_name == "Điều khoản tham chiếu.pdf"
    download = client.get(f"/files/{attachment.id}")
    assert download.status_code == 200 and download.data == PDF
    client.post_form("/logout", token_from="/")
    assert client.get(f"/files/{attachment.id}").status_code == 404  # a draft's file


def test_a_wrong_type_leaves_no_row_and_no_file(app, client, session, officer):
    challenge = factories.make_challenge(session, agency=officer.memberships[0].organization,
                                         creator=officer)
    before = set(_files(app))
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    response = client.post_form(
        f"/challenges/{challenge.id}/attachments",
        {"files": [(io.BytesIO(PDF), "good.pdf"),
                   (io.BytesIO(b"MZ\x90\x00 not a document"), "virus.pdf")]},
        token_from=f"/challenges/{challenge.id}/edit", content_type="multipart/form-data",
        follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "virus.pdf" in html  # the message names the file
    assert session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert set(_files(app)) == before  # the good file written first was removed again
    assert not challenge.amendments


def test_a_document_added_after_publication_is_an_amendment(client, session, officer):
    challenge = factories.make_challenge(session, agency=officer.memberships[0].organization,
                                         creator=officer)
    response = client.post_form(f"/challenges/{challenge.id}/attachments",
                                {"files": [(io.BytesIO(PDF), "phu-luc.pdf")]},
                                token_from=f"/challenges/{challenge.id}/edit",
                                content_type="multipart/form-data")
    assert response.status_code == 302
    html = client.get(f"/challenges/{challenge.id}").get_data(as_text=True)
    assert "phu-luc.pdf" in html
    session.expire_all()
    [amendment] = session.get(Challenge, challenge.id).amendments
    assert "phu-luc.pdf" in amendment.summary
