"""The to-do page ("Việc cần làm"): where a signed-in user lands after login."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from marketplace.extensions import db
from marketplace.todo.services import todo_for

bp = Blueprint("todo", __name__, url_prefix="/todo")


@bp.route("/")
@login_required
def index():
    groups = todo_for(db.session, current_user)
    return render_template("todo/index.html", groups=groups,
                           waiting=sum(len(g.items) for g in groups))
