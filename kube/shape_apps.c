/* apps/v1 shapes: deployments, replica sets, stateful sets, daemon sets,
 * controller revisions. */
#include "kube/shape_internal.h"

/* the conditions of the workloads (lastUpdateTime: Deployments only) */
SHAPE(DeploymentCondition, VS("type"), VS("status"), VTM("lastUpdateTime"),
      VTM("lastTransitionTime"), VS("reason"), VS("message"));
SHAPE(WorkloadCondition, VS("type"), VS("status"), VTM("lastTransitionTime"), VS("reason"),
      VS("message"));

SHAPE(RollingUpdateDeployment, VIS("maxUnavailable"), VIS("maxSurge"));
SHAPE(DeploymentStrategy, VS("type"), O("rollingUpdate", RollingUpdateDeployment));
SHAPE(DeploymentSpec, VI("replicas"), O("selector", LabelSelector),
      O("template", PodTemplateSpec), O("strategy", DeploymentStrategy), VI("minReadySeconds"),
      VI("revisionHistoryLimit"), VB("paused"), VI("progressDeadlineSeconds"));
SHAPE(DeploymentStatus, VL("observedGeneration"), VI("replicas"), VI("updatedReplicas"),
      VI("readyReplicas"), VI("availableReplicas"), VI("unavailableReplicas"),
      L("conditions", DeploymentCondition), VI("collisionCount"));
XSHAPE(deployment, Deployment, O("spec", DeploymentSpec), O("status", DeploymentStatus));

SHAPE(ReplicaSetSpec, VI("replicas"), VI("minReadySeconds"), O("selector", LabelSelector),
      O("template", PodTemplateSpec));
SHAPE(ReplicaSetStatus, VI("replicas"), VI("fullyLabeledReplicas"), VI("readyReplicas"),
      VI("availableReplicas"), VL("observedGeneration"), L("conditions", WorkloadCondition));
XSHAPE(replicaset, ReplicaSet, O("spec", ReplicaSetSpec), O("status", ReplicaSetStatus));

SHAPE(RollingUpdateStatefulSetStrategy, VI("partition"), VIS("maxUnavailable"));
SHAPE(StatefulSetUpdateStrategy, VS("type"), O("rollingUpdate", RollingUpdateStatefulSetStrategy));
SHAPE(StatefulSetPersistentVolumeClaimRetentionPolicy, VS("whenDeleted"), VS("whenScaled"));
SHAPE(StatefulSetOrdinals, VI("start"));
/* a volume claim template is a whole PersistentVolumeClaim */
SHAPE(PersistentVolumeClaim, IN(TypeMeta), O("metadata", ObjectMeta),
      O("spec", PersistentVolumeClaimSpec), O("status", PersistentVolumeClaimStatus));
SHAPE(StatefulSetSpec, VI("replicas"), O("selector", LabelSelector),
      O("template", PodTemplateSpec), L("volumeClaimTemplates", PersistentVolumeClaim),
      VS("serviceName"), VS("podManagementPolicy"), O("updateStrategy", StatefulSetUpdateStrategy),
      VI("revisionHistoryLimit"), VI("minReadySeconds"),
      O("persistentVolumeClaimRetentionPolicy", StatefulSetPersistentVolumeClaimRetentionPolicy),
      O("ordinals", StatefulSetOrdinals));
SHAPE(StatefulSetStatus, VL("observedGeneration"), VI("replicas"), VI("readyReplicas"),
      VI("currentReplicas"), VI("updatedReplicas"), VS("currentRevision"), VS("updateRevision"),
      VI("collisionCount"), L("conditions", WorkloadCondition), VI("availableReplicas"));
XSHAPE(statefulset, StatefulSet, O("spec", StatefulSetSpec), O("status", StatefulSetStatus));

SHAPE(RollingUpdateDaemonSet, VIS("maxUnavailable"), VIS("maxSurge"));
SHAPE(DaemonSetUpdateStrategy, VS("type"), O("rollingUpdate", RollingUpdateDaemonSet));
SHAPE(DaemonSetSpec, O("selector", LabelSelector), O("template", PodTemplateSpec),
      O("updateStrategy", DaemonSetUpdateStrategy), VI("minReadySeconds"),
      VI("revisionHistoryLimit"));
SHAPE(DaemonSetStatus, VI("currentNumberScheduled"), VI("numberMisscheduled"),
      VI("desiredNumberScheduled"), VI("numberReady"), VL("observedGeneration"),
      VI("updatedNumberScheduled"), VI("numberAvailable"), VI("numberUnavailable"),
      VI("collisionCount"), L("conditions", WorkloadCondition));
XSHAPE(daemonset, DaemonSet, O("spec", DaemonSetSpec), O("status", DaemonSetStatus));

XSHAPE(controllerrevision, ControllerRevision, VRAW("data"), VL("revision"));
