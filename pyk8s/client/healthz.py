"""The /healthz endpoint that kube-controller-manager and kube-scheduler serve over HTTPS.

The API server's `componentstatuses` probes https://127.0.0.1:10257/healthz (the controller
manager) and :10259 (the scheduler) and only looks for a 200 whose body is "ok". This
module serves that endpoint the way Kubernetes' healthz package does:

    GET /healthz            200 "ok" when every check passes; otherwise 500 and a list
    GET /healthz?verbose    one "[+]name ok" / "[-]name failed: reason withheld" line each
    GET /healthz/<name>     one check alone ("ping" is always there and always passes)

The checks are plain functions returning True when healthy; why one failed belongs in the
component's log, never in an unauthenticated response.

Without a certificate of its own, a component serves with a self-signed pair, as the real
ones do: kept as `<cert_dir>/<name>.crt` and `.key` when a directory is given (and reused on
the next start), otherwise made in a scratch directory that is deleted at once.
"""

from __future__ import annotations

import ssl
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from aiohttp import web

__all__ = ["HealthCheck", "context_from_files", "self_signed_context", "serve_healthz"]

HealthCheck = Callable[[], bool]

_HEADERS = {"X-Content-Type-Options": "nosniff"}


async def serve_healthz(
    address: str,
    port: int,
    ssl_context: ssl.SSLContext | None,
    checks: Mapping[str, HealthCheck] | None = None,
) -> web.AppRunner:
    """Serve /healthz on address:port; the caller cleans the runner up when it stops.

    Port 0 serves nothing (the components' `--secure-port=0`), yet a runner is still
    returned so that callers stop it the same way either way."""
    all_checks: dict[str, HealthCheck] = {"ping": lambda: True, **(checks or {})}

    async def healthz(request: web.Request) -> web.Response:
        return _answer(all_checks, verbose="verbose" in request.query)

    async def one_check(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in all_checks:
            raise web.HTTPNotFound(text="404 page not found\n")
        return _answer({name: all_checks[name]}, verbose="verbose" in request.query)

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/healthz/{name}", one_check)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    if port:
        await web.TCPSite(runner, address, port, ssl_context=ssl_context).start()
    return runner


def _answer(checks: Mapping[str, HealthCheck], *, verbose: bool) -> web.Response:
    results = {name: _passes(check) for name, check in checks.items()}
    healthy = all(results.values())
    if healthy and not verbose:
        return web.Response(text="ok", headers=_HEADERS)
    lines = [
        f"[+]{name} ok" if passed else f"[-]{name} failed: reason withheld"
        for name, passed in results.items()
    ]
    lines.append("healthz check passed" if healthy else "healthz check failed")
    return web.Response(
        status=200 if healthy else 500, text="\n".join(lines) + "\n", headers=_HEADERS
    )


def _passes(check: HealthCheck) -> bool:
    try:
        return bool(check())
    except Exception:  # a broken check is a failed check, never a broken endpoint
        return False


def context_from_files(cert_file: str, key_file: str) -> ssl.SSLContext:
    """A server context for the given pair (--tls-cert-file, --tls-private-key-file)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context


def self_signed_context(cert_dir: str | None, name: str) -> ssl.SSLContext:
    """A server context with a self-signed pair for localhost and 127.0.0.1.

    With `cert_dir`, the pair is `<cert_dir>/<name>.crt` and `<name>.key`, made on the first
    start and reused afterwards; without, it lives only in memory."""
    if cert_dir:
        return context_from_files(*_ensure_pair(Path(cert_dir), name))
    with tempfile.TemporaryDirectory(prefix=f"pyk8s-{name}-") as scratch:
        return context_from_files(*_ensure_pair(Path(scratch), name))


def _ensure_pair(directory: Path, name: str) -> tuple[str, str]:
    cert_path, key_path = directory / f"{name}.crt", directory / f"{name}.key"
    if not (cert_path.exists() and key_path.exists()):
        from pyk8s.pki.certs import issue, new_ca

        ca = new_ca(f"{name}-ca")
        pair = issue(ca, name, hosts=("localhost", "127.0.0.1"), server=True, client=False)
        directory.mkdir(parents=True, exist_ok=True)
        cert_path.write_bytes(pair.cert_pem() + ca.cert_pem())
        key_path.touch(mode=0o600)
        key_path.write_bytes(pair.key_pem())
    return str(cert_path), str(key_path)
