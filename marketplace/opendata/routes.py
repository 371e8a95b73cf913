"""Open data: the OCDS release package, CSV downloads and the page that lists them."""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import UTC, datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    send_file,
    url_for,
)

from marketplace import conditional, keyset
from marketplace.extensions import db
from marketplace.opendata import columns, csv_export, ocds, records, xlsx_export
from marketplace.params import parse_int
from marketplace.web import authorize

bp = Blueprint("opendata", __name__, url_prefix="/opendata")
# CORS, validators from the data version and the rate limit on every file and feed; the
# page that lists them is HTML for people (no validators: it carries a CSRF token)
conditional.public_data(bp, versioned=lambda: request.endpoint not in (
    "opendata.index", "opendata.bulk"))  # a bulk file has validators of its own (its time)
DATASET_NAMES = ", ".join(csv_export.DATASETS)
# `?page=N` of the feeds is served up to here (OFFSET, at most 900 processes skipped), for
# the links of before; their own `next` links carry a cursor (`?after=`, the last
# challenge id of the page: `keyset.encode_id`), so a deep page costs what the first does
NUMBERED_PAGES = 10


class PublicUrls:
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

    def package(self, page: int, after: int | None = None) -> str:
        return url_for("opendata.ocds", **_position(page, after), _external=True)

    def records(self, page: int, after: int | None = None) -> str:
        return url_for("opendata.records", **_position(page, after), _external=True)

    def policy(self) -> str:
        return url_for("opendata.index", _external=True)


def _position(page: int, after: int | None) -> dict:
    """The query arguments of a feed page: `after` (a cursor) or `page`."""
    return {"after": keyset.encode_id(after, page)} if after is not None else {"page": page}


def _json_error(status: int, message: str):
    abort(Response(json.dumps({"error": message}), status=status,
                   mimetype="application/json"))


def _page() -> tuple[int, int | None]:
    """(page number, the challenge id the page starts after or None) of `?after=` (the
    cursor of a `next` link; 400 when it does not decode) or `?page=` (a page that does
    not parse does not exist: 404; past `NUMBERED_PAGES`, 400 saying to follow the links
    or take the bulk files)."""
    token = request.args.get("after")
    if token is not None:
        cursor = keyset.decode_id(token)
        if cursor is None:
            _json_error(400, "after: not a cursor of this feed (follow the Link header)")
        return cursor.number, cursor.id
    page = parse_int(request.args.get("page", "1"), min=1, max=10**6)
    if page is None:
        abort(404)
    if page > NUMBERED_PAGES:
        _json_error(400, f"page: numbered pages stop at {NUMBERED_PAGES}; follow the Link "
                         'header\'s rel="next" (a cursor, ?after=) from the first page, or '
                         "download the bulk files: " + url_for("opendata.index", _external=True))
    return page, None


def _since() -> datetime | None:
    """`?since=`: an ISO 8601 time (a date means its first second, UTC when no zone is
    given); one that does not parse answers 400 in JSON."""
    raw = request.args.get("since", "").strip()
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        abort(Response('{"error": "since: not an ISO 8601 date or time"}', status=400,
                       mimetype="application/json"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _links(response: Response, endpoint: str, page: int, next_after: int | None,
           **args) -> None:
    """Pagination in the `Link` header (RFC 8288), so that the package holds only what
    the OCDS schema defines: `next` by cursor (the last challenge id of this page), `prev`
    by number while it is one of the first `NUMBERED_PAGES` (deeper: none; harvest
    forward)."""
    links = []
    if next_after is not None:
        following = url_for(endpoint, after=keyset.encode_id(next_after, page + 1),
                            _external=True, **args)
        links.append(f'<{following}>; rel="next"')
    if 1 < page <= NUMBERED_PAGES + 1:
        links.append(f'<{url_for(endpoint, page=page - 1, _external=True, **args)}>; '
                     f'rel="prev"')
    if links:
        response.headers["Link"] = ", ".join(links)


@bp.route("/")
def index():
    authorize("opendata.download")
    return render_template("opendata/index.html", datasets=list(csv_export.DATASETS.values()),
                           kinds=columns.KINDS, page_size=ocds.PAGE_SIZE,
                           prefix=current_app.config["OCDS_PREFIX"],
                           license_url=current_app.config["OPENDATA_LICENSE"],
                           extensions=ocds.EXTENSIONS,
                           bulk=records.bulk_files(current_app.config["OPENDATA_DIR"]))


@bp.route("/ocds.json", endpoint="ocds")
def ocds_package():
    authorize("opendata.download")
    (page, after), since = _page(), _since()
    package, found, next_after = ocds.release_package(
        db.session, prefix=current_app.config["OCDS_PREFIX"], page=page, urls=PublicUrls(),
        license_url=current_app.config["OPENDATA_LICENSE"], page_size=ocds.PAGE_SIZE,
        since=since, after=after)
    if not found and page > 1:
        abort(404)
    response = jsonify(package)
    extra = {"since": request.args["since"]} if since is not None else {}
    _links(response, "opendata.ocds", page, next_after, **extra)
    return response


@bp.route("/records.json", endpoint="records")
def records_package():
    authorize("opendata.download")
    page, after = _page()
    package, found, next_after = records.record_package(
        db.session, prefix=current_app.config["OCDS_PREFIX"], page=page, urls=PublicUrls(),
        license_url=current_app.config["OPENDATA_LICENSE"], page_size=ocds.PAGE_SIZE,
        after=after)
    if not found and page > 1:
        abort(404)
    response = jsonify(package)
    _links(response, "opendata.records", page, next_after)
    return response


@bp.route("/bulk/<any(releases, records):kind>.jsonl.gz", endpoint="bulk")
def bulk(kind: str):
    """The last bulk file the worker wrote (`jobs.write_opendata`); 404 before the first."""
    authorize("opendata.download")
    found = records.bulk_files(current_app.config["OPENDATA_DIR"]).get(kind)
    if found is None:
        abort(404)
    return send_file(found.path, mimetype="application/gzip", as_attachment=True,
                     download_name=found.name, conditional=True)


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
