"""Passwords (argon2id) and Flask-Login's user loading."""

from __future__ import annotations

import contextlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from marketplace.accounts.models import Membership, User
from marketplace.extensions import db

_production_hasher = PasswordHasher()  # argon2id, the library's recommended parameters
_fast_hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # tests only


def _hasher() -> PasswordHasher:
    if current_app and current_app.config.get("PASSWORD_HASH_FAST"):
        return _fast_hasher
    return _production_hasher


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> tuple[bool, str | None]:
    """(whether `password` matches `password_hash`, a new hash when the stored one was
    made with other parameters than the current ones, else None). Changes nothing."""
    try:
        _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False, None
    if _hasher().check_needs_rehash(password_hash):
        return True, hash_password(password)
    return True, None


def check_password(user: User, password: str) -> bool:
    ok, new_hash = verify_password(user.password_hash, password)
    if new_hash:
        user.password_hash = new_hash
    return ok


# Compared against when no account matches, so a wrong email costs the same time.
_DUMMY_HASH = None


def burn_time(password: str) -> None:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = _hasher().hash("not-a-password")
    with contextlib.suppress(VerificationError):
        _hasher().verify(_DUMMY_HASH, password)


# The statement of `load_user`: the user, memberships and organizations joined. Built once:
# SQLAlchemy keeps the cache key of a statement object, so each request only binds the id,
# where `session.get(…, options=[joinedload(…)])` built the options and the query and
# computed their cache key again on every request (about 0.15 ms of each signed-in page).
_USER_WITH_MEMBERSHIPS = (
    select(User)
    .options(joinedload(User.memberships).joinedload(Membership.organization))
    .where(User.id == bindparam("user_id"))
)


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the user of the session's "<id>:<session_version>", or None
    when the id is not a number, the account is gone or inactive, or its session version
    changed (a password change or "log out everywhere" ends every older session). Read
    from the database on every request, never kept across requests."""
    try:
        raw_id, raw_version = user_id.split(":", 1)
        uid, version = int(raw_id), int(raw_version)
    except ValueError:
        return None
    # one statement: every signed-in page pays it, so it counts against every page's
    # budget of statements (issue 21)
    user = db.session.execute(
        _USER_WITH_MEMBERSHIPS, {"user_id": uid}).unique().scalar_one_or_none()
    if user is None or user.session_version != version or not user.active:
        return None
    return user


def init_app(app: Flask, login_manager) -> None:
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    login_manager.refresh_view = "accounts.reauthenticate"
    login_manager.needs_refresh_message = _l("Please confirm your password to continue.")
    login_manager.needs_refresh_message_category = "info"
    login_manager.session_protection = "basic"
