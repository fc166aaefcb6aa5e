"""NamespaceLifecycle: nothing new in a namespace that is missing or being deleted.

- CREATE of a namespaced object in a namespace that does not exist: 404 NotFound.
- CREATE in a namespace whose phase is Terminating: 403 Forbidden (cause NamespaceTerminating).
- DELETE of `default`, `kube-system`, `kube-public` or `kube-node-lease`: 403 Forbidden.

Updates and deletes inside a terminating namespace are allowed: the namespace controller
needs them to empty it.
"""

from __future__ import annotations

from pyk8s.api.errors import Cause, Forbidden, NotFound
from pyk8s.apiserver.admission import AdmissionRequest, register_plugin

IMMORTAL_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


def _qualified(request: AdmissionRequest) -> str:
    resource = request.resource
    return f"{resource.plural}.{resource.group}" if resource.group else resource.plural


class NamespaceLifecycle:
    name = "NamespaceLifecycle"

    async def validate(self, request: AdmissionRequest) -> None:
        resource = request.resource
        if (
            request.operation == "DELETE"
            and resource.group == ""
            and resource.plural == "namespaces"
        ):
            if request.name in IMMORTAL_NAMESPACES:
                raise Forbidden(
                    f'namespaces "{request.name}" is forbidden: this namespace may not be deleted',
                    details={"name": request.name, "kind": "namespaces"},
                )
            return
        if request.operation != "CREATE" or not resource.namespaced or not request.namespace:
            return
        namespace = await request.lookup("namespaces", "", "", request.namespace)
        if namespace is None:
            raise NotFound.of("namespaces", request.namespace)
        if namespace.get("status", {}).get("phase") == "Terminating":
            name = request.name
            message = (
                f"unable to create new content in namespace {request.namespace} "
                "because it is being terminated"
            )
            raise Forbidden(
                f'{_qualified(request)} "{name}" is forbidden: {message}',
                details={"name": name, "kind": resource.plural},
                causes=[
                    Cause(
                        "NamespaceTerminating",
                        f"namespace {request.namespace} is being terminated",
                        "metadata.namespace",
                    )
                ],
            )


register_plugin(NamespaceLifecycle.name, NamespaceLifecycle)
