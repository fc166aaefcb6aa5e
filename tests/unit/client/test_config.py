"""Kubeconfig loading: files written by the real kubectl and by pyk8s, relative paths,
`--master`, in-cluster configuration, and TLS material that actually works on a handshake."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path

import pytest
from aiohttp import web

from pyk8s.client.config import (
    ClientConfig,
    ConfigError,
    build_config,
    in_cluster_config,
    load_kubeconfig,
)
from pyk8s.client.rest import Client
from pyk8s.pki import certs, kubeconfig
from tests.support.kubectl import kubectl_binary


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("pki")
    ca = certs.new_ca()
    server = certs.issue(ca, "kube-apiserver", hosts=("127.0.0.1", "localhost"), server=True)
    admin = certs.issue(ca, "admin", organizations=("system:masters",))
    paths = {"ca": ca.write(directory, "ca")[0]}
    paths["server"], paths["server-key"] = server.write(directory, "kubernetes")
    paths["admin"], paths["admin-key"] = admin.write(directory, "admin")
    return paths


def kubectl_config(kubeconfig_path: Path, *args: str) -> None:
    command = [kubectl_binary(), "config", *args, f"--kubeconfig={kubeconfig_path}"]
    subprocess.run(command, check=True, capture_output=True, timeout=30)


def test_loads_a_kubeconfig_written_by_kubectl_with_embedded_certs(tmp_path, pki):
    path = tmp_path / "admin.kubeconfig"
    kubectl_config(
        path,
        "set-cluster",
        "pyk8s",
        f"--certificate-authority={pki['ca']}",
        "--embed-certs=true",
        "--server=https://127.0.0.1:6443",
    )
    kubectl_config(
        path,
        "set-credentials",
        "admin",
        f"--client-certificate={pki['admin']}",
        f"--client-key={pki['admin-key']}",
        "--embed-certs=true",
    )
    kubectl_config(
        path, "set-context", "default", "--cluster=pyk8s", "--user=admin", "--namespace=team-a"
    )
    kubectl_config(path, "use-context", "default")

    config = load_kubeconfig(path)

    assert config.server == "https://127.0.0.1:6443"
    assert config.ca_data == pki["ca"].read_bytes()
    assert config.client_cert_data == pki["admin"].read_bytes()
    assert config.client_key_data == pki["admin-key"].read_bytes()
    assert config.namespace == "team-a"
    assert isinstance(config.ssl_context(), ssl.SSLContext)


def test_relative_paths_and_token_file_resolve_against_the_kubeconfig_directory(tmp_path, pki):
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "ca.pem").write_bytes(pki["ca"].read_bytes())
    (tmp_path / "token").write_text("s3cret\n")
    path = tmp_path / "kubeconfig"
    # kubectl makes paths absolute when it writes them; hand-written files keep them relative.
    path.write_text(
        "apiVersion: v1\nkind: Config\n"
        "clusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\n"
        "    certificate-authority: certs/ca.pem\n"
        "users:\n- name: u\n  user:\n    tokenFile: token\n"
        "contexts:\n- name: ctx\n  context:\n    cluster: c\n    user: u\n"
    )

    config = load_kubeconfig(path, context="ctx")

    assert config.ca_data == pki["ca"].read_bytes()
    assert config.token is None
    assert config.bearer_token() == "s3cret"


def test_loads_the_kubeconfig_pyk8s_writes(tmp_path, pki):
    path = tmp_path / "controller-manager.kubeconfig"
    document = kubeconfig.build(
        cluster="pyk8s",
        server="https://127.0.0.1:6443",
        user="system:kube-controller-manager",
        ca_pem=pki["ca"].read_bytes(),
        token="abc",
    )
    kubeconfig.write(path, document)
    config = load_kubeconfig(path)
    assert (config.server, config.token, config.namespace) == (
        "https://127.0.0.1:6443",
        "abc",
        "default",
    )


def test_master_overrides_the_server_and_alone_needs_no_kubeconfig(tmp_path):
    path = tmp_path / "k"
    kubeconfig.write(path, kubeconfig.build(cluster="c", server="https://10.0.0.1", user="u"))
    assert build_config(str(path), "http://127.0.0.1:8080").server == "http://127.0.0.1:8080"
    assert build_config(None, "http://127.0.0.1:8080") == ClientConfig(
        server="http://127.0.0.1:8080"
    )


def test_missing_context_and_unsupported_credentials_are_clear_errors(tmp_path):
    path = tmp_path / "k"
    kubeconfig.write(path, kubeconfig.build(cluster="c", server="https://x", user="u"))
    with pytest.raises(ConfigError, match="context 'nope' not found"):
        load_kubeconfig(path, context="nope")
    document = kubeconfig.build(cluster="c", server="https://x", user="u")
    document["users"][0]["user"] = {"exec": {"command": "aws"}}
    kubeconfig.write(path, document)
    with pytest.raises(ConfigError, match="exec"):
        load_kubeconfig(path)


def test_in_cluster_uses_the_service_account_and_the_kubernetes_service(tmp_path, pki):
    (tmp_path / "token").write_text("sa-token")
    (tmp_path / "namespace").write_text("kube-system")
    (tmp_path / "ca.crt").write_bytes(pki["ca"].read_bytes())
    environ = {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    config = in_cluster_config(environ, tmp_path)
    assert config.server == "https://10.96.0.1:443"
    assert (config.bearer_token(), config.namespace) == ("sa-token", "kube-system")
    with pytest.raises(ConfigError, match="KUBERNETES_SERVICE_HOST"):
        in_cluster_config({}, tmp_path)


async def test_tls_with_embedded_ca_and_client_certificate_completes_a_handshake(tmp_path, pki):
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=pki["ca"])
    server_context.load_cert_chain(pki["server"], pki["server-key"])
    server_context.verify_mode = ssl.CERT_REQUIRED
    seen: list[str] = []

    async def whoami(request: web.Request) -> web.Response:
        peer = request.transport.get_extra_info("peercert")
        seen.append(dict(item[0] for item in peer["subject"])["commonName"])
        return web.json_response({"kind": "Status", "status": "Success"})

    app = web.Application()
    app.router.add_get("/whoami", whoami)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_context)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        config = ClientConfig(
            server=f"https://127.0.0.1:{port}",
            ca_data=pki["ca"].read_bytes(),
            client_cert_data=pki["admin"].read_bytes(),
            client_key_data=pki["admin-key"].read_bytes(),
        )
        async with Client(config) as client:
            assert (await client.request("GET", "/whoami"))["status"] == "Success"
    finally:
        await runner.cleanup()
    assert seen == ["admin"]
