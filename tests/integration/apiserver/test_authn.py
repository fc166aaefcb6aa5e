"""Authentication over TLS: client certificates, static tokens, and no way in without them.

A real `pyk8s apiserver` process, the certificates `pyk8s pki` makes, and the real kubectl.
"""

import ssl
from pathlib import Path

import aiohttp
import pytest

from pyk8s.pki import cluster
from tests.support.apiserver import free_port, secure_apiserver
from tests.support.kubectl import kubectl_as


@pytest.fixture
def secure_server(tmp_path: Path):
    port = free_port()
    pki = cluster.ensure(tmp_path / "pki", server=f"https://127.0.0.1:{port}")
    tokens = tmp_path / "tokens.csv"
    tokens.write_text('s3cret-token,alice,1001,"devs,ops"\n')
    with secure_apiserver(tmp_path / "data", port, pki, "--token-auth-file", str(tokens)):
        yield port, pki


def test_admin_certificate_works_with_kubectl(secure_server):
    _, pki = secure_server
    result = kubectl_as(pki.kubeconfig("admin"), "get", "namespaces", "-o", "name")
    assert result.returncode == 0, result.stderr
    assert "namespace/kube-system" in result.stdout.split()


async def test_who_is_asking_decides_entry(secure_server):
    port, pki = secure_server
    url = f"https://127.0.0.1:{port}/api/v1/namespaces"
    trust_ca = ssl.create_default_context(cafile=str(pki.ca_file))
    async with aiohttp.ClientSession() as http:
        # No certificate and no token: 401 as a Status, as kube-apiserver answers.
        async with http.get(url, ssl=trust_ca) as response:
            assert response.status == 401
            assert (await response.json())["reason"] == "Unauthorized"
        async with http.get(url, ssl=trust_ca, headers={"Authorization": "Bearer wrong"}) as r:
            assert r.status == 401
        async with http.get(
            url, ssl=trust_ca, headers={"Authorization": "Bearer s3cret-token"}
        ) as response:
            assert response.status == 200


async def test_a_certificate_from_another_ca_is_refused(secure_server, tmp_path):
    port, _ = secure_server
    stranger = cluster.ensure(tmp_path / "other-pki", server=f"https://127.0.0.1:{port}")
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.load_cert_chain(stranger.path("admin.pem"), stranger.path("admin-key.pem"))
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.ClientError):
            async with http.get(f"https://127.0.0.1:{port}/api", ssl=context) as response:
                await response.read()
