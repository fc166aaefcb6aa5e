"""The sync loop: coalescing, rate limiting, periodic resync, readiness, health."""

import asyncio

import pytest

from pyk8s.client.clock import FakeClock
from pyk8s.proxy.model import NodeInfo
from pyk8s.proxy.proxier import Proxier, ProxyState
from pyk8s.proxy.ruleset import RuleSet
from tests.unit.proxy.builders import endpoint, endpoint_slice, port, service, slice_port


class RecordingApplier:
    def __init__(self) -> None:
        self.applied: list[str] = []
        self.full: list[bool] = []
        self.fail_next = False
        self.broken = False

    async def apply(self, desired: RuleSet, *, full: bool = False) -> None:
        if self.broken:
            raise RuntimeError("iptables-restore: Permission denied")
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("iptables-restore: line 3 failed")
        self.applied.append(desired.restore_text())
        self.full.append(full)


class State:
    def __init__(self) -> None:
        self.services = [service("web", "10.96.0.10", [port(80, "http")])]
        self.slices = [endpoint_slice("web", [endpoint("10.244.0.2")], [slice_port(80, "http")])]
        self.ready = True

    def snapshot(self) -> ProxyState | None:
        return ProxyState(self.services, self.slices, NodeInfo("node-a")) if self.ready else None


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


@pytest.fixture
async def running():
    clock, state, applier = FakeClock(), State(), RecordingApplier()
    proxier = Proxier(state.snapshot, applier, min_sync_period=1.0, sync_period=30.0, clock=clock)
    task = asyncio.create_task(proxier.run())
    await settle()
    yield proxier, clock, state, applier
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_syncs_at_once_on_start(running):
    proxier, _, _, applier = running
    assert len(applier.applied) == 1
    assert "10.244.0.2:80" in applier.applied[0]
    assert proxier.healthy()


async def test_changes_are_coalesced_and_rate_limited(running):
    proxier, clock, state, applier = running
    state.slices[0]["endpoints"].append(endpoint("10.244.0.3"))
    for _ in range(5):
        proxier.request_sync()
    await settle()
    assert len(applier.applied) == 1  # still inside min_sync_period
    clock.advance(1.0)
    await settle()
    assert len(applier.applied) == 2
    assert "10.244.0.3:80" in applier.applied[1]
    clock.advance(5.0)
    await settle()
    assert len(applier.applied) == 2  # nothing more was asked for


async def test_resyncs_every_sync_period_and_retries_failures(running):
    proxier, clock, _, applier = running
    applier.fail_next = True
    clock.advance(30.0)
    await settle()
    assert proxier.stats.failures == 1 and "line 3 failed" in proxier.stats.last_error
    clock.advance(30.0)
    await settle()
    assert len(applier.applied) == 2
    assert proxier.stats.last_error is None


async def test_nothing_is_applied_before_the_state_is_known():
    clock, state, applier = FakeClock(), State(), RecordingApplier()
    state.ready = False
    proxier = Proxier(state.snapshot, applier, clock=clock)
    assert not await proxier.sync()
    assert applier.applied == []


async def test_unhealthy_while_a_requested_sync_is_overdue(running):
    proxier, clock, _, applier = running
    applier.broken = True
    proxier.request_sync()
    clock.advance(1.0)
    await settle()
    assert proxier.healthy()  # failing, but not yet for long
    for _ in range(2):
        clock.advance(30.0)
        await settle()
    assert proxier.stats.failures == 3
    assert not proxier.healthy()
    applier.broken = False
    clock.advance(30.0)
    await settle()
    assert proxier.healthy()


async def test_only_the_first_sync_and_the_one_after_a_failure_are_full(running):
    proxier, clock, _, applier = running
    for _ in range(2):
        proxier.request_sync()
        clock.advance(1.0)
        await settle()
    applier.fail_next = True
    clock.advance(30.0)
    await settle()
    clock.advance(30.0)
    await settle()
    assert applier.full == [True, False, False, True]
    clock.advance(3600.0)
    await settle()
    assert applier.full[-1] is True  # and one every full_sync_period
