from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import (
    current_user,
    fresh_login_required,
    login_required,
    login_user,
    logout_user,
)

from marketplace import database, form_recovery, jobs
from marketplace.accounts import services
from marketplace.accounts.auth import check_password
from marketplace.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    ReauthenticateForm,
    RegistrationForm,
    ResetPasswordForm,
)
from marketplace.accounts.models import OrgKind
from marketplace.errors import DomainError
from marketplace.extensions import db, limiter
from marketplace.forms import ConfirmForm
from marketplace.security import is_safe_next, safe_next
from marketplace.web import attach_error

bp = Blueprint("accounts", __name__)


def _login_account_key() -> str:
    return "login-account:" + services.normalize_email(request.form.get("email", ""))


def _wrong_credentials() -> None:
    """Count this request against the login limits: a wrong email or password. Nothing
    else counts (a form without its token, a server error): a failure of ours must not
    lock anyone out."""
    g.wrong_credentials = True


def _failed(_response) -> bool:
    return bool(g.get("wrong_credentials"))


def _account_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def _address_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("public.home"))
    form = RegistrationForm()
    if form.validate_on_submit():
        org = None
        if form.join.data == "new":
            org = services.NewOrganization(
                kind=OrgKind(form.org_kind.data), name_vi=form.org_name_vi.data,
                name_en=form.org_name_en.data,
                registration_code=form.org_registration_code.data,
                province=form.org_province.data,
            )
        try:
            user = services.register(
                db.session, email=form.email.data, password=form.password.data,
                full_name=form.full_name.data, locale=session.get("lang", "vi"),
                organization=org,
            )
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error, {"registration_code": "org_registration_code"})
        else:
            db.session.commit()
            session.clear()
            login_user(user)
            if org is not None:
                flash(_("Welcome! Your organization is waiting for verification by an "
                        "administrator; until then it cannot publish or submit anything."),
                      "success")
            else:
                flash(_("Welcome! Your account is ready."), "success")
            return redirect(safe_next(url_for("public.home")))
    return render_template("accounts/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"], deduct_when=_failed,
               error_message="login-address")
@limiter.limit(_account_limit, methods=["POST"], key_func=_login_account_key,
               deduct_when=_failed, error_message="login-account")
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(url_for("todo.index")))
    form = LoginForm()
    if form.validate_on_submit():
        # the password check in a reading transaction, ended before the login is written:
        # on SQLite a writer holds the write lock from its first statement, and logins
        # queued behind each other's argon2 until the busy timeout answered 500 (issue 15)
        with database.reading():
            verified = services.check_credentials(db.session, form.email.data,
                                                  form.password.data)
            db.session.rollback()
        user = services.record_login(db.session, *verified) if verified else None
        if user is None:
            _wrong_credentials()
            flash(_("Wrong email or password, or the account is deactivated."), "danger")
            return _login_page(form, 400)
        else:
            db.session.commit()
            lang = session.get("lang")
            session.clear()  # a new session at login: nothing carried over from before
            if lang:
                session["lang"] = lang
            login_user(user, remember=form.remember.data)
            flash(_("You are logged in."), "success")
            resume = request.form.get("resume")
            if is_safe_next(resume) and form_recovery.carried():
                # back to the form whose post the ended session refused, the kept fields
                # posted again by the browser (307 keeps the method and the body)
                return redirect(resume, code=307)
            return redirect(safe_next(url_for("todo.index")))
    return _login_page(form, 400 if form.errors else 200)


def _login_page(form, status: int):
    """The login page; it carries on the fields kept from a form an ended session
    refused (`marketplace.form_recovery`)."""
    kept = form_recovery.carried()
    return render_template("accounts/login.html", form=form, kept=kept,
                           resume=request.form.get("resume", "")), status


def _password_prompt_key() -> str:
    """Password guesses from a logged-in session (a stolen one, perhaps) count per user."""
    user_id = current_user.id if current_user.is_authenticated else request.remote_addr
    return f"password-prompt:{user_id}"


def _password_prompt_limit(fn):
    return limiter.limit(_account_limit, methods=["POST"], key_func=_password_prompt_key,
                         deduct_when=_failed, error_message="password-prompt")(fn)


@bp.route("/reauthenticate", methods=["GET", "POST"])
@login_required
@_password_prompt_limit
def reauthenticate():
    form = ReauthenticateForm()
    if form.validate_on_submit():
        if check_password(current_user, form.password.data):
            login_user(current_user._get_current_object(), fresh=True)
            db.session.commit()
            return redirect(safe_next(url_for("accounts.profile")))
        _wrong_credentials()
        form.password.errors.append(_("The password is wrong."))
    return render_template("accounts/reauthenticate.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = ConfirmForm()
    if form.validate_on_submit():
        services.end_sessions(db.session, current_user._get_current_object())
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("You are logged out."), "info")
    return redirect(url_for("public.home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        # the same work for a known and an unknown address: one row written, one job
        # queued; the worker looks the account up and queues the mail (issue 15)
        services.request_password_reset(db.session, form.email.data)
        db.session.commit()
        jobs.enqueue("send_password_resets")
        flash(_("If an account exists for this email, we have sent a reset link to it."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        services.user_for_reset_token(db.session, token)
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for("accounts.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(db.session, token, form.password.data)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            logout_user()
            flash(_("Your password has been changed. Please log in."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        services.update_profile(db.session, current_user, full_name=form.full_name.data,
                                phone=form.phone.data or "", locale=form.locale.data)
        db.session.commit()
        session["lang"] = form.locale.data
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form)


@bp.route("/profile/password", methods=["GET", "POST"])
@fresh_login_required
@_password_prompt_limit
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(db.session, current_user, form.current_password.data,
                                     form.password.data)
        except DomainError as error:
            db.session.rollback()
            if error.field == "current_password":
                _wrong_credentials()
            attach_error(form, error)
        else:
            db.session.commit()
            login_user(current_user._get_current_object(), fresh=True)
            flash(_("Your password has been changed. Other sessions have been logged out."),
                  "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_password.html", form=form)
