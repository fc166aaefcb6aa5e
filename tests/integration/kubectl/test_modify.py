"""Changing and removing objects with kubectl: scale, label, annotate, patch, edit, set image,
wait, describe and delete with each cascade option."""

from __future__ import annotations

import json
import re
import stat


def get(kubectl, *what: str) -> dict:
    return json.loads(kubectl.run("get", *what, "-o", "json").stdout)


def make_deployment(kubectl, name: str = "web") -> dict:
    kubectl.run("create", "deployment", name, "--image=nginx:1.25")
    return get(kubectl, "deployment", name)


def test_scale_changes_replicas_through_the_scale_subresource(kubectl):
    make_deployment(kubectl)
    assert kubectl.run("scale", "deployment", "web", "--replicas=4").stdout == (
        "deployment.apps/web scaled\n"
    )
    deployment = get(kubectl, "deployment", "web")
    assert deployment["spec"]["replicas"] == 4
    assert deployment["metadata"]["generation"] == 2
    scale = json.loads(
        kubectl.run(
            "get", "--raw",
            f"/apis/apps/v1/namespaces/{kubectl.namespace}/deployments/web/scale",
        ).stdout
    )  # fmt: skip
    assert scale["kind"] == "Scale" and scale["apiVersion"] == "autoscaling/v1"
    assert scale["spec"] == {"replicas": 4}
    assert scale["status"]["selector"] == "app=web"


def test_label_and_annotate_add_and_remove(kubectl):
    kubectl.run("create", "configmap", "c")
    assert kubectl.run("label", "configmap", "c", "tier=web").stdout == "configmap/c labeled\n"
    assert kubectl.run("annotate", "configmap", "c", "note=hi").stdout == (
        "configmap/c annotated\n"
    )
    meta = get(kubectl, "configmap", "c")["metadata"]
    assert meta["labels"] == {"tier": "web"} and meta["annotations"] == {"note": "hi"}
    refused = kubectl.run("label", "configmap", "c", "tier=db", check=False)
    assert "'tier' already has a value (web), and --overwrite is false" in refused.stderr
    assert kubectl.run("label", "configmap", "c", "tier-").stdout == "configmap/c unlabeled\n"
    assert "labels" not in get(kubectl, "configmap", "c")["metadata"]
    assert kubectl.run("get", "configmap", "-l", "tier=web", "-o", "name").stdout == ""


def test_patch_of_each_type_and_no_change(kubectl):
    before = make_deployment(kubectl)
    strategic = '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:2"}]}}}}'
    assert kubectl.run("patch", "deployment", "web", "-p", strategic).stdout == (
        "deployment.apps/web patched\n"
    )
    kubectl.run("patch", "deployment", "web", "--type=merge", "-p", '{"spec":{"replicas":2}}')
    json_patch = '[{"op":"add","path":"/metadata/labels/extra","value":"yes"}]'
    kubectl.run("patch", "deployment", "web", "--type=json", "-p", json_patch)
    after = get(kubectl, "deployment", "web")
    containers = after["spec"]["template"]["spec"]["containers"]
    # Strategic merge: the container merged by name, its other fields kept.
    assert [(c["name"], c["image"]) for c in containers] == [("nginx", "nginx:2")]
    assert containers[0]["terminationMessagePolicy"] == "File"
    assert after["spec"]["replicas"] == 2
    assert after["metadata"]["labels"] == {"app": "web", "extra": "yes"}
    assert after["metadata"]["uid"] == before["metadata"]["uid"]
    same = kubectl.run(
        "patch", "deployment", "web", "--type=merge", "-p", '{"spec":{"replicas":2}}'
    )
    assert same.stdout == "deployment.apps/web patched (no change)\n"
    assert (
        get(kubectl, "deployment", "web")["metadata"]["resourceVersion"]
        == (after["metadata"]["resourceVersion"])
    )


def test_edit_with_an_editor_script(kubectl, tmp_path):
    make_deployment(kubectl)
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nsed -i "s/image: nginx:1.25/image: nginx:1.27/" "$1"\n')
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    out = kubectl.run("edit", "deployment", "web", env={"EDITOR": str(editor)})
    assert out.stdout == "deployment.apps/web edited\n"
    image = get(kubectl, "deployment", "web")["spec"]["template"]["spec"]["containers"][0]
    assert image["image"] == "nginx:1.27"
    unchanged = kubectl.run("edit", "deployment", "web", env={"EDITOR": "true"})
    assert "Edit cancelled, no changes made." in unchanged.stdout + unchanged.stderr


def test_set_image_updates_the_named_container(kubectl):
    make_deployment(kubectl)
    out = kubectl.run("set", "image", "deployment/web", "nginx=nginx:1.28")
    assert out.stdout == "deployment.apps/web image updated\n"
    containers = get(kubectl, "deployment", "web")["spec"]["template"]["spec"]["containers"]
    assert containers[0]["image"] == "nginx:1.28"


def test_wait_returns_when_the_condition_holds(kubectl):
    make_deployment(kubectl)
    kubectl.run("scale", "deployment", "web", "--replicas=2")
    out = kubectl.run(
        "wait", "--for=jsonpath={.spec.replicas}=2", "deployment/web", "--timeout=10s"
    )
    assert out.stdout == "deployment.apps/web condition met\n"
    timed_out = kubectl.run(
        "wait", "--for=jsonpath={.spec.replicas}=9", "deployment/web", "--timeout=1s",
        check=False,
    )  # fmt: skip
    assert timed_out.returncode == 1 and "timed out waiting" in timed_out.stderr


def test_describe_shows_the_object_and_its_events(kubectl):
    make_deployment(kubectl)
    out = kubectl.run("describe", "deployment", "web").stdout
    assert "Name:                   web" in out
    assert f"Namespace:              {kubectl.namespace}" in out
    assert "Replicas:               1 desired | 0 updated | 0 total" in out
    assert "Image:         nginx:1.25" in out
    kubectl.run("run", "hello", "--image=nginx")
    pod = kubectl.run("describe", "pod", "hello").stdout
    assert re.search(r"^Status:\s+Pending$", pod, re.MULTILINE) and "Events:" in pod


def test_delete_with_each_cascade_option(kubectl):
    kubectl.run("create", "configmap", "gone")
    assert kubectl.run("delete", "configmap", "gone").stdout == 'configmap "gone" deleted\n'
    assert kubectl.run("get", "configmap", "gone", check=False).returncode == 1
    for name, cascade, finalizer in (
        ("orphaned", "orphan", "orphan"),
        ("foreground", "foreground", "foregroundDeletion"),
    ):
        make_deployment(kubectl, name)
        # No garbage collector runs here, so the deletion stays pending on its finalizer.
        out = kubectl.run("delete", "deployment", name, f"--cascade={cascade}", "--wait=false")
        assert out.stdout == f'deployment.apps "{name}" deleted\n'
        meta = get(kubectl, "deployment", name)["metadata"]
        assert meta["finalizers"] == [finalizer] and meta["deletionTimestamp"]
    make_deployment(kubectl, "background")
    kubectl.run("delete", "deployment", "background", "--cascade=background")
    assert kubectl.run("get", "deployment", "background", check=False).returncode == 1


def test_delete_by_label_and_all(kubectl):
    for name in ("a", "b", "c"):
        kubectl.run("create", "configmap", name)
    kubectl.run("label", "configmap", "a", "b", "group=x")
    out = kubectl.run("delete", "configmap", "-l", "group=x").stdout
    assert out.splitlines() == ['configmap "a" deleted', 'configmap "b" deleted']
    assert kubectl.run("get", "configmap", "-o", "name").stdout == "configmap/c\n"
    kubectl.run("delete", "configmap", "--all")
    assert kubectl.run("get", "configmap", "-o", "name").stdout == ""


def test_graceful_pod_deletion_keeps_the_pod_until_confirmed(kubectl):
    kubectl.run("run", "hello", "--image=nginx")
    # An unbound pod goes at once, as kube-apiserver deletes pods no kubelet runs.
    out = kubectl.run("delete", "pod", "hello", "--grace-period=30", timeout=20)
    assert out.stdout == 'pod "hello" deleted\n'
    assert kubectl.run("get", "pod", "hello", check=False).returncode == 1
