"""The etcd members a store talks to: one gRPC channel per member, and fail-over between them.

An etcd cluster answers the same on every member (reads are linearizable by default and
writes are forwarded to the leader), so the client can talk to any one member and move to the
next when that one stops answering. `Members.call` does exactly that:

- it sends the request to the *current* member;
- if the member is unreachable (gRPC UNAVAILABLE, or no answer within the request timeout), it
  moves to the next member and sends the request again, going round the list with a growing
  pause until `failover_timeout` has passed; then it raises StoreUnavailableError;
- any other error (a compacted revision, a bad request) is the answer, and is raised as is.

A read can always be sent again. A write can too, but a write whose member died after
receiving it may already be applied, so `call` tells the caller whether an earlier attempt's
outcome is unknown (`Reply.maybe_applied`); the store then checks what is there (etcd.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar
from urllib.parse import urlsplit

import grpc

from pyk8s.storage.etcdpb import rpc_pb2_grpc as rpc
from pyk8s.storage.interface import StoreUnavailableError

T = TypeVar("T")

# Detect a member that died without closing its connections (power loss, network cut).
CHANNEL_OPTIONS = [
    ("grpc.keepalive_time_ms", 10_000),
    ("grpc.keepalive_timeout_ms", 5_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.max_pings_without_data", 0),
    # Large lists come back in one Range response; etcd itself limits what it sends.
    ("grpc.max_receive_message_length", -1),
    ("grpc.max_send_message_length", -1),
]

# Errors etcd returns before a request is proposed to raft: a write that got one was not applied.
NOT_PROPOSED_MESSAGES = ("etcdserver: no leader", "etcdserver: not capable")
# gRPC's own words for "could not connect": the request never left this process.
NOT_SENT_MESSAGES = ("failed to connect", "connection refused", "connect failed")
# How gRPC's TLS layer reports a handshake it could not complete.
TLS_WORDS = ("ssl", "tls", "handshake", "tsi_", "certificate")


@dataclass
class Member:
    """One etcd member: its URL, its channel and the stubs bound to that channel."""

    url: str
    channel: grpc.aio.Channel
    kv: rpc.KVStub
    watch: rpc.WatchStub
    maintenance: rpc.MaintenanceStub


@dataclass(frozen=True)
class TLSFiles:
    cafile: str | None = None
    certfile: str | None = None
    keyfile: str | None = None

    def credentials(self) -> grpc.ChannelCredentials:
        if bool(self.certfile) != bool(self.keyfile):
            raise ValueError("a client certificate needs both certfile and keyfile")
        read = Path.read_bytes
        return grpc.ssl_channel_credentials(
            root_certificates=read(Path(self.cafile)) if self.cafile else None,
            private_key=read(Path(self.keyfile)) if self.keyfile else None,
            certificate_chain=read(Path(self.certfile)) if self.certfile else None,
        )


def open_member(url: str, tls: TLSFiles) -> Member:
    """A channel to `url` ("http://host:port", "https://host:port" or "host:port").
    Connecting is lazy: nothing is sent until the first request."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme not in ("http", "https") or not parts.hostname or not parts.port:
        raise ValueError(f"not an etcd client URL: {url!r} (expected http(s)://host:port)")
    target = f"{parts.hostname}:{parts.port}"
    if parts.scheme == "https" or tls.cafile or tls.certfile:
        channel = grpc.aio.secure_channel(target, tls.credentials(), options=CHANNEL_OPTIONS)
    else:
        channel = grpc.aio.insecure_channel(target, options=CHANNEL_OPTIONS)
    return Member(
        url, channel, rpc.KVStub(channel), rpc.WatchStub(channel), rpc.MaintenanceStub(channel)
    )


def is_member_failure(error: grpc.aio.AioRpcError) -> bool:
    """True when the member (not the request) is the problem, so another member may answer."""
    return error.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


def surely_not_applied(error: grpc.aio.AioRpcError) -> bool:
    details = (error.details() or "").lower()
    return any(m in details for m in NOT_PROPOSED_MESSAGES + NOT_SENT_MESSAGES)


@dataclass(slots=True)
class Reply(Generic[T]):
    response: T
    # An earlier attempt of this same request failed in a way that leaves its outcome unknown.
    maybe_applied: bool


class Members:
    """Every member the store was given, and which one it is talking to now."""

    def __init__(
        self,
        members: list[Member],
        *,
        request_timeout: float = 10.0,
        failover_timeout: float = 20.0,
    ) -> None:
        if not members:
            raise ValueError("at least one etcd endpoint is needed")
        self.members = members
        self.request_timeout = request_timeout
        self.failover_timeout = failover_timeout
        self._current = 0

    @classmethod
    def open(cls, urls: list[str], tls: TLSFiles, **timeouts: float) -> Members:
        return cls([open_member(url, tls) for url in urls], **timeouts)

    @property
    def current(self) -> Member:
        return self.members[self._current]

    def give_up_on(self, member: Member) -> None:
        """Move past `member`, unless another task already did."""
        if self.current is member:
            self._current = (self._current + 1) % len(self.members)

    async def call(self, send: Callable[[Member], Awaitable[T]], *, write: bool) -> Reply[T]:
        """Send a request with `send(member)` until a member answers; see the module docstring."""
        member = self.current
        try:
            return Reply(await send(member), False)
        except grpc.aio.AioRpcError as error:
            if not is_member_failure(error):
                raise
            self.give_up_on(member)
            maybe_applied = write and not surely_not_applied(error)
        return await self._call_after_failure(send, write, maybe_applied)

    async def _call_after_failure(
        self, send: Callable[[Member], Awaitable[T]], write: bool, maybe_applied: bool
    ) -> Reply[T]:
        """The slow path of `call`, kept apart so that the usual case stays a plain await."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.failover_timeout
        failures = 1
        pause = 0.05
        while True:
            if failures % len(self.members) == 0:
                # Every member failed once: during a leader election that is normal, so wait
                # a little before going round again.
                await asyncio.sleep(pause)
                pause = min(pause * 2, 1.0)
            member = self.current
            try:
                return Reply(await send(member), maybe_applied)
            except grpc.aio.AioRpcError as error:
                if not is_member_failure(error):
                    raise
                if write and not surely_not_applied(error):
                    maybe_applied = True
                self.give_up_on(member)
                failures += 1
                if loop.time() + pause > deadline:
                    raise self.unavailable(error) from error

    def unavailable(self, error: grpc.aio.AioRpcError) -> StoreUnavailableError:
        urls = ", ".join(m.url for m in self.members)
        details = error.details() or ""
        hint = ""
        if any(word in details.lower() for word in TLS_WORDS):
            hint = " (TLS failed: check the CA file, client certificate and key given for etcd)"
        elif "socket closed" in details.lower() and "https://" not in urls:
            hint = " (if etcd serves TLS, give https:// URLs with a CA file and client certificate)"
        return StoreUnavailableError(f"no etcd member answered ({urls}): {details}{hint}")

    async def close(self) -> None:
        await asyncio.gather(*(m.channel.close() for m in self.members))
