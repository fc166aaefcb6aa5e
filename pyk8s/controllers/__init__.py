"""The controller manager's controllers: importing them (`load_all`) registers all of them.

Each module below calls `register_controller(...)` (registry.py) at import.
"""

from __future__ import annotations

import importlib

CONTROLLER_MODULES = [
    "deployment",
    "replicaset",
    "replication",
    "endpoints",
    "endpointslice",
    "serviceaccount",
    "namespace",
    "garbagecollector",
    "node_lifecycle",
    "job",
    "cronjob",
    "daemonset",
    "statefulset",
    "podgc",
    "disruption",
]


def load_all() -> None:
    """Import every controller module, registering its controllers."""
    for module in CONTROLLER_MODULES:
        importlib.import_module(f"{__name__}.{module}")
