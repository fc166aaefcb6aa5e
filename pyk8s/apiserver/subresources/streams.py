"""pods/log, pods/exec, pods/attach, pods/portforward and nodes/proxy: the API server finds
the pod's node, the node's kubelet, and passes the request on (proxy.py).

Each handler rewrites the public request into the kubelet's own API, as kube-apiserver
does: `pods/x/exec?command=ls&stdin=true` becomes `/exec/<ns>/x/<container>?command=ls&
input=1`, `pods/x/log?follow=true` becomes `/containerLogs/<ns>/x/<container>?follow=true`,
`nodes/n/proxy/<path>` becomes `/<path>` on n's kubelet.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from aiohttp import web

from pyk8s.api.errors import BadRequest
from pyk8s.apiserver.handlers.common import Scope, read_body
from pyk8s.apiserver.subresources import kubelet_client, proxy

_TRUE = ("true", "1")

# PodLogOptions query names the kubelet's /containerLogs understands as they are.
_LOG_NUMBERS = ("tailLines", "sinceSeconds", "limitBytes")
_LOG_FLAGS = ("follow", "previous", "timestamps")


def _flag(scope: Scope, name: str) -> bool:
    return scope.query.get(name, "").lower() in _TRUE


def _path(*segments: str) -> str:
    return "/" + "/".join(quote(s, safe="") for s in segments)


def log_query(scope: Scope) -> str:
    params: list[tuple[str, str]] = [(name, "true") for name in _LOG_FLAGS if _flag(scope, name)]
    for name in _LOG_NUMBERS:
        value = scope.query.get(name)
        if value is None:
            continue
        if not value.lstrip("-").isdigit():
            raise BadRequest(f'{name}: Invalid value: "{value}": must be an integer')
        if int(value) < 0 or (name != "tailLines" and int(value) == 0):
            raise BadRequest(f"{name}: Invalid value: {value}: must be greater than 0")
        params.append((name, value))
    if scope.query.get("sinceTime"):
        if scope.query.get("sinceSeconds"):
            raise BadRequest("at most one of `sinceTime` or `sinceSeconds` may be specified")
        params.append(("sinceTime", scope.query["sinceTime"]))
    return urlencode(params)


async def pod_log(scope: Scope) -> web.StreamResponse:
    pod = await kubelet_client.get_pod(scope)
    container = kubelet_client.pod_container(pod, scope.query.get("container", ""))
    kubelet = await kubelet_client.kubelet_of_pod(scope, pod)
    query = log_query(scope)
    path = _path("containerLogs", scope.namespace, scope.info.name, container)
    return await proxy.proxy_http(scope.request, kubelet, f"{path}?{query}" if query else path)


def stream_query(scope: Scope, with_command: bool) -> str:
    """PodExecOptions / PodAttachOptions as the kubelet spells them (input, output, error)."""
    params = []
    if with_command:
        command = scope.query.getall("command", [])
        if not command:
            raise BadRequest("you must specify at least 1 command")
        params += [("command", part) for part in command]
    tty = _flag(scope, "tty")
    wanted = {
        "input": _flag(scope, "stdin"),
        "output": _flag(scope, "stdout"),
        "error": _flag(scope, "stderr") and not tty,
    }
    if not any(wanted.values()):
        raise BadRequest("you must specify at least 1 of stdin, stdout, stderr")
    params += [(name, "1") for name, on in wanted.items() if on]
    if tty:
        params.append(("tty", "1"))
    return urlencode(params)


async def _remote_command(scope: Scope, verb: str) -> web.StreamResponse:
    if not proxy.is_upgrade(scope.request):
        raise BadRequest("Upgrade request required")
    pod = await kubelet_client.get_pod(scope)
    phase = pod.get("status", {}).get("phase")
    if phase in ("Succeeded", "Failed"):
        raise BadRequest(
            f"cannot {verb} into a container in a completed pod; current phase is {phase}"
        )
    container = kubelet_client.pod_container(pod, scope.query.get("container", ""))
    query = stream_query(scope, with_command=verb == "exec")
    kubelet = await kubelet_client.kubelet_of_pod(scope, pod)
    path = _path(verb, scope.namespace, scope.info.name, container)
    return await proxy.proxy_upgrade(scope.request, kubelet, f"{path}?{query}")


async def pod_exec(scope: Scope) -> web.StreamResponse:
    return await _remote_command(scope, "exec")


async def pod_attach(scope: Scope) -> web.StreamResponse:
    return await _remote_command(scope, "attach")


async def pod_port_forward(scope: Scope) -> web.StreamResponse:
    if not proxy.is_upgrade(scope.request):
        raise BadRequest("Upgrade request required")
    pod = await kubelet_client.get_pod(scope)
    kubelet = await kubelet_client.kubelet_of_pod(scope, pod)
    path = _path("portForward", scope.namespace, scope.info.name)
    return await proxy.proxy_upgrade(scope.request, kubelet, path)


async def node_proxy(scope: Scope) -> web.StreamResponse:
    """nodes/<name>/proxy/<path>: any request to that node's kubelet API."""
    kubelet = await kubelet_client.kubelet_of_node(scope, scope.info.name)
    path = "/" + "/".join(quote(part, safe="") for part in scope.info.rest)
    if scope.request.path.endswith("/") and path != "/":
        path += "/"
    if scope.request.query_string:
        path += "?" + scope.request.query_string
    if proxy.is_upgrade(scope.request):
        return await proxy.proxy_upgrade(scope.request, kubelet, path)
    body = await read_body(scope.request) if scope.request.can_read_body else b""
    return await proxy.proxy_http(scope.request, kubelet, path, body)
