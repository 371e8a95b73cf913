from flask_babel import lazy_gettext as _l
from wtforms import FileField, HiddenField, PasswordField
from wtforms.validators import Length

from marketplace.forms import FlaskForm


class CertificateSignForm(FlaskForm):
    """One of two ways: upload the PDF signed with the user's own tool, or a PKCS#12 file
    and its passphrase for the site to sign with (used once, never stored)."""

    method = HiddenField(default="upload")
    signed_pdf = FileField(_l("The contract PDF, signed with your certificate"))
    pkcs12 = FileField(_l("Your certificate file (PKCS#12: .p12 or .pfx)"))
    passphrase = PasswordField(_l("Its passphrase"), validators=[Length(max=500)])
