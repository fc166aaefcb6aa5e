"""The ReplicationController controller: the ReplicaSet controller over core/v1's older kind.

Everything (adoption, expectations, scale-down order, status, events) is the ReplicaSet
controller's; only the resource and the selector differ: a ReplicationController selects
with a plain label map, which defaults to the template's labels.
"""

from __future__ import annotations

from pyk8s.api.labels import NOTHING, Selector, selector_from_label_selector
from pyk8s.client.cache import Object
from pyk8s.controllers.registry import register_controller
from pyk8s.controllers.replicaset import ReplicaSetController


class ReplicationControllerController(ReplicaSetController):
    name = "replicationcontroller"
    group, version, plural, kind = "", "v1", "replicationcontrollers", "ReplicationController"
    component = "replication-controller"

    def selector_of(self, owner: Object) -> Selector:
        selector = owner["spec"].get("selector")
        if not selector:
            return NOTHING
        return selector_from_label_selector({"matchLabels": selector})


register_controller(ReplicationControllerController.name, ReplicationControllerController)
