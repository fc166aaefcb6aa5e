"""`pyk8s hollow-nodes --count N`: N simulated kubelets in one process (kubemark, kwok)."""

from __future__ import annotations

import argparse
import logging

from pyk8s.client.config import build_config
from pyk8s.kubelet.hollow_nodes import run_hollow_nodes


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("hollow-nodes", help="run N hollow kubelets (scale tests)")
    p.add_argument("--count", type=int, default=10, help="how many nodes")
    p.add_argument("--master", help="API server URL (overrides the kubeconfig's)")
    p.add_argument("--kubeconfig", help="kubeconfig file to reach the API server")
    p.add_argument("--name-prefix", default="hollow-node", help="nodes are <prefix>-<i>")
    p.add_argument("--root-dir", default="/tmp/pyk8s-hollow")
    p.add_argument("--startup-delay", type=float, default=0.0, help="seconds before a pod runs")
    p.add_argument("--max-pods", type=int, default=110)
    p.add_argument("--node-status-update-frequency", type=float, default=10.0)
    p.add_argument("-v", "--v", type=int, default=0, help="log verbosity")
    p.set_defaults(func=run)


async def run(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=logging.DEBUG if args.v >= 4 else logging.INFO if args.v >= 1 else logging.WARNING,
        format="hollow-nodes %(levelname)s %(message)s",
    )
    await run_hollow_nodes(
        build_config(args.kubeconfig, args.master), args.count, prefix=args.name_prefix,
        root_dir=args.root_dir, startup_delay=args.startup_delay, max_pods=args.max_pods,
        status_period=args.node_status_update_frequency,
    )  # fmt: skip
    return 0
