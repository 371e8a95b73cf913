from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from marketplace.complaints.models import Contested, Remedy
from marketplace.forms import FlaskForm
from marketplace.labels import label


class ComplaintForm(FlaskForm):
    contested = SelectField(_l("The decision you contest"), choices=[],
                            validators=[DataRequired()])
    grounds = TextAreaField(_l("Grounds of the complaint"),
                            validators=[DataRequired(), Length(max=20000)])
    files = MultipleFileField(_l("Evidence files (PDF, DOCX, XLSX, ODT, PNG, JPEG)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.contested.choices = [(c.value, label(c)) for c in Contested]


class DecisionForm(FlaskForm):
    outcome = RadioField(_l("Decision"), choices=[("dismissed", _l("Dismiss the complaint")),
                                                  ("upheld", _l("Uphold the complaint"))],
                         validators=[DataRequired()])
    remedy = SelectField(_l("If upheld: what happens to the award"), choices=[],
                         validators=[Optional()])
    reasoning = TextAreaField(_l("Reasons (published on the register)"),
                              validators=[DataRequired(), Length(max=20000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.remedy.choices = [(r.value, label(r)) for r in Remedy]
