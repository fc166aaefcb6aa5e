"""URL + method → RequestInfo, as Kubernetes classifies requests."""

import pytest

from pyk8s.apiserver.requestinfo import parse_request_info


@pytest.mark.parametrize(
    ("method", "path", "query", "expected"),
    [
        (
            "GET",
            "/api/v1/namespaces/default/pods",
            {},
            ("list", "", "v1", "default", "pods", "", ""),
        ),
        (
            "GET",
            "/api/v1/namespaces/default/pods/web",
            {},
            ("get", "", "v1", "default", "pods", "web", ""),
        ),
        ("GET", "/api/v1/pods", {"watch": "true"}, ("watch", "", "v1", "", "pods", "", "")),
        (
            "GET",
            "/api/v1/watch/namespaces/ns/pods/x",
            {},
            ("watch", "", "v1", "ns", "pods", "x", ""),
        ),
        (
            "PUT",
            "/apis/apps/v1/namespaces/ns/deployments/d/status",
            {},
            ("update", "apps", "v1", "ns", "deployments", "d", "status"),
        ),
        (
            "GET",
            "/api/v1/namespaces/kube-system",
            {},
            ("get", "", "v1", "", "namespaces", "kube-system", ""),
        ),
        (
            "PUT",
            "/api/v1/namespaces/x/finalize",
            {},
            ("update", "", "v1", "", "namespaces", "x", "finalize"),
        ),
        (
            "DELETE",
            "/api/v1/namespaces/ns/configmaps",
            {},
            ("deletecollection", "", "v1", "ns", "configmaps", "", ""),
        ),
        ("PATCH", "/api/v1/nodes/n1", {}, ("patch", "", "v1", "", "nodes", "n1", "")),
    ],
)
def test_resource_requests(method, path, query, expected):
    info = parse_request_info(method, path, query)
    assert info.is_resource_request
    assert (
        info.verb,
        info.group,
        info.version,
        info.namespace,
        info.resource,
        info.name,
        info.subresource,
    ) == expected


@pytest.mark.parametrize(
    "path", ["/version", "/api", "/api/v1", "/apis", "/apis/apps", "/apis/apps/v1", "/openapi/v3"]
)
def test_non_resource_requests(path):
    assert not parse_request_info("GET", path, {}).is_resource_request
