/* apps/v1 shapes: deployments, replica sets, stateful sets, daemon sets,
 * controller revisions. */
#include "kube/shape_internal.h"

/* the conditions of the workloads (lastUpdateTime: Deployments only) */
SHAPE(DeploymentCondition, V("type"), V("status"), V("lastUpdateTime"),
      V("lastTransitionTime"), V("reason"), V("message"));
SHAPE(WorkloadCondition, V("type"), V("status"), V("lastTransitionTime"), V("reason"),
      V("message"));

SHAPE(RollingUpdateDeployment, V("maxUnavailable"), V("maxSurge"));
SHAPE(DeploymentStrategy, V("type"), O("rollingUpdate", RollingUpdateDeployment));
SHAPE(DeploymentSpec, V("replicas"), O("selector", LabelSelector),
      O("template", PodTemplateSpec), O("strategy", DeploymentStrategy), V("minReadySeconds"),
      V("revisionHistoryLimit"), V("paused"), V("progressDeadlineSeconds"));
SHAPE(DeploymentStatus, V("observedGeneration"), V("replicas"), V("updatedReplicas"),
      V("readyReplicas"), V("availableReplicas"), V("unavailableReplicas"),
      L("conditions", DeploymentCondition), V("collisionCount"));
XSHAPE(deployment, Deployment, O("spec", DeploymentSpec), O("status", DeploymentStatus));

SHAPE(ReplicaSetSpec, V("replicas"), V("minReadySeconds"), O("selector", LabelSelector),
      O("template", PodTemplateSpec));
SHAPE(ReplicaSetStatus, V("replicas"), V("fullyLabeledReplicas"), V("readyReplicas"),
      V("availableReplicas"), V("observedGeneration"), L("conditions", WorkloadCondition));
XSHAPE(replicaset, ReplicaSet, O("spec", ReplicaSetSpec), O("status", ReplicaSetStatus));

SHAPE(RollingUpdateStatefulSetStrategy, V("partition"), V("maxUnavailable"));
SHAPE(StatefulSetUpdateStrategy, V("type"), O("rollingUpdate", RollingUpdateStatefulSetStrategy));
SHAPE(StatefulSetPersistentVolumeClaimRetentionPolicy, V("whenDeleted"), V("whenScaled"));
SHAPE(StatefulSetOrdinals, V("start"));
/* a volume claim template is a whole PersistentVolumeClaim */
SHAPE(PersistentVolumeClaim, IN(TypeMeta), O("metadata", ObjectMeta),
      O("spec", PersistentVolumeClaimSpec), O("status", PersistentVolumeClaimStatus));
SHAPE(StatefulSetSpec, V("replicas"), O("selector", LabelSelector),
      O("template", PodTemplateSpec), L("volumeClaimTemplates", PersistentVolumeClaim),
      V("serviceName"), V("podManagementPolicy"), O("updateStrategy", StatefulSetUpdateStrategy),
      V("revisionHistoryLimit"), V("minReadySeconds"),
      O("persistentVolumeClaimRetentionPolicy", StatefulSetPersistentVolumeClaimRetentionPolicy),
      O("ordinals", StatefulSetOrdinals));
SHAPE(StatefulSetStatus, V("observedGeneration"), V("replicas"), V("readyReplicas"),
      V("currentReplicas"), V("updatedReplicas"), V("currentRevision"), V("updateRevision"),
      V("collisionCount"), L("conditions", WorkloadCondition), V("availableReplicas"));
XSHAPE(statefulset, StatefulSet, O("spec", StatefulSetSpec), O("status", StatefulSetStatus));

SHAPE(RollingUpdateDaemonSet, V("maxUnavailable"), V("maxSurge"));
SHAPE(DaemonSetUpdateStrategy, V("type"), O("rollingUpdate", RollingUpdateDaemonSet));
SHAPE(DaemonSetSpec, O("selector", LabelSelector), O("template", PodTemplateSpec),
      O("updateStrategy", DaemonSetUpdateStrategy), V("minReadySeconds"),
      V("revisionHistoryLimit"));
SHAPE(DaemonSetStatus, V("currentNumberScheduled"), V("numberMisscheduled"),
      V("desiredNumberScheduled"), V("numberReady"), V("observedGeneration"),
      V("updatedNumberScheduled"), V("numberAvailable"), V("numberUnavailable"),
      V("collisionCount"), L("conditions", WorkloadCondition));
XSHAPE(daemonset, DaemonSet, O("spec", DaemonSetSpec), O("status", DaemonSetStatus));

XSHAPE(controllerrevision, ControllerRevision, V("data"), V("revision"));
