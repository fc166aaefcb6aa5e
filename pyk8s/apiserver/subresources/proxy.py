"""Passing a request on to a kubelet: plain HTTP answers streamed back, or an upgraded
connection spliced byte for byte.

Upgrades (exec, attach, port-forward; WebSocket or SPDY alike) are forwarded the way
kube-apiserver's upgrade-aware proxy does it: the request goes to the kubelet as it came
(minus the client's credentials), and if the kubelet answers 101 we answer the client with
the same 101 and copy bytes both ways until either side hangs up. The API server never
decodes the streams, so whatever the two ends agree on works. A kubelet that refuses the
upgrade has its answer passed back as a Status, so kubectl can fall back to SPDY.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

from pyk8s.api.errors import InternalError, ServiceUnavailable, StatusError
from pyk8s.apiserver.subresources.kubelet_client import KubeletAddress, config, ssl_context
from pyk8s.streaming.channels import StreamChannel, UpgradedChannel, splice, while_connected

logger = logging.getLogger("pyk8s.apiserver.proxy")

# Headers that belong to the client's connection or credentials, never passed on.
_DROPPED_REQUEST_HEADERS = {"host", "authorization", "proxy-authorization", "content-length"}
_DROPPED_RESPONSE_HEADERS = {"content-length", "transfer-encoding", "date", "server"}
_MAX_HEAD = 64 * 1024
# Set once the kubelet's answer has started to flow back to the client.
STARTED = web.RequestKey("kubelet_proxy_started", bool)


class BackendError(StatusError):
    """The kubelet answered with an error; its code and text become the Status."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code  # type: ignore[misc]
        self.reason = _REASONS.get(code, "InternalError")  # type: ignore[misc]


_REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
            405: "MethodNotAllowed", 500: "InternalError", 503: "ServiceUnavailable"}  # fmt: skip


def is_upgrade(request: web.Request) -> bool:
    connection = request.headers.get("Connection", "").lower()
    return "upgrade" in connection and bool(request.headers.get("Upgrade"))


async def _connect(kubelet: KubeletAddress) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    try:
        return await asyncio.wait_for(
            asyncio.open_connection(
                kubelet.host, kubelet.port, ssl=ssl_context(), server_hostname=kubelet.host
            ),
            config().connect_timeout,
        )
    except (OSError, TimeoutError) as err:
        raise ServiceUnavailable(
            f"error dialing backend: dial tcp {kubelet.host}:{kubelet.port}: {err}"
        ) from None


def _request_head(request: web.Request, kubelet: KubeletAddress, path_qs: str) -> bytes:
    lines = [f"{request.method} {path_qs} HTTP/1.1", f"Host: {kubelet.host}:{kubelet.port}"]
    for name, value in request.headers.items():
        if name.lower() not in _DROPPED_REQUEST_HEADERS:
            lines.append(f"{name}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _read_response_head(reader: asyncio.StreamReader) -> tuple[int, CIMultiDict[str]]:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError) as err:
        raise InternalError(f"the kubelet sent no valid response: {err}") from None
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        raise InternalError(f"the kubelet sent a bad status line: {status_line[:100]!r}")
    headers: CIMultiDict[str] = CIMultiDict()
    for line in header_lines:
        if ":" in line:
            name, value = line.split(":", 1)
            headers.add(name.strip(), value.strip())
    return int(parts[1]), headers


async def _read_refusal(reader: asyncio.StreamReader, headers: Mapping[str, str]) -> str:
    length = headers.get("Content-Length")
    with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError, TimeoutError):
        if length and length.isdigit():
            body = await asyncio.wait_for(reader.readexactly(min(int(length), _MAX_HEAD)), 10)
        else:
            body = await asyncio.wait_for(reader.read(_MAX_HEAD), 10)
        return body.decode(errors="replace").strip()
    return ""


async def proxy_upgrade(
    request: web.Request, kubelet: KubeletAddress, path_qs: str
) -> web.StreamResponse:
    """Forward an upgrade request; on 101, splice the two connections until one ends."""
    reader, writer = await _connect(kubelet)
    upstream = StreamChannel(reader, writer)
    try:
        writer.write(_request_head(request, kubelet, path_qs))
        await writer.drain()
        status, headers = await _read_response_head(reader)
        if status != 101:
            message = await _read_refusal(reader, headers)
            raise BackendError(status, message or f"the kubelet answered {status}")
    except BaseException:
        await upstream.close()
        raise
    client = UpgradedChannel.upgrade(request)
    response = web.StreamResponse(status=101)
    for name, value in headers.items():
        if name.lower() not in _DROPPED_RESPONSE_HEADERS:
            response.headers.add(name, value)
    response.force_close()
    await response.prepare(request)
    await splice(client, upstream)
    return response


async def proxy_http(
    request: web.Request, kubelet: KubeletAddress, path_qs: str, body: bytes = b""
) -> web.StreamResponse:
    """Forward a plain request and stream the kubelet's answer back as it comes."""
    headers = {
        name: value
        for name, value in request.headers.items()
        if name.lower() not in _DROPPED_REQUEST_HEADERS | {"accept-encoding", "connection"}
    }
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=config().connect_timeout)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout, auto_decompress=False) as session,
            session.request(
                request.method, kubelet.url(path_qs), headers=headers, data=body or None,
                ssl=ssl_context(),
            ) as upstream,
        ):  # fmt: skip
            return await _stream_back(request, upstream)
    except aiohttp.ClientConnectionError as err:
        if request.get(STARTED):
            raise  # the answer is already on its way; nothing better to say now
        raise ServiceUnavailable(
            f"error dialing backend: dial tcp {kubelet.host}:{kubelet.port}: {err}"
        ) from None


async def _stream_back(
    request: web.Request, upstream: aiohttp.ClientResponse
) -> web.StreamResponse:
    if upstream.status >= 400:
        text = (await upstream.read()).decode(errors="replace").strip()
        raise BackendError(upstream.status, text or upstream.reason or "")
    response = web.StreamResponse(status=upstream.status)
    for name, value in upstream.headers.items():
        if name.lower() not in _DROPPED_RESPONSE_HEADERS | {"connection", "content-encoding"}:
            response.headers.add(name, value)
    request[STARTED] = True
    await response.prepare(request)

    async def copy() -> None:
        async for chunk in upstream.content.iter_any():
            await response.write(chunk)
        await response.write_eof()

    with contextlib.suppress(ConnectionError):
        await while_connected(request, copy())
    return response
