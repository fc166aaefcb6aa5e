"""Small structs mirroring the real Pod and Deployment schemas, for the patch tests.

They carry the same strategic-merge and list-type tags as Kubernetes' types, under names of
their own ("test.patch.*") so they never collide with the real kinds.
"""

from pyk8s.api.schema import INT32, INT_OR_STRING, RAW, STRING, F, ListOf, MapOf, define

P = "test.patch."

define(
    P + "ObjectMeta",
    "Object metadata.",
    F("name", 1, STRING),
    F("namespace", 3, STRING),
    F("uid", 5, STRING),
    F("resourceVersion", 6, STRING),
    F("labels", 11, MapOf(STRING)),
    F("annotations", 12, MapOf(STRING)),
    F("finalizers", 14, ListOf(STRING), patch_strategy="merge", list_type="set"),
    F("managedFields", 17, ListOf(RAW)),
)
define(
    P + "ContainerPort",
    "A port.",
    F("name", 1, STRING),
    F("containerPort", 3, INT32),
    F("protocol", 4, STRING, default="TCP"),
)
define(P + "EnvVar", "An environment variable.", F("name", 1, STRING), F("value", 2, STRING))
define(
    P + "Container",
    "A container.",
    F("name", 1, STRING),
    F("image", 2, STRING),
    F("args", 4, ListOf(STRING)),
    F(
        "ports",
        6,
        ListOf(P + "ContainerPort"),
        patch_strategy="merge",
        patch_merge_key="containerPort",
        list_type="map",
        list_map_keys=("containerPort", "protocol"),
    ),
    F("env", 7, ListOf(P + "EnvVar"), patch_strategy="merge", patch_merge_key="name"),
)
define(P + "Toleration", "A toleration.", F("key", 1, STRING), F("effect", 3, STRING))
define(
    P + "Volume",
    "A volume (only two sources).",
    F("name", 1, STRING),
    F("hostPath", 2, RAW),
    F("emptyDir", 3, RAW),
)
define(
    P + "PodSpec",
    "A pod spec.",
    F(
        "containers",
        2,
        ListOf(P + "Container"),
        required=True,
        patch_strategy="merge",
        patch_merge_key="name",
    ),
    F(
        "volumes",
        1,
        ListOf(P + "Volume"),
        patch_strategy="merge,retainKeys",
        patch_merge_key="name",
    ),
    F("tolerations", 22, ListOf(P + "Toleration")),
    F("nodeSelector", 7, MapOf(STRING)),
    F("restartPolicy", 3, STRING),
)
define(
    P + "Pod",
    "A pod.",
    F("apiVersion", 0, STRING),
    F("kind", 0, STRING),
    F("metadata", 1, P + "ObjectMeta"),
    F("spec", 2, P + "PodSpec"),
)
define(
    P + "RollingUpdate",
    "Rolling update limits.",
    F("maxSurge", 1, INT_OR_STRING, pointer=True),
    F("maxUnavailable", 2, INT_OR_STRING, pointer=True),
)
define(
    P + "Strategy",
    "Deployment strategy.",
    F("type", 1, STRING),
    F("rollingUpdate", 2, P + "RollingUpdate", pointer=True),
)
define(
    P + "LabelSelector",
    "A label selector.",
    F("matchLabels", 1, MapOf(STRING)),
)
define(
    P + "PodTemplate",
    "A pod template.",
    F("metadata", 1, P + "ObjectMeta"),
    F("spec", 2, P + "PodSpec"),
)
define(
    P + "DeploymentSpec",
    "A deployment spec.",
    F("replicas", 1, INT32, pointer=True),
    F("selector", 2, P + "LabelSelector", map_type="atomic"),
    F("template", 3, P + "PodTemplate"),
    F("strategy", 4, P + "Strategy", patch_strategy="retainKeys"),
)
define(
    P + "Deployment",
    "A deployment.",
    F("apiVersion", 0, STRING),
    F("kind", 0, STRING),
    F("metadata", 1, P + "ObjectMeta"),
    F("spec", 2, P + "DeploymentSpec"),
)

from pyk8s.api.schema import STRUCTS  # noqa: E402

POD = STRUCTS[P + "Pod"]
DEPLOYMENT = STRUCTS[P + "Deployment"]
