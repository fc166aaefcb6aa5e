"""A serving certificate for an API server started without one.

Like kube-apiserver, pyk8s then makes its own: a throwaway CA and a certificate for
localhost, 127.0.0.1, the first service IP and the usual `kubernetes.default.svc` names,
written to `<cert_dir>/apiserver.crt` and `apiserver.key` and reused on later starts.
Clients must skip verification (or trust the CA in `apiserver-ca.crt`): this is for a
development cluster, not a substitute for `pyk8s pki init`.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

CERT_FILE, KEY_FILE, CA_FILE = "apiserver.crt", "apiserver.key", "apiserver-ca.crt"


def ensure_serving_cert(cert_dir: str, service_cidr: str = "10.0.0.0/24") -> tuple[str, str]:
    """The (cert, key) file paths in `cert_dir`, made now if they are not there yet."""
    directory = Path(cert_dir)
    cert_path, key_path = directory / CERT_FILE, directory / KEY_FILE
    if cert_path.exists() and key_path.exists():
        return str(cert_path), str(key_path)
    from pyk8s.pki.certs import issue, new_ca

    first_service_ip = str(next(ipaddress.ip_network(service_cidr).hosts()))
    hosts = (
        "localhost",
        "127.0.0.1",
        first_service_ip,
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local",
    )
    ca = new_ca("pyk8s-apiserver-selfsigned-ca")
    serving = issue(ca, "kube-apiserver", hosts=hosts, server=True, client=False)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / CA_FILE).write_bytes(ca.cert_pem())
    cert_path.write_bytes(serving.cert_pem() + ca.cert_pem())
    key_path.touch(mode=0o600)
    key_path.write_bytes(serving.key_pem())
    return str(cert_path), str(key_path)
