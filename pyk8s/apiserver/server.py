"""APIServer: the store, the registry and the listeners, started and stopped as one.

`start()` opens the store (unless one was given), starts the watch caches, creates the
system namespaces, and listens: plain HTTP on a loopback address and/or HTTPS. `stop()`
undoes all of it. Ports given as 0 are chosen by the OS; `http_url` / `https_url` say
which were taken.
"""

from __future__ import annotations

import importlib
import logging
import ssl
from typing import TYPE_CHECKING, Any

from pyk8s.apiserver.config import APIServerConfig

if TYPE_CHECKING:
    from aiohttp import web

    from pyk8s.apiserver.authn import Authenticator
    from pyk8s.apiserver.registry import Registry
    from pyk8s.storage.interface import Store

logger = logging.getLogger("pyk8s.apiserver")


def _load_kinds_and_strategies() -> None:
    importlib.import_module("pyk8s.api.kinds")
    # Per-resource strategies and subresource handlers register themselves on import.
    modules = (
        "pyk8s.apiserver.strategies",
        "pyk8s.apiserver.subresources",
        "pyk8s.apiserver.authz",
    )
    for module in modules:
        importlib.import_module(module)


class APIServer:
    def __init__(self, config: APIServerConfig, store: Store | None = None) -> None:
        self.config = config
        self.store = store
        self._owns_store = store is None
        self.registry: Registry | None = None
        self._runner: web.AppRunner | None = None
        self.http_url = ""
        self.https_url = ""

    async def start(self) -> None:
        from aiohttp import web

        from pyk8s.apiserver.admission import AdmissionChain
        from pyk8s.apiserver.app import build_app
        from pyk8s.apiserver.bootstrap import ensure_system_namespaces
        from pyk8s.apiserver.registry import Registry
        from pyk8s.apiserver.strategies.kubernetes_service import ensure_kubernetes_service

        config = self.config
        _load_kinds_and_strategies()
        if self.store is None:
            self.store = await self._open_store()
        admission = AdmissionChain.build(
            config.enable_admission_plugins, config.disable_admission_plugins
        )
        self.registry = Registry(
            self.store, admission, watch_cache_size=config.default_watch_cache_size or None
        )
        await self._configure_strategies(self.store)
        await self.registry.start()
        await ensure_system_namespaces(self.registry)
        await ensure_kubernetes_service(
            self.registry,
            advertise_address=config.advertise_address,
            secure_port=config.secure_port or 443,
        )
        port = config.secure_port if config.secure_port is not None else config.insecure_port
        app = build_app(
            self.registry,
            server_address=f"{config.bind_address}:{port}",
            authenticator=self._authenticator(),
            authorizer=await self._authorizer(),
        )
        # lingering_time: how long to drain an unread (rejected, say oversized) body.
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, lingering_time=1.0)
        await self._runner.setup()
        if config.insecure_port is not None:
            site = web.TCPSite(self._runner, config.insecure_bind_address, config.insecure_port)
            self.http_url = f"http://{config.insecure_bind_address}:{await self._listen(site)}"
        if config.secure_port is not None:
            tls = self._tls()
            site = web.TCPSite(
                self._runner, config.bind_address, config.secure_port, ssl_context=tls
            )
            self.https_url = f"https://{config.bind_address}:{await self._listen(site)}"
        from pyk8s.apiserver.app import SERVER_ADDRESS

        app[SERVER_ADDRESS][0] = (self.https_url or self.http_url).split("://", 1)[1]

    async def _configure_strategies(self, store: Store) -> None:
        """Give the strategies that keep state of their own (IP and port allocations,
        component health) this server's store, and repair allocations a crash left."""
        from pyk8s.apiserver import allocators
        from pyk8s.apiserver.strategies import computed

        allocators.configure(
            store,
            service_cidr=self.config.service_cluster_ip_range,
            node_port_range=self.config.service_node_port_range,
        )
        await allocators.repair()
        computed.configure(store)
        from pyk8s.apiserver import serviceaccounts

        # Signing keys and the TokenRequest / TokenReview handlers.
        serviceaccounts.configure(self.config, self.registry)
        from pyk8s.apiserver.subresources import kubelet_client

        kubelet_client.configure(
            client_certificate=self.config.kubelet_client_certificate,
            client_key=self.config.kubelet_client_key,
            certificate_authority=self.config.kubelet_certificate_authority,
            preferred_address_types=tuple(self.config.kubelet_preferred_address_types),
        )

    async def _listen(self, site: web.TCPSite) -> int:
        """Start a listener; return the port it got (the OS picks one for port 0)."""
        assert self._runner is not None
        before = set(map(tuple, self._runner.addresses))
        await site.start()
        new = [a for a in self._runner.addresses if tuple(a) not in before]
        return int(new[0][1])

    async def _open_store(self) -> Store:
        from pyk8s.storage.factory import StoreOptions, open_store

        config = self.config
        return await open_store(
            StoreOptions(
                data_dir=config.data_dir,
                etcd_servers=config.etcd_servers or None,
                etcd_prefix=config.etcd_prefix,
                etcd_cafile=config.etcd_cafile,
                etcd_certfile=config.etcd_certfile,
                etcd_keyfile=config.etcd_keyfile,
            )
        )

    async def _authorizer(self) -> Any:
        """The authorizer for --authorization-mode, or None for AlwaysAllow (no check at all).
        RBAC needs Kubernetes' default roles and bindings: they are written (or completed) here."""
        from pyk8s.apiserver import authz

        assert self.registry is not None
        modes = authz.parse_modes(self.config.authorization_mode)
        if modes == ["AlwaysAllow"]:
            return None
        if "RBAC" in modes:
            await authz.ensure_bootstrap_policy(self.registry)
        authorizer = authz.build_authorizer(
            modes,
            roles=authz.RegistryRoleSource(self.registry),
            graph=authz.RegistryNodeGraph(self.registry),
        )
        authz.register_review_handlers(authorizer)
        return authorizer

    def _authenticator(self) -> Authenticator:
        from pyk8s.apiserver import serviceaccounts
        from pyk8s.apiserver.authn import Authenticator, load_token_file

        tokens = load_token_file(self.config.token_auth_file) if self.config.token_auth_file else {}
        return Authenticator(
            tokens=tokens,
            anonymous=self.config.anonymous_auth,
            token_authenticators=[serviceaccounts.verifier(self.registry)],
        )

    def _tls(self) -> ssl.SSLContext:
        config = self.config
        cert, key = config.tls_cert_file, config.tls_private_key_file
        if not cert or not key:
            from pyk8s.pki.selfsigned import ensure_serving_cert

            cert_dir = config.certificates_dir
            cert, key = ensure_serving_cert(cert_dir, config.service_cluster_ip_range)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        if config.client_ca_file:
            # Optional, not required: token and anonymous clients connect without a cert.
            context.verify_mode = ssl.CERT_OPTIONAL
            context.load_verify_locations(config.client_ca_file)
        return context

    async def stop(self) -> None:
        if self.registry is not None:
            # End open watch streams first, so that the listeners can close at once.
            self.registry.end_watches()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.registry is not None:
            await self.registry.stop()
        if self.store is not None and self._owns_store:
            await self.store.close()
            self.store = None
