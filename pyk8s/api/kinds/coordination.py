"""coordination.k8s.io/v1 Lease: a lightweight lock with a holder and an expiry.

Kubelets renew a Lease per node in kube-node-lease as their heartbeat; controller-manager and
scheduler replicas elect a leader by holding a Lease in kube-system. Validation follows
ValidateLeaseSpec (pkg/apis/coordination/validation, v1.32). The coordinated leader election
fields (strategy, preferredHolder) are alpha in v1.32 and left out.
"""

from pyk8s.api import validation
from pyk8s.api.errors import Cause
from pyk8s.api.resource import Resource, register
from pyk8s.api.schema import INT32, MICROTIME, STRING, F, define, validator

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
COORDINATION = "io.k8s.api.coordination.v1."

define(
    COORDINATION + "LeaseSpec",
    "Who holds a lease, since when, and for how long.",
    F("holderIdentity", 1, STRING, "The current holder.", pointer=True),
    F(
        "leaseDurationSeconds",
        2,
        INT32,
        "How long others wait after the last renewal before taking the lease.",
        pointer=True,
    ),
    F("acquireTime", 3, MICROTIME, "When the current holder acquired the lease.", pointer=True),
    F("renewTime", 4, MICROTIME, "When the holder last renewed the lease.", pointer=True),
    F("leaseTransitions", 5, INT32, "How many times the lease changed hands.", pointer=True),
)

define(
    COORDINATION + "Lease",
    "A lock held by one party at a time and renewed to keep it.",
    F("apiVersion", 0, STRING, "The versioned schema of this object."),
    F("kind", 0, STRING, "The type of this object, in CamelCase."),
    F("metadata", 1, META + "ObjectMeta", "Standard object metadata."),
    F("spec", 2, COORDINATION + "LeaseSpec", "The lease's holder and timing."),
)

register(
    Resource(
        group="coordination.k8s.io",
        version="v1",
        kind="Lease",
        plural="leases",
        singular="lease",
        namespaced=True,
        schema=COORDINATION + "Lease",
    )
)


@validator(COORDINATION + "LeaseSpec")
def validate_lease_spec(spec: dict, path: str) -> list[Cause]:
    causes = []
    duration = spec.get("leaseDurationSeconds")
    if duration is not None and duration <= 0:
        where = validation.child(path, "leaseDurationSeconds")
        causes.append(validation.invalid(where, duration, "must be greater than 0"))
    transitions = spec.get("leaseTransitions")
    if transitions is not None and transitions < 0:
        where = validation.child(path, "leaseTransitions")
        causes.append(validation.invalid(where, transitions, "must be greater than or equal to 0"))
    return causes
