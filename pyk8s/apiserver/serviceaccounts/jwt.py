"""JSON Web Tokens (RFC 7519) in compact form, signed and checked with `cryptography` alone.

A token is three base64url parts joined by dots: a header (`alg`, `kid`), the claims, and a
signature over the first two. Service account tokens are signed with the API server's key:
ES256 (P-256, the pyk8s default), ES384, ES512 or RS256, chosen by the key's type, as
kube-apiserver does. `verify` accepts a token only when one of the given public keys
checks its signature; it says nothing about the claims (tokens.py reads those).

Keys come from PEM files that may hold private keys, public keys or certificates, so
`--service-account-key-file` can name any of them, as it can for kube-apiserver.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

SigningKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey

# JOSE names each elliptic curve's algorithm after its hash; r and s are fixed-size.
_EC_ALGORITHMS: dict[str, tuple[str, hashes.HashAlgorithm, int]] = {
    "secp256r1": ("ES256", hashes.SHA256(), 32),
    "secp384r1": ("ES384", hashes.SHA384(), 48),
    "secp521r1": ("ES512", hashes.SHA512(), 66),
}
_JWK_CURVES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}


class InvalidToken(Exception):
    """The token is malformed, or no trusted key signed it."""


# ---- encoding ---------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as err:
        raise InvalidToken(f"malformed base64url: {err}") from None


def _json_part(text: str) -> dict[str, Any]:
    try:
        value = orjson.loads(b64url_decode(text))
    except orjson.JSONDecodeError:
        raise InvalidToken("a token part is not JSON") from None
    if not isinstance(value, dict):
        raise InvalidToken("a token part is not a JSON object")
    return value


# ---- keys -------------------------------------------------------------------------------


def algorithm(key: SigningKey | PublicKey) -> str:
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return "RS256"
    entry = _EC_ALGORITHMS.get(key.curve.name)
    if entry is None:
        raise ValueError(f"unsupported elliptic curve {key.curve.name}")
    return entry[0]


def key_id(key: PublicKey) -> str:
    """A stable name for a public key: the hash of its DER form (what kube-apiserver uses)."""
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return b64url(hashlib.sha256(der).digest())


def load_signing_key(path: str) -> SigningKey:
    with open(path, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise ValueError(f"{path}: service account tokens need an RSA or ECDSA private key")
    algorithm(key)
    return key


_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z ]+)-----.+?-----END \1-----", re.DOTALL)


def load_public_keys(path: str) -> list[PublicKey]:
    """Every RSA/ECDSA key a PEM file holds, from private keys, public keys or certificates."""
    with open(path, "rb") as f:
        data = f.read()
    keys: list[PublicKey] = []
    for match in _PEM_BLOCK.finditer(data):
        label, block = match.group(1), match.group(0)
        if label == b"CERTIFICATE":
            found: Any = x509.load_pem_x509_certificate(block).public_key()
        elif label.endswith(b"PRIVATE KEY"):
            found = serialization.load_pem_private_key(block, password=None).public_key()
        elif label.endswith(b"PUBLIC KEY"):
            found = serialization.load_pem_public_key(block)
        else:
            continue  # parameters, other certificates' material: not keys
        if isinstance(found, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
            keys.append(found)
    if not keys:
        raise ValueError(f"{path}: no RSA or ECDSA key found")
    return keys


def jwk(key: PublicKey) -> dict[str, str]:
    """The public key as a JSON Web Key (RFC 7517), for the OIDC key set."""
    entry: dict[str, str] = {"use": "sig", "kid": key_id(key), "alg": algorithm(key)}
    if isinstance(key, rsa.RSAPublicKey):
        numbers = key.public_numbers()
        n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
        e = numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")
        return {**entry, "kty": "RSA", "n": b64url(n), "e": b64url(e)}
    size = _EC_ALGORITHMS[key.curve.name][2]
    point = key.public_numbers()
    return {
        **entry,
        "kty": "EC",
        "crv": _JWK_CURVES[key.curve.name],
        "x": b64url(point.x.to_bytes(size, "big")),
        "y": b64url(point.y.to_bytes(size, "big")),
    }


# ---- signing and verifying ----------------------------------------------------------------


def _signature(key: SigningKey, signed: bytes) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(signed, padding.PKCS1v15(), hashes.SHA256())
    _, digest, size = _EC_ALGORITHMS[key.curve.name]
    # JOSE wants r and s side by side at a fixed width, not the DER that cryptography gives.
    r, s = decode_dss_signature(key.sign(signed, ec.ECDSA(digest)))
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def _signature_valid(key: PublicKey, alg: str, signed: bytes, signature: bytes) -> bool:
    try:
        if isinstance(key, rsa.RSAPublicKey):
            if alg != "RS256":
                return False
            key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
            return True
        name, digest, size = _EC_ALGORITHMS[key.curve.name]
        if alg != name or len(signature) != 2 * size:
            return False
        r, s = int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
        key.verify(encode_dss_signature(r, s), signed, ec.ECDSA(digest))
        return True
    except InvalidSignature:
        return False


def sign(claims: Mapping[str, Any], key: SigningKey) -> str:
    header = {"alg": algorithm(key), "kid": key_id(key.public_key())}
    signed = f"{b64url(orjson.dumps(header))}.{b64url(orjson.dumps(dict(claims)))}"
    return f"{signed}.{b64url(_signature(key, signed.encode('ascii')))}"


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2


def unverified_claims(token: str) -> dict[str, Any]:
    """The claims, unchecked: only to decide whether a token is ours to verify at all."""
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidToken("a JSON Web Token has three parts")
    return _json_part(parts[1])


def verify(token: str, keys: Sequence[PublicKey]) -> dict[str, Any]:
    """The claims of a token that one of `keys` signed; InvalidToken otherwise."""
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidToken("a JSON Web Token has three parts")
    header, claims = _json_part(parts[0]), _json_part(parts[1])
    alg, kid = header.get("alg"), header.get("kid")
    signed, signature = f"{parts[0]}.{parts[1]}".encode("ascii"), b64url_decode(parts[2])
    # Try the key the header names first; a token without a kid may match any key.
    ordered = sorted(keys, key=lambda k: key_id(k) != kid)
    for key in ordered:
        if _signature_valid(key, str(alg), signed, signature):
            return claims
    raise InvalidToken("invalid signature")
