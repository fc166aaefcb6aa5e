"""batch/v1 kinds: Job (pods that run to completion) and CronJob (Jobs on a schedule).

Only the fields and REST names are here; defaults and validation live in batch_rules.py and
the schedule language in batch_cron.py.
"""

from pyk8s.api.kinds import batch_rules  # noqa: F401  (registers the batch defaults and validators)
from pyk8s.api.resource import Resource, Subresource, register
from pyk8s.api.schema import BOOL, INT32, INT64, STRING, TIME, F, ListOf, define

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
CORE = "io.k8s.api.core.v1."
BATCH = "io.k8s.api.batch.v1."

CONDITION_STATUS = ("True", "False", "Unknown")


def _top_level(kind: str, doc: str) -> None:
    define(
        BATCH + kind,
        doc,
        F("apiVersion", 0, STRING, "The versioned schema of this object."),
        F("kind", 0, STRING, "The type of this object, in CamelCase."),
        F("metadata", 1, META + "ObjectMeta", "Standard object metadata."),
        F("spec", 2, BATCH + kind + "Spec", f"The desired behaviour of the {kind}."),
        F("status", 3, BATCH + kind + "Status", f"The observed state of the {kind}."),
    )


def _register(kind: str, plural: str, short_names: tuple[str, ...]) -> None:
    register(
        Resource(
            group="batch",
            version="v1",
            kind=kind,
            plural=plural,
            singular=kind.lower(),
            namespaced=True,
            schema=BATCH + kind,
            short_names=short_names,
            categories=("all",),
            subresources=(Subresource("status", kind, ("get", "patch", "update")),),
        )
    )


# --- pod failure and success policies -------------------------------------------------------

define(
    BATCH + "PodFailurePolicyOnExitCodesRequirement",
    "Matches a failed pod by its containers' exit codes.",
    F("containerName", 1, STRING, "Only look at this container (all when unset).", pointer=True),
    F("operator", 2, STRING, "In or NotIn the listed values.", required=True, enum=("In", "NotIn")),
    F(
        "values",
        3,
        ListOf(INT32),
        "Exit codes to compare with, sorted.",
        required=True,
        list_type="set",
    ),
)
define(
    BATCH + "PodFailurePolicyOnPodConditionsPattern",
    "Matches a failed pod by one of its conditions.",
    F("type", 1, STRING, "The pod condition type to look for.", required=True),
    F(
        "status",
        2,
        STRING,
        "The status the condition must have.",
        required=True,
        enum=("False", "True", "Unknown"),
    ),
)
define(
    BATCH + "PodFailurePolicyRule",
    "What to do with a failed pod that matches exit codes or conditions.",
    F(
        "action",
        1,
        STRING,
        "FailJob, FailIndex, Ignore or Count.",
        required=True,
        enum=("Count", "FailIndex", "FailJob", "Ignore"),
    ),
    F(
        "onExitCodes",
        2,
        BATCH + "PodFailurePolicyOnExitCodesRequirement",
        "Match on container exit codes.",
        pointer=True,
    ),
    F(
        "onPodConditions",
        3,
        ListOf(BATCH + "PodFailurePolicyOnPodConditionsPattern"),
        "Match on pod conditions (any one suffices).",
        list_type="atomic",
    ),
)
define(
    BATCH + "PodFailurePolicy",
    "Rules that decide how a pod failure counts against the Job.",
    F(
        "rules",
        1,
        ListOf(BATCH + "PodFailurePolicyRule"),
        "Rules tried in order; the first match wins.",
        required=True,
        list_type="atomic",
    ),
)
define(
    BATCH + "SuccessPolicyRule",
    "A condition on succeeded indexes that completes an Indexed Job early.",
    F("succeededIndexes", 1, STRING, 'Indexes that must succeed, like "0,3-5".', pointer=True),
    F("succeededCount", 2, INT32, "How many of those indexes must succeed.", pointer=True),
)
define(
    BATCH + "SuccessPolicy",
    "When an Indexed Job may be declared successful before all indexes finish.",
    F(
        "rules",
        1,
        ListOf(BATCH + "SuccessPolicyRule"),
        "Alternative rules; meeting any one completes the Job.",
        required=True,
        list_type="atomic",
    ),
)

# --- Job ------------------------------------------------------------------------------------

define(
    BATCH + "JobSpec",
    "The desired behaviour of a Job.",
    F("parallelism", 1, INT32, "How many pods may run at once.", pointer=True),
    F("completions", 2, INT32, "How many pods must succeed.", pointer=True),
    F(
        "activeDeadlineSeconds",
        3,
        INT64,
        "Seconds the Job may run before it is stopped.",
        pointer=True,
    ),
    F(
        "podFailurePolicy",
        11,
        BATCH + "PodFailurePolicy",
        "How pod failures count against backoffLimit.",
        pointer=True,
    ),
    F(
        "successPolicy",
        16,
        BATCH + "SuccessPolicy",
        "When an Indexed Job succeeds early.",
        pointer=True,
    ),
    F("backoffLimit", 7, INT32, "Retries before the Job is marked failed.", pointer=True),
    F("backoffLimitPerIndex", 12, INT32, "Retries per index of an Indexed Job.", pointer=True),
    F(
        "maxFailedIndexes",
        13,
        INT32,
        "Failed indexes tolerated before the Job fails.",
        pointer=True,
    ),
    F(
        "selector",
        4,
        META + "LabelSelector",
        "The pods of this Job; normally generated.",
        pointer=True,
    ),
    F("manualSelector", 5, BOOL, "True when the user supplies the selector.", pointer=True),
    F("template", 6, CORE + "PodTemplateSpec", "The pods the Job runs.", required=True),
    F(
        "ttlSecondsAfterFinished",
        8,
        INT32,
        "Seconds after finishing when the Job is deleted automatically.",
        pointer=True,
    ),
    F(
        "completionMode",
        9,
        STRING,
        "NonIndexed, or Indexed (each pod gets an index).",
        pointer=True,
        enum=("NonIndexed", "Indexed"),
    ),
    F(
        "suspend",
        10,
        BOOL,
        "When true, no pods are created (running ones are removed).",
        pointer=True,
    ),
    F(
        "podReplacementPolicy",
        14,
        STRING,
        "Replace pods once TerminatingOrFailed, or only once Failed.",
        pointer=True,
        enum=("Failed", "TerminatingOrFailed"),
    ),
    F(
        "managedBy",
        15,
        STRING,
        "The controller that owns this Job, when not the built-in one.",
        pointer=True,
    ),
)
define(
    BATCH + "UncountedTerminatedPods",
    "Finished pods the controller has not yet added to the counters.",
    F("succeeded", 1, ListOf(STRING), "UIDs of succeeded pods.", list_type="set"),
    F("failed", 2, ListOf(STRING), "UIDs of failed pods.", list_type="set"),
)
define(
    BATCH + "JobCondition",
    "One aspect of a Job's observed state.",
    F("type", 1, STRING, "Complete, Failed, Suspended, FailureTarget, ...", required=True),
    F("status", 2, STRING, "Whether the condition holds.", required=True, enum=CONDITION_STATUS),
    F("lastProbeTime", 3, TIME, "When the condition was last checked."),
    F("lastTransitionTime", 4, TIME, "When the status last changed."),
    F("reason", 5, STRING, "A one-word CamelCase reason for the last transition."),
    F("message", 6, STRING, "A human-readable account of the last transition."),
)
define(
    BATCH + "JobStatus",
    "The observed state of a Job.",
    F(
        "conditions",
        1,
        ListOf(BATCH + "JobCondition"),
        "The latest observations of the Job's state.",
        patch_strategy="merge",
        patch_merge_key="type",
        list_type="atomic",
    ),
    F("startTime", 2, TIME, "When the controller started the Job.", pointer=True),
    F("completionTime", 3, TIME, "When the Job finished successfully.", pointer=True),
    F("active", 4, INT32, "Pending and running pods that are not terminating."),
    F("succeeded", 5, INT32, "Pods that succeeded."),
    F("failed", 6, INT32, "Pods that failed."),
    F("terminating", 11, INT32, "Pods being terminated.", pointer=True),
    F("completedIndexes", 7, STRING, 'Succeeded indexes, like "1,3-5,7".'),
    F("failedIndexes", 10, STRING, "Failed indexes, in the same form.", pointer=True),
    F(
        "uncountedTerminatedPods",
        8,
        BATCH + "UncountedTerminatedPods",
        "Finished pods not yet counted.",
        pointer=True,
    ),
    F("ready", 9, INT32, "Pods that are ready.", pointer=True),
)
_top_level("Job", "Runs pods until a given number of them succeed.")
_register("Job", "jobs", ())

# --- CronJob --------------------------------------------------------------------------------

define(
    BATCH + "JobTemplateSpec",
    "The Job a CronJob creates each time its schedule fires.",
    F("metadata", 1, META + "ObjectMeta", "Metadata given to the created Jobs."),
    F("spec", 2, BATCH + "JobSpec", "The spec of the created Jobs."),
)
define(
    BATCH + "CronJobSpec",
    "The desired behaviour of a CronJob, including its schedule.",
    F(
        "schedule",
        1,
        STRING,
        'When to run, in cron format ("*/5 * * * *", "@hourly").',
        required=True,
    ),
    F("timeZone", 8, STRING, "The IANA time zone of the schedule.", pointer=True),
    F("startingDeadlineSeconds", 2, INT64, "How late a missed run may still start.", pointer=True),
    F(
        "concurrencyPolicy",
        3,
        STRING,
        "Allow, Forbid or Replace overlapping runs.",
        enum=("Allow", "Forbid", "Replace"),
        default="Allow",
    ),
    F("suspend", 4, BOOL, "When true, no new runs start.", pointer=True, default=False),
    F("jobTemplate", 5, BATCH + "JobTemplateSpec", "The Job to create.", required=True),
    F(
        "successfulJobsHistoryLimit",
        6,
        INT32,
        "How many succeeded Jobs to keep.",
        pointer=True,
        default=3,
    ),
    F("failedJobsHistoryLimit", 7, INT32, "How many failed Jobs to keep.", pointer=True, default=1),
)
define(
    BATCH + "CronJobStatus",
    "The observed state of a CronJob.",
    F("active", 1, ListOf(CORE + "ObjectReference"), "Jobs now running.", list_type="atomic"),
    F("lastScheduleTime", 4, TIME, "When a Job was last scheduled.", pointer=True),
    F("lastSuccessfulTime", 5, TIME, "When a Job last completed successfully.", pointer=True),
)
_top_level("CronJob", "Creates Jobs on a repeating schedule.")
_register("CronJob", "cronjobs", ("cj",))
