
from flask_babel import lazy_gettext as _l
from wtforms import MultipleFileField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from marketplace.forms import FlaskForm, IntegerField, MoneyField
from marketplace.submissions.services import SubmissionContent


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
    proposed_price = MoneyField(
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
    # the choices are the organizations found by the page's search (a few); the rule
    # (`services.invite_partner`) checks the one chosen, so the POST lists none
    organization_id = SelectField(_l("or choose a verified organization"), coerce=int,
                                  validators=[Optional()], validate_choice=False)
