import re

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, MultipleFileField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import TextInput

from marketplace.forms import FlaskForm
from marketplace.submissions.services import SubmissionContent


class VndField(IntegerField):
    """Whole đồng, typed as people write them: "1.500.000.000", "1 500 000 000 đ". A text
    input (a number input refuses the dots people type)."""

    widget = TextInput()

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = re.sub(r"(?i)[\s.,_]|vnd|đồng|đ|₫", "", valuelist[0] or "")
        if not raw:
            self.data = None
            return
        if not raw.isdigit():
            self.data = None
            raise ValueError(_l("Enter a whole number of đồng, e.g. 1.500.000.000."))
        self.data = int(raw)


class SubmissionForm(FlaskForm):
    organization_id = SelectField(_l("Bidding organization"), coerce=int,
                                  validators=[Optional()])
    summary = TextAreaField(_l("Summary"), validators=[DataRequired(), Length(max=5000)])
    technical_approach = TextAreaField(_l("Technical approach"),
                                       validators=[Optional(), Length(max=50000)])
    trl = IntegerField(
        _l("Technology readiness level (TRL)"),
        validators=[Optional(), NumberRange(min=1, max=9,
                                            message=_l("Enter a number from 1 to 9."))])
    proposed_price = VndField(
        _l("Proposed price (VND)"),
        validators=[Optional(), NumberRange(min=1, message=_l("The price must be more than "
                                                              "zero."))],
        render_kw={"inputmode": "numeric"})
    timeline = TextAreaField(_l("Timeline"), validators=[Optional(), Length(max=20000)])
    team = TextAreaField(_l("Team"), validators=[Optional(), Length(max=20000)])

    def content(self) -> SubmissionContent:
        return SubmissionContent(
            summary=self.summary.data or "", technical_approach=self.technical_approach.data or "",
            trl=self.trl.data, proposed_price=self.proposed_price.data,
            timeline=self.timeline.data or "", team=self.team.data or "")


class AttachmentForm(FlaskForm):
    attachments = MultipleFileField(_l("Add files (PDF, DOCX, XLSX, ODT, PNG, JPEG)"))


class PartnerForm(FlaskForm):
    registration_code = StringField(
        _l("Registration or tax code of the partner"),
        validators=[Optional(), Length(max=40),
                    Regexp(r"^[A-Za-z0-9./-]+$",
                           message=_l("Use letters, digits, dots, dashes or slashes only."))])
    organization_id = SelectField(_l("or choose a verified organization"), coerce=int,
                                  validators=[Optional()])
