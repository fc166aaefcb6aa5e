"""The Endpoints controller: each selecting Service's Endpoints lists its pods' IPs and ports.

Guarantees: for a Service with a selector, the Endpoints object of the same name holds one
subset per distinct set of resolved ports, with ready pods under `addresses` and the
others under `notReadyAddresses`, each sorted by IP; a headless Service without ports still
lists its pods. The object is written only when its content changes, and deleted when the
Service is. Endpoints of Services without a selector are left to their owner.
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any

from pyk8s.api import errors
from pyk8s.client.cache import Object, object_key, split_key
from pyk8s.controllers import endpoints_util as eu
from pyk8s.controllers.base import Controller
from pyk8s.controllers.context import ControllerContext
from pyk8s.controllers.registry import register_controller

HEADLESS_LABEL = "service.kubernetes.io/headless"


class ServiceEndpointsController(Controller):
    """Base for the Endpoints and EndpointSlice controllers: services + pods -> service keys."""

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.services = ctx.informer("", "v1", "services")
        self.pods = ctx.informer("", "v1", "pods")
        self.enqueue_on_changes(self.services)
        self.pods.add_handler(
            on_add=self._pod_changed,
            on_update=lambda old, new: (self._pod_changed(old), self._pod_changed(new)),
            on_delete=self._pod_changed,
        )

    def _pod_changed(self, pod: Object) -> None:
        namespace = pod["metadata"]["namespace"]
        labels = pod["metadata"].get("labels") or {}
        for service in self.services.cache.by_index("namespace", namespace):
            selector = service["spec"].get("selector")
            if selector and selector.items() <= labels.items():
                self.enqueue(service)

    def backing(self, service: Object) -> list[Object]:
        namespace = service["metadata"]["namespace"]
        return eu.backing_pods(service, self.pods.cache.by_index("namespace", namespace))


class EndpointsController(ServiceEndpointsController):
    name = "endpoints"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.endpoints_api = ctx.resource("", "v1", "endpoints")
        self.endpoints = ctx.informer("", "v1", "endpoints")
        self.endpoints.add_handler(on_delete=self.enqueue)

    async def reconcile(self, key: str) -> None:
        namespace, name = split_key(key)
        service = self.services.cache.get(key)
        if service is None:
            with contextlib.suppress(errors.NotFound):
                await self.endpoints_api.delete(name, namespace)
            return
        if not eu.selects_pods(service):
            return
        wanted = self.desired(service)
        current = self.endpoints.cache.get(key)
        if current is None:
            with contextlib.suppress(errors.AlreadyExists):
                await self.endpoints_api.create(wanted, namespace)
            return
        same_subsets = (current.get("subsets") or []) == wanted["subsets"]
        if same_subsets and current["metadata"].get("labels") == wanted["metadata"].get("labels"):
            return
        updated = copy.deepcopy(current)
        updated["subsets"] = wanted["subsets"]
        updated["metadata"]["labels"] = wanted["metadata"].get("labels")
        try:
            await self.endpoints_api.update(updated)
        except errors.Conflict:
            self.queue.add(object_key(service))

    def desired(self, service: Object) -> Object:
        groups: dict[eu.Ports, dict[str, list[dict[str, Any]]]] = {}
        headless = eu.is_headless(service)
        for pod in self.backing(service):
            ports = eu.pod_ports(service, pod)
            if not ports and not (headless and not service["spec"].get("ports")):
                continue
            group = groups.setdefault(ports, {"addresses": [], "notReadyAddresses": []})
            kind = "addresses" if eu.pod_is_ready(service, pod) else "notReadyAddresses"
            group[kind].append(eu.address(pod))
        subsets = []
        for ports, group in sorted(groups.items()):
            subset: dict[str, Any] = {}
            for kind in ("addresses", "notReadyAddresses"):
                if group[kind]:
                    subset[kind] = sorted(group[kind], key=lambda a: a["ip"])
            if ports:
                subset["ports"] = eu.port_dicts(ports)
            subsets.append(subset)
        labels = dict(service["metadata"].get("labels") or {})
        if headless:
            labels[HEADLESS_LABEL] = ""
        meta = service["metadata"]
        endpoints: Object = {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {"name": meta["name"], "namespace": meta["namespace"]},
            "subsets": subsets,
        }
        if labels:
            endpoints["metadata"]["labels"] = labels
        return endpoints


register_controller(EndpointsController.name, EndpointsController)
