"""The OpenID Connect authorization-code flow, with authlib and joserfc.

Why each check: ``state`` ties the provider's answer to the browser that started (no forged callbacks);
PKCE (S256) makes a stolen ``code`` useless to anyone without the verifier kept in our session; ``nonce``
ties the ID token to this very attempt (no replayed tokens); the signature is verified against the
provider's own JWKS (fetched from its discovery document, refetched once on an unknown key id), and
``iss``, ``aud``, ``exp`` and ``iat`` are checked. Anything wrong raises ``SignInRefused`` with a message
for the person; the details go to the log, never to the page.
"""
from __future__ import annotations

import hmac
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from core.toolkit import N_, ServiceError

log = logging.getLogger("klass.sso")
TIMEOUT = 10
CACHE_SECONDS = 600
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]
_cache: dict[str, tuple[float, dict[str, Any]]] = {}


class SignInRefused(ServiceError):
    status = 403
    code = "sso_refused"


@dataclass(frozen=True)
class ProviderConfig:
    """A provider as the flow needs it, from a school's table row or from the settings (a region's)."""

    key: str  # "s<id>" for a school's row, the settings' own key otherwise
    title: str
    issuer: str
    client_id: str
    client_secret: str = ""
    discovery_url: str = ""
    scopes: str = "openid profile"
    claims: dict[str, str] = field(default_factory=dict)
    school_id: int | None = None  # None: deployment-wide (matching looks in every school)

    @property
    def discovery(self) -> str:
        return self.discovery_url or self.issuer.rstrip("/") + "/.well-known/openid-configuration"


def _get_json(url: str, *, fresh: bool = False) -> dict[str, Any]:
    hit = _cache.get(url)
    if hit and not fresh and hit[0] > time.monotonic():
        return hit[1]
    try:
        response = requests.get(url, timeout=TIMEOUT)
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as exc:
        log.warning("sso: cannot read %s: %s", url, exc)
        raise SignInRefused(N_("The sign-in service does not answer. Try again later or sign in with "
                               "your login and password.")) from exc
    _cache[url] = (time.monotonic() + CACHE_SECONDS, data)
    return data


def metadata(cfg: ProviderConfig) -> dict[str, Any]:
    meta = _get_json(cfg.discovery)
    if meta.get("issuer", "").rstrip("/") != cfg.issuer.rstrip("/"):
        log.warning("sso: %s announces issuer %r, configured %r", cfg.key, meta.get("issuer"), cfg.issuer)
        raise SignInRefused(N_("The sign-in service is configured wrongly. Tell the school's administrator."))
    return meta


def _client(cfg: ProviderConfig, meta: dict[str, Any], redirect_uri: str) -> OAuth2Session:
    methods = meta.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    method = "client_secret_basic" if "client_secret_basic" in methods or not cfg.client_secret else (
        "client_secret_post")
    return OAuth2Session(cfg.client_id, cfg.client_secret or None, scope=cfg.scopes, redirect_uri=redirect_uri,
                         code_challenge_method="S256", token_endpoint_auth_method=method)


def start(cfg: ProviderConfig, redirect_uri: str) -> tuple[str, dict[str, str]]:
    """The provider's authorization URL, and what to keep in the session until it answers."""
    meta = metadata(cfg)
    pending = {"provider": cfg.key, "state": generate_token(40), "nonce": generate_token(40),
               "verifier": generate_token(64)}
    url, _state = _client(cfg, meta, redirect_uri).create_authorization_url(
        meta["authorization_endpoint"], state=pending["state"], nonce=pending["nonce"],
        code_verifier=pending["verifier"])
    return url, pending


def _verify_id_token(cfg: ProviderConfig, meta: dict[str, Any], id_token: str, nonce: str) -> dict[str, Any]:
    try:
        keys = KeySet.import_key_set(_get_json(meta["jwks_uri"]))
        try:
            token = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
        except JoseError:  # the provider may have rotated its keys since we cached them
            keys = KeySet.import_key_set(_get_json(meta["jwks_uri"], fresh=True))
            token = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
        registry = jwt.JWTClaimsRegistry(
            leeway=60, iss={"essential": True, "value": meta["issuer"]}, sub={"essential": True},
            aud={"essential": True, "value": cfg.client_id}, exp={"essential": True}, iat={"essential": True},
            nonce={"essential": True, "value": nonce})
        registry.validate(token.claims)
    except (JoseError, ValueError, KeyError) as exc:
        log.warning("sso: ID token from %s refused: %r", cfg.key, exc)
        raise SignInRefused(N_("The sign-in service's answer could not be verified. Try again.")) from exc
    claims = dict(token.claims)
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != cfg.client_id:
        raise SignInRefused(N_("The sign-in service's answer could not be verified. Try again."))
    return claims


def finish(cfg: ProviderConfig, pending: dict[str, str] | None, args: dict[str, str],
           redirect_uri: str) -> dict[str, Any]:
    """Check the provider's answer and return the person's claims (ID token, then userinfo for the rest)."""
    if not pending or pending.get("provider") != cfg.key or not hmac.compare_digest(
            str(args.get("state", "")), pending.get("state", "")):
        raise SignInRefused(N_("This sign-in attempt has expired or was not started here. Start again."))
    if args.get("error"):
        log.info("sso: %s answered %s: %s", cfg.key, args.get("error"), args.get("error_description", ""))
        raise SignInRefused(N_("The sign-in service did not let you in. Start again."))
    meta = metadata(cfg)
    try:
        token = _client(cfg, meta, redirect_uri).fetch_token(
            meta["token_endpoint"], code=args.get("code", ""), code_verifier=pending["verifier"],
            timeout=TIMEOUT)
    except Exception as exc:  # authlib raises OAuthError, requests its own: both mean "no token"
        log.warning("sso: token request to %s failed: %r", cfg.key, exc)
        raise SignInRefused(N_("The sign-in service did not let you in. Start again.")) from exc
    if not token.get("id_token"):
        raise SignInRefused(N_("The sign-in service's answer could not be verified. Try again."))
    claims = _verify_id_token(cfg, meta, token["id_token"], pending["nonce"])
    wanted = set((cfg.claims or {}).values())
    if meta.get("userinfo_endpoint") and not wanted <= set(claims):
        try:
            response = requests.get(meta["userinfo_endpoint"], timeout=TIMEOUT,
                                    headers={"Authorization": f"Bearer {token['access_token']}"})
            response.raise_for_status()
            info = response.json()
        except (requests.RequestException, ValueError) as exc:
            log.warning("sso: userinfo of %s failed: %r", cfg.key, exc)
            info = {}
        if info.get("sub") == claims["sub"]:  # OIDC core 5.3.2: otherwise the answer must not be used
            claims = {**info, **claims}
    return claims
