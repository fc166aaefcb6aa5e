"""ServiceAccount: every pod runs as a ServiceAccount, and gets its API credentials mounted.

On pod creation (mirror pods of static manifests are left alone):
- an empty `spec.serviceAccountName` becomes "default";
- the ServiceAccount must exist, else 403 'error looking up service account <ns>/<name>:
  serviceaccount "<name>" not found' (the tutorials disable this plugin until the
  controller-manager creates the default accounts);
- unless the pod or the account turns automounting off, a projected volume
  `kube-api-access-<5 random chars>` (a bound token, the cluster CA from the
  kube-root-ca.crt ConfigMap, the namespace) is added and mounted read-only at
  /var/run/secrets/kubernetes.io/serviceaccount in every container and init container that
  does not already mount something there;
- a pod with no imagePullSecrets gets the account's.
"""

from __future__ import annotations

import random
from typing import Any

from pyk8s.apiserver.admission import AdmissionRequest, register_plugin
from pyk8s.apiserver.admission._pods import MIRROR_POD_ANNOTATION, forbidden, pod_write

DEFAULT_ACCOUNT = "default"
VOLUME_PREFIX = "kube-api-access-"
MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
# Tokens live an hour plus 7 s: the 7 s tell Kubernetes it issued them for this volume.
TOKEN_EXPIRATION_SECONDS = 3607
_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def token_volume(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "projected": {
            "defaultMode": 0o644,
            "sources": [
                {"serviceAccountToken": {"expirationSeconds": TOKEN_EXPIRATION_SECONDS, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {"downwardAPI": {"items": [{
                    "path": "namespace",
                    "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                }]}},
            ],
        },
    }  # fmt: skip


def should_automount(account: dict[str, Any], spec: dict[str, Any]) -> bool:
    if spec.get("automountServiceAccountToken") is not None:
        return bool(spec["automountServiceAccountToken"])
    return account.get("automountServiceAccountToken") is not False


def mount_token(spec: dict[str, Any]) -> None:
    volumes = spec.get("volumes") or []
    existing = next(
        (v["name"] for v in volumes if v.get("name", "").startswith(VOLUME_PREFIX)), None
    )
    name = existing or VOLUME_PREFIX + "".join(random.choices(_SUFFIX_ALPHABET, k=5))
    needs_volume = False
    for kind in ("initContainers", "containers"):
        for container in spec.get(kind) or []:
            mounts = container.get("volumeMounts") or []
            if any(m.get("mountPath") == MOUNT_PATH for m in mounts):
                continue
            container["volumeMounts"] = [
                *mounts, {"name": name, "readOnly": True, "mountPath": MOUNT_PATH},
            ]  # fmt: skip
            needs_volume = True
    if needs_volume and existing is None:
        spec["volumes"] = [*volumes, token_volume(name)]


class ServiceAccount:
    name = "ServiceAccount"

    async def admit(self, request: AdmissionRequest) -> None:
        pod = pod_write(request, "CREATE")
        if pod is None or MIRROR_POD_ANNOTATION in (pod.get("metadata") or {}).get(
            "annotations", {}
        ):
            return
        spec = pod.setdefault("spec", {})
        if not spec.get("serviceAccountName"):
            spec["serviceAccountName"] = DEFAULT_ACCOUNT
        account = await self._account(request, spec["serviceAccountName"])
        if should_automount(account, spec):
            mount_token(spec)
        if not spec.get("imagePullSecrets") and account.get("imagePullSecrets"):
            spec["imagePullSecrets"] = [
                {"name": s.get("name", "")} for s in account["imagePullSecrets"]
            ]

    async def validate(self, request: AdmissionRequest) -> None:
        pod = pod_write(request, "CREATE")
        if pod is None or MIRROR_POD_ANNOTATION in (pod.get("metadata") or {}).get(
            "annotations", {}
        ):
            return
        account_name = (pod.get("spec") or {}).get("serviceAccountName")
        if account_name:
            await self._account(request, account_name)

    async def _account(self, request: AdmissionRequest, name: str) -> dict[str, Any]:
        account = await request.lookup("serviceaccounts", "", request.namespace, name)
        if account is None:
            raise forbidden(
                request,
                f"error looking up service account {request.namespace}/{name}: "
                f'serviceaccount "{name}" not found',
            )
        return account


register_plugin(ServiceAccount.name, ServiceAccount)
