"""Run the real kubectl against a pyk8s API server, with nothing shared between tests.

Each `Kubectl` has its own empty kubeconfig and its own KUBECACHEDIR: kubectl caches
discovery for 6 h and the dispatcher's /version choice for 2 h per URL (kubectl-contract
§1.4), which would otherwise leak from one test's server to the next on a reused port.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def kubectl_binary() -> str:
    path = shutil.which("kubectl")
    if path is None:
        pytest.fail("kubectl not found on PATH: the real kubectl v1.32 is required")
    return path


class Kubectl:
    def __init__(self, server_url: str, workdir: Path, namespace: str = "") -> None:
        self.server_url = server_url
        # Every command runs in this namespace (`--namespace`) when one is given.
        self.namespace = namespace
        workdir.mkdir(parents=True, exist_ok=True)
        self.kubeconfig = workdir / "kubeconfig"
        self.kubeconfig.write_text("")
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(workdir),
            "KUBECONFIG": str(self.kubeconfig),
            "KUBECACHEDIR": str(workdir / "cache"),
        }
        self.binary = kubectl_binary()

    def in_namespace(self, namespace: str) -> Kubectl:
        """The same kubectl (same caches), pointed at another namespace."""
        other = object.__new__(Kubectl)
        other.__dict__.update(self.__dict__)
        other.namespace = namespace
        return other

    def _command(self, args: tuple[str, ...]) -> list[str]:
        command = [self.binary, "--server", self.server_url]
        if self.namespace:
            command += ["--namespace", self.namespace]
        return command + list(args)

    def run(
        self,
        *args: str,
        input: str | None = None,
        timeout: float = 30,
        check: bool = True,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self._command(args),
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**self.env, **(env or {})},
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"kubectl {' '.join(args)} failed ({result.returncode}):\n"
                f"stdout: {result.stdout}\nstderr: {result.stderr}"
            )
        return result

    def popen(self, *args: str) -> subprocess.Popen[str]:
        """Start kubectl in the background (for `get -w`); the caller stops it by PID."""
        return subprocess.Popen(
            self._command(args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env,
        )


def kubectl_as(kubeconfig_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real kubectl with one identity's kubeconfig (and its own discovery cache)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(kubeconfig_path.parent),
        "KUBECONFIG": str(kubeconfig_path),
        "KUBECACHEDIR": str(kubeconfig_path.parent / f"cache-{kubeconfig_path.stem}"),
    }
    return subprocess.run(
        [kubectl_binary(), *args], capture_output=True, text=True, env=env, timeout=30
    )
