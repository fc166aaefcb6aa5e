"""The whole PKI of a cluster, in one directory, as the tutorials lay it out.

`ensure(directory, ...)` makes whatever is missing and keeps whatever is there, so running it
again (or `pyk8s up` again) never changes the identity of a running cluster:

    ca.pem / ca-key.pem                     the cluster CA
    kubernetes.pem / kubernetes-key.pem     the API server's serving certificate
    admin.pem ...                           CN=admin, O=system:masters (full access)
    kube-controller-manager.pem, kube-scheduler.pem, kube-proxy.pem, node-<host>.pem
    service-account.pem / -key.pem          signs and checks service account tokens
    <component>.kubeconfig                  one kubeconfig per client identity
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pyk8s.pki import kubeconfig
from pyk8s.pki.certs import KeyPair, issue, new_ca

# Who each component is, as Kubernetes' RBAC defaults expect: (file name, CN, organizations).
CLIENT_IDENTITIES = {
    "admin": ("admin", ("system:masters",)),
    "kube-controller-manager": ("system:kube-controller-manager", ()),
    "kube-scheduler": ("system:kube-scheduler", ()),
    "kube-proxy": ("system:kube-proxy", ("system:node-proxier",)),
}


def apiserver_hosts(service_cidr: str, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The names a client may use for the API server, pods included (the `kubernetes`
    Service's cluster IP is the first address of the service range)."""
    first_service_ip = str(next(ipaddress.ip_network(service_cidr).hosts()))
    names = (
        "127.0.0.1",
        "localhost",
        first_service_ip,
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local",
    )
    return names + tuple(h for h in extra if h not in names)


@dataclass
class ClusterPKI:
    directory: Path

    def path(self, name: str) -> Path:
        return self.directory / name

    @property
    def ca_file(self) -> Path:
        return self.path("ca.pem")

    def kubeconfig(self, identity: str) -> Path:
        return self.path(f"{identity}.kubeconfig")


def _ensure_pair(directory: Path, name: str, make: Callable[[], KeyPair]) -> KeyPair:
    if (directory / f"{name}.pem").exists() and (directory / f"{name}-key.pem").exists():
        return KeyPair.read(directory, name)
    pair = make()
    pair.write(directory, name)
    return pair


def ensure(
    directory: Path,
    *,
    server: str,
    service_cidr: str = "10.0.0.0/24",
    node_names: tuple[str, ...] = (),
    extra_hosts: tuple[str, ...] = (),
    cluster_name: str = "pyk8s",
) -> ClusterPKI:
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    ca = _ensure_pair(directory, "ca", new_ca)
    hosts = apiserver_hosts(service_cidr, extra_hosts)
    _ensure_pair(
        directory,
        "kubernetes",
        lambda: issue(ca, "kubernetes", hosts=hosts, server=True, client=True),
    )
    _ensure_pair(directory, "service-account", lambda: issue(ca, "service-accounts"))
    identities = dict(CLIENT_IDENTITIES)
    for node in node_names:
        identities[f"node-{node}"] = (f"system:node:{node}", ("system:nodes",))
    for name, (common_name, orgs) in identities.items():
        pair = _ensure_pair(
            directory, name, lambda cn=common_name, o=orgs: issue(ca, cn, organizations=o)
        )
        config_path = directory / f"{name}.kubeconfig"
        if not config_path.exists():
            config = kubeconfig.build(
                cluster=cluster_name,
                server=server,
                user=name,
                ca_pem=ca.cert_pem(),
                client_cert_pem=pair.cert_pem(),
                client_key_pem=pair.key_pem(),
            )
            kubeconfig.write(config_path, config)
    return ClusterPKI(directory)
