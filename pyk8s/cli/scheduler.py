"""`pyk8s scheduler`: run the scheduler (kube-scheduler's flags, the common subset)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from pyk8s.client.config import build_config
from pyk8s.client.rest import Client
from pyk8s.scheduler.config import SchedulerConfiguration, load_configuration, parse_duration
from pyk8s.scheduler.server import SchedulerServer, ServerOptions


def _bool(text: str) -> bool:
    return text.lower() in ("1", "true", "yes")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("scheduler", help="run the scheduler")
    p.add_argument("--master", help="API server URL (overrides the kubeconfig's)")
    p.add_argument("--kubeconfig", help="kubeconfig file to reach the API server")
    p.add_argument("--config", help="KubeSchedulerConfiguration file")
    p.add_argument("--leader-elect", type=_bool, default=None, help="run leader election")
    p.add_argument("--leader-elect-lease-duration", help="how long a lease lasts (e.g. 15s)")
    p.add_argument("--leader-elect-renew-deadline", help="how long the leader tries to renew")
    p.add_argument("--leader-elect-retry-period", help="how often candidates try (e.g. 2s)")
    p.add_argument("--bind-address", default="127.0.0.1", help="address of /healthz")
    p.add_argument("--secure-port", type=int, default=10259, help="HTTPS port of /healthz (0: off)")
    p.add_argument("--tls-cert-file", default="")
    p.add_argument("--tls-private-key-file", default="")
    p.add_argument("--cert-dir", default="", help="where a self-signed serving pair is made")
    p.add_argument("-v", "--v", type=int, default=0, help="log verbosity")
    p.set_defaults(func=run)


async def run(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=logging.DEBUG if args.v >= 4 else logging.INFO,
        format="scheduler %(levelname)s %(message)s",
    )
    config = SchedulerConfiguration()
    if args.config:
        config = load_configuration(Path(args.config).read_text())
    kubeconfig = args.kubeconfig or config.kubeconfig or None
    leader_elect = config.leader_elect if args.leader_elect is None else args.leader_elect
    options = ServerOptions(
        leader_elect=leader_elect,
        lease_duration=_seconds(args.leader_elect_lease_duration, config.lease_duration_seconds),
        renew_deadline=_seconds(args.leader_elect_renew_deadline, config.renew_deadline_seconds),
        retry_period=_seconds(args.leader_elect_retry_period, config.retry_period_seconds),
        healthz_address=args.bind_address,
        healthz_port=args.secure_port,
        tls_cert_file=args.tls_cert_file,
        tls_key_file=args.tls_private_key_file,
        cert_dir=args.cert_dir,
    )
    client_config = build_config(kubeconfig, args.master)
    client_config = client_config.with_rate_limits(config.client_qps, config.client_burst)
    async with Client(client_config) as client:
        return await SchedulerServer(client, config, options).run()


def _seconds(flag: str | None, configured: float) -> float:
    # Flags win over the configuration file, as kube-scheduler's deprecated flags do.
    return configured if flag is None else parse_duration(flag)
