"""Forms of issue 17: the outcome (one row per KPI), the sandbox permission, the
solver's offer and the follow-on order. Errors next to the fields, in Vietnamese."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from marketplace import labels
from marketplace.forms import FlaskForm, IntegerField, MoneyField
from marketplace.orders.forms import OrderForm
from marketplace.outcomes.models import KpiVerdict, OutcomeResult


def _choices(enum_cls) -> list[tuple[str, str]]:
    return [(m.value, labels.label(m)) for m in enum_cls]


class OutcomeBase(FlaskForm):
    result = RadioField(_l("Outcome"), validators=[InputRequired()])
    lessons = TextAreaField(_l("Lessons learned (public)"),
                            validators=[Optional(), Length(max=5000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.group_errors: dict[str, list[str]] = {"kpis": []}  # a rule's refusal


def outcome_form(order, **kwargs) -> OutcomeBase:
    """The outcome form of `order`: for each KPI `achieved_<id>`, `verdict_<id>`,
    `note_<id>`, `evidence_<id>` (a file, optional)."""

    class OutcomeForm(OutcomeBase):
        pass

    for kpi in order.kpis:
        setattr(OutcomeForm, f"achieved_{kpi.id}", StringField(
            _l("Achieved"), validators=[DataRequired(), Length(max=300)]))
        setattr(OutcomeForm, f"verdict_{kpi.id}", SelectField(
            _l("Met?"), validators=[InputRequired()]))
        setattr(OutcomeForm, f"note_{kpi.id}", StringField(
            _l("Note"), validators=[Optional(), Length(max=2000)]))
        setattr(OutcomeForm, f"evidence_{kpi.id}", FileField(_l("Evidence file")))
    form = OutcomeForm(**kwargs)
    form.result.choices = _choices(OutcomeResult)
    for kpi in order.kpis:
        form[f"verdict_{kpi.id}"].choices = _choices(KpiVerdict)
    return form


class SandboxForm(FlaskForm):
    decision = StringField(_l("Decision number"), validators=[Optional(), Length(max=100)])
    issuer = StringField(_l("Issued by"), validators=[Optional(), Length(max=300)])
    scope = TextAreaField(_l("Scope of the permission"),
                          validators=[Optional(), Length(max=4000)])
    starts_on = DateField(_l("Valid from"), validators=[Optional()])
    ends_on = DateField(_l("Valid until"), validators=[Optional()])


class OfferForm(FlaskForm):
    summary = TextAreaField(_l("The solution in a few lines"),
                            validators=[Optional(), Length(max=4000)])
    unit = StringField(_l("Unit"), validators=[DataRequired(), Length(max=80)])
    reference_price = MoneyField(_l("Reference price per unit (đồng)"),
                                 validators=[InputRequired()])
    conditions = TextAreaField(_l("Conditions"), validators=[Optional(), Length(max=4000)])
    valid_until = DateField(_l("Valid until"), validators=[DataRequired()])


class FollowOnForm(OrderForm):
    agency = SelectField(_l("Buying agency"), coerce=int, validators=[InputRequired()])
    quantity = IntegerField(_l("Quantity"), validators=[InputRequired(),
                                                        NumberRange(min=1, max=1_000_000)])
    scope = TextAreaField(_l("Scope"), validators=[DataRequired(), Length(max=4000)])
    justification = TextAreaField(_l("Justification (cite the proven pilot)"),
                                  validators=[DataRequired(), Length(max=4000)])
