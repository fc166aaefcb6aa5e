"""A small kind used by the machinery tests: one field of every scalar, list, map and nesting.

Defined once per test session (struct names are global); names start with "test.h3." so they
cannot clash with real kinds.
"""

from pyk8s.api import validation
from pyk8s.api.kinds import meta as _meta  # noqa: F401  (defines ObjectMeta)
from pyk8s.api.schema import (
    BOOL,
    BYTES,
    DURATION,
    FLOAT64,
    INT32,
    INT64,
    INT_OR_STRING,
    MICROTIME,
    QUANTITY,
    RAW,
    STRING,
    STRUCTS,
    TIME,
    F,
    ListOf,
    MapOf,
    defaulter,
    define,
    update_validator,
    validator,
)

P = "test.h3.v1."
META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"

if P + "Widget" not in STRUCTS:
    define(
        P + "Part",
        "One part of a widget.",
        F("name", 1, STRING, "Part name.", required=True),
        F("weight", 2, INT32, "Relative weight.", default=1),
        F("labels", 3, MapOf(STRING), "Free labels."),
    )
    define(P + "Extra", "Optional extras.", F("note", 1, STRING, "A note."))
    define(
        P + "WidgetSpec",
        "What the widget should be.",
        F("replicas", 1, INT32, "How many.", pointer=True),
        F("mode", 2, STRING, "Speed.", enum=("Fast", "Slow"), default="Fast"),
        F("size", 3, QUANTITY, "How big."),
        F("port", 4, INT_OR_STRING, "Port number or name."),
        F("parts", 5, ListOf(P + "Part"), "Its parts."),
        F("tags", 6, MapOf(STRING), "Tags."),
        F("enabled", 7, BOOL, "On or off."),
        F("timeout", 8, DURATION, "How long."),
        F("started", 9, TIME, "When."),
        F("ratio", 10, FLOAT64, "A ratio."),
        F("payload", 11, BYTES, "Opaque bytes."),
        F("config", 12, RAW, "Free-form JSON."),
        F("counts", 13, ListOf(INT64), "Some numbers."),
        F("limits", 14, MapOf(QUANTITY), "Resource limits."),
        F("paused", 15, BOOL, "Paused.", pointer=True),
        F("renewed", 16, MICROTIME, "Precise time."),
        F("extra", 17, P + "Extra", "Extras.", pointer=True),
        F("refName", 1, STRING, "Inlined reference name.", embedded_in=18),
        F("defaultParts", 19, ListOf(STRING), "A defaulted list.", default=["a"]),
    )
    define(P + "WidgetStatus", "What the widget is.", F("ready", 1, INT32, "Ready parts."))
    define(
        P + "Widget",
        "A test kind.",
        F("apiVersion", 0, STRING, "Version."),
        F("kind", 0, STRING, "Kind."),
        F("metadata", 1, META, "Metadata."),
        F("spec", 2, P + "WidgetSpec", "Spec."),
        F("status", 3, P + "WidgetStatus", "Status."),
    )

    @defaulter(P + "WidgetSpec")
    def _default_spec(spec):
        # A hook sees its own static defaults: mode is already "Fast" here when unset.
        if spec.get("mode") == "Fast" and "replicas" not in spec:
            spec["replicas"] = 3

    @defaulter(P + "Widget")
    def _default_widget(widget):
        widget.setdefault("spec", {})

    @validator(P + "Part")
    def _validate_part(part, path):
        from pyk8s.api import names

        name = part.get("name")
        if not isinstance(name, str):
            return []
        return [validation.invalid(f"{path}.name", name, m) for m in names.is_dns1123_label(name)]

    @update_validator(P + "Widget")
    def _validate_widget_update(new, old):
        new_mode = new.get("spec", {}).get("mode")
        if new_mode != old.get("spec", {}).get("mode"):
            return [validation.immutable("spec.mode", new_mode)]
        return []


WIDGET = STRUCTS[P + "Widget"]
SPEC = STRUCTS[P + "WidgetSpec"]
