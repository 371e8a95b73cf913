from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    FormField,
    MultipleFileField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace.accounts.models import SOLVER_KINDS
from marketplace.challenges.models import PUBLIC_STATUSES, Challenge
from marketplace.challenges.queries import Filters
from marketplace.challenges.services import ChallengeInput, CriterionInput
from marketplace.forms import FlaskForm, Form, IntegerField, MoneyField
from marketplace.labels import label
from marketplace.params import BIGINT_MAX, parse_int
from marketplace.provinces import PROVINCES

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CRITERIA_ROWS = 8
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def to_utc(local: datetime | None) -> datetime | None:
    """A time typed in Viet Nam's local time, as aware UTC."""
    return None if local is None else local.replace(tzinfo=LOCAL_TZ).astimezone(UTC)


def to_local(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(LOCAL_TZ).replace(tzinfo=None)


def _typed_time(typed: datetime | None, stored: datetime | None) -> datetime | None:
    """The form shows minutes only: an unchanged field keeps the stored time exactly."""
    if typed is not None and stored is not None and \
            to_local(stored).replace(second=0, microsecond=0) == typed:
        return stored
    return to_utc(typed)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CriterionRow(Form):
    name = StringField(_l("Criterion"), validators=[Length(max=200)])
    description = StringField(_l("Description"), validators=[Length(max=2000)])
    weight = IntegerField(_l("Weight (%)"), validators=[Optional(), NumberRange(min=1, max=100)])

    @property
    def is_blank(self) -> bool:
        typed_weight = bool(self.weight.raw_data and str(self.weight.raw_data[0]).strip())
        return not ((self.name.data or "").strip() or (self.description.data or "").strip()
                    or typed_weight)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.is_blank:
            return valid
        if not (self.name.data or "").strip():
            self.name.errors = [*self.name.errors,
                                _l("Please name this criterion, or clear its row.")]
            valid = False
        if self.weight.data is None and not self.weight.errors:
            self.weight.errors = [*self.weight.errors, _l("Please give this criterion a weight.")]
            valid = False
        return valid


def solver_kind_choices():
    return [(kind.value, label(kind)) for kind in SOLVER_KINDS]


def province_choices():
    return [("", "—")] + [(p, p) for p in PROVINCES]


class ChallengeForm(FlaskForm):
    agency_id = SelectField(_l("Agency"), coerce=int, validators=[Optional()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    problem = TextAreaField(_l("Problem statement"), render_kw={"rows": 8})
    expected_outcomes = TextAreaField(_l("Expected outcomes"), render_kw={"rows": 4})
    technology_group_id = SelectField(_l("Strategic technology group"))
    sector = StringField(_l("Sector"), validators=[Length(max=120)])
    pilot_site = StringField(_l("Pilot site"), validators=[Length(max=300)])
    province = SelectField(_l("Province or city"), choices=province_choices)
    budget_ceiling = MoneyField(_l("Budget ceiling (VND)"),
                                validators=[Optional(), NumberRange(min=0)],
                                render_kw={"inputmode": "numeric"})
    pilot_duration_months = IntegerField(_l("Pilot duration (months)"),
                                         validators=[Optional(), NumberRange(min=0, max=120)])
    eligible_kinds = MultiCheckboxField(_l("Who may submit solutions"),
                                        choices=solver_kind_choices)
    consortia_allowed = BooleanField(_l("Consortia are allowed"), default=True)
    parallel_pilots_allowed = BooleanField(_l("Several solvers may pilot in parallel"))
    blind_review = BooleanField(_l("Blind review (evaluators do not see who the solver is)"))
    min_evaluators = IntegerField(_l("Minimum number of evaluators"), default=2,
                                  validators=[InputRequired(), NumberRange(min=1, max=20)])
    clarification_deadline = DateTimeLocalField(
        _l("Deadline for questions (Viet Nam time)"), format=DATETIME_FORMAT,
        validators=[Optional()])
    submission_deadline = DateTimeLocalField(
        _l("Submission deadline (Viet Nam time)"), format=DATETIME_FORMAT,
        validators=[Optional()])
    criteria = FieldList(FormField(CriterionRow), min_entries=CRITERIA_ROWS,
                         max_entries=CRITERIA_ROWS)
    amendment_summary = TextAreaField(_l("What does this amendment change? (public)"),
                                      validators=[Length(max=1000)], render_kw={"rows": 2})
    submit = SubmitField(_l("Save"))

    def load(self, challenge: Challenge) -> None:
        """Fill the form from a stored challenge (deadlines in local time)."""
        for name in ("title", "problem", "expected_outcomes", "sector", "pilot_site",
                     "province", "budget_ceiling", "pilot_duration_months", "eligible_kinds",
                     "consortia_allowed", "parallel_pilots_allowed", "blind_review",
                     "min_evaluators"):
            getattr(self, name).data = getattr(challenge, name)
        self.technology_group_id.data = str(challenge.technology_group_id or "")
        self.clarification_deadline.data = to_local(challenge.clarification_deadline)
        self.submission_deadline.data = to_local(challenge.submission_deadline)
        for row, criterion in zip(self.criteria, challenge.criteria, strict=False):
            row.form.name.data = criterion.name
            row.form.description.data = criterion.description
            row.form.weight.data = criterion.weight

    def to_input(self, current: Challenge | None = None) -> ChallengeInput:
        group = self.technology_group_id.data
        criteria = [CriterionInput(name=row.form.name.data.strip(), weight=row.form.weight.data,
                                   description=(row.form.description.data or "").strip())
                    for row in self.criteria if not row.form.is_blank]
        return ChallengeInput(
            title=self.title.data, problem=self.problem.data or "",
            expected_outcomes=self.expected_outcomes.data or "",
            technology_group_id=int(group) if group else None,
            sector=self.sector.data or "", pilot_site=self.pilot_site.data or "",
            province=self.province.data or "", budget_ceiling=self.budget_ceiling.data or 0,
            pilot_duration_months=self.pilot_duration_months.data or 0,
            eligible_kinds=list(self.eligible_kinds.data or []),
            consortia_allowed=self.consortia_allowed.data,
            parallel_pilots_allowed=self.parallel_pilots_allowed.data,
            blind_review=self.blind_review.data, min_evaluators=self.min_evaluators.data,
            clarification_deadline=_typed_time(
                self.clarification_deadline.data,
                current.clarification_deadline if current else None),
            submission_deadline=_typed_time(
                self.submission_deadline.data, current.submission_deadline if current else None),
            criteria=criteria,
        )


class AttachmentForm(FlaskForm):
    files = MultipleFileField(_l("Documents (PDF, DOCX, XLSX, ODT, PNG, JPEG)"))
    submit = SubmitField(_l("Upload"))


class QuestionForm(FlaskForm):
    question = TextAreaField(_l("Your question"), validators=[DataRequired(), Length(max=4000)],
                             render_kw={"rows": 4})
    submit = SubmitField(_l("Send the question"))


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("Answer (public)"), validators=[DataRequired(), Length(max=8000)],
                           render_kw={"rows": 4})
    submit = SubmitField(_l("Publish the answer"))


class FilterForm(Form):
    """The public list's filters, read from the query string (GET, no CSRF)."""

    q = StringField(_l("Words in the title or problem"), validators=[Length(max=200)])
    group = SelectField(_l("Technology group"), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()])
    agency = SelectField(_l("Agency"), validators=[Optional()])
    province = SelectField(_l("Province or city"), choices=province_choices,
                           validators=[Optional()])
    budget_min = MoneyField(_l("Budget from (VND)"),
                            validators=[Optional(), NumberRange(min=0, max=BIGINT_MAX)])
    budget_max = MoneyField(_l("Budget up to (VND)"),
                            validators=[Optional(), NumberRange(min=0, max=BIGINT_MAX)])
    open_only = BooleanField(_l("Open for solutions only"))

    def setup(self, groups, agencies) -> None:
        self.group.choices = [("", _l("All groups"))] + [
            (g.code, f"{g.code}. {g.name_vi}") for g in groups]
        self.status.choices = [("", _l("All statuses"))] + [
            (s.value, label(s)) for s in PUBLIC_STATUSES]
        self.agency.choices = [("", _l("All agencies"))] + [
            (str(a.id), a.name_vi) for a in agencies]

    def filters(self, page: int) -> Filters:
        """What the visitor asked for; a value that does not parse is ignored."""
        self.validate()

        def ok(field):
            return field.data if not field.errors else None

        agency = ok(self.agency)
        return Filters(
            q=(ok(self.q) or "").strip(), group=ok(self.group) or "",
            status=ok(self.status) or "",
            agency=parse_int(agency, min=1),
            province=ok(self.province) or "", budget_min=ok(self.budget_min),
            budget_max=ok(self.budget_max), open_only=bool(self.open_only.data), page=page)
