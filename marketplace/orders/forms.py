"""Forms of the orders domain. KPIs and milestones are fixed rows (blank rows are
ignored), so the pages work without JavaScript."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from marketplace.formatting import thousands
from marketplace.forms import FlaskForm, Form, MoneyField
from marketplace.orders.milestones import SOLVER_CRITERIA
from marketplace.orders.terms import MilestonePlan, OrderTerms, local_today
from marketplace.payments.treasury import TreasuryPayment
from marketplace.payments.treasury import problems as treasury_problems

KPI_ROWS = 5
MILESTONE_ROWS = 6
SCORE_CHOICES = [(str(n), str(n)) for n in range(1, 6)]


class KpiRow(Form):
    name = StringField(_l("KPI"), validators=[Optional(), Length(max=300)])
    target = StringField(_l("Target"), validators=[Optional(), Length(max=300)])

    def is_blank(self) -> bool:
        return not (self.name.data or "").strip() and not (self.target.data or "").strip()


class MilestoneRow(Form):
    id = HiddenField()
    deliverable = StringField(_l("Deliverable"), validators=[Optional(), Length(max=2000)])
    due_date = DateField(_l("Due date"), validators=[Optional()])
    amount = MoneyField(_l("Amount (đồng)"))

    def is_blank(self) -> bool:
        return (not (self.deliverable.data or "").strip() and self.due_date.data is None
                and self.amount.data is None and not self.id.data)


class _MilestoneRows:
    """Row checks shared by the order form and the amendment form."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.group_errors: dict[str, list[str]] = {"kpis": [], "milestones": []}

    def check_milestone_rows(self) -> bool:
        ok = True
        for row in self.milestones:
            sub = row.form
            if sub.is_blank():
                continue
            if sub.id.data and not (sub.deliverable.data or "").strip() \
                    and sub.amount.data is None:
                continue  # an existing milestone blanked out: removed by the amendment
            for name in ("deliverable", "due_date", "amount"):
                f = getattr(sub, name)
                if not f.errors and (f.data is None or (isinstance(f.data, str)
                                                        and not f.data.strip())):
                    f.errors = [*f.errors, _l("Required in a filled row.")]
                    ok = False
        return ok

    def milestone_plans(self) -> list[MilestonePlan]:
        plans = []
        for row in self.milestones:
            sub = row.form
            if sub.is_blank() or (sub.amount.data is None
                                  and not (sub.deliverable.data or "").strip()):
                continue
            plans.append(MilestonePlan(sub.deliverable.data.strip(), sub.due_date.data,
                                       sub.amount.data,
                                       int(sub.id.data) if (sub.id.data or "").isdigit()
                                       else None))
        return plans

    def check_sum(self, value) -> bool:
        plans = self.milestone_plans()
        if value is not None and plans and sum(p.amount for p in plans) != value:
            total = thousands(sum(p.amount for p in plans))
            self.group_errors["milestones"].append(
                str(_l("The milestone amounts add up to %(total)s đồng; they must add up to "
                       "the value exactly.", total=total)))
            return False
        return True


class OrderForm(_MilestoneRows, FlaskForm):
    contract_number = StringField(_l("Contract number"),
                                  validators=[DataRequired(), Length(max=60)])
    value = MoneyField(_l("Value (đồng)"), validators=[InputRequired()])
    start_date = DateField(_l("Start date"), validators=[DataRequired()])
    end_date = DateField(_l("End date"), validators=[DataRequired()])
    terms = TextAreaField(_l("Terms (confidential: only the two parties see them)"),
                          validators=[Optional(), Length(max=20000)])
    kpis = FieldList(FormField(KpiRow), min_entries=KPI_ROWS, max_entries=20)
    milestones = FieldList(FormField(MilestoneRow), min_entries=MILESTONE_ROWS,
                           max_entries=30)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for row in self.kpis:
            sub = row.form
            if not sub.is_blank() and not ((sub.name.data or "").strip()
                                           and (sub.target.data or "").strip()):
                self.group_errors["kpis"].append(str(_l("Each KPI needs a name and a target.")))
                ok = False
                break
        ok = self.check_milestone_rows() and ok
        return ok and self.check_sum(self.value.data)

    def to_terms(self) -> OrderTerms:
        kpis = tuple((r.form.name.data.strip(), r.form.target.data.strip())
                     for r in self.kpis if not r.form.is_blank())
        return OrderTerms(
            contract_number=self.contract_number.data.strip(), value=self.value.data,
            start_date=self.start_date.data, end_date=self.end_date.data,
            terms=(self.terms.data or "").strip(), kpis=kpis,
            milestones=tuple(self.milestone_plans()))


class AmendmentForm(_MilestoneRows, FlaskForm):
    value = MoneyField(_l("Value (đồng)"), validators=[InputRequired()])
    start_date = DateField(_l("Start date"), validators=[DataRequired()])
    end_date = DateField(_l("End date"), validators=[DataRequired()])
    milestones = FieldList(FormField(MilestoneRow), min_entries=MILESTONE_ROWS,
                           max_entries=40)
    reason = TextAreaField(_l("Reason for the amendment"),
                           validators=[DataRequired(), Length(max=4000)])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        ok = self.check_milestone_rows() and ok
        return ok and self.check_sum(self.value.data)


class SignForm(FlaskForm):
    full_name = StringField(_l("Your full name, as your signature"),
                            validators=[DataRequired(), Length(max=200)])
    confirm = BooleanField(_l("I have read these terms and sign them on behalf of my "
                              "organization."))
    terms_sha256 = HiddenField()


class DeliveryForm(FlaskForm):
    notes = TextAreaField(_l("What was delivered"), validators=[DataRequired(),
                                                                 Length(max=10000)])
    files = MultipleFileField(_l("Evidence files (PDF, DOCX, XLSX, ODT, PNG, JPEG)"))


class OfflinePaymentForm(FlaskForm):
    """A State Treasury payment as its payment order shows it (`payments.treasury`). The
    view sets `amount_due` (the milestone's amount); every wrong field is shown at once."""

    treasury = StringField(_l("State Treasury office that executed the payment"))
    budget_unit_code = StringField(_l("Budget unit code (mã ĐVQHNS, 7 digits)"))
    order_number = StringField(_l("Payment order number"))
    order_date = DateField(_l("Payment order date"), validators=[Optional()])
    amount = MoneyField(_l("Amount on the payment order (đồng)"))
    paid_on = DateField(_l("Date the Treasury paid"), validators=[Optional()])

    amount_due: int = 0

    def treasury_payment(self) -> TreasuryPayment:
        return TreasuryPayment(treasury=self.treasury.data or "",
                               budget_unit_code=self.budget_unit_code.data or "",
                               order_number=self.order_number.data or "",
                               order_date=self.order_date.data, amount=self.amount.data)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for problem in treasury_problems(self.treasury_payment(), amount_due=self.amount_due,
                                         paid_on=self.paid_on.data, today=local_today()):
            field = getattr(self, problem.field)
            if not field.errors:  # a date or amount that did not parse says so already
                field.errors = [*field.errors, problem.message]
            valid = False
        return valid


class AgencyRatingForm(FlaskForm):
    """The solver rates the agency."""

    fairness = RadioField(_l("Fairness"), choices=SCORE_CHOICES, validators=[DataRequired()])
    clarity = RadioField(_l("Clarity of requirements"), choices=SCORE_CHOICES,
                         validators=[DataRequired()])
    payment_speed = RadioField(_l("Payment speed"), choices=SCORE_CHOICES,
                               validators=[DataRequired()])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=4000)])

    def scores(self) -> dict[str, int]:
        return {name: int(getattr(self, name).data) for name in SOLVER_CRITERIA}


def pilot_rating_form(kpis, formdata=None):
    """The agency rates the pilot: one 1–5 score per KPI, and a comment."""

    class PilotRatingForm(FlaskForm):
        comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=4000)])

        def scores(self) -> dict[int, int]:
            return {kpi.id: int(getattr(self, f"kpi_{kpi.id}").data) for kpi in kpis}

        def kpi_fields(self):
            return [(kpi, getattr(self, f"kpi_{kpi.id}")) for kpi in kpis]

    for kpi in kpis:
        setattr(PilotRatingForm, f"kpi_{kpi.id}",
                RadioField(f"{kpi.name} — {kpi.target}", choices=SCORE_CHOICES,
                           validators=[DataRequired()]))
    return PilotRatingForm() if formdata is None else PilotRatingForm(formdata=formdata)


class RecommendationForm(FlaskForm):
    recommended = RadioField(_l("Is the solution recommended for scale-up?"),
                             choices=[("yes", _l("Yes, recommended for scale-up")),
                                      ("no", _l("No"))], validators=[DataRequired()])
    follow_on_plan = TextAreaField(_l("Planned follow-on procurement"),
                                   validators=[Optional(), Length(max=4000)])
