"""Downloads: every file goes through the policy, as an attachment, never inline."""

from urllib.parse import quote

from flask import Blueprint, Response
from unidecode import unidecode

from marketplace.files.models import Attachment
from marketplace.files.storage import storage
from marketplace.textsafety import strip_bidi
from marketplace.web import get_or_404

bp = Blueprint("files", __name__, url_prefix="/files")


def content_disposition(name: str) -> str:
    name = strip_bidi(name) or "file"  # a name stored before bidi controls were stripped
    # the fallback for clients without filename*: transliterated ("Hồ sơ dự thầu.pdf" →
    # "Ho so du thau.pdf"), not stripped of its Vietnamese letters
    ascii_name = unidecode(name)
    ascii_name = "".join(ch for ch in ascii_name if ch.isalnum() or ch in "._- ") or "file"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


@bp.route("/<int:attachment_id>")
def download(attachment_id: int):
    # 404, not 403: a sealed submission's files must not even be known to exist
    attachment = get_or_404(Attachment, attachment_id)
    with storage().open(attachment.stored_name) as fh:
        data = fh.read()
    response = Response(data, mimetype=attachment.content_type)
    response.headers["Content-Disposition"] = content_disposition(attachment.original_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = \
        "default-src 'none'; frame-ancestors 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
