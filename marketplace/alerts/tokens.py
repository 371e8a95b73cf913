"""The signed links of alert mail: confirming a visitor's follow (double opt-in; expires
after `ALERTS_CONFIRM_MAX_AGE_DAYS`) and unsubscribing in one click (RFC 8058; never
expires, so that an old mail's link still works). Nothing is stored to check them: the
site's key signs them, each kind with its own salt."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from marketplace.web import absolute_url

CONFIRM_SALT = "alerts.confirm"
UNSUBSCRIBE_SALT = "alerts.unsubscribe"


def confirm_token(follow_id: int) -> str:
    return URLSafeTimedSerializer(current_app.secret_key, salt=CONFIRM_SALT).dumps(follow_id)


def read_confirm(token: str) -> int | None:
    """The follow id of a valid, unexpired confirmation link; None otherwise."""
    days = int(current_app.config.get("ALERTS_CONFIRM_MAX_AGE_DAYS", 7))
    try:
        value = URLSafeTimedSerializer(current_app.secret_key, salt=CONFIRM_SALT).loads(
            token, max_age=days * 86400)
    except (BadSignature, SignatureExpired):
        return None
    return value if isinstance(value, int) else None


def unsubscribe_token(*, follows: list[int] | None = None, user_id: int | None = None,
                      kind: str | None = None) -> str:
    """For the follows of one mail (`follows`), or for one kind of a user's
    notification mail (`user_id`, `kind`)."""
    payload = {"f": sorted(follows)} if follows else {"u": user_id, "k": kind}
    return URLSafeSerializer(current_app.secret_key, salt=UNSUBSCRIBE_SALT).dumps(payload)


def read_unsubscribe(token: str) -> dict | None:
    try:
        value = URLSafeSerializer(current_app.secret_key, salt=UNSUBSCRIBE_SALT).loads(token)
    except BadSignature:
        return None
    if isinstance(value, dict) and (
            (isinstance(value.get("f"), list) and all(isinstance(n, int) for n in value["f"]))
            or (isinstance(value.get("u"), int) and isinstance(value.get("k"), str))):
        return value
    return None


def unsubscribe_url(token: str) -> str:
    """The link on this site's public address (built without a request: the worker and
    the command line write mail too)."""
    return absolute_url(f"/alerts/unsubscribe/{token}")


def headers(token: str) -> dict[str, str]:
    """The RFC 8058 headers: one-click unsubscribe by an HTTPS POST to the link."""
    return {"List-Unsubscribe": f"<{unsubscribe_url(token)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
