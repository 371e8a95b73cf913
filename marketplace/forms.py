"""Forms shared by every domain."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError


class ConfirmForm(FlaskForm):
    """A POST-only button: carries the CSRF token and nothing else."""


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


_EMAIL = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")


class EmailAddress:
    """A plain syntax check of an email address. (email_validator refuses the reserved
    `.example` and `.test` domains, which the demo accounts and tests use.)"""

    def __init__(self, message=None):
        self.message = message

    def __call__(self, form, field):
        value = (field.data or "").strip()
        if not _EMAIL.match(value) or len(value) > 254:
            raise ValidationError(self.message or _l("Please enter a valid email address."))
        field.data = value
