"""Jobs: the selector is generated from the Job's UID when it is created.

Kubernetes' Job strategy labels the pod template with the Job's name and UID and selects on
the UID (unless `spec.manualSelector` is true) once the UID is assigned and before
validation; `canonicalize` is that moment in the generic store. Field selector:
status.successful.
"""

from __future__ import annotations

from typing import Any

from pyk8s.api.kinds.batch_rules import generate_selector
from pyk8s.apiserver.registry.strategy import register_strategy
from pyk8s.apiserver.strategies.selectable import SelectableStrategy, integer


class JobStrategy(SelectableStrategy):
    selectable_fields = {"status.successful": integer("status.successful")}

    def canonicalize(self, obj: dict[str, Any]) -> None:
        super().canonicalize(obj)
        # Only on create: a stored Job has a resourceVersion, a new one does not yet.
        if not obj.get("metadata", {}).get("resourceVersion"):
            generate_selector(obj)


register_strategy("batch", "jobs", JobStrategy)
