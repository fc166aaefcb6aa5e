"""Namespaces: born Active, deleted in two steps, emptied by the namespace controller.

- Create: `status.phase` is Active and `spec.finalizers` holds "kubernetes" (a client may
  not leave it out: the namespace controller relies on it to empty the namespace first).
- The main resource cannot change `spec.finalizers` or `status`; `/status` changes only the
  status and `/finalize` only `spec.finalizers`.
- DELETE (`mark_for_deletion`): the first one sets `deletionTimestamp` and phase
  Terminating and keeps the namespace; the namespace controller deletes what is inside and
  removes "kubernetes" through `/finalize`. A DELETE while spec.finalizers remain answers
  409; once they are gone the namespace goes the ordinary way.
- An update that leaves a terminating namespace with no finalizers of either kind deletes
  it (`should_delete_during_update`), as Kubernetes' namespace store does.

Field selectors: metadata.name, name (the older spelling) and status.phase.
"""

from __future__ import annotations

import copy
import datetime
from typing import Any

from pyk8s.api.errors import Conflict
from pyk8s.apiserver.registry.strategy import register_strategy
from pyk8s.apiserver.strategies.selectable import SelectableStrategy, text

KUBERNETES_FINALIZER = "kubernetes"


class NamespaceStrategy(SelectableStrategy):
    selectable_fields = {"name": text("metadata.name"), "status.phase": text("status.phase")}

    def prepare_for_create(self, obj: dict[str, Any]) -> None:
        super().prepare_for_create(obj)
        obj["status"] = {"phase": "Active"}
        spec = obj.get("spec") or {}
        finalizers = list(spec.get("finalizers") or [])
        if KUBERNETES_FINALIZER not in finalizers:
            finalizers.append(KUBERNETES_FINALIZER)
        obj["spec"] = {**spec, "finalizers": finalizers}

    def prepare_for_update(self, new: dict[str, Any], old: dict[str, Any]) -> None:
        super().prepare_for_update(new, old)
        _set_finalizers(new, (old.get("spec") or {}).get("finalizers"))

    def prepare_for_finalize_update(self, new: dict[str, Any], old: dict[str, Any]) -> None:
        """A write to `/finalize`: only spec.finalizers changes."""
        finalizers = (new.get("spec") or {}).get("finalizers")
        new.clear()
        new.update(copy.deepcopy(old))
        _set_finalizers(new, finalizers)

    def mark_for_deletion(
        self, obj: dict[str, Any], delete_options: dict[str, Any]
    ) -> dict[str, Any] | None:
        """The namespace as DELETE must leave it, or None to delete it the ordinary way."""
        meta = obj["metadata"]
        if not meta.get("deletionTimestamp"):
            marked = copy.deepcopy(obj)
            marked["metadata"]["deletionTimestamp"] = _now()
            marked.setdefault("status", {})["phase"] = "Terminating"
            if delete_options.get("orphanDependents") is False:
                kept = [f for f in meta.get("finalizers") or [] if f != "orphan"]
                marked["metadata"]["finalizers"] = kept
            return marked
        if (obj.get("spec") or {}).get("finalizers"):
            raise Conflict(
                f'Operation cannot be fulfilled on namespaces "{meta["name"]}": The system is '
                "ensuring all content is removed from this namespace.  Upon completion, this "
                "namespace will automatically be purged by the system.",
                details={"name": meta["name"], "kind": "namespaces"},
            )
        return None

    def should_delete_during_update(self, new: dict[str, Any]) -> bool:
        """Whether an update that finished the generic deletion checks may remove it."""
        return not (new.get("spec") or {}).get("finalizers")


def _set_finalizers(obj: dict[str, Any], finalizers: list[str] | None) -> None:
    spec = obj.setdefault("spec", {})
    if finalizers:
        spec["finalizers"] = list(finalizers)
    else:
        spec.pop("finalizers", None)


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


register_strategy("", "namespaces", NamespaceStrategy)
