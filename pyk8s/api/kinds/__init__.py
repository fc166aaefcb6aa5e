"""The built-in kinds. Importing this package defines every Struct and registers every Resource.

One module per API group (core/v1 is split in two: pods and what they are made of, and the
rest). Each module defines its structs with `schema.define` and its resources with
`resource.register`; nothing here has behaviour.
"""

from pyk8s.api.kinds import (  # noqa: F401  (imported for their definitions)
    apps,
    authn,
    authz,
    autoscaling,
    batch,
    coordination,
    core,
    core_event,
    core_node,
    core_pod,
    core_quota,
    core_service,
    core_service_rules,
    core_storage,
    core_storage_rules,
    discovery,
    events,
    meta,
    policy,
    rbac,
    scheduling,
)
