"""The kubelet's image steps against the hollow runtime and a hand-moved clock: which policy
pulls, the events and waiting reasons, and the pull back-off (per pod and image, doubling,
forgotten once old). The same behaviour with runc and a real registry: tests/e2e/kubelet."""

from __future__ import annotations

import pytest

from pyk8s.kubelet.containers import ContainerStarter, StartFailed, go_duration
from pyk8s.kubelet.runtime.hollow import HollowRuntime
from pyk8s.kubelet.runtime.interface import ImageInfo, NotFound

IMAGE = "registry.test/app:1.0"


class RegistryRuntime(HollowRuntime):
    """Pulls succeed only for images in `published`, failing as the runc runtime does."""

    def __init__(self) -> None:
        super().__init__("10.244.1.0/24")
        self.published: set[str] = set()
        self.pulls = 0

    async def pull_image(self, image: str) -> ImageInfo:
        self.pulls += 1
        if image not in self.published:
            raise NotFound(f"{image}: not found")
        return await super().pull_image(image)


class Setup:
    def __init__(self) -> None:
        self.runtime = RegistryRuntime()
        self.now = 1000.0
        self.events: list[tuple[str, str, str]] = []

        async def lookup(kind: str, namespace: str, name: str) -> None:
            return None

        self.starter = ContainerStarter(
            self.runtime, lookup=lookup, services=list, volumes=None, clock=lambda: self.now,
            record=lambda obj, kind, reason, message, **_: self.events.append((kind, reason, message)),
        )  # fmt: skip

    async def ensure(self, uid: str = "uid-1", policy: str | None = None) -> StartFailed | None:
        spec = {"name": "app", "image": IMAGE} | ({"imagePullPolicy": policy} if policy else {})
        pod = {"metadata": {"name": "p", "namespace": "default", "uid": uid}}
        try:
            await self.starter.ensure_image(pod, spec)
        except StartFailed as err:
            return err
        return None


async def test_a_failed_pull_backs_off_10s_then_20s() -> None:
    setup = Setup()
    failed = await setup.ensure()
    assert failed is not None and (failed.reason, failed.retry_after) == ("ErrImagePull", 10.0)
    assert failed.message == f"{IMAGE}: not found"
    assert ("Warning", "Failed", f'Failed to pull image "{IMAGE}": {IMAGE}: not found') in (
        setup.events
    )
    setup.now += 4
    waiting = await setup.ensure()
    assert waiting is not None and waiting.reason == "ImagePullBackOff"
    assert waiting.message == f'Back-off pulling image "{IMAGE}"' and waiting.retry_after == 6.0
    assert setup.events[-1] == ("Normal", "BackOff", f'Back-off pulling image "{IMAGE}"')
    assert setup.runtime.pulls == 1  # no pull while backing off
    setup.now += 6
    again = await setup.ensure()
    assert again is not None and (again.reason, again.retry_after) == ("ErrImagePull", 20.0)
    setup.runtime.published.add(IMAGE)
    setup.now += 19
    assert (await setup.ensure()).reason == "ImagePullBackOff"  # type: ignore[union-attr]
    setup.now += 1
    assert await setup.ensure() is None
    assert setup.events[-1][1] == "Pulled"


async def test_back_off_belongs_to_one_pod() -> None:
    setup = Setup()
    await setup.ensure("uid-1")
    other = await setup.ensure("uid-2")
    assert other is not None and other.reason == "ErrImagePull"  # it tried, not backed off
    assert setup.runtime.pulls == 2


async def test_back_off_starts_over_after_a_long_quiet() -> None:
    setup = Setup()
    for _ in range(3):  # 10 s, 20 s, 40 s
        failed = await setup.ensure()
        setup.now += failed.retry_after  # type: ignore[union-attr]
    assert failed.retry_after == 40.0  # type: ignore[union-attr]
    setup.now += 601
    failed = await setup.ensure()
    assert failed is not None and failed.retry_after == 10.0


async def test_forgetting_a_pod_forgets_its_back_off() -> None:
    setup = Setup()
    await setup.ensure()
    await setup.starter.teardown("uid-1")
    assert (await setup.ensure()).reason == "ErrImagePull"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("policy", "present", "pulls", "reason"),
    [
        ("IfNotPresent", True, 0, "Pulled"),
        ("IfNotPresent", False, 1, "Pulled"),
        ("Always", True, 1, "Pulled"),
        ("Never", True, 0, "Pulled"),
        ("Never", False, 0, "ErrImageNeverPull"),
    ],
)
async def test_pull_policy(policy: str, present: bool, pulls: int, reason: str) -> None:
    setup = Setup()
    setup.runtime.published.add(IMAGE)
    if present:
        await setup.runtime.pull_image(IMAGE)
        setup.runtime.pulls = 0
    failed = await setup.ensure(policy=policy)
    assert setup.runtime.pulls == pulls
    assert setup.events[-1][1] == reason
    if reason == "ErrImageNeverPull":
        message = f'Container image "{IMAGE}" is not present with pull policy of Never'
        assert failed is not None and (failed.reason, failed.message) == (reason, message)
    elif pulls == 0:
        assert setup.events == [
            ("Normal", "Pulled", f'Container image "{IMAGE}" already present on machine')
        ]
    else:
        assert [e[1] for e in setup.events] == ["Pulling", "Pulled"]
        assert setup.events[-1][2] == (
            f'Successfully pulled image "{IMAGE}" in 0s (0s including waiting). Image size: 0 bytes.'
        )


@pytest.mark.parametrize(
    ("seconds", "printed"),
    [(0.0004, "0s"), (0.0129, "12ms"), (1.5, "1.5s"), (2.0, "2s"), (1.0203, "1.02s"),
     (60.0, "1m0s"), (75.25, "1m15.25s"), (3723.0045, "1h2m3.004s")],
)  # fmt: skip
def test_durations_print_as_go_does(seconds: float, printed: str) -> None:
    assert go_duration(seconds) == printed
