"""Pod syncs against a scripted runtime (restarts, CrashLoopBackOff, init order, phases) and
probes against real servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from aiohttp import web

from pyk8s.kubelet.containers import ContainerStarter
from pyk8s.kubelet.podsync import PodSyncer
from pyk8s.kubelet.probes import ProbeManager, Target, run_probe
from pyk8s.kubelet.runtime.hollow import HollowRuntime


class ExitingRuntime(HollowRuntime):
    """Containers named in `exits` exit with that code as soon as they start."""

    def __init__(self, exits: dict[str, int]) -> None:
        super().__init__("10.244.1.0/24")
        self.exits = exits
        self.now = 1000.0
        self._clock = lambda: self.now

    async def start_container(self, container_id: str) -> None:
        await super().start_container(container_id)
        status = self._containers[container_id]
        if status.name in self.exits:
            code = self.exits[status.name]
            self._containers[container_id] = replace(
                status,
                state="exited",
                exit_code=code,
                reason="Completed" if code == 0 else "Error",
                finished_at=self.now,
            )


def make_syncer(runtime):
    events, statuses = [], []

    async def write_status(pod, patch):
        # What the API holds after the merge patch.
        statuses.append({**(statuses[-1] if statuses else {}), **patch["status"]})

    async def lookup(kind, namespace, name):
        return None

    def record(obj, kind, reason, message, *, field_path=""):
        events.append((reason, message))

    starter = ContainerStarter(runtime, lookup=lookup, services=list, record=record, volumes=None)
    probes = ProbeManager(runtime, lambda uid: None, lambda *a: None)
    syncer = PodSyncer(
        runtime, starter, probes, host_ip="192.168.0.10", record=record, write_status=write_status,
        clock=lambda: runtime.now,
    )  # fmt: skip
    return syncer, events, statuses


def pod(restart_policy="Always", init=()):
    return {
        "metadata": {"name": "p", "namespace": "default", "uid": "uid-1"},
        "spec": {
            "restartPolicy": restart_policy,
            "initContainers": [{"name": n, "image": "busybox"} for n in init],
            "containers": [{"name": "app", "image": "busybox", "imagePullPolicy": "IfNotPresent"}],
        },
    }


async def test_crash_loop_back_off_doubles():
    runtime = ExitingRuntime({"app": 1})
    syncer, events, statuses = make_syncer(runtime)
    the_pod = pod()
    await syncer.sync(the_pod)  # first start, exits
    await syncer.sync(the_pod)  # first restart happens at once
    delay = await syncer.sync(the_pod)  # the second crash: back-off 10 s
    app = statuses[-1]["containerStatuses"][0]
    assert app["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert (
        app["state"]["waiting"]["message"]
        == "back-off 10s restarting failed container=app pod=p_default(uid-1)"
    )
    assert app["lastState"]["terminated"]["exitCode"] == 1
    assert app["restartCount"] == 1
    assert statuses[-1]["phase"] == "Running"
    assert 0 < delay <= 10
    assert ("BackOff", "Back-off restarting failed container app in pod p_default(uid-1)") in events
    runtime.now += 10
    await syncer.sync(the_pod)  # restarted after 10 s, exits again
    await syncer.sync(the_pod)
    waiting = statuses[-1]["containerStatuses"][0]
    assert waiting["state"]["waiting"]["message"].startswith("back-off 20s")
    assert waiting["restartCount"] == 2


async def test_never_restart_policy_fails_the_pod():
    runtime = ExitingRuntime({"app": 3})
    syncer, _, statuses = make_syncer(runtime)
    await syncer.sync(pod("Never"))
    await syncer.sync(pod("Never"))
    assert statuses[-1]["phase"] == "Failed"
    assert statuses[-1]["containerStatuses"][0]["state"]["terminated"]["exitCode"] == 3
    assert all(s.state == "notready" for s in await runtime.list_sandboxes())  # stopped


async def test_init_containers_run_in_order_before_the_app():
    runtime = ExitingRuntime({"first": 0, "second": 0})
    syncer, events, statuses = make_syncer(runtime)
    the_pod = pod(init=("first", "second"))
    await syncer.sync(the_pod)
    assert statuses[-1]["phase"] == "Pending"
    init = {s["name"]: s for s in statuses[-1]["initContainerStatuses"]}
    assert init["first"]["state"]["terminated"]["reason"] == "Completed"
    assert init["second"]["state"]["waiting"]["reason"] == "PodInitializing"
    assert statuses[-1]["containerStatuses"][0]["state"]["waiting"]["reason"] == "PodInitializing"
    await syncer.sync(the_pod)
    await syncer.sync(the_pod)
    final = statuses[-1]
    assert final["phase"] == "Running"
    conditions = {c["type"]: c["status"] for c in final["conditions"]}
    assert conditions["Initialized"] == "True" and conditions["Ready"] == "True"
    started = [m for reason, m in events if reason == "Started"]
    assert started == [
        "Started container first",
        "Started container second",
        "Started container app",
    ]


async def test_probes_against_real_local_servers():
    async def healthy(request):
        return web.Response(text="ok")

    async def broken(request):
        return web.Response(status=500)

    app = web.Application()
    app.router.add_get("/healthz", healthy)
    app.router.add_get("/broken", broken)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        container = {"name": "app", "ports": [{"name": "http", "containerPort": port}]}
        target = Target("uid", container, "cid", "127.0.0.1")
        runtime = HollowRuntime("10.0.0.0/24")
        assert await run_probe(
            {"httpGet": {"path": "/healthz", "port": "http"}}, target, runtime
        ) == (True, "")
        passed, message = await run_probe(
            {"httpGet": {"path": "/broken", "port": port}}, target, runtime
        )
        assert not passed and message == "HTTP probe failed with statuscode: 500"
        assert (await run_probe({"tcpSocket": {"port": port}}, target, runtime))[0]
        with __import__("socket").socket() as closed:
            closed.bind(("127.0.0.1", 0))
            free = closed.getsockname()[1]
        passed, message = await run_probe({"tcpSocket": {"port": free}}, target, runtime)
        assert not passed and f"127.0.0.1:{free}" in message
    finally:
        await runner.cleanup()


async def test_liveness_failure_flips_after_failure_threshold():
    runtime = HollowRuntime("10.0.0.0/24")
    changes = []
    manager = ProbeManager(runtime, changes.append, lambda *a: None)
    probe = {
        "tcpSocket": {"port": 1},
        "periodSeconds": 0.01,
        "failureThreshold": 2,
        "timeoutSeconds": 1,
    }
    target = Target("uid", {"name": "app", "livenessProbe": probe}, "cid", "127.0.0.1")
    manager.ensure(target)
    assert manager.verdict("cid", "livenessProbe") is True
    for _ in range(200):
        if manager.verdict("cid", "livenessProbe") is False:
            break
        await asyncio.sleep(0.01)
    assert manager.verdict("cid", "livenessProbe") is False
    assert changes == ["uid"]
    manager.close()
