"""The OpenAPI v3 index and documents: what kubectl explain, create -f and apply rely on."""

from __future__ import annotations

from typing import Any

import pytest

from pyk8s.api import openapi
from pyk8s.api.resource import RESOURCES

CORE_V1 = "io.k8s.api.core.v1."


@pytest.fixture(scope="module")
def core() -> dict[str, Any]:
    document = openapi.openapi_v3_document("", "v1")
    assert document is not None
    return document


@pytest.fixture(scope="module")
def apps() -> dict[str, Any]:
    document = openapi.openapi_v3_document("apps", "v1")
    assert document is not None
    return document


def refs_in(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if "$ref" in node else []
        return found + [r for value in node.values() for r in refs_in(value)]
    if isinstance(node, list):
        return [r for value in node for r in refs_in(value)]
    return []


def test_index_lists_every_served_group_version_with_a_content_hash():
    paths = openapi.openapi_v3_index()["paths"]
    expected = {openapi.index_key(r.group, r.version) for r in RESOURCES}
    assert set(paths) == expected
    url = paths["apis/apps/v1"]["serverRelativeURL"]
    assert url.startswith("/openapi/v3/apis/apps/v1?hash=") and len(url.split("=")[1]) == 128
    assert paths["api/v1"]["serverRelativeURL"] != url.replace("apis/apps/v1", "api/v1")


def test_documents_are_cached_and_unknown_group_versions_are_none():
    assert openapi.openapi_v3_document("apps", "v1") is openapi.openapi_v3_document("apps", "v1")
    assert openapi.openapi_v3_document("apps", "v1beta9") is None
    assert openapi.openapi_v3_document("no.such.group", "v1") is None


def test_every_reference_resolves_in_every_document():
    for key in openapi.openapi_v3_index()["paths"]:
        group, version = ("", key.split("/")[1]) if key.startswith("api/") else key.split("/")[1:]
        document = openapi.openapi_v3_document(group, version)
        schemas = document["components"]["schemas"]
        missing = {
            r for r in refs_in(document) if r.removeprefix("#/components/schemas/") not in schemas
        }
        assert not missing, f"{key}: unresolved {sorted(missing)[:5]}"


def test_patch_operations_declare_field_validation_and_their_kind(apps):
    # kubectl --validate=strict trusts the server only when the kind's PATCH declares it.
    patch = apps["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"] == {
        "group": "apps",
        "version": "v1",
        "kind": "Deployment",
    }
    assert patch["x-kubernetes-action"] == "patch"
    assert "fieldValidation" in [p["name"] for p in patch["parameters"]]
    for path, item in apps["paths"].items():
        for method in ("post", "put", "patch"):
            if method in item and item[method]["x-kubernetes-action"] != "connect":
                names = [p["name"] for p in item[method].get("parameters", [])]
                assert "fieldValidation" in names, f"{method} {path}"


def test_operations_are_named_and_tagged_as_kube_apiserver_does(core, apps):
    pods = core["paths"]["/api/v1/namespaces/{namespace}/pods"]
    assert pods["get"]["operationId"] == "listCoreV1NamespacedPod"
    assert pods["post"]["operationId"] == "createCoreV1NamespacedPod"
    assert pods["delete"]["x-kubernetes-action"] == "deletecollection"
    assert core["paths"]["/api/v1/pods"]["get"]["operationId"] == "listCoreV1PodForAllNamespaces"
    assert (
        core["paths"]["/api/v1/watch/namespaces/{namespace}/pods"]["get"]["x-kubernetes-action"]
        == "watchlist"
    )
    namespaces = core["paths"]["/api/v1/namespaces/{name}"]
    assert namespaces["get"]["operationId"] == "readCoreV1Namespace"
    scale = apps["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"]
    assert scale["patch"]["operationId"] == "patchAppsV1NamespacedDeploymentScale"
    assert scale["get"]["x-kubernetes-group-version-kind"]["kind"] == "Scale"
    exec_ = core["paths"]["/api/v1/namespaces/{namespace}/pods/{name}/exec"]
    assert exec_["get"]["x-kubernetes-action"] == "connect"
    assert "command" in [p["name"] for p in exec_["get"]["parameters"]]
    assert pods["get"]["tags"] == ["core_v1"]


def test_kinds_carry_their_group_version_kind(core, apps):
    schemas = core["components"]["schemas"]
    assert schemas[CORE_V1 + "Pod"]["x-kubernetes-group-version-kind"] == [
        {"group": "", "kind": "Pod", "version": "v1"}
    ]
    assert schemas[CORE_V1 + "PodList"]["x-kubernetes-group-version-kind"][0]["kind"] == "PodList"
    deployment = apps["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"]
    assert deployment["x-kubernetes-group-version-kind"] == [
        {"group": "apps", "kind": "Deployment", "version": "v1"}
    ]
    scale = apps["components"]["schemas"]["io.k8s.api.autoscaling.v1.Scale"]
    assert scale["x-kubernetes-group-version-kind"] == [
        {"group": "autoscaling", "kind": "Scale", "version": "v1"}
    ]
    delete_options = schemas["io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"]
    assert {"group": "", "kind": "DeleteOptions", "version": "v1"} in delete_options[
        "x-kubernetes-group-version-kind"
    ]


def test_strategic_merge_metadata_sits_on_the_properties(core):
    schemas = core["components"]["schemas"]
    containers = schemas[CORE_V1 + "PodSpec"]["properties"]["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name"
    assert containers["x-kubernetes-patch-strategy"] == "merge"
    assert containers["items"] == {"$ref": "#/components/schemas/" + CORE_V1 + "Container"}
    container = schemas[CORE_V1 + "Container"]["properties"]
    assert container["ports"]["x-kubernetes-patch-merge-key"] == "containerPort"
    assert container["ports"]["x-kubernetes-list-map-keys"] == ["containerPort", "protocol"]
    assert container["env"]["x-kubernetes-patch-merge-key"] == "name"
    volumes = schemas[CORE_V1 + "PodSpec"]["properties"]["volumes"]
    assert volumes["x-kubernetes-patch-merge-key"] == "name"
    assert "retainKeys" in volumes["x-kubernetes-patch-strategy"]
    assert "name" in schemas[CORE_V1 + "Container"]["required"]


def test_struct_properties_use_all_of_and_named_leaf_types(core):
    schemas = core["components"]["schemas"]
    pod = schemas[CORE_V1 + "Pod"]
    assert pod["properties"]["spec"]["allOf"] == [
        {"$ref": "#/components/schemas/" + CORE_V1 + "PodSpec"}
    ]
    assert pod["properties"]["spec"]["description"]
    resources = schemas[CORE_V1 + "ResourceRequirements"]["properties"]["limits"]
    assert resources["additionalProperties"] == {
        "$ref": "#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity"
    }
    port = schemas[CORE_V1 + "HTTPGetAction"]["properties"]["port"]
    assert port["allOf"][0]["$ref"].endswith("util.intstr.IntOrString")
    int_or_string = schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]
    assert (
        int_or_string["format"] == "int-or-string"
        and int_or_string["x-kubernetes-int-or-string"] is True
    )
    time = schemas["io.k8s.apimachinery.pkg.apis.meta.v1.Time"]
    assert (time["type"], time["format"]) == ("string", "date-time")
    meta = schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]["properties"]
    assert meta["generation"] == {
        "type": "integer",
        "format": "int64",
        "description": meta["generation"]["description"],
    }
    assert meta["labels"]["additionalProperties"] == {"type": "string"}
    assert (
        schemas["io.k8s.apimachinery.pkg.runtime.RawExtension"][
            "x-kubernetes-preserve-unknown-fields"
        ]
        is True
    )


def test_create_only_resources_have_only_a_post():
    document = openapi.openapi_v3_document("authorization.k8s.io", "v1")
    path = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
    assert set(document["paths"][path]) == {"parameters", "post"}
    assert not any(
        p.endswith("{name}") and "selfsubjectaccessreviews" in p for p in document["paths"]
    )
