"""What kubectl learns from the server about itself: version, resources, versions, schemas."""

from __future__ import annotations


def test_version_reports_a_1_32_server(cluster):
    out = cluster.kubectl.run("version").stdout
    assert "Client Version: v1.32.4" in out
    assert "Server Version: v1.32.4" in out
    assert "WARNING" not in out  # no version skew


def test_api_resources_lists_names_short_names_and_kinds(cluster):
    out = cluster.kubectl.run("api-resources").stdout.splitlines()
    assert out[0].split() == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    table = {line.split()[0]: line.split() for line in out[1:]}
    assert table["pods"] == ["pods", "po", "v1", "true", "Pod"]
    assert table["deployments"] == ["deployments", "deploy", "apps/v1", "true", "Deployment"]
    assert table["namespaces"] == ["namespaces", "ns", "v1", "false", "Namespace"]
    assert table["leases"] == ["leases", "coordination.k8s.io/v1", "true", "Lease"]
    wide = cluster.kubectl.run("api-resources", "-o", "wide", "--api-group=apps").stdout
    deployments = next(line for line in wide.splitlines() if line.startswith("deployments"))
    assert "create,delete,deletecollection,get,list,patch,update,watch" in deployments
    assert deployments.split()[-1] == "all"


def test_api_versions_lists_every_group_version(cluster):
    versions = cluster.kubectl.run("api-versions").stdout.split()
    for expected in (
        "v1", "apps/v1", "batch/v1", "coordination.k8s.io/v1", "discovery.k8s.io/v1",
        "events.k8s.io/v1", "policy/v1", "rbac.authorization.k8s.io/v1",
        "scheduling.k8s.io/v1", "autoscaling/v1",
    ):  # fmt: skip
        assert expected in versions


def test_explain_describes_kinds_and_nested_fields(cluster):
    pod = cluster.kubectl.run("explain", "pod").stdout
    assert pod.startswith("KIND:       Pod\nVERSION:    v1\n")
    assert "FIELDS:" in pod and "spec\t<PodSpec>" in pod
    containers = cluster.kubectl.run("explain", "deployment.spec.template.spec.containers").stdout
    assert "FIELD: containers <[]Container>" in containers
    assert "image\t<string>" in containers and "name\t<string> -required-" in containers
    missing = cluster.kubectl.run("explain", "pod.spec.nosuchfield", check=False)
    assert missing.returncode == 1
    assert 'field "nosuchfield" does not exist' in missing.stderr
