"""`pyk8s controller-manager`: run the controllers (kube-controller-manager's flags, a subset).

Durations take Go's spelling ("40s", "1m30s", "500ms") or plain seconds. Flags the
tutorials pass that pyk8s has no use for yet (--cluster-cidr, --cluster-signing-*, ...) are
accepted and ignored, so the tutorials' command lines work unchanged.

SIGTERM or SIGINT stops the process cleanly with exit status 0: controllers are cancelled,
event recorders flushed, and a held leader Lease is released so a standby takes over at
once. (kube-controller-manager runs its controllers under a context no signal cancels, so
it just dies on SIGTERM and its standby waits out the Lease; handing the Lease back is
client-go's ReleaseOnCancel option, which we take.) Losing the Lease while running exits
with status 1, as the real component does.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import re
import signal

from pyk8s.client.config import build_config
from pyk8s.client.rest import Client
from pyk8s.controllers.manager import ControllerManager, LostLeadership, ManagerOptions
from pyk8s.controllers.options import DEFAULT_CONCURRENT_SYNCS, ControllerOptions

# QPS/burst as kube-controller-manager's defaults (--kube-api-qps, --kube-api-burst).
API_QPS, API_BURST = 20.0, 30
logger = logging.getLogger("pyk8s.controllers.manager")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
IGNORED_FLAGS = [
    "--cluster-cidr",
    "--cluster-name",
    "--cluster-signing-cert-file",
    "--cluster-signing-key-file",
    "--service-account-private-key-file",
    "--service-cluster-ip-range",
    "--allocate-node-cidrs",
    "--use-service-account-credentials",
    "--authentication-kubeconfig",
    "--authorization-kubeconfig",
    "--requestheader-client-ca-file",
    "--client-ca-file",
]


def duration(text: str) -> float:
    """Seconds from "40s", "1m0s", "250ms", or a plain number of seconds."""
    try:
        return float(text)
    except ValueError:
        pass
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise argparse.ArgumentTypeError(f"invalid duration {text!r}")
    return sum(float(number) * _UNITS[unit] for number, unit in parts)


def _bool(text: str) -> bool:
    return text.lower() in ("1", "true", "yes")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("controller-manager", help="run the controller manager")
    p.add_argument("--master", help="API server URL (overrides the kubeconfig's)")
    p.add_argument("--kubeconfig", help="kubeconfig file to reach the API server")
    p.add_argument(
        "--controllers",
        default="*",
        help='comma-separated: "*" (all on by default), "name" (enable), "-name" (disable)',
    )
    p.add_argument("--leader-elect", type=_bool, default=True, nargs="?", const=True)
    p.add_argument("--leader-elect-lease-duration", type=duration, default=15.0)
    p.add_argument("--leader-elect-renew-deadline", type=duration, default=10.0)
    p.add_argument("--leader-elect-retry-period", type=duration, default=2.0)
    p.add_argument("--leader-elect-resource-namespace", default="kube-system")
    p.add_argument("--leader-elect-resource-name", default="kube-controller-manager")
    for name, workers in DEFAULT_CONCURRENT_SYNCS.items():
        p.add_argument(f"--concurrent-{name}-syncs", type=int, default=workers, dest=f"sync_{name}")
    p.add_argument("--node-monitor-grace-period", type=duration, default=40.0)
    p.add_argument("--node-monitor-period", type=duration, default=5.0)
    p.add_argument("--node-startup-grace-period", type=duration, default=60.0)
    p.add_argument("--terminated-pod-gc-threshold", type=int, default=12500)
    p.add_argument("--root-ca-file", default=None, help="CA published as kube-root-ca.crt")
    p.add_argument("--namespace-sync-period", type=duration, default=300.0)
    p.add_argument("--min-resync-period", type=duration, default=0.0)
    p.add_argument("--kube-api-qps", type=float, default=API_QPS)
    p.add_argument("--kube-api-burst", type=int, default=API_BURST)
    p.add_argument("--bind-address", default="127.0.0.1", help="address of /healthz")
    p.add_argument("--secure-port", type=int, default=10257, help="HTTPS port of /healthz (0: off)")
    p.add_argument("--tls-cert-file", default="")
    p.add_argument("--tls-private-key-file", default="")
    p.add_argument("--cert-dir", default="", help="where a self-signed serving pair is kept")
    for flag in IGNORED_FLAGS:
        p.add_argument(flag, default=None, help=argparse.SUPPRESS)
    p.add_argument("-v", "--v", type=int, default=0, help="log verbosity")
    p.set_defaults(func=run)


def manager_options(args: argparse.Namespace) -> ManagerOptions:
    controller = ControllerOptions(
        concurrent_syncs={name: getattr(args, f"sync_{name}") for name in DEFAULT_CONCURRENT_SYNCS},
        node_monitor_grace_period=args.node_monitor_grace_period,
        node_monitor_period=args.node_monitor_period,
        node_startup_grace_period=args.node_startup_grace_period,
        terminated_pod_gc_threshold=args.terminated_pod_gc_threshold,
        root_ca_file=args.root_ca_file,
        resync_period=args.min_resync_period,
        namespace_sync_period=args.namespace_sync_period,
    )
    return ManagerOptions(
        controllers=[c.strip() for c in args.controllers.split(",") if c.strip()],
        leader_elect=args.leader_elect,
        lease_duration=args.leader_elect_lease_duration,
        renew_deadline=args.leader_elect_renew_deadline,
        retry_period=args.leader_elect_retry_period,
        lease_namespace=args.leader_elect_resource_namespace,
        lease_name=args.leader_elect_resource_name,
        bind_address=args.bind_address,
        secure_port=args.secure_port,
        tls_cert_file=args.tls_cert_file,
        tls_key_file=args.tls_private_key_file,
        cert_dir=args.cert_dir,
        controller=controller,
    )


async def run(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=logging.DEBUG if args.v >= 4 else logging.INFO,
        format="controller-manager %(levelname)s %(name)s %(message)s",
    )
    options = manager_options(args)
    config = build_config(args.kubeconfig, args.master).with_rate_limits(
        args.kube_api_qps, args.kube_api_burst
    )
    async with Client(config) as client:
        manager = asyncio.create_task(ControllerManager(client, options).run())
        stop = _stop_on_signals()
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({manager, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if stop.is_set():
            # Cancelling winds every controller down and hands the Lease back (the elector's
            # release on cancel), so a standby leads at once instead of waiting it out.
            manager.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await manager
            logger.info("stopped on signal")
            return 0
        try:
            manager.result()
        except LostLeadership as lost:
            logger.error("leaderelection lost: %s", lost)
            return 1
    return 0


def _stop_on_signals() -> asyncio.Event:
    """An event set by SIGTERM or SIGINT: the supervisor's request to stop."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    return stop
