"""A small OpenID Connect provider for the tests, on 127.0.0.1 in a thread: discovery,
authorization (auto-approves `identity`), token and JWKS endpoints, RS256 ID tokens
signed with joserfc by a key made here. It checks what a real provider checks — the
client's secret (HTTP Basic), the redirect URI, PKCE (S256 only), each code used once —
and can be told to misbehave (`tamper`) the way an attacker or a broken provider would:
a wrong nonce, an expired token, a token signed by another key, another audience."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

CLIENT_ID = "marketplace-test"
CLIENT_SECRET = "provider-test-secret"
KID = "test-key-1"


class Provider:
    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": KID, "use": "sig"})
        self.forger = RSAKey.generate_key(2048, parameters={"kid": KID})  # same kid, wrong key
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.reset()

    def reset(self) -> None:
        self.identity = {"sub": "vneid-001", "email": "nguyen.van.an@example.vn",
                         "email_verified": True, "name": "Nguyễn Văn An"}
        self.tamper: str | None = None
        self.discovery_issuer: str | None = None  # another issuer named by discovery
        self.codes: dict[str, dict] = {}
        self.requests: list[str] = []
        self.token_answers: list[int] = []

    def start(self) -> Provider:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- the endpoints -------------------------------------------------------------------
    @Request.application
    def app(self, request: Request) -> Response:
        self.requests.append(request.path)
        route = {"/.well-known/openid-configuration": self.discovery,
                 "/authorize": self.authorize, "/token": self.token, "/jwks": self.jwks}
        handler = route.get(request.path)
        return handler(request) if handler else Response("not found", status=404)

    def discovery(self, request: Request) -> Response:
        return _json({
            "issuer": self.discovery_issuer or self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "scopes_supported": ["openid", "email", "profile"],
        })

    def jwks(self, request: Request) -> Response:
        return _json({"keys": [self.key.as_dict(private=False)]})

    def authorize(self, request: Request) -> Response:
        args = request.args
        if (args.get("client_id") != CLIENT_ID or args.get("response_type") != "code"
                or args.get("code_challenge_method") != "S256"
                or not args.get("code_challenge") or not args.get("state")
                or "openid" not in args.get("scope", "").split()):
            return Response("bad authorization request", status=400)
        code = secrets.token_urlsafe(24)
        self.codes[code] = {"redirect_uri": args["redirect_uri"], "nonce": args.get("nonce"),
                            "challenge": args["code_challenge"], "used": False,
                            "identity": dict(self.identity)}
        target = args["redirect_uri"] + "?" + urlencode({"code": code, "state": args["state"]})
        return Response(status=302, headers={"Location": target})

    def token(self, request: Request) -> Response:
        answer = self._token(request)
        self.token_answers.append(answer.status_code)
        return answer

    def _token(self, request: Request) -> Response:
        auth = request.authorization
        if auth is None or (auth.username, auth.password) != (CLIENT_ID, CLIENT_SECRET):
            return _json({"error": "invalid_client"}, 401)
        form = request.form
        grant = self.codes.get(form.get("code", ""))
        if form.get("grant_type") != "authorization_code" or grant is None or grant["used"]:
            return _json({"error": "invalid_grant"}, 400)
        grant["used"] = True  # a code works once, even when this request is refused
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return _json({"error": "invalid_grant"}, 400)
        verifier = form.get("code_verifier", "")
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        if not verifier or digest.rstrip(b"=").decode() != grant["challenge"]:
            return _json({"error": "invalid_grant", "error_description": "PKCE"}, 400)
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300,
                  "nonce": grant["nonce"], **grant["identity"]}
        key = self.key
        if self.tamper == "nonce":
            claims["nonce"] = "not-the-nonce-that-was-sent"
        elif self.tamper == "expired":
            claims.update(iat=now - 3600, exp=now - 1800)
        elif self.tamper == "signature":
            key = self.forger
        elif self.tamper == "audience":
            claims["aud"] = "another-client"
        elif self.tamper == "audience with our azp":
            claims.update(aud="another-client", azp=CLIENT_ID)
        elif self.tamper == "issuer":
            claims["iss"] = "http://127.0.0.1:1"
        id_token = jwt.encode({"alg": "RS256", "kid": KID}, claims, key)
        return _json({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                      "expires_in": 300, "id_token": id_token})


def _json(data: dict, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json",
                    headers={"Cache-Control": "no-store"})
