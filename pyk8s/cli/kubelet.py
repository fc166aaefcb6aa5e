"""`pyk8s kubelet`: make this machine a node (the kubelet's flags, the common subset).

pyk8s kubelet --kubeconfig kubelet.kubeconfig --pod-cidr 10.200.0.0/24
pyk8s kubelet --pod-manifest-path /etc/kubernetes/manifests     # no API server at all
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import socket

from pyk8s.client.config import build_config
from pyk8s.client.rest import Client
from pyk8s.kubelet.kubelet import Kubelet, KubeletConfig
from pyk8s.kubelet.node import default_node_ip, parse_taint
from pyk8s.kubelet.pleg import RELIST_PERIOD_SECONDS


def _labels(text: str) -> dict[str, str]:
    pairs = [item.split("=", 1) for item in text.split(",") if item]
    return {key: value for key, value in pairs}


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("kubelet", help="run the node agent")
    p.add_argument("--kubeconfig", help="kubeconfig file to reach the API server")
    p.add_argument("--master", help="API server URL (overrides the kubeconfig's)")
    p.add_argument("--pod-manifest-path", default="", help="directory of static pod manifests")
    p.add_argument("--hostname-override", default="", help="the node's name")
    p.add_argument("--root-dir", default="/var/lib/kubelet")
    p.add_argument("--container-runtime", choices=("runc", "hollow"), default="runc")
    p.add_argument("--cni-bin-dir", default="/usr/lib/cni:/opt/cni/bin")
    p.add_argument("--cni-conf-dir", default="/etc/cni/net.d")
    p.add_argument("--pod-cidr", default="", help="this node's pod addresses, e.g. 10.200.0.0/24")
    p.add_argument("--node-ip", default="", help="the node's InternalIP")
    p.add_argument("--port", type=int, default=10250, help="kubelet API port (0: off)")
    p.add_argument("--address", default="0.0.0.0", help="kubelet API address")
    p.add_argument("--node-labels", type=_labels, default={}, help="key=value,...")
    p.add_argument("--register-with-taints", default="", help="key=value:Effect,...")
    p.add_argument("--max-pods", type=int, default=110)
    p.add_argument("--cluster-dns", default="", help="DNS server IPs for pods, comma-separated")
    p.add_argument("--cluster-domain", default="cluster.local")
    p.add_argument("--log-dir", default="/var/log/pods", help="where container logs go")
    p.add_argument("--cgroup-root", default="/pyk8s", help="parent cgroup of every pod's cgroup")
    p.add_argument(
        "--netns-prefix", default="pyk8s-", help="prefix of the pods' network namespace names"
    )
    p.add_argument("-v", "--v", type=int, default=0, help="log verbosity")
    p.set_defaults(func=run)


def _runtime(args: argparse.Namespace, pod_cidr: str):
    if args.container_runtime == "hollow":
        from pyk8s.kubelet.runtime.hollow import HollowRuntime

        return HollowRuntime(pod_cidr)
    from pyk8s.kubelet.runtime.runc import RuncRuntime

    return RuncRuntime.for_node(
        args.root_dir,
        pod_cidr=args.pod_cidr or None,
        cni_conf_dir=args.cni_conf_dir,
        cni_bin_dirs=args.cni_bin_dir.split(":"),
        log_root=args.log_dir,
        cgroup_parent=args.cgroup_root,
        netns_prefix=args.netns_prefix,
    )


async def run(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=logging.DEBUG if args.v >= 4 else logging.INFO,
        format="kubelet %(levelname)s %(message)s",
    )
    pod_cidr = args.pod_cidr or "10.88.0.0/16"
    config = KubeletConfig(
        node_name=(args.hostname_override or socket.gethostname()).lower(),
        node_ip=args.node_ip or default_node_ip(),
        root_dir=args.root_dir,
        pod_cidr=args.pod_cidr,
        max_pods=args.max_pods,
        node_labels=args.node_labels,
        register_with_taints=[parse_taint(t) for t in args.register_with_taints.split(",") if t],
        cluster_dns=[ip for ip in args.cluster_dns.split(",") if ip],
        cluster_domain=args.cluster_domain,
        pod_manifest_path=args.pod_manifest_path,
        port=args.port,
        mount_volumes=args.container_runtime != "hollow",
        relist_period=0 if args.container_runtime == "hollow" else RELIST_PERIOD_SECONDS,
    )
    runtime = _runtime(args, pod_cidr)
    client = None
    if args.kubeconfig or args.master:
        client = Client(build_config(args.kubeconfig, args.master))
    kubelet = Kubelet(config, runtime, client)
    server = None
    if args.port and args.container_runtime != "hollow":
        from pyk8s.kubelet.containerio import RuntimeContainerIO
        from pyk8s.kubelet.server import KubeletServer

        server = KubeletServer(
            RuntimeContainerIO(runtime, kubelet.workers, node_name=config.node_name),
            address=args.address, port=args.port,
            cert_dir=os.path.join(args.root_dir, "pki"),
        )  # fmt: skip
        await server.start()
    print(f"kubelet {config.node_name} running", flush=True)
    try:
        await kubelet.run()
    finally:
        if server is not None:
            await server.stop()
        if client is not None:
            with contextlib.suppress(Exception):
                await client.close()
    return 0
