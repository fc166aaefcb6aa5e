"""build_table: the Table shape kubectl reads, row objects, the default printer, ages, speed."""

from __future__ import annotations

import datetime
import time

import pytest

from pyk8s.api.errors import BadRequest
from pyk8s.api.printers import build_table, human_duration
from pyk8s.api.resource import Resource

PODS = Resource("", "v1", "Pod", "pods", "pod", True, "io.k8s.api.core.v1.Pod")
ROLES = Resource(
    "rbac.authorization.k8s.io", "v1", "Role", "roles", "role", True, "io.k8s.api.rbac.v1.Role"
)


def created(seconds_ago: int) -> str:
    moment = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=seconds_ago)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def a_pod(name: str) -> dict:
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {"name": name, "namespace": "default", "creationTimestamp": created(7200)},
        "spec": {"containers": [{"name": "app", "image": "nginx"}]},
        "status": {
            "phase": "Running",
            "containerStatuses": [
                {"name": "app", "ready": True, "restartCount": 0, "state": {"running": {}}}
            ],
        },
    }


def test_table_shape_and_partial_object_metadata():
    pod = a_pod("web")
    table = build_table(PODS, [pod])
    assert (table["kind"], table["apiVersion"]) == ("Table", "meta.k8s.io/v1")
    for definition in table["columnDefinitions"]:
        assert set(definition) == {"name", "type", "format", "description", "priority"}
        assert definition["description"]
    row = table["rows"][0]
    assert row["cells"][:5] == ["web", "1/1", "Running", "0", "120m"]
    assert row["object"] == {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": pod["metadata"],
    }


def test_include_object_modes():
    pod = a_pod("web")
    assert build_table(PODS, [pod], include_object="Object")["rows"][0]["object"] is pod
    assert "object" not in build_table(PODS, [pod], include_object="None")["rows"][0]
    with pytest.raises(BadRequest):
        build_table(PODS, [pod], include_object="Everything")


def test_finished_pods_carry_the_completed_condition():
    pod = a_pod("job-x")
    pod["status"]["phase"] = "Succeeded"
    row = build_table(PODS, [pod])["rows"][0]
    assert row["conditions"] == [
        {
            "type": "Completed",
            "status": "True",
            "reason": "Succeeded",
            "message": "The pod has completed successfully.",
        }
    ]


def test_kinds_without_columns_get_name_and_created_at():
    role = {"metadata": {"name": "reader", "creationTimestamp": "2025-01-02T03:04:05Z"}}
    table = build_table(ROLES, [role])
    assert [(c["name"], c["type"], c["format"]) for c in table["columnDefinitions"]] == [
        ("Name", "string", "name"),
        ("Created At", "date", ""),
    ]
    assert table["rows"][0]["cells"] == ["reader", "2025-01-02T03:04:05Z"]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "<invalid>"),
        (-1, "0s"),
        (0, "0s"),
        (119, "119s"),
        (120, "2m"),
        (192, "3m12s"),
        (600, "10m"),
        (10799, "179m"),
        (10800, "3h"),
        (3 * 3600 + 600, "3h10m"),
        (8 * 3600, "8h"),
        (47 * 3600, "47h"),
        (2 * 86400 + 3 * 3600, "2d3h"),
        (7 * 86400, "7d"),
        (8 * 86400, "8d"),
        (730 * 86400, "2y"),
        (800 * 86400, "2y70d"),
        (9 * 365 * 86400, "9y"),
    ],
)
def test_ages_follow_kubernetes_human_duration(seconds, text):
    assert human_duration(seconds) == text


def test_missing_creation_timestamp_is_unknown_age():
    pod = a_pod("x")
    del pod["metadata"]["creationTimestamp"]
    assert build_table(PODS, [pod])["rows"][0]["cells"][4] == "<unknown>"


def test_ten_thousand_pods_render_quickly():
    pods = [a_pod(f"p{i}") for i in range(10_000)]
    started = time.perf_counter()
    table = build_table(PODS, pods)
    elapsed = time.perf_counter() - started
    assert len(table["rows"]) == 10_000
    assert elapsed < 1.0, f"10 000 rows took {elapsed:.2f}s"
