/* batch/v1 shapes: jobs and cron jobs. */
#include "kube/shape_internal.h"

SHAPE(PodFailurePolicyOnExitCodesRequirement, V("containerName"), V("operator"), V("values"));
SHAPE(PodFailurePolicyOnPodConditionsPattern, V("type"), V("status"));
SHAPE(PodFailurePolicyRule, V("action"), O("onExitCodes", PodFailurePolicyOnExitCodesRequirement),
      L("onPodConditions", PodFailurePolicyOnPodConditionsPattern));
SHAPE(PodFailurePolicy, L("rules", PodFailurePolicyRule));
SHAPE(SuccessPolicyRule, V("succeededIndexes"), V("succeededCount"));
SHAPE(SuccessPolicy, L("rules", SuccessPolicyRule));
SHAPE(JobSpec, V("parallelism"), V("completions"), V("activeDeadlineSeconds"),
      O("podFailurePolicy", PodFailurePolicy), O("successPolicy", SuccessPolicy),
      V("backoffLimit"), V("backoffLimitPerIndex"), V("maxFailedIndexes"),
      O("selector", LabelSelector), V("manualSelector"), O("template", PodTemplateSpec),
      V("ttlSecondsAfterFinished"), V("completionMode"), V("suspend"),
      V("podReplacementPolicy"), V("managedBy"));
SHAPE(JobCondition, V("type"), V("status"), V("lastProbeTime"), V("lastTransitionTime"),
      V("reason"), V("message"));
SHAPE(UncountedTerminatedPods, V("succeeded"), V("failed"));
SHAPE(JobStatus, L("conditions", JobCondition), V("startTime"), V("completionTime"), V("active"),
      V("succeeded"), V("failed"), V("terminating"), V("completedIndexes"), V("failedIndexes"),
      O("uncountedTerminatedPods", UncountedTerminatedPods), V("ready"));
XSHAPE(job, Job, O("spec", JobSpec), O("status", JobStatus));

SHAPE(JobTemplateSpec, O("metadata", ObjectMeta), O("spec", JobSpec));
SHAPE(CronJobSpec, V("schedule"), V("timeZone"), V("startingDeadlineSeconds"),
      V("concurrencyPolicy"), V("suspend"), O("jobTemplate", JobTemplateSpec),
      V("successfulJobsHistoryLimit"), V("failedJobsHistoryLimit"));
SHAPE(CronJobStatus, L("active", ObjectReference), V("lastScheduleTime"),
      V("lastSuccessfulTime"));
XSHAPE(cronjob, CronJob, O("spec", CronJobSpec), O("status", CronJobStatus));
