"""The home page, the language switch and the health checks."""

from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import text

from marketplace.extensions import csrf, db
from marketplace.forms import ConfirmForm
from marketplace.security import is_safe_next

bp = Blueprint("public", __name__)


@bp.route("/")
def home():
    return render_template("public/home.html")


@bp.route("/language/<lang>", methods=["POST"])
def set_language(lang: str):
    if lang in current_app.config["LANGUAGES"] and ConfirmForm().validate_on_submit():
        session["lang"] = lang
        session.permanent = True
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else "/")


@bp.route("/favicon.ico")
def favicon():
    """Browsers and feed readers ask for /favicon.ico whatever the page links: the site's
    one icon (SVG)."""
    return redirect(url_for("static", filename="img/favicon.svg"))


@bp.route("/healthz")
@csrf.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure is "not healthy"
        db.session.rollback()
        return jsonify({"status": "error", "database": "unavailable"}), 503
    return jsonify({"status": "ok", "database": "ok"})


@bp.route("/readyz")
@csrf.exempt
def readyz():
    """Readiness (`marketplace.readiness`): 200 when every check passes, 503 otherwise."""
    from marketplace import readiness

    ready, results = readiness.checks(db.session)
    return jsonify({"status": "ok" if ready else "error", "checks": results}), (
        200 if ready else 503)
