"""batch/v1: Job and CronJob schemas, defaults, validation, and the cron schedule language."""

import copy
from datetime import UTC, datetime

import pytest

import pyk8s.api.kinds  # noqa: F401  (defines every struct)
from pyk8s.api import resource, validation
from pyk8s.api.kinds import batch_cron
from pyk8s.api.kinds.batch_rules import generate_selector
from pyk8s.api.schema import DEFAULTERS, STRUCTS
from tests.unit.kinds.test_apps import duplicate_numbers, unresolved_references

BATCH = "io.k8s.api.batch.v1."
UID = "0f1e2d3c-aaaa-bbbb-cccc-123456789abc"


def job(restart_policy: str | None = "Never", **spec_changes) -> dict:
    pod_spec = {"containers": [{"name": "pi", "image": "perl"}]}
    if restart_policy:
        pod_spec["restartPolicy"] = restart_policy
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "pi", "namespace": "default", "uid": UID},
        "spec": {"template": {"spec": pod_spec}, **spec_changes},
    }


def defaulted(obj: dict) -> dict:
    for hook in DEFAULTERS.get(BATCH + obj["kind"], ()):
        hook(obj)
    return obj


def errors(obj: dict) -> dict[str, str]:
    struct = STRUCTS[BATCH + obj["kind"]]
    return {cause.field: cause.message for cause in validation.validate_object(obj, struct)}


def test_every_reference_resolves_and_numbers_are_unique():
    assert not unresolved_references(BATCH), "structs named but never defined"
    assert not duplicate_numbers(BATCH)


def test_resources():
    jobs = resource.find("batch", "v1", "jobs")
    assert jobs.categories == ("all",) and jobs.subresource("status")
    assert resource.find("batch", "v1", "cronjobs").short_names == ("cj",)


def test_job_defaults_as_kubernetes():
    spec = defaulted(job())["spec"]
    assert spec["completions"] == 1 and spec["parallelism"] == 1
    assert spec["backoffLimit"] == 6
    assert spec["completionMode"] == "NonIndexed"
    assert spec["suspend"] is False
    assert spec["podReplacementPolicy"] == "TerminatingOrFailed"
    assert "manualSelector" not in spec
    # Parallel jobs that set only parallelism keep completions unset.
    assert "completions" not in defaulted(job(parallelism=3))["spec"]
    per_index = defaulted(job(backoffLimitPerIndex=1, completionMode="Indexed", completions=3))
    assert per_index["spec"]["backoffLimit"] == 2**31 - 1


def test_job_selector_is_generated_from_the_uid_and_labels_the_job():
    obj = defaulted(job())
    assert obj["spec"]["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": UID}}
    labels = obj["spec"]["template"]["metadata"]["labels"]
    assert labels["job-name"] == labels["batch.kubernetes.io/job-name"] == "pi"
    assert labels["controller-uid"] == UID
    assert obj["metadata"]["labels"] == labels
    manual = job(manualSelector=True)
    generate_selector(manual)
    assert "selector" not in manual["spec"]


def test_a_valid_job_has_no_errors():
    assert errors(defaulted(job())) == {}


def test_job_pods_must_not_restart_always():
    found = errors(defaulted(job(restart_policy=None)))
    assert found["spec.template.spec.restartPolicy"] == (
        'Required value: valid values: "OnFailure", "Never"'
    )


def test_indexed_job_needs_completions():
    found = errors(defaulted(job(completionMode="Indexed", parallelism=2)))
    assert found["spec.completions"] == "Required value: when completion mode is Indexed"


def test_job_template_is_immutable():
    old = defaulted(job())
    new = copy.deepcopy(old)
    new["spec"]["template"]["spec"]["containers"][0]["image"] = "python"
    causes = validation.validate_update(new, old, STRUCTS[BATCH + "Job"])
    assert [c.field for c in causes] == ["spec.template"]
    assert causes[0].message.endswith("field is immutable")


def cronjob(schedule: str) -> dict:
    template = {"spec": {"template": job()["spec"]["template"]}}
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "nightly", "namespace": "default"},
        "spec": {"schedule": schedule, "concurrencyPolicy": "Allow", "jobTemplate": template},
    }


def test_cronjob_defaults_leave_the_job_template_alone():
    fields = {f.name: f.default for f in STRUCTS[BATCH + "CronJobSpec"].fields}
    assert fields["concurrencyPolicy"] == "Allow" and fields["suspend"] is False
    assert fields["successfulJobsHistoryLimit"] == 3 and fields["failedJobsHistoryLimit"] == 1
    assert all(f.default is None for f in STRUCTS[BATCH + "JobSpec"].fields)


@pytest.mark.parametrize(
    "schedule", ["*/5 * * * *", "0 9-17 * * mon-fri", "@hourly", "@every 1h30m"]
)
def test_valid_schedules_are_accepted(schedule):
    assert errors(cronjob(schedule)) == {}


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ("* * * *", "expected exactly 5 fields, found 4: [* * * *]"),
        ("61 * * * *", "end of range (61) above maximum (59): 61"),
        ("@fortnightly", "unrecognized descriptor: @fortnightly"),
        ("x * * * *", 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'),
    ],
)
def test_invalid_schedules_get_the_cron_library_message(schedule, message):
    assert errors(cronjob(schedule))["spec.schedule"].endswith(": " + message)


def test_next_run_after_a_moment():
    every_quarter = batch_cron.parse("*/15 * * * *")
    moment = datetime(2025, 1, 1, 10, 7, 30, tzinfo=UTC)
    assert every_quarter.next_after(moment) == datetime(2025, 1, 1, 10, 15, tzinfo=UTC)
    leap_day = batch_cron.parse("0 0 29 2 *")
    assert leap_day.next_after(moment) == datetime(2028, 2, 29, tzinfo=UTC)
    # With both day fields restricted, either one may match (cron's rule).
    first_or_monday = batch_cron.parse("0 0 1 * mon")
    assert first_or_monday.next_after(moment) == datetime(2025, 1, 6, tzinfo=UTC)


def test_cronjob_name_leaves_room_for_the_job_suffix():
    long_name = cronjob("@daily")
    long_name["metadata"]["name"] = "n" * 53
    assert errors(long_name)["metadata.name"].endswith("must be no more than 52 characters")
