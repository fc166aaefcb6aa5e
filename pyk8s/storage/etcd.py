"""The Store on a real etcd v3 cluster: a thin client over etcd's gRPC API.

etcd already has the Store's model (one revision counter, mod revisions, history, watches), so
each Store call is one etcd request:

    get / range          KV.Range (a range that continues from a key is a two-range Txn,
                         so that `count` still covers the whole prefix)
    create               KV.Txn  if mod_revision(key) == 0          then Put    else Range
    update               KV.Txn  if mod_revision(key) == expected   then Put    else Range
    delete               KV.Txn  if mod_revision(key) == expected   then Delete else Range
    watch                one shared Watch stream (etcd_watch.py), with prev_kv
    compact              KV.Compact

The `else Range` branch returns what is there now, so a failed compare-and-swap answers the
caller's next question (ConflictError.current) without a second request.

Talking to several members (etcd_members.py) means a write can be sent twice: the member that
got it may die before answering. A write is never blindly repeated as if the first attempt had
failed; when the first attempt's outcome is unknown, the store looks at the result:

- create: if the key now holds exactly our value and was never written since it was created,
  that is our create, so it succeeds instead of raising a false KeyExistsError;
- update: if the key (same incarnation) holds exactly our value at a newer revision, that is
  our update (or one that left the key in the same state);
- delete: if the key is gone, the key's history (a watch from the expected revision) shows
  whether the version we meant to delete was deleted or first changed by someone else.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import grpc

from pyk8s.storage.etcd_members import Member, Members, Reply, TLSFiles
from pyk8s.storage.etcd_watch import WatchStream
from pyk8s.storage.etcdpb import kv_pb2
from pyk8s.storage.etcdpb import rpc_pb2 as pb
from pyk8s.storage.interface import (
    DEFAULT_PREFIX,
    CompactedError,
    ConflictError,
    Event,
    EventType,
    FutureRevisionError,
    KeyExistsError,
    KeyNotFoundError,
    KeyValue,
    RangeResult,
    StoreError,
    StoreUnavailableError,
)

T = TypeVar("T")
MOD = pb.Compare.CompareTarget.MOD
EQUAL = pb.Compare.CompareResult.EQUAL


def prefix_end(prefix: bytes) -> bytes:
    """The first key after every key that starts with `prefix` (etcd's range_end for a prefix)."""
    end = bytearray(prefix)
    while end and end[-1] == 0xFF:
        end.pop()
    if not end:
        return b"\0"  # every key from `prefix` on
    end[-1] += 1
    return bytes(end)


def _txn(key: bytes, expected_mod_revision: int, then: pb.RequestOp) -> pb.TxnRequest:
    """If the key's mod revision is `expected_mod_revision` do `then`, else read the key."""
    return pb.TxnRequest(
        compare=[pb.Compare(key=key, target=MOD, result=EQUAL, mod_revision=expected_mod_revision)],
        success=[then],
        failure=[pb.RequestOp(request_range=pb.RangeRequest(key=key))],
    )


class EtcdStore:
    def __init__(self, members: Members, prefix: str = DEFAULT_PREFIX) -> None:
        self._members = members
        self._prefix = prefix.rstrip("/")
        self._strip = len(self._prefix.encode())
        self._watches = WatchStream(members)
        # The newest store revision any response has shown this client: its idea of "now".
        self._seen_revision = 0

    @classmethod
    async def connect(
        cls,
        endpoints: list[str],
        *,
        prefix: str = DEFAULT_PREFIX,
        cafile: str | None = None,
        certfile: str | None = None,
        keyfile: str | None = None,
        request_timeout: float = 10.0,
        failover_timeout: float = 20.0,
    ) -> EtcdStore:
        """Open channels to every endpoint and check that at least one member answers.
        Raises StoreUnavailableError (with the reason, e.g. a TLS failure) when none does."""
        members = Members.open(
            endpoints,
            TLSFiles(cafile, certfile, keyfile),
            request_timeout=request_timeout,
            failover_timeout=failover_timeout,
        )
        store = cls(members, prefix)
        try:
            status = await members.call(
                lambda m: m.maintenance.Status(pb.StatusRequest(), timeout=request_timeout),
                write=False,
            )
        except BaseException:
            await members.close()
            raise
        store._saw(status.response.header.revision)
        return store

    # -- reads --------------------------------------------------------------------------------

    async def get(self, key: str, *, revision: int = 0) -> KeyValue | None:
        request = pb.RangeRequest(key=self._key(key), revision=revision)
        response = await self._read(lambda m: m.kv.Range(request, timeout=self._timeout), revision)
        return self._kv(response.kvs[0]) if response.kvs else None

    async def range(
        self, prefix: str, *, limit: int = 0, start_key: str | None = None, revision: int = 0
    ) -> RangeResult:
        begin = self._key(prefix)
        end = prefix_end(begin)
        first = self._key(start_key) if start_key is not None else begin
        page = pb.RangeRequest(key=max(first, begin), range_end=end, limit=limit, revision=revision)
        if first <= begin:
            response = await self._read(lambda m: m.kv.Range(page, timeout=self._timeout), revision)
            count, header = response.count, response.header
        else:
            # etcd counts only [first, end); the whole prefix is counted in the same Txn, so
            # both numbers come from the same revision.
            whole = pb.RangeRequest(key=begin, range_end=end, count_only=True, revision=revision)
            txn = pb.TxnRequest(
                success=[pb.RequestOp(request_range=page), pb.RequestOp(request_range=whole)]
            )
            both = await self._read(lambda m: m.kv.Txn(txn, timeout=self._timeout), revision)
            response = both.responses[0].response_range
            count, header = both.responses[1].response_range.count, both.header
        strip = self._strip  # inlined _kv: a list of 10 000 objects is a hot path
        return RangeResult(
            kvs=[
                KeyValue(kv.key[strip:].decode(), kv.value, kv.create_revision, kv.mod_revision)
                for kv in response.kvs
            ],
            more=response.more,
            count=count,
            revision=revision or header.revision,
        )

    async def current_revision(self) -> int:
        request = pb.RangeRequest(key=self._prefix.encode(), count_only=True)
        response = await self._read(lambda m: m.kv.Range(request, timeout=self._timeout), 0)
        return response.header.revision

    # -- writes -------------------------------------------------------------------------------

    async def create(self, key: str, value: bytes) -> int:
        absolute = self._key(key)
        put = pb.RequestOp(request_put=pb.PutRequest(key=absolute, value=value))
        reply = await self._write(_txn(absolute, 0, put))
        if reply.response.succeeded:
            return reply.response.header.revision
        current = self._current(reply.response)
        if (
            reply.maybe_applied
            and current is not None
            and current.value == value
            and current.create_revision == current.mod_revision
        ):
            return current.mod_revision  # our own create; only its answer was lost
        raise KeyExistsError(key)

    async def update(self, key: str, value: bytes, expected_mod_revision: int) -> int:
        if expected_mod_revision <= 0:
            # mod_revision 0 would match an absent key and turn the update into a create.
            raise ConflictError(key, expected_mod_revision, await self.get(key))
        absolute = self._key(key)
        put = pb.RequestOp(request_put=pb.PutRequest(key=absolute, value=value))
        reply = await self._write(_txn(absolute, expected_mod_revision, put))
        if reply.response.succeeded:
            return reply.response.header.revision
        current = self._current(reply.response)
        if (
            reply.maybe_applied
            and current is not None
            and current.value == value
            and current.create_revision <= expected_mod_revision < current.mod_revision
        ):
            return current.mod_revision  # our own update; only its answer was lost
        raise ConflictError(key, expected_mod_revision, current)

    async def delete(self, key: str, expected_mod_revision: int = 0) -> tuple[int, KeyValue]:
        if expected_mod_revision == 0:
            return await self._delete_whatever_is_there(key)
        remove = pb.DeleteRangeRequest(key=self._key(key), prev_kv=True)
        txn = _txn(self._key(key), expected_mod_revision, pb.RequestOp(request_delete_range=remove))
        reply = await self._write(txn)
        if reply.response.succeeded:
            deleted = reply.response.responses[0].response_delete_range.prev_kvs
            return reply.response.header.revision, self._kv(deleted[0])
        current = self._current(reply.response)
        if current is None and reply.maybe_applied:
            return await self._find_lost_delete(key, expected_mod_revision)
        if current is None:
            raise KeyNotFoundError(key)
        raise ConflictError(key, expected_mod_revision, current)

    async def _delete_whatever_is_there(self, key: str) -> tuple[int, KeyValue]:
        # Always delete a known version, so that a retried delete can be checked (see above).
        while True:
            current = await self.get(key)
            if current is None:
                raise KeyNotFoundError(key)
            try:
                return await self.delete(key, current.mod_revision)
            except ConflictError:
                continue

    async def _find_lost_delete(self, key: str, expected_mod_revision: int) -> tuple[int, KeyValue]:
        """The key is gone after a delete whose answer was lost: the key's first change after
        `expected_mod_revision` says whether that version was deleted (our delete, or one
        with the same effect) or first overwritten (our compare-and-swap could not apply)."""
        subscription = await self._watches.subscribe(self._key(key), b"", expected_mod_revision + 1)
        try:
            first = await asyncio.wait_for(subscription.queue.get(), self._timeout)
        except TimeoutError:
            first = StoreUnavailableError("no watch answer")
        finally:
            await self._watches.unsubscribe(subscription)
        if isinstance(first, StoreError):
            raise StoreUnavailableError(f"cannot tell whether the delete of {key} applied: {first}")
        if first.type == kv_pb2.Event.DELETE:
            return first.kv.mod_revision, self._kv(first.prev_kv)
        raise ConflictError(key, expected_mod_revision, await self.get(key))

    async def compact(self, revision: int) -> None:
        request = pb.CompactionRequest(revision=revision)
        # Already compacted at or past `revision` means there is nothing left to do.
        with contextlib.suppress(CompactedError):
            await self._read(lambda m: m.kv.Compact(request, timeout=self._timeout), revision)

    # -- watch --------------------------------------------------------------------------------

    def watch(self, prefix: str, start_revision: int = 0) -> AsyncIterator[Event]:
        # "From now on" is pinned here, when watch() is called, to one past the newest revision
        # this client has seen: a caller that writes right after calling watch() sees its own
        # write, and a watch moved to another member after a failure resumes from a revision,
        # never from that member's idea of "now".
        if start_revision <= 0:
            start_revision = self._seen_revision + 1
        return self._watch(self._key(prefix), start_revision)

    async def _watch(self, begin: bytes, start_revision: int) -> AsyncIterator[Event]:
        subscription = await self._watches.subscribe(begin, prefix_end(begin), start_revision)
        try:
            while True:
                item = await subscription.queue.get()
                if isinstance(item, StoreError):
                    raise item
                self._saw(item.kv.mod_revision)
                yield self._event(item)
        finally:
            await self._watches.unsubscribe(subscription)

    async def close(self) -> None:
        await self._watches.close()
        await self._members.close()

    @property
    def endpoint(self) -> str:
        """The URL of the member requests go to now (it changes on fail-over)."""
        return self._members.current.url

    # -- plumbing -----------------------------------------------------------------------------

    @property
    def _timeout(self) -> float:
        return self._members.request_timeout

    def _key(self, key: str) -> bytes:
        return (self._prefix + key).encode()

    def _kv(self, kv: kv_pb2.KeyValue) -> KeyValue:
        return KeyValue(
            key=kv.key[self._strip :].decode(),
            value=kv.value,
            create_revision=kv.create_revision,
            mod_revision=kv.mod_revision,
        )

    def _event(self, event: kv_pb2.Event) -> Event:
        previous = self._kv(event.prev_kv) if event.HasField("prev_kv") else None
        if event.type == kv_pb2.Event.DELETE:
            return Event(EventType.DELETE, self._kv(event.kv), previous)
        return Event(EventType.PUT, self._kv(event.kv), previous)

    def _current(self, failed: pb.TxnResponse) -> KeyValue | None:
        kvs = failed.responses[0].response_range.kvs
        return self._kv(kvs[0]) if kvs else None

    async def _read(self, send: Callable[[Member], Awaitable[T]], revision: int) -> T:
        try:
            response = (await self._members.call(send, write=False)).response
        except grpc.aio.AioRpcError as error:
            raise await self._translate(error, revision) from error
        self._saw(response.header.revision)  # type: ignore[attr-defined]
        return response

    async def _write(self, txn: pb.TxnRequest) -> Reply[pb.TxnResponse]:
        try:
            reply = await self._members.call(
                lambda m: m.kv.Txn(txn, timeout=self._timeout), write=True
            )
        except grpc.aio.AioRpcError as error:
            raise await self._translate(error, 0) from error
        self._saw(reply.response.header.revision)
        return reply

    def _saw(self, revision: int) -> None:
        self._seen_revision = max(self._seen_revision, revision)

    async def _translate(self, error: grpc.aio.AioRpcError, revision: int) -> StoreError:
        details = error.details() or ""
        if "required revision has been compacted" in details:
            return CompactedError(revision, await self._oldest_revision())
        if "required revision is a future revision" in details:
            return FutureRevisionError(revision, await self.current_revision())
        return StoreError(f"etcd refused the request: {error.code().name}: {details}")

    async def _oldest_revision(self) -> int:
        # etcd's compaction error does not say where history now starts, but a watch from
        # revision 1 is canceled with exactly that number.
        subscription = await self._watches.subscribe(self._prefix.encode(), b"", 1)
        try:
            first = await asyncio.wait_for(subscription.queue.get(), self._timeout)
        finally:
            await self._watches.unsubscribe(subscription)
        return first.compact_revision if isinstance(first, CompactedError) else 1
