"""Service account tokens: issued by TokenRequest, accepted as bearer tokens, reviewed by
TokenReview, published through OIDC discovery.

    jwt.py        JWT signing and verification (ES256/ES384/ES512/RS256), keys from PEM
    tokens.py     the claims of a bound token, and the user they stand for
    authority.py  this server's issuers, keys and audiences (from its flags)
    verifier.py   the bearer-token authenticator: signature, expiry, audience, live objects
    handlers.py   POST serviceaccounts/<name>/token and POST tokenreviews
    oidc.py       /.well-known/openid-configuration and /openid/v1/jwks

The server wires it in three calls, after its Registry exists:

    serviceaccounts.configure(config, registry)         # keys, handlers
    Authenticator(..., token_authenticators=[serviceaccounts.verifier(registry)])
    serviceaccounts.oidc_response(request.path)         # in the non-resource dispatch
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyk8s.apiserver.serviceaccounts.authority import TokenAuthority, load_authority
from pyk8s.apiserver.serviceaccounts.verifier import ServiceAccountTokenAuthenticator

if TYPE_CHECKING:
    from aiohttp import web

    from pyk8s.apiserver.config import APIServerConfig
    from pyk8s.apiserver.registry import Registry

# The authority of the server configured last. Handlers are registered per process (as every
# subresource handler is), so one process serves one set of keys.
_authority: TokenAuthority | None = None


def configure(config: APIServerConfig, registry: Registry) -> None:
    """Load (or make) the keys named by `config` and serve TokenRequest and TokenReview."""
    global _authority
    from pyk8s.apiserver.handlers import register_subresource
    from pyk8s.apiserver.serviceaccounts.handlers import TokenEndpoints

    _authority = load_authority(config)
    endpoints = TokenEndpoints(_authority, registry)
    register_subresource("", "serviceaccounts", "token", endpoints.token_request)
    register_subresource("authentication.k8s.io", "tokenreviews", "", endpoints.token_review)


def authority() -> TokenAuthority:
    if _authority is None:
        raise RuntimeError("serviceaccounts.configure() has not been called")
    return _authority


def verifier(registry: Registry) -> ServiceAccountTokenAuthenticator:
    """The bearer-token authenticator for the Authenticator (call configure first)."""
    return ServiceAccountTokenAuthenticator(authority(), registry.lookup)


def oidc_response(path: str) -> web.Response | None:
    """The OIDC discovery answer for `path`, or None when it is not one of those paths."""
    from pyk8s.apiserver.serviceaccounts import oidc

    if _authority is None or path not in oidc.PATHS:
        return None
    return oidc.response(_authority, path)
