"""Resources with small particularities: which fields a field selector may use, and nodes.

Each field list is Kubernetes' own (the `GetAttrs` / `SelectableFields` of the resource's
registry package), so `kubectl get secrets --field-selector type=Opaque` and friends behave
as they do there. A selector on any other field is refused with
'field label not supported: <field>'.
"""

from __future__ import annotations

from typing import Any

from pyk8s.apiserver.registry.strategy import register_strategy
from pyk8s.apiserver.strategies.selectable import SelectableStrategy, boolean, integer, text


class SecretStrategy(SelectableStrategy):
    selectable_fields = {"type": text("type")}


class NodeStrategy(SelectableStrategy):
    """Nodes are cluster-scoped, with a status subresource (kubelets write it)."""

    selectable_fields = {"spec.unschedulable": boolean("spec.unschedulable")}

    def prepare_for_create(self, obj: dict[str, Any]) -> None:
        # Unlike most kinds, a Node keeps the status it is created with: the kubelet
        # registers its node with capacity, addresses and conditions in one request.
        status = obj.get("status")
        super().prepare_for_create(obj)
        if status is not None:
            obj["status"] = status


class ReplicationControllerStrategy(SelectableStrategy):
    selectable_fields = {"status.replicas": integer("status.replicas")}


class ReplicaSetStrategy(SelectableStrategy):
    selectable_fields = {"status.replicas": integer("status.replicas")}


class PersistentVolumeStrategy(SelectableStrategy):
    selectable_fields = {"name": text("metadata.name")}


class PersistentVolumeClaimStrategy(SelectableStrategy):
    selectable_fields = {"name": text("metadata.name")}


register_strategy("", "secrets", SecretStrategy)
register_strategy("", "nodes", NodeStrategy)
register_strategy("", "replicationcontrollers", ReplicationControllerStrategy)
register_strategy("apps", "replicasets", ReplicaSetStrategy)
register_strategy("", "persistentvolumes", PersistentVolumeStrategy)
register_strategy("", "persistentvolumeclaims", PersistentVolumeClaimStrategy)
