"""/healthz as the controller manager and scheduler serve it: over HTTPS with a self-signed
pair, "ok" while every check passes, a 500 listing the failed check otherwise."""

from __future__ import annotations

import socket
import ssl
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest

from pyk8s.client.healthz import self_signed_context, serve_healthz


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
async def serve(tmp_path: Path) -> AsyncIterator[Callable]:
    runners = []
    cert_dir = tmp_path / "certs"

    async def start(checks=None) -> tuple[str, ssl.SSLContext]:
        port = free_port()
        runner = await serve_healthz(
            "127.0.0.1", port, self_signed_context(str(cert_dir), "kube-test"), checks
        )
        runners.append(runner)
        trust = ssl.create_default_context(cafile=str(cert_dir / "kube-test.crt"))
        return f"https://127.0.0.1:{port}", trust

    yield start
    for runner in runners:
        await runner.cleanup()


async def get(url: str, trust: ssl.SSLContext) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(url, ssl=trust) as response:
        return response.status, await response.text()


async def test_healthy_answers_ok_over_verified_tls(serve) -> None:
    base, trust = await serve()
    assert await get(f"{base}/healthz", trust) == (200, "ok")


async def test_verbose_lists_every_check(serve) -> None:
    base, trust = await serve({"leaderElection": lambda: True})
    status, body = await get(f"{base}/healthz?verbose", trust)
    assert status == 200
    assert body == "[+]ping ok\n[+]leaderElection ok\nhealthz check passed\n"


async def test_a_failing_check_is_a_500_that_withholds_the_reason(serve) -> None:
    def broken() -> bool:
        raise RuntimeError("secret detail")

    base, trust = await serve({"leaderElection": lambda: False, "informers": broken})
    status, body = await get(f"{base}/healthz", trust)
    assert status == 500
    assert body == (
        "[+]ping ok\n[-]leaderElection failed: reason withheld\n"
        "[-]informers failed: reason withheld\nhealthz check failed\n"
    )


async def test_one_check_alone_and_an_unknown_one(serve) -> None:
    base, trust = await serve({"leaderElection": lambda: False})
    assert await get(f"{base}/healthz/ping", trust) == (200, "ok")
    assert (await get(f"{base}/healthz/leaderElection", trust))[0] == 500
    assert (await get(f"{base}/healthz/nothing", trust))[0] == 404


def test_the_pair_in_a_cert_dir_is_made_once_and_reused(tmp_path: Path) -> None:
    self_signed_context(str(tmp_path), "kube-scheduler")
    cert = (tmp_path / "kube-scheduler.crt").read_bytes()
    assert (tmp_path / "kube-scheduler.key").stat().st_mode & 0o077 == 0
    self_signed_context(str(tmp_path), "kube-scheduler")
    assert (tmp_path / "kube-scheduler.crt").read_bytes() == cert


async def test_port_zero_serves_nothing() -> None:
    runner = await serve_healthz("127.0.0.1", 0, None)
    try:
        assert runner.addresses == []
    finally:
        await runner.cleanup()
