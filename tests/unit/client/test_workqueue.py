"""The work queue's guarantees, on a fake clock: de-duplication, one worker per key,
delays, per-key exponential backoff, the overall retry bucket, and shutdown."""

from __future__ import annotations

import asyncio

import pytest

from pyk8s.client.clock import FakeClock
from pyk8s.client.ratelimit import ItemExponentialFailureRateLimiter
from pyk8s.client.workqueue import ShutDown, WorkQueue, run_worker


def make_queue(**kwargs) -> tuple[WorkQueue[str], FakeClock]:
    clock = FakeClock()
    return WorkQueue("test", clock=clock, **kwargs), clock


async def take(queue: WorkQueue[str]) -> str:
    return await asyncio.wait_for(queue.get(), 1)


async def test_a_key_added_twice_while_waiting_is_processed_once():
    queue, _ = make_queue()
    for key in ("a", "b", "a", "a"):
        queue.add(key)
    assert len(queue) == 2
    assert [await take(queue), await take(queue)] == ["a", "b"]


async def test_a_key_re_added_while_processing_comes_back_only_after_done():
    queue, _ = make_queue()
    queue.add("a")
    key = await take(queue)
    queue.add("a")
    queue.add("a")
    assert len(queue) == 0, "a second worker must not get a key that is being processed"
    queue.done(key)
    assert len(queue) == 1
    assert await take(queue) == "a"
    queue.done("a")
    assert len(queue) == 0


async def test_add_after_waits_for_the_clock_and_keeps_the_earliest_time():
    queue, clock = make_queue()
    queue.add_after("a", 10)
    queue.add_after("a", 3)
    queue.add_after("a", 7)
    clock.advance(2.999)
    assert len(queue) == 0
    clock.advance(0.001)
    assert len(queue) == 1
    clock.advance(10)
    assert len(queue) == 1, "superseded delays must not add the key again"


async def test_a_waiting_worker_wakes_when_a_delay_ends():
    queue, clock = make_queue()
    worker = asyncio.create_task(queue.get())
    queue.add_after("late", 5)
    await asyncio.sleep(0)
    assert not worker.done()
    clock.advance(5)
    assert await asyncio.wait_for(worker, 1) == "late"


async def test_retries_back_off_exponentially_per_key_until_forgotten():
    queue, clock = make_queue(rate_limiter=ItemExponentialFailureRateLimiter(0.005, 1000))
    for expected in (0.005, 0.01, 0.02, 0.04):
        queue.add_rate_limited("a")
        clock.advance(expected * 0.9)
        assert len(queue) == 0
        clock.advance(expected * 0.2)
        assert len(queue) == 1
        queue.done(await take(queue))
    assert queue.num_requeues("a") == 4
    queue.forget("a")
    assert queue.num_requeues("a") == 0


def test_exponential_backoff_is_capped_at_1000_seconds():
    limiter = ItemExponentialFailureRateLimiter(0.005, 1000)
    delays = [limiter.when("k") for _ in range(30)]
    assert delays[17] == pytest.approx(0.005 * 2**17)
    assert delays[-1] == 1000
    assert limiter.when("other") == 0.005, "backoff is per key"


async def test_default_limiter_also_caps_retries_overall_at_10_per_second():
    queue, clock = make_queue()
    for n in range(100):
        queue.add_rate_limited(f"key{n}")  # each key's first failure: 5 ms, within the burst
    queue.add_rate_limited("key100")  # the 101st retry overall waits for the bucket
    clock.advance(0.005)
    assert len(queue) == 100
    clock.advance(0.1)
    assert len(queue) == 101


async def test_shutdown_hands_out_what_is_queued_then_raises():
    queue, _ = make_queue()
    queue.add("a")
    queue.add_after("later", 1)
    queue.shut_down()
    queue.add("ignored")
    assert await take(queue) == "a"
    with pytest.raises(ShutDown):
        await take(queue)


async def test_shutdown_with_drain_waits_for_work_in_progress():
    queue, _ = make_queue()
    queue.add("a")
    key = await take(queue)
    drain = asyncio.create_task(queue.shut_down_with_drain())
    await asyncio.sleep(0.01)
    assert not drain.done()
    queue.done(key)
    await asyncio.wait_for(drain, 1)


async def test_worker_retries_a_failing_key_with_backoff_and_forgets_it_on_success():
    queue, clock = make_queue()
    attempts: list[str] = []

    async def reconcile(key: str) -> None:
        attempts.append(key)
        if len(attempts) < 3:
            raise RuntimeError("not yet")

    worker = asyncio.create_task(run_worker(queue, reconcile))
    queue.add("k")
    for _ in range(50):
        await asyncio.sleep(0)
        if len(attempts) == 3:
            break
        if clock.next_deadline() is not None:
            clock.advance(clock.next_deadline())
    assert attempts == ["k", "k", "k"]
    assert queue.num_requeues("k") == 0
    queue.shut_down()
    await asyncio.wait_for(worker, 1)
