"""Forms of the evaluation pages. The scoring and award forms have one group of fields
per criterion or per submission, so they are built for the challenge at hand."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from marketplace.evaluation.services import DECLARABLE
from marketplace.forms import DecimalField, EmailAddress, FlaskForm, IntegerField, MoneyField
from marketplace.labels import label


class AppointForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), EmailAddress(), Length(max=254)])
    full_name = StringField(_l("Full name (for a new account)"),
                            validators=[Optional(), Length(max=200)])
    chair = BooleanField(_l("Chair of the panel"))


class SendBackForm(FlaskForm):
    """The approver's "Trả lại": the reason is required here, and only here (approving
    asks for none)."""

    reason = TextAreaField(_l("Reason for sending the award back"), validators=[
        DataRequired(message=_l("Please give the reason for sending the award back.")),
        Length(max=2000)])


class DeclarationForm(FlaskForm):
    kind = RadioField(_l("Declaration"), validators=[DataRequired()],
                      choices=lambda: [(k.value, label(k)) for k in DECLARABLE])
    note = TextAreaField(_l("Describe the conflict (required if there is one)"),
                         validators=[Length(max=2000)])


class ModerationForm(FlaskForm):
    score = DecimalField(_l("Moderated score (0–100)"), places=2,
                         validators=[DataRequired(), NumberRange(min=0, max=100)])
    justification = TextAreaField(_l("Justification"),
                                  validators=[DataRequired(), Length(max=4000)])


def score_form(criteria, data: dict | None = None) -> FlaskForm:
    """One score (0–10) and one comment per criterion; "save" or "submit"."""

    class ScoreForm(FlaskForm):
        save = SubmitField(_l("Save draft"))
        submit = SubmitField(_l("Submit scores (they are then locked)"))

    for criterion in criteria:
        setattr(ScoreForm, f"score_{criterion.id}", IntegerField(
            _l("Score (0–10)"), validators=[Optional(), NumberRange(min=0, max=10)]))
        setattr(ScoreForm, f"comment_{criterion.id}", TextAreaField(
            _l("Comment"), validators=[Length(max=4000)]))
    return ScoreForm(data=data or {})


def award_form(submissions) -> FlaskForm:
    """A choice, an amount and (if not ranked first) a reason per ranked submission."""

    class AwardForm(FlaskForm):
        justification = TextAreaField(_l("Justification"),
                                      validators=[DataRequired(), Length(max=4000)])

    for submission in submissions:
        setattr(AwardForm, f"choose_{submission.id}", BooleanField(_l("Award")))
        setattr(AwardForm, f"amount_{submission.id}", MoneyField(
            _l("Amount (VND)"), validators=[Optional(), NumberRange(min=1)],
            default=submission.proposed_price))
        setattr(AwardForm, f"reason_{submission.id}", TextAreaField(
            _l("Why this one, though it is not ranked first"), validators=[Length(max=2000)]))
    return AwardForm()
