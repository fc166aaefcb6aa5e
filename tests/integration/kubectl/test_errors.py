"""Bad input, one test per error class: the status code and what kubectl prints.

kubectl prints `Error from server (<reason>): <the server's message>` (create -f adds
`error when creating "<file>": `), so the server's messages are checked against real
kube-apiserver's wording. Where kubectl itself refuses the input before sending it (a
malformed file), the request is sent with `kubectl create --raw` or over plain HTTP.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request

import aiohttp


def http(url: str, method: str, body: bytes, content_type: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=body, method=method, headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def collection(cluster, kubectl, plural: str = "configmaps") -> str:
    return f"{cluster.server.url}/api/v1/namespaces/{kubectl.namespace}/{plural}"


def test_malformed_json_is_a_400_naming_the_expected_kind(kubectl, tmp_path):
    body = tmp_path / "bad.json"
    body.write_text('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}')
    path = f"/api/v1/namespaces/{kubectl.namespace}/configmaps"
    result = kubectl.run("create", "--raw", path, "-f", str(body), check=False)
    assert result.returncode == 1
    assert result.stderr.startswith(
        "Error from server (BadRequest): the object provided is unrecognized "
        "(must be of type ConfigMap): couldn't get version/kind; json parse error: "
    )
    assert '({"apiVersion":"v1","kind":"Con ...)' in result.stderr


def test_malformed_yaml_is_a_400(cluster, kubectl):
    body = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\n data: [\n"
    code, status = http(collection(cluster, kubectl), "POST", body, "application/yaml")
    assert code == 400 and status["reason"] == "BadRequest"
    assert status["message"].startswith(
        "the object provided is unrecognized (must be of type ConfigMap): "
        "error converting YAML to JSON: yaml: line "
    )


def test_unknown_fields_strict_is_a_400_and_warn_a_warning(kubectl, tmp_path):
    manifest = tmp_path / "unknown.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: u\nbogus: 1\n")
    strict = kubectl.run("create", "-f", str(manifest), check=False)
    assert strict.returncode == 1
    assert strict.stderr.strip() == (
        f'Error from server (BadRequest): error when creating "{manifest}": ConfigMap in '
        'version "v1" cannot be handled as a ConfigMap: strict decoding error: '
        'unknown field "bogus"'
    )
    warned = kubectl.run("create", "-f", str(manifest), "--validate=warn")
    assert warned.stdout == "configmap/u created\n"
    assert 'Warning: unknown field "bogus"' in warned.stderr


def test_invalid_name_is_a_422_with_the_field_cause(kubectl, cluster):
    result = kubectl.run("create", "configmap", "Bad_Name", check=False)
    assert result.returncode == 1
    assert result.stderr.startswith(
        'error: failed to create configmap: ConfigMap "Bad_Name" is invalid: metadata.name: '
        'Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of'
    )
    body = json.dumps({"metadata": {"name": "Bad_Name"}}).encode()
    code, status = http(collection(cluster, kubectl), "POST", body, "application/json")
    assert code == 422 and status["reason"] == "Invalid"
    assert status["details"]["causes"][0]["field"] == "metadata.name"
    assert status["details"]["causes"][0]["reason"] == "FieldValueInvalid"


def test_wrong_type_is_a_400(kubectl, tmp_path):
    manifest = tmp_path / "types.yaml"
    manifest.write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: t\nspec:\n  replicas: three\n"
    )
    result = kubectl.run("create", "-f", str(manifest), check=False)
    assert result.returncode == 1
    assert (
        'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal '
        "string into Go struct field DeploymentSpec.spec.replicas of type int32"
    ) in result.stderr


def test_huge_body_is_a_413(kubectl, tmp_path):
    manifest = tmp_path / "huge.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: huge\ndata:\n"
        f"  blob: {'x' * (3 * 1024 * 1024 + 10)}\n"
    )
    result = kubectl.run("create", "-f", str(manifest), check=False)
    assert result.returncode == 1
    assert (
        f'Error from server (RequestEntityTooLarge): error when creating "{manifest}": '
        "Request entity too large: limit is 3145728"
    ) in result.stderr
    assert kubectl.run("get", "configmap", "huge", check=False).returncode == 1


def test_stale_update_is_a_409_conflict(kubectl, tmp_path):
    kubectl.run("create", "configmap", "c", "--from-literal=a=1")
    stale = kubectl.run("get", "configmap", "c", "-o", "yaml").stdout
    kubectl.run("label", "configmap", "c", "changed=yes")
    manifest = tmp_path / "stale.yaml"
    manifest.write_text(stale.replace('a: "1"', 'a: "2"'))
    result = kubectl.run("replace", "-f", str(manifest), check=False)
    assert result.returncode == 1
    assert (
        f'Error from server (Conflict): error when replacing "{manifest}": Operation cannot be '
        'fulfilled on configmaps "c": the object has been modified; please apply your changes '
        "to the latest version and try again"
    ) in result.stderr


def test_missing_object_is_a_404(kubectl):
    result = kubectl.run("get", "deployment", "nope", check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        'Error from server (NotFound): deployments.apps "nope" not found'
    )
    deleted = kubectl.run("delete", "configmap", "nope", check=False)
    assert deleted.stderr.strip() == 'Error from server (NotFound): configmaps "nope" not found'


def test_wrong_method_is_a_405(kubectl, tmp_path):
    body = tmp_path / "cm.json"
    body.write_text('{"metadata":{"name":"x"}}')
    path = f"/api/v1/namespaces/{kubectl.namespace}/configmaps/x"
    result = kubectl.run("create", "--raw", path, "-f", str(body), check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Error from server (MethodNotAllowed): "
        "the server does not allow this method on the requested resource"
    )


def test_unknown_body_type_is_a_415(cluster, kubectl):
    body = b'{"metadata":{"name":"x"}}'
    code, status = http(collection(cluster, kubectl), "POST", body, "text/plain")
    assert code == 415 and status["reason"] == "UnsupportedMediaType"
    assert status["message"].startswith(
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json"
    )


async def _fill_watch_window(url: str, count: int) -> None:
    async with aiohttp.ClientSession() as http_session:
        semaphore = asyncio.Semaphore(20)

        async def create(index: int) -> None:
            async with semaphore:
                body = {"metadata": {"name": f"fill-{index}"}}
                async with http_session.post(url, json=body) as response:
                    assert response.status == 201, await response.text()

        await asyncio.gather(*(create(i) for i in range(count)))


def test_too_old_watch_is_a_410_gone_event(cluster, kubectl):
    # More writes than the watch cache keeps, so revision 1 has fallen out of its window.
    asyncio.run(_fill_watch_window(collection(cluster, kubectl), 1100))
    path = f"/api/v1/namespaces/{kubectl.namespace}/configmaps?watch=true&resourceVersion=1"
    result = kubectl.run("get", "--raw", path, timeout=20)
    event = json.loads(result.stdout.splitlines()[0])
    assert event["type"] == "ERROR"
    status = event["object"]
    assert (status["code"], status["reason"]) == (410, "Expired")
    assert status["message"].startswith("too old resource version: 1 (")
