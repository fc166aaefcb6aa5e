"""The controller manager: one process running every enabled controller, while it leads.

What `ControllerManager.run()` does, in order:

1. serves `/healthz` over HTTPS (127.0.0.1:10257 by default, a self-signed pair unless
   --tls-cert-file is given), which the API server's componentstatuses probes;
2. with leader election on, waits to hold the Lease kube-system/kube-controller-manager
   (pyk8s/client/leaderelection.py); only the holder runs controllers, so two managers
   never act on the same cluster at once;
3. builds one ControllerContext, constructs every controller that `--controllers` selects
   (each registers its informers and handlers), starts the shared informers, waits until
   every cache has synced, and only then starts the workers, so no controller ever acts
   on a half-filled cache (creating pods that already exist, say);
4. if leadership is lost, every controller is cancelled and the process exits (as the
   real component does), leaving a restart to the supervisor.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import uuid
from dataclasses import dataclass, field

from aiohttp import web

from pyk8s.client.clock import Clock
from pyk8s.client.healthz import context_from_files, self_signed_context, serve_healthz
from pyk8s.client.leaderelection import LeaderElectionConfig, LeaderElector
from pyk8s.client.rest import Client
from pyk8s.controllers import load_all
from pyk8s.controllers.base import Controller
from pyk8s.controllers.context import ControllerContext
from pyk8s.controllers.options import ControllerOptions
from pyk8s.controllers.registry import enabled_controllers

logger = logging.getLogger("pyk8s.controllers.manager")


@dataclass
class ManagerOptions:
    controllers: list[str] = field(default_factory=lambda: ["*"])
    leader_elect: bool = True
    lease_duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0
    lease_namespace: str = "kube-system"
    lease_name: str = "kube-controller-manager"
    bind_address: str = "127.0.0.1"
    secure_port: int = 10257  # 0 turns /healthz off
    tls_cert_file: str = ""
    tls_key_file: str = ""
    cert_dir: str = ""
    controller: ControllerOptions = field(default_factory=ControllerOptions)


class LostLeadership(Exception):
    """Leadership ended while controllers ran: the process must stop acting."""


class ControllerManager:
    def __init__(
        self, client: Client, options: ManagerOptions, *, clock: Clock | None = None
    ) -> None:
        self.client = client
        self.options = options
        self.clock = clock or client.clock
        self.identity = f"{socket.gethostname()}_{uuid.uuid4()}"
        self.controllers: list[Controller] = []
        self.leading = False
        load_all()
        self.selected = enabled_controllers(options.controllers)  # fail fast on bad names

    async def run(self) -> None:
        runner = await self._serve_healthz()
        try:
            if not self.options.leader_elect:
                await self.run_controllers()
                return
            elector = LeaderElector(
                self.client,
                LeaderElectionConfig(
                    self.options.lease_namespace,
                    self.options.lease_name,
                    self.identity,
                    lease_duration=self.options.lease_duration,
                    renew_deadline=self.options.renew_deadline,
                    retry_period=self.options.retry_period,
                ),
                on_started_leading=self.run_controllers,
                on_new_leader=lambda holder: logger.info("leader is now %s", holder),
                clock=self.clock,
            )
            await elector.run()
            raise LostLeadership(f"{self.identity} stopped leading")
        finally:
            await runner.cleanup()

    async def run_controllers(self) -> None:
        """Construct, sync and run every selected controller until cancelled."""
        self.leading = True
        ctx = ControllerContext.create(
            self.client, options=self.options.controller, clock=self.clock
        )
        try:
            self.controllers = [registration.factory(ctx) for registration in self.selected]
            ctx.informers.start()
            await ctx.informers.wait_for_cache_sync()
            names = ", ".join(c.name for c in self.controllers)
            logger.info("caches synced; starting controllers: %s", names)
            await asyncio.gather(
                *(
                    controller.run(self.options.controller.workers(controller.name))
                    for controller in self.controllers
                )
            )
        finally:
            self.leading = False
            await ctx.close()

    # health

    async def _serve_healthz(self) -> web.AppRunner:
        port = self.options.secure_port
        runner = await serve_healthz(
            self.options.bind_address, port, self._ssl_context() if port else None
        )
        if port:
            logger.info("serving /healthz on https://%s:%d", self.options.bind_address, port)
        return runner

    def _ssl_context(self) -> ssl.SSLContext:
        if self.options.tls_cert_file:
            return context_from_files(self.options.tls_cert_file, self.options.tls_key_file)
        # As kube-controller-manager: kept in --cert-dir when given, else only in memory.
        return self_signed_context(self.options.cert_dir or None, "kube-controller-manager")
