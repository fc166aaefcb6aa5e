"""The API server's settings, one field per command-line flag (names as kube-apiserver's)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field


@dataclass
class APIServerConfig:
    # Storage: embedded SQLite in data_dir, or real etcd when etcd_servers is set.
    data_dir: str | None = None
    etcd_servers: list[str] = field(default_factory=list)
    etcd_prefix: str = "/registry"
    etcd_cafile: str | None = None
    etcd_certfile: str | None = None
    etcd_keyfile: str | None = None
    # Plain HTTP, for loopback only (kube-apiserver's old --insecure-port). None disables
    # it; 0 lets the OS choose a free port (APIServer.http_url then says which).
    insecure_bind_address: str = "127.0.0.1"
    insecure_port: int | None = None
    # HTTPS; None disables it. Without a cert/key pair a self-signed one is made in cert_dir.
    bind_address: str = "127.0.0.1"
    secure_port: int | None = 6443
    tls_cert_file: str | None = None
    tls_private_key_file: str | None = None
    cert_dir: str | None = None
    # Authentication (authn.py): client certificates signed by this CA, static bearer
    # tokens, and whether requests with neither are let in as system:anonymous.
    client_ca_file: str | None = None
    token_auth_file: str | None = None
    anonymous_auth: bool = True
    # Service account tokens (serviceaccounts/): the issuers a token may name (the first
    # names new ones), the key that signs, the public keys that verify, and the audiences
    # this server accepts (default: the issuer). No key at all: one is made in cert_dir.
    service_account_issuers: list[str] = field(
        default_factory=lambda: ["https://kubernetes.default.svc.cluster.local"]
    )
    service_account_key_files: list[str] = field(default_factory=list)
    service_account_signing_key_file: str | None = None
    api_audiences: list[str] = field(default_factory=list)
    # How the server reaches kubelets (logs, exec, port-forward): the client certificate it
    # presents, the CA their serving certificates are checked against, and which node
    # address to dial first.
    kubelet_client_certificate: str | None = None
    kubelet_client_key: str | None = None
    kubelet_certificate_authority: str | None = None
    kubelet_preferred_address_types: list[str] = field(
        default_factory=lambda: ["InternalIP", "ExternalIP", "Hostname"]
    )
    # The address other machines (and pods) reach this server at; published as the
    # Endpoints of default/kubernetes. A loopback address is not published.
    advertise_address: str | None = None
    service_cluster_ip_range: str = "10.0.0.0/24"
    # Events each resource's watch cache keeps for resuming watchers (0: the default).
    default_watch_cache_size: int = 0
    service_node_port_range: str = "30000-32767"
    enable_admission_plugins: list[str] = field(default_factory=list)
    disable_admission_plugins: list[str] = field(default_factory=list)
    authorization_mode: str = "AlwaysAllow"
    verbosity: int = 0

    @property
    def certificates_dir(self) -> str:
        """Where generated keys and certificates go: --cert-dir, else beside the embedded
        store, else kube-apiserver's default /var/run/kubernetes (never the working dir)."""
        if self.cert_dir:
            return self.cert_dir
        if self.data_dir:
            return f"{self.data_dir}/certs"
        return "/var/run/kubernetes"

    def check(self) -> None:
        """Refuse settings kube-apiserver would refuse, with a message saying why."""
        if not self.data_dir and not self.etcd_servers:
            raise ValueError("one of --data-dir or --etcd-servers is required")
        if (
            self.insecure_port is not None
            and not ipaddress.ip_address(self.insecure_bind_address).is_loopback
        ):
            raise ValueError(
                "--insecure-bind-address must be a loopback address: plain HTTP has no "
                "authentication and must never be reachable from other machines"
            )
        if self.insecure_port is None and self.secure_port is None:
            raise ValueError("both --insecure-port and --secure-port are 0: nothing to serve")
        if bool(self.tls_cert_file) != bool(self.tls_private_key_file):
            raise ValueError("--tls-cert-file and --tls-private-key-file go together")
        from pyk8s.apiserver.authz import parse_modes

        parse_modes(self.authorization_mode)  # raises ValueError naming an unknown mode
        if self.service_account_key_files and not self.service_account_signing_key_file:
            raise ValueError(
                "--service-account-signing-key-file is required with --service-account-key-file"
            )
        if not self.service_account_issuers:
            raise ValueError("--service-account-issuer must not be empty")
        ipaddress.ip_network(self.service_cluster_ip_range)
        low, _, high = self.service_node_port_range.partition("-")
        if not (low.isdigit() and high.isdigit() and int(low) <= int(high)):
            raise ValueError("--service-node-port-range must look like 30000-32767")
