"""How the four RBAC kinds are stored: as any other resource, except for their names.

Kubernetes accepts any name for roles and bindings that can be one segment of a URL path
(not "." or "..", no "/" or "%"), not only DNS subdomains: the defaults are named like
`system:controller:job-controller`. Importing this module registers the strategy.
"""

from __future__ import annotations

from typing import Any

from pyk8s.api import validation
from pyk8s.api.errors import Cause
from pyk8s.api.kinds.rbac import _path_segment_problems
from pyk8s.apiserver.registry.strategy import Strategy, register_strategy

GROUP = "rbac.authorization.k8s.io"


class RBACObjectStrategy(Strategy):
    def validate_metadata(self, obj: dict[str, Any]) -> list[Cause]:
        return list(
            validation.validate_object_meta(
                obj.get("metadata", {}),
                namespaced=self.resource.namespaced,
                name_check=_path_segment_problems,
            )
        )


for _plural in ("roles", "rolebindings", "clusterroles", "clusterrolebindings"):
    register_strategy(GROUP, _plural, RBACObjectStrategy)
