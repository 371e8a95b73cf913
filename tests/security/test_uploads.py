"""Uploads through the real views of challenges, submissions and milestone deliveries:
oversize files, HTML behind a PDF name, HTML and SVG files, path-traversal names and
empty files are refused with a message that says what is wrong, and leave no row and no
stored file; what is accepted is served inert — as an attachment, nosniff, in a sandbox."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import func, select

from marketplace.files.models import Attachment
from tests.security.matrix import Clients
from tests.submissions_factories import PDF

# one worker builds this module's world (a second would build it again): xdist_group
pytestmark = [pytest.mark.shared_world, pytest.mark.xdist_group("security-uploads")]

HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
       b"<script>alert(2)</script></svg>")

BAD_FILES = [
    # (name, content, the English message that must be shown)
    ("oversize.pdf", PDF + b"0" * 4096, "is larger than"),
    ("report.pdf", HTML, "is not an accepted document"),
    ("page.html", HTML, "is not an accepted document"),
    ("page.htm", PDF, "is not an accepted document"),
    ("logo.svg", SVG, "is not an accepted document"),
    ("logo.png", SVG, "is not an accepted document"),
    ("empty.pdf", b"", "is empty"),
    ("script.pdf.exe", PDF, "is not an accepted document"),
]
TRAVERSAL = ["../../etc/passwd.pdf", "..\\..\\boot.pdf", "/etc/cron.d/x.pdf", "a/../../b.pdf"]


def _english(client):
    client.post_form("/language/en", {"next": "/"}, token_from="/")
    return client


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(Attachment))


def _stored_files(app) -> set[Path]:
    return {p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()}


@pytest.fixture
def small_limit(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 2048)


def _upload(app, client, world, target: str, name: str, content: bytes):
    """Post one file through the view of `target`; the page that shows the outcome."""
    clients = Clients(app, client)
    if target == "challenge":
        c = _english(clients.for_user(world.officer))
        return c.post_form(f"/challenges/{world.draft.id}/attachments",
                           {"files": (BytesIO(content), name)}, token_from="/",
                           content_type="multipart/form-data", follow_redirects=True)
    if target == "submission":
        c = _english(clients.for_user(world.solver_owner))
        return c.post_form(f"/submissions/{world.draft_sub.id}/attachments",
                           {"attachments": (BytesIO(content), name)}, token_from="/",
                           content_type="multipart/form-data", follow_redirects=True)
    c = _english(clients.for_user(world.solver_member))
    milestone = world.active.milestones[2]
    return c.post_form(f"/orders/{world.active.id}/milestones/{milestone.id}/deliver",
                       {"notes": "Bàn giao", "files": (BytesIO(content), name)},
                       token_from="/", content_type="multipart/form-data",
                       follow_redirects=True)


TARGETS = ["challenge", "submission", "delivery"]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("name, content, message", BAD_FILES)
def test_bad_files_are_refused_with_a_clear_message(app, client, session, world, small_limit,
                                                    target, name, content, message):
    count, stored = _count(session), _stored_files(app)
    response = _upload(app, client, world, target, name, content)
    assert response.status_code in (200, 400)
    html = response.get_data(as_text=True)
    assert message in html, html[:500]
    assert _count(session) == count
    assert _stored_files(app) == stored


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("name", TRAVERSAL)
def test_path_traversal_names_are_refused_or_flattened(app, client, session, world, target,
                                                       name):
    count = _count(session)
    response = _upload(app, client, world, target, name, PDF)
    assert response.status_code in (200, 400)
    added = session.scalars(select(Attachment).order_by(Attachment.id.desc())).first()
    if _count(session) == count:
        assert "plain name" in response.get_data(as_text=True)  # refused, and said why
    else:
        assert "/" not in added.original_name and "\\" not in added.original_name
        assert not added.original_name.startswith(".")
        assert added.stored_name.isascii() and "." not in added.stored_name
    root = Path(app.config["UPLOAD_DIR"]).resolve()
    for path in _stored_files(app):
        assert path.resolve().is_relative_to(root)


def test_oversized_request_body_is_refused(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    response = _upload(app, client, world, "submission", "big.pdf", PDF + b"0" * 8192)
    assert response.status_code == 413


def _assert_inert(response, disposition_name: str | None = None):
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    csp = response.headers["Content-Security-Policy"]
    assert "sandbox" in csp and "default-src 'none'" in csp
    assert response.mimetype in ("application/pdf", "image/png", "image/jpeg") or \
        response.mimetype.startswith("application/vnd.")
    if disposition_name:
        assert disposition_name in response.headers["Content-Disposition"]


def test_accepted_files_are_served_inert(app, client, session, world):
    clients = Clients(app, client)
    _assert_inert(clients.for_user(None).get(f"/files/{world.open_attachment.id}"))
    _assert_inert(clients.for_user(world.solver_owner).get(f"/files/{world.sealed_attachment.id}"))
    _assert_inert(clients.for_user(world.active.parties.officer)
                  .get(f"/files/{world.delivery_attachment.id}"))
    _assert_inert(clients.for_user(world.evaluator)
                  .get(f"/evaluation/submissions/{world.evaluated.id}/attachments/1"),
                  "attachment-1.pdf")


def test_hostile_display_name_cannot_break_the_header(app, client, session, world):
    """A name with markup, quotes and non-ASCII stays one well-formed header; CR/LF
    never reach it."""
    from marketplace.files.routes import content_disposition

    clients = Clients(app, client)
    officer = clients.for_user(world.officer)
    name = "báo cáo <b>'x' 🚀 tài liệu.pdf"
    officer.post_form(f"/challenges/{world.draft.id}/attachments",
                      {"files": (BytesIO(PDF), name)}, token_from="/",
                      content_type="multipart/form-data")
    added = session.scalars(select(Attachment).order_by(Attachment.id.desc())).first()
    assert added.original_name.endswith("tài liệu.pdf")
    response = officer.get(f"/files/{added.id}")
    _assert_inert(response)
    disposition = response.headers["Content-Disposition"]
    plain = disposition.split('filename="', 1)[1].split('"', 1)[0]
    assert '"' not in plain and ";" not in plain
    header = content_disposition('x"\r\nSet-Cookie: a=1\r\n.pdf')
    assert "\r" not in header and "\n" not in header


@pytest.mark.parametrize("target", TARGETS)
def test_a_text_field_where_a_file_is_expected_is_refused_with_400(app, client, session, world,
                                                                   target):
    """`attachments=x` as a plain form field (valid token, as the owner) was a 500
    ("'str' object has no attribute 'filename'"): every upload route answers 400 with
    a message, and adds nothing."""
    clients = Clients(app, client)
    count = _count(session)
    if target == "challenge":
        c, path, data = clients.for_user(world.officer), \
            f"/challenges/{world.draft.id}/attachments", {"files": "x"}
    elif target == "submission":
        c, path, data = clients.for_user(world.solver_owner), \
            f"/submissions/{world.draft_sub.id}/attachments", {"attachments": "x"}
    else:
        milestone = world.active.milestones[2]
        c, path, data = clients.for_user(world.solver_member), \
            f"/orders/{world.active.id}/milestones/{milestone.id}/deliver", \
            {"notes": "Bàn giao", "files": "x"}
    _english(c)
    for content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        response = c.post_form(path, data, token_from="/", content_type=content_type)
        assert response.status_code == 400, (target, content_type)
        assert "was sent as text" in response.get_data(as_text=True)
    assert _count(session) == count
