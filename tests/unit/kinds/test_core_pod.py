"""core/v1 pods: schema facts, defaults, validation and update rules, as Kubernetes has them."""

import copy

import pytest

import pyk8s.api.kinds  # noqa: F401  (defines every struct and registers every resource)
from pyk8s.api import protobuf
from pyk8s.api.kinds.core_pod_defaults import image_tag
from pyk8s.api.kinds.core_pod_update import validate_ephemeral_containers_update
from pyk8s.api.kinds.core_pod_validation import validate_pod_create
from pyk8s.api.resource import find
from pyk8s.api.schema import DEFAULTERS, STRUCTS, ListOf, MapOf, Struct, resolve
from pyk8s.api.validation import validate_object, validate_update

CORE = "io.k8s.api.core.v1."
ROOTS = [
    "Pod",
    "PodTemplate",
    "ReplicationController",
    "Binding",
    "PodExecOptions",
    "PodAttachOptions",
    "PodLogOptions",
    "PodPortForwardOptions",
    "PodProxyOptions",
]


def _reachable() -> tuple[list[Struct], list[str]]:
    """Every struct a pod (and the other kinds of this piece) is made of, and the names
    referred to that no module defines."""
    seen: dict[str, Struct] = {}
    unknown: list[str] = []
    todo = [CORE + name for name in ROOTS]
    while todo:
        name = todo.pop()
        if name not in STRUCTS:
            unknown.append(name)
            continue
        struct = resolve(name)
        if struct.name in seen:
            continue
        seen[struct.name] = struct
        for field in struct.fields:
            t = field.type
            while isinstance(t, ListOf | MapOf):
                t = t.item if isinstance(t, ListOf) else t.value
            if isinstance(t, str | Struct):
                todo.append(t if isinstance(t, str) else t.name)
    return list(seen.values()), unknown


def test_every_struct_a_pod_is_made_of_resolves():
    structs, unknown = _reachable()
    # PersistentVolumeClaimSpec (ephemeral volumes) belongs to core.py's piece.
    assert unknown == [], f"referenced but never defined: {unknown}"
    assert len(structs) > 100
    assert STRUCTS[CORE + "PodSpec"] in structs


def test_protobuf_numbers_are_unique_per_message():
    for struct in _reachable()[0]:
        messages: dict[int, list[int]] = {}
        for field in struct.fields:
            if field.number:
                messages.setdefault(field.embedded_in, []).append(field.number)
            else:
                assert field.name in ("apiVersion", "kind"), f"{struct.name}.{field.name}"
        for numbers in messages.values():
            assert len(numbers) == len(set(numbers)), struct.name


def test_pod_spec_numbers_and_merge_keys_match_kubernetes():
    spec = STRUCTS[CORE + "PodSpec"]
    assert spec.field("containers").number == 2
    assert spec.field("initContainers").number == 20
    assert spec.field("ephemeralContainers").number == 34
    assert spec.field("volumes").patch_strategy == "merge,retainKeys"
    assert spec.field("tolerations").list_type == "atomic"
    container = STRUCTS[CORE + "Container"]
    assert container.field("ports").list_map_keys == ("containerPort", "protocol")
    assert container.field("volumeMounts").patch_merge_key == "mountPath"
    assert container.field("envFrom").number == 19


def test_inlined_structs_travel_nested_in_protobuf():
    volume = STRUCTS[CORE + "Volume"]
    source = volume.embedded_struct(2)
    assert source.field_by_number(2).name == "emptyDir"
    assert source.field_by_number(30).name == "image"
    assert volume.field_by_number(2) is None  # field 2 of Volume is the whole source message
    ephemeral = STRUCTS[CORE + "EphemeralContainer"]
    assert ephemeral.field_by_number(2).name == "targetContainerName"
    assert ephemeral.embedded_struct(1).field_by_number(2).name == "image"
    assert STRUCTS[CORE + "Probe"].embedded_struct(1).field_by_number(4).name == "grpc"


def test_a_pod_round_trips_through_protobuf():
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "containers": [
                {
                    "name": "nginx",
                    "image": "nginx:1.27",
                    "env": [
                        {
                            "name": "MODE",
                            "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "mode"}},
                        }
                    ],
                    "readinessProbe": {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 5},
                }
            ],
            "volumes": [{"name": "scratch", "emptyDir": {}}],
            "enableServiceLinks": False,
        },
    }
    decoded = protobuf.decode_object(protobuf.encode_object(pod, STRUCTS[CORE + "Pod"]))
    assert decoded == pod


def _run_defaulters(obj: dict, kind: str) -> dict:
    for hook in DEFAULTERS[CORE + kind]:
        hook(obj)
    return obj


@pytest.mark.parametrize(
    ("image", "policy"),
    [
        ("nginx", "Always"),
        ("nginx:latest", "Always"),
        ("nginx:1.27", "IfNotPresent"),
        ("localhost:5000/nginx", "Always"),
        ("localhost:5000/nginx:1.0", "IfNotPresent"),
        ("nginx@sha256:" + "a" * 64, "IfNotPresent"),
    ],
)
def test_image_pull_policy_follows_the_tag(image, policy):
    container = _run_defaulters({"name": "c", "image": image}, "Container")
    assert container["imagePullPolicy"] == policy


def test_image_tag_reads_the_last_path_component():
    assert image_tag("registry:5000/team/app:v2") == "v2"


def test_static_defaults_are_the_ones_kubectl_shows():
    spec = STRUCTS[CORE + "PodSpec"]
    assert spec.field("restartPolicy").default == "Always"
    assert spec.field("dnsPolicy").default == "ClusterFirst"
    assert spec.field("schedulerName").default == "default-scheduler"
    assert spec.field("terminationGracePeriodSeconds").default == 30
    assert spec.field("securityContext").default == {}
    container = STRUCTS[CORE + "Container"]
    assert container.field("terminationMessagePath").default == "/dev/termination-log"
    assert container.field("terminationMessagePolicy").default == "File"
    assert STRUCTS[CORE + "ContainerPort"].field("protocol").default == "TCP"
    assert STRUCTS[CORE + "SecretVolumeSource"].field("defaultMode").default == 420
    probe = STRUCTS[CORE + "Probe"]
    assert [probe.field(n).default for n in ("timeoutSeconds", "periodSeconds")] == [1, 10]
    assert STRUCTS[CORE + "ReplicationControllerSpec"].field("replicas").default == 1


def test_pods_but_not_templates_get_service_links_and_requests_from_limits():
    pod = {
        "spec": {
            "containers": [{"name": "c", "resources": {"limits": {"cpu": "1"}}}],
            "enableServiceLinks": False,
        }
    }
    _run_defaulters(pod, "Pod")
    assert pod["spec"]["containers"][0]["resources"]["requests"] == {"cpu": "1"}
    assert pod["spec"]["enableServiceLinks"] is False
    assert _run_defaulters({"spec": {"containers": []}}, "Pod")["spec"]["enableServiceLinks"]
    assert CORE + "PodTemplateSpec" not in DEFAULTERS


def test_a_volume_without_a_source_is_an_empty_dir():
    assert _run_defaulters({"name": "v"}, "Volume") == {"name": "v", "emptyDir": {}}


def test_replication_controller_selector_comes_from_the_template():
    rc = {"spec": {"template": {"metadata": {"labels": {"app": "web"}}}}}
    _run_defaulters(rc, "ReplicationController")
    assert rc["spec"]["selector"] == {"app": "web"}
    assert rc["metadata"]["labels"] == {"app": "web"}


def _pod(**spec) -> dict:
    base = {"containers": [{"name": "web", "image": "nginx"}]}
    return {"metadata": {"name": "p"}, "spec": base | spec}


def _errors(obj: dict, kind: str = "Pod") -> list[tuple[str, str]]:
    return [(c.field, c.message) for c in validate_object(obj, STRUCTS[CORE + kind])]


def test_a_minimal_pod_is_valid():
    assert _errors(_pod()) == []


def test_containers_are_required():
    assert _errors({"metadata": {"name": "p"}, "spec": {}}) == [
        ("spec.containers", "Required value")
    ]


def test_container_names_and_images():
    pod = _pod(containers=[{"name": "web", "image": ""}, {"name": "web", "image": "x"}])
    pod["spec"]["initContainers"] = [{"name": "Init", "image": "x"}]
    errors = _errors(pod)
    assert ("spec.containers[0].image", "Required value") in errors
    assert ("spec.containers[1].name", 'Duplicate value: "web"') in errors
    assert any(
        field == "spec.initContainers[0].name"
        and message.startswith('Invalid value: "Init": a lowercase RFC 1123 label')
        for field, message in errors
    )


def test_ports_are_checked():
    ports = [
        {"containerPort": 0},
        {"containerPort": 70000, "protocol": "ICMP"},
        {"containerPort": 80, "name": "http"},
        {"containerPort": 81, "name": "http"},
    ]
    errors = _errors(_pod(containers=[{"name": "web", "image": "x", "ports": ports}]))
    at = "spec.containers[0].ports"
    assert errors == [
        (f"{at}[1].protocol", 'Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"'),
        (f"{at}[3].name", 'Duplicate value: "http"'),
        (f"{at}[0].containerPort", "Required value"),
        (f"{at}[1].containerPort", "Invalid value: 70000: must be between 1 and 65535, inclusive"),
    ]


def test_volume_mounts_must_name_a_volume_and_volumes_one_source():
    container = {"name": "web", "image": "x", "volumeMounts": [{"name": "data", "mountPath": "/d"}]}
    volumes = [{"name": "cache", "emptyDir": {}, "hostPath": {"path": "/tmp"}}]
    errors = _errors(_pod(containers=[container], volumes=volumes))
    assert errors == [
        ("spec.containers[0].volumeMounts[0].name", 'Not found: "data"'),
        ("spec.volumes[0].hostPath", "Forbidden: may not specify more than 1 volume type"),
    ]
    # Kubernetes' own typo in this path is part of its message.
    volumes = [{"name": "v", "emptyDir": {}, "downwardAPI": {}}]
    assert _errors(_pod(volumes=volumes)) == [
        ("spec.volumes[0].downwarAPI", "Forbidden: may not specify more than 1 volume type")
    ]


def test_enums_use_kubernetes_order():
    errors = _errors(_pod(restartPolicy="Sometimes"))
    assert errors == [
        (
            "spec.restartPolicy",
            'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
        )
    ]


def test_requests_may_not_exceed_limits():
    resources = {"requests": {"memory": "2Gi"}, "limits": {"memory": "1Gi"}}
    errors = _errors(_pod(containers=[{"name": "web", "image": "x", "resources": resources}]))
    assert errors == [
        (
            "spec.containers[0].resources.requests[memory]",
            'Invalid value: "2Gi": must be less than or equal to memory limit of 1Gi',
        )
    ]


def test_probes_need_exactly_one_handler():
    container = {
        "name": "web",
        "image": "x",
        "livenessProbe": {"periodSeconds": 5},
        "readinessProbe": {"exec": {"command": ["true"]}, "tcpSocket": {"port": 80}},
    }
    assert _errors(_pod(containers=[container])) == [
        ("spec.containers[0].livenessProbe", "Required value: must specify a handler type"),
        (
            "spec.containers[0].readinessProbe.tcpSocket",
            "Forbidden: may not specify more than 1 handler type",
        ),
    ]


def test_env_value_and_value_from_exclude_each_other():
    env = [{"name": "A", "value": "1", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]
    assert _errors(_pod(containers=[{"name": "web", "image": "x", "env": env}])) == [
        (
            "spec.containers[0].env[0].valueFrom",
            'Invalid value: "": may not be specified when `value` is not empty',
        )
    ]


def test_tolerations_follow_kubernetes_rules():
    tolerations = [{"operator": "Equal", "value": "x"}, {"key": "k", "effect": "Sometimes"}]
    assert _errors(_pod(tolerations=tolerations)) == [
        (
            "spec.tolerations[0].operator",
            'Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
        ),
        (
            "spec.tolerations[1].effect",
            'Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
        ),
    ]


def test_pod_templates_hold_the_same_rules_under_their_own_path():
    template = {"template": {"metadata": {}, "spec": {"containers": [{"name": "web"}]}}}
    assert _errors(template, "PodTemplate") == [
        ("template.spec.containers[0].image", "Required value")
    ]


def test_ephemeral_containers_are_added_only_through_their_subresource():
    pod = _pod(ephemeralContainers=[{"name": "debug", "image": "busybox"}])
    assert [(c.field, c.message) for c in validate_pod_create(pod)] == [
        ("spec.ephemeralContainers", "Forbidden: cannot be set on create")
    ]
    changed = copy.deepcopy(pod)
    changed["spec"]["ephemeralContainers"] = [{"name": "debug", "image": "alpine"}]
    causes = validate_ephemeral_containers_update(changed, pod)
    assert [c.message for c in causes] == [
        'Forbidden: existing ephemeral containers "debug" may not be changed\n'
    ]


def test_an_ephemeral_container_may_not_have_ports():
    container = {"name": "debug", "image": "busybox", "ports": [{"containerPort": 80}]}
    errors = _errors(_pod(ephemeralContainers=[container]))
    assert errors == [
        ("spec.ephemeralContainers[0].ports", "Forbidden: cannot be set for an Ephemeral Container")
    ]


def _update_errors(new: dict, old: dict) -> list[tuple[str, str]]:
    return [(c.field, c.message) for c in validate_update(new, old, STRUCTS[CORE + "Pod"])]


def test_a_pod_update_may_change_images_and_add_tolerations():
    old = _pod(tolerations=[{"key": "a", "operator": "Exists"}])
    new = copy.deepcopy(old)
    new["spec"]["containers"][0]["image"] = "nginx:1.27"
    new["spec"]["tolerations"].append({"key": "b", "operator": "Exists"})
    assert _update_errors(new, old) == []


def test_other_pod_spec_changes_are_forbidden():
    old = _pod()
    new = copy.deepcopy(old)
    new["spec"]["containers"][0]["command"] = ["sleep", "1"]
    [(field, message)] = _update_errors(new, old)
    assert field == "spec"
    assert message.startswith(
        "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
    )
    assert "spec.containers[0].command" in message


def test_active_deadline_may_only_shrink():
    old = _pod(activeDeadlineSeconds=100)
    new = copy.deepcopy(old)
    new["spec"]["activeDeadlineSeconds"] = 200
    assert _update_errors(new, old) == [
        (
            "spec.activeDeadlineSeconds",
            "Invalid value: 200: must be less than or equal to previous value",
        )
    ]


def test_replication_controller_selector_must_match_the_template():
    rc = {
        "metadata": {"name": "rc"},
        "spec": {
            "selector": {"app": "web"},
            "template": {
                "metadata": {"labels": {"app": "db"}},
                "spec": {"containers": [{"name": "c", "image": "x"}], "restartPolicy": "Never"},
            },
        },
    }
    errors = _errors(rc, "ReplicationController")
    assert [field for field, _ in errors] == [
        "spec.template.metadata.labels",
        "spec.template.spec.restartPolicy",
    ]
    assert errors[0][1].endswith("`selector` does not match template `labels`")


def test_a_binding_targets_a_node():
    binding = {"metadata": {"name": "p"}, "target": {"kind": "Pod", "name": "n1"}}
    assert _errors(binding, "Binding") == [
        ("target.kind", 'Unsupported value: "Pod": supported values: "Node", "<empty>"')
    ]


def test_resources_are_registered_as_discovery_lists_them():
    pods = find("", "v1", "pods")
    assert pods.short_names == ("po",) and pods.categories == ("all",)
    assert {s.name for s in pods.subresources} == {
        "attach",
        "binding",
        "ephemeralcontainers",
        "eviction",
        "exec",
        "log",
        "portforward",
        "proxy",
        "status",
    }
    eviction = pods.subresource("eviction")
    assert (eviction.group, eviction.version, eviction.kind) == ("policy", "v1", "Eviction")
    rc = find("", "v1", "replicationcontrollers")
    assert rc.key("default", "web") == "/controllers/default/web"
    assert rc.subresource("scale").group == "autoscaling"
    bindings = find("", "v1", "bindings")
    assert bindings.verbs == ("create",) and not bindings.stored
    assert find("", "v1", "podtemplates").namespaced
