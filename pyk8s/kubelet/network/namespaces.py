"""Namespaces a pod's containers share, kept alive without a process by bind mounts.

A Linux namespace lives as long as a process is in it or a file is bind-mounted onto it. Real
runtimes keep a "pause" container per pod to hold the pod's network, IPC and UTS namespaces;
we hold them with bind mounts instead: `ip netns add` for the network namespace (it then
appears under /var/run/netns, where CNI and `ip netns exec` find it), `unshare --ipc=FILE
--uts=FILE` for the other two. Every container of the pod joins them by path.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import socket
import threading

NETNS_DIR = "/var/run/netns"


class NamespaceError(Exception):
    pass


async def _run(*argv: str) -> str:
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    stdout, stderr = await process.communicate()
    if process.returncode != 0:
        raise NamespaceError(f"{' '.join(argv)}: {stderr.decode().strip()}")
    return stdout.decode()


def netns_path(name: str) -> str:
    return os.path.join(NETNS_DIR, name)


async def create_netns(name: str) -> str:
    """A new, empty network namespace named `name`; returns its path."""
    await _run("ip", "netns", "add", name)
    return netns_path(name)


async def delete_netns(name: str) -> None:
    """Remove the namespace's mount; the kernel frees it (and its veth end) once unused."""
    if os.path.exists(netns_path(name)):
        await _run("ip", "netns", "delete", name)


async def list_netns(prefix: str) -> list[str]:
    try:
        return sorted(n for n in os.listdir(NETNS_DIR) if n.startswith(prefix))
    except FileNotFoundError:
        return []


async def create_ipc_uts(directory: str, hostname: str) -> tuple[str, str]:
    """New IPC and UTS namespaces bound to files in `directory`, the UTS one with `hostname`."""
    os.makedirs(directory, exist_ok=True)
    ipc, uts = os.path.join(directory, "ipc"), os.path.join(directory, "uts")
    for path in (ipc, uts):
        open(path, "a").close()  # a bind mount needs an existing file to cover
    await _run("unshare", f"--ipc={ipc}", f"--uts={uts}", "hostname", hostname)
    return ipc, uts


async def delete_ipc_uts(directory: str) -> None:
    for name in ("ipc", "uts"):
        path = os.path.join(directory, name)
        if os.path.ismount(path):
            await _run("umount", path)
        if os.path.exists(path):
            os.unlink(path)


CLONE_NEWNET = 0x40000000


def _connect_inside(netns: str, host: str, port: int, timeout: float) -> socket.socket:
    """Runs on a thread of its own: enter `netns`, make the socket, connect, then come back.

    A socket belongs to the network namespace it was created in, whichever thread later uses
    it; and setns(2) moves only the calling thread. So one short-lived thread does the visit.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    with open("/proc/thread-self/ns/net") as home, open(netns) as target:
        if libc.setns(target.fileno(), CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {netns}")
        try:
            return socket.create_connection((host, port), timeout=timeout)
        finally:
            if libc.setns(home.fileno(), CLONE_NEWNET) != 0:
                raise SystemExit("cannot return to the kubelet's network namespace")


async def open_connection_in_netns(
    netns: str, port: int, *, host: str = "127.0.0.1", timeout: float = 5.0
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A TCP stream to host:port as seen from inside a pod's network namespace.

    This is how port-forward reaches a pod: like containerd, we dial localhost inside the pod,
    so a server bound to 127.0.0.1 in the pod is reachable too.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[socket.socket] = loop.create_future()

    def visit() -> None:
        try:
            connected = _connect_inside(netns, host, port, timeout)
        except BaseException as err:  # handed to the awaiting coroutine
            loop.call_soon_threadsafe(future.set_exception, err)
        else:
            loop.call_soon_threadsafe(future.set_result, connected)

    threading.Thread(target=visit, name=f"netns-connect-{port}", daemon=True).start()
    connected = await future
    connected.setblocking(False)
    return await asyncio.open_connection(sock=connected)
