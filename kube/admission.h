/* kube/admission.h - the admission plugins of the Kubernetes API server,
 * as a chain of pure plugins between authorization and storage.
 *
 * For each write the server decodes and defaults the object (kube/kinds.h:
 * LimitRanger relies on requests already defaulted from limits), fills
 * struct gt_kadm_attrs, runs gt_kadm_mutate() (each plugin's mutate step in
 * chain order; they may change attrs->obj), then the kind's validation,
 * then gt_kadm_validate() (each plugin's validate step; obj is read-only
 * there).  A plugin that refuses returns a negative code and puts the
 * Status to send in result->status; the chain stops at the first refusal.
 * Warnings (the "Warning: ..." lines kubectl prints) accumulate in
 * result->warnings.  ResourceQuota puts in result->quota the quotas whose
 * status.used the write consumes, as whole ResourceQuota objects with the
 * new status: the server stores them with a compare-and-swap on their
 * resourceVersion together with (or just before) the object, and runs the
 * chain again when one of them changed meanwhile.  Nothing is put there
 * for a dry run.
 *
 * Refusals are worded as Kubernetes' admission.NewForbidden does:
 *   pods "web" is forbidden: <plugin's message>
 * where the name is the request's, else the object's name, else its
 * generateName; the Status has reason Forbidden and code 403 (404 for a
 * missing namespace, 422 for invalid PodSecurity labels).
 *
 * The plugins (their contracts are in the comments below):
 *   NamespaceLifecycle, LimitRanger, ServiceAccount, PodSecurity, Priority,
 *   ResourceQuota -- gt_kadm_default_chain() holds them in that order, the
 * order of kube-apiserver.  They read the cluster through attrs->lister
 * (kube/lister.h) and never do I/O of their own.
 */
#ifndef GT_KUBE_ADMISSION_H
#define GT_KUBE_ADMISSION_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kube/authn.h"
#include "kube/lister.h"

enum gt_kadm_op { GT_KADM_CREATE, GT_KADM_UPDATE, GT_KADM_DELETE, GT_KADM_CONNECT };

struct gt_kadm_attrs {
    enum gt_kadm_op op;
    const char *group;       /* of the resource: "" core, "apps" */
    const char *version;     /* "v1" */
    const char *kind;        /* "Pod" */
    const char *resource;    /* "pods" */
    const char *subresource; /* "" or NULL for the main resource */
    const char *namespace;   /* "" for cluster-scoped */
    const char *name;        /* "" on create with generateName */
    json_t *obj;             /* new object (CREATE, UPDATE, CONNECT options), or NULL */
    const json_t *old;       /* stored object (UPDATE, DELETE), or NULL */
    const struct gt_kuser *user;
    bool dry_run;
    const struct gt_klister *lister;
    int64_t now; /* seconds since the epoch */
};

struct gt_kadm_result {
    json_t *status;   /* Status of a refusal, or NULL */
    json_t *warnings; /* array of strings */
    json_t *quota;    /* array of ResourceQuota objects to store */
};

void gt_kadm_result_init(struct gt_kadm_result *r);
void gt_kadm_result_release(struct gt_kadm_result *r);

struct gt_kadm_plugin {
    const char *name;
    /* Either may be NULL.  0: admitted; negative: refused (status set). */
    int (*mutate)(const struct gt_kadm_plugin *p, struct gt_kadm_attrs *a,
                  struct gt_kadm_result *r);
    int (*validate)(const struct gt_kadm_plugin *p, const struct gt_kadm_attrs *a,
                    struct gt_kadm_result *r);
    const void *config; /* plugin options, see each plugin */
};

struct gt_kadm_chain {
    const struct gt_kadm_plugin *const *plugins;
    size_t n;
};

int gt_kadm_mutate(const struct gt_kadm_chain *c, struct gt_kadm_attrs *a,
                   struct gt_kadm_result *r);
int gt_kadm_validate(const struct gt_kadm_chain *c, const struct gt_kadm_attrs *a,
                     struct gt_kadm_result *r);
/* NamespaceLifecycle, LimitRanger, ServiceAccount (with token volumes),
 * PodSecurity, Priority, ResourceQuota. */
const struct gt_kadm_chain *gt_kadm_default_chain(void);

/* The 403 of a refusal for these attributes (admission.NewForbidden). */
json_t *gt_kadm_forbidden(const struct gt_kadm_attrs *a, const char *message);
/* "op" names: "CREATE", ... */
const char *gt_kadm_op_name(enum gt_kadm_op op);

/* NamespaceLifecycle: creates in a namespace that does not exist are
 * refused 404 (namespaces "x" not found), creates in a namespace being
 * deleted (deletionTimestamp set or phase Terminating) 403 with cause
 * NamespaceTerminating: "unable to create new content in namespace x
 * because it is being terminated"; deleting default, kube-system or
 * kube-public is refused: "this namespace may not be deleted".  Other
 * operations, cluster-scoped resources and namespaces themselves pass. */
extern const struct gt_kadm_plugin gt_kadm_namespace_lifecycle;

/* LimitRanger: for pods created (not their subresources), the Container
 * items of the namespace's LimitRanges default requests and limits of
 * containers and init containers that lack them (annotation
 * kubernetes.io/limit-ranger says what was set), then Container and Pod
 * items enforce min, max and maxLimitRequestRatio; PersistentVolumeClaim
 * items enforce min/max of requests.storage on claims created or updated.
 * Messages as Kubernetes: "minimum cpu usage per Container is 100m, but
 * request is 50m", "maximum memory usage per Pod is 1Gi, but limit is
 * 2Gi", "cpu max limit to request ratio per Container is 2, but provided
 * ratio is 4.000000", several as "[a, b]". */
extern const struct gt_kadm_plugin gt_kadm_limit_ranger;

/* ServiceAccount: pods created get spec.serviceAccountName "default" when
 * unset and are refused when that ServiceAccount does not exist ("service
 * account ns/x was not found, retry after the service account is
 * created").  Unless automountServiceAccountToken is false on the pod or
 * the ServiceAccount, a projected volume kube-api-access-<5 chars> (token
 * valid 3607 s, kube-root-ca.crt's ca.crt, the namespace) is added and
 * mounted read-only at /var/run/secrets/kubernetes.io/serviceaccount in
 * every container and init container that mounts nothing there.  config:
 * a const struct gt_kadm_sa_config * (NULL: defaults). */
struct gt_kadm_sa_config {
    bool no_token_volume; /* do not add the projected token volume */
};
extern const struct gt_kadm_plugin gt_kadm_service_account;

/* PodSecurity: the Pod Security Standards, levels from the namespace labels
 * pod-security.kubernetes.io/enforce and /warn (with -version: "latest" or
 * "v1.N"; unset: privileged).  Pods created (and updated with new images or
 * containers, and their ephemeralcontainers subresource) that violate the
 * enforce level are refused:
 *   pods "x" is forbidden: violates PodSecurity "restricted:latest":
 *   allowPrivilegeEscalation != false (container "c" must set
 *   securityContext.allowPrivilegeEscalation=false), ...
 * and the warn level adds warnings "would violate PodSecurity ...".  Pod
 * templates of workloads (Deployment, ReplicaSet, StatefulSet, DaemonSet,
 * Job, CronJob, ReplicationController, PodTemplate) get warnings only, for
 * both levels, as Kubernetes does.  Namespaces with invalid labels are
 * refused (422); tightening a namespace's enforce level warns about the
 * existing pods that violate it.  An invalid level on a namespace that is
 * already stored is enforced as restricted (fail closed). */
extern const struct gt_kadm_plugin gt_kadm_pod_security;

/* Evaluates a pod's metadata and spec against a level ("privileged",
 * "baseline", "restricted") and version ("latest", "v1.25"): NULL when
 * allowed, else the new string "reason (detail), reason (detail)".
 * -EINVAL (and *out NULL) for an unknown level or version. */
int gt_kpsa_evaluate(const char *level, const char *version, const json_t *pod_meta,
                     const json_t *pod_spec, char **out);

/* Priority: pods created get spec.priority and spec.preemptionPolicy from
 * their spec.priorityClassName (403 "no PriorityClass with name x was
 * found"), or from the global default class (priorityClassName set to
 * it), or 0 and PreemptLowerPriority; a priority or preemption policy
 * given in the pod that differs is refused ("the integer value of priority
 * (5) must not be provided in pod spec; ...").  A PriorityClass with
 * globalDefault true is refused while another one is the default
 * ("PriorityClass x is already marked as default. Only one default can
 * exist"). */
extern const struct gt_kadm_plugin gt_kadm_priority;

/* ResourceQuota: every ResourceQuota of the namespace whose spec.hard
 * names a resource the write uses (and whose scopes match the object)
 * is checked: used + requested <= hard for the requested resources, else
 * 403 "exceeded quota: q, requested: pods=1, used: pods=2, limited:
 * pods=2".  Quotas on cpu or memory need every container to state them
 * ("failed quota: q: must specify limits.cpu for: c1,c2").  Counted: pods,
 * count/pods, cpu, memory, ephemeral-storage with requests.* and limits.*
 * (pods that are not terminal), services (also services.loadbalancers,
 * services.nodeports), configmaps, secrets, persistentvolumeclaims (and
 * requests.storage), replicationcontrollers, resourcequotas, and
 * count/<resource>[.<group>] for any resource; scopes Terminating,
 * NotTerminating, BestEffort, NotBestEffort and the PriorityClass scope
 * selector.  Where we differ: hard is spec.hard (status.hard lags it) and a
 * used value missing from status is computed from the lister rather than
 * refusing with "status unknown". */
extern const struct gt_kadm_plugin gt_kadm_resource_quota;

/* The usage of a quota from scratch, for the quota controller: a new map
 * {resource: quantity string} for each resource of spec.hard that Gantry
 * counts, over the objects the lister has in the quota's namespace.  NULL
 * when the lister cannot list. */
json_t *gt_kquota_usage(const json_t *quota, const struct gt_klister *l, int64_t now);

#endif
