"""All of a store's watches on one gRPC Watch stream, surviving the loss of an etcd member.

etcd's Watch RPC is a bidirectional stream that carries any number of watches, each named by a
`watch_id` that we choose (etcd 3.4+). One stream per store is what the Go client does too: a
thousand watches cost one HTTP/2 stream, not a thousand.

What a subscriber is promised:

- every event in its key range from its start revision on, in order, each exactly once;
- when the member serving the stream dies, the stream is reopened on the next member and every
  watch is re-created from `next_revision` (one past the last event it was given), so nothing
  is lost; an event that etcd sends twice around the switch is dropped by revision;
- a subscriber that falls more than `capacity` events behind is cut off with WatchLagError,
  after it has been given every event queued before the cut;
- a watch whose start revision is compacted ends with CompactedError; when no member has
  answered for `failover_timeout` seconds, every watch ends with StoreUnavailableError.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools

import grpc

from pyk8s.storage.etcd_members import Members, is_member_failure
from pyk8s.storage.etcdpb import kv_pb2
from pyk8s.storage.etcdpb import rpc_pb2 as pb
from pyk8s.storage.interface import (
    CompactedError,
    StoreError,
    StoreUnavailableError,
    WatchLagError,
)

DEFAULT_CAPACITY = 10_000


class Subscription:
    """One watch: its key range, where it has got to, and the queue its consumer reads."""

    def __init__(self, watch_id: int, key: bytes, range_end: bytes, start_revision: int) -> None:
        self.watch_id = watch_id
        self.key = key
        self.range_end = range_end
        # The revision of the next event this watch still needs; where a re-created watch starts.
        self.next_revision = start_revision
        # etcd events, then possibly one StoreError that ends the watch.
        self.queue: asyncio.Queue[kv_pb2.Event | StoreError] = asyncio.Queue()

    def create_request(self) -> pb.WatchRequest:
        return pb.WatchRequest(
            create_request=pb.WatchCreateRequest(
                key=self.key,
                range_end=self.range_end,
                start_revision=self.next_revision,
                prev_kv=True,
                watch_id=self.watch_id,
            )
        )


class WatchStream:
    def __init__(self, members: Members, *, capacity: int = DEFAULT_CAPACITY) -> None:
        self._members = members
        self._capacity = capacity
        self._subscriptions: dict[int, Subscription] = {}
        self._ids = itertools.count(1)
        self._call: grpc.aio.StreamStreamCall | None = None
        # gRPC allows one write at a time on a stream.
        self._write_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._cancels: set[asyncio.Task[None]] = set()

    async def subscribe(self, key: bytes, range_end: bytes, start_revision: int) -> Subscription:
        subscription = Subscription(next(self._ids), key, range_end, start_revision)
        # Under the lock, so that the watch is created exactly once: here if the stream is up,
        # otherwise by _run when it (re)opens the stream.
        async with self._write_lock:
            self._subscriptions[subscription.watch_id] = subscription
            await self._write_unlocked(subscription.create_request())
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="etcd-watch-stream")
        return subscription

    async def unsubscribe(self, subscription: Subscription) -> None:
        if self._subscriptions.pop(subscription.watch_id, None) is not None:
            await self._send_cancel(subscription.watch_id)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._end_all(StoreUnavailableError("the store was closed"))

    async def _run(self) -> None:
        """Keep one stream open to some member and feed every subscription from it."""
        loop = asyncio.get_running_loop()
        failing_since: float | None = None
        pause = 0.05
        while self._subscriptions:
            member = self._members.current
            call = member.watch.Watch()
            try:
                async with self._write_lock:
                    self._call = call
                    for subscription in list(self._subscriptions.values()):
                        await call.write(subscription.create_request())
                while (response := await call.read()) is not grpc.aio.EOF:
                    failing_since, pause = None, 0.05
                    self._dispatch(response)
                error_text = f"etcd member {member.url} closed the watch stream"
            except grpc.aio.AioRpcError as error:
                if not is_member_failure(error):
                    self._end_all(StoreUnavailableError(f"etcd watch failed: {error.details()}"))
                    return
                error_text = f"etcd member {member.url}: {error.details()}"
            finally:
                self._call = None
                call.cancel()
            self._members.give_up_on(member)
            failing_since = failing_since or loop.time()
            if loop.time() - failing_since > self._members.failover_timeout:
                self._end_all(StoreUnavailableError(f"no etcd member answered: {error_text}"))
                return
            await asyncio.sleep(pause)
            pause = min(pause * 2, 1.0)

    def _dispatch(self, response: pb.WatchResponse) -> None:
        subscription = self._subscriptions.get(response.watch_id)
        if subscription is None:
            return  # a watch we already ended; etcd has not seen our cancel yet
        if response.canceled:
            if response.compact_revision:
                error: StoreError = CompactedError(
                    subscription.next_revision, response.compact_revision
                )
            else:
                error = StoreUnavailableError(f"etcd ended the watch: {response.cancel_reason}")
            self._end(subscription, error)
            return
        # Compare with the position before this response: one revision may hold several events.
        already_delivered_below = subscription.next_revision
        for event in response.events:
            revision = event.kv.mod_revision
            if revision < already_delivered_below:
                continue
            if subscription.queue.qsize() >= self._capacity:
                self._end(subscription, WatchLagError(subscription.next_revision))
                self._cancel_later(subscription.watch_id)
                return
            subscription.queue.put_nowait(event)
            subscription.next_revision = revision + 1

    def _end(self, subscription: Subscription, error: StoreError) -> None:
        self._subscriptions.pop(subscription.watch_id, None)
        subscription.queue.put_nowait(error)

    def _end_all(self, error: StoreError) -> None:
        for subscription in list(self._subscriptions.values()):
            self._end(subscription, error)

    def _cancel_later(self, watch_id: int) -> None:
        task = asyncio.create_task(self._send_cancel(watch_id))
        self._cancels.add(task)
        task.add_done_callback(self._cancels.discard)

    async def _send_cancel(self, watch_id: int) -> None:
        await self._write(pb.WatchRequest(cancel_request=pb.WatchCancelRequest(watch_id=watch_id)))

    async def _write(self, request: pb.WatchRequest) -> None:
        async with self._write_lock:
            await self._write_unlocked(request)

    async def _write_unlocked(self, request: pb.WatchRequest) -> None:
        if self._call is None:
            return
        # A write to a stream that just broke fails or vanishes; either way _run notices the
        # break and re-creates every live watch, so the error is not the writer's concern.
        with contextlib.suppress(grpc.aio.AioRpcError, grpc.aio.UsageError, RuntimeError):
            await self._call.write(request)
