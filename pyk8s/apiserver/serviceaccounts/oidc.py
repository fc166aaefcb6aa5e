"""OpenID Connect discovery: how others check our service account tokens without us.

Two non-resource documents, as kube-apiserver serves them:

    GET /.well-known/openid-configuration   the issuer, where its keys are, what it signs with
    GET /openid/v1/jwks                     the public keys, as a JSON Web Key Set

A cloud provider or a workload that trusts this issuer fetches them to verify a pod's token
offline. They are only offered when the issuer is an https URL (OIDC requires it); the keys'
URL is the issuer's host with the path /openid/v1/jwks.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

import orjson
from aiohttp import web

from pyk8s.apiserver.serviceaccounts import jwt
from pyk8s.apiserver.serviceaccounts.authority import TokenAuthority

CONFIGURATION_PATH = "/.well-known/openid-configuration"
KEYS_PATH = "/openid/v1/jwks"
PATHS = (CONFIGURATION_PATH, KEYS_PATH)


def jwks_uri(issuer: str) -> str | None:
    parts = urlsplit(issuer)
    if parts.scheme != "https" or not parts.netloc:
        return None
    return urlunsplit(("https", parts.netloc, KEYS_PATH, "", ""))


def configuration(authority: TokenAuthority) -> dict[str, Any] | None:
    uri = jwks_uri(authority.issuer)
    if uri is None:
        return None
    algorithms = sorted({jwt.algorithm(key) for key in authority.public_keys})
    return {
        "issuer": authority.issuer,
        "jwks_uri": uri,
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": algorithms,
    }


def key_set(authority: TokenAuthority) -> dict[str, Any]:
    return {"keys": [jwt.jwk(key) for key in authority.public_keys]}


def response(authority: TokenAuthority, path: str) -> web.Response | None:
    """The answer for one of PATHS, or None (not an OIDC path, or not an https issuer)."""
    document = configuration(authority)
    if document is None or path not in PATHS:
        return None
    if path == KEYS_PATH:
        body, content_type = key_set(authority), "application/jwk-set+json"
    else:
        body, content_type = document, "application/json"
    # Relying parties poll these; an hour of caching is what kube-apiserver allows too.
    headers = {"Content-Type": content_type, "Cache-Control": "public, max-age=3600"}
    return web.Response(body=orjson.dumps(body), headers=headers)
