"""Where the API server is and how to prove who we are: kubeconfig, `--master`, in-cluster.

`build_config(kubeconfig, master)` follows client-go's `BuildConfigFromFlags`, the rule every
Kubernetes component uses: with neither flag, use the in-cluster service account; with a
kubeconfig, load its current (or named) context; `--master` overrides the server URL.

A kubeconfig is read the way kubectl reads it: `clusters`, `users` and `contexts` are lists
of named entries; certificate and key material comes either inline (`*-data`, base64) or
from files, and relative file paths are resolved against the kubeconfig's own directory.
Files written by `kubectl config set-cluster/set-credentials --embed-certs` and by
pyk8s/pki/kubeconfig.py load the same way.
"""

from __future__ import annotations

import base64
import os
import ssl
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from pyk8s.client.ratelimit import DEFAULT_BURST, DEFAULT_QPS

SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
# client-go re-reads a token file at most once a minute, so rotated tokens are picked up.
TOKEN_FILE_REFRESH = 60.0


class ConfigError(Exception):
    """The configuration is missing, malformed or asks for something we cannot do."""


@dataclass
class ClientConfig:
    server: str
    ca_data: bytes | None = None
    client_cert_data: bytes | None = None
    client_key_data: bytes | None = None
    token: str | None = None
    token_file: str | None = None
    insecure_skip_tls_verify: bool = False
    tls_server_name: str | None = None
    namespace: str = "default"  # the context's namespace; what kubectl would default to
    qps: float = DEFAULT_QPS
    burst: int = DEFAULT_BURST
    user_agent: str = "pyk8s"
    _token_read: tuple[float, str] | None = field(default=None, repr=False, compare=False)

    def with_rate_limits(self, qps: float, burst: int) -> ClientConfig:
        """Components set their own limits (the controller manager uses 20/30)."""
        return replace(self, qps=qps, burst=burst)

    def bearer_token(self) -> str | None:
        if self.token:
            return self.token
        if not self.token_file:
            return None
        now = time.monotonic()
        if self._token_read is None or now - self._token_read[0] > TOKEN_FILE_REFRESH:
            try:
                text = Path(self.token_file).read_text().strip()
            except OSError as error:
                raise ConfigError(f"cannot read token file {self.token_file}: {error}") from error
            self._token_read = (now, text)
        return self._token_read[1]

    def ssl_context(self) -> ssl.SSLContext | None:
        """None for plain http; otherwise a context trusting the cluster CA (or nothing)."""
        if not self.server.startswith("https://"):
            return None
        context = ssl.create_default_context()
        if self.insecure_skip_tls_verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        elif self.ca_data:
            context = ssl.create_default_context(cadata=self.ca_data.decode())
        if self.client_cert_data and self.client_key_data:
            _load_client_pair(context, self.client_cert_data, self.client_key_data)
        return context


def _load_client_pair(context: ssl.SSLContext, cert: bytes, key: bytes) -> None:
    # ssl only loads a certificate chain from files; the files live only for this call.
    with tempfile.TemporaryDirectory(prefix="pyk8s-tls-") as private:
        cert_path, key_path = Path(private, "client.crt"), Path(private, "client.key")
        cert_path.write_bytes(cert)
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(key)
        context.load_cert_chain(cert_path, key_path)


def _named(entries: list[dict[str, Any]] | None, name: str, what: str, key: str) -> dict:
    for entry in entries or []:
        if entry.get("name") == name:
            return entry.get(key) or {}
    raise ConfigError(f"{what} {name!r} not found in kubeconfig")


def _material(section: dict, name: str, base: Path) -> bytes | None:
    """`<name>-data` (base64) wins over `<name>` (a path, relative to the kubeconfig)."""
    inline = section.get(f"{name}-data")
    if inline:
        try:
            return base64.b64decode(inline)
        except ValueError as error:
            raise ConfigError(f"{name}-data is not valid base64") from error
    path = section.get(name)
    if not path:
        return None
    try:
        return (base / Path(path).expanduser()).read_bytes()
    except OSError as error:
        raise ConfigError(f"cannot read {name} {path}: {error}") from error


def parse_kubeconfig(
    document: dict[str, Any], base: Path, context: str | None = None
) -> ClientConfig:
    """Turn a parsed kubeconfig into a ClientConfig; `base` resolves relative paths."""
    context_name = context or document.get("current-context")
    if not context_name:
        raise ConfigError("kubeconfig has no current-context and no context was given")
    ctx = _named(document.get("contexts"), context_name, "context", "context")
    cluster = _named(document.get("clusters"), ctx.get("cluster", ""), "cluster", "cluster")
    user = _named(document.get("users"), ctx["user"], "user", "user") if ctx.get("user") else {}
    if "exec" in user or "auth-provider" in user:
        raise ConfigError("exec and auth-provider credentials are not supported by pyk8s")
    token_file = user.get("tokenFile")
    return ClientConfig(
        server=cluster.get("server", ""),
        ca_data=_material(cluster, "certificate-authority", base),
        client_cert_data=_material(user, "client-certificate", base),
        client_key_data=_material(user, "client-key", base),
        token=user.get("token") or None,
        token_file=str(base / token_file) if token_file else None,
        insecure_skip_tls_verify=bool(cluster.get("insecure-skip-tls-verify", False)),
        tls_server_name=cluster.get("tls-server-name"),
        namespace=ctx.get("namespace") or "default",
    )


def load_kubeconfig(path: str | os.PathLike[str], context: str | None = None) -> ClientConfig:
    path = Path(path).expanduser()
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"cannot load kubeconfig {path}: {error}") from error
    if not isinstance(document, dict):
        raise ConfigError(f"kubeconfig {path} is not a mapping")
    return parse_kubeconfig(document, path.resolve().parent, context)


def in_cluster_config(
    environ: dict[str, str] | os._Environ[str] = os.environ,
    account_dir: Path = SERVICE_ACCOUNT_DIR,
) -> ClientConfig:
    """The service account a pod runs as, through the `kubernetes` Service's address."""
    host, port = environ.get("KUBERNETES_SERVICE_HOST"), environ.get("KUBERNETES_SERVICE_PORT")
    if not host or not port:
        raise ConfigError(
            "unable to load in-cluster configuration, "
            "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined"
        )
    token_file = account_dir / "token"
    if not token_file.exists():
        raise ConfigError(f"unable to load in-cluster configuration: {token_file} is missing")
    host = f"[{host}]" if ":" in host else host  # an IPv6 service address
    namespace_file = account_dir / "namespace"
    ca_file = account_dir / "ca.crt"
    return ClientConfig(
        server=f"https://{host}:{port}",
        ca_data=ca_file.read_bytes() if ca_file.exists() else None,
        token_file=str(token_file),
        namespace=namespace_file.read_text().strip() if namespace_file.exists() else "default",
    )


def build_config(kubeconfig: str | None = None, master: str | None = None) -> ClientConfig:
    """The `--kubeconfig` / `--master` rule of every Kubernetes component."""
    if not kubeconfig and not master:
        return in_cluster_config()
    if not kubeconfig:
        assert master is not None
        return ClientConfig(server=master)
    config = load_kubeconfig(kubeconfig)
    if master:
        config.server = master
    if not config.server:
        raise ConfigError(f"kubeconfig {kubeconfig} names no server and --master is not set")
    return config
