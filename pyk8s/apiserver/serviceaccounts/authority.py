"""The token authority: the keys and names with which this API server signs and checks
service account tokens.

- `issuers`: --service-account-issuer, repeatable. The first names every new token; a
  token from any of them is accepted (so an issuer can be renamed without cutting off the
  tokens already handed out).
- the signing key (--service-account-signing-key-file) and the public keys that verify
  (--service-account-key-file, repeatable, plus the signing key's own public half).
- `api_audiences` (--api-audiences): the audiences a token needs to be accepted by this
  server; tokens are issued for them when a TokenRequest names none. Default: the issuer.

With no key given, a P-256 key is made once in --cert-dir (or <data-dir>/certs), beside the
self-signed serving certificate, and kept: tokens stay valid across restarts.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from pyk8s.apiserver.config import APIServerConfig
from pyk8s.apiserver.serviceaccounts import jwt
from pyk8s.apiserver.serviceaccounts.tokens import DEFAULT_ISSUER, TokenClaims

GENERATED_KEY_NAME = "service-account-key.pem"


@dataclass
class TokenAuthority:
    issuers: tuple[str, ...]
    signing_key: jwt.SigningKey | None
    public_keys: tuple[jwt.PublicKey, ...]
    api_audiences: tuple[str, ...]
    clock: Callable[[], float] = field(default=time.time)

    @property
    def issuer(self) -> str:
        return self.issuers[0]

    def now(self) -> int:
        return int(self.clock())

    def sign(self, claims: TokenClaims) -> str:
        if self.signing_key is None:
            raise RuntimeError("no --service-account-signing-key-file: cannot issue tokens")
        return jwt.sign(claims.to_jwt(), self.signing_key)

    def is_ours(self, token: str) -> bool:
        """Whether a bearer token claims to come from one of our issuers (signature unchecked),
        so that other tokens are left to the other authenticators."""
        if not jwt.looks_like_jwt(token):
            return False
        try:
            return jwt.unverified_claims(token).get("iss") in self.issuers
        except jwt.InvalidToken:
            return False

    def read(self, token: str) -> TokenClaims:
        """The claims of a token we signed that is valid now; InvalidToken otherwise."""
        claims = TokenClaims.from_jwt(jwt.verify(token, self.public_keys))
        if claims.issuer not in self.issuers:
            raise jwt.InvalidToken("the token's issuer is not this API server")
        claims.check_times(self.clock())
        return claims

    def accepted_audiences(self, claims: TokenClaims, wanted: tuple[str, ...]) -> tuple[str, ...]:
        """The audiences the token serves among those wanted (ours when none are named)."""
        wanted = wanted or self.api_audiences
        accepted = tuple(a for a in wanted if a in claims.audiences)
        if not accepted:
            raise jwt.InvalidToken(
                f"token audiences {_quoted(claims.audiences)} is invalid for the target "
                f"audiences {_quoted(wanted)}"
            )
        return accepted


def _quoted(values: tuple[str, ...]) -> str:
    return "[" + " ".join(f'"{v}"' for v in values) + "]"


def ensure_generated_key(directory: str) -> str:
    """The path of a signing key in `directory`, made (P-256, mode 0600) when missing."""
    path = os.path.join(directory, GENERATED_KEY_NAME)
    if not os.path.exists(path):
        os.makedirs(directory, exist_ok=True)
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        # Write then rename, so a crash never leaves half a key for the next start to read.
        partial = path + ".partial"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        os.replace(partial, path)
    return path


def load_authority(config: APIServerConfig) -> TokenAuthority:
    """Build the authority from the server's flags, generating a key when none is given."""
    signing_file = config.service_account_signing_key_file
    key_files = list(config.service_account_key_files)
    if not signing_file and not key_files:
        directory = config.certificates_dir
        signing_file = ensure_generated_key(directory)
    signing_key = jwt.load_signing_key(signing_file) if signing_file else None
    public_keys: list[jwt.PublicKey] = []
    for path in key_files:
        public_keys.extend(jwt.load_public_keys(path))
    if signing_key is not None:
        own = signing_key.public_key()
        if jwt.key_id(own) not in {jwt.key_id(k) for k in public_keys}:
            public_keys.append(own)
    issuers = tuple(config.service_account_issuers) or (DEFAULT_ISSUER,)
    audiences = tuple(config.api_audiences) or (issuers[0],)
    return TokenAuthority(issuers, signing_key, tuple(public_keys), audiences)
