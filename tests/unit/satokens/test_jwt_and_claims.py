"""JWT signing/verification and the claims of bound tokens (pure, no server)."""

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from pyk8s.apiserver.serviceaccounts import jwt
from pyk8s.apiserver.serviceaccounts.tokens import ObjectRef, TokenClaims, new_claims

ACCOUNT = {"metadata": {"name": "builder", "namespace": "ci", "uid": "sa-uid"}}
POD = {"metadata": {"name": "job-1", "namespace": "ci", "uid": "pod-uid"}}


def part(token: str, index: int) -> dict:
    text = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


@pytest.mark.parametrize(
    "key, alg",
    [
        (ec.generate_private_key(ec.SECP256R1()), "ES256"),
        (ec.generate_private_key(ec.SECP384R1()), "ES384"),
        (rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS256"),
    ],
)
def test_a_signed_token_verifies_with_its_public_key_only(key, alg):
    token = jwt.sign({"sub": "me"}, key)
    assert part(token, 0) == {"alg": alg, "kid": jwt.key_id(key.public_key())}
    assert jwt.verify(token, [key.public_key()]) == {"sub": "me"}
    stranger = ec.generate_private_key(ec.SECP256R1()).public_key()
    with pytest.raises(jwt.InvalidToken, match="invalid signature"):
        jwt.verify(token, [stranger])


def test_a_tampered_token_is_refused():
    key = ec.generate_private_key(ec.SECP256R1())
    header, _, signature = jwt.sign({"sub": "me"}, key).split(".")
    forged = jwt.b64url(json.dumps({"sub": "admin"}).encode())
    with pytest.raises(jwt.InvalidToken):
        jwt.verify(f"{header}.{forged}.{signature}", [key.public_key()])
    with pytest.raises(jwt.InvalidToken):
        jwt.verify("not-a-jwt", [key.public_key()])
    with pytest.raises(jwt.InvalidToken):
        jwt.verify(f"{header}.%%%.{signature}", [key.public_key()])


def test_public_keys_load_from_certificates_private_and_public_pem(tmp_path: Path):
    from pyk8s.pki.certs import issue, new_ca

    pair = issue(new_ca(), "service-accounts")
    pair.write(tmp_path, "sa")
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes((tmp_path / "sa.pem").read_bytes() + public_pem)
    from_cert = jwt.load_public_keys(str(tmp_path / "sa.pem"))
    from_private = jwt.load_public_keys(str(tmp_path / "sa-key.pem"))
    assert [jwt.key_id(k) for k in from_cert] == [jwt.key_id(k) for k in from_private]
    assert len(jwt.load_public_keys(str(bundle))) == 2
    signing = jwt.load_signing_key(str(tmp_path / "sa-key.pem"))
    assert jwt.verify(jwt.sign({"a": 1}, signing), from_cert) == {"a": 1}


def test_jwk_describes_the_key():
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    entry = jwt.jwk(key)
    assert entry["kty"] == "EC" and entry["crv"] == "P-256" and entry["alg"] == "ES256"
    assert len(base64.urlsafe_b64decode(entry["x"] + "=")) == 32


def test_bound_claims_have_kubernetes_shape_and_read_back():
    claims = new_claims(
        issuer="https://issuer",
        service_account=ACCOUNT,
        audiences=("api",),
        now=1000,
        expiration_seconds=3600,
        pod=POD,
        node=ObjectRef("n1", "node-uid"),
    )
    body = claims.to_jwt()
    assert body["sub"] == "system:serviceaccount:ci:builder"
    assert (body["iat"], body["nbf"], body["exp"]) == (1000, 1000, 4600)
    assert body["aud"] == ["api"] and body["iss"] == "https://issuer" and body["jti"]
    assert body["kubernetes.io"] == {
        "namespace": "ci",
        "node": {"name": "n1", "uid": "node-uid"},
        "pod": {"name": "job-1", "uid": "pod-uid"},
        "serviceaccount": {"name": "builder", "uid": "sa-uid"},
    }
    assert TokenClaims.from_jwt(body) == claims


def test_the_user_of_a_pod_bound_token():
    claims = new_claims(
        issuer="i", service_account=ACCOUNT, audiences=("a",), now=0, expiration_seconds=600,
        pod=POD,
    )  # fmt: skip
    user = claims.user()
    assert user.name == "system:serviceaccount:ci:builder" and user.uid == "sa-uid"
    assert user.groups == (
        "system:serviceaccounts",
        "system:serviceaccounts:ci",
        "system:authenticated",
    )
    assert user.extra["authentication.kubernetes.io/pod-name"] == ["job-1"]
    assert user.extra["authentication.kubernetes.io/pod-uid"] == ["pod-uid"]
    assert user.extra["authentication.kubernetes.io/credential-id"] == [f"JTI={claims.token_id}"]


def test_expiry_and_subject_mismatch_are_refused():
    claims = new_claims(
        issuer="i", service_account=ACCOUNT, audiences=("a",), now=0, expiration_seconds=600
    )
    claims.check_times(599)
    with pytest.raises(jwt.InvalidToken, match="expired"):
        claims.check_times(600)
    with pytest.raises(jwt.InvalidToken, match="not valid yet"):
        new_claims(
            issuer="i", service_account=ACCOUNT, audiences=(), now=1000, expiration_seconds=600
        ).check_times(500)
    body = claims.to_jwt() | {"sub": "system:serviceaccount:ci:admin"}
    with pytest.raises(jwt.InvalidToken, match="subject"):
        TokenClaims.from_jwt(body)
