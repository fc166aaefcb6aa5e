"""`pyk8s up`: a whole cluster on this machine, each component its own supervised process.

It does what the tutorials do by hand, in their order: make the PKI (CA, certificates,
kubeconfigs), start the API server on the embedded store with TLS and client-certificate
authentication, then every other component with its own kubeconfig. A component that exits is
restarted with a growing delay; Ctrl-C (or SIGTERM) stops them all, newest first.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import socket
import ssl
import sys
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATA_DIR = "/var/lib/pyk8s"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("up", help="start a whole cluster on this machine")
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR, help="state, certificates, logs")
    parser.add_argument("--secure-port", type=int, default=6443)
    parser.add_argument("--service-cluster-ip-range", default="10.0.0.0/24")
    parser.add_argument(
        "--insecure-port",
        type=int,
        default=None,
        help="also serve plain HTTP on 127.0.0.1:PORT, with no authentication (off by default)",
    )
    parser.add_argument("--node-name", default=socket.gethostname().lower(), help="this node")
    parser.add_argument("--pod-cidr", default="10.200.0.0/24", help="this node's pod addresses")
    parser.add_argument(
        "--container-runtime",
        choices=("runc", "hollow"),
        default="runc",
        help="hollow runs no containers (pods only look Running)",
    )
    parser.add_argument("-v", dest="verbosity", type=int, default=0)
    parser.set_defaults(func=run)


@dataclass
class Component:
    name: str
    argv: list[str]
    process: asyncio.subprocess.Process | None = None
    restarts: int = 0
    log_path: Path = field(default_factory=Path)


def plan(args: argparse.Namespace, data_dir: Path) -> list[Component]:
    from pyk8s.pki import cluster

    server = f"https://127.0.0.1:{args.secure_port}"
    pki = cluster.ensure(
        data_dir / "pki",
        server=server,
        service_cidr=args.service_cluster_ip_range,
        node_names=(args.node_name,),
    )
    pyk8s = [sys.executable, "-m", "pyk8s"]
    verbosity = ["-v", str(args.verbosity)] if args.verbosity else []
    apiserver = [
        *pyk8s, "apiserver",
        "--data-dir", str(data_dir / "store"),
        "--secure-port", str(args.secure_port),
        "--tls-cert-file", str(pki.path("kubernetes.pem")),
        "--tls-private-key-file", str(pki.path("kubernetes-key.pem")),
        "--anonymous-auth", "false",
        "--authorization-mode", "Node,RBAC",
        "--client-ca-file", str(pki.ca_file),
        "--kubelet-client-certificate", str(pki.path("kubernetes.pem")),
        "--kubelet-client-key", str(pki.path("kubernetes-key.pem")),
        "--service-account-key-file", str(pki.path("service-account.pem")),
        "--service-account-signing-key-file", str(pki.path("service-account-key.pem")),
        "--service-cluster-ip-range", args.service_cluster_ip_range,
        *verbosity,
    ]  # fmt: skip
    if args.insecure_port is not None:
        apiserver += ["--insecure-port", str(args.insecure_port)]
    components = [Component("apiserver", apiserver)]
    # The rest, each with its own identity and flags, in the tutorials' order.
    node_flags = {
        # Published to every namespace as kube-root-ca.crt, which every pod mounts.
        "controller_manager": ["--root-ca-file", str(pki.ca_file)],
        "kubelet": [
            "--hostname-override", args.node_name, "--pod-cidr", args.pod_cidr,
            "--root-dir", str(data_dir / "kubelet"), "--log-dir", str(data_dir / "pods"),
            "--container-runtime", args.container_runtime,
        ],
        "proxy": ["--hostname-override", args.node_name, "--cluster-cidr", args.pod_cidr],
    }  # fmt: skip
    for module, identity in (
        ("controller_manager", "kube-controller-manager"),
        ("scheduler", "kube-scheduler"),
        ("kubelet", f"node-{args.node_name}"),
        ("proxy", "kube-proxy"),
    ):
        command = module.replace("_", "-")
        argv = [*pyk8s, command, "--kubeconfig", str(pki.kubeconfig(identity))]
        components.append(Component(command, argv + node_flags.get(module, []) + verbosity))
    return components


async def wait_ready(data_dir: Path, port: int, timeout: float = 30.0) -> None:
    """Poll /readyz with the admin certificate until the API server answers 200."""
    import aiohttp

    pki = data_dir / "pki"
    context = ssl.create_default_context(cafile=str(pki / "ca.pem"))
    context.load_cert_chain(pki / "admin.pem", pki / "admin-key.pem")
    deadline = asyncio.get_running_loop().time() + timeout
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                url = f"https://127.0.0.1:{port}/readyz"
                async with session.get(url, ssl=context) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"the API server did not become ready in {timeout:.0f} s")
            await asyncio.sleep(0.1)


def _die_with_parent() -> None:
    """In the child: get SIGTERM if `pyk8s up` dies, so no component outlives it."""
    import ctypes

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


async def supervise(component: Component, stopping: asyncio.Event) -> None:
    """Run the component; restart it with a growing delay if it exits on its own."""
    while not stopping.is_set():
        with component.log_path.open("ab") as log:
            component.process = await asyncio.create_subprocess_exec(
                *component.argv,
                stdout=log,
                stderr=log,
                stdin=asyncio.subprocess.DEVNULL,
                preexec_fn=_die_with_parent,
            )
        code = await component.process.wait()
        if stopping.is_set():
            return
        component.restarts += 1
        delay = min(2 ** min(component.restarts, 5), 30)
        print(f"pyk8s up: {component.name} exited ({code}); restarting in {delay} s "
              f"(log: {component.log_path})", flush=True)  # fmt: skip
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), delay)


async def stop_all(components: list[Component]) -> None:
    for component in reversed(components):
        process = component.process
        if process is None or process.returncode is not None:
            continue
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()


async def run(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir).resolve()
    (data_dir / "logs").mkdir(parents=True, exist_ok=True)
    components = plan(args, data_dir)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    tasks = []
    try:
        for component in components:
            component.log_path = data_dir / "logs" / f"{component.name}.log"
            tasks.append(asyncio.create_task(supervise(component, stopping)))
            if component.name == "apiserver":
                await wait_ready(data_dir, args.secure_port)
            print(f"pyk8s up: {component.name} started (log: {component.log_path})", flush=True)
        kubeconfig = data_dir / "pki" / "admin.kubeconfig"
        print(f"\nThe cluster is up. Use it with:\n\n    export KUBECONFIG={kubeconfig}\n"
              f"    kubectl get namespaces\n\nCtrl-C stops it; state stays in {data_dir}.",
              flush=True)  # fmt: skip
        await stopping.wait()
    except TimeoutError as err:
        print(f"pyk8s up: {err}; see {data_dir / 'logs'}", file=sys.stderr)
        return 1
    finally:
        stopping.set()
        await stop_all(components)
        for task in tasks:
            task.cancel()
    return 0
