"""The REST client over the in-process fake transport: retries and their waits (on a fake
clock), typed errors from Status bodies, the URLs and bodies of every verb, rate limits,
tokens, and watch streams."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

import pytest

from pyk8s.api import errors
from pyk8s.client.clock import FakeClock
from pyk8s.client.config import ClientConfig
from pyk8s.client.fake import FakeResponse, FakeTransport
from pyk8s.client.rest import Client
from pyk8s.client.transport import HTTPRequest, TransportError

NOT_FOUND = {
    "kind": "Status",
    "apiVersion": "v1",
    "status": "Failure",
    "message": 'configmaps "x" not found',
    "reason": "NotFound",
    "details": {"name": "x", "kind": "configmaps"},
    "code": 404,
}


def make_client(answers: list[Any], **config: Any) -> tuple[Client, FakeTransport, FakeClock]:
    """A client whose transport gives `answers` in turn (a FakeResponse or an exception)."""
    pending = list(answers)

    def answer(request: HTTPRequest) -> FakeResponse:
        reply = pending.pop(0) if len(pending) > 1 else pending[0]
        if isinstance(reply, Exception):
            raise reply
        return reply

    transport = FakeTransport(answer)
    clock = FakeClock()
    settings = {"server": "http://fake", "qps": 1000.0, "burst": 1000, **config}
    return Client(ClientConfig(**settings), transport=transport, clock=clock), transport, clock


async def with_clock(clock: FakeClock, awaitable: Awaitable[Any]) -> Any:
    """Run to completion, moving the fake clock forward whenever everybody is asleep."""
    task = asyncio.ensure_future(awaitable)
    while not task.done():
        await asyncio.sleep(0)
        deadline = clock.next_deadline()
        if deadline is not None and not task.done():
            clock.advance(deadline)
    return task.result()


OK = FakeResponse.json(200, {"kind": "ConfigMap", "metadata": {"name": "x"}})


async def test_429_is_retried_for_any_verb_after_retry_after():
    busy = FakeResponse.json(429, {"kind": "Status", "code": 429}, {"Retry-After": "3"})
    client, transport, clock = make_client([busy, OK])
    body = {"metadata": {"name": "x"}}
    result = await with_clock(clock, client.request("POST", "/api/v1/x", body=body))
    assert result["metadata"]["name"] == "x"
    assert len(transport.requests) == 2
    assert clock.monotonic() == 3


async def test_5xx_is_retried_with_backoff_for_get_but_not_for_post():
    unavailable = FakeResponse(503, b"upstream gone")
    client, transport, clock = make_client([unavailable, unavailable, OK])
    assert (await with_clock(clock, client.request("GET", "/x")))["kind"] == "ConfigMap"
    assert clock.monotonic() == pytest.approx(0.1 + 0.2)

    client, transport, clock = make_client([unavailable, OK])
    with pytest.raises(errors.ServiceUnavailable, match="upstream gone"):
        await with_clock(clock, client.request("POST", "/x", body={}))
    assert len(transport.requests) == 1


async def test_connection_errors_retry_unless_a_non_idempotent_request_may_have_been_sent():
    refused = TransportError("refused", sent=False)
    client, transport, clock = make_client([refused, OK])
    await with_clock(clock, client.request("POST", "/x", body={}))
    assert len(transport.requests) == 2

    reset = TransportError("reset", sent=True)
    client, transport, clock = make_client([reset, OK])
    with pytest.raises(TransportError):
        await with_clock(clock, client.request("PATCH", "/x", body={}))
    client, transport, clock = make_client([reset, OK])
    await with_clock(clock, client.request("DELETE", "/x"))
    assert len(transport.requests) == 2


async def test_retries_end_after_max_retries():
    client, transport, clock = make_client([FakeResponse(503, b"down")])
    client.max_retries = 3
    with pytest.raises(errors.ServiceUnavailable):
        await with_clock(clock, client.request("GET", "/x"))
    assert len(transport.requests) == 4


async def test_status_bodies_become_typed_errors():
    client, _, _ = make_client([FakeResponse.json(404, NOT_FOUND)])
    with pytest.raises(errors.NotFound) as raised:
        await client.resource("", "v1", "configmaps").get("x", "default")
    assert raised.value.message == 'configmaps "x" not found'
    assert raised.value.details == {"name": "x", "kind": "configmaps"}

    invalid = errors.Invalid.of(
        "ConfigMap", "x", [errors.Cause("FieldValueRequired", "Required value", "data")]
    ).to_status()
    client, _, _ = make_client([FakeResponse.json(422, invalid)])
    with pytest.raises(errors.Invalid) as raised_invalid:
        await client.request("POST", "/x", body={})
    assert raised_invalid.value.causes == [
        errors.Cause("FieldValueRequired", "Required value", "data")
    ]

    conflict = errors.Conflict.of("configmaps", "x").to_status()
    client, _, _ = make_client([FakeResponse.json(409, conflict)])
    with pytest.raises(errors.Conflict):
        await client.request("PUT", "/x", body={})


async def test_a_non_status_error_body_keeps_its_http_code():
    client, _, clock = make_client([FakeResponse(418, b"I'm a teapot")])
    with pytest.raises(errors.StatusError) as raised:
        await with_clock(clock, client.request("GET", "/x"))
    assert (raised.value.code, raised.value.message) == (418, "I'm a teapot")


async def test_each_verb_goes_to_the_kubernetes_url_with_the_right_body():
    client, transport, _ = make_client([OK])
    configmaps = client.resource("", "v1", "configmaps")
    leases = client.resource("coordination.k8s.io", "v1", "leases")
    nodes = client.resource("", "v1", "nodes")
    obj = {"metadata": {"name": "x", "namespace": "ns"}}
    await configmaps.create(obj)
    await configmaps.update(obj)
    await configmaps.update_status(obj)
    await configmaps.list(label_selector="app=web", limit=5)
    await leases.get("l", "kube-system")
    await nodes.patch("n1", {"spec": {"unschedulable": True}}, patch_type="strategic")
    await nodes.patch("n1", {"metadata": {}}, patch_type="apply", field_manager="me", force=True)
    await configmaps.delete("x", "ns", propagation_policy="Foreground")
    sent = [(r.method, r.url.removeprefix("http://fake")) for r in transport.requests]
    assert sent == [
        ("POST", "/api/v1/namespaces/ns/configmaps"),
        ("PUT", "/api/v1/namespaces/ns/configmaps/x"),
        ("PUT", "/api/v1/namespaces/ns/configmaps/x/status"),
        ("GET", "/api/v1/configmaps?labelSelector=app%3Dweb&limit=5"),
        ("GET", "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/l"),
        ("PATCH", "/api/v1/nodes/n1"),
        ("PATCH", "/api/v1/nodes/n1?fieldManager=me&force=true"),
        ("DELETE", "/api/v1/namespaces/ns/configmaps/x"),
    ]
    content_types = [r.headers.get("Content-Type") for r in transport.requests]
    assert content_types[5:7] == [
        "application/strategic-merge-patch+json",
        "application/apply-patch+yaml",
    ]
    assert b'"propagationPolicy":"Foreground"' in (transport.requests[-1].body or b"")


async def test_a_namespaced_verb_without_a_namespace_is_refused():
    client, transport, _ = make_client([OK])
    with pytest.raises(ValueError, match="namespace is required"):
        await client.resource("", "v1", "pods").get("p")
    assert transport.requests == []


async def test_qps_and_burst_limit_requests_on_the_client_side():
    client, _, clock = make_client([OK], qps=5.0, burst=10)
    await with_clock(clock, asyncio.gather(*(client.request("GET", "/x") for _ in range(10))))
    assert clock.monotonic() == 0, "a burst of 10 goes at once"
    await with_clock(clock, asyncio.gather(*(client.request("GET", "/x") for _ in range(5))))
    assert clock.monotonic() == pytest.approx(1.0), "then 5 per second"


async def test_bearer_token_is_sent():
    client, transport, _ = make_client([OK], token="abc")
    await client.request("GET", "/x")
    assert transport.requests[0].headers["Authorization"] == "Bearer abc"


async def test_watch_yields_events_and_bookmarks_then_ends_when_the_stream_ends():
    events = [
        {"type": "ADDED", "object": {"metadata": {"name": "a", "resourceVersion": "5"}}},
        {"type": "BOOKMARK", "object": {"metadata": {"resourceVersion": "9"}}},
        {"type": "DELETED", "object": {"metadata": {"name": "a", "resourceVersion": "10"}}},
    ]
    client, transport, _ = make_client([FakeResponse.stream(events)])
    stream = client.resource("", "v1", "configmaps").watch(
        "default", resource_version="4", allow_bookmarks=True
    )
    seen = [(kind, obj["metadata"]["resourceVersion"]) async for kind, obj in stream]
    assert seen == [("ADDED", "5"), ("BOOKMARK", "9"), ("DELETED", "10")]
    assert transport.requests[0].url.endswith(
        "/namespaces/default/configmaps?watch=true&resourceVersion=4&allowWatchBookmarks=true"
    )


async def test_an_expired_watch_raises_gone():
    expired = errors.Gone("too old resource version: 1 (50)").to_status()
    events = [{"type": "ERROR", "object": expired}]
    client, _, _ = make_client([FakeResponse.stream(events)])
    with pytest.raises(errors.Gone, match="too old"):
        async for _ in client.resource("", "v1", "configmaps").watch(resource_version="1"):
            pass


async def test_failures_without_retry_after_give_up_after_about_three_seconds():
    client, transport, clock = make_client([TransportError("refused", sent=False)])
    with pytest.raises(TransportError):
        await with_clock(clock, client.request("GET", "/x"))
    assert len(transport.requests) == 6
    assert clock.monotonic() == pytest.approx(3.1)


async def test_a_registered_resource_can_address_its_client():
    import pyk8s.api.kinds  # noqa: F401
    from pyk8s.api.resource import find

    client, transport, _ = make_client([OK])
    deployments = find("apps", "v1", "deployments")
    assert deployments is not None
    await client.resource_of(deployments).patch(
        "d", {"spec": {"replicas": 3}}, "ns", subresource="scale"
    )
    assert transport.requests[0].url == "http://fake/apis/apps/v1/namespaces/ns/deployments/d/scale"
