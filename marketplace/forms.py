"""Forms shared by every domain, and the base classes every form of the site derives from.

WTForms ships no Vietnamese catalogue: its built-in messages ("This field is required.",
"Not a valid integer value.", …) would reach a Vietnamese reader in English. Every form of
the site therefore derives from `FlaskForm` (or, for rows inside a `FormField`, `Form`)
below, whose translations are the site's own catalogue: WTForms' msgids are translated in
`marketplace/translations/vi/parts/wtforms.po` and `python -m marketplace.i18n_build
--check` lists any that are missing (it reads them from WTForms' own `wtforms.pot`)."""

import re

import wtforms
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm as _FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length, StopValidation, ValidationError
from wtforms.widgets import TextInput

from marketplace.babel_context import translations
from marketplace.formatting import thousands


class SiteTranslations:
    """WTForms' translations interface (`gettext`, `ngettext`) answered from the site's
    catalogue in the current request's language. WTForms formats the result itself
    (`message % {"min": …}`), so no variables are substituted here."""

    def gettext(self, string: str) -> str:
        return translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translations().ungettext(singular, plural, n)


TRANSLATIONS = SiteTranslations()


class FlaskForm(_FlaskForm):
    """`flask_wtf.FlaskForm` whose built-in validator messages speak the reader's language."""

    class Meta(_FlaskForm.Meta):
        def get_translations(self, form):
            return TRANSLATIONS

    def validate(self, extra_validators=None) -> bool:
        """False, with no error, while a refused post is shown again
        (`marketplace.form_recovery`): nothing acts on a post whose token had expired."""
        from marketplace.form_recovery import refused

        if refused():
            return False
        return super().validate(extra_validators=extra_validators)


class Form(wtforms.Form):
    """A sub-form (a row of a `FormField`), with the same translated messages."""

    class Meta:
        def get_translations(self, form):
            return TRANSLATIONS


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


# A whole number of đồng as people type it: digits, optionally in groups of three separated
# by dots, commas or spaces, optionally followed by the currency.
_MONEY = re.compile(r"^(\d+|\d{1,3}(?:([.,\s])\d{3})(?:\2\d{3})*)"
                    r"\s*(?:đồng|đ|₫|vnđ|vnd)?$", re.IGNORECASE)
MONEY_MESSAGE = _l("Enter a whole number of đồng, e.g. 1.500.000.000.")
# The largest amount one field takes: a million billion đồng, about half the whole state
# budget of a year, so no real budget, price or payment is refused; and far below the
# BIGINT columns' 2**63 - 1 (≈ 9.2e18), so sums of thousands of amounts still fit (a
# larger number stopped the request with an OverflowError: a 500).
MONEY_MAX = 10**15
MONEY_MAX_MESSAGE = _l("Enter at most 1.000.000.000.000.000 đồng.")


def parse_money(text: str | None) -> int | None:
    """A typed amount of đồng → int; None when blank.

    Accepts "1500000000", "1.500.000.000", "1,500,000,000", "1 500 000 000",
    "1.500.000.000 đ", "1.500.000.000 đồng", "1.500.000.000 VND" (spaces around).
    Raises ValueError (with `MONEY_MESSAGE`) for anything else: letters, a sign, decimals
    ("1.500,50"), mixed or misplaced separators ("1.5", "15.00.000"); (with
    `MONEY_MAX_MESSAGE`) for more than `MONEY_MAX`."""
    text = " ".join((text or "").split())  # every kind of space (NBSP too) as one space
    if not text:
        return None
    match = _MONEY.match(text)
    if not match:
        raise ValueError(str(MONEY_MESSAGE))
    amount = int(re.sub(r"\D", "", match.group(1)))
    if amount > MONEY_MAX:
        raise ValueError(str(MONEY_MAX_MESSAGE))
    return amount


class _OneMessageWhenUnreadable:
    """A number field whose typed text does not read as a number shows that one message
    ("Not a valid integer value.", "Enter a whole number of đồng…"), not also its range
    message about the missing number ("Number must be between 1 and 20.") below it. A
    blank one still meets its validators (`Optional` clears the error of an empty input)."""

    def pre_validate(self, form):
        if self.process_errors and self.raw_data and str(self.raw_data[0]).strip():
            raise StopValidation()


class IntegerField(_OneMessageWhenUnreadable, wtforms.IntegerField):
    """The site's whole-number field: use it, not WTForms' own (one message per error)."""


class DecimalField(_OneMessageWhenUnreadable, wtforms.DecimalField):
    """The site's decimal field: use it, not WTForms' own (one message per error)."""


class MoneyField(IntegerField):
    """The one money field of the site (budget, price, award amount, order value,
    milestone amount): a text input (a number input mangles "1.500.000.000") read by
    `parse_money`, shown back with the language's thousands separators."""

    widget = TextInput()

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = None
        self.data = parse_money(valuelist[0])

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return thousands(self.data)
