"""Kubeconfig files, written exactly as `kubectl config set-cluster/set-credentials/...` writes them.

kubectl writes keys in sorted order, base64-embeds certificate data, and makes the file 0600.
Writing the same shape means a file made by pyk8s can be edited with `kubectl config` and
read back by either tool.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import yaml


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def build(
    *,
    cluster: str,
    server: str,
    user: str,
    ca_pem: bytes | None = None,
    client_cert_pem: bytes | None = None,
    client_key_pem: bytes | None = None,
    token: str | None = None,
    context: str = "default",
    namespace: str | None = None,
) -> dict[str, Any]:
    cluster_entry: dict[str, Any] = {"server": server}
    if ca_pem is not None:
        cluster_entry["certificate-authority-data"] = _b64(ca_pem)
    user_entry: dict[str, Any] = {}
    if client_cert_pem is not None and client_key_pem is not None:
        user_entry["client-certificate-data"] = _b64(client_cert_pem)
        user_entry["client-key-data"] = _b64(client_key_pem)
    if token is not None:
        user_entry["token"] = token
    context_entry: dict[str, Any] = {"cluster": cluster, "user": user}
    if namespace:
        context_entry["namespace"] = namespace
    return {
        "apiVersion": "v1",
        "clusters": [{"cluster": cluster_entry, "name": cluster}],
        "contexts": [{"context": context_entry, "name": context}],
        "current-context": context,
        "kind": "Config",
        "preferences": {},
        "users": [{"name": user, "user": user_entry}],
    }


def write(path: Path, config: dict[str, Any]) -> None:
    """Write atomically with mode 0600 (it may hold a private key)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        yaml.safe_dump(config, f, default_flow_style=False, sort_keys=True)
    os.replace(tmp, path)
