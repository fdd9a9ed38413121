/* Descriptions of apps/v1 types (kube/shape_apps.c): deployments, replica
 * sets, stateful sets, daemon sets.  The lookup and the rules of the
 * table: openapi_docs_internal.h. */
#include <stddef.h>

#include "kube/openapi_docs_internal.h"

const struct gt_kdoc gt_kdocs_apps[] = {
    /* kinds */
    { "Deployment", NULL, "Declarative updates of pods: it manages ReplicaSets to roll a pod "
                          "template out at a controlled pace." },
    { "ReplicaSet", NULL, "Keeps a number of copies of a pod template running." },
    { "StatefulSet", NULL, "Pods with stable names, stable storage and ordered deployment and "
                           "scaling." },
    { "DaemonSet", NULL, "Runs a copy of a pod on every node (or every node a selector "
                         "chooses)." },
    { "ControllerRevision", NULL, "An immutable snapshot of a controller's state, for "
                                  "rollbacks." },
    { "ControllerRevision", "data", "The recorded state (a patch of the template)." },
    { "ControllerRevision", "revision", "The revision's number, increasing." },

    /* deployments */
    { "DeploymentSpec", NULL, "The desired state of a deployment." },
    { "DeploymentSpec", "replicas", "How many pods to run; default 1." },
    { "DeploymentSpec", "selector", "Which pods belong to the deployment; must match the "
                                    "template's labels and cannot change." },
    { "DeploymentSpec", "template", "The pods to create; a change of it starts a rollout." },
    { "DeploymentSpec", "strategy", "How to replace old pods by new ones: RollingUpdate (the "
                                    "default) or Recreate." },
    { "DeploymentSpec", "revisionHistoryLimit", "How many old ReplicaSets to keep for "
                                                "rollback; default 10." },
    { "DeploymentSpec", "paused", "Stop rolling out changes of the template." },
    { "DeploymentSpec", "minReadySeconds", "How long a new pod must be ready to count as "
                                           "available; default 0." },
    { "DeploymentSpec", "progressDeadlineSeconds", "How long a rollout may make no progress "
                                                   "before it is reported as failed; "
                                                   "default 600." },
    { "DeploymentStrategy", "type", "RollingUpdate (the default): replace pods gradually; "
                                    "Recreate: delete them all before creating new ones." },
    { "DeploymentStrategy", "rollingUpdate", "The pace of a RollingUpdate." },
    { "RollingUpdateDeployment", "maxSurge", "How many pods may exist above the desired count "
                                             "during an update: a number or a percentage of "
                                             "the replicas (default 25%, rounded up)." },
    { "RollingUpdateDeployment", "maxUnavailable", "How many pods may be unavailable during an "
                                                   "update: a number or a percentage of the "
                                                   "replicas (default 25%, rounded down)." },
    { "DeploymentStatus", NULL, "The observed state of a deployment." },
    { "DeploymentStatus", "observedGeneration", "The generation the controller last acted "
                                                "on; behind metadata.generation while a "
                                                "change is not yet seen." },
    { "DeploymentStatus", "replicas", "Pods of all its ReplicaSets, old and new." },
    { "DeploymentStatus", "updatedReplicas", "Pods made from the current template." },
    { "DeploymentStatus", "readyReplicas", "Pods that are ready." },
    { "DeploymentStatus", "availableReplicas", "Pods ready for at least minReadySeconds." },
    { "DeploymentStatus", "unavailableReplicas", "Pods still missing to reach the desired "
                                                 "count of available ones." },
    { "DeploymentStatus", "conditions", "Available and Progressing (and ReplicaFailure "
                                        "when pods cannot be created)." },
    { "DeploymentStatus", "collisionCount", "Counts name collisions of new ReplicaSets; "
                                            "used to make their names unique." },
    { "DeploymentCondition", "type", "Available, Progressing or ReplicaFailure." },
    { "DeploymentCondition", "status", "True, False or Unknown." },
    { "DeploymentCondition", "lastUpdateTime", "When the condition was last written." },
    { "DeploymentCondition", "lastTransitionTime", "When status last changed." },
    { "DeploymentCondition", "reason", "A CamelCase word for why (NewReplicaSetAvailable, "
                                       "ProgressDeadlineExceeded...)." },
    { "DeploymentCondition", "message", "A sentence for people about the state." },

    /* replica sets */
    { "ReplicaSetSpec", NULL, "The desired state of a replica set." },
    { "ReplicaSetSpec", "replicas", "How many pods to run; default 1." },
    { "ReplicaSetSpec", "minReadySeconds", "How long a new pod must be ready to count as "
                                           "available; default 0." },
    { "ReplicaSetSpec", "selector", "Which pods it counts as its own; must match the "
                                    "template's labels." },
    { "ReplicaSetSpec", "template", "The pods to create when too few match; existing pods "
                                    "are not changed when it changes." },
    { "ReplicaSetStatus", "replicas", "Pods it has now." },
    { "ReplicaSetStatus", "fullyLabeledReplicas", "Pods whose labels match the template's." },
    { "ReplicaSetStatus", "readyReplicas", "Pods that are ready." },
    { "ReplicaSetStatus", "availableReplicas", "Pods ready for at least minReadySeconds." },

    /* stateful sets */
    { "StatefulSetSpec", NULL, "The desired state of a stateful set." },
    { "StatefulSetSpec", "replicas", "How many pods to run; default 1." },
    { "StatefulSetSpec", "selector", "Which pods belong to the set; must match the "
                                     "template's labels." },
    { "StatefulSetSpec", "template", "The pods to create, named <set>-<ordinal>." },
    { "StatefulSetSpec", "volumeClaimTemplates", "Claims made for each pod, named "
                                                 "<claim>-<pod>, and mounted by volumes of "
                                                 "the same name; they outlive the pods." },
    { "StatefulSetSpec", "serviceName", "The headless service that gives the pods their "
                                        "DNS names." },
    { "StatefulSetSpec", "podManagementPolicy", "OrderedReady (the default): create pods one "
                                                "at a time in order and remove them in "
                                                "reverse; Parallel: all at once." },
    { "StatefulSetSpec", "updateStrategy", "How pods are replaced when the template "
                                           "changes." },
    { "StatefulSetSpec", "revisionHistoryLimit", "How many old revisions to keep; default "
                                                 "10." },
    { "StatefulSetSpec", "minReadySeconds", "How long a new pod must be ready to count as "
                                            "available; default 0." },
    { "StatefulSetSpec", "persistentVolumeClaimRetentionPolicy", "Whether the claims of the "
                                                                 "templates are deleted "
                                                                 "with the set or when it "
                                                                 "scales down." },
    { "StatefulSetSpec", "ordinals", "The numbering of the pods." },
    { "StatefulSetUpdateStrategy", "type", "RollingUpdate (the default): replace pods one "
                                           "at a time, highest ordinal first; OnDelete: "
                                           "only when a pod is deleted by hand." },
    { "StatefulSetUpdateStrategy", "rollingUpdate", "The settings of RollingUpdate." },
    { "RollingUpdateStatefulSetStrategy", "partition", "Only pods with an ordinal at least "
                                                       "this high are updated; default 0." },
    { "RollingUpdateStatefulSetStrategy", "maxUnavailable", "How many pods may be down "
                                                            "during the update: a number or "
                                                            "a percentage; default 1." },
    { "StatefulSetPersistentVolumeClaimRetentionPolicy", "whenDeleted", "Retain (the "
                                                                        "default) or Delete "
                                                                        "the claims when "
                                                                        "the set is "
                                                                        "deleted." },
    { "StatefulSetPersistentVolumeClaimRetentionPolicy", "whenScaled", "Retain (the default) "
                                                                       "or Delete the "
                                                                       "claims of pods "
                                                                       "removed by a scale "
                                                                       "down." },
    { "StatefulSetOrdinals", "start", "The number of the first pod; default 0." },
    { "WorkloadCondition", "status", "True, False or Unknown." },
    { "StatefulSetStatus", "replicas", "Pods it has now." },
    { "StatefulSetStatus", "readyReplicas", "Pods that are ready." },
    { "StatefulSetStatus", "currentReplicas", "Pods of currentRevision." },
    { "StatefulSetStatus", "updatedReplicas", "Pods of updateRevision." },
    { "StatefulSetStatus", "availableReplicas", "Pods ready for at least minReadySeconds." },
    { "StatefulSetStatus", "currentRevision", "The revision the older pods run." },
    { "StatefulSetStatus", "updateRevision", "The revision of the current template." },

    /* daemon sets */
    { "DaemonSetSpec", NULL, "The desired state of a daemon set." },
    { "DaemonSetSpec", "selector", "Which pods belong to the set; must match the "
                                   "template's labels." },
    { "DaemonSetSpec", "template", "The pod to run on each eligible node; its "
                                   "restartPolicy must be Always." },
    { "DaemonSetSpec", "updateStrategy", "How pods are replaced when the template "
                                         "changes." },
    { "DaemonSetSpec", "minReadySeconds", "How long a new pod must be ready to count as "
                                          "available; default 0." },
    { "DaemonSetSpec", "revisionHistoryLimit", "How many old revisions to keep; default "
                                               "10." },
    { "DaemonSetUpdateStrategy", "type", "RollingUpdate (the default): replace pods node by "
                                         "node; OnDelete: only when a pod is deleted by "
                                         "hand." },
    { "DaemonSetUpdateStrategy", "rollingUpdate", "The pace of a RollingUpdate." },
    { "RollingUpdateDaemonSet", "maxUnavailable", "How many nodes may lack a ready pod "
                                                  "during the update: a number or a "
                                                  "percentage; default 1." },
    { "RollingUpdateDaemonSet", "maxSurge", "How many nodes may run the new pod beside the "
                                            "old one during the update; default 0. Not with "
                                            "maxUnavailable 0." },
    { "DaemonSetStatus", "desiredNumberScheduled", "Nodes that should run the pod." },
    { "DaemonSetStatus", "currentNumberScheduled", "Nodes that run the pod and should." },
    { "DaemonSetStatus", "numberMisscheduled", "Nodes that run the pod but should not." },
    { "DaemonSetStatus", "numberReady", "Nodes whose pod is ready." },
    { "DaemonSetStatus", "numberAvailable", "Nodes whose pod has been ready for "
                                            "minReadySeconds." },
    { "DaemonSetStatus", "updatedNumberScheduled", "Nodes that run the current template." },
    GT_KDOC_END
};
