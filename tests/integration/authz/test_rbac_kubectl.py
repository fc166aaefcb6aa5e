"""RBAC and Node authorization through a real `pyk8s apiserver --authorization-mode=Node,RBAC`
over TLS, with client certificates from pyk8s.pki and the real kubectl.

Needs the API server to call pyk8s.apiserver.authz on every request (the lead wires it);
until then the server refuses the flag and these tests fail saying so.
"""

import os
import subprocess
import time

import pytest

from pyk8s.pki import cluster, kubeconfig
from pyk8s.pki.certs import KeyPair, issue
from tests.support.apiserver import free_port, secure_apiserver
from tests.support.kubectl import kubectl_as as kubectl
from tests.support.kubectl import kubectl_binary


@pytest.fixture(scope="module")
def rbac_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rbac")
    port = free_port()
    server = f"https://127.0.0.1:{port}"
    pki = cluster.ensure(tmp / "pki", server=server, node_names=("n1",))
    ca = KeyPair.read(pki.directory, "ca")
    alice = issue(ca, "alice", organizations=())
    config = kubeconfig.build(cluster="pyk8s", server=server, user="alice", ca_pem=ca.cert_pem(),
                              client_cert_pem=alice.cert_pem(), client_key_pem=alice.key_pem())  # fmt: skip
    kubeconfig.write(pki.kubeconfig("alice"), config)
    with secure_apiserver(tmp / "data", port, pki, "--authorization-mode", "Node,RBAC"):
        yield pki


def eventually(check, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result.returncode == 0 or time.monotonic() > deadline:
            return result
        time.sleep(0.1)


def test_admin_may_do_anything_and_sees_the_bootstrap_policy(rbac_server):
    admin = rbac_server.kubeconfig("admin")
    result = kubectl(admin, "get", "clusterroles", "-o", "name")
    assert result.returncode == 0, result.stderr
    for role in ("cluster-admin", "admin", "edit", "view", "system:node", "system:discovery"):
        assert f"clusterrole.rbac.authorization.k8s.io/{role}" in result.stdout.split()
    assert kubectl(admin, "auth", "can-i", "*", "*").stdout.strip() == "yes"


def test_alice_is_forbidden_until_a_rolebinding_grants_view(rbac_server):
    alice, admin = rbac_server.kubeconfig("alice"), rbac_server.kubeconfig("admin")
    refused = kubectl(alice, "get", "pods", "-n", "default")
    assert refused.returncode == 1
    assert (
        'Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource '
        '"pods" in API group "" in the namespace "default"'
    ) in refused.stderr
    assert kubectl(alice, "auth", "can-i", "list", "pods", "-n", "default").stdout.strip() == "no"
    created = kubectl(admin, "create", "rolebinding", "alice-view", "--clusterrole=view",
                      "--user=alice", "-n", "default")  # fmt: skip
    assert created.returncode == 0, created.stderr
    listed = eventually(lambda: kubectl(alice, "get", "pods", "-n", "default"))
    assert listed.returncode == 0, listed.stderr
    assert kubectl(alice, "auth", "can-i", "list", "pods", "-n", "default").stdout.strip() == "yes"
    assert kubectl(alice, "auth", "can-i", "delete", "pods", "-n", "default").stdout.strip() == "no"
    assert (
        kubectl(alice, "auth", "can-i", "list", "pods", "-n", "kube-system").stdout.strip() == "no"
    )
    rules = kubectl(alice, "auth", "can-i", "--list", "-n", "default")
    assert rules.returncode == 0, rules.stderr
    lines = {" ".join(line.split()) for line in rules.stdout.splitlines()}
    assert "pods [] [] [get list watch]" in lines
    assert "selfsubjectaccessreviews.authorization.k8s.io [] [] [create]" in lines


def test_a_kubelet_reads_its_own_node_but_not_others(rbac_server):
    admin, kubelet = rbac_server.kubeconfig("admin"), rbac_server.kubeconfig("node-n1")
    for name in ("n1", "n2"):
        manifest = f'{{"apiVersion":"v1","kind":"Node","metadata":{{"name":"{name}"}}}}'
        created = subprocess.run(
            [kubectl_binary(), "--kubeconfig", str(admin), "create", "-f", "-"],
            input=manifest, capture_output=True, text=True, timeout=30,
            env={"PATH": os.environ["PATH"], "HOME": str(admin.parent)},
        )  # fmt: skip
        assert created.returncode == 0, created.stderr
    assert kubectl(kubelet, "get", "node", "n1").returncode == 0
    other = kubectl(kubelet, "get", "node", "n2")
    assert other.returncode == 1
    assert (
        'nodes "n2" is forbidden: User "system:node:n1" cannot get resource "nodes" in API '
        "group \"\" at the cluster scope: node 'n1' cannot read 'n2', only its own Node object"
    ) in other.stderr
    scheduler = rbac_server.kubeconfig("kube-scheduler")
    assert (
        kubectl(
            scheduler, "auth", "can-i", "create", "pods", "--subresource=binding", "-n", "x"
        ).stdout.strip()
        == "yes"
    )
    proxy = rbac_server.kubeconfig("kube-proxy")
    assert (
        kubectl(proxy, "auth", "can-i", "watch", "endpointslices.discovery.k8s.io").stdout.strip()
        == "yes"
    )
    assert kubectl(proxy, "auth", "can-i", "create", "pods", "-n", "x").stdout.strip() == "no"
