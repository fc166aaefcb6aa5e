"""DefaultTolerationSeconds: pods stay 300 s on a node that stops being ready or reachable.

Pods that do not tolerate the NoExecute taints node.kubernetes.io/not-ready and
node.kubernetes.io/unreachable get tolerations for them with tolerationSeconds 300, so that
a node's short outage does not evict them at once, yet its pods are rescheduled after five
minutes. A toleration with an empty key or an empty effect already covers a taint.
"""

from __future__ import annotations

from typing import Any

from pyk8s.apiserver.admission import AdmissionRequest, register_plugin
from pyk8s.apiserver.admission._pods import pod_write

NOT_READY = "node.kubernetes.io/not-ready"
UNREACHABLE = "node.kubernetes.io/unreachable"
DEFAULT_SECONDS = 300


def tolerates(tolerations: list[dict[str, Any]], key: str) -> bool:
    return any(
        t.get("key", "") in (key, "") and t.get("effect", "") in ("NoExecute", "")
        for t in tolerations
    )


class DefaultTolerationSeconds:
    name = "DefaultTolerationSeconds"

    async def admit(self, request: AdmissionRequest) -> None:
        pod = pod_write(request, "CREATE", "UPDATE")
        if pod is None:
            return
        spec = pod.setdefault("spec", {})
        tolerations = list(spec.get("tolerations") or [])
        for key in (NOT_READY, UNREACHABLE):
            if not tolerates(tolerations, key):
                tolerations.append({
                    "key": key, "operator": "Exists", "effect": "NoExecute",
                    "tolerationSeconds": DEFAULT_SECONDS,
                })  # fmt: skip
        spec["tolerations"] = tolerations


register_plugin(DefaultTolerationSeconds.name, DefaultTolerationSeconds)
