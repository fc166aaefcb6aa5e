"""`pyk8s apiserver`: the API server, with kube-apiserver's flag names.

    pyk8s apiserver --data-dir /var/lib/pyk8s --insecure-port 8080
    pyk8s apiserver --etcd-servers http://127.0.0.1:2379 --secure-port 6443

Prints one line saying where it serves once it is ready, then runs until SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _bool(text: str) -> bool:
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("apiserver", help="run the API server")
    p.add_argument("--data-dir", help="directory of the embedded SQLite store")
    p.add_argument(
        "--etcd-servers", type=_csv, default=[], help="etcd client URLs, comma separated"
    )
    p.add_argument("--etcd-prefix", default="/registry")
    p.add_argument("--etcd-cafile")
    p.add_argument("--etcd-certfile")
    p.add_argument("--etcd-keyfile")
    p.add_argument("--insecure-bind-address", default="127.0.0.1", help="loopback only")
    p.add_argument("--insecure-port", type=int, default=0, help="plain HTTP port (0: none)")
    p.add_argument("--bind-address", default="127.0.0.1")
    p.add_argument("--secure-port", type=int, default=6443, help="HTTPS port (0: none)")
    p.add_argument("--tls-cert-file")
    p.add_argument("--tls-private-key-file")
    p.add_argument("--cert-dir", help="where a self-signed serving pair is made when none is given")
    p.add_argument(
        "--client-ca-file", help="CA that signs client certificates (users = CN, groups = O)"
    )
    p.add_argument("--token-auth-file", help='static bearer tokens: token,user,uid,"group1,group2"')
    p.add_argument(
        "--anonymous-auth",
        type=_bool,
        default=True,
        help="let unauthenticated requests in as system:anonymous",
    )
    p.add_argument(
        "--service-account-issuer",
        action="append",
        dest="service_account_issuers",
        help="issuer of service account tokens (repeatable; the first signs new tokens; "
        "default https://kubernetes.default.svc.cluster.local)",
    )
    p.add_argument(
        "--service-account-key-file",
        action="append",
        dest="service_account_key_files",
        default=[],
        help="PEM file of public keys (or certificates) that verify tokens; repeatable",
    )
    p.add_argument(
        "--service-account-signing-key-file",
        help="private key that signs service account tokens (made in --cert-dir when unset)",
    )
    p.add_argument(
        "--api-audiences",
        type=_csv,
        default=[],
        help="audiences this server accepts in tokens, comma separated (default: the issuer)",
    )
    p.add_argument("--kubelet-client-certificate", help="certificate presented to kubelets")
    p.add_argument("--kubelet-client-key")
    p.add_argument("--kubelet-certificate-authority", help="CA of the kubelets' serving certs")
    p.add_argument(
        "--kubelet-preferred-address-types",
        type=_csv,
        default=["InternalIP", "ExternalIP", "Hostname"],
    )
    p.add_argument(
        "--default-watch-cache-size",
        type=int,
        default=0,
        help="events kept per resource for resuming watches (0: 10000)",
    )
    p.add_argument("--advertise-address", help="the address published in default/kubernetes")
    p.add_argument("--service-cluster-ip-range", default="10.0.0.0/24")
    p.add_argument("--service-node-port-range", default="30000-32767")
    p.add_argument("--enable-admission-plugins", type=_csv, default=[])
    p.add_argument("--disable-admission-plugins", type=_csv, default=[])
    p.add_argument("--authorization-mode", default="AlwaysAllow")
    p.add_argument("-v", "--v", dest="verbosity", type=int, default=0, help="log verbosity")
    p.set_defaults(func=run)


async def run(args: argparse.Namespace) -> int:
    import asyncio
    import logging
    import signal
    import sys

    from pyk8s.apiserver.config import APIServerConfig
    from pyk8s.apiserver.server import APIServer
    from pyk8s.apiserver.serviceaccounts.tokens import DEFAULT_ISSUER

    logging.basicConfig(
        level=logging.DEBUG
        if args.verbosity >= 4
        else logging.INFO
        if args.verbosity
        else logging.WARNING,
        format="apiserver %(levelname)s %(name)s: %(message)s",
    )
    config = APIServerConfig(
        data_dir=args.data_dir,
        etcd_servers=args.etcd_servers,
        etcd_prefix=args.etcd_prefix,
        etcd_cafile=args.etcd_cafile,
        etcd_certfile=args.etcd_certfile,
        etcd_keyfile=args.etcd_keyfile,
        insecure_bind_address=args.insecure_bind_address,
        insecure_port=args.insecure_port or None,
        bind_address=args.bind_address,
        secure_port=args.secure_port or None,
        tls_cert_file=args.tls_cert_file,
        tls_private_key_file=args.tls_private_key_file,
        cert_dir=args.cert_dir,
        client_ca_file=args.client_ca_file,
        token_auth_file=args.token_auth_file,
        anonymous_auth=args.anonymous_auth,
        service_account_issuers=args.service_account_issuers or [DEFAULT_ISSUER],
        service_account_key_files=args.service_account_key_files,
        service_account_signing_key_file=args.service_account_signing_key_file,
        api_audiences=args.api_audiences,
        advertise_address=args.advertise_address,
        default_watch_cache_size=args.default_watch_cache_size,
        kubelet_client_certificate=args.kubelet_client_certificate,
        kubelet_client_key=args.kubelet_client_key,
        kubelet_certificate_authority=args.kubelet_certificate_authority,
        kubelet_preferred_address_types=args.kubelet_preferred_address_types,
        service_cluster_ip_range=args.service_cluster_ip_range,
        service_node_port_range=args.service_node_port_range,
        enable_admission_plugins=args.enable_admission_plugins,
        disable_admission_plugins=args.disable_admission_plugins,
        authorization_mode=args.authorization_mode,
        verbosity=args.verbosity,
    )
    try:
        config.check()
    except ValueError as err:
        print(f"pyk8s apiserver: {err}", file=sys.stderr)
        return 2
    server = APIServer(config)
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    urls = " and ".join(u for u in (server.http_url, server.https_url) if u)
    print(f"pyk8s apiserver serving on {urls}", flush=True)
    try:
        await stop.wait()
    finally:
        await server.stop()
    return 0
