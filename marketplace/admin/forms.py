from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from marketplace.forms import FlaskForm


class VersionForm(FlaskForm):
    decision = StringField(_l("Decision"), validators=[DataRequired(), Length(max=120)])
    valid_from = DateField(_l("Valid from"), validators=[DataRequired()])
    valid_to = DateField(_l("Valid until (optional)"), validators=[Optional()])
    copy_from = SelectField(_l("Start from a copy of"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Create version"))


class GroupForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=20)])
    name_vi = StringField(_l("Name in Vietnamese"), validators=[DataRequired(), Length(max=300)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=300)])
    confirmed = BooleanField(_l("Checked against the official text"))
    submit = SubmitField(_l("Save"))
