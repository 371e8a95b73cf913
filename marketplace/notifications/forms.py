from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField

from marketplace.forms import FlaskForm
from marketplace.notifications.kinds import KINDS


def preferences_form(values: dict[str, tuple[bool, bool]], formdata=None) -> FlaskForm:
    """Two checkboxes per kind: `in_app_<n>` and `email_<n>`, n the kind's position."""

    class PreferencesForm(FlaskForm):
        pass

    for n, (kind, label) in enumerate(KINDS.items()):
        in_app, email = values.get(kind, (True, True))
        setattr(PreferencesForm, f"in_app_{n}",
                BooleanField(_l("In the site: %(kind)s", kind=label), default=in_app))
        setattr(PreferencesForm, f"email_{n}",
                BooleanField(_l("By email: %(kind)s", kind=label), default=email))
    return PreferencesForm(formdata=formdata) if formdata is not None else PreferencesForm()


def chosen_preferences(form) -> dict[str, tuple[bool, bool]]:
    return {kind: (bool(form[f"in_app_{n}"].data), bool(form[f"email_{n}"].data))
            for n, kind in enumerate(KINDS)}


class SubscribeForm(FlaskForm):
    technology_group = SelectField(_l("Technology group"), coerce=str, validate_choice=True)
    agency = SelectField(_l("Agency"), coerce=str, validate_choice=True)
