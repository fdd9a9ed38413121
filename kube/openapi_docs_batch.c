/* Descriptions of batch/v1 types (kube/shape_batch.c): jobs and cron
 * jobs.  The lookup and the rules of the table: openapi_docs_internal.h. */
#include <stddef.h>

#include "kube/openapi_docs_internal.h"

const struct gt_kdoc gt_kdocs_batch[] = {
    { "Job", NULL, "Runs pods until a number of them finish successfully." },
    { "CronJob", NULL, "Creates Jobs on a time schedule." },

    /* jobs */
    { "JobSpec", NULL, "The desired state of a job." },
    { "JobSpec", "completions", "How many pods must succeed; default 1. Unset with "
                                "parallelism: the job is done when any pod succeeds." },
    { "JobSpec", "parallelism", "How many pods may run at once; default 1, 0 pauses the "
                                "job." },
    { "JobSpec", "backoffLimit", "How many retries before the job fails; default 6. The "
                                 "delay between them grows." },
    { "JobSpec", "backoffLimitPerIndex", "For an Indexed job: retries allowed for each "
                                         "index." },
    { "JobSpec", "maxFailedIndexes", "With backoffLimitPerIndex: how many indexes may fail "
                                     "before the whole job does." },
    { "JobSpec", "activeDeadlineSeconds", "How long the job may run before its pods are "
                                          "stopped and it fails (DeadlineExceeded)." },
    { "JobSpec", "podFailurePolicy", "Rules that decide, by exit code or pod condition, "
                                     "whether a failed pod fails the job, counts, or is "
                                     "ignored." },
    { "JobSpec", "successPolicy", "Rules that declare an Indexed job done before all "
                                  "indexes succeed." },
    { "JobSpec", "selector", "Which pods belong to the job; generated from its uid unless "
                             "manualSelector is true." },
    { "JobSpec", "manualSelector", "Use the given selector instead of generating one." },
    { "JobSpec", "template", "The pods to run; restartPolicy must be Never or OnFailure." },
    { "JobSpec", "ttlSecondsAfterFinished", "Delete the job this many seconds after it "
                                            "finishes; kept when unset." },
    { "JobSpec", "completionMode", "NonIndexed (the default): any pods count; Indexed: each "
                                   "pod gets an index from 0 to completions-1, and each "
                                   "index must succeed." },
    { "JobSpec", "suspend", "While true, no pods are created and running ones are "
                            "stopped." },
    { "JobSpec", "podReplacementPolicy", "TerminatingOrFailed (the default): replace a pod "
                                         "as soon as it is terminating; Failed: only once "
                                         "it has stopped." },
    { "JobSpec", "managedBy", "The controller that runs the job; the built-in one when "
                              "empty." },
    { "PodFailurePolicy", "rules", "Checked in order; the first that matches a failed pod "
                                   "decides." },
    { "PodFailurePolicyRule", "action", "FailJob, FailIndex, Ignore (not counted against "
                                        "backoffLimit) or Count." },
    { "PodFailurePolicyRule", "onExitCodes", "Match the exit codes of the pod's "
                                             "containers." },
    { "PodFailurePolicyRule", "onPodConditions", "Match conditions of the pod "
                                                 "(DisruptionTarget...)." },
    { "PodFailurePolicyOnExitCodesRequirement", "containerName", "Only this container; all "
                                                                 "when empty." },
    { "PodFailurePolicyOnExitCodesRequirement", "operator", "In or NotIn." },
    { "PodFailurePolicyOnExitCodesRequirement", "values", "The exit codes." },
    { "PodFailurePolicyOnPodConditionsPattern", "type", "The condition type." },
    { "PodFailurePolicyOnPodConditionsPattern", "status", "The status it must have; default "
                                                          "True." },
    { "SuccessPolicy", "rules", "The job succeeds when any rule is met." },
    { "SuccessPolicyRule", "succeededIndexes", "Indexes that must succeed (\"0-3,7\")." },
    { "SuccessPolicyRule", "succeededCount", "How many of them (or of all indexes) must "
                                             "succeed." },
    { "JobCondition", "status", "True, False or Unknown." },
    { "JobStatus", "active", "Pods running now." },
    { "JobStatus", "succeeded", "Pods that succeeded." },
    { "JobStatus", "failed", "Pods that failed." },
    { "JobStatus", "ready", "Active pods that are ready." },
    { "JobStatus", "terminating", "Pods being stopped." },
    { "JobStatus", "startTime", "When the job started." },
    { "JobStatus", "completionTime", "When the job completed successfully." },
    { "JobStatus", "conditions", "Complete, Failed, Suspended... when they apply." },
    { "JobStatus", "completedIndexes", "For an Indexed job: the indexes done (\"1,3-5\")." },

    /* cron jobs */
    { "CronJobSpec", NULL, "The desired state of a cron job." },
    { "CronJobSpec", "schedule", "When to run, in cron format (\"*/5 * * * *\")." },
    { "CronJobSpec", "timeZone", "The time zone of the schedule (\"Europe/Paris\"); the "
                                 "controller's when unset." },
    { "CronJobSpec", "startingDeadlineSeconds", "How late a missed run may still start; "
                                                "later ones are skipped." },
    { "CronJobSpec", "concurrencyPolicy", "Allow (the default): runs may overlap; Forbid: "
                                          "skip a run while the last one goes on; Replace: "
                                          "stop the last one." },
    { "CronJobSpec", "suspend", "While true, no new jobs are started; default false." },
    { "CronJobSpec", "jobTemplate", "The job to create at each run." },
    { "CronJobSpec", "successfulJobsHistoryLimit", "How many finished jobs to keep; default "
                                                   "3." },
    { "CronJobSpec", "failedJobsHistoryLimit", "How many failed jobs to keep; default 1." },
    { "CronJobStatus", "active", "The jobs running now." },
    { "CronJobStatus", "lastScheduleTime", "When a job was last started." },
    { "CronJobStatus", "lastSuccessfulTime", "When a job last succeeded." },
    { "JobTemplateSpec", NULL, "A job to create: its metadata and spec." },
    { "JobTemplateSpec", "metadata", "Labels and annotations for the jobs made." },
    { "JobTemplateSpec", "spec", "The spec of the jobs made." },
    GT_KDOC_END
};
