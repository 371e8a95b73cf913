"""Forms of the phase pages: the phase plan (one group of fields per phase), the call for
phase results, a solver's phase results, the panel's scores and the down-selection."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
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
    ValidationError,
)

from marketplace.challenges.forms import DATETIME_FORMAT
from marketplace.forms import FlaskForm, IntegerField, MoneyField
from marketplace.phases.models import MAX_PHASES
from marketplace.phases.services import PhaseSpec

_LINE = re.compile(r"^(?P<name>.+?)\s*[:：]\s*(?P<weight>\d{1,3})\s*%?$")


def parse_criteria(text: str | None) -> list[tuple[str, int]]:
    """"Tên tiêu chí: trọng số" lines as (name, weight) pairs. Raises ValueError on a
    line that is not written so."""
    pairs = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        match = _LINE.match(line.strip())
        if match is None:
            raise ValueError(line)
        pairs.append((match["name"][:200], int(match["weight"])))
    return pairs


def _criteria_lines(form, field):
    try:
        parse_criteria(field.data)
    except ValueError:
        raise ValidationError(_l("Write one criterion a line, as “name: weight”.")) from None


class PhasesForm(FlaskForm):
    """Up to three phases; a phase whose name is empty is not part of the plan; no phase
    at all makes the challenge single-phase."""

    save = SubmitField(_l("Save the phases"))

    def specs(self) -> list[PhaseSpec]:
        specs = []
        for n in range(1, MAX_PHASES + 1):
            name = (self[f"phase{n}_name"].data or "").strip()
            if not name:
                continue
            specs.append(PhaseSpec(
                name, self[f"phase{n}_budget_share"].data or 0,
                self[f"phase{n}_duration_days"].data or 0,
                self[f"phase{n}_carried_forward"].data or 0,
                parse_criteria(self[f"phase{n}_criteria"].data) if n > 1 else []))
        return specs


for _n in range(1, MAX_PHASES + 1):
    setattr(PhasesForm, f"phase{_n}_name", StringField(
        _l("Name of the phase"), validators=[Optional(), Length(max=200)]))
    setattr(PhasesForm, f"phase{_n}_budget_share", MoneyField(
        _l("Budget share (VND)"), validators=[Optional(), NumberRange(min=1)]))
    setattr(PhasesForm, f"phase{_n}_duration_days", IntegerField(
        _l("Duration (days)"), validators=[Optional(), NumberRange(min=1, max=3650)]))
    setattr(PhasesForm, f"phase{_n}_carried_forward", IntegerField(
        _l("Number of solvers carried into the phase"),
        validators=[Optional(), NumberRange(min=1, max=50)]))
    if _n > 1:
        setattr(PhasesForm, f"phase{_n}_criteria", TextAreaField(
            _l("Criteria for the previous phase's results (one a line, “name: weight”)"),
            validators=[Length(max=4000), _criteria_lines]))


def phases_form_data(phases) -> dict:
    data = {}
    for phase in phases:
        n = phase.number
        data.update({f"phase{n}_name": phase.name, f"phase{n}_budget_share": phase.budget_share,
                     f"phase{n}_duration_days": phase.duration_days,
                     f"phase{n}_carried_forward": phase.carried_forward,
                     f"phase{n}_criteria": "\n".join(f"{c.name}: {c.weight}"
                                                     for c in phase.criteria)})
    return data


class OpenForm(FlaskForm):
    results_deadline = DateTimeLocalField(
        _l("Deadline for the phase results (Viet Nam time)"), format=DATETIME_FORMAT,
        validators=[DataRequired()])


class ResultForm(FlaskForm):
    summary = TextAreaField(_l("Results of the phase"),
                            validators=[Length(max=20000)])
    save = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("Submit (sealed until the deadline)"))


def score_form(criteria) -> FlaskForm:
    """One score (0–10) and one comment per criterion of the phase, submitted at once."""

    class PhaseScoreForm(FlaskForm):
        pass

    for criterion in criteria:
        setattr(PhaseScoreForm, f"score_{criterion.id}", IntegerField(
            _l("Score (0–10)"), validators=[InputRequired(message=_l("Please give a score.")),
                                           NumberRange(min=0, max=10)]))
        setattr(PhaseScoreForm, f"comment_{criterion.id}", TextAreaField(
            _l("Comment"), validators=[Length(max=4000)]))
    return PhaseScoreForm()


def selection_form(submission_ids) -> FlaskForm:
    """A choice, the amount of the phase order and (if not ranked first) a reason per
    scored result, keyed by the solver's first submission."""

    class SelectionForm(FlaskForm):
        justification = TextAreaField(_l("Justification"),
                                      validators=[DataRequired(), Length(max=4000)])

    for sid in submission_ids:
        setattr(SelectionForm, f"choose_{sid}", BooleanField(_l("Carry forward")))
        setattr(SelectionForm, f"amount_{sid}", MoneyField(
            _l("Amount of the phase order (VND)"), validators=[Optional(), NumberRange(min=1)]))
        setattr(SelectionForm, f"reason_{sid}", TextAreaField(
            _l("Why this one, though it is not ranked first"), validators=[Length(max=2000)]))
    return SelectionForm()
