"""Fail-over and retried writes in the etcd store, on fake members (no etcd needed).

The integration tests crash real members; these pin down the rules those crashes rely on:
which failures move to the next member, when a write's outcome counts as unknown, and how a
retried create/update whose first attempt had in fact applied is told apart from a conflict.
"""

from __future__ import annotations

import grpc
import pytest

from pyk8s.storage.etcd import EtcdStore, prefix_end
from pyk8s.storage.etcd_members import Member, Members, Reply
from pyk8s.storage.etcdpb import kv_pb2
from pyk8s.storage.etcdpb import rpc_pb2 as pb
from pyk8s.storage.interface import ConflictError, KeyExistsError, StoreUnavailableError


def rpc_error(code: grpc.StatusCode, details: str) -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(), details)


def fake_members(count: int = 3, **timeouts: float) -> Members:
    members = [Member(f"http://m{i}", None, None, None, None) for i in range(count)]  # type: ignore[arg-type]
    return Members(members, **timeouts)


class Script:
    """send(member) for Members.call: fails on the members named in `failures`."""

    def __init__(self, failures: dict[str, grpc.aio.AioRpcError]) -> None:
        self.failures = failures
        self.tried: list[str] = []

    async def __call__(self, member: Member) -> str:
        self.tried.append(member.url)
        if member.url in self.failures:
            raise self.failures[member.url]
        return f"answer from {member.url}"


async def test_a_dead_member_is_skipped_and_the_next_one_answers():
    members = fake_members()
    send = Script({"http://m0": rpc_error(grpc.StatusCode.UNAVAILABLE, "Socket closed")})
    reply = await members.call(send, write=False)
    assert reply.response == "answer from http://m1"
    assert members.current.url == "http://m1"  # and later requests stay there


@pytest.mark.parametrize(
    ("details", "maybe_applied"),
    [
        ("Socket closed", True),  # the member died with our write in hand
        ("etcdserver: request timed out", True),
        ("failed to connect to all addresses; Connection refused", False),  # never sent
        ("etcdserver: no leader", False),  # refused before raft saw it
    ],
)
async def test_a_retried_write_knows_whether_the_first_attempt_may_have_applied(
    details: str, maybe_applied: bool
):
    members = fake_members()
    send = Script({"http://m0": rpc_error(grpc.StatusCode.UNAVAILABLE, details)})
    assert (await members.call(send, write=True)).maybe_applied is maybe_applied


async def test_an_answer_that_is_an_error_is_not_retried():
    members = fake_members()
    send = Script({"http://m0": rpc_error(grpc.StatusCode.OUT_OF_RANGE, "compacted")})
    with pytest.raises(grpc.aio.AioRpcError):
        await members.call(send, write=False)
    assert send.tried == ["http://m0"]


async def test_when_no_member_answers_the_error_says_so():
    members = fake_members(failover_timeout=0.2)
    down = rpc_error(grpc.StatusCode.UNAVAILABLE, "failed to connect to all addresses")
    send = Script({f"http://m{i}": down for i in range(3)})
    with pytest.raises(StoreUnavailableError, match=r"no etcd member answered \(http://m0, "):
        await members.call(send, write=False)
    assert len(send.tried) > 3  # went round more than once before giving up


class OneReply(Members):
    """A Members whose every call returns one canned Txn answer."""

    def __init__(self, response: pb.TxnResponse, maybe_applied: bool) -> None:
        super().__init__([Member("http://m0", None, None, None, None)])  # type: ignore[arg-type]
        self.reply = Reply(response, maybe_applied)

    async def call(self, send, *, write):  # type: ignore[override]
        return self.reply


def compare_failed(value: bytes, create_revision: int, mod_revision: int) -> pb.TxnResponse:
    kv = kv_pb2.KeyValue(
        key=b"/registry/pods/a",
        value=value,
        create_revision=create_revision,
        mod_revision=mod_revision,
    )
    found = pb.RangeResponse(kvs=[kv], count=1)
    return pb.TxnResponse(
        header=pb.ResponseHeader(revision=mod_revision),
        succeeded=False,
        responses=[pb.ResponseOp(response_range=found)],
    )


async def test_a_retried_create_that_had_applied_is_a_success_not_key_exists():
    store = EtcdStore(OneReply(compare_failed(b"mine", 7, 7), maybe_applied=True))
    assert await store.create("/pods/a", b"mine") == 7


@pytest.mark.parametrize(
    ("found", "maybe_applied"),
    [
        (compare_failed(b"theirs", 7, 7), True),  # someone else created it
        (compare_failed(b"mine", 7, 9), True),  # created, then written again: not just ours
        (compare_failed(b"mine", 7, 7), False),  # a first attempt: an identical create is theirs
    ],
)
async def test_other_creates_are_still_key_exists(found: pb.TxnResponse, maybe_applied: bool):
    store = EtcdStore(OneReply(found, maybe_applied))
    with pytest.raises(KeyExistsError):
        await store.create("/pods/a", b"mine")


async def test_a_retried_update_that_had_applied_is_a_success():
    store = EtcdStore(OneReply(compare_failed(b"new", 3, 8), maybe_applied=True))
    assert await store.update("/pods/a", b"new", 5) == 8


async def test_a_retried_update_over_a_recreated_key_is_a_conflict():
    # Same bytes, but the key was deleted and created again after the version we read.
    store = EtcdStore(OneReply(compare_failed(b"new", 6, 8), maybe_applied=True))
    with pytest.raises(ConflictError) as raised:
        await store.update("/pods/a", b"new", 5)
    assert raised.value.current is not None and raised.value.current.mod_revision == 8


def test_prefix_end_is_the_first_key_after_the_prefix():
    assert prefix_end(b"/registry/pods/") == b"/registry/pods0"
    assert prefix_end(b"a\xff") == b"b"
    assert prefix_end(b"\xff\xff") == b"\0"
