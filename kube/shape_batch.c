/* batch/v1 shapes: jobs and cron jobs. */
#include "kube/shape_internal.h"

SHAPE(PodFailurePolicyOnExitCodesRequirement, VS("containerName"), VS("operator"), VIL("values"));
SHAPE(PodFailurePolicyOnPodConditionsPattern, VS("type"), VS("status"));
SHAPE(PodFailurePolicyRule, VS("action"), O("onExitCodes", PodFailurePolicyOnExitCodesRequirement),
      L("onPodConditions", PodFailurePolicyOnPodConditionsPattern));
SHAPE(PodFailurePolicy, L("rules", PodFailurePolicyRule));
SHAPE(SuccessPolicyRule, VS("succeededIndexes"), VI("succeededCount"));
SHAPE(SuccessPolicy, L("rules", SuccessPolicyRule));
SHAPE(JobSpec, VI("parallelism"), VI("completions"), VL("activeDeadlineSeconds"),
      O("podFailurePolicy", PodFailurePolicy), O("successPolicy", SuccessPolicy),
      VI("backoffLimit"), VI("backoffLimitPerIndex"), VI("maxFailedIndexes"),
      O("selector", LabelSelector), VB("manualSelector"), O("template", PodTemplateSpec),
      VI("ttlSecondsAfterFinished"), VS("completionMode"), VB("suspend"),
      VS("podReplacementPolicy"), VS("managedBy"));
SHAPE(JobCondition, VS("type"), VS("status"), VTM("lastProbeTime"), VTM("lastTransitionTime"),
      VS("reason"), VS("message"));
SHAPE(UncountedTerminatedPods, VSL("succeeded"), VSL("failed"));
SHAPE(JobStatus, L("conditions", JobCondition), VTM("startTime"), VTM("completionTime"),
      VI("active"), VI("succeeded"), VI("failed"), VI("terminating"), VS("completedIndexes"),
      VS("failedIndexes"), O("uncountedTerminatedPods", UncountedTerminatedPods), VI("ready"));
XSHAPE(job, Job, O("spec", JobSpec), O("status", JobStatus));

SHAPE(JobTemplateSpec, O("metadata", ObjectMeta), O("spec", JobSpec));
SHAPE(CronJobSpec, VS("schedule"), VS("timeZone"), VL("startingDeadlineSeconds"),
      VS("concurrencyPolicy"), VB("suspend"), O("jobTemplate", JobTemplateSpec),
      VI("successfulJobsHistoryLimit"), VI("failedJobsHistoryLimit"));
SHAPE(CronJobStatus, L("active", ObjectReference), VTM("lastScheduleTime"),
      VTM("lastSuccessfulTime"));
XSHAPE(cronjob, CronJob, O("spec", CronJobSpec), O("status", CronJobStatus));
