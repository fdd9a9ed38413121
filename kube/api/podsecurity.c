/* PodSecurity admission: the Pod Security Standards, levels baseline and
 * restricted ("latest"), chosen per namespace by the labels
 *   pod-security.kubernetes.io/enforce  pods that violate it are refused (403)
 *   pod-security.kubernetes.io/warn     they are admitted with a Warning
 * Workloads with a pod template (Deployments, Jobs, CronJobs, ...) are
 * never refused; their template gets the warnings a pod would, as
 * Kubernetes does.  Each check is a row of the table below; a violated
 * check reads "name (details)" as in Kubernetes' messages. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "kube/api/admission.h"
#include "kube/obj.h"

enum level { PRIVILEGED, BASELINE, RESTRICTED };

/* The containers of a pod spec: containers, initContainers,
 * ephemeralContainers. */
static const char *const container_lists[] = { "containers", "initContainers",
                                               "ephemeralContainers" };

struct out {
    char *details; /* "container \"a\" must ..." joined with "; " */
};

static void add(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s;
    if (vasprintf(&s, fmt, ap) < 0)
        abort();
    va_end(ap);
    char *n = gt_xasprintf("%s%s%s", o->details ? o->details : "", o->details ? "; " : "", s);
    free(o->details);
    free(s);
    o->details = n;
}

#define EACH_CONTAINER(spec, c) \
    for (size_t _l = 0; _l < 3; _l++) \
        for (size_t _i = 0; _i < gt_kobj_len(spec, container_lists[_l]); _i++) \
            for (const json_t *c = json_array_get(gt_kobj_arr(spec, container_lists[_l]), _i); c; \
                 c = NULL)

static void host_namespaces(const json_t *spec, struct out *o)
{
    static const char *const f[] = { "hostNetwork", "hostPID", "hostIPC" };
    char buf[128] = "";
    for (size_t i = 0; i < 3; i++)
        if (gt_kobj_bool(spec, f[i], false)) {
            size_t n = strlen(buf);
            snprintf(buf + n, sizeof buf - n, "%s%s=true", n ? ", " : "", f[i]);
        }
    if (buf[0])
        add(o, "%s", buf);
}

static void privileged(const json_t *spec, struct out *o)
{
    EACH_CONTAINER(spec, c) {
        if (gt_kobj_bool(c, "securityContext.privileged", false))
            add(o, "container \"%s\" must not set securityContext.privileged=true",
                gt_kobj_str(c, "name", ""));
    }
}

static bool in_list(const char *const *l, const char *s)
{
    for (; *l; l++)
        if (!strcmp(*l, s))
            return true;
    return false;
}

static void capabilities_baseline(const json_t *spec, struct out *o)
{
    static const char *const allowed[] = { "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER",
                                           "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
                                           "SETFCAP", "SETGID", "SETPCAP", "SETUID",
                                           "SYS_CHROOT", NULL };
    EACH_CONTAINER(spec, c) {
        size_t i;
        json_t *cap;
        json_array_foreach(gt_kobj_arr(c, "securityContext.capabilities.add"), i, cap) {
            const char *s = json_string_value(cap);
            if (s && !in_list(allowed, s))
                add(o, "container \"%s\" must not include \"%s\" in "
                       "securityContext.capabilities.add",
                    gt_kobj_str(c, "name", ""), s);
        }
    }
}

static void host_path(const json_t *spec, struct out *o)
{
    size_t i;
    json_t *v;
    json_array_foreach(gt_kobj_arr(spec, "volumes"), i, v)
        if (gt_kobj_has(v, "hostPath"))
            add(o, "volume \"%s\"", gt_kobj_str(v, "name", ""));
}

static void host_ports(const json_t *spec, struct out *o)
{
    EACH_CONTAINER(spec, c) {
        size_t i;
        json_t *p;
        json_array_foreach(gt_kobj_arr(c, "ports"), i, p) {
            int64_t hp = gt_kobj_int(p, "hostPort", 0);
            if (hp)
                add(o, "container \"%s\" uses hostPort %lld", gt_kobj_str(c, "name", ""),
                    (long long)hp);
        }
    }
}

static void check_profile_type(const json_t *sc, const char *who, const char *field,
                               const char *const *bad, struct out *o)
{
    const char *t = gt_kobj_str(sc, field, "");
    if (t[0] && in_list(bad, t))
        add(o, "%s must not set %s=\"%s\"", who, field, t);
}

static void seccomp_baseline(const json_t *spec, struct out *o)
{
    static const char *const bad[] = { "Unconfined", NULL };
    check_profile_type(gt_kobj_obj(spec, "securityContext"), "pod",
                       "seccompProfile.type", bad, o);
    EACH_CONTAINER(spec, c) {
        char who[300];
        snprintf(who, sizeof who, "container \"%s\"", gt_kobj_str(c, "name", ""));
        check_profile_type(gt_kobj_obj(c, "securityContext"), who, "seccompProfile.type", bad, o);
    }
}

static void apparmor(const json_t *spec, struct out *o)
{
    static const char *const bad[] = { "Unconfined", NULL };
    check_profile_type(gt_kobj_obj(spec, "securityContext"), "pod",
                       "appArmorProfile.type", bad, o);
    EACH_CONTAINER(spec, c) {
        char who[300];
        snprintf(who, sizeof who, "container \"%s\"", gt_kobj_str(c, "name", ""));
        check_profile_type(gt_kobj_obj(c, "securityContext"), who, "appArmorProfile.type", bad,
                           o);
    }
}

static void selinux_one(const json_t *sc, const char *who, struct out *o)
{
    static const char *const types[] = { "container_t", "container_init_t", "container_kvm_t",
                                         "container_engine_t", NULL };
    json_t *se = gt_kobj_obj(sc, "seLinuxOptions");
    if (!se)
        return;
    const char *t = gt_kobj_str(se, "type", "");
    if (t[0] && !in_list(types, t))
        add(o, "%s set forbidden securityContext.seLinuxOptions: type \"%s\"", who, t);
    if (gt_kobj_str(se, "user", "")[0] || gt_kobj_str(se, "role", "")[0])
        add(o, "%s set forbidden securityContext.seLinuxOptions: user or role", who);
}

static void selinux(const json_t *spec, struct out *o)
{
    selinux_one(gt_kobj_obj(spec, "securityContext"), "pod", o);
    EACH_CONTAINER(spec, c) {
        char who[300];
        snprintf(who, sizeof who, "container \"%s\"", gt_kobj_str(c, "name", ""));
        selinux_one(gt_kobj_obj(c, "securityContext"), who, o);
    }
}

static void proc_mount(const json_t *spec, struct out *o)
{
    EACH_CONTAINER(spec, c) {
        const char *pm = gt_kobj_str(c, "securityContext.procMount", "");
        if (pm[0] && strcmp(pm, "Default") != 0)
            add(o, "container \"%s\" must not set securityContext.procMount to \"%s\"",
                gt_kobj_str(c, "name", ""), pm);
    }
}

static void sysctls(const json_t *spec, struct out *o)
{
    static const char *const safe[] = {
        "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes", NULL,
    };
    size_t i;
    json_t *s;
    json_array_foreach(gt_kobj_arr(spec, "securityContext.sysctls"), i, s) {
        const char *n = gt_kobj_str(s, "name", "");
        if (!in_list(safe, n))
            add(o, "%s", n);
    }
}

static void volume_types(const json_t *spec, struct out *o)
{
    static const char *const ok[] = { "name", "configMap", "csi", "downwardAPI", "emptyDir",
                                      "ephemeral", "persistentVolumeClaim", "projected",
                                      "secret", NULL };
    size_t i;
    json_t *v;
    json_array_foreach(gt_kobj_arr(spec, "volumes"), i, v) {
        const char *key;
        json_t *val;
        json_object_foreach(v, key, val)
            if (!in_list(ok, key))
                add(o, "volume \"%s\" uses restricted volume type \"%s\"",
                    gt_kobj_str(v, "name", ""), key);
    }
}

static void privilege_escalation(const json_t *spec, struct out *o)
{
    EACH_CONTAINER(spec, c) {
        json_t *ape = gt_kobj_get(c, "securityContext.allowPrivilegeEscalation");
        if (!json_is_false(ape))
            add(o, "container \"%s\" must set securityContext.allowPrivilegeEscalation=false",
                gt_kobj_str(c, "name", ""));
    }
}

static void run_as_non_root(const json_t *spec, struct out *o)
{
    json_t *pod = gt_kobj_get(spec, "securityContext.runAsNonRoot");
    if (json_is_false(pod)) {
        add(o, "pod must not set securityContext.runAsNonRoot=false");
        return;
    }
    bool pod_ok = json_is_true(pod);
    EACH_CONTAINER(spec, c) {
        json_t *v = gt_kobj_get(c, "securityContext.runAsNonRoot");
        if (json_is_false(v))
            add(o, "container \"%s\" must not set securityContext.runAsNonRoot=false",
                gt_kobj_str(c, "name", ""));
        else if (!pod_ok && !json_is_true(v))
            add(o, "pod or container \"%s\" must set securityContext.runAsNonRoot=true",
                gt_kobj_str(c, "name", ""));
    }
}

static void run_as_user(const json_t *spec, struct out *o)
{
    json_t *pod = gt_kobj_get(spec, "securityContext.runAsUser");
    if (json_is_integer(pod) && json_integer_value(pod) == 0)
        add(o, "pod must not set runAsUser=0");
    EACH_CONTAINER(spec, c) {
        json_t *v = gt_kobj_get(c, "securityContext.runAsUser");
        if (json_is_integer(v) && json_integer_value(v) == 0)
            add(o, "container \"%s\" must not set runAsUser=0", gt_kobj_str(c, "name", ""));
    }
}

static bool good_seccomp(const char *t)
{
    return !strcmp(t, "RuntimeDefault") || !strcmp(t, "Localhost");
}

static void seccomp_restricted(const json_t *spec, struct out *o)
{
    const char *pt = gt_kobj_str(spec, "securityContext.seccompProfile.type", "");
    bool pod_ok = good_seccomp(pt);
    EACH_CONTAINER(spec, c) {
        const char *t = gt_kobj_str(c, "securityContext.seccompProfile.type", "");
        if (t[0] ? !good_seccomp(t) : !pod_ok)
            add(o, "pod or container \"%s\" must set securityContext.seccompProfile.type to "
                   "\"RuntimeDefault\" or \"Localhost\"",
                gt_kobj_str(c, "name", ""));
    }
}

static void capabilities_restricted(const json_t *spec, struct out *o)
{
    EACH_CONTAINER(spec, c) {
        const char *name = gt_kobj_str(c, "name", "");
        bool drops_all = false;
        size_t i;
        json_t *cap;
        json_array_foreach(gt_kobj_arr(c, "securityContext.capabilities.drop"), i, cap)
            if (json_is_string(cap) && !strcmp(json_string_value(cap), "ALL"))
                drops_all = true;
        if (!drops_all)
            add(o, "container \"%s\" must set securityContext.capabilities.drop=[\"ALL\"]", name);
        json_array_foreach(gt_kobj_arr(c, "securityContext.capabilities.add"), i, cap) {
            const char *s = json_string_value(cap);
            if (s && strcmp(s, "NET_BIND_SERVICE") != 0)
                add(o, "container \"%s\" must not include \"%s\" in "
                       "securityContext.capabilities.add",
                    name, s);
        }
    }
}

static const struct check {
    enum level level;
    const char *name;
    void (*fn)(const json_t *spec, struct out *o);
} checks[] = {
    { BASELINE, "host namespaces", host_namespaces },
    { BASELINE, "privileged", privileged },
    { BASELINE, "non-default capabilities", capabilities_baseline },
    { BASELINE, "hostPath volumes", host_path },
    { BASELINE, "hostPort", host_ports },
    { BASELINE, "appArmorProfile", apparmor },
    { BASELINE, "seLinuxOptions", selinux },
    { BASELINE, "procMount", proc_mount },
    { BASELINE, "seccompProfile", seccomp_baseline },
    { BASELINE, "forbidden sysctls", sysctls },
    { RESTRICTED, "restricted volume types", volume_types },
    { RESTRICTED, "allowPrivilegeEscalation != false", privilege_escalation },
    { RESTRICTED, "unrestricted capabilities", capabilities_restricted },
    { RESTRICTED, "runAsNonRoot != true", run_as_non_root },
    { RESTRICTED, "runAsUser=0", run_as_user },
    { RESTRICTED, "seccompProfile", seccomp_restricted },
};

static int parse_level(const char *s)
{
    if (!s)
        return -1;
    if (!strcmp(s, "privileged"))
        return PRIVILEGED;
    if (!strcmp(s, "baseline"))
        return BASELINE;
    if (!strcmp(s, "restricted"))
        return RESTRICTED;
    return -1;
}

static const char *level_name(int l)
{
    return l == RESTRICTED ? "restricted" : l == BASELINE ? "baseline" : "privileged";
}

/* The violations of a pod spec at a level: "a (x), b (y)", or NULL. */
static char *violations(const json_t *spec, int level)
{
    char *all = NULL;
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        if ((int)checks[i].level > level)
            continue;
        /* restricted replaces the baseline seccomp check with its own */
        if (level == RESTRICTED && checks[i].fn == seccomp_baseline)
            continue;
        struct out o = { 0 };
        checks[i].fn(spec, &o);
        if (!o.details)
            continue;
        char *n = gt_xasprintf("%s%s%s (%s)", all ? all : "", all ? ", " : "", checks[i].name,
                               o.details);
        free(all);
        free(o.details);
        all = n;
    }
    return all;
}

static const json_t *pod_spec_of(const struct gt_kind *k, const json_t *obj)
{
    if (kadm_is_pod(k))
        return gt_kobj_obj(obj, "spec");
    if (gt_kobj_obj(obj, "spec.template.spec"))
        return gt_kobj_obj(obj, "spec.template.spec");
    return gt_kobj_obj(obj, "spec.jobTemplate.spec.template.spec");
}

int kadm_podsecurity_validate(struct kreq *r, const struct gt_kind *k, enum kapi_op op,
                              const json_t *obj, const json_t *old, json_t **st)
{
    if (op != KOP_CREATE && op != KOP_UPDATE)
        return 0;
    bool pod = kadm_is_pod(k);
    if (!pod && strcmp(k->group, "apps") != 0 && strcmp(k->group, "batch") != 0)
        return 0;
    /* an update of a pod only matters when its spec changed */
    if (op == KOP_UPDATE && pod && json_equal(gt_kobj_get(obj, "spec"), gt_kobj_get(old, "spec")))
        return 0;
    const json_t *spec = pod_spec_of(k, obj);
    if (!spec)
        return 0;
    json_t *ns = kadm_namespace(r->api, gt_kobj_namespace(obj));
    json_t *labels = gt_kobj_obj(ns, "metadata.labels");
    int enforce = parse_level(json_string_value(json_object_get(labels,
                                                                "pod-security.kubernetes.io/enforce")));
    int warn = parse_level(json_string_value(json_object_get(labels,
                                                             "pod-security.kubernetes.io/warn")));
    json_decref(ns);
    int rc = 0;
    if (enforce > PRIVILEGED) {
        char *v = violations(spec, enforce);
        if (v && pod && op == KOP_CREATE) {
            rc = gt_kst_fail(st, 403, NULL,
                             "pods \"%s\" is forbidden: violates PodSecurity \"%s:latest\": %s",
                             gt_kobj_name(obj), level_name(enforce), v);
            gt_kst_details(*st, gt_kobj_name(obj), "", "pods");
        } else if (v) {
            kapi_warn(r, "would violate PodSecurity \"%s:latest\": %s", level_name(enforce), v);
        }
        free(v);
    }
    if (rc == 0 && warn > PRIVILEGED && warn != enforce) {
        char *v = violations(spec, warn);
        if (v)
            kapi_warn(r, "would violate PodSecurity \"%s:latest\": %s", level_name(warn), v);
        free(v);
    }
    return rc;
}
