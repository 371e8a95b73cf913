"""Account rules: registration, authentication, profile, password reset.

Plain functions over the session; they flush and audit, never commit."""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from marketplace.accounts.auth import burn_time, check_password, hash_password, verify_password
from marketplace.accounts.models import (
    MemberRole,
    Membership,
    Organization,
    OrgKind,
    PasswordResetRequest,
    User,
)
from marketplace.audit.services import record
from marketplace.errors import DomainError
from marketplace.types import utcnow

MIN_PASSWORD_LENGTH = 10


@dataclass
class NewOrganization:
    kind: OrgKind
    name_vi: str
    name_en: str
    registration_code: str
    province: str


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _("The password must be at least %(n)d characters long.", n=MIN_PASSWORD_LENGTH),
            field="password",
        )


def registration_code_taken(session, code: str) -> bool:
    return session.scalar(
        select(func.count()).select_from(Organization)
        .where(func.upper(Organization.registration_code) == code.strip().upper())
    ) > 0


def register(
    session, *, email: str, password: str, full_name: str, locale: str = "vi",
    organization: NewOrganization | None = None,
) -> User:
    """A new user, and, if given, a new organization (pending) that the user owns."""
    email = normalize_email(email)
    if find_user_by_email(session, email) is not None:
        raise DomainError(_("An account with this email already exists."), field="email")
    check_password_strength(password)
    user = User(email=email, password_hash=hash_password(password),
                full_name=full_name.strip(), locale=locale)
    session.add(user)
    session.flush()
    record(session, user, "user.registered", user, after={"email": email})
    if organization is not None:
        create_organization(session, user, organization)
    return user


def create_organization(session, owner: User, data: NewOrganization) -> Organization:
    code = data.registration_code.strip().upper()
    if registration_code_taken(session, code):
        raise DomainError(
            _("An organization with this registration code is already registered."),
            field="registration_code",
        )
    org = Organization(kind=OrgKind(data.kind), name_vi=data.name_vi.strip(),
                       name_en=(data.name_en or "").strip(), registration_code=code,
                       province=data.province)
    session.add(org)
    session.flush()
    session.add(Membership(user=owner, organization=org, role=MemberRole.OWNER))
    session.flush()
    record(session, owner, "organization.registered", org,
           after={"kind": org.kind.value, "name_vi": org.name_vi, "code": code,
                  "province": org.province})
    return org


def check_credentials(session, email: str, password: str) -> tuple[int, str | None] | None:
    """(the user's id, a new password hash when the stored one has older parameters) if
    the password is right and the account active; None otherwise. Reads only: the view
    runs it in a reading transaction (`database.reading`), so that the password check
    (argon2: 0.05 s, seconds on a busy host) holds no write lock (issue 15)."""
    user = find_user_by_email(session, email)
    if user is None:
        burn_time(password)
        return None
    ok, new_hash = verify_password(user.password_hash, password)
    if not ok or not user.active:
        return None
    return user.id, new_hash


def record_login(session, user_id: int, new_hash: str | None = None) -> User:
    """The login of a user whose credentials were checked: its time, and the password's
    new hash if there is one."""
    user = session.get(User, user_id)
    if new_hash:
        user.password_hash = new_hash
    user.last_login_at = utcnow()
    return user


def authenticate(session, email: str, password: str) -> User | None:
    """The user if the password is right and the account active; None otherwise (both
    steps in the caller's transaction)."""
    verified = check_credentials(session, email, password)
    return record_login(session, *verified) if verified else None


def update_profile(session, user: User, *, full_name: str, phone: str, locale: str) -> None:
    before = {"full_name": user.full_name, "phone": user.phone, "locale": user.locale}
    user.full_name, user.phone, user.locale = full_name.strip(), phone.strip(), locale
    after = {"full_name": user.full_name, "phone": user.phone, "locale": user.locale}
    if before != after:
        record(session, user, "user.profile_updated", user, before=before, after=after)


def change_password(session, user: User, current: str, new: str) -> None:
    if not check_password(user, current):
        raise DomainError(_("The current password is wrong."), field="current_password")
    _set_password(session, user, new, "user.password_changed")


def _set_password(session, user: User, new: str, action: str) -> None:
    check_password_strength(new)
    user.password_hash = hash_password(new)
    user.session_version += 1  # every other session of this user ends
    session.flush()
    record(session, user, action, user)


def end_sessions(session, user: User) -> None:
    """Log out everywhere: cookies issued before this stop working."""
    user.session_version += 1
    session.flush()


# Password reset: a signed, time-limited token bound to the current password hash, so
# that it works once: using it changes the hash and every older token stops matching.

def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _password_fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def make_reset_token(user: User) -> str:
    return _reset_serializer().dumps({"uid": user.id, "pw": _password_fingerprint(user)})


def user_for_reset_token(session, token: str) -> User:
    try:
        data = _reset_serializer().loads(
            token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"]
        )
    except SignatureExpired:
        raise DomainError(_("This reset link has expired. Please ask for a new one.")) from None
    except BadSignature:
        raise DomainError(_("This reset link is not valid.")) from None
    user = session.get(User, data.get("uid"))
    if user is None or not user.active or data.get("pw") != _password_fingerprint(user):
        raise DomainError(_("This reset link has already been used or is no longer valid."))
    return user


def request_password_reset(session, email: str) -> None:
    """Someone asked for a reset link for `email` (a well-formed address): write it down
    for the worker, whether an account has that address or not — no lookup here, so the
    request costs the same for a known and an unknown address, and says nothing (issue
    15). The worker's `send_password_resets` does the rest. Never commits."""
    session.add(PasswordResetRequest(email=normalize_email(email)))


def send_password_resets(session, *, limit: int = 500) -> int:
    """The worker's half of `request_password_reset`: take each waiting request (deleted
    as it is taken, so that two workers never both take one), look its account up and, for
    an active one, queue the reset mail in the account's language, with the link on the
    configured public address (`web.absolute_url`); an unknown or deactivated address gets
    nothing. Commits after each request; the number of mails queued. Needs an app context;
    builds links in a request context of its own when there is none, on the public address
    (a context on Flask's default host, `localhost`, is refused by production's
    `TRUSTED_HOSTS`: the worker failed every reset)."""
    from flask import has_request_context
    from flask_babel import force_locale
    from sqlalchemy import delete

    from marketplace.notifications import outbox
    from marketplace.web import absolute_url, public_base_url

    queued = 0
    session.commit()
    for request_id, email in session.execute(
            select(PasswordResetRequest.id, PasswordResetRequest.email)
            .order_by(PasswordResetRequest.id).limit(limit)).all():
        taken = session.execute(delete(PasswordResetRequest).where(
            PasswordResetRequest.id == request_id)).rowcount
        user = find_user_by_email(session, email) if taken else None
        if user is not None and user.active:
            context = (contextlib.nullcontext() if has_request_context()
                       else current_app.test_request_context("/", base_url=public_base_url()))
            with context, force_locale(user.locale or "vi"):
                link = absolute_url("accounts.reset_password", token=make_reset_token(user))
                minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
                outbox.queue(session, user.email, _("Reset your password"),
                             _("Someone asked to reset the password of your account. If it "
                               "was you, open this link within %(minutes)d minutes:\n\n"
                               "%(link)s\n\nIf it was not you, ignore this message.",
                               minutes=minutes, link=link))
            queued += 1
        session.commit()
    return queued


def reset_password(session, token: str, new_password: str) -> User:
    user = user_for_reset_token(session, token)
    _set_password(session, user, new_password, "user.password_reset")
    return user
