"""`pyk8s pki init`: make a cluster's CA, certificates and kubeconfigs (the tutorials' step 4)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("pki", help="make a cluster's certificates and kubeconfigs")
    actions = parser.add_subparsers(dest="pki_command", metavar="ACTION", required=True)
    init = actions.add_parser("init", help="make whatever is missing in DIR (keeps what exists)")
    init.add_argument("--dir", required=True, help="where the files go")
    init.add_argument("--server", default="https://127.0.0.1:6443", help="API server URL")
    init.add_argument("--service-cluster-ip-range", default="10.0.0.0/24")
    init.add_argument("--node", action="append", default=[], help="a node name (repeatable)")
    init.add_argument("--host", action="append", default=[], help="extra API server name or IP")
    init.set_defaults(func=run_init)


def run_init(args: argparse.Namespace) -> int:
    from pyk8s.pki import cluster

    pki = cluster.ensure(
        Path(args.dir),
        server=args.server,
        service_cidr=args.service_cluster_ip_range,
        node_names=tuple(args.node),
        extra_hosts=tuple(args.host),
    )
    for path in sorted(pki.directory.iterdir()):
        print(path)
    return 0
