"""What the pod admission plugins share: which requests are about a pod's own body."""

from __future__ import annotations

from typing import Any

from pyk8s.api.errors import Forbidden
from pyk8s.apiserver.admission import AdmissionRequest

MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror"


def pod_write(request: AdmissionRequest, *operations: str) -> dict[str, Any] | None:
    """The pod of a create/update of pods (not of a subresource), else None."""
    resource = request.resource
    if resource.group != "" or resource.plural != "pods" or request.subresource:
        return None
    if request.operation not in operations or not isinstance(request.object, dict):
        return None
    return request.object


def forbidden(request: AdmissionRequest, reason: str) -> Forbidden:
    """Kubernetes' admission.NewForbidden: `pods "web" is forbidden: <reason>`."""
    plural = request.resource.plural
    return Forbidden(
        f'{plural} "{request.name}" is forbidden: {reason}',
        details={"name": request.name, "kind": plural},
    )
