"""Leader election on a fake clock against an in-memory Lease: a lease held by someone else
is respected for a full lease duration of *our* clock (whatever its timestamps say), and a
leader that cannot renew steps down within the renew deadline."""

from __future__ import annotations

import asyncio

import orjson

from pyk8s.api import errors
from pyk8s.client.clock import FakeClock
from pyk8s.client.config import ClientConfig
from pyk8s.client.fake import FakeResponse, FakeTransport
from pyk8s.client.leaderelection import LeaderElectionConfig, LeaderElector
from pyk8s.client.rest import Client
from pyk8s.client.transport import HTTPRequest


class LeaseServer:
    """One Lease with optimistic concurrency; `refuse_writes` plays a lost connection."""

    def __init__(self, spec: dict | None = None) -> None:
        self.version = 1
        self.lease = None if spec is None else self._stored(spec)
        self.refuse_writes = False

    def _stored(self, spec: dict) -> dict:
        self.version += 1
        return {
            "metadata": {"name": "l", "namespace": "ns", "resourceVersion": str(self.version)},
            "spec": spec,
        }

    def __call__(self, request: HTTPRequest) -> FakeResponse:
        if request.method == "GET":
            if self.lease is None:
                return FakeResponse.json(404, errors.NotFound.of("leases", "l").to_status())
            return FakeResponse.json(200, self.lease)
        if self.refuse_writes:
            return FakeResponse.json(409, errors.Conflict.of("leases", "l").to_status())
        body = orjson.loads(request.body or b"{}")
        if request.method == "PUT" and body["metadata"]["resourceVersion"] != str(self.version):
            return FakeResponse.json(409, errors.Conflict.of("leases", "l").to_status())
        self.lease = self._stored(body["spec"])
        return FakeResponse.json(200, self.lease)


def make_elector(server: LeaseServer) -> tuple[LeaderElector, FakeClock, list[str]]:
    clock = FakeClock()
    client = Client(
        ClientConfig(server="http://fake", qps=1000, burst=1000),
        transport=FakeTransport(server),
        clock=clock,
    )
    happened: list[str] = []

    async def lead() -> None:
        happened.append("started")
        await asyncio.Event().wait()

    elector = LeaderElector(
        client,
        LeaderElectionConfig("ns", "l", "me"),
        on_started_leading=lead,
        on_stopped_leading=lambda: happened.append("stopped"),
        clock=clock,
    )
    return elector, clock, happened


async def run_clock(clock: FakeClock, until: float) -> None:
    while clock.monotonic() < until:
        for _ in range(10):
            await asyncio.sleep(0)
        clock.advance(0.1)


async def test_a_held_lease_is_taken_only_after_a_full_duration_of_our_own_clock():
    # The holder's timestamps are from long ago (a clock far behind ours): irrelevant.
    old = "2000-01-01T00:00:00.000000Z"
    server = LeaseServer(
        {
            "holderIdentity": "other",
            "leaseDurationSeconds": 15,
            "acquireTime": old,
            "renewTime": old,
            "leaseTransitions": 4,
        }
    )
    elector, clock, happened = make_elector(server)
    task = asyncio.create_task(elector.run())
    await run_clock(clock, 14.9)
    assert happened == [] and server.lease["spec"]["holderIdentity"] == "other"
    await run_clock(clock, 15 + 2.4 + 0.2)
    assert happened == ["started"]
    assert server.lease["spec"]["holderIdentity"] == "me"
    assert server.lease["spec"]["leaseTransitions"] == 5
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert happened == ["started", "stopped"]
    assert server.lease["spec"].get("holderIdentity") is None, "released on a graceful stop"


async def test_a_leader_that_cannot_renew_steps_down_within_the_renew_deadline():
    server = LeaseServer()
    elector, clock, happened = make_elector(server)
    task = asyncio.create_task(elector.run())
    await run_clock(clock, 0.5)
    assert happened == ["started"] and elector.is_leader()
    server.refuse_writes = True
    lost_at = clock.monotonic()
    while not task.done():
        await run_clock(clock, clock.monotonic() + 0.1)
        assert clock.monotonic() - lost_at < 10 + 2 + 0.5, "held on past the renew deadline"
    assert happened == ["started", "stopped"]
    assert clock.monotonic() - lost_at >= 10 - 2, "gave up before the renew deadline"
