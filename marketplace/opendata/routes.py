"""Open data: the OCDS release package, CSV downloads and the page that lists them."""

from __future__ import annotations

from contextlib import contextmanager

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    url_for,
)

from marketplace import conditional
from marketplace.extensions import db
from marketplace.opendata import columns, csv_export, ocds, xlsx_export
from marketplace.params import parse_int
from marketplace.web import authorize

bp = Blueprint("opendata", __name__, url_prefix="/opendata")
# CORS, validators from the data version and the rate limit on every file and feed; the
# page that lists them is HTML for people (no validators: it carries a CSRF token)
conditional.public_data(bp, versioned=lambda: request.endpoint != "opendata.index")
DATASET_NAMES = ", ".join(csv_export.DATASETS)


class _Urls:
    """The public addresses an OCDS release points to. Challenge pages are part of the
    site's stable interface (`/challenges/<id>`), so they are written out rather than
    built from an endpoint another domain registers."""

    def __init__(self):
        self.root = request.url_root.rstrip("/")

    def home(self) -> str:
        return self.root + "/"

    def challenge(self, challenge_id: int) -> str:
        return f"{self.root}/challenges/{challenge_id}"

    def attachment(self, attachment_id: int) -> str:
        return url_for("files.download", attachment_id=attachment_id, _external=True)

    def package(self, page: int) -> str:
        return url_for("opendata.ocds", page=page, _external=True)

    def policy(self) -> str:
        return url_for("opendata.index", _external=True)


def _page() -> int:
    """The feed's page: a page that does not parse is a page that does not exist (404)."""
    page = parse_int(request.args.get("page", "1"), min=1, max=10**6)
    if page is None:
        abort(404)
    return page


@bp.route("/")
def index():
    authorize("opendata.download")
    return render_template("opendata/index.html", datasets=list(csv_export.DATASETS.values()),
                           kinds=columns.KINDS, page_size=ocds.PAGE_SIZE,
                           prefix=current_app.config["OCDS_PREFIX"])


@bp.route("/ocds.json", endpoint="ocds")
def ocds_package():
    authorize("opendata.download")
    page = _page()
    package, found = ocds.release_package(db.session, prefix=current_app.config["OCDS_PREFIX"],
                                          page=page, urls=_Urls(),
                                          page_size=ocds.PAGE_SIZE)
    if not found and page > 1:
        abort(404)
    return jsonify(package)


def _session_scope():
    app = current_app._get_current_object()

    @contextmanager
    def session_scope():
        # The response is sent after the request's context is gone: each batch gets an
        # application context, so a database session, of its own.
        with app.app_context():
            yield db.session

    return session_scope


@bp.route(f"/<any({DATASET_NAMES}):name>.csv")
def csv(name: str):
    authorize("opendata.download")
    body = csv_export.stream(_session_scope(), name, current_app.config["OCDS_PREFIX"],
                             csv_export.BATCH)
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}.csv"',
        "Content-Type": "text/csv; charset=utf-8",
    })


@bp.route(f"/<any({DATASET_NAMES}):name>.xlsx")
def xlsx(name: str):
    """The same rows as the CSV, as a workbook (`xlsx_export.write`)."""
    authorize("opendata.download")
    data = xlsx_export.write(_session_scope(), name, current_app.config["OCDS_PREFIX"],
                             csv_export.BATCH)
    return Response(data, mimetype=xlsx_export.MIMETYPE, headers={
        "Content-Disposition": f'attachment; filename="{name}.xlsx"'})
