"""kubectl logs through the API server to the kubelet's /containerLogs."""

from __future__ import annotations

import asyncio
import subprocess
import time

import aiohttp

from pyk8s.kubelet.logs import CRILogWriter
from tests.integration.streaming.conftest import CONTAINER, POD, Cluster, stop_process

NS = "default"
HOUR_NS = 3600 * 1_000_000_000


async def test_logs_prints_the_containers_output(cluster: Cluster) -> None:
    cluster.backend.write_log(NS, POD, CONTAINER, ["one", "two", "three"])
    result = await cluster.kubectl("logs", POD)
    assert result.stdout == "one\ntwo\nthree\n"


async def test_logs_tail_keeps_the_last_lines(cluster: Cluster) -> None:
    cluster.backend.write_log(NS, POD, CONTAINER, [f"line {n}" for n in range(10)])
    result = await cluster.kubectl("logs", POD, "--tail=2")
    assert result.stdout == "line 8\nline 9\n"


async def test_logs_since_drops_older_lines(cluster: Cluster) -> None:
    two_hours_ago = time.time_ns() - 2 * HOUR_NS
    cluster.backend.write_log(NS, POD, CONTAINER, ["old"], clock_ns=lambda: two_hours_ago)
    cluster.backend.write_log(NS, POD, CONTAINER, ["new"])
    result = await cluster.kubectl("logs", POD, "--since=1h")
    assert result.stdout == "new\n"


async def test_logs_timestamps_prefix_each_line(cluster: Cluster) -> None:
    cluster.backend.write_log(
        NS, POD, CONTAINER, ["stamped"], clock_ns=lambda: 1_700_000_000 * 10**9
    )
    result = await cluster.kubectl("logs", POD, "--timestamps")
    assert result.stdout == "2023-11-14T22:13:20.000000000Z stamped\n"


async def test_logs_previous_reads_the_last_run(cluster: Cluster) -> None:
    missing = await cluster.kubectl("logs", POD, "--previous", check=False)
    assert missing.returncode == 1
    assert 'previous terminated container "app" in pod "web" not found' in missing.stderr
    cluster.backend.write_log(NS, POD, CONTAINER, ["first run"])
    cluster.backend.restart(NS, POD, CONTAINER)
    cluster.backend.write_log(NS, POD, CONTAINER, ["second run"])
    assert (await cluster.kubectl("logs", POD, "--previous")).stdout == "first run\n"
    assert (await cluster.kubectl("logs", POD)).stdout == "second run\n"


async def test_logs_follow_streams_new_lines(cluster: Cluster) -> None:
    cluster.backend.write_log(NS, POD, CONTAINER, ["before"])
    process = cluster.popen("logs", "-f", POD, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)  # fmt: skip
    try:
        assert process.stdout is not None
        first = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), 20)
        assert first == "before\n"
        writer = CRILogWriter(cluster.backend.log_path(NS, POD, CONTAINER))
        writer.write("stdout", b"after\n")
        writer.close()
        second = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), 20)
        assert second == "after\n"
        assert process.poll() is None  # still following
    finally:
        stop_process(process)
        process.communicate(timeout=5)


async def test_logs_of_an_unknown_container_is_an_error(cluster: Cluster) -> None:
    result = await cluster.kubectl("logs", POD, "-c", "nope", check=False)
    assert result.returncode == 1
    assert "container nope is not valid for pod web" in result.stderr


async def test_log_options_are_checked_by_the_server(cluster: Cluster) -> None:
    path = f"/api/v1/namespaces/{NS}/pods/{POD}/log?tailLines=abc"
    async with (
        aiohttp.ClientSession(base_url=cluster.apiserver.http_url) as http,
        http.get(path) as answer,
    ):
        status = await answer.json()
    assert answer.status == 400
    assert status["reason"] == "BadRequest" and "tailLines" in status["message"]


async def test_logs_of_a_pod_without_a_node_is_a_bad_request(cluster: Cluster) -> None:
    pod = {"metadata": {"name": "pending"}, "spec": {"containers": [{"name": "c", "image": "x"}]}}
    async with (
        aiohttp.ClientSession(base_url=cluster.apiserver.http_url) as http,
        http.post(f"/api/v1/namespaces/{NS}/pods", json=pod) as answer,
    ):
        assert answer.status == 201
    result = await cluster.kubectl("logs", "pending", check=False)
    assert result.returncode == 1
    assert "pod pending does not have a host assigned" in result.stderr


async def test_node_proxy_reaches_the_kubelet_api(cluster: Cluster) -> None:
    healthz = await cluster.kubectl("get", "--raw", "/api/v1/nodes/node1/proxy/healthz")
    assert healthz.stdout == "ok"
    pods = await cluster.kubectl("get", "--raw", "/api/v1/nodes/node1/proxy/pods")
    assert '"name":"web"' in pods.stdout
