from flask_babel import lazy_gettext as _l
from wtforms import RadioField, TextAreaField
from wtforms.validators import InputRequired, Length

from marketplace.feedback.services import COMMENT_MAX
from marketplace.forms import FlaskForm

RATINGS = [("5", _l("5 — very satisfied")), ("4", _l("4 — satisfied")),
           ("3", _l("3 — neither satisfied nor dissatisfied")),
           ("2", _l("2 — dissatisfied")), ("1", _l("1 — very dissatisfied"))]


class CitizenFeedbackForm(FlaskForm):
    """A citizen's rating (1–5) and optional comment; no account, no name, no email."""

    rating = RadioField(_l("How satisfied are you with this service?"), choices=RATINGS,
                        validators=[InputRequired(message=_l("Choose a rating from 1 to 5."))])
    comment = TextAreaField(
        _l("Comment (optional)"),
        validators=[Length(max=COMMENT_MAX, message=_l(
            "At most %(max)d characters.", max=COMMENT_MAX))])
