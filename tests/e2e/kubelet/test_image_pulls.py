"""Image pulls as a user sees them: imagePullPolicy, the pull events, and the pull back-off.

Each test reads what `kubectl` shows — the STATUS column of `kubectl get pod` (and of
`kubectl get pod --watch`, which catches states that last a second), the events of
`kubectl get events` / `kubectl describe pod` — and expects Kubernetes' own wording:

- IfNotPresent pulls an absent image (Pulling, then "Successfully pulled image ... in 12ms
  (12ms including waiting). Image size: N bytes."), and next time finds it "already present
  on machine";
- Always pulls every time, present or not;
- a missing image leaves the pod in ErrImagePull, then ImagePullBackOff ("Back-off pulling
  image ..."), and the pod starts on the first try after the image appears in the registry;
- Never with an absent image is ErrImageNeverPull, and nothing is pulled.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from tests.e2e.kubelet.conftest import Cluster, wait_for
from tests.e2e.kubelet.processes import in_netns
from tests.support.images import Registry, busybox_image
from tests.support.kubectl import kubectl_binary

# A pull here takes under a minute, which Go's time.Duration (truncated to milliseconds, as the
# kubelet prints it) writes as "0s", "12ms" or "1.5s": never "0.012s".
GO_DURATION = r"(0s|[1-9]\d{0,2}ms|([1-9]|[1-5]\d)(\.\d{0,2}[1-9])?s)"


def _pulled_message(image: str) -> str:
    return (
        rf'^Successfully pulled image "{re.escape(image)}" in {GO_DURATION} '
        rf"\({GO_DURATION} including waiting\)\. Image size: [1-9]\d* bytes\.$"
    )


def _events(cluster: Cluster, pod: str) -> list[tuple[str, str, str]]:
    """(type, reason, message) of the pod's events, oldest first."""
    listed = cluster.kubectl(
        "get", "events", "--field-selector", f"involvedObject.name={pod}", "-o", "json"
    )
    items = sorted(
        json.loads(listed.stdout)["items"],
        key=lambda e: (e.get("firstTimestamp") or "", e["metadata"]["name"]),
    )
    return [(e["type"], e["reason"], e["message"]) for e in items]


def _status_column(cluster: Cluster, pod: str) -> str:
    """The STATUS column of `kubectl get pod <pod>` (NAME READY STATUS RESTARTS AGE)."""
    row = cluster.kubectl("get", "pod", pod, "--no-headers").stdout.split()
    return row[2] if len(row) > 2 else ""


def _wait_for_event(
    cluster: Cluster, pod: str, reason: str, message: str, timeout: float = 30
) -> None:
    wait_for(
        lambda: any(e[1:] == (reason, message) for e in _events(cluster, pod)),
        timeout,
        f"event {reason} {message!r} of pod {pod}",
    )


def _events_after_a_pull(cluster: Cluster, pod: str, image: str) -> list[tuple[str, str, str]]:
    """The pod's events once its Pulled event (events are written in the background) is in,
    checked to be Pulling, then one Pulled worded as Kubernetes words it."""

    def pulled() -> list[tuple[str, str, str]] | None:
        events = _events(cluster, pod)
        return events if any(reason == "Pulled" for _, reason, _ in events) else None

    events = wait_for(pulled, 30, f"a Pulled event of pod {pod}")
    reasons = [reason for _, reason, _ in events]
    assert ("Normal", "Pulling", f'Pulling image "{image}"') in events, events
    [pulled_message] = [message for _, reason, message in events if reason == "Pulled"]
    assert re.match(_pulled_message(image), pulled_message), pulled_message
    assert reasons.index("Pulling") < reasons.index("Pulled"), events
    return events


@contextmanager
def _watching_status(cluster: Cluster, pod: str) -> Iterator[list[str]]:
    """Every STATUS `kubectl get pods --watch` prints for `pod` while the block runs, in order.

    It watches by field selector, not by name: that watch may start before the pod exists."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(cluster.tmp / "kubectl"),
        "KUBECACHEDIR": str(cluster.tmp / "kubectl" / "cache"),
        "KUBECONFIG": str(cluster.tmp / "kubectl" / "kubeconfig"),
    }
    # `ip netns exec` execs kubectl itself, so the PID we stop is kubectl's.
    watch = subprocess.Popen(
        ["ip", "netns", "exec", cluster.netns, kubectl_binary(), "--server", cluster.api_url,
         "get", "pods", "--field-selector", f"metadata.name={pod}", "--watch", "--no-headers"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )  # fmt: skip
    seen: list[str] = []

    def read() -> None:
        assert watch.stdout is not None
        for line in watch.stdout:
            columns = line.split()
            if len(columns) > 2 and (not seen or seen[-1] != columns[2]):
                seen.append(columns[2])

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        yield seen
    finally:
        watch.terminate()
        watch.wait(timeout=10)
        reader.join(timeout=5)


def _pod(cluster: Cluster, name: str, image: str, policy: str | None = None) -> dict:
    container = {"name": "app", "image": image, "command": ["sleep", "1000"]}
    if policy:
        container["imagePullPolicy"] = policy
    return cluster.pod(name, [container], terminationGracePeriodSeconds=0)


def _delete(cluster: Cluster, *pods: str) -> None:
    cluster.kubectl("delete", "pod", *pods, "--wait=false")


def test_if_not_present_pulls_an_absent_image_once(cluster: Cluster) -> None:
    image = cluster.web_image  # no other test here runs it: absent until this pod pulls it
    cluster.apply(_pod(cluster, "pulls", image))
    cluster.wait_running("pulls")
    _events_after_a_pull(cluster, "pulls", image)

    cluster.apply(_pod(cluster, "finds-it", image))
    cluster.wait_running("finds-it")
    present = f'Container image "{image}" already present on machine'
    _wait_for_event(cluster, "finds-it", "Pulled", present)
    assert "Pulling" not in [reason for _, reason, _ in _events(cluster, "finds-it")]
    described = cluster.kubectl("describe", "pod", "finds-it").stdout
    assert re.search(rf"Normal\s+Pulled\s+.*kubelet\s+{re.escape(present)}", described), described
    _delete(cluster, "pulls", "finds-it")


def test_always_pulls_even_a_present_image(cluster: Cluster) -> None:
    for name in ("always-1", "always-2"):  # the second finds it present, and pulls anyway
        cluster.apply(_pod(cluster, name, cluster.image, "Always"))
        cluster.wait_running(name)
        _events_after_a_pull(cluster, name, cluster.image)
    described = cluster.kubectl("describe", "pod", "always-2").stdout
    assert "Successfully pulled image" in described and "already present" not in described
    _delete(cluster, "always-1", "always-2")


def test_missing_image_backs_off_and_starts_once_pushed(cluster: Cluster) -> None:
    # A registry of the test's own, so the test decides when the image appears in it.
    registry = in_netns(cluster.netns, lambda: Registry(cluster.tmp / "late-registry"))
    try:
        image = f"{registry.host}/pyk8s/late:1.0"
        with _watching_status(cluster, "late") as statuses:
            cluster.apply(_pod(cluster, "late", image))
            wait_for(
                lambda: "ImagePullBackOff" in statuses, 30, "ImagePullBackOff in the watched STATUS"
            )
            assert statuses.index("ErrImagePull") < statuses.index("ImagePullBackOff"), statuses

            waiting = cluster.container_status("late")["state"]["waiting"]
            backing_off = f'Back-off pulling image "{image}"'
            assert waiting == {"reason": "ImagePullBackOff", "message": backing_off}
            assert cluster.pod_status("late")["phase"] == "Pending"
            _wait_for_event(cluster, "late", "Failed", "Error: ImagePullBackOff")
            events = _events(cluster, "late")
            assert ("Normal", "BackOff", backing_off) in events, events
            assert ("Warning", "Failed", "Error: ErrImagePull") in events, events
            failed = [m for kind, reason, m in events if reason == "Failed" and kind == "Warning"]
            assert any(m.startswith(f'Failed to pull image "{image}": ') for m in failed), failed
            described = cluster.kubectl("describe", "pod", "late").stdout
            assert "Reason:       ImagePullBackOff" in described, described

            in_netns(cluster.netns, lambda: registry.push(busybox_image(), "pyk8s/late", "1.0"))
            # The back-off is 10 s after the first failure, 20 s after a second one.
            wait_for(lambda: statuses[-1:] == ["Running"], 40, "Running in the watched STATUS")
        cluster.wait_running("late")
        assert _status_column(cluster, "late") == "Running"
        _events_after_a_pull(cluster, "late", image)
        _delete(cluster, "late")
    finally:
        registry.stop()


def test_never_with_an_absent_image_is_err_image_never_pull(cluster: Cluster) -> None:
    image = cluster.image.replace("pyk8s/busybox:1.0", "pyk8s/busybox:never-pulled")
    cluster.apply(_pod(cluster, "never", image, "Never"))
    wait_for(lambda: _status_column(cluster, "never") == "ErrImageNeverPull", 30, "the STATUS")
    refused = f'Container image "{image}" is not present with pull policy of Never'
    waiting = cluster.container_status("never")["state"]["waiting"]
    assert waiting == {"reason": "ErrImageNeverPull", "message": refused}
    _wait_for_event(cluster, "never", "Failed", "Error: ErrImageNeverPull")
    events = _events(cluster, "never")
    assert ("Warning", "ErrImageNeverPull", refused) in events, events
    assert not {"Pulling", "Pulled"} & {reason for _, reason, _ in events}, events
    _delete(cluster, "never")
