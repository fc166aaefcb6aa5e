"""What is particular about each resource: importing this package registers it all.

Each module registers Strategy subclasses (pyk8s/apiserver/registry/strategy.py) for its
resources; `binding.py` and `computed.py` register handlers for subresources and for the
resources that are computed rather than stored.

Beyond the base Strategy, some strategies define optional hooks the generic store calls
when present (`getattr(strategy, name, None)`):

- `async before_create(obj, *, dry_run)`: after `prepare_for_create` (uid set), before
  `validate`. If anything later fails (validation, admission, the write), call
  `await after_delete(obj)` to give back what it claimed. (services)
- `async before_update(new, old, *, dry_run)`: after `prepare_for_update`, before
  `validate_update`; on a later failure or a write conflict call `after_update(old, new)`
  (arguments swapped) before retrying. (services)
- `async after_update(new, old)`: after the update is written. (services)
- `async after_delete(obj)`: after the object is removed from the store. (services)
- `mark_for_deletion(obj, delete_options) -> dict | None`: at DELETE, before the generic
  deletion; a dict is the object to store instead of deleting it. (namespaces)
- `should_delete_during_update(new) -> bool`: an update that would finish a deletion
  removes the object only if this is true. (namespaces)
- `prepare_for_<sub>_update(new, old)` / `validate_<sub>_update(new, old)`: for writes to
  the subresource <sub> ("finalize" on namespaces, "ephemeralcontainers" on pods), used
  instead of prepare_for_update / validate_update.
"""

from pyk8s.apiserver.strategies import (  # noqa: F401
    binding,
    computed,
    events,
    eviction,
    jobs,
    namespaces,
    pods,
    services,
    simple,
)
