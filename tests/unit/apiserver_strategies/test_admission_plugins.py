"""ServiceAccount, DefaultTolerationSeconds and Priority on pod creates, with an in-memory
lookup standing in for the registry."""

from __future__ import annotations

import pytest

import pyk8s.api.kinds  # noqa: F401
from pyk8s.api.errors import Forbidden
from pyk8s.api.resource import find
from pyk8s.apiserver.admission import AdmissionRequest
from pyk8s.apiserver.admission.default_toleration_seconds import DefaultTolerationSeconds
from pyk8s.apiserver.admission.priority import Priority
from pyk8s.apiserver.admission.service_account import MOUNT_PATH, ServiceAccount


def request(pod: dict, objects: dict | None = None, operation: str = "CREATE") -> AdmissionRequest:
    objects = objects or {}

    async def lookup(plural: str, group: str, namespace: str, name: str):
        return objects.get((plural, namespace, name))

    return AdmissionRequest(operation, find("", "v1", "pods"), "default", "web", "", pod, None,
                            False, "", lookup)  # fmt: skip


def pod(**spec: object) -> dict:
    return {"metadata": {"name": "web", "namespace": "default"},
            "spec": {"containers": [{"name": "c", "image": "x"}], **spec}}  # fmt: skip


DEFAULT_SA = {("serviceaccounts", "default", "default"): {"metadata": {"name": "default"}}}


async def test_service_account_defaults_and_mounts_token() -> None:
    obj = pod(initContainers=[{"name": "i", "image": "x"}])
    req = request(obj, DEFAULT_SA)
    await ServiceAccount().admit(req)
    await ServiceAccount().validate(req)
    spec = obj["spec"]
    assert spec["serviceAccountName"] == "default"
    (volume,) = spec["volumes"]
    assert volume["name"].startswith("kube-api-access-") and len(volume["name"]) == 21
    sources = volume["projected"]["sources"]
    assert sources[0]["serviceAccountToken"] == {"expirationSeconds": 3607, "path": "token"}
    for c in spec["containers"] + spec["initContainers"]:
        assert c["volumeMounts"] == [
            {"name": volume["name"], "readOnly": True, "mountPath": MOUNT_PATH}
        ]


async def test_service_account_respects_automount_false_and_existing_mounts() -> None:
    no_mount = pod(automountServiceAccountToken=False)
    await ServiceAccount().admit(request(no_mount, DEFAULT_SA))
    assert "volumes" not in no_mount["spec"]
    sa_off = {("serviceaccounts", "default", "default"): {"automountServiceAccountToken": False}}
    obj = pod()
    await ServiceAccount().admit(request(obj, sa_off))
    assert "volumes" not in obj["spec"]
    mounted = pod(
        containers=[
            {"name": "c", "image": "x", "volumeMounts": [{"name": "mine", "mountPath": MOUNT_PATH}]}
        ]
    )
    await ServiceAccount().admit(request(mounted, DEFAULT_SA))
    assert "volumes" not in mounted["spec"]


async def test_missing_service_account_is_forbidden() -> None:
    with pytest.raises(Forbidden) as err:
        await ServiceAccount().admit(request(pod(serviceAccountName="robot")))
    assert err.value.message == (
        'pods "web" is forbidden: error looking up service account default/robot: '
        'serviceaccount "robot" not found'
    )


async def test_default_toleration_seconds() -> None:
    obj = pod(tolerations=[{"key": "node.kubernetes.io/unreachable", "operator": "Exists"}])
    await DefaultTolerationSeconds().admit(request(obj))
    assert obj["spec"]["tolerations"] == [
        {"key": "node.kubernetes.io/unreachable", "operator": "Exists"},
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
         "tolerationSeconds": 300},
    ]  # fmt: skip


async def test_priority_from_class_builtin_and_default() -> None:
    classes = {("priorityclasses", "", "high"): {"metadata": {"name": "high"}, "value": 1000,
                                               "preemptionPolicy": "Never"}}  # fmt: skip
    high = pod(priorityClassName="high")
    await Priority().admit(request(high, classes))
    assert (high["spec"]["priority"], high["spec"]["preemptionPolicy"]) == (1000, "Never")
    critical = pod(priorityClassName="system-node-critical")
    await Priority().admit(request(critical))
    assert critical["spec"]["priority"] == 2000001000
    plain = pod()
    await Priority().admit(request(plain))
    assert (plain["spec"]["priority"], plain["spec"]["preemptionPolicy"]) == (
        0,
        "PreemptLowerPriority",
    )


async def test_priority_refusals() -> None:
    with pytest.raises(Forbidden, match="no PriorityClass with name nope was found"):
        await Priority().admit(request(pod(priorityClassName="nope")))
    with pytest.raises(
        Forbidden, match=r"the integer value of priority \(7\) must not be provided"
    ):
        await Priority().admit(request(pod(priority=7)))
