"""`pyk8s proxy`: make Service IPs and node ports work on this node (kube-proxy's flags).

pyk8s proxy --master http://127.0.0.1:8080 --cluster-cidr 10.244.0.0/16
pyk8s proxy --kubeconfig proxy.kubeconfig --nodeport-addresses 192.168.1.0/24
pyk8s proxy --cleanup          # remove every rule and chain the proxy made, then exit
"""

from __future__ import annotations

import argparse
import logging
import re
import socket

from pyk8s.client.config import build_config
from pyk8s.client.rest import Client
from pyk8s.proxy.iptables import Iptables, IptablesError
from pyk8s.proxy.plan import ProxyOptions
from pyk8s.proxy.server import ProxyServer, ServerOptions

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def duration(text: str) -> float:
    """A Go duration as kube-proxy's flags take them: "1s", "30s", "1m0s", "500ms"."""
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise argparse.ArgumentTypeError(f"invalid duration {text!r} (e.g. 1s, 30s, 1m0s)")
    return sum(float(n) * _UNITS[u] for n, u in parts)


def _csv(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("proxy", help="run the network proxy (Service IPs, node ports)")
    p.add_argument("--master", help="API server URL (overrides the kubeconfig's)")
    p.add_argument("--kubeconfig", help="kubeconfig file to reach the API server")
    p.add_argument("--proxy-mode", default="iptables", choices=["iptables"])
    p.add_argument("--cleanup", action="store_true", help="remove our rules and chains, exit")
    p.add_argument("--hostname-override", help="this node's name (default: the hostname)")
    p.add_argument("--cluster-cidr", help="pod CIDR: traffic from elsewhere is masqueraded")
    p.add_argument("--masquerade-all", action="store_true", help="masquerade all service traffic")
    p.add_argument("--iptables-masquerade-bit", type=int, default=14)
    p.add_argument(
        "--nodeport-addresses",
        type=_csv,
        default=(),
        help='CIDRs (or "primary") whose addresses serve node ports; default all',
    )
    p.add_argument("--iptables-min-sync-period", type=duration, default=1.0)
    p.add_argument("--iptables-sync-period", type=duration, default=30.0)
    p.add_argument("--healthz-bind-address", default="0.0.0.0:10256", help='"" turns it off')
    p.add_argument("-v", "--v", type=int, default=0, help="log verbosity")
    p.set_defaults(func=run)


def options_from(args: argparse.Namespace) -> ServerOptions:
    return ServerOptions(
        node_name=args.hostname_override or socket.gethostname(),
        min_sync_period=args.iptables_min_sync_period,
        sync_period=args.iptables_sync_period,
        healthz_bind_address=args.healthz_bind_address,
        rules=ProxyOptions(
            masquerade_bit=args.iptables_masquerade_bit,
            masquerade_all=args.masquerade_all,
            cluster_cidr=args.cluster_cidr,
            nodeport_addresses=args.nodeport_addresses,
        ),
    )


async def run(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=logging.DEBUG if args.v >= 4 else logging.INFO,
        format="proxy %(levelname)s %(message)s",
    )
    try:
        if args.cleanup:
            removed = await Iptables().cleanup()
            print("removed the proxy's rules and chains" if removed else "nothing to clean up")
            return 0
        async with Client(build_config(args.kubeconfig, args.master)) as client:
            return await ProxyServer(client, options_from(args)).run()
    except IptablesError as err:
        logging.getLogger("pyk8s.proxy").error("%s", err)
        return 1
