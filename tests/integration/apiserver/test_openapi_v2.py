"""The real kubectl reading /openapi/v2 (protobuf) from a real `pyk8s apiserver` process:
the document itself, client-side apply's patch metadata, and explain still on v3.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from pyk8s.api.openapi_v2 import PROTOBUF_AT, openapi_v2_etag
from tests.support.kubectl import Kubectl

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
      - name: log
        image: busybox
"""


@pytest.fixture
def server_url(apiserver_process) -> Iterator[str]:
    yield apiserver_process.url


def test_the_apiserver_serves_openapi_v2(apiserver_process):
    url = apiserver_process.url + "/openapi/v2"
    request = urllib.request.Request(url, headers={"Accept": PROTOBUF_AT})
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.headers["Content-Type"].endswith("+protobuf")
        assert answer.headers["ETag"] == openapi_v2_etag()
        assert len(answer.read()) > 100_000
    cached = urllib.request.Request(url, headers={"If-None-Match": openapi_v2_etag()})
    try:
        urllib.request.urlopen(cached, timeout=30)
        status = 200
    except urllib.error.HTTPError as error:
        status = error.code
    assert status == 304


def test_apply_merges_lists_with_the_v2_patch_metadata(server_url, tmp_path):
    kubectl = Kubectl(server_url, tmp_path / "kubectl")
    manifest = tmp_path / "web.yaml"
    manifest.write_text(DEPLOYMENT)
    assert "deployment.apps/web created" in kubectl.run("apply", "-f", str(manifest)).stdout
    manifest.write_text(DEPLOYMENT.replace("nginx:1.25", "nginx:1.27"))
    result = kubectl.run("apply", "-f", str(manifest))
    assert "deployment.apps/web configured" in result.stdout, result.stderr
    live = json.loads(kubectl.run("get", "deploy", "web", "-o", "json").stdout)
    containers = live["spec"]["template"]["spec"]["containers"]
    assert [(c["name"], c["image"]) for c in containers] == [
        ("nginx", "nginx:1.27"),
        ("log", "busybox"),
    ]


def test_explain_still_reads_v3(server_url, tmp_path):
    kubectl = Kubectl(server_url, tmp_path / "kubectl")
    review = kubectl.run("explain", "tokenreview.spec").stdout
    assert "GROUP:      authentication.k8s.io" in review
    assert "token\t<string>" in review
