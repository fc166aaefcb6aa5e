"""The serviceaccount controller: every active namespace has a `default` ServiceAccount.

The API server's ServiceAccount admission refuses pods in a namespace whose `default`
ServiceAccount does not exist yet, so this controller creates it as soon as a namespace
appears, and again if someone deletes it. With `--root-ca-file` it also publishes that CA
as the ConfigMap `kube-root-ca.crt` (key `ca.crt`) in every namespace, restoring its
content if it is changed, as Kubernetes' root-ca-cert-publisher does. Terminating
namespaces are left alone.
"""

from __future__ import annotations

import contextlib
import copy
from pathlib import Path

from pyk8s.api import errors
from pyk8s.client.cache import Object
from pyk8s.controllers.base import Controller, is_being_deleted
from pyk8s.controllers.context import ControllerContext
from pyk8s.controllers.registry import register_controller

DEFAULT_ACCOUNT = "default"
ROOT_CA_CONFIGMAP = "kube-root-ca.crt"
ROOT_CA_ANNOTATION = "kubernetes.io/description"
ROOT_CA_DESCRIPTION = (
    "Contains a CA bundle that can be used to verify the kube-apiserver when using "
    "internal endpoints such as the internal service IP or kubernetes.default.svc. "
    "No other usage is guaranteed across distributions of Kubernetes clusters."
)


class ServiceAccountController(Controller):
    name = "serviceaccount"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.accounts_api = ctx.resource("", "v1", "serviceaccounts")
        self.configmaps_api = ctx.resource("", "v1", "configmaps")
        self.namespaces = ctx.informer("", "v1", "namespaces")
        self.accounts = ctx.informer("", "v1", "serviceaccounts")
        self.root_ca = (
            Path(ctx.options.root_ca_file).read_text() if ctx.options.root_ca_file else None
        )
        self.namespaces.add_handler(
            on_add=self.enqueue, on_update=lambda _old, new: self.enqueue(new)
        )
        self.accounts.add_handler(on_delete=self._namespace_of)
        if self.root_ca is not None:
            self.configmaps = ctx.informer("", "v1", "configmaps")
            self.configmaps.add_handler(
                on_update=lambda _old, new: self._namespace_of(new), on_delete=self._namespace_of
            )

    def _namespace_of(self, obj: Object) -> None:
        self.queue.add(obj["metadata"]["namespace"])

    async def reconcile(self, key: str) -> None:
        namespace = self.namespaces.cache.get(key)
        if namespace is None or is_being_deleted(namespace):
            return
        if self.accounts.cache.get_by_name(key, DEFAULT_ACCOUNT) is None:
            account = {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {"name": DEFAULT_ACCOUNT},
            }
            with contextlib.suppress(errors.AlreadyExists):
                await self.accounts_api.create(account, key)
        if self.root_ca is not None:
            await self._publish_root_ca(key)

    async def _publish_root_ca(self, namespace: str) -> None:
        current = self.configmaps.cache.get_by_name(namespace, ROOT_CA_CONFIGMAP)
        data = {"ca.crt": self.root_ca}
        annotations = {ROOT_CA_ANNOTATION: ROOT_CA_DESCRIPTION}
        if current is None:
            configmap = {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": ROOT_CA_CONFIGMAP, "annotations": annotations},
                "data": data,
            }
            with contextlib.suppress(errors.AlreadyExists):
                await self.configmaps_api.create(configmap, namespace)
            return
        if current.get("data") == data:
            return
        updated = copy.deepcopy(current)
        updated["data"] = data
        with contextlib.suppress(errors.Conflict, errors.NotFound):
            await self.configmaps_api.update(updated)


register_controller(ServiceAccountController.name, ServiceAccountController)
