from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, StringField
from wtforms.validators import InputRequired, Length

from marketplace.alerts.models import Frequency
from marketplace.forms import EmailAddress, FlaskForm


class FollowForm(FlaskForm):
    """What to follow (hidden: it comes from the page's button), how often, and for a
    visitor the address to confirm."""

    kind = HiddenField()
    target = HiddenField()
    query = HiddenField(validators=[Length(max=600)])
    frequency = RadioField(
        _l("How often"), default=Frequency.DAILY.value,
        choices=[(Frequency.IMMEDIATE.value, _l("Immediately, one mail per news")),
                 (Frequency.DAILY.value, _l("A daily digest")),
                 (Frequency.WEEKLY.value, _l("A weekly digest"))],
        validators=[InputRequired(message=_l("Choose how often."))])
    email = StringField(_l("Your email address"),
                        validators=[InputRequired(message=_l("Please enter your email address.")),
                                    Length(max=254), EmailAddress()])
