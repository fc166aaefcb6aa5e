"""The controller manager's controllers: importing this package registers all of them.

Each module below calls `register_controller(...)` (registry.py) at import. A module listed
here that does not exist yet is skipped, so the list can name controllers still being
written.
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
    """Import every controller module that exists, registering its controllers."""
    for module in CONTROLLER_MODULES:
        try:
            importlib.import_module(f"{__name__}.{module}")
        except ModuleNotFoundError as err:
            if err.name != f"{__name__}.{module}":
                raise
