/* The descriptions of the OpenAPI documents (kube/openapi.h): the kinds,
 * the fields every object has, and the fields people look up most.  Our
 * own words, kept short; a field not listed here shows "<no description>"
 * in kubectl explain. */
#include <stddef.h>
#include <string.h>

#include "kube/openapi.h"

struct doc {
    const char *type; /* NULL: a field of that name in any type */
    const char *field; /* NULL: the type itself */
    const char *text;
};

static const struct doc docs[] = {
    /* fields of every object */
    { NULL, "apiVersion", "The versioned schema of this object: \"v1\" for the core group, "
                          "\"<group>/<version>\" otherwise." },
    { NULL, "kind", "The type of this object, in CamelCase (\"Pod\", \"Deployment\")." },
    { NULL, "metadata", "Standard object metadata: name, namespace, labels, annotations, "
                        "owners, and what the server maintains (uid, resourceVersion, "
                        "creationTimestamp)." },
    { NULL, "spec", "The desired state of the object, as its owner writes it." },
    { NULL, "status", "The observed state of the object, written by the system. Read-only "
                      "for users." },
    /* meta/v1 */
    { "ObjectMeta", NULL, "The metadata every persisted object has." },
    { "ObjectMeta", "name", "Unique within the namespace (or the cluster, for cluster-scoped "
                            "kinds); cannot be changed after creation." },
    { "ObjectMeta", "generateName", "A prefix from which the server makes a unique name when "
                                    "name is empty." },
    { "ObjectMeta", "namespace", "The namespace of a namespaced object; empty means "
                                 "\"default\" on create." },
    { "ObjectMeta", "uid", "Set by the server on create, unique in time and space." },
    { "ObjectMeta", "resourceVersion", "An opaque version of the object; an update that "
                                       "carries a stale one is refused with 409 Conflict." },
    { "ObjectMeta", "generation", "A counter of changes to the desired state (spec)." },
    { "ObjectMeta", "creationTimestamp", "When the server created the object (RFC 3339)." },
    { "ObjectMeta", "deletionTimestamp", "When the object's deletion was requested; set "
                                         "while finalizers or a grace period hold it." },
    { "ObjectMeta", "labels", "Key/value pairs that selectors match on." },
    { "ObjectMeta", "annotations", "Key/value pairs for tools and people; not matched by "
                                   "selectors." },
    { "ObjectMeta", "ownerReferences", "The objects this one depends on; the garbage "
                                       "collector deletes it after all of them are gone." },
    { "ObjectMeta", "finalizers", "Keys that must be removed before the server deletes the "
                                  "object." },
    { "ObjectMeta", "managedFields", "Which manager owns which fields (server-side apply)." },
    { "LabelSelector", NULL, "Selects objects by labels: all of matchLabels and all of "
                             "matchExpressions must match; an empty selector matches "
                             "everything." },
    { "Quantity", NULL, "An amount with an optional suffix: decimal SI (m, k, M, G...), binary "
                        "SI (Ki, Mi, Gi...) or an exponent (1e3). \"500m\" CPU is half a core; "
                        "\"128Mi\" memory is 128 MiB." },
    { "IntOrString", NULL, "Either an integer or a string (a port number or a port name; a "
                           "count or a percentage)." },
    { "Time", NULL, "A point in time, written as RFC 3339 in UTC." },
    { "MicroTime", NULL, "A point in time with microseconds, written as RFC 3339." },

    /* kinds */
    { "Pod", NULL, "A group of containers that share a network namespace, volumes and a "
                   "lifecycle, scheduled together onto one node." },
    { "Namespace", NULL, "A scope for names; deleting it deletes what it holds." },
    { "ConfigMap", NULL, "Configuration data as key/value pairs, for pods to read as "
                         "environment variables or files." },
    { "Secret", NULL, "Sensitive data (passwords, tokens, keys) as base64 key/value pairs." },
    { "ServiceAccount", NULL, "An identity for processes that run in pods." },
    { "Service", NULL, "A stable virtual address and name for a set of pods chosen by a "
                       "selector, with load balancing over them." },
    { "Endpoints", NULL, "The addresses behind a service." },
    { "Event", NULL, "A report of something that happened to an object." },
    { "LimitRange", NULL, "Default and allowed resource amounts for the pods and containers "
                          "of a namespace." },
    { "ResourceQuota", NULL, "Limits on the resources that all objects of a namespace may "
                             "use together." },
    { "Node", NULL, "A machine that runs pods." },
    { "PersistentVolume", NULL, "A piece of storage in the cluster, provisioned by an "
                                "administrator or by a storage class." },
    { "PersistentVolumeClaim", NULL, "A request for storage by a user, bound to a persistent "
                                     "volume." },
    { "ReplicationController", NULL, "Keeps a number of copies of a pod running (the "
                                     "predecessor of ReplicaSet)." },
    { "Deployment", NULL, "Declarative updates of pods: it manages ReplicaSets to roll a pod "
                          "template out at a controlled pace." },
    { "ReplicaSet", NULL, "Keeps a number of copies of a pod template running." },
    { "StatefulSet", NULL, "Pods with stable names, stable storage and ordered deployment and "
                           "scaling." },
    { "DaemonSet", NULL, "Runs a copy of a pod on every node (or every node a selector "
                         "chooses)." },
    { "ControllerRevision", NULL, "An immutable snapshot of a controller's state, for "
                                  "rollbacks." },
    { "Job", NULL, "Runs pods until a number of them finish successfully." },
    { "CronJob", NULL, "Creates Jobs on a time schedule." },
    { "HorizontalPodAutoscaler", NULL, "Scales a workload's replicas to keep metrics (CPU, "
                                       "memory...) at their targets." },
    { "Ingress", NULL, "HTTP routing rules from outside the cluster to services." },
    { "NetworkPolicy", NULL, "Which traffic may reach and leave the pods it selects." },
    { "PodDisruptionBudget", NULL, "How many pods of a set may be down at once because of "
                                   "voluntary disruptions (evictions)." },
    { "Role", NULL, "A set of permissions within a namespace." },
    { "ClusterRole", NULL, "A set of permissions, cluster-wide or reusable in namespaces." },
    { "RoleBinding", NULL, "Grants the permissions of a role to users, groups or service "
                           "accounts within a namespace." },
    { "ClusterRoleBinding", NULL, "Grants the permissions of a cluster role to users, groups "
                                  "or service accounts across the cluster." },
    { "StorageClass", NULL, "A kind of storage that claims can ask for, and how to provision "
                            "it." },
    { "PriorityClass", NULL, "A name for a pod scheduling priority." },
    { "Lease", NULL, "A lock with a holder and an expiry, for leader election and node "
                     "heartbeats." },
    { "EndpointSlice", NULL, "A subset of the endpoints of a service." },
    { "TokenReview", NULL, "Asks the server who a bearer token authenticates as." },
    { "SelfSubjectReview", NULL, "Asks the server who the caller is." },
    { "SubjectAccessReview", NULL, "Asks whether a user or group may perform an action." },
    { "LocalSubjectAccessReview", NULL, "Asks whether a user may perform an action in a "
                                        "namespace." },
    { "SelfSubjectAccessReview", NULL, "Asks whether the caller may perform an action." },
    { "SelfSubjectRulesReview", NULL, "Lists the actions the caller may perform in a "
                                      "namespace." },

    /* pods */
    { "PodSpec", NULL, "The desired state of a pod: its containers, volumes and scheduling." },
    { "PodSpec", "containers", "The containers of the pod; at least one. Cannot be changed "
                               "after creation." },
    { "PodSpec", "initContainers", "Containers that run to completion, one after the other, "
                                   "before the containers start." },
    { "PodSpec", "volumes", "Volumes that the containers can mount." },
    { "PodSpec", "restartPolicy", "When to restart the containers: Always (the default), "
                                  "OnFailure or Never." },
    { "PodSpec", "nodeName", "The node the pod runs on; set by the scheduler, or by hand to "
                             "bypass it." },
    { "PodSpec", "nodeSelector", "Labels a node must have for the pod to be scheduled on "
                                 "it." },
    { "PodSpec", "serviceAccountName", "The service account the pod runs as." },
    { "PodSpec", "terminationGracePeriodSeconds", "How long the containers have to stop after "
                                                  "SIGTERM before they are killed; default 30." },
    { "PodSpec", "hostNetwork", "Run in the node's network namespace." },
    { "PodSpec", "securityContext", "Security settings for all containers of the pod." },
    { "PodSpec", "tolerations", "The node taints that the pod tolerates." },
    { "PodSpec", "affinity", "Scheduling constraints relative to nodes and to other pods." },
    { "PodTemplateSpec", NULL, "The pods a controller creates: their metadata and spec." },
    { "Container", NULL, "One application container of a pod." },
    { "Container", "name", "Unique within the pod (a DNS label)." },
    { "Container", "image", "The image to run, as a container registry reference." },
    { "Container", "command", "The entrypoint; the image's ENTRYPOINT when empty. $(VAR) "
                              "refers to an environment variable." },
    { "Container", "args", "Arguments to the entrypoint; the image's CMD when empty." },
    { "Container", "workingDir", "The working directory; the image's when empty." },
    { "Container", "env", "Environment variables to set in the container." },
    { "Container", "envFrom", "Sources (config maps, secrets) whose keys become environment "
                              "variables." },
    { "Container", "ports", "Ports the container listens on; informational, except that a "
                            "name can be referred to by services and probes." },
    { "Container", "resources", "Compute resources: requests (what scheduling reserves) and "
                                "limits (what the container may use)." },
    { "Container", "volumeMounts", "Volumes of the pod to mount into the container." },
    { "Container", "livenessProbe", "A check that restarts the container when it fails." },
    { "Container", "readinessProbe", "A check that removes the pod from service endpoints "
                                     "while it fails." },
    { "Container", "imagePullPolicy", "Always, Never or IfNotPresent; Always for the :latest "
                                      "tag, IfNotPresent otherwise." },
    { "Container", "securityContext", "Security settings for this container." },
    { "Container", "stdin", "Keep a stdin open for the container." },
    { "Container", "tty", "Allocate a terminal for the container." },
    { "ContainerPort", "containerPort", "The port number in the pod's network namespace." },
    { "ContainerPort", "protocol", "TCP (the default), UDP or SCTP." },
    { "ResourceRequirements", "limits", "The most of each resource the container may use." },
    { "ResourceRequirements", "requests", "The resources the scheduler reserves; default to "
                                          "the limits." },
    { "EnvVar", "name", "The variable's name." },
    { "EnvVar", "value", "The value; $(VAR) refers to earlier variables." },
    { "EnvVar", "valueFrom", "Where to take the value from: a field, a resource, a config "
                             "map or a secret key." },

    /* workloads */
    { "DeploymentSpec", NULL, "The desired state of a deployment." },
    { "DeploymentSpec", "replicas", "How many pods to run; default 1." },
    { "DeploymentSpec", "selector", "Which pods belong to the deployment; must match the "
                                    "template's labels and cannot change." },
    { "DeploymentSpec", "template", "The pods to create." },
    { "DeploymentSpec", "strategy", "How to replace old pods by new ones: RollingUpdate (the "
                                    "default) or Recreate." },
    { "DeploymentSpec", "revisionHistoryLimit", "How many old ReplicaSets to keep for "
                                                "rollback; default 10." },
    { "DeploymentSpec", "paused", "Stop rolling out changes of the template." },
    { "DeploymentSpec", "minReadySeconds", "How long a new pod must be ready to count as "
                                           "available." },
    { "DeploymentSpec", "progressDeadlineSeconds", "How long a rollout may make no progress "
                                                   "before it is reported as failed." },
    { "DeploymentStrategy", "type", "RollingUpdate (the default): replace pods gradually; "
                                    "Recreate: delete them all before creating new ones." },
    { "RollingUpdateDeployment", "maxSurge", "How many pods may exist above the desired count "
                                             "during an update: a number or a percentage of "
                                             "the replicas (default 25%, rounded up)." },
    { "RollingUpdateDeployment", "maxUnavailable", "How many pods may be unavailable during an "
                                                   "update: a number or a percentage of the "
                                                   "replicas (default 25%, rounded down)." },
    { "ReplicaSetSpec", "replicas", "How many pods to run; default 1." },
    { "StatefulSetSpec", "serviceName", "The headless service that gives the pods their "
                                        "DNS names." },
    { "JobSpec", "completions", "How many pods must succeed; default 1." },
    { "JobSpec", "parallelism", "How many pods may run at once; default 1." },
    { "JobSpec", "backoffLimit", "How many retries before the job fails; default 6." },
    { "CronJobSpec", "schedule", "When to run, in cron format (\"*/5 * * * *\")." },

    /* services */
    { "ServiceSpec", NULL, "The desired state of a service." },
    { "ServiceSpec", "selector", "Labels of the pods that receive the service's traffic." },
    { "ServiceSpec", "ports", "The ports the service exposes." },
    { "ServiceSpec", "type", "ClusterIP (the default), NodePort, LoadBalancer or "
                             "ExternalName." },
    { "ServiceSpec", "clusterIP", "The virtual IP; allocated when empty, \"None\" for a "
                                  "headless service." },
    { "ServicePort", "port", "The port the service answers on." },
    { "ServicePort", "targetPort", "The port (number or container port name) of the pods; "
                                   "defaults to port." },
    { "ServicePort", "nodePort", "The port on every node for NodePort and LoadBalancer "
                                 "services." },
    { "ServicePort", "protocol", "TCP (the default), UDP or SCTP." },
};

const char *gt_kopenapi_doc(const char *type, const char *field)
{
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        const struct doc *d = &docs[i];
        if ((type == NULL) != (d->type == NULL) || (type && strcmp(type, d->type) != 0))
            continue;
        if ((field == NULL) != (d->field == NULL) || (field && strcmp(field, d->field) != 0))
            continue;
        return d->text;
    }
    return NULL;
}
