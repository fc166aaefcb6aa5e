"""The kubelet's container events name the container, as involvedObject.fieldPath
`spec.containers{app}` / `spec.initContainers{setup}`: that is what `kubectl describe pod`
shows in the From column (`kubelet  spec.containers{app}`); pod-wide events name none."""

from __future__ import annotations

from pyk8s.kubelet.containers import ContainerStarter, container_field_path
from pyk8s.kubelet.podsync import PodSyncer
from pyk8s.kubelet.probes import ProbeManager
from tests.unit.kubelet_agent.test_sync_and_probes import ExitingRuntime, pod


def make_syncer(runtime: ExitingRuntime) -> tuple[PodSyncer, list[tuple[str, str]]]:
    events: list[tuple[str, str]] = []  # (reason, field path)

    async def write_status(pod, patch) -> None:
        return None

    async def lookup(kind, namespace, name) -> None:
        return None

    def record(obj, event_type, reason, message, *, field_path=""):
        events.append((reason, field_path))

    starter = ContainerStarter(runtime, lookup=lookup, services=list, record=record, volumes=None)
    probes = ProbeManager(runtime, lambda uid: None, lambda *a: None)
    syncer = PodSyncer(
        runtime, starter, probes, host_ip="192.168.0.10", record=record, write_status=write_status,
        clock=lambda: runtime.now,
    )  # fmt: skip
    return syncer, events


def test_the_field_path_of_each_kind_of_container() -> None:
    the_pod = pod(init=("setup",))
    the_pod["spec"]["ephemeralContainers"] = [{"name": "debug", "image": "busybox"}]
    assert container_field_path(the_pod, "app") == "spec.containers{app}"
    assert container_field_path(the_pod, "setup") == "spec.initContainers{setup}"
    assert container_field_path(the_pod, "debug") == "spec.ephemeralContainers{debug}"
    assert container_field_path(the_pod, "gone") == ""


async def test_start_events_name_the_init_container_then_the_app() -> None:
    runtime = ExitingRuntime({"setup": 0})
    syncer, events = make_syncer(runtime)
    the_pod = pod(init=("setup",))
    for _ in range(3):
        await syncer.sync(the_pod)
    setup = [reason for reason, path in events if path == "spec.initContainers{setup}"]
    app = [reason for reason, path in events if path == "spec.containers{app}"]
    assert setup == ["Pulling", "Pulled", "Created", "Started"]
    assert app == ["Pulled", "Created", "Started"]  # the image is there by now
    assert all(path for _, path in events), events


async def test_back_off_and_killing_name_the_container() -> None:
    runtime = ExitingRuntime({"app": 1})
    syncer, events = make_syncer(runtime)
    the_pod = pod()
    for _ in range(3):  # start, restart at once, then the crash loop's back-off
        await syncer.sync(the_pod)
    assert ("BackOff", "spec.containers{app}") in events
    runtime.exits.clear()
    runtime.now += 10
    await syncer.sync(the_pod)  # running again
    await syncer.terminate(the_pod, grace=0)
    assert events[-1] == ("Killing", "spec.containers{app}")
