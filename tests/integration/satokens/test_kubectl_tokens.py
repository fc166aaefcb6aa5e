"""Service account tokens end to end: a real API server process over TLS, the real kubectl.

`kubectl create token` (a protobuf TokenRequest) gets a JWT with Kubernetes' claims; the
token then authenticates (`kubectl auth whoami`), unless it is expired, signed by someone
else, meant for another audience, or bound to a pod that has since been deleted.
TokenReview (`kubectl create --raw`) gives the same verdicts.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pyk8s.apiserver.config import APIServerConfig
from pyk8s.apiserver.serviceaccounts import jwt
from pyk8s.apiserver.serviceaccounts.authority import load_authority
from pyk8s.apiserver.serviceaccounts.tokens import new_claims
from pyk8s.pki import cluster
from tests.support.apiserver import free_port, secure_apiserver
from tests.support.kubectl import kubectl_binary

ISSUER = "https://kubernetes.default.svc.cluster.local"


@dataclass
class Server:
    url: str
    pki: cluster.ClusterPKI
    home: Path

    def kubectl(self, *args: str, token: str = "", stdin: str = "") -> subprocess.CompletedProcess:
        """Run kubectl as the admin (client certificate), or with only a bearer token."""
        env = {"PATH": os.environ["PATH"], "HOME": str(self.home)}
        env["KUBECACHEDIR"] = str(self.home / ("cache-token" if token else "cache-admin"))
        if token:
            identity = ["--kubeconfig", os.devnull, "--server", self.url, "--token", token]
            identity += ["--certificate-authority", str(self.pki.ca_file)]
        else:
            identity = ["--kubeconfig", str(self.pki.kubeconfig("admin"))]
        return subprocess.run(
            [kubectl_binary(), *identity, *args],
            input=stdin, capture_output=True, text=True, env=env, timeout=30,
        )  # fmt: skip

    def ok(self, *args: str, token: str = "", stdin: str = "") -> str:
        result = self.kubectl(*args, token=token, stdin=stdin)
        assert result.returncode == 0, f"kubectl {' '.join(args)}: {result.stderr}"
        return result.stdout


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("satokens")
    port = free_port()
    pki = cluster.ensure(tmp / "pki", server=f"https://127.0.0.1:{port}")
    flags = (
        "--service-account-key-file", str(pki.path("service-account.pem")),
        "--service-account-signing-key-file", str(pki.path("service-account-key.pem")),
    )  # fmt: skip
    with secure_apiserver(tmp / "data", port, pki, *flags):
        running = Server(f"https://127.0.0.1:{port}", pki, tmp)
        running.ok("create", "serviceaccount", "default")
        yield running


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def whoami(server: Server, token: str) -> subprocess.CompletedProcess:
    return server.kubectl("auth", "whoami", token=token)


def review(server: Server, token: str, audiences: list[str] | None = None) -> dict:
    spec: dict = {"token": token}
    if audiences:
        spec["audiences"] = audiences
    body = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": spec}
    out = server.ok(
        "create", "--raw", "/apis/authentication.k8s.io/v1/tokenreviews", "-f", "-",
        stdin=json.dumps(body),
    )  # fmt: skip
    return json.loads(out)["status"]


def test_create_token_prints_a_jwt_with_kubernetes_claims(server: Server):
    token = server.ok("create", "token", "default").strip()
    uid = server.ok("get", "serviceaccount", "default", "-o", "jsonpath={.metadata.uid}")
    claims = claims_of(token)
    assert claims["iss"] == ISSUER and claims["aud"] == [ISSUER]
    assert claims["sub"] == "system:serviceaccount:default:default"
    assert claims["exp"] - claims["iat"] == 3600 and claims["nbf"] == claims["iat"]
    assert claims["jti"]
    assert claims["kubernetes.io"] == {
        "namespace": "default",
        "serviceaccount": {"name": "default", "uid": uid},
    }
    short = server.kubectl("create", "token", "default", "--duration", "1m")
    assert short.returncode != 0
    assert "may not specify a duration less than 10 minutes" in short.stderr
    missing = server.kubectl("create", "token", "nobody")
    assert 'serviceaccounts "nobody" not found' in missing.stderr


def test_the_token_authenticates_as_the_service_account(server: Server):
    token = server.ok("create", "token", "default").strip()
    out = server.ok("auth", "whoami", token=token)
    assert "system:serviceaccount:default:default" in out
    assert "system:serviceaccounts:default" in out
    listed = server.ok("get", "serviceaccounts", "-o", "name", token=token)
    assert "serviceaccount/default" in listed


def test_expired_and_foreign_signed_tokens_are_unauthorized(server: Server, tmp_path: Path):
    account = json.loads(server.ok("get", "serviceaccount", "default", "-o", "json"))
    ours = jwt.load_signing_key(str(server.pki.path("service-account-key.pem")))
    then = int(time.time()) - 7200
    expired = new_claims(
        issuer=ISSUER, service_account=account, audiences=(ISSUER,), now=then,
        expiration_seconds=3600,
    )  # fmt: skip
    result = whoami(server, jwt.sign(expired.to_jwt(), ours))
    assert result.returncode != 0 and "Unauthorized" in result.stderr
    # The same claims, still valid, but signed with a key this server does not trust.
    impostor = load_authority(APIServerConfig(data_dir=str(tmp_path)))
    fresh = new_claims(
        issuer=ISSUER, service_account=account, audiences=(ISSUER,), now=int(time.time()),
        expiration_seconds=3600,
    )  # fmt: skip
    result = whoami(server, impostor.sign(fresh))
    assert result.returncode != 0 and "Unauthorized" in result.stderr
    assert whoami(server, jwt.sign(fresh.to_jwt(), ours)).returncode == 0


def test_a_pod_bound_token_stops_working_when_the_pod_is_deleted(server: Server):
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "holder", "namespace": "default"},
        "spec": {"serviceAccountName": "default", "containers": [{"name": "c", "image": "x"}]},
    }
    server.ok("create", "-f", "-", stdin=json.dumps(pod))
    token = server.ok(
        "create", "token", "default", "--bound-object-kind", "Pod",
        "--bound-object-name", "holder",
    ).strip()  # fmt: skip
    pod_uid = server.ok("get", "pod", "holder", "-o", "jsonpath={.metadata.uid}")
    assert claims_of(token)["kubernetes.io"]["pod"] == {"name": "holder", "uid": pod_uid}
    assert "authentication.kubernetes.io/pod-uid" in server.ok("auth", "whoami", token=token)
    server.ok("delete", "pod", "holder", "--grace-period=0", "--force", "--wait=false")
    deadline = time.monotonic() + 10
    while whoami(server, token).returncode == 0:
        assert time.monotonic() < deadline, "the token still works after its pod was deleted"
        time.sleep(0.2)
    verdict = review(server, token)
    assert verdict["authenticated"] is False
    assert "pod default/holder has been deleted" in verdict["error"]


def test_token_review_answers_and_enforces_audiences(server: Server):
    token = server.ok("create", "token", "default").strip()
    verdict = review(server, token)
    assert verdict["authenticated"] is True
    assert verdict["audiences"] == [ISSUER]
    user = verdict["user"]
    assert user["username"] == "system:serviceaccount:default:default"
    assert user["groups"] == [
        "system:serviceaccounts",
        "system:serviceaccounts:default",
        "system:authenticated",
    ]
    assert review(server, "not-a-token")["authenticated"] is False
    # A token for another audience is no good here, but TokenReview can check it for them.
    vault = server.ok("create", "token", "default", "--audience", "vault").strip()
    assert claims_of(vault)["aud"] == ["vault"]
    assert whoami(server, vault).returncode != 0
    assert review(server, vault)["authenticated"] is False
    assert review(server, vault, ["vault", "other"]) | {"user": None} == {
        "authenticated": True,
        "audiences": ["vault"],
        "user": None,
    }
    assert review(server, token, ["vault"])["authenticated"] is False


def test_bound_object_references_are_checked(server: Server):
    server.ok("create", "serviceaccount", "robot")
    server.ok("create", "secret", "generic", "keep", "--from-literal=a=b")
    secret_uid = server.ok("get", "secret", "keep", "-o", "jsonpath={.metadata.uid}")
    token = server.ok(
        "create", "token", "robot", "--bound-object-kind", "Secret", "--bound-object-name", "keep"
    ).strip()
    assert claims_of(token)["kubernetes.io"]["secret"] == {"name": "keep", "uid": secret_uid}
    assert "system:serviceaccount:default:robot" in server.ok("auth", "whoami", token=token)
    wrong_uid = server.kubectl(
        "create", "token", "robot", "--bound-object-kind", "Secret",
        "--bound-object-name", "keep", "--bound-object-uid", "not-the-uid",
    )  # fmt: skip
    assert "does not match the UID in record" in wrong_uid.stderr
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "runs-as-default", "namespace": "default"},
        "spec": {"containers": [{"name": "c", "image": "x"}]},
    }
    server.ok("create", "-f", "-", stdin=json.dumps(pod))
    other_account = server.kubectl(
        "create", "token", "robot", "--bound-object-kind", "Pod",
        "--bound-object-name", "runs-as-default",
    )  # fmt: skip
    assert "to pod running with different serviceaccount name" in other_account.stderr
    server.ok("delete", "secret", "keep")
    deadline = time.monotonic() + 10
    while whoami(server, token).returncode == 0:
        assert time.monotonic() < deadline, "the token still works after its secret was deleted"
        time.sleep(0.2)
