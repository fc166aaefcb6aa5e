"""Defaults and validation of the batch/v1 kinds (Job, CronJob), as Kubernetes applies them.

Job defaults belong to the Job object, not to JobSpec: a CronJob's jobTemplate keeps only
what the user wrote, and the Jobs created from it are defaulted when they are created.

A Job's selector is generated on creation from its UID (`generate_selector`): the registry
calls it once the UID is assigned, as Kubernetes' Job strategy does before validation.
"""

from __future__ import annotations

import zoneinfo
from typing import Any

from pyk8s.api import labels, names, validation
from pyk8s.api.errors import BadRequest, Cause
from pyk8s.api.kinds import batch_cron
from pyk8s.api.kinds.apps_rules import child, immutable, nonnegative
from pyk8s.api.schema import defaulter, update_validator, validator

BATCH = "io.k8s.api.batch.v1."
MAX_INT32 = 2**31 - 1
MAX_PARALLELISM_INDEXED = 100_000
RESTART_POLICIES = ("OnFailure", "Never")
# Pods get these labels, and the selector picks the UID one (legacy names kept, as upstream).
JOB_NAME_LABELS = ("job-name", "batch.kubernetes.io/job-name")
CONTROLLER_UID_LABELS = ("controller-uid", "batch.kubernetes.io/controller-uid")
SELECTOR_LABEL = "batch.kubernetes.io/controller-uid"
# Fields of a suspended, never-started Job's template that an update may still change.
SCHEDULING_DIRECTIVES = ("nodeSelector", "tolerations", "schedulingGates", "affinity")


def generate_selector(job: dict[str, Any]) -> None:
    """Label the template with the Job's name and UID and select on the UID (on create)."""
    meta, spec = job.get("metadata") or {}, job.setdefault("spec", {})
    if spec.get("manualSelector") is True or not meta.get("uid"):
        return
    template_meta = spec.setdefault("template", {}).setdefault("metadata", {})
    template_labels = template_meta.get("labels")
    if template_labels is None:
        template_labels = template_meta["labels"] = {}
    for key in JOB_NAME_LABELS:
        template_labels.setdefault(key, meta.get("name", ""))
    for key in CONTROLLER_UID_LABELS:
        template_labels.setdefault(key, meta["uid"])
    selector = spec.get("selector")
    if selector is None:
        selector = spec["selector"] = {}
    if selector.get("matchLabels") is None:
        selector["matchLabels"] = {}
    selector["matchLabels"].setdefault(SELECTOR_LABEL, meta["uid"])


@defaulter(BATCH + "Job")
def default_job(job: dict[str, Any]) -> None:
    spec = job.setdefault("spec", {})
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    spec.setdefault("parallelism", 1)
    if spec.get("backoffLimit") is None:
        per_index = spec.get("backoffLimitPerIndex") is not None
        spec["backoffLimit"] = MAX_INT32 if per_index else 6
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    failure_policy = spec.get("podFailurePolicy")
    for rule in (failure_policy or {}).get("rules") or []:
        for pattern in rule.get("onPodConditions") or []:
            pattern["status"] = pattern.get("status") or "True"
    if spec.get("podReplacementPolicy") is None:
        spec["podReplacementPolicy"] = "Failed" if failure_policy else "TerminatingOrFailed"
    if spec.get("selector") is None:
        generate_selector(job)
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels")
    meta = job.setdefault("metadata", {})
    if template_labels and not meta.get("labels"):
        meta["labels"] = dict(template_labels)


# --- JobSpec: the rules shared by Jobs and CronJob job templates ----------------------------


@validator(BATCH + "JobSpec")
def validate_job_spec(spec: dict[str, Any], path: str) -> list[Cause]:
    causes: list[Cause] = []
    for name in (
        "parallelism",
        "completions",
        "activeDeadlineSeconds",
        "backoffLimit",
        "ttlSecondsAfterFinished",
        "backoffLimitPerIndex",
        "maxFailedIndexes",
    ):
        causes += nonnegative(spec.get(name), child(path, name))
    causes += _indexed_rules(spec, path)
    if spec.get("podFailurePolicy") is not None:
        causes += _pod_failure_policy(spec, child(path, "podFailurePolicy"))
    causes += _success_policy(spec, child(path, "successPolicy"))
    causes += _replacement_policy(spec, child(path, "podReplacementPolicy"))
    causes += _job_restart_policy(spec, child(path, "template", "spec", "restartPolicy"))
    return causes


def _indexed_rules(spec: dict[str, Any], path: str) -> list[Cause]:
    causes = []
    mode = spec.get("completionMode")
    completions, parallelism = spec.get("completions"), spec.get("parallelism")
    per_index, max_failed = spec.get("backoffLimitPerIndex"), spec.get("maxFailedIndexes")
    if max_failed is not None and per_index is None:
        causes.append(
            validation.required(
                child(path, "backoffLimitPerIndex"), "when maxFailedIndexes is specified"
            )
        )
    if mode not in (None, "NonIndexed", "Indexed"):
        causes.append(
            validation.not_supported(child(path, "completionMode"), mode, ["NonIndexed", "Indexed"])
        )
    if mode == "Indexed":
        if completions is None:
            causes.append(
                validation.required(child(path, "completions"), "when completion mode is Indexed")
            )
        if parallelism is not None and parallelism > MAX_PARALLELISM_INDEXED:
            detail = "must be less than or equal to 100000 when completion mode is Indexed"
            causes.append(validation.invalid(child(path, "parallelism"), parallelism, detail))
        if None not in (completions, max_failed) and max_failed > completions:
            detail = "must be less than or equal to completions"
            causes.append(validation.invalid(child(path, "maxFailedIndexes"), max_failed, detail))
    elif mode in (None, "NonIndexed"):
        for name, value in (("backoffLimitPerIndex", per_index), ("maxFailedIndexes", max_failed)):
            if value is not None:
                detail = "requires indexed completion mode"
                causes.append(validation.invalid(child(path, name), value, detail))
    return causes


def _pod_failure_policy(spec: dict[str, Any], path: str) -> list[Cause]:
    pod_spec = (spec.get("template") or {}).get("spec") or {}
    containers = pod_spec.get("containers") or [], pod_spec.get("initContainers") or []
    names = {c.get("name") for group in containers for c in group}
    causes = []
    rules = (spec.get("podFailurePolicy") or {}).get("rules") or []
    if len(rules) > 20:
        causes.append(
            validation.invalid(child(path, "rules"), len(rules), "must have at most 20 items")
        )
    for i, rule in enumerate(rules):
        rule_path = child(path, f"rules[{i}]")
        action = rule.get("action")
        if action == "":
            detail = 'valid values: ["Count" "FailIndex" "FailJob" "Ignore"]'
            causes.append(validation.required(child(rule_path, "action"), detail))
        elif action == "FailIndex" and spec.get("backoffLimitPerIndex") is None:
            detail = "requires the backoffLimitPerIndex to be set"
            causes.append(validation.invalid(child(rule_path, "action"), action, detail))
        elif action not in ("Count", "FailIndex", "FailJob", "Ignore"):
            valid = ["Count", "FailIndex", "FailJob", "Ignore"]
            causes.append(validation.not_supported(child(rule_path, "action"), action, valid))
        on_codes, on_conditions = rule.get("onExitCodes"), rule.get("onPodConditions")
        if on_codes is not None:
            causes += _on_exit_codes(on_codes, child(rule_path, "onExitCodes"), names)
        for j, pattern in enumerate(on_conditions or []):
            status = pattern.get("status")
            if status is not None and status not in ("True", "False", "Unknown"):
                status_path = child(rule_path, f"onPodConditions[{j}]", "status")
                valid = ["False", "True", "Unknown"]
                causes.append(validation.not_supported(status_path, status, valid))
        if on_codes is not None and on_conditions:
            detail = "specifying both OnExitCodes and OnPodConditions is not supported"
            causes.append(Cause("FieldValueInvalid", f"Invalid value: {detail}", rule_path))
        if on_codes is None and not on_conditions:
            detail = "specifying one of OnExitCodes and OnPodConditions is required"
            causes.append(Cause("FieldValueInvalid", f"Invalid value: {detail}", rule_path))
    return causes


def _on_exit_codes(
    requirement: dict[str, Any], path: str, container_names: set[str]
) -> list[Cause]:
    causes = []
    operator = requirement.get("operator")
    if operator is not None and operator not in ("In", "NotIn"):
        causes.append(validation.not_supported(child(path, "operator"), operator, ["In", "NotIn"]))
    name = requirement.get("containerName")
    if name is not None and name not in container_names:
        detail = "must be one of the container or initContainer names in the pod template"
        causes.append(validation.invalid(child(path, "containerName"), name, detail))
    values = requirement.get("values") or []
    if not values:
        causes.append(
            validation.invalid(child(path, "values"), values, "at least one value is required")
        )
    seen: set[int] = set()
    for j, value in enumerate(values):
        value_path = child(path, f"values[{j}]")
        if operator == "In" and value == 0:
            causes.append(
                validation.invalid(value_path, value, "must not be 0 for the In operator")
            )
        if value in seen:
            causes.append(validation.duplicate(value_path, value))
        seen.add(value)
    if values != sorted(values):
        causes.append(validation.invalid(child(path, "values"), values, "must be ordered"))
    return causes


def _success_policy(spec: dict[str, Any], path: str) -> list[Cause]:
    policy = spec.get("successPolicy")
    if policy is None:
        return []
    if spec.get("completionMode") != "Indexed":
        return [validation.invalid(path, policy, "requires indexed completion mode")]
    rules = policy.get("rules") or []
    if not rules:
        detail = "at least one rules must be specified when the successPolicy is specified"
        return [validation.required(child(path, "rules"), detail)]
    causes = []
    completions = spec.get("completions") or 0
    for i, rule in enumerate(rules):
        rule_path = child(path, f"rules[{i}]")
        count = rule.get("succeededCount")
        if count is None and rule.get("succeededIndexes") is None:
            detail = "at least one of succeededCount or succeededIndexes must be specified"
            causes.append(validation.required(rule_path, detail))
        if count is not None:
            count_path = child(rule_path, "succeededCount")
            causes += nonnegative(count, count_path)
            if count > completions:
                detail = f"must be less than or equal to {completions} (the number of specified completions)"
                causes.append(validation.invalid(count_path, count, detail))
    return causes


def _replacement_policy(spec: dict[str, Any], path: str) -> list[Cause]:
    policy = spec.get("podReplacementPolicy")
    if policy is None:
        return []
    if spec.get("podFailurePolicy") is not None:
        return [] if policy == "Failed" else [validation.not_supported(path, policy, ["Failed"])]
    if policy not in ("Failed", "TerminatingOrFailed"):
        return [validation.not_supported(path, policy, ["Failed", "TerminatingOrFailed"])]
    return []


def _job_restart_policy(spec: dict[str, Any], path: str) -> list[Cause]:
    policy = ((spec.get("template") or {}).get("spec") or {}).get("restartPolicy") or ""
    if policy in ("", "Always"):
        # PodSpec defaulting turns an absent policy into Always, so both mean "not chosen".
        return [validation.required(path, 'valid values: "OnFailure", "Never"')]
    if policy not in RESTART_POLICIES:
        return [validation.not_supported(path, policy, list(RESTART_POLICIES))]
    if spec.get("podFailurePolicy") is not None and policy != "Never":
        detail = 'only "Never" is supported when podFailurePolicy is specified'
        return [validation.invalid(path, policy, detail)]
    return []


# --- Job ------------------------------------------------------------------------------------


@validator(BATCH + "Job")
def validate_job(job: dict[str, Any], path: str) -> list[Cause]:
    """The selector rules that only apply to a Job itself (a template's is generated later)."""
    meta, spec = job.get("metadata") or {}, job.get("spec") or {}
    selector = spec.get("selector")
    if selector is None:
        return [validation.required(child(path, "spec", "selector"))]
    causes = []
    try:
        parsed = labels.selector_from_label_selector(selector)
    except (ValueError, BadRequest):
        return causes  # the LabelSelector validator explains what is wrong
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    if not parsed.matches(template_labels):
        labels_path = child(path, "spec", "template", "metadata", "labels")
        detail = "`selector` does not match template `labels`"
        causes.append(validation.invalid(labels_path, template_labels, detail))
    if spec.get("manualSelector") is not True and meta.get("uid"):
        expected = {key: meta["uid"] for key in CONTROLLER_UID_LABELS}
        expected |= {key: meta.get("name", "") for key in JOB_NAME_LABELS}
        if not parsed.matches(expected):
            detail = "`selector` not auto-generated"
            causes.append(validation.invalid(child(path, "spec", "selector"), selector, detail))
    completions = spec.get("completions")
    if spec.get("completionMode") == "Indexed" and completions and meta.get("name"):
        # Pods of an Indexed Job are named <job>-<index>: the longest must be a DNS label.
        hostname = f"{meta['name']}-{completions - 1}"
        if names.is_dns1123_label(hostname):
            detail = f"will not able to create pod with invalid DNS label: {hostname}"
            causes.append(validation.invalid(child(path, "metadata", "name"), meta["name"], detail))
    return causes


@validator(BATCH + "JobTemplateSpec")
def validate_job_template(template: dict[str, Any], path: str) -> list[Cause]:
    spec = template.get("spec") or {}
    causes = []
    if spec.get("selector") is not None:
        detail = "`selector` will be auto-generated"
        causes.append(validation.invalid(child(path, "spec", "selector"), spec["selector"], detail))
    if spec.get("manualSelector") is True:
        manual_path = child(path, "spec", "manualSelector")
        causes.append(validation.not_supported(manual_path, True, ["nil", "false"]))
    return causes


@update_validator(BATCH + "Job")
def job_spec_update(new: dict[str, Any], old: dict[str, Any]) -> list[Cause]:
    """Most of a Job's spec is fixed once created; completions may follow parallelism."""
    spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
    causes = []
    for name in (
        "selector",
        "completionMode",
        "podFailurePolicy",
        "backoffLimitPerIndex",
        "managedBy",
        "successPolicy",
    ):
        causes += immutable(spec.get(name), old_spec.get(name), f"spec.{name}")
    completions = spec.get("completions")
    if completions != old_spec.get("completions"):
        if spec.get("completionMode") != "Indexed":
            causes += immutable(completions, old_spec.get("completions"), "spec.completions")
        elif completions is not None and completions != spec.get("parallelism"):
            detail = "can only be modified in tandem with spec.parallelism"
            causes.append(validation.invalid("spec.completions", completions, detail))
    causes += _template_update(new, old)
    return causes


def _template_update(new: dict[str, Any], old: dict[str, Any]) -> list[Cause]:
    template = (new.get("spec") or {}).get("template")
    old_template = (old.get("spec") or {}).get("template")
    never_started = not (old.get("status") or {}).get("startTime")
    if (old.get("spec") or {}).get("suspend") is True and never_started:
        # A suspended Job that never ran may still be steered to other nodes.
        template, old_template = _without_scheduling(template), _without_scheduling(old_template)
    return immutable(template, old_template, "spec.template")


def _without_scheduling(template: dict[str, Any] | None) -> dict[str, Any]:
    template = dict(template or {})
    template["metadata"] = {
        k: v
        for k, v in (template.get("metadata") or {}).items()
        if k not in ("labels", "annotations")
    }
    pod_spec = {
        k: v for k, v in (template.get("spec") or {}).items() if k not in SCHEDULING_DIRECTIVES
    }
    affinity = (template.get("spec") or {}).get("affinity") or {}
    other_affinity = {k: v for k, v in affinity.items() if k != "nodeAffinity"}
    if other_affinity:
        pod_spec["affinity"] = other_affinity
    template["spec"] = pod_spec
    return template


# --- CronJob --------------------------------------------------------------------------------


@validator(BATCH + "CronJobSpec")
def validate_cronjob_spec(spec: dict[str, Any], path: str) -> list[Cause]:
    causes = []
    schedule = spec.get("schedule") or ""
    schedule_path = child(path, "schedule")
    if not schedule:
        causes.append(validation.required(schedule_path))
    else:
        try:
            batch_cron.parse(schedule)
        except batch_cron.CronError as error:
            causes.append(validation.invalid(schedule_path, schedule, str(error)))
        if "TZ" in schedule:
            detail = "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"
            causes.append(validation.invalid(schedule_path, schedule, detail))
    causes += nonnegative(
        spec.get("startingDeadlineSeconds"), child(path, "startingDeadlineSeconds")
    )
    causes += _time_zone(spec.get("timeZone"), child(path, "timeZone"))
    policy = spec.get("concurrencyPolicy")
    if not policy:
        causes.append(validation.required(child(path, "concurrencyPolicy")))
    elif policy not in ("Allow", "Forbid", "Replace"):
        valid = ["Allow", "Forbid", "Replace"]
        causes.append(validation.not_supported(child(path, "concurrencyPolicy"), policy, valid))
    for name in ("successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
        causes += nonnegative(spec.get(name), child(path, name))
    return causes


def _time_zone(zone: str | None, path: str) -> list[Cause]:
    if zone is None:
        return []
    if zone == "":
        return [validation.invalid(path, zone, "timeZone must be nil or non-empty string")]
    if zone.lower() == "local":
        detail = (
            "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"
        )
        return [validation.invalid(path, zone, detail)]
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return [validation.invalid(path, zone, f"unknown time zone {zone}")]
    return []


@validator(BATCH + "CronJob")
def validate_cronjob_name(cronjob: dict[str, Any], path: str) -> list[Cause]:
    name = (cronjob.get("metadata") or {}).get("name") or ""
    # Jobs are named <cronjob>-<11-character timestamp> and must stay within 63 characters.
    if len(name) > 52:
        name_path = child(path, "metadata", "name")
        return [validation.invalid(name_path, name, "must be no more than 52 characters")]
    return []
