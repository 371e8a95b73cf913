"""Forms shared by every domain, and the base classes every form of the site derives from.

WTForms ships no Vietnamese catalogue: its built-in messages ("This field is required.",
"Not a valid integer value.", …) would reach a Vietnamese reader in English. Every form of
the site therefore derives from `FlaskForm` (or, for rows inside a `FormField`, `Form`)
below, whose translations are the site's own catalogue: WTForms' msgids are translated in
`marketplace/translations/vi/parts/wtforms.po` and `python -m marketplace.i18n_build
--check` lists any that are missing (it reads them from WTForms' own `wtforms.pot`)."""

import re

import wtforms
from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm as _FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError


class SiteTranslations:
    """WTForms' translations interface (`gettext`, `ngettext`) answered from the site's
    catalogue in the current request's language. WTForms formats the result itself
    (`message % {"min": …}`), so no variables are substituted here."""

    def gettext(self, string: str) -> str:
        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ungettext(singular, plural, n)


TRANSLATIONS = SiteTranslations()


class FlaskForm(_FlaskForm):
    """`flask_wtf.FlaskForm` whose built-in validator messages speak the reader's language."""

    class Meta(_FlaskForm.Meta):
        def get_translations(self, form):
            return TRANSLATIONS


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
