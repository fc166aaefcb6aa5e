"""core/v1 scheduling constraints of a pod: affinity, tolerations and topology spread.

These structs are what the scheduler reads besides resources and nodeName. Their validators
give Kubernetes' messages (pkg/apis/core/validation: validateTolerations,
ValidateNodeSelectorRequirement, validateTopologySpreadConstraints, ...) at the path where
each struct sits, so they hold inside Pods and inside every pod template alike.
"""

from pyk8s.api import names, validation
from pyk8s.api.errors import Cause
from pyk8s.api.schema import INT32, INT64, STRING, F, ListOf, define, validator

CORE = "io.k8s.api.core.v1."
META = "io.k8s.apimachinery.pkg.apis.meta.v1."

NODE_SELECTOR_REQUIREMENT = define(
    CORE + "NodeSelectorRequirement",
    "One test on a node's label (or field): key, operator and values.",
    F("key", 1, STRING, "The label key (or field name) tested.", required=True),
    F(
        "operator",
        2,
        STRING,
        "One of In, NotIn, Exists, DoesNotExist, Gt and Lt.",
        required=True,
    ),
    F(
        "values",
        3,
        ListOf(STRING),
        "Values for In/NotIn, one integer for Gt/Lt, none for Exists/DoesNotExist.",
        list_type="atomic",
    ),
)

NODE_SELECTOR_TERM = define(
    CORE + "NodeSelectorTerm",
    "Requirements that must all hold; an empty term matches no node.",
    F(
        "matchExpressions",
        1,
        ListOf(NODE_SELECTOR_REQUIREMENT),
        "Requirements on the node's labels.",
        list_type="atomic",
    ),
    F(
        "matchFields",
        2,
        ListOf(NODE_SELECTOR_REQUIREMENT),
        "Requirements on the node's fields (only metadata.name).",
        list_type="atomic",
    ),
)

define(
    CORE + "NodeSelector",
    "A choice of nodes: a node qualifies when any one of the terms matches it.",
    F(
        "nodeSelectorTerms",
        1,
        ListOf(NODE_SELECTOR_TERM),
        "The terms, ORed together.",
        required=True,
        list_type="atomic",
    ),
)

define(
    CORE + "PreferredSchedulingTerm",
    "A weighted node preference; matching nodes score the weight.",
    F("weight", 1, INT32, "Score given to matching nodes, 1 to 100.", required=True),
    F(
        "preference",
        2,
        NODE_SELECTOR_TERM,
        "The term a node must match.",
        required=True,
        map_type="atomic",
    ),
)

define(
    CORE + "NodeAffinity",
    "Rules attracting the pod to nodes with certain labels.",
    F(
        "requiredDuringSchedulingIgnoredDuringExecution",
        1,
        CORE + "NodeSelector",
        "Nodes the pod may be scheduled on; not re-checked once it runs.",
        pointer=True,
        map_type="atomic",
    ),
    F(
        "preferredDuringSchedulingIgnoredDuringExecution",
        2,
        ListOf(CORE + "PreferredSchedulingTerm"),
        "Weighted preferences among the nodes that qualify.",
        list_type="atomic",
    ),
)

POD_AFFINITY_TERM = define(
    CORE + "PodAffinityTerm",
    "A set of pods, and the topology (node, zone, ...) in which to be near or away from them.",
    F(
        "labelSelector",
        1,
        META + "LabelSelector",
        "The pods concerned; unset matches none.",
        pointer=True,
        map_type="atomic",
    ),
    F(
        "namespaces",
        2,
        ListOf(STRING),
        "Namespaces to look in, besides those namespaceSelector picks; none means the pod's own.",
        list_type="atomic",
    ),
    F(
        "topologyKey",
        3,
        STRING,
        "Node label whose value defines 'the same place', such as kubernetes.io/hostname.",
        required=True,
    ),
    F(
        "namespaceSelector",
        4,
        META + "LabelSelector",
        "Namespaces to look in, by label; {} means all namespaces.",
        pointer=True,
        map_type="atomic",
    ),
    F(
        "matchLabelKeys",
        5,
        ListOf(STRING),
        "Keys of this pod's labels whose values are added to the selector with In.",
        list_type="atomic",
    ),
    F(
        "mismatchLabelKeys",
        6,
        ListOf(STRING),
        "Keys of this pod's labels whose values are added to the selector with NotIn.",
        list_type="atomic",
    ),
)

define(
    CORE + "WeightedPodAffinityTerm",
    "A pod affinity term with a weight, for preferences.",
    F("weight", 1, INT32, "Score of the preference, 1 to 100.", required=True),
    F("podAffinityTerm", 2, POD_AFFINITY_TERM, "The term.", required=True),
)

for _name, _verb in (("PodAffinity", "near"), ("PodAntiAffinity", "away from")):
    define(
        CORE + _name,
        f"Rules placing the pod {_verb} other pods.",
        F(
            "requiredDuringSchedulingIgnoredDuringExecution",
            1,
            ListOf(POD_AFFINITY_TERM),
            f"Terms that must all hold to place the pod {_verb} the pods they select.",
            list_type="atomic",
        ),
        F(
            "preferredDuringSchedulingIgnoredDuringExecution",
            2,
            ListOf(CORE + "WeightedPodAffinityTerm"),
            "Weighted preferences; nodes with the highest total win.",
            list_type="atomic",
        ),
    )

define(
    CORE + "Affinity",
    "The pod's affinity rules towards nodes and other pods.",
    F("nodeAffinity", 1, CORE + "NodeAffinity", "Rules about nodes.", pointer=True),
    F("podAffinity", 2, CORE + "PodAffinity", "Rules to run near other pods.", pointer=True),
    F(
        "podAntiAffinity",
        3,
        CORE + "PodAntiAffinity",
        "Rules to run away from other pods.",
        pointer=True,
    ),
)

define(
    CORE + "Toleration",
    "Lets the pod run on nodes with a matching taint.",
    F("key", 1, STRING, "Taint key matched; empty (with operator Exists) matches every taint."),
    F("operator", 2, STRING, "Equal (the default) or Exists."),
    F("value", 3, STRING, "Taint value matched with Equal; empty with Exists."),
    F(
        "effect",
        4,
        STRING,
        "Taint effect matched: NoSchedule, PreferNoSchedule or NoExecute; empty matches all.",
    ),
    F(
        "tolerationSeconds",
        5,
        INT64,
        "For NoExecute: how long the pod stays once the taint appears; unset means forever.",
        pointer=True,
    ),
)

define(
    CORE + "TopologySpreadConstraint",
    "How evenly matching pods must be spread across a topology (zones, nodes, ...).",
    F(
        "maxSkew",
        1,
        INT32,
        "Largest allowed difference in matching pods between two domains.",
        required=True,
    ),
    F("topologyKey", 2, STRING, "Node label whose values define the domains.", required=True),
    F(
        "whenUnsatisfiable",
        3,
        STRING,
        "DoNotSchedule (hard) or ScheduleAnyway (soft, prefer less skew).",
        required=True,
        enum=("DoNotSchedule", "ScheduleAnyway"),
    ),
    F(
        "labelSelector",
        4,
        META + "LabelSelector",
        "The pods counted in each domain.",
        pointer=True,
        map_type="atomic",
    ),
    F(
        "minDomains",
        5,
        INT32,
        "Fewer eligible domains than this counts the global minimum as 0 (DoNotSchedule only).",
        pointer=True,
    ),
    F(
        "nodeAffinityPolicy",
        6,
        STRING,
        "Honor (default) or Ignore the pod's node affinity when counting domains.",
        pointer=True,
        enum=("Honor", "Ignore"),
    ),
    F(
        "nodeTaintsPolicy",
        7,
        STRING,
        "Honor or Ignore (default) node taints when counting domains.",
        pointer=True,
        enum=("Honor", "Ignore"),
    ),
    F(
        "matchLabelKeys",
        8,
        ListOf(STRING),
        "Keys of this pod's labels whose values narrow the selector.",
        list_type="atomic",
    ),
)


# --- validation ---------------------------------------------------------------------------


@validator(CORE + "NodeSelectorRequirement")
def validate_node_selector_requirement(req: dict, path: str) -> list[Cause]:
    values = req.get("values") or []
    operator = req.get("operator")
    key = req.get("key")
    if path.rsplit(".", 1)[-1].startswith("matchFields["):
        # Field selectors on nodes: only metadata.name, with In/NotIn and exactly one value.
        causes = []
        if operator in ("In", "NotIn"):
            if len(values) != 1:
                causes.append(
                    validation.required(
                        f"{path}.values",
                        "must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
                    )
                )
        elif operator:
            causes.append(
                validation.invalid(f"{path}.operator", operator, "not a valid selector operator")
            )
        if key and key != "metadata.name":
            causes.append(validation.invalid(f"{path}.key", key, "not a valid field selector key"))
        return causes
    causes = []
    if operator in ("In", "NotIn"):
        if not values:
            causes.append(
                validation.required(
                    f"{path}.values", "must be specified when `operator` is 'In' or 'NotIn'"
                )
            )
    elif operator in ("Exists", "DoesNotExist"):
        if values:
            causes.append(
                validation.forbidden(
                    f"{path}.values",
                    "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                )
            )
    elif operator in ("Gt", "Lt"):
        if len(values) != 1:
            causes.append(
                validation.required(
                    f"{path}.values",
                    "must be specified single value when `operator` is 'Lt' or 'Gt'",
                )
            )
    elif operator:
        causes.append(
            validation.invalid(f"{path}.operator", operator, "not a valid selector operator")
        )
    if key:
        causes += [validation.invalid(f"{path}.key", key, m) for m in names.is_qualified_name(key)]
    return causes


def _weight_in_range(term: dict, path: str) -> list[Cause]:
    weight = term.get("weight")
    if weight is not None and not 1 <= weight <= 100:
        return [validation.invalid(f"{path}.weight", weight, "must be in the range 1-100")]
    return []


validator(CORE + "PreferredSchedulingTerm")(_weight_in_range)
validator(CORE + "WeightedPodAffinityTerm")(_weight_in_range)


@validator(CORE + "PodAffinityTerm")
def validate_pod_affinity_term(term: dict, path: str) -> list[Cause]:
    causes = []
    for index, namespace in enumerate(term.get("namespaces") or []):
        causes += [
            validation.invalid(f"{path}.namespaces[{index}]", namespace, m)
            for m in names.is_dns1123_label(namespace)
        ]
    key = term.get("topologyKey")
    if key:
        causes += [
            validation.invalid(f"{path}.topologyKey", key, m) for m in names.is_qualified_name(key)
        ]
    return causes


@validator(CORE + "Toleration")
def validate_toleration(toleration: dict, path: str) -> list[Cause]:
    """validateTolerations, for one toleration."""
    causes = []
    key = toleration.get("key") or ""
    operator = toleration.get("operator") or ""
    value = toleration.get("value") or ""
    effect = toleration.get("effect") or ""
    if key:
        causes += [validation.invalid(f"{path}.key", key, m) for m in names.is_qualified_name(key)]
    elif operator != "Exists":
        causes.append(
            validation.invalid(
                f"{path}.operator",
                operator,
                'operator must be Exists when `key` is empty, which means "match all values and all keys"',
            )
        )
    if toleration.get("tolerationSeconds") is not None and effect != "NoExecute":
        causes.append(
            validation.invalid(
                f"{path}.effect",
                effect,
                "effect must be 'NoExecute' when `tolerationSeconds` is set",
            )
        )
    if operator in ("", "Equal"):
        if errors := names.is_valid_label_value(value):
            causes.append(validation.invalid(f"{path}.operator", value, ";".join(errors)))
    elif operator == "Exists":
        if value:
            causes.append(
                validation.invalid(
                    f"{path}.operator", value, "value must be empty when `operator` is 'Exists'"
                )
            )
    else:
        causes.append(validation.not_supported(f"{path}.operator", operator, ["Equal", "Exists"]))
    if effect and effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
        causes.append(
            validation.not_supported(
                f"{path}.effect", effect, ["NoSchedule", "PreferNoSchedule", "NoExecute"]
            )
        )
    return causes


@validator(CORE + "TopologySpreadConstraint")
def validate_topology_spread_constraint(constraint: dict, path: str) -> list[Cause]:
    causes = []
    max_skew = constraint.get("maxSkew")
    if max_skew is not None and max_skew <= 0:
        causes.append(validation.invalid(f"{path}.maxSkew", max_skew, "must be greater than zero"))
    key = constraint.get("topologyKey")
    if key:
        causes += [
            validation.invalid(f"{path}.topologyKey", key, m) for m in names.is_qualified_name(key)
        ]
    min_domains = constraint.get("minDomains")
    when = constraint.get("whenUnsatisfiable")
    if min_domains is not None:
        if min_domains <= 0:
            causes.append(
                validation.invalid(f"{path}.minDomains", min_domains, "must be greater than zero")
            )
        elif when != "DoNotSchedule":
            causes.append(
                validation.invalid(
                    f"{path}.minDomains",
                    min_domains,
                    f"can only use minDomains if whenUnsatisfiable=DoNotSchedule, not {when}",
                )
            )
    return causes
