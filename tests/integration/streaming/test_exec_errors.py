"""A command that cannot start: the kubelet still upgrades the connection, then reports the
failure as the session's final Status, so kubectl prints the API's error (as it does against
Kubernetes) rather than "unable to upgrade connection"."""

from __future__ import annotations

import pytest

from tests.integration.streaming.conftest import POD, Cluster

SPDY = {"KUBECTL_REMOTE_COMMAND_WEBSOCKETS": "false"}


@pytest.mark.parametrize("env", [{}, SPDY], ids=["websocket", "spdy"])
async def test_exec_of_a_missing_program_is_an_internal_error(cluster: Cluster, env) -> None:
    result = await cluster.kubectl("exec", POD, "--", "no-such-program-h34", env=env, check=False)
    assert result.returncode != 0
    assert "unable to upgrade connection" not in result.stderr
    assert result.stderr.startswith(
        "error: Internal error occurred: error executing command in container: "
    ), result.stderr
    assert "no-such-program-h34" in result.stderr


@pytest.mark.parametrize("env", [{}, SPDY], ids=["websocket", "spdy"])
async def test_attach_that_cannot_start_is_an_internal_error(cluster: Cluster, env) -> None:
    # The local test backend offers no attach: a start failure like any other.
    result = await cluster.kubectl("attach", POD, env=env, check=False)
    assert result.returncode != 0
    assert "unable to upgrade connection" not in result.stderr
    assert "error: Internal error occurred: error attaching to container: " in result.stderr
