"""Attachments of a submission: good files are kept; bad ones are refused with a clear
message and leave no row and no file behind."""

import io
import os
import re

import pytest
from sqlalchemy import func, select

from marketplace.files.models import Attachment
from marketplace.submissions.models import SubmissionStatus
from tests.factories import make_challenge
from tests.submissions_factories import PDF, PNG, docx_bytes, make_draft, make_solver


@pytest.fixture
def draft(session, login):
    user, org = make_solver(session)
    submission = make_draft(session, make_challenge(session), org)
    login(user)
    return submission


def _stored_files(app) -> set[str]:
    found = set()
    for root, _dirs, names in os.walk(app.config["UPLOAD_DIR"]):
        found.update(os.path.join(root, name) for name in names)
    return found


def _upload(client, submission, *files):
    path = f"/submissions/{submission.id}"
    data = {"attachments": [(io.BytesIO(content), name) for name, content in files],
            "csrf_token": client.csrf_token(path)}
    return client.post(f"{path}/attachments", data=data, content_type="multipart/form-data",
                       follow_redirects=True)


def _count(session, submission) -> int:
    return session.scalar(select(func.count()).select_from(Attachment)
                          .where(Attachment.submission_id == submission.id))


def test_good_files_are_attached_and_downloadable(client, session, draft, app):
    response = _upload(client, draft, ("đề xuất kỹ thuật.pdf", PDF), ("sơ đồ.png", PNG),
                       ("nhân sự.docx", docx_bytes()))
    assert response.status_code == 200
    assert _count(session, draft) == 3
    attachment = session.scalar(select(Attachment).where(Attachment.submission_id == draft.id,
                                                         Attachment.content_type ==
                                                         "application/pdf"))
    download = client.get(f"/files/{attachment.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize("name, content, message", [
    ("x.pdf", b"<html><script>alert(1)</script></html>", ("not an accepted", "không phải")),
    ("anh.png", PDF, ("not an accepted", "không phải")),
    ("../../etc/passwd.pdf", PDF, ("plain name", "không có thư mục")),
    ("rong.pdf", b"", ("empty", "không có nội dung")),
    ("lon.pdf", PDF + b"0" * 2048, ("larger than", "lớn hơn")),
])
def test_bad_uploads_are_refused_and_leave_nothing(client, session, draft, app, monkeypatch,
                                                   name, content, message):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 1024)
    before = _stored_files(app)
    html = _upload(client, draft, (name, content)).get_data(as_text=True)
    alerts = re.findall(r'class="alert alert-danger" role="alert">([^<]*)<', html)
    assert any(m in alert for m in message for alert in alerts), alerts
    assert _count(session, draft) == 0
    assert _stored_files(app) == before


def test_one_bad_file_refuses_the_whole_upload(client, session, draft, app):
    before = _stored_files(app)
    _upload(client, draft, ("tot.pdf", PDF), ("xau.pdf", b"MZ\x90\x00 not a pdf"))
    assert _count(session, draft) == 0
    assert _stored_files(app) == before


def test_the_files_of_a_submission_have_a_total_limit(client, session, draft, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_SUBMISSION_BYTES", len(PDF) * 2)
    _upload(client, draft, ("1.pdf", PDF), ("2.pdf", PDF))
    assert _count(session, draft) == 2
    before = _stored_files(app)
    html = _upload(client, draft, ("3.pdf", PDF)).get_data(as_text=True)
    assert "MB" in html and _count(session, draft) == 2
    assert _stored_files(app) == before


def test_files_can_be_removed_only_from_a_draft(client, session, draft, app):
    _upload(client, draft, ("bo.pdf", PDF))
    attachment = session.scalar(select(Attachment).where(Attachment.submission_id == draft.id))
    path = f"/submissions/{draft.id}"
    client.post_form(f"{path}/attachments/{attachment.id}/remove", token_from=path)
    assert _count(session, draft) == 0


def test_no_files_once_submitted(client, session, login, app):
    user, org = make_solver(session)
    submitted = make_draft(session, make_challenge(session), org,
                           status=SubmissionStatus.SUBMITTED)
    login(user)
    html = _upload(client, submitted, ("muon.pdf", PDF)).get_data(as_text=True)
    assert "draft" in html.lower() or "bản nháp" in html
    assert _count(session, submitted) == 0
