from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import (
    DataRequired,
    EqualTo,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from marketplace.accounts.models import OrgKind
from marketplace.forms import EmailAddress, FlaskForm
from marketplace.labels import label
from marketplace.provinces import PROVINCES


def org_kind_choices():
    return [(kind.value, label(kind)) for kind in OrgKind]


def role_choices(roles):
    return [(role.value, label(role)) for role in roles]


class RegistrationForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), EmailAddress(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=10, max=200)])
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    join = RadioField(
        _l("Organization"),
        choices=[("none", _l("I join without an organization for now")),
                 ("new", _l("I register a new organization and become its owner"))],
        default="none",
    )
    org_kind = SelectField(_l("Kind of organization"), choices=org_kind_choices,
                           validators=[Optional()])
    org_name_vi = StringField(_l("Name in Vietnamese"), validators=[Length(max=300)])
    org_name_en = StringField(_l("Name in English (optional)"), validators=[Length(max=300)])
    org_registration_code = StringField(
        _l("Registration or tax code"),
        validators=[Optional(), Length(max=40),
                    Regexp(r"^[A-Za-z0-9./-]+$",
                           message=_l("Use letters, digits, dots, dashes or slashes only."))],
    )
    org_province = SelectField(_l("Province or city"),
                               choices=[("", "—")] + [(p, p) for p in PROVINCES],
                               validators=[Optional()])
    submit = SubmitField(_l("Create account"))

    def validate_org_name_vi(self, field):
        if self.join.data == "new" and not (field.data or "").strip():
            raise ValidationError(_l("Please enter the organization's name."))

    def validate_org_registration_code(self, field):
        if self.join.data == "new" and not (field.data or "").strip():
            raise ValidationError(_l("Please enter the registration or tax code."))

    def validate_org_province(self, field):
        if self.join.data == "new" and not field.data:
            raise ValidationError(_l("Please choose a province or city."))


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), EmailAddress()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me logged in on this device"))
    submit = SubmitField(_l("Log in"))


class ReauthenticateForm(FlaskForm):
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    submit = SubmitField(_l("Confirm"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), EmailAddress()])
    submit = SubmitField(_l("Send me a reset link"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"),
                             validators=[DataRequired(), Length(min=10, max=200)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Set the new password"))


class ProfileForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40),
                        Regexp(r"^[0-9 +().-]*$", message=_l("Digits, spaces and + ( ) - only."))])
    locale = SelectField(_l("Language"), choices=[("vi", "Tiếng Việt"), ("en", "English")])
    submit = SubmitField(_l("Save"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(_l("New password"),
                             validators=[DataRequired(), Length(min=10, max=200)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Change password"))


class InviteForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), EmailAddress(), Length(max=254)])
    role = SelectField(_l("Role"))
    submit = SubmitField(_l("Send invitation"))


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"))
    submit = SubmitField(_l("Change role"))
