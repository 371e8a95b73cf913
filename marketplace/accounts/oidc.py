"""Sign in with a national identity provider (e.g. VNeID) through OpenID Connect.

The authorization code flow with PKCE (S256), `state` and `nonce`, done by Authlib's Flask
client: Authlib keeps state, nonce and code verifier in the session, exchanges the code
once at the token endpoint, and verifies the ID token — RS256 (or what the provider
announces) signature against the provider's JWKS, `exp`/`iat` within `LEEWAY` seconds,
`nonce` equal to ours — and, with `claims_options`, `iss` equal to the issuer and `aud`
containing our client id.

Configured by environment (config.py): `OIDC_ISSUER`, `OIDC_CLIENT_ID`,
`OIDC_CLIENT_SECRET`, `OIDC_DISPLAY_NAME`. Off when the issuer is unset. The discovery
document is fetched only from `<OIDC_ISSUER>/.well-known/openid-configuration` and is
refused unless its `issuer` is exactly the configured one (OpenID Connect Discovery 1.0,
§4.3) and its endpoints use HTTPS (plain HTTP only for a provider on this machine).

`sign_in` is the rule: an identity already linked signs its user in; otherwise a verified
email (`email_verified` true) links the identity to the account with that email, or
creates an account (without password and without organization: an organization is
registered separately and verified by an administrator, as for every account)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app
from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.accounts.models import ExternalIdentity, User
from marketplace.accounts.services import find_user_by_email, normalize_email
from marketplace.audit.services import record
from marketplace.errors import DomainError
from marketplace.types import utcnow

CLIENT_NAME = "national_id"
SCOPE = "openid email profile"
LEEWAY = 60  # seconds of clock difference tolerated on exp and iat
TIMEOUT = 10  # seconds for each call to the provider
DISCOVERY_PATH = "/.well-known/openid-configuration"


class ProviderError(Exception):
    """The provider's answer cannot be trusted (the log says why; the user sees a
    general refusal)."""


@dataclass(frozen=True)
class Settings:
    issuer: str
    client_id: str
    client_secret: str
    display_name: str

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + DISCOVERY_PATH


def settings(config=None) -> Settings | None:
    """The provider's settings, or None when sign-in with a provider is off."""
    config = current_app.config if config is None else config
    issuer = (config.get("OIDC_ISSUER") or "").strip()
    if not issuer:
        return None
    return Settings(issuer=issuer, client_id=(config.get("OIDC_CLIENT_ID") or "").strip(),
                    client_secret=config.get("OIDC_CLIENT_SECRET") or "",
                    display_name=(config.get("OIDC_DISPLAY_NAME") or "").strip())


def _loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def _secure(url: str) -> bool:
    """HTTPS, or plain HTTP to this machine (a test provider)."""
    parts = urlsplit(url or "")
    return bool(parts.hostname) and (
        parts.scheme == "https" or (parts.scheme == "http" and _loopback(parts.hostname)))


def check_settings(config) -> None:
    """Raises `RuntimeError` at start-up when the provider is half configured or not on
    HTTPS, so that a misconfiguration never shows up as a broken login page."""
    found = settings(config)
    if found is None:
        return
    missing = [name for name, value in (("OIDC_CLIENT_ID", found.client_id),
                                        ("OIDC_CLIENT_SECRET", found.client_secret)) if not value]
    if missing:
        raise RuntimeError(f"OIDC_ISSUER is set but {', '.join(missing)} is not")
    if not _secure(found.issuer) or urlsplit(found.issuer).query:
        raise RuntimeError("OIDC_ISSUER must be an https:// URL (http:// only on localhost)")


def init_app(app: Flask) -> None:
    check_settings(app.config)

    @app.context_processor
    def oidc_button():
        found = settings(app.config)
        return {"oidc_provider_name": (found.display_name or _("national identity account"))
                if found else None}


def client():
    """Authlib's client for the configured provider, one per application and settings
    (its discovery document and keys are cached with it)."""
    found = settings()
    if found is None:
        raise ProviderError("no provider configured")
    clients = current_app.extensions.setdefault("marketplace.oidc", {})
    if found not in clients:
        oauth = OAuth()
        oauth.init_app(current_app._get_current_object())
        clients[found] = oauth.register(
            CLIENT_NAME, client_id=found.client_id, client_secret=found.client_secret,
            server_metadata_url=found.discovery_url,
            client_kwargs={"scope": SCOPE, "code_challenge_method": "S256",
                           "token_endpoint_auth_method": "client_secret_basic",
                           "default_timeout": TIMEOUT})
    remote = clients[found]
    _check_metadata(found, remote.load_server_metadata())
    return remote


def _check_metadata(found: Settings, metadata: dict) -> None:
    if metadata.get("issuer") != found.issuer:
        raise ProviderError(f"discovery names issuer {metadata.get('issuer')!r}, "
                            f"not {found.issuer!r}")
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not _secure(metadata.get(key, "")):
            raise ProviderError(f"discovery's {key} is missing or not HTTPS")


def claims_options(found: Settings) -> dict:
    """What the ID token must say besides the nonce (which Authlib checks): issued by our
    issuer, for our client id, about someone. Given explicitly: left to itself, Authlib
    accepts a token for another audience if its `azp` names us (OpenID Connect Core
    1.0, §3.1.3.7: the client MUST check that `aud` contains its client id)."""
    return {"iss": {"essential": True, "value": found.issuer},
            "aud": {"essential": True, "value": found.client_id},
            "sub": {"essential": True}}


def _text(value, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def sign_in(session, *, issuer: str, claims: dict) -> tuple[User, str]:
    """The user for verified ID-token `claims` of `issuer`, and what happened: "signed_in"
    (identity already linked), "linked" (to the account with the same verified email) or
    "created" (a new account, no password, no organization). Raises `DomainError` when
    the account is deactivated or when an unknown identity comes without a verified
    email (the provider must say `email_verified: true`)."""
    subject = _text(claims.get("sub"), 255)
    if not subject:
        raise DomainError(_("The identity provider did not say who you are."))
    identity = session.scalar(select(ExternalIdentity).where(
        ExternalIdentity.issuer == issuer, ExternalIdentity.subject == subject))
    outcome = "signed_in"
    email = normalize_email(_text(claims.get("email"), 254))
    if identity is None:
        if not email or claims.get("email_verified") is not True:
            raise DomainError(_("The identity provider did not confirm your email address, so "
                                "it cannot be linked to an account. Log in with your password "
                                "or ask the provider to confirm your email."))
        user = find_user_by_email(session, email)
        if user is None:
            name = _text(claims.get("name"), 200) or " ".join(
                part for part in (_text(claims.get("family_name"), 100),
                                  _text(claims.get("given_name"), 100)) if part) or email
            english = _text(claims.get("locale"), 10).lower().startswith("en")
            user = User(email=email, password_hash="", full_name=name,
                        locale="en" if english else "vi")
            session.add(user)
            session.flush()
            record(session, user, "user.registered", user,
                   after={"email": email, "identity_provider": issuer})
            outcome = "created"
        else:
            existing = session.scalar(select(ExternalIdentity).where(
                ExternalIdentity.user_id == user.id, ExternalIdentity.issuer == issuer))
            if existing is not None:
                raise DomainError(_("Your account is already linked to another identity at "
                                    "this provider."))
            outcome = "linked"
        identity = ExternalIdentity(user_id=user.id, issuer=issuer, subject=subject,
                                    email=email)
        session.add(identity)
        session.flush()
        if outcome == "linked":
            record(session, user, "user.identity_linked", user,
                   after={"identity_provider": issuer, "email": email})
    user = identity.user
    if not user.active:
        raise DomainError(_("This account is deactivated."))
    now = utcnow()
    identity.last_login_at = user.last_login_at = now
    session.flush()
    return user, outcome
