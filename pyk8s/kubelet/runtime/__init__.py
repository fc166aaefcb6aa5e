"""Container runtimes behind one interface (interface.py): `runc` for real, `hollow` simulated."""

from __future__ import annotations

import importlib

# Runtime implementations by the name `--container-runtime` takes.
RUNTIMES = {
    "runc": "pyk8s.kubelet.runtime.runc:RuncRuntime",
    "hollow": "pyk8s.kubelet.runtime.hollow:HollowRuntime",
}


def runtime_class(name: str) -> type:
    """The class registered as `name`; imported only when asked for, to keep start-up light."""
    module, _, attribute = RUNTIMES[name].partition(":")
    return getattr(importlib.import_module(module), attribute)
