"""The EndpointSlice controller: each selecting Service's pods as discovery.k8s.io/v1 slices.

Guarantees: the endpoints of a Service are grouped by their resolved ports and cut into
slices of at most 100; each slice is owned by the Service (so it is garbage-collected
with it), labelled `kubernetes.io/service-name` and `endpointslice.kubernetes.io/managed-by:
endpointslice-controller.k8s.io`, and named `<service>-<random>`. Every endpoint carries
its address, `conditions` (ready, serving, terminating), nodeName and a targetRef to its
pod. Existing slices are rewritten in place only when their content changes; surplus
slices are deleted. Slices managed by anyone else are never touched.
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any

from pyk8s.api import errors
from pyk8s.client.cache import Object, split_key
from pyk8s.controllers import endpoints_util as eu
from pyk8s.controllers.base import controller_ref, is_being_deleted, owner_reference
from pyk8s.controllers.context import ControllerContext
from pyk8s.controllers.endpoints import ServiceEndpointsController
from pyk8s.controllers.registry import register_controller

SERVICE_NAME = "kubernetes.io/service-name"
MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
CONTROLLER_NAME = "endpointslice-controller.k8s.io"
MAX_ENDPOINTS = 100


class EndpointSliceController(ServiceEndpointsController):
    name = "endpointslice"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.slices_api = ctx.resource("discovery.k8s.io", "v1", "endpointslices")
        self.slices = ctx.informer("discovery.k8s.io", "v1", "endpointslices", indexers=["label"])
        self.slices.add_handler(
            on_delete=self._slice_changed, on_update=lambda _o, n: self._slice_changed(n)
        )

    def _slice_changed(self, endpoint_slice: Object) -> None:
        service = (endpoint_slice["metadata"].get("labels") or {}).get(SERVICE_NAME)
        if service:
            self.queue.add(f"{endpoint_slice['metadata']['namespace']}/{service}")

    def _owned_slices(self, namespace: str, service_name: str) -> list[Object]:
        return [
            s
            for s in self.slices.cache.by_index("label", f"{SERVICE_NAME}={service_name}")
            if s["metadata"]["namespace"] == namespace
            and (s["metadata"].get("labels") or {}).get(MANAGED_BY) == CONTROLLER_NAME
        ]

    async def reconcile(self, key: str) -> None:
        namespace, name = split_key(key)
        assert namespace is not None
        service = self.services.cache.get(key)
        existing = self._owned_slices(namespace, name)
        if service is None or not eu.selects_pods(service):
            for stale in existing:  # the garbage collector would too; this is quicker
                await self._delete(stale)
            return
        wanted = self.desired(service)
        existing.sort(key=lambda s: s["metadata"]["name"])
        for current, content in zip(existing, wanted, strict=False):
            await self._update(current, content)
        for content in wanted[len(existing) :]:
            await self.slices_api.create(self._new_slice(service, content), namespace)
        for stale in existing[len(wanted) :]:
            await self._delete(stale)

    def desired(self, service: Object) -> list[dict[str, Any]]:
        """The slices' contents (ports + endpoints), at least one even when empty."""
        groups: dict[eu.Ports, list[dict[str, Any]]] = {}
        for pod in self.backing(service):
            groups.setdefault(eu.pod_ports(service, pod), []).append(self._endpoint(service, pod))
        contents = []
        for ports, endpoints in sorted(groups.items()):
            endpoints.sort(key=lambda e: e["addresses"][0])
            for start in range(0, len(endpoints), MAX_ENDPOINTS):
                contents.append(
                    {
                        "ports": eu.port_dicts(ports),
                        "endpoints": endpoints[start : start + MAX_ENDPOINTS],
                    }
                )
        if not contents:
            contents.append({"ports": [], "endpoints": []})
        return contents

    @staticmethod
    def _endpoint(service: Object, pod: Object) -> dict[str, Any]:
        terminating = is_being_deleted(pod)
        serving = eu.pod_is_ready(service, pod) if not terminating else eu.is_pod_ready(pod)
        endpoint: dict[str, Any] = {
            "addresses": [pod["status"]["podIP"]],
            "conditions": {
                "ready": eu.pod_is_ready(service, pod),
                "serving": serving,
                "terminating": terminating,
            },
            "targetRef": eu.address(pod)["targetRef"],
        }
        node = (pod.get("spec") or {}).get("nodeName")
        if node:
            endpoint["nodeName"] = node
        return endpoint

    def _new_slice(self, service: Object, content: dict[str, Any]) -> Object:
        meta = service["metadata"]
        labels = {
            **(meta.get("labels") or {}),
            SERVICE_NAME: meta["name"],
            MANAGED_BY: CONTROLLER_NAME,
        }
        return {
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": {
                "generateName": f"{meta['name']}-",
                "namespace": meta["namespace"],
                "labels": labels,
                "ownerReferences": [
                    {**owner_reference({**service, "apiVersion": "v1", "kind": "Service"})}
                ],
            },
            "addressType": "IPv4",
            **content,
        }

    async def _update(self, current: Object, content: dict[str, Any]) -> None:
        if (current.get("endpoints") or []) == content["endpoints"] and (
            current.get("ports") or []
        ) == content["ports"]:
            return
        updated = copy.deepcopy(current)
        updated.update(content)
        try:
            await self.slices_api.update(updated)
        except errors.Conflict:
            labels = current["metadata"].get("labels") or {}
            self.queue.add(f"{current['metadata']['namespace']}/{labels.get(SERVICE_NAME)}")

    async def _delete(self, endpoint_slice: Object) -> None:
        if controller_ref(endpoint_slice) is None and not endpoint_slice["metadata"].get("labels"):
            return
        with contextlib.suppress(errors.NotFound):
            await self.slices_api.delete(
                endpoint_slice["metadata"]["name"], endpoint_slice["metadata"]["namespace"]
            )


register_controller(EndpointSliceController.name, EndpointSliceController)
