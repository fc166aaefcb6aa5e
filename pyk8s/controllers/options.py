"""The controller manager's tunables, shared by every controller through the context.

One dataclass holds what kube-controller-manager's flags configure: how many workers each
controller runs (`--concurrent-<name>-syncs`), node health timing, eviction and toleration
defaults, the terminated-pod GC threshold, the root CA to publish. Defaults are the real
component's defaults; tests shrink the time values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Workers per controller, as kube-controller-manager's --concurrent-*-syncs defaults.
DEFAULT_CONCURRENT_SYNCS: dict[str, int] = {
    "deployment": 5,
    "replicaset": 5,
    "replicationcontroller": 5,
    "endpoints": 5,
    "endpointslice": 5,
    "serviceaccount": 1,
    "serviceaccount-token": 5,
    "namespace": 10,
    "garbage-collector": 20,
    "job": 5,
    "cronjob": 5,
    "daemonset": 2,
    "statefulset": 5,
    "ttl-after-finished": 5,
    "pod-garbage-collector": 1,
    "node-lifecycle": 1,
}


@dataclass
class ControllerOptions:
    concurrent_syncs: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_CONCURRENT_SYNCS))
    # Node health: how long a node may go without renewing its Lease/status before it is
    # marked Unknown, how often nodes are checked, and the grace given to fresh nodes.
    node_monitor_grace_period: float = 40.0
    node_monitor_period: float = 5.0
    node_startup_grace_period: float = 60.0
    # Evictions per second when a zone is healthy / partially unhealthy.
    node_eviction_rate: float = 0.1
    secondary_node_eviction_rate: float = 0.01
    unhealthy_zone_threshold: float = 0.55
    # Tolerations the DefaultTolerationSeconds admission plugin adds (for reference).
    default_not_ready_toleration_seconds: int = 300
    default_unreachable_toleration_seconds: int = 300
    terminated_pod_gc_threshold: int = 12500
    # When set, the serviceaccount controller publishes this CA as kube-root-ca.crt.
    root_ca_file: str | None = None
    # Periodic full resyncs (seconds) of the informers and of namespace deletion retries.
    resync_period: float = 0.0
    namespace_sync_period: float = 300.0

    def workers(self, controller: str) -> int:
        """How many reconcile workers `controller` runs (1 when it has no flag of its own)."""
        return max(1, self.concurrent_syncs.get(controller, 1))
