"""core/v1 kinds other than pods: namespaces, nodes, services, config, accounts, events, ..."""

from pyk8s.api.resource import Resource, register
from pyk8s.api.schema import BOOL, BYTES, STRING, F, MapOf, define

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
CORE = "io.k8s.api.core.v1."

define(
    CORE + "ConfigMap",
    "Non-secret configuration data, as key-value pairs, for pods to read.",
    F("apiVersion", 0, STRING, "The versioned schema of this object."),
    F("kind", 0, STRING, "The type of this object, in CamelCase."),
    F("metadata", 1, META + "ObjectMeta", "Standard object metadata."),
    F("data", 2, MapOf(STRING), "UTF-8 configuration values, by key."),
    F("binaryData", 3, MapOf(BYTES), "Binary configuration values, by key; base64 in JSON."),
    F("immutable", 4, BOOL, "When true, data and binaryData can no longer change.", pointer=True),
)

register(
    Resource(
        group="",
        version="v1",
        kind="ConfigMap",
        plural="configmaps",
        singular="configmap",
        namespaced=True,
        schema=CORE + "ConfigMap",
        short_names=("cm",),
    )
)
