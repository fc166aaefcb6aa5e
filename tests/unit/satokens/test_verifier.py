"""The service account authenticator against an in-memory set of objects (a fake Lookup)."""

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from pyk8s.apiserver.authn import InvalidBearerToken
from pyk8s.apiserver.config import APIServerConfig
from pyk8s.apiserver.serviceaccounts import jwt
from pyk8s.apiserver.serviceaccounts.authority import load_authority
from pyk8s.apiserver.serviceaccounts.tokens import new_claims
from pyk8s.apiserver.serviceaccounts.verifier import ServiceAccountTokenAuthenticator

ACCOUNT = {"metadata": {"name": "default", "namespace": "ns", "uid": "sa-1"}}
POD = {"metadata": {"name": "web", "namespace": "ns", "uid": "pod-1"}}


class Objects:
    def __init__(self) -> None:
        self.objects = {("serviceaccounts", "ns", "default"): ACCOUNT, ("pods", "ns", "web"): POD}

    async def lookup(self, plural: str, group: str, namespace: str, name: str):
        return self.objects.get((plural, namespace, name))


@pytest.fixture
def setup(tmp_path: Path):
    config = APIServerConfig(data_dir=str(tmp_path), api_audiences=["api", "vault"])
    authority = load_authority(config)
    authority.clock = lambda: 10_000.0
    objects = Objects()
    return authority, objects, ServiceAccountTokenAuthenticator(authority, objects.lookup)


def token(authority, *, audiences=("api",), now=10_000, pod=None, lifetime=3600):
    claims = new_claims(
        issuer=authority.issuer, service_account=ACCOUNT, audiences=audiences, now=now,
        expiration_seconds=lifetime, pod=pod,
    )  # fmt: skip
    return authority.sign(claims)


async def test_a_valid_token_authenticates_for_the_servers_audiences(setup):
    authority, _, verifier = setup
    found = await verifier.authenticate_token(token(authority))
    assert found.user.name == "system:serviceaccount:ns:default"
    assert found.audiences == ("api",)


async def test_a_generated_key_is_kept_across_restarts(tmp_path: Path):
    config = APIServerConfig(data_dir=str(tmp_path))
    first, second = load_authority(config), load_authority(config)
    assert [jwt.key_id(k) for k in first.public_keys] == [jwt.key_id(k) for k in second.public_keys]
    assert (tmp_path / "certs" / "service-account-key.pem").stat().st_mode & 0o077 == 0
    assert first.api_audiences == ("https://kubernetes.default.svc.cluster.local",)


async def test_foreign_tokens_are_left_to_other_authenticators(setup):
    _, _, verifier = setup
    assert await verifier.authenticate_token("static-token") is None
    other = jwt.sign({"iss": "https://elsewhere"}, ec.generate_private_key(ec.SECP256R1()))
    assert await verifier.authenticate_token(other) is None


async def test_signed_by_another_key_expired_or_wrong_audience_is_refused(setup, tmp_path):
    authority, _, verifier = setup
    impostor = load_authority(APIServerConfig(data_dir=str(tmp_path / "other")))
    with pytest.raises(InvalidBearerToken, match="invalid signature"):
        await verifier.authenticate_token(token(impostor))
    with pytest.raises(InvalidBearerToken, match="expired"):
        await verifier.authenticate_token(token(authority, now=1000, lifetime=600))
    with pytest.raises(InvalidBearerToken, match="audiences"):
        await verifier.authenticate_token(token(authority, audiences=("someone-else",)))
    found = await verifier.authenticate_token(token(authority, audiences=("vault",)), ["vault"])
    assert found.audiences == ("vault",)


async def test_a_token_dies_with_its_service_account_and_pod(setup):
    authority, objects, verifier = setup
    bound = token(authority, pod=POD)
    assert (await verifier.authenticate_token(bound)).user.extra[
        "authentication.kubernetes.io/pod-name"
    ] == ["web"]
    objects.objects[("pods", "ns", "web")] = {"metadata": {"name": "web", "uid": "pod-2"}}
    with pytest.raises(InvalidBearerToken, match="does not match"):
        await verifier.authenticate_token(bound)
    del objects.objects[("pods", "ns", "web")]
    with pytest.raises(InvalidBearerToken, match="pod ns/web has been deleted"):
        await verifier.authenticate_token(bound)
    plain = token(authority)
    del objects.objects[("serviceaccounts", "ns", "default")]
    with pytest.raises(InvalidBearerToken, match="service account ns/default has been deleted"):
        await verifier.authenticate_token(plain)


async def test_a_pod_long_past_its_deletion_deadline_no_longer_vouches(setup):
    authority, objects, verifier = setup
    bound = token(authority, pod=POD)
    terminating = {"metadata": {**POD["metadata"], "deletionTimestamp": "1970-01-01T02:45:00Z"}}
    objects.objects[("pods", "ns", "web")] = terminating  # 9900 s: 100 s before "now"
    with pytest.raises(InvalidBearerToken, match="being deleted"):
        await verifier.authenticate_token(bound)
    recent = {"metadata": {**POD["metadata"], "deletionTimestamp": "1970-01-01T02:46:10Z"}}
    objects.objects[("pods", "ns", "web")] = recent  # 9970 s: within the grace
    assert await verifier.authenticate_token(bound) is not None
