"""The cluster PKI: certificates that verify, identities that RBAC expects, kubeconfigs kubectl reads."""

import shutil
import ssl
import subprocess

import pytest
import yaml
from cryptography import x509
from cryptography.x509.oid import NameOID

from pyk8s.pki import cluster


def subject(pem_path):
    cert = x509.load_pem_x509_certificate(pem_path.read_bytes())
    cn = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    orgs = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]
    return cn, orgs


def test_identities_are_the_ones_kubernetes_rbac_expects(tmp_path):
    pki = cluster.ensure(tmp_path, server="https://127.0.0.1:6443", node_names=("worker-1",))
    assert subject(pki.path("admin.pem")) == ("admin", ["system:masters"])
    assert subject(pki.path("kube-proxy.pem")) == ("system:kube-proxy", ["system:node-proxier"])
    assert subject(pki.path("node-worker-1.pem")) == ("system:node:worker-1", ["system:nodes"])


def test_serving_certificate_names_the_service_ip_and_verifies_against_the_ca(tmp_path):
    pki = cluster.ensure(tmp_path, server="https://127.0.0.1:6443", service_cidr="10.32.0.0/24")
    cert = x509.load_pem_x509_certificate(pki.path("kubernetes.pem").read_bytes())
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "kubernetes.default.svc" in sans.get_values_for_type(x509.DNSName)
    ips = [str(ip) for ip in sans.get_values_for_type(x509.IPAddress)]
    assert "10.32.0.1" in ips and "127.0.0.1" in ips
    # A TLS server context accepts the pair, and the CA verifies it.
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(pki.path("kubernetes.pem"), pki.path("kubernetes-key.pem"))
    cert.verify_directly_issued_by(x509.load_pem_x509_certificate(pki.ca_file.read_bytes()))


def test_running_again_keeps_the_existing_identity(tmp_path):
    cluster.ensure(tmp_path, server="https://127.0.0.1:6443")
    before = (tmp_path / "ca.pem").read_bytes(), (tmp_path / "admin.kubeconfig").read_bytes()
    cluster.ensure(tmp_path, server="https://127.0.0.1:6443")
    after = (tmp_path / "ca.pem").read_bytes(), (tmp_path / "admin.kubeconfig").read_bytes()
    assert before == after


def test_kubeconfig_is_private_and_readable_by_kubectl(tmp_path):
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl is not installed; these tests drive the real kubectl")
    pki = cluster.ensure(tmp_path, server="https://127.0.0.1:6443")
    path = pki.kubeconfig("admin")
    assert path.stat().st_mode & 0o777 == 0o600
    out = subprocess.run(
        [kubectl, "config", "view", "--raw", "-o", "yaml", "--kubeconfig", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert yaml.safe_load(out) == yaml.safe_load(path.read_text())
