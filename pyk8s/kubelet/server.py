"""The kubelet's own HTTPS API (port 10250): logs, exec, attach and port-forward for the API
server, and a few read-only endpoints.

    GET  /healthz                                       "ok"
    GET  /pods                                          the pods this kubelet runs (PodList)
    GET  /stats/summary                                 node and pod resource use (summary.py)
    GET  /containerLogs/{ns}/{pod}/{container}          ?follow&tailLines&sinceSeconds&...
    GET|POST /exec/{ns}/{pod}/{container}               ?command=..&input=1&output=1&tty=1
    GET|POST /attach/{ns}/{pod}/{container}             ?input=1&output=1&error=1&tty=1
    GET|POST /portForward/{ns}/{pod}

exec and attach accept a WebSocket (`v5.channel.k8s.io`, `v4.channel.k8s.io`) or a SPDY/3.1
upgrade; port-forward accepts SPDY/3.1 or the WebSocket tunnel that carries SPDY. The
server never touches containers itself: it goes through a `ContainerIO` backend (the runc
runtime in a real node, local processes in tests), so it is the same code either way.

With a client CA, only clients holding a certificate it signed get in (the API server
does, via --kubelet-client-certificate); without one, the API is open, which is what the
kubelet's `--anonymous-auth` with `AlwaysAllow` authorization amounts to.
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol

import orjson
from aiohttp import web

from pyk8s.api.errors import StatusError
from pyk8s.streaming import portforward, upgrade, wsstream
from pyk8s.streaming.channels import WebSocketChannel, while_connected
from pyk8s.streaming.remotecommand import (
    ContainerProcess,
    ExecOptions,
    SessionStreams,
    internal_error,
    run_session,
)
from pyk8s.streaming.spdy_exec import PROTOCOLS as SPDY_EXEC_PROTOCOLS
from pyk8s.streaming.spdy_exec import SpdyStreams

__all__ = ["ContainerIO", "ContainerProcess", "KubeletServer", "LogOptions", "NotFoundError"]

logger = logging.getLogger("pyk8s.kubelet.server")


class NotFoundError(LookupError):
    """The backend knows no such pod or container; the message says which."""


@dataclass(frozen=True, slots=True)
class LogOptions:
    """What `kubectl logs` asked for (the kubelet's /containerLogs query)."""

    follow: bool = False
    previous: bool = False
    timestamps: bool = False
    tail_lines: int | None = None
    since_seconds: int | None = None
    since_time: str | None = None  # RFC 3339
    limit_bytes: int | None = None

    @classmethod
    def from_query(cls, query: Any) -> LogOptions:
        def flag(name: str) -> bool:
            return query.get(name, "").lower() in ("true", "1")

        def number(name: str) -> int | None:
            value = query.get(name)
            if value in (None, ""):
                return None
            try:
                return int(value)
            except ValueError:
                raise web.HTTPBadRequest(text=f"{name}: not a number: {value!r}") from None

        return cls(
            follow=flag("follow"),
            previous=flag("previous"),
            timestamps=flag("timestamps"),
            tail_lines=number("tailLines"),
            since_seconds=number("sinceSeconds"),
            since_time=query.get("sinceTime") or None,
            limit_bytes=number("limitBytes"),
        )


class ContainerIO(Protocol):
    """What the kubelet server needs from the container runtime."""

    def logs(
        self, namespace: str, pod: str, container: str, options: LogOptions
    ) -> AsyncIterator[bytes]:
        """The container's log, rendered as `kubectl logs` prints it; endless with follow."""
        ...

    async def exec(
        self, namespace: str, pod: str, container: str, command: list[str], *, stdin: bool,
        tty: bool,
    ) -> ContainerProcess: ...  # fmt: skip

    async def attach(
        self, namespace: str, pod: str, container: str, *, stdin: bool, tty: bool
    ) -> ContainerProcess: ...

    async def port_forward(
        self, namespace: str, pod: str, port: int
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]: ...

    def pods(self) -> list[dict[str, Any]]: ...


def _error(status: int, message: str) -> web.Response:
    return web.Response(status=status, text=message, content_type="text/plain")


@web.middleware
async def _status_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    # The kubelet answers errors in plain text; the API server passes the text on.
    try:
        return await handler(request)
    except StatusError as err:
        return _error(err.code, err.message)


class KubeletServer:
    def __init__(
        self,
        backend: ContainerIO,
        *,
        address: str = "0.0.0.0",
        port: int = 10250,
        tls_cert_file: str | None = None,
        tls_private_key_file: str | None = None,
        client_ca_file: str | None = None,
        cert_dir: str = "/var/lib/kubelet/pki",
    ) -> None:
        self.backend = backend
        self.address, self.port = address, port
        self.tls_cert_file, self.tls_private_key_file = tls_cert_file, tls_private_key_file
        self.client_ca_file = client_ca_file
        self.cert_dir = cert_dir
        self._runner: web.AppRunner | None = None

    def build_app(self) -> web.Application:
        app = web.Application(middlewares=[_status_errors])
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/pods", self.pods)
        app.router.add_get("/stats/summary", self.stats_summary)
        app.router.add_get("/containerLogs/{namespace}/{pod}/{container}", self.container_logs)
        for verb in ("exec", "attach"):
            handler = self.exec if verb == "exec" else self.attach
            for pattern in ("{namespace}/{pod}/{container}", "{namespace}/{pod}/{uid}/{container}"):
                app.router.add_route("*", f"/{verb}/{pattern}", handler)
        app.router.add_route("*", "/portForward/{namespace}/{pod}", self.port_forward)
        app.router.add_route("*", "/portForward/{namespace}/{pod}/{uid}", self.port_forward)
        return app

    async def start(self) -> int:
        """Listen; return the port taken (the OS picks one when port is 0)."""
        self._runner = web.AppRunner(self.build_app(), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.address, self.port, ssl_context=self._tls())
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        logger.info("kubelet API serving on https://%s:%d", self.address, self.port)
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _tls(self) -> ssl.SSLContext:
        cert, key = self.tls_cert_file, self.tls_private_key_file
        if not cert or not key:
            cert, key = ensure_self_signed(self.cert_dir)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        if self.client_ca_file:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(self.client_ca_file)
        return context

    # ---- read-only endpoints -------------------------------------------------------

    async def healthz(self, request: web.Request) -> web.Response:
        return web.Response(text="ok", content_type="text/plain")

    async def pods(self, request: web.Request) -> web.Response:
        body = {"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": []}
        body["items"] = self.backend.pods()
        return web.Response(body=orjson.dumps(body), content_type="application/json")

    async def stats_summary(self, request: web.Request) -> web.Response:
        summary = getattr(self.backend, "summary", None)
        if summary is None:
            return _error(404, "stats are not available from this kubelet's runtime")
        body = orjson.dumps(await summary())
        return web.Response(body=body, content_type="application/json")

    async def container_logs(self, request: web.Request) -> web.StreamResponse:
        ns, pod, container = (request.match_info[k] for k in ("namespace", "pod", "container"))
        options = LogOptions.from_query(request.query)
        lines = self.backend.logs(ns, pod, container, options)
        try:
            first = await anext(lines, b"")
        except NotFoundError as err:
            return _error(404, str(err))
        response = web.StreamResponse(headers={"Content-Type": "text/plain"})
        await response.prepare(request)

        async def copy(chunk: bytes, budget: int | None) -> None:
            while chunk:
                if budget is not None:
                    chunk, budget = chunk[:budget], budget - len(chunk[:budget])
                await response.write(chunk)
                if budget == 0:
                    return
                chunk = await anext(lines, b"")

        try:
            if await while_connected(request, copy(first, options.limit_bytes)):
                await response.write_eof()
        finally:
            await lines.aclose()  # type: ignore[attr-defined]
        return response

    # ---- exec, attach --------------------------------------------------------------

    async def exec(self, request: web.Request) -> web.StreamResponse:
        return await self._remote_command(request, attach=False)

    async def attach(self, request: web.Request) -> web.StreamResponse:
        return await self._remote_command(request, attach=True)

    async def _remote_command(self, request: web.Request, attach: bool) -> web.StreamResponse:
        ns, pod, container = (request.match_info[k] for k in ("namespace", "pod", "container"))
        options = ExecOptions.from_query(request.query)
        if not attach and not options.command:
            return _error(400, "you must specify at least 1 command")
        if not (options.stdin or options.stdout or options.stderr):
            return _error(400, "you must specify at least 1 of stdin, stdout, stderr")
        process: ContainerProcess | None = None
        failure = ""
        try:
            process = await self._start_process(ns, pod, container, options, attach)
        except NotFoundError as err:
            return _error(404, str(err))
        except (OSError, NotImplementedError) as err:
            # As the real kubelet does, the session is still opened and the failure is its
            # final Status: kubectl then prints "Internal error occurred: ..." instead of a
            # bare "unable to upgrade connection".
            verb = "attaching to container" if attach else "executing command in container"
            failure = f"error {verb}: {err}"
            logger.info("%s/%s/%s: %s", ns, pod, container, failure)
        try:
            return await self._serve_session(request, options, process, failure)
        finally:
            if process is not None:
                await process.kill()

    async def _start_process(
        self, ns: str, pod: str, container: str, options: ExecOptions, attach: bool
    ) -> ContainerProcess:
        if attach:
            return await self.backend.attach(
                ns, pod, container, stdin=options.stdin, tty=options.tty
            )
        return await self.backend.exec(
            ns, pod, container, list(options.command), stdin=options.stdin, tty=options.tty
        )

    async def _serve_session(
        self,
        request: web.Request,
        options: ExecOptions,
        process: ContainerProcess | None,
        failure: str,
    ) -> web.StreamResponse:
        """Upgrade to the client's protocol, then run `process` or report `failure`."""

        async def serve(streams: SessionStreams) -> None:
            if process is None:
                await streams.finish(internal_error(failure))
            else:
                await run_session(process, streams, options.command)

        if upgrade.wants_websocket(request):
            ws = await upgrade.accept_websocket(request, wsstream.PROTOCOLS)
            await serve(wsstream.WebSocketStreams(ws, stdin=options.stdin, tty=options.tty))
            return ws
        spdy_streams = SpdyStreams(options)
        session, response = await upgrade.accept_spdy(
            request, SPDY_EXEC_PROTOCOLS, spdy_streams.on_stream
        )
        spdy_streams.session = session
        reader = asyncio.ensure_future(session.run())
        try:
            await spdy_streams.wait_for_streams()
            await serve(spdy_streams)
        except TimeoutError:
            logger.info("exec client did not open its streams in time")
        finally:
            await session.close()
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
        return response

    # ---- port-forward --------------------------------------------------------------

    async def port_forward(self, request: web.Request) -> web.StreamResponse:
        ns, pod = request.match_info["namespace"], request.match_info["pod"]

        async def connect(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
            return await self.backend.port_forward(ns, pod, port)

        if upgrade.wants_websocket(request):
            ws = await upgrade.accept_websocket(request, (portforward.TUNNEL_PROTOCOL,))
            await portforward.serve(WebSocketChannel(ws), connect, f"{ns}/{pod}")
            return ws
        holder = portforward.PortForwarder(connect, f"{ns}/{pod}")
        session, response = await upgrade.accept_spdy(
            request, portforward.PROTOCOLS, holder.on_stream
        )
        try:
            await session.run()
        finally:
            await session.close()
        return response


def ensure_self_signed(cert_dir: str) -> tuple[str, str]:
    """kubelet.crt / kubelet.key in cert_dir, made (self-signed) when missing, as the kubelet
    does when started without --tls-cert-file."""
    cert_path = os.path.join(cert_dir, "kubelet.crt")
    key_path = os.path.join(cert_dir, "kubelet.key")
    if os.path.exists(cert_path) and os.path.exists(key_path):
        return cert_path, key_path
    import socket

    from pyk8s.pki.certs import issue, new_ca

    ca = new_ca(f"{socket.gethostname()}-ca")
    pair = issue(ca, socket.gethostname(), hosts=("localhost", "127.0.0.1"), server=True)
    os.makedirs(cert_dir, exist_ok=True)
    with open(cert_path, "wb") as file:
        file.write(pair.cert_pem() + ca.cert_pem())
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(pair.key_pem())
    return cert_path, key_path
