"""Defaults and validation of the apps/v1 kinds, and the checks every pod-owning kind shares.

The rules follow Kubernetes' apps defaulting and validation: the same defaults, the same
field paths, the same messages, so `kubectl` users see the errors they know. The shared
helpers (selector against template labels, int-or-percent values, non-negative numbers)
are used by the batch, policy and autoscaling rules too.

Validators receive the struct's dict and the path where it sits ("spec"); they run after
defaulting, so a value the defaulters always fill is read with that default as fallback.
"""

from __future__ import annotations

import re
from typing import Any

from pyk8s.api import labels, validation
from pyk8s.api.errors import BadRequest, Cause
from pyk8s.api.schema import defaulter, update_validator, validator

APPS = "io.k8s.api.apps.v1."

# PodSpec defaulting sets restartPolicy to Always, so an absent value means Always here.
DEFAULT_RESTART_POLICY = "Always"
_PERCENT = re.compile(r"^[0-9]+%$")


# --- helpers shared with the other workload kinds -------------------------------------------


def child(path: str, *parts: str) -> str:
    """Join field path segments: child("spec", "template", "metadata") -> spec.template.metadata."""
    return ".".join(p for p in (path, *parts) if p)


def nonnegative(value: Any, path: str) -> list[Cause]:
    if isinstance(value, int) and value < 0:
        return [validation.invalid(path, value, "must be greater than or equal to 0")]
    return []


def percent_value(value: Any) -> int | None:
    """The number in "25%", or None when value is not a percent string."""
    if isinstance(value, str) and _PERCENT.match(value):
        return int(value[:-1])
    return None


def int_or_percent_value(value: Any) -> int:
    """The number an int-or-percent holds (25 for "25%", 3 for 3); 0 when unparsable."""
    percent = percent_value(value)
    if percent is not None:
        return percent
    return value if isinstance(value, int) else 0


def positive_int_or_percent(value: Any, path: str) -> list[Cause]:
    """A non-negative integer or a "N%" string."""
    if value is None:
        return []
    if isinstance(value, str):
        if percent_value(value) is None:
            detail = (
                "a valid percent string must be a numeric string followed by an ending '%' "
                "(e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"
            )
            return [validation.invalid(path, value, detail)]
        return []
    return nonnegative(value, path)


def not_more_than_100_percent(value: Any, path: str) -> list[Cause]:
    percent = percent_value(value)
    if percent is not None and percent > 100:
        return [validation.invalid(path, value, "must not be greater than 100%")]
    return []


def restart_policy(template: dict[str, Any]) -> str:
    return (template.get("spec") or {}).get("restartPolicy") or DEFAULT_RESTART_POLICY


def selector_matches_template(spec: dict[str, Any], path: str, kind_word: str) -> list[Cause]:
    """The selector is present, not empty, and selects the pods the template makes."""
    selector = spec.get("selector")
    if selector is None:
        return [validation.required(child(path, "selector"))]
    causes = []
    if not selector.get("matchLabels") and not selector.get("matchExpressions"):
        detail = f"empty selector is invalid for {kind_word}"
        causes.append(validation.invalid(child(path, "selector"), selector, detail))
        return causes
    try:
        parsed = labels.selector_from_label_selector(selector)
    except (ValueError, BadRequest):
        # The LabelSelector validator reports what is wrong with the selector itself.
        return causes
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    if not parsed.matches(template_labels):
        labels_path = child(path, "template", "metadata", "labels")
        detail = "`selector` does not match template `labels`"
        causes.append(validation.invalid(labels_path, template_labels, detail))
    return causes


def only_restart_always(spec: dict[str, Any], path: str, kind: str) -> list[Cause]:
    """Pods of long-running controllers must restart forever and have no deadline."""
    template = spec.get("template") or {}
    causes = []
    policy = restart_policy(template)
    if policy != "Always":
        policy_path = child(path, "template", "spec", "restartPolicy")
        causes.append(validation.not_supported(policy_path, policy, ["Always"]))
    if (template.get("spec") or {}).get("activeDeadlineSeconds") is not None:
        deadline_path = child(path, "template", "spec", "activeDeadlineSeconds")
        detail = f"activeDeadlineSeconds in {kind} is not Supported"
        causes.append(validation.forbidden(deadline_path, detail))
    return causes


def immutable(new: Any, old: Any, path: str) -> list[Cause]:
    return [validation.immutable(path, new)] if new != old else []


def _spec(obj: dict[str, Any]) -> dict[str, Any]:
    return obj.get("spec") or {}


# --- defaults -------------------------------------------------------------------------------


@defaulter(APPS + "DeploymentSpec")
def default_deployment_strategy(spec: dict[str, Any]) -> None:
    strategy = spec.setdefault("strategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.get("rollingUpdate")
        if rolling is None:
            rolling = strategy["rollingUpdate"] = {}
        rolling.setdefault("maxUnavailable", "25%")
        rolling.setdefault("maxSurge", "25%")


@defaulter(APPS + "StatefulSetSpec")
def default_statefulset_strategy(spec: dict[str, Any]) -> None:
    strategy = spec.setdefault("updateStrategy", {})
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
        strategy.setdefault("rollingUpdate", {})
    if strategy["type"] == "RollingUpdate" and strategy.get("rollingUpdate") is not None:
        strategy["rollingUpdate"].setdefault("partition", 0)
    retention = spec.get("persistentVolumeClaimRetentionPolicy")
    if retention is None:
        retention = spec["persistentVolumeClaimRetentionPolicy"] = {}
    retention["whenDeleted"] = retention.get("whenDeleted") or "Retain"
    retention["whenScaled"] = retention.get("whenScaled") or "Retain"


@defaulter(APPS + "DaemonSetSpec")
def default_daemonset_strategy(spec: dict[str, Any]) -> None:
    strategy = spec.setdefault("updateStrategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.get("rollingUpdate")
        if rolling is None:
            rolling = strategy["rollingUpdate"] = {}
        rolling.setdefault("maxUnavailable", 1)
        rolling.setdefault("maxSurge", 0)


# --- validation: Deployment and ReplicaSet --------------------------------------------------


@validator(APPS + "DeploymentSpec")
def validate_deployment_spec(spec: dict[str, Any], path: str) -> list[Cause]:
    causes = nonnegative(spec.get("replicas", 1), child(path, "replicas"))
    causes += selector_matches_template(spec, path, "deployment")
    causes += only_restart_always(spec, path, "ReplicaSet")
    causes += _deployment_strategy(spec.get("strategy") or {}, child(path, "strategy"))
    min_ready = spec.get("minReadySeconds", 0)
    causes += nonnegative(min_ready, child(path, "minReadySeconds"))
    causes += nonnegative(spec.get("revisionHistoryLimit"), child(path, "revisionHistoryLimit"))
    deadline = spec.get("progressDeadlineSeconds")
    if deadline is not None:
        deadline_path = child(path, "progressDeadlineSeconds")
        causes += nonnegative(deadline, deadline_path)
        if deadline <= min_ready:
            detail = "must be greater than minReadySeconds"
            causes.append(validation.invalid(deadline_path, deadline, detail))
    return causes


def _deployment_strategy(strategy: dict[str, Any], path: str) -> list[Cause]:
    kind = strategy.get("type")
    rolling = strategy.get("rollingUpdate")
    if kind == "Recreate":
        if rolling is not None:
            detail = "may not be specified when strategy `type` is 'Recreate'"
            return [validation.forbidden(child(path, "rollingUpdate"), detail)]
        return []
    if kind != "RollingUpdate":
        return [validation.not_supported(child(path, "type"), kind, ["Recreate", "RollingUpdate"])]
    if rolling is None:
        return [
            validation.required(
                child(path, "rollingUpdate"), "this should be defaulted and never be nil"
            )
        ]
    unavailable, surge = rolling.get("maxUnavailable"), rolling.get("maxSurge")
    unavailable_path = child(path, "rollingUpdate", "maxUnavailable")
    causes = positive_int_or_percent(unavailable, unavailable_path)
    causes += positive_int_or_percent(surge, child(path, "rollingUpdate", "maxSurge"))
    if int_or_percent_value(unavailable) == 0 and int_or_percent_value(surge) == 0:
        detail = "may not be 0 when `maxSurge` is 0"
        causes.append(validation.invalid(unavailable_path, unavailable, detail))
    causes += not_more_than_100_percent(unavailable, unavailable_path)
    return causes


@validator(APPS + "ReplicaSetSpec")
def validate_replicaset_spec(spec: dict[str, Any], path: str) -> list[Cause]:
    causes = nonnegative(spec.get("replicas", 1), child(path, "replicas"))
    causes += nonnegative(spec.get("minReadySeconds", 0), child(path, "minReadySeconds"))
    # Kubernetes reuses the Deployment wording for an empty ReplicaSet selector.
    causes += selector_matches_template(spec, path, "deployment")
    causes += only_restart_always(spec, path, "ReplicaSet")
    return causes


# --- validation: StatefulSet and DaemonSet --------------------------------------------------


@validator(APPS + "StatefulSetSpec")
def validate_statefulset_spec(spec: dict[str, Any], path: str) -> list[Cause]:
    causes = []
    # Unknown values of the enum fields are reported by the schema's generic enum check.
    if not spec.get("podManagementPolicy"):
        causes.append(validation.required(child(path, "podManagementPolicy")))
    causes += _statefulset_strategy(spec.get("updateStrategy") or {}, child(path, "updateStrategy"))
    causes += nonnegative(spec.get("replicas", 1), child(path, "replicas"))
    causes += nonnegative(spec.get("minReadySeconds", 0), child(path, "minReadySeconds"))
    start = (spec.get("ordinals") or {}).get("start", 0)
    causes += nonnegative(start, child(path, "ordinals.start"))
    causes += selector_matches_template(spec, path, "statefulset")
    causes += only_restart_always(spec, path, "StatefulSet")
    return causes


def _statefulset_strategy(strategy: dict[str, Any], path: str) -> list[Cause]:
    kind, rolling = strategy.get("type"), strategy.get("rollingUpdate")
    if not kind:
        return [validation.required(path)]
    if kind == "OnDelete":
        if rolling is not None:
            detail = "only allowed for updateStrategy 'RollingUpdate'"
            return [validation.invalid(child(path, "rollingUpdate"), rolling, detail)]
        return []
    if kind != "RollingUpdate" or rolling is None:
        return []  # an unknown type is reported by the generic enum check
    causes = nonnegative(rolling.get("partition", 0), child(path, "rollingUpdate", "partition"))
    unavailable = rolling.get("maxUnavailable")
    if unavailable is not None:
        unavailable_path = child(path, "rollingUpdate", "maxUnavailable")
        causes += positive_int_or_percent(unavailable, unavailable_path)
        if int_or_percent_value(unavailable) == 0:
            causes.append(validation.invalid(unavailable_path, unavailable, "cannot be 0"))
        causes += not_more_than_100_percent(unavailable, unavailable_path)
    return causes


@validator(APPS + "DaemonSetSpec")
def validate_daemonset_spec(spec: dict[str, Any], path: str) -> list[Cause]:
    causes = selector_matches_template(spec, path, "daemonset")
    causes += only_restart_always(spec, path, "DaemonSet")
    causes += nonnegative(spec.get("minReadySeconds", 0), child(path, "minReadySeconds"))
    causes += _daemonset_strategy(spec.get("updateStrategy") or {}, child(path, "updateStrategy"))
    causes += nonnegative(spec.get("revisionHistoryLimit"), child(path, "revisionHistoryLimit"))
    return causes


def _daemonset_strategy(strategy: dict[str, Any], path: str) -> list[Cause]:
    kind, rolling = strategy.get("type"), strategy.get("rollingUpdate")
    if kind == "OnDelete":
        return []
    if kind != "RollingUpdate":
        return []  # an unknown type is reported by the generic enum check
    if rolling is None:
        return [validation.required(child(path, "rollingUpdate"))]
    unavailable, surge = rolling.get("maxUnavailable"), rolling.get("maxSurge")
    unavailable_path = child(path, "rollingUpdate", "maxUnavailable")
    surge_path = child(path, "rollingUpdate", "maxSurge")
    causes = positive_int_or_percent(unavailable, unavailable_path)
    causes += positive_int_or_percent(surge, surge_path)
    causes += not_more_than_100_percent(unavailable, unavailable_path)
    causes += not_more_than_100_percent(surge, surge_path)
    has_unavailable = int_or_percent_value(unavailable) != 0
    has_surge = int_or_percent_value(surge) != 0
    if has_unavailable and has_surge:
        detail = "may not be set when maxUnavailable is non-zero"
        causes.append(validation.invalid(surge_path, surge, detail))
    elif not has_unavailable and not has_surge:
        causes.append(validation.required(unavailable_path, "cannot be 0 when maxSurge is 0"))
    return causes


@validator(APPS + "ControllerRevision")
def validate_controller_revision(revision: dict[str, Any], path: str) -> list[Cause]:
    causes = []
    if revision.get("data") is None:
        causes.append(validation.required(child(path, "data"), "data is mandatory"))
    causes += nonnegative(revision.get("revision", 0), child(path, "revision"))
    return causes


# --- what may not change on update ----------------------------------------------------------


def _selector_is_immutable(new: dict[str, Any], old: dict[str, Any]) -> list[Cause]:
    return immutable(_spec(new).get("selector"), _spec(old).get("selector"), "spec.selector")


for _kind in ("Deployment", "ReplicaSet", "DaemonSet"):
    update_validator(APPS + _kind)(_selector_is_immutable)

# The only StatefulSet spec fields an update may change.
STATEFULSET_MUTABLE = (
    "replicas",
    "ordinals",
    "template",
    "updateStrategy",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
)


@update_validator(APPS + "StatefulSet")
def statefulset_spec_is_mostly_immutable(new: dict[str, Any], old: dict[str, Any]) -> list[Cause]:
    def frozen(spec: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in spec.items() if k not in STATEFULSET_MUTABLE}

    if frozen(_spec(new)) != frozen(_spec(old)):
        detail = (
            "updates to statefulset spec for fields other than 'replicas', 'ordinals', "
            "'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and "
            "'minReadySeconds' are forbidden"
        )
        return [validation.forbidden("spec", detail)]
    return []


@update_validator(APPS + "ControllerRevision")
def controller_revision_data_is_immutable(new: dict[str, Any], old: dict[str, Any]) -> list[Cause]:
    return immutable(new.get("data"), old.get("data"), "data")
