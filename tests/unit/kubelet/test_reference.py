"""Image references normalised as Docker and the kubelet do."""

from __future__ import annotations

import pytest

from pyk8s.kubelet.images.reference import InvalidReference, familiar, parse

DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nginx", "docker.io/library/nginx:latest"),
        ("nginx:1.27", "docker.io/library/nginx:1.27"),
        ("bitnami/redis", "docker.io/bitnami/redis:latest"),
        ("registry.k8s.io/pause:3.9", "registry.k8s.io/pause:3.9"),
        ("127.0.0.1:5000/test/busybox:1.0", "127.0.0.1:5000/test/busybox:1.0"),
        ("localhost/app", "localhost/app:latest"),
        (f"nginx@{DIGEST}", f"docker.io/library/nginx@{DIGEST}"),
        (f"nginx:1@{DIGEST}", f"docker.io/library/nginx:1@{DIGEST}"),
    ],
)
def test_references_are_fully_qualified(text: str, expected: str):
    assert str(parse(text)) == expected


def test_registry_details():
    hub = parse("nginx")
    assert (hub.api_host, hub.insecure) == ("registry-1.docker.io", False)
    local = parse("127.0.0.1:5000/test/busybox")
    assert (local.api_host, local.insecure, local.repository) == (
        "127.0.0.1:5000",
        True,
        "test/busybox",
    )
    assert familiar("docker.io/library/nginx:latest") == "nginx:latest"


@pytest.mark.parametrize("text", ["Nginx", "nginx:", "nginx@sha256:12", "a//b", "nginx:-bad"])
def test_invalid_references_are_refused(text: str):
    with pytest.raises(InvalidReference):
        parse(text)
