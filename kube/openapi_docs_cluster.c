/* Descriptions of the cluster-wide kinds of storage.k8s.io/v1,
 * scheduling.k8s.io/v1, coordination.k8s.io/v1 and policy/v1
 * (kube/shape_misc.c): storage classes, priority classes, leases,
 * disruption budgets.  The lookup and the rules of the table:
 * openapi_docs_internal.h. */
#include <stddef.h>

#include "kube/openapi_docs_internal.h"

const struct gt_kdoc gt_kdocs_cluster[] = {
    /* storage classes */
    { "StorageClass", NULL, "A kind of storage that claims can ask for, and how to provision "
                            "it." },
    { "StorageClass", "provisioner", "The driver that makes volumes of the class "
                                     "(\"ebs.csi.aws.com\"); cannot change." },
    { "StorageClass", "parameters", "Settings for the provisioner; cannot change." },
    { "StorageClass", "reclaimPolicy", "What happens to a made volume when its claim is "
                                       "deleted: Delete (the default) or Retain." },
    { "StorageClass", "mountOptions", "Mount options of the volumes made (\"ro\", "
                                      "\"nfsvers=4.1\"); not checked." },
    { "StorageClass", "allowVolumeExpansion", "Whether claims of the class may grow by "
                                              "raising their request." },
    { "StorageClass", "volumeBindingMode", "Immediate (the default): make and bind the "
                                           "volume when the claim appears; "
                                           "WaitForFirstConsumer: wait for a pod, and make "
                                           "it where the pod is scheduled." },
    { "StorageClass", "allowedTopologies", "Where volumes may be made (zones...); "
                                           "anywhere when empty." },

    /* priority classes */
    { "PriorityClass", NULL, "A name for a pod scheduling priority." },
    { "PriorityClass", "value", "The priority pods of the class get; higher is more "
                                "important. Up to 1000000000 for user classes." },
    { "PriorityClass", "globalDefault", "Give this priority to pods that name no class; one "
                                        "class at most." },
    { "PriorityClass", "description", "What the class is for, for people." },
    { "PriorityClass", "preemptionPolicy", "PreemptLowerPriority (the default) or Never: "
                                           "whether pods of the class may evict lower "
                                           "priority pods." },

    /* leases */
    { "Lease", NULL, "A lock with a holder and an expiry, for leader election and node "
                     "heartbeats." },
    { "LeaseSpec", NULL, "Who holds a lease and until when." },
    { "LeaseSpec", "holderIdentity", "Who holds the lease now." },
    { "LeaseSpec", "leaseDurationSeconds", "How long others wait after renewTime before "
                                           "taking the lease." },
    { "LeaseSpec", "acquireTime", "When the current holder took the lease." },
    { "LeaseSpec", "renewTime", "When the holder last renewed the lease." },
    { "LeaseSpec", "leaseTransitions", "How many times the lease changed holders." },
    { "LeaseSpec", "strategy", "How the next holder is chosen in coordinated election "
                               "(OldestEmulationVersion)." },
    { "LeaseSpec", "preferredHolder", "Who should hold the lease next; the holder is asked "
                                      "to give it up." },

    /* disruption budgets */
    { "PodDisruptionBudget", NULL, "How many pods of a set may be down at once because of "
                                   "voluntary disruptions (evictions)." },
    { "PodDisruptionBudgetSpec", NULL, "Which pods a budget covers and how many must "
                                       "stay." },
    { "PodDisruptionBudgetSpec", "selector", "The pods covered; {} is all of the "
                                             "namespace's." },
    { "PodDisruptionBudgetSpec", "minAvailable", "How many covered pods must stay "
                                                 "available: a number or a percentage. Not "
                                                 "with maxUnavailable." },
    { "PodDisruptionBudgetSpec", "maxUnavailable", "How many covered pods may be "
                                                   "unavailable: a number or a percentage. "
                                                   "Not with minAvailable." },
    { "PodDisruptionBudgetSpec", "unhealthyPodEvictionPolicy", "IfHealthyBudget (the "
                                                               "default): evict a not-ready "
                                                               "pod only while the budget "
                                                               "holds; AlwaysAllow: "
                                                               "always." },
    { "PodDisruptionBudgetStatus", "disruptionsAllowed", "How many pods may be evicted "
                                                         "now." },
    { "PodDisruptionBudgetStatus", "currentHealthy", "Covered pods that are healthy now." },
    { "PodDisruptionBudgetStatus", "desiredHealthy", "Healthy pods the budget requires." },
    { "PodDisruptionBudgetStatus", "expectedPods", "Covered pods counted." },
    GT_KDOC_END
};
