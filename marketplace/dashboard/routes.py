"""The public transparency dashboard."""

from flask import Blueprint, render_template, request

from marketplace.cache import anonymous_page
from marketplace.dashboard import services
from marketplace.dashboard.queries import Filters
from marketplace.extensions import db
from marketplace.i18n import current_language
from marketplace.provinces import PROVINCES
from marketplace.web import authorize

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.route("", strict_slashes=False)
@anonymous_page
def index():
    authorize("dashboard.view")
    filters = Filters.from_args(request.args)
    board = services.build(db.session, filters, current_language())
    return render_template("dashboard/index.html", board=board, filters=filters,
                           provinces=PROVINCES)
