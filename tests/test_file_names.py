"""File names: a long name keeps its extension (the type check reads it), and the ASCII
fallback name of a download is transliterated, not stripped of its letters."""

import pytest
from sqlalchemy import select

from marketplace.files.models import Attachment
from marketplace.files.routes import content_disposition
from marketplace.files.storage import MAX_NAME, safe_filename
from tests.submissions_factories import PDF
from tests.test_submissions_uploads import _upload, draft  # noqa: F401  (a fixture)

LONG_VI = "Hồ sơ đề xuất giải pháp chuyển đổi số giao thông đô thị " * 5 + ".pdf"


@pytest.mark.parametrize("name", ["a" * 197 + ".pdf", LONG_VI, "b" * 400 + ".docx"])
def test_a_long_name_is_shortened_before_its_extension(name):
    short = safe_filename(name)
    assert len(short) <= MAX_NAME
    assert short.rsplit(".", 1)[-1] == name.rsplit(".", 1)[-1]


def test_a_genuine_pdf_with_a_long_vietnamese_name_is_accepted(client, session, draft):  # noqa: F811
    response = _upload(client, draft, (LONG_VI, PDF))
    assert response.status_code == 200
    attachment = session.scalar(select(Attachment).where(Attachment.submission_id == draft.id))
    assert attachment is not None and attachment.original_name.endswith(".pdf")
    assert len(attachment.original_name) <= MAX_NAME


def test_the_ascii_fallback_name_is_transliterated():
    header = content_disposition("Hồ sơ dự thầu Đà Nẵng.pdf")
    assert 'filename="Ho so du thau Da Nang.pdf"' in header
    assert "filename*=UTF-8''H%E1%BB%93%20s%C6%A1" in header
