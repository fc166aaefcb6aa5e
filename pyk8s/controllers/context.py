"""What every controller receives: the API client, shared informers, events, time, options.

The controller manager builds one ControllerContext and hands it to every controller's
constructor. Sharing it is what makes thirty controllers cheap: one HTTP client with one
rate limit, one informer (one watch, one cache) per resource, one event recorder per
component name.

Tests build a context directly (`ControllerContext.create(client)`) and run a single
controller in-process, with a FakeClock when they need to move time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pyk8s.client.clock import Clock
from pyk8s.client.events import EventRecorder
from pyk8s.client.factory import SharedInformerFactory
from pyk8s.client.informer import Informer
from pyk8s.client.resources import ResourceClient
from pyk8s.client.rest import Client
from pyk8s.controllers.options import ControllerOptions


@dataclass
class ControllerContext:
    client: Client
    informers: SharedInformerFactory
    recorder_for: Callable[[str], EventRecorder]
    clock: Clock
    options: ControllerOptions = field(default_factory=ControllerOptions)
    # Recorders made by create()'s recorder_for, so close() can flush them.
    recorders: dict[str, EventRecorder] = field(default_factory=dict, repr=False)

    @classmethod
    def create(
        cls,
        client: Client,
        *,
        options: ControllerOptions | None = None,
        clock: Clock | None = None,
    ) -> ControllerContext:
        """A context with a fresh informer factory and one cached recorder per component.

        Recorders are started when first asked for; call `close()` to flush and stop them.
        """
        options = options or ControllerOptions()
        clock = clock or client.clock
        informers = SharedInformerFactory(client, resync_period=options.resync_period, clock=clock)
        recorders: dict[str, EventRecorder] = {}

        def recorder_for(component: str) -> EventRecorder:
            recorder = recorders.get(component)
            if recorder is None:
                recorder = recorders[component] = EventRecorder(client, component, clock=clock)
                recorder.start()
            return recorder

        return cls(client, informers, recorder_for, clock, options, recorders)

    def informer(
        self, group: str, version: str, plural: str, *, indexers: list[str] | None = None
    ) -> Informer:
        """The shared informer of a resource (shorthand for `informers.informer(...)`)."""
        return self.informers.informer(group, version, plural, indexers=indexers)

    def resource(self, group: str, version: str, plural: str) -> ResourceClient:
        """A ResourceClient for writes (reads should come from informers)."""
        return self.client.resource(group, version, plural)

    async def close(self) -> None:
        """Stop informers and flush event recorders created by `create()`."""
        await self.informers.shutdown()
        for recorder in self.recorders.values():
            await recorder.stop()
