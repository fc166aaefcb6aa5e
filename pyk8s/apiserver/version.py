"""What `/version` answers.

kubectl's dispatcher picks which kubectl binary to run from `minor` (kubectl-contract §1.1),
so pyk8s reports the Kubernetes release whose API it serves: 1.32. `gitVersion` carries a
`+pyk8s` build suffix, the way distributions such as k3s mark theirs.
"""

from __future__ import annotations

import platform
import sys

MAJOR = "1"
MINOR = "32"
GIT_VERSION = "v1.32.4+pyk8s"


def version_info() -> dict[str, str]:
    machine = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    return {
        "major": MAJOR,
        "minor": MINOR,
        "gitVersion": GIT_VERSION,
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2025-04-22T00:00:00Z",
        "goVersion": f"python{sys.version_info.major}.{sys.version_info.minor}",
        "compiler": "cpython",
        "platform": f"{sys.platform}/{machine}",
    }
