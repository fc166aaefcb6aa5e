"""kubectl exec through the API server to the kubelet: WebSocket v5, and SPDY fallback."""

from __future__ import annotations

import pytest

from tests.integration.streaming.conftest import POD, Cluster

SPDY = {"KUBECTL_REMOTE_COMMAND_WEBSOCKETS": "false"}


@pytest.mark.parametrize("env", [{}, SPDY], ids=["websocket", "spdy"])
async def test_exec_prints_output_and_exits_zero(cluster: Cluster, env) -> None:
    result = await cluster.kubectl("exec", POD, "--", "echo", "hi", env=env)
    assert result.stdout == "hi\n"


@pytest.mark.parametrize("env", [{}, SPDY], ids=["websocket", "spdy"])
async def test_exec_exit_code_is_kubectls(cluster: Cluster, env) -> None:
    result = await cluster.kubectl("exec", POD, "--", "sh", "-c", "exit 3", env=env, check=False)
    assert result.returncode == 3
    assert "command terminated with exit code 3" in result.stderr


@pytest.mark.parametrize("env", [{}, SPDY], ids=["websocket", "spdy"])
async def test_exec_stdin_reaches_the_command(cluster: Cluster, env) -> None:
    result = await cluster.kubectl("exec", "-i", POD, "--", "sh", "-c", "tr a-z A-Z; echo err >&2",
                                   input="input-data\n", env=env)  # fmt: skip
    assert result.stdout == "INPUT-DATA\n"
    assert result.stderr == "err\n"
