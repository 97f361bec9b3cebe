"""A small OpenID Connect provider for the tests, run on a free port of 127.0.0.1 in a thread: discovery,
JWKS, authorize (consent given at once for ``identity``), token (client secret, code once, PKCE S256,
redirect URI) and userinfo. ID tokens are RS256, signed with a key generated per run (joserfc).

``tamper`` breaks one thing on purpose, to prove Klass notices: ``"signature"`` (a byte of the signature
changed), ``"foreign_key"`` (signed by another key under the same key id), ``"nonce"`` (someone else's
nonce), ``"audience"`` (issued to another client)."""
from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

CLIENT_ID = "klass-school"
CLIENT_SECRET = "local-provider-secret"


class LocalProvider:
    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig", "alg": "RS256"}, private=True)
        self.identity: dict[str, Any] = {}
        self.tamper: str | None = None
        self.codes: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()

    def settings(self, **extra: Any) -> dict[str, Any]:
        """``[plugins.sso]`` with this provider installation-wide."""
        return {"plugins": {"sso": {"providers": [{
            "key": "local", "title": "Госуслуги (тест)", "issuer": self.issuer, "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET, "scopes": "openid profile snils birthdate"}], **extra}}}

    # --- the endpoints ---------------------------------------------------------------------------
    def _app(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        handler = {"/.well-known/openid-configuration": self._discovery, "/jwks": self._jwks,
                   "/authorize": self._authorize, "/token": self._token, "/userinfo": self._userinfo}.get(request.path)
        response = handler(request) if handler else Response("not found", 404)
        return response(environ, start_response)

    @staticmethod
    def _json(data: Any, status: int = 200) -> Response:
        import json

        return Response(json.dumps(data), status, mimetype="application/json")

    def _discovery(self, request: Request) -> Response:
        return self._json({
            "issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
            "userinfo_endpoint": f"{self.issuer}/userinfo", "response_types_supported": ["code"],
            "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"]})

    def _jwks(self, request: Request) -> Response:
        return self._json(KeySet([self.key]).as_dict(private=False))

    def _authorize(self, request: Request) -> Response:
        args = request.args
        if (args.get("client_id") != CLIENT_ID or args.get("response_type") != "code"
                or "openid" not in args.get("scope", "").split() or args.get("code_challenge_method") != "S256"
                or not args.get("code_challenge") or not args.get("nonce")):
            return Response("bad authorization request", 400)
        code = secrets.token_urlsafe(24)
        self.codes[code] = {"challenge": args["code_challenge"], "nonce": args["nonce"],
                            "redirect_uri": args["redirect_uri"], "identity": dict(self.identity)}
        target = args["redirect_uri"] + "?" + urlencode({"code": code, "state": args.get("state", "")})
        return Response("", 302, headers={"Location": target})

    def _token(self, request: Request) -> Response:
        auth = request.authorization
        if auth is None or (auth.username, auth.password) != (CLIENT_ID, CLIENT_SECRET):
            return self._json({"error": "invalid_client"}, 401)
        form = request.form
        grant = self.codes.pop(form.get("code", ""), None)  # a code works once
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if (form.get("grant_type") != "authorization_code" or grant is None
                or grant["redirect_uri"] != form.get("redirect_uri") or challenge != grant["challenge"]):
            return self._json({"error": "invalid_grant"}, 400)
        now = int(time.time())
        identity = grant["identity"]
        claims = {"iss": self.issuer, "sub": identity["sub"], "aud": CLIENT_ID, "iat": now, "exp": now + 300,
                  "nonce": grant["nonce"], **{k: v for k, v in identity.items() if k != "sub"}}
        key = self.key
        if self.tamper == "nonce":
            claims["nonce"] = "someone-elses-nonce"
        if self.tamper == "audience":
            claims["aud"] = "another-client"
        if self.tamper == "foreign_key":
            key = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
        id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)
        if self.tamper == "signature":
            head, payload, signature = id_token.split(".")
            id_token = f"{head}.{payload}.{signature[:-6]}{'AAAAAA' if signature[-6:] != 'AAAAAA' else 'BBBBBB'}"
        access = secrets.token_urlsafe(24)
        self.tokens[access] = identity
        return self._json({"access_token": access, "token_type": "Bearer", "expires_in": 300, "id_token": id_token})

    def _userinfo(self, request: Request) -> Response:
        header = request.headers.get("Authorization", "")
        identity = self.tokens.get(header.removeprefix("Bearer "))
        return self._json(identity) if identity else self._json({"error": "invalid_token"}, 401)
