/* PodSecurity: the Pod Security Standards' checks and the admission plugin
 * that applies them from namespace labels (kube/admission.h).  Checks run
 * in the order of Kubernetes' registry (its check files in name order),
 * baseline ones that restricted replaces only at baseline. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/mem.h"
#include "kube/admission_internal.h"
#include "kube/fielderr.h"
#include "kube/obj.h"
#include "kube/status.h"

#define LABEL_PREFIX "pod-security.kubernetes.io/"
#define LATEST 1000 /* version "latest" as a minor number */

enum level { PRIVILEGED, BASELINE, RESTRICTED };

/* ---- small string helpers ---- */

/* A growing list of strings; `set` keeps it sorted and unique. */
struct strs {
    char **v;
    size_t n;
};

static void strs_add(struct strs *s, const char *x)
{
    gt_strv_push(&s->v, x);
    s->n++;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void set_add(struct strs *s, const char *x)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], x) == 0)
            return;
    strs_add(s, x);
    qsort(s->v, s->n, sizeof(*s->v), cmp);
}

static void strs_free(struct strs *s)
{
    gt_strv_free(s->v);
    s->v = NULL;
    s->n = 0;
}

static const char *plural(const char *one, const char *many, size_t n)
{
    return n == 1 ? one : many;
}

/* "a" sep "b" sep "c"; quote: each one in double quotes */
static char *join(const struct strs *s, const char *sep, bool quote)
{
    size_t len = 1;
    for (size_t i = 0; i < s->n; i++)
        len += strlen(s->v[i]) + strlen(sep) + 2;
    char *out = gt_xmalloc(len), *w = out;
    *w = 0;
    for (size_t i = 0; i < s->n; i++)
        w += sprintf(w, quote ? "%s\"%s\"" : "%s%s", i ? sep : "", s->v[i]);
    return out;
}

static char *join_quote(const struct strs *s)
{
    return join(s, ", ", true);
}

/* "container \"a\"", "containers \"a\", \"b\"" */
static char *containers_phrase(const struct strs *c)
{
    cleanup_free char *q = join_quote(c);
    return gt_xasprintf("%s %s", plural("container", "containers", c->n), q);
}

/* ---- visiting ---- */

typedef void (*container_fn)(const json_t *c, void *ctx);

static void visit_containers(const json_t *spec, container_fn fn, void *ctx)
{
    static const char *const lists[] = { "initContainers", "containers", "ephemeralContainers" };
    for (int l = 0; l < 3; l++) {
        size_t i;
        json_t *c;
        json_array_foreach(gt_kobj_arr(spec, lists[l]), i, c) if (json_is_object(c)) fn(c, ctx);
    }
}

static const char *cname(const json_t *c)
{
    return gt_kobj_str(c, "name", "");
}

struct result {
    char *reason, *detail; /* NULL reason: allowed */
};

typedef void (*check_fn)(const json_t *meta, const json_t *spec, int minor, struct result *r);

static void fail(struct result *r, const char *reason, char *detail)
{
    r->reason = gt_xstrdup(reason);
    r->detail = detail;
}

/* "pod and containers \"a\"" style setters, for checks of pod and containers */
struct setters {
    struct strs bad;      /* containers that set a bad value */
    struct strs implicit; /* containers that set nothing (and the pod neither) */
    struct strs values;   /* bad values (set) */
    bool pod_bad, pod_ok;
    const char *field;    /* securityContext member checked */
};

static char *setters_phrase(const struct setters *s)
{
    struct strs parts = { 0 };
    if (s->pod_bad)
        strs_add(&parts, "pod");
    if (s->bad.n) {
        char *p = containers_phrase(&s->bad);
        strs_add(&parts, p);
        free(p);
    }
    char *out = join(&parts, " and ", false);
    strs_free(&parts);
    return out;
}

/* ---- baseline ---- */

static void c_apparmor(const json_t *c, void *ctx)
{
    struct setters *s = ctx;
    const char *t = gt_kobj_str(c, "securityContext.appArmorProfile.type", NULL);
    if (gt_kobj_obj(c, "securityContext.appArmorProfile") &&
        !gt_kadm_is(t, "RuntimeDefault") && !gt_kadm_is(t, "Localhost")) {
        strs_add(&s->bad, cname(c));
        set_add(&s->values, t ? t : "");
    }
}

static void check_apparmor(const json_t *meta, const json_t *spec, int minor, struct result *r)
{
    struct setters s = { 0 };
    if (gt_kobj_obj(spec, "securityContext.appArmorProfile")) {
        const char *t = gt_kobj_str(spec, "securityContext.appArmorProfile.type", NULL);
        if (!gt_kadm_is(t, "RuntimeDefault") && !gt_kadm_is(t, "Localhost")) {
            s.pod_bad = true;
            set_add(&s.values, t ? t : "");
        }
    }
    visit_containers(spec, c_apparmor, &s);
    struct strs annotations = { 0 };
    const char *k;
    json_t *v;
    const char *prefix = "container.apparmor.security.beta.kubernetes.io/";
    json_object_foreach(gt_kobj_obj(meta, "annotations"), k, v) {
        const char *val = json_is_string(v) ? json_string_value(v) : "";
        if (strncmp(k, prefix, strlen(prefix)) != 0 || !*val ||
            strcmp(val, "runtime/default") == 0 || strncmp(val, "localhost/", 10) == 0)
            continue;
        char *e = gt_xasprintf("%s=\"%s\"", k, val);
        set_add(&annotations, e);
        free(e);
    }
    struct strs values = { 0 };
    for (size_t i = 0; i < s.values.n; i++)
        strs_add(&values, s.values.v[i]);
    for (size_t i = 0; i < annotations.n; i++)
        strs_add(&values, annotations.v[i]);
    char *who = setters_phrase(&s);
    if (annotations.n) {
        char *w2 = gt_xasprintf("%s%s%s", who, *who ? " and " : "",
                                plural("annotation", "annotations", annotations.n));
        free(who);
        who = w2;
    }
    if (*who) {
        cleanup_free char *q = join_quote(&values);
        fail(r, plural("forbidden AppArmor profile", "forbidden AppArmor profiles", values.n),
             gt_xasprintf("%s must not set AppArmor profile type to %s", who, q));
    }
    free(who);
    strs_free(&values);
    strs_free(&annotations);
    strs_free(&s.bad);
    strs_free(&s.values);
    (void)minor;
}

static const char *const caps_baseline[] = { "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER",
                                             "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
                                             "SETFCAP", "SETGID", "SETPCAP", "SETUID",
                                             "SYS_CHROOT", NULL };

static bool in_list(const char *const *l, const char *s)
{
    for (; *l; l++)
        if (strcmp(*l, s) == 0)
            return true;
    return false;
}

static void c_caps_baseline(const json_t *c, void *ctx)
{
    struct setters *s = ctx;
    bool bad = false;
    size_t i;
    json_t *v;
    json_array_foreach(gt_kobj_arr(c, "securityContext.capabilities.add"), i, v) {
        const char *cap = json_is_string(v) ? json_string_value(v) : "";
        if (!in_list(caps_baseline, cap)) {
            bad = true;
            set_add(&s->values, cap);
        }
    }
    if (bad)
        strs_add(&s->bad, cname(c));
}

static void check_caps_baseline(const json_t *meta, const json_t *spec, int minor,
                                struct result *r)
{
    struct setters s = { 0 };
    visit_containers(spec, c_caps_baseline, &s);
    if (s.bad.n) {
        cleanup_free char *who = containers_phrase(&s.bad);
        cleanup_free char *caps = join_quote(&s.values);
        fail(r, "non-default capabilities",
             gt_xasprintf("%s must not include %s in securityContext.capabilities.add", who, caps));
    }
    strs_free(&s.bad);
    strs_free(&s.values);
    (void)meta;
    (void)minor;
}

static void check_host_namespaces(const json_t *meta, const json_t *spec, int minor,
                                  struct result *r)
{
    struct strs ns = { 0 };
    static const char *const fields[] = { "hostNetwork", "hostPID", "hostIPC" };
    for (int i = 0; i < 3; i++)
        if (json_is_true(json_object_get(spec, fields[i]))) {
            char *e = gt_xasprintf("%s=true", fields[i]);
            strs_add(&ns, e);
            free(e);
        }
    if (ns.n)
        fail(r, "host namespaces", join(&ns, ", ", false));
    strs_free(&ns);
    (void)meta;
    (void)minor;
}

static void check_host_path(const json_t *meta, const json_t *spec, int minor, struct result *r)
{
    struct strs vols = { 0 };
    size_t i;
    json_t *v;
    json_array_foreach(gt_kobj_arr(spec, "volumes"), i, v) if (gt_kobj_get(v, "hostPath") &&
                                                              !json_is_null(gt_kobj_get(v, "hostPath")))
        strs_add(&vols, gt_kobj_str(v, "name", ""));
    if (vols.n) {
        cleanup_free char *q = join_quote(&vols);
        fail(r, "hostPath volumes", gt_xasprintf("%s %s", plural("volume", "volumes", vols.n), q));
    }
    strs_free(&vols);
    (void)meta;
    (void)minor;
}

static void c_host_ports(const json_t *c, void *ctx)
{
    struct setters *s = ctx;
    bool bad = false;
    size_t i;
    json_t *p;
    json_array_foreach(gt_kobj_arr(c, "ports"), i, p) {
        json_t *hp = json_object_get(p, "hostPort");
        if (json_is_integer(hp) && json_integer_value(hp) != 0) {
            char buf[32];
            snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(hp));
            set_add(&s->values, buf);
            bad = true;
        }
    }
    if (bad)
        strs_add(&s->bad, cname(c));
}

static void check_host_ports(const json_t *meta, const json_t *spec, int minor, struct result *r)
{
    struct setters s = { 0 };
    visit_containers(spec, c_host_ports, &s);
    if (s.bad.n) {
        cleanup_free char *who = containers_phrase(&s.bad);
        cleanup_free char *ports = join(&s.values, ", ", false);
        fail(r, "hostPort",
             gt_xasprintf("%s %s %s %s", who, plural("uses", "use", s.bad.n),
                          plural("hostPort", "hostPorts", s.values.n), ports));
    }
    strs_free(&s.bad);
    strs_free(&s.values);
    (void)meta;
    (void)minor;
}

static void c_privileged(const json_t *c, void *ctx)
{
    if (json_is_true(gt_kobj_get(c, "securityContext.privileged")))
        strs_add(&((struct setters *)ctx)->bad, cname(c));
}

static void check_privileged(const json_t *meta, const json_t *spec, int minor, struct result *r)
{
    struct setters s = { 0 };
    visit_containers(spec, c_privileged, &s);
    if (s.bad.n) {
        cleanup_free char *who = containers_phrase(&s.bad);
        fail(r, "privileged",
             gt_xasprintf("%s must not set securityContext.privileged=true", who));
    }
    strs_free(&s.bad);
    (void)meta;
    (void)minor;
}

static void c_proc_mount(const json_t *c, void *ctx)
{
    struct setters *s = ctx;
    const char *pm = gt_kobj_str(c, "securityContext.procMount", NULL);
    if (pm && strcmp(pm, "Default") != 0) {
        strs_add(&s->bad, cname(c));
        set_add(&s->values, pm);
    }
}

static void check_proc_mount(const json_t *meta, const json_t *spec, int minor, struct result *r)
{
    struct setters s = { 0 };
    visit_containers(spec, c_proc_mount, &s);
    if (s.bad.n) {
        cleanup_free char *who = containers_phrase(&s.bad);
        cleanup_free char *vals = join_quote(&s.values);
        fail(r, "procMount",
             gt_xasprintf("%s must not set securityContext.procMount to %s", who, vals));
    }
    strs_free(&s.bad);
    strs_free(&s.values);
    (void)meta;
    (void)minor;
}

struct selinux {
    struct strs bad, types;
    bool user, role;
};

static bool selinux_ok(const json_t *o, struct selinux *s)
{
    bool ok = true;
    const char *t = gt_kobj_str(o, "type", "");
    if (*t && strcmp(t, "container_t") != 0 && strcmp(t, "container_init_t") != 0 &&
        strcmp(t, "container_kvm_t") != 0) {
        ok = false;
        set_add(&s->types, t);
    }
    if (*gt_kobj_str(o, "user", "")) {
        ok = false;
        s->user = true;
    }
    if (*gt_kobj_str(o, "role", "")) {
        ok = false;
        s->role = true;
    }
    return ok;
}

static void c_selinux(const json_t *c, void *ctx)
{
    struct selinux *s = ctx;
    json_t *o = gt_kobj_obj(c, "securityContext.seLinuxOptions");
    if (o && !selinux_ok(o, s))
        strs_add(&s->bad, cname(c));
}

static void check_selinux(const json_t *meta, const json_t *spec, int minor, struct result *r)
{
    struct selinux s = { 0 };
    struct strs setters = { 0 };
    json_t *po = gt_kobj_obj(spec, "securityContext.seLinuxOptions");
    if (po && !selinux_ok(po, &s))
        strs_add(&setters, "pod");
    visit_containers(spec, c_selinux, &s);
    if (s.bad.n) {
        char *p = containers_phrase(&s.bad);
        strs_add(&setters, p);
        free(p);
    }
    if (setters.n) {
        /* as in Kubernetes, user and role are only named next to bad types */
        struct strs data = { 0 };
        if (s.types.n) {
            cleanup_free char *t = join_quote(&s.types);
            char *e = gt_xasprintf("%s %s", plural("type", "types", s.types.n), t);
            strs_add(&data, e);
            free(e);
            if (s.user)
                strs_add(&data, "user may not be set");
            if (s.role)
                strs_add(&data, "role may not be set");
        }
        cleanup_free char *who = join(&setters, " and ", false);
        cleanup_free char *d = join(&data, "; ", false);
        fail(r, "seLinuxOptions",
             gt_xasprintf("%s set forbidden securityContext.seLinuxOptions: %s", who, d));
        strs_free(&data);
    }
    strs_free(&setters);
    strs_free(&s.bad);
    strs_free(&s.types);
    (void)meta;
    (void)minor;
}

static bool seccomp_ok(const char *t)
{
    return gt_kadm_is(t, "RuntimeDefault") || gt_kadm_is(t, "Localhost");
}

struct seccomp {
    struct setters s;
    bool pod_set;
};

static void c_seccomp(const json_t *c, void *ctx)
{
    struct seccomp *sc = ctx;
    if (gt_kobj_obj(c, "securityContext.seccompProfile")) {
        const char *t = gt_kobj_str(c, "securityContext.seccompProfile.type", "");
        if (!seccomp_ok(t)) {
            strs_add(&sc->s.bad, cname(c));
            set_add(&sc->s.values, t);
        }
    } else if (!sc->pod_set)
        strs_add(&sc->s.implicit, cname(c));
}

static void seccomp_common(const json_t *spec, bool restricted, struct result *r)
{
    struct seccomp sc = { 0 };
    if (gt_kobj_obj(spec, "securityContext.seccompProfile")) {
        const char *t = gt_kobj_str(spec, "securityContext.seccompProfile.type", "");
        if (!seccomp_ok(t)) {
            sc.s.pod_bad = true;
            set_add(&sc.s.values, t);
        } else
            sc.pod_set = true;
    }
    visit_containers(spec, c_seccomp, &sc);
    if (sc.s.pod_bad || sc.s.bad.n) {
        cleanup_free char *who = setters_phrase(&sc.s);
        cleanup_free char *vals = join_quote(&sc.s.values);
        fail(r, "seccompProfile",
             gt_xasprintf("%s must not set securityContext.seccompProfile.type to %s", who, vals));
    } else if (restricted && sc.s.implicit.n) {
        cleanup_free char *who = containers_phrase(&sc.s.implicit);
        fail(r, "seccompProfile",
             gt_xasprintf("pod or %s must set securityContext.seccompProfile.type to "
                          "\"RuntimeDefault\" or \"Localhost\"",
                          who));
    }
    strs_free(&sc.s.bad);
    strs_free(&sc.s.implicit);
    strs_free(&sc.s.values);
}

static void check_seccomp_baseline(const json_t *meta, const json_t *spec, int minor,
                                   struct result *r)
{
    seccomp_common(spec, false, r);
    (void)meta;
    (void)minor;
}

static void check_sysctls(const json_t *meta, const json_t *spec, int minor, struct result *r)
{
    static const char *const v1_0[] = { "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
                                        "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
                                        "net.ipv4.ip_unprivileged_port_start", NULL };
    static const char *const v1_27[] = { "net.ipv4.ip_local_reserved_ports", NULL };
    static const char *const v1_29[] = { "net.ipv4.tcp_keepalive_time",
                                         "net.ipv4.tcp_fin_timeout",
                                         "net.ipv4.tcp_keepalive_intvl",
                                         "net.ipv4.tcp_keepalive_probes", NULL };
    struct strs bad = { 0 };
    size_t i;
    json_t *s;
    json_array_foreach(gt_kobj_arr(spec, "securityContext.sysctls"), i, s) {
        const char *n = gt_kobj_str(s, "name", "");
        if (in_list(v1_0, n) || (minor >= 27 && in_list(v1_27, n)) ||
            (minor >= 29 && in_list(v1_29, n)))
            continue;
        strs_add(&bad, n);
    }
    if (bad.n)
        fail(r, "forbidden sysctls", join(&bad, ", ", false));
    strs_free(&bad);
    (void)meta;
}

static void c_host_process(const json_t *c, void *ctx)
{
    if (json_is_true(gt_kobj_get(c, "securityContext.windowsOptions.hostProcess")))
        strs_add(&((struct setters *)ctx)->bad, cname(c));
}

static void check_host_process(const json_t *meta, const json_t *spec, int minor,
                               struct result *r)
{
    struct setters s = { 0 };
    s.pod_bad = json_is_true(gt_kobj_get(spec, "securityContext.windowsOptions.hostProcess"));
    visit_containers(spec, c_host_process, &s);
    if (s.pod_bad || s.bad.n) {
        cleanup_free char *who = setters_phrase(&s);
        fail(r, "hostProcess",
             gt_xasprintf("%s must not set securityContext.windowsOptions.hostProcess=true", who));
    }
    strs_free(&s.bad);
    (void)meta;
    (void)minor;
}

/* ---- restricted ---- */

static void c_ape(const json_t *c, void *ctx)
{
    if (!json_is_false(gt_kobj_get(c, "securityContext.allowPrivilegeEscalation")))
        strs_add(&((struct setters *)ctx)->bad, cname(c));
}

static void check_ape(const json_t *meta, const json_t *spec, int minor, struct result *r)
{
    struct setters s = { 0 };
    visit_containers(spec, c_ape, &s);
    if (s.bad.n) {
        cleanup_free char *who = containers_phrase(&s.bad);
        fail(r, "allowPrivilegeEscalation != false",
             gt_xasprintf("%s must set securityContext.allowPrivilegeEscalation=false", who));
    }
    strs_free(&s.bad);
    (void)meta;
    (void)minor;
}

struct caps {
    struct strs no_drop, adding, forbidden;
};

static void c_caps_restricted(const json_t *c, void *ctx)
{
    struct caps *k = ctx;
    json_t *caps = gt_kobj_obj(c, "securityContext.capabilities");
    if (!caps) {
        strs_add(&k->no_drop, cname(c));
        return;
    }
    bool all = false, bad = false;
    size_t i;
    json_t *v;
    json_array_foreach(gt_kobj_arr(caps, "drop"), i, v) all |= gt_kadm_is(json_string_value(v),
                                                                          "ALL");
    if (!all)
        strs_add(&k->no_drop, cname(c));
    json_array_foreach(gt_kobj_arr(caps, "add"), i, v) {
        const char *cap = json_is_string(v) ? json_string_value(v) : "";
        if (strcmp(cap, "NET_BIND_SERVICE") != 0) {
            bad = true;
            set_add(&k->forbidden, cap);
        }
    }
    if (bad)
        strs_add(&k->adding, cname(c));
}

static void check_caps_restricted(const json_t *meta, const json_t *spec, int minor,
                                  struct result *r)
{
    struct caps k = { 0 };
    visit_containers(spec, c_caps_restricted, &k);
    struct strs details = { 0 };
    if (k.no_drop.n) {
        cleanup_free char *who = containers_phrase(&k.no_drop);
        char *e = gt_xasprintf("%s must set securityContext.capabilities.drop=[\"ALL\"]", who);
        strs_add(&details, e);
        free(e);
    }
    if (k.adding.n) {
        cleanup_free char *who = containers_phrase(&k.adding);
        cleanup_free char *caps = join_quote(&k.forbidden);
        char *e =
            gt_xasprintf("%s must not include %s in securityContext.capabilities.add", who, caps);
        strs_add(&details, e);
        free(e);
    }
    if (details.n)
        fail(r, "unrestricted capabilities", join(&details, "; ", false));
    strs_free(&details);
    strs_free(&k.no_drop);
    strs_free(&k.adding);
    strs_free(&k.forbidden);
    (void)meta;
    (void)minor;
}

static void check_volumes(const json_t *meta, const json_t *spec, int minor, struct result *r)
{
    static const char *const allowed[] = { "configMap", "csi", "downwardAPI", "emptyDir",
                                           "ephemeral", "persistentVolumeClaim", "projected",
                                           "secret", NULL };
    static const char *const restricted[] = {
        "hostPath", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi",
        "glusterfs", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "fc", "azureFile",
        "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "portworxVolume",
        "scaleIO", "storageos", NULL
    };
    struct strs bad = { 0 }, types = { 0 };
    size_t i;
    json_t *v;
    json_array_foreach(gt_kobj_arr(spec, "volumes"), i, v) {
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++) {
            json_t *m = json_object_get(v, *a);
            ok = m && !json_is_null(m);
        }
        if (ok)
            continue;
        strs_add(&bad, gt_kobj_str(v, "name", ""));
        const char *type = "unknown";
        for (const char *const *t = restricted; *t; t++) {
            json_t *m = json_object_get(v, *t);
            if (m && !json_is_null(m)) {
                type = *t;
                break;
            }
        }
        set_add(&types, type);
    }
    if (bad.n) {
        cleanup_free char *names = join_quote(&bad);
        cleanup_free char *ts = join_quote(&types);
        fail(r, "restricted volume types",
             gt_xasprintf("%s %s %s %s %s", plural("volume", "volumes", bad.n), names,
                          plural("uses", "use", bad.n),
                          plural("restricted volume type", "restricted volume types", types.n),
                          ts));
    }
    strs_free(&bad);
    strs_free(&types);
    (void)meta;
    (void)minor;
}

struct nonroot {
    struct strs explicit_bad, implicit_bad;
    bool pod_true;
};

static void c_nonroot(const json_t *c, void *ctx)
{
    struct nonroot *n = ctx;
    json_t *v = gt_kobj_get(c, "securityContext.runAsNonRoot");
    if (json_is_boolean(v)) {
        if (json_is_false(v))
            strs_add(&n->explicit_bad, cname(c));
    } else if (!n->pod_true)
        strs_add(&n->implicit_bad, cname(c));
}

static void check_nonroot(const json_t *meta, const json_t *spec, int minor, struct result *r)
{
    struct nonroot n = { 0 };
    struct strs setters = { 0 };
    json_t *pv = gt_kobj_get(spec, "securityContext.runAsNonRoot");
    if (json_is_false(pv))
        strs_add(&setters, "pod");
    n.pod_true = json_is_true(pv);
    visit_containers(spec, c_nonroot, &n);
    if (n.explicit_bad.n) {
        char *p = containers_phrase(&n.explicit_bad);
        strs_add(&setters, p);
        free(p);
    }
    if (setters.n) {
        cleanup_free char *who = join(&setters, " and ", false);
        fail(r, "runAsNonRoot != true",
             gt_xasprintf("%s must not set securityContext.runAsNonRoot=false", who));
    } else if (n.implicit_bad.n) {
        cleanup_free char *who = containers_phrase(&n.implicit_bad);
        fail(r, "runAsNonRoot != true",
             gt_xasprintf("pod or %s must set securityContext.runAsNonRoot=true", who));
    }
    strs_free(&setters);
    strs_free(&n.explicit_bad);
    strs_free(&n.implicit_bad);
    (void)meta;
    (void)minor;
}

static void c_run_as_user(const json_t *c, void *ctx)
{
    json_t *v = gt_kobj_get(c, "securityContext.runAsUser");
    if (json_is_integer(v) && json_integer_value(v) == 0)
        strs_add(&((struct setters *)ctx)->bad, cname(c));
}

static void check_run_as_user(const json_t *meta, const json_t *spec, int minor,
                              struct result *r)
{
    struct setters s = { 0 };
    json_t *v = gt_kobj_get(spec, "securityContext.runAsUser");
    s.pod_bad = json_is_integer(v) && json_integer_value(v) == 0;
    visit_containers(spec, c_run_as_user, &s);
    if (s.pod_bad || s.bad.n) {
        cleanup_free char *who = setters_phrase(&s);
        fail(r, "runAsUser=0", gt_xasprintf("%s must not set runAsUser=0", who));
    }
    strs_free(&s.bad);
    (void)meta;
    (void)minor;
}

static void check_seccomp_restricted(const json_t *meta, const json_t *spec, int minor,
                                     struct result *r)
{
    seccomp_common(spec, true, r);
    (void)meta;
    (void)minor;
}

/* ---- the registry ---- */

enum group { G_BASELINE, G_OVERLAP, G_RESTRICTED };

struct check {
    const char *id;
    enum group group;
    int min_minor;
    check_fn fn;
};

/* Kubernetes' registration order (its files' names, sorted). */
static const struct check checks[] = {
    { "allowPrivilegeEscalation", G_RESTRICTED, 8, check_ape },
    { "appArmorProfile", G_BASELINE, 0, check_apparmor },
    { "capabilities_baseline", G_OVERLAP, 0, check_caps_baseline },
    { "capabilities_restricted", G_RESTRICTED, 22, check_caps_restricted },
    { "hostNamespaces", G_BASELINE, 0, check_host_namespaces },
    { "hostPathVolumes", G_OVERLAP, 0, check_host_path },
    { "hostPorts", G_BASELINE, 0, check_host_ports },
    { "privileged", G_BASELINE, 0, check_privileged },
    { "procMount", G_BASELINE, 0, check_proc_mount },
    { "restrictedVolumes", G_RESTRICTED, 0, check_volumes },
    { "runAsNonRoot", G_RESTRICTED, 0, check_nonroot },
    { "runAsUser", G_RESTRICTED, 23, check_run_as_user },
    { "seLinuxOptions", G_BASELINE, 0, check_selinux },
    { "seccompProfile_baseline", G_OVERLAP, 19, check_seccomp_baseline },
    { "seccompProfile_restricted", G_RESTRICTED, 19, check_seccomp_restricted },
    { "sysctls", G_BASELINE, 0, check_sysctls },
    { "windowsHostProcess", G_BASELINE, 0, check_host_process },
};

static void run_group(enum group g, const json_t *meta, const json_t *spec, int minor,
                      struct strs *out)
{
    for (size_t i = 0; i < sizeof(checks) / sizeof(*checks); i++) {
        if (checks[i].group != g || minor < checks[i].min_minor)
            continue;
        struct result r = { 0 };
        checks[i].fn(meta, spec, minor, &r);
        if (!r.reason)
            continue;
        char *e = r.detail && *r.detail ? gt_xasprintf("%s (%s)", r.reason, r.detail)
                                        : gt_xstrdup(r.reason);
        strs_add(out, e);
        free(e);
        free(r.reason);
        free(r.detail);
    }
}

static char *evaluate(enum level level, int minor, const json_t *meta, const json_t *spec)
{
    if (level == PRIVILEGED)
        return NULL;
    struct strs out = { 0 };
    run_group(G_BASELINE, meta, spec, minor, &out);
    run_group(level == BASELINE ? G_OVERLAP : G_RESTRICTED, meta, spec, minor, &out);
    char *s = out.n ? join(&out, ", ", false) : NULL;
    strs_free(&out);
    return s;
}

static int parse_level(const char *s, enum level *out)
{
    static const char *const names[] = { "privileged", "baseline", "restricted" };
    for (int i = 0; i < 3; i++)
        if (s && strcmp(s, names[i]) == 0) {
            *out = (enum level)i;
            return 0;
        }
    return -EINVAL;
}

/* "latest" or "v1.N"; N > 999 is treated as latest */
static int parse_version(const char *s, int *minor)
{
    if (!s || strcmp(s, "latest") == 0) {
        *minor = LATEST;
        return 0;
    }
    if (strncmp(s, "v1.", 3) != 0 || !s[3] || (s[3] == '0' && s[4]))
        return -EINVAL;
    long n = 0;
    for (const char *p = s + 3; *p; p++) {
        if (*p < '0' || *p > '9')
            return -EINVAL;
        if (n < 100000)
            n = n * 10 + (*p - '0');
    }
    *minor = n >= LATEST ? LATEST : (int)n;
    return 0;
}

int gt_kpsa_evaluate(const char *level, const char *version, const json_t *pod_meta,
                     const json_t *pod_spec, char **out)
{
    enum level l;
    int minor;
    *out = NULL;
    if (parse_level(level, &l) < 0 || parse_version(version, &minor) < 0)
        return -EINVAL;
    *out = evaluate(l, minor, pod_meta, pod_spec);
    return 0;
}

/* ---- the plugin ---- */

struct policy {
    enum level level;
    int minor;
    char name[64]; /* "restricted:latest" */
};

static const char *const level_names[] = { "privileged", "baseline", "restricted" };

/* mode: "enforce" or "warn"; invalid values are enforced as restricted:latest */
static void policy_of(const json_t *labels, const char *mode, struct policy *p)
{
    char key[96];
    snprintf(key, sizeof key, LABEL_PREFIX "%s", mode);
    const char *lv = json_string_value(json_object_get(labels, key));
    snprintf(key, sizeof key, LABEL_PREFIX "%s-version", mode);
    const char *vv = json_string_value(json_object_get(labels, key));
    p->level = PRIVILEGED;
    p->minor = LATEST;
    if (lv && parse_level(lv, &p->level) < 0)
        p->level = RESTRICTED;
    if (vv && parse_version(vv, &p->minor) < 0)
        p->minor = LATEST;
    if (p->minor == LATEST)
        snprintf(p->name, sizeof p->name, "%s:latest", level_names[p->level]);
    else
        snprintf(p->name, sizeof p->name, "%s:v1.%d", level_names[p->level], p->minor);
}

static bool has_label(const json_t *labels, const char *mode)
{
    char key[96];
    snprintf(key, sizeof key, LABEL_PREFIX "%s", mode);
    return json_object_get(labels, key) != NULL;
}

static void warn(struct gt_kadm_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void warn(struct gt_kadm_result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        abort();
    va_end(ap);
    json_array_append_new(r->warnings, json_string(s));
    free(s);
}

static int validate_namespace(const struct gt_kadm_attrs *a, struct gt_kadm_result *r)
{
    json_t *labels = gt_kobj_obj(a->obj, "metadata.labels");
    struct gt_kfe_list errs;
    gt_kfe_list_init(&errs);
    static const char *const modes[] = { "enforce", "audit", "warn" };
    for (int m = 0; m < 3; m++) {
        char key[96], field[160];
        snprintf(key, sizeof key, LABEL_PREFIX "%s", modes[m]);
        json_t *v = json_object_get(labels, key);
        enum level l;
        if (v && parse_level(json_string_value(v), &l) < 0) {
            snprintf(field, sizeof field, "metadata.labels[%s]", key);
            gt_kfe_invalid(&errs, field, v, "must be one of privileged, baseline, restricted");
        }
        snprintf(key, sizeof key, LABEL_PREFIX "%s-version", modes[m]);
        v = json_object_get(labels, key);
        int minor;
        if (v && parse_version(json_string_value(v), &minor) < 0) {
            snprintf(field, sizeof field, "metadata.labels[%s]", key);
            gt_kfe_invalid(&errs, field, v, "must be \"latest\" or \"v1.x\"");
        }
    }
    if (errs.n) {
        r->status = gt_kfe_status(&errs, "", "Namespace", gt_kobj_name(a->obj));
        gt_kfe_list_release(&errs);
        return -EINVAL;
    }
    gt_kfe_list_release(&errs);
    if (a->op != GT_KADM_UPDATE || !a->old)
        return 0;
    struct policy now, before;
    policy_of(labels, "enforce", &now);
    policy_of(gt_kobj_obj(a->old, "metadata.labels"), "enforce", &before);
    if (now.level == PRIVILEGED || (now.level == before.level && now.minor == before.minor))
        return 0;
    const char *ns = gt_kobj_name(a->obj);
    json_t *pods = gt_klister_list(a->lister, "pods", ns);
    bool first = true;
    size_t i;
    json_t *pod;
    json_array_foreach(pods, i, pod) {
        if (strcmp(gt_kobj_namespace(pod), ns) != 0)
            continue;
        char *res = evaluate(now.level, now.minor, gt_kobj_obj(pod, "metadata"),
                             gt_kobj_obj(pod, "spec"));
        if (!res)
            continue;
        if (first)
            warn(r, "existing pods in namespace \"%s\" violate the new PodSecurity enforce level "
                    "\"%s\"",
                 ns, now.name);
        first = false;
        warn(r, "%s: %s", gt_kobj_name(pod), res);
        free(res);
    }
    if (pods)
        json_decref(pods);
    return 0;
}

static const json_t *pod_template(const struct gt_kadm_attrs *a, const json_t *obj)
{
    static const char *const apps[] = { "deployments", "replicasets", "statefulsets",
                                        "daemonsets", NULL };
    bool core = !a->group || !*a->group;
    if (core && (gt_kadm_is(a->resource, "replicationcontrollers")))
        return gt_kobj_obj(obj, "spec.template");
    if (core && gt_kadm_is(a->resource, "podtemplates"))
        return gt_kobj_obj(obj, "template");
    if (gt_kadm_is(a->group, "apps") && in_list(apps, a->resource ? a->resource : ""))
        return gt_kobj_obj(obj, "spec.template");
    if (gt_kadm_is(a->group, "batch") && gt_kadm_is(a->resource, "jobs"))
        return gt_kobj_obj(obj, "spec.template");
    if (gt_kadm_is(a->group, "batch") && gt_kadm_is(a->resource, "cronjobs"))
        return gt_kobj_obj(obj, "spec.jobTemplate.spec.template");
    return NULL;
}

/* json_equal(), with two absent values equal */
static bool same(const json_t *a, const json_t *b)
{
    return (!a && !b) || (a && b && json_equal(a, b));
}

/* Updates that cannot change what the checks see are not evaluated again
 * (pods' specs are immutable but for images). */
static bool significant_pod_update(const json_t *pod, const json_t *old)
{
    static const char *const lists[] = { "containers", "initContainers" };
    const char *key = "seccomp.security.alpha.kubernetes.io/pod";
    json_t *na = json_object_get(gt_kobj_obj(pod, "metadata.annotations"), key);
    json_t *oa = json_object_get(gt_kobj_obj(old, "metadata.annotations"), key);
    if (!same(na, oa))
        return true;
    for (int l = 0; l < 2; l++) {
        json_t *a = gt_kobj_arr(gt_kobj_obj(pod, "spec"), lists[l]);
        json_t *b = gt_kobj_arr(gt_kobj_obj(old, "spec"), lists[l]);
        if (json_array_size(a) != json_array_size(b))
            return true;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!same(gt_kobj_get(json_array_get(a, i), "image"),
                      gt_kobj_get(json_array_get(b, i), "image")))
                return true;
    }
    return false;
}

static int psa_validate(const struct gt_kadm_plugin *p, const struct gt_kadm_attrs *a,
                        struct gt_kadm_result *r)
{
    (void)p;
    if ((a->op != GT_KADM_CREATE && a->op != GT_KADM_UPDATE) || !json_is_object(a->obj))
        return 0;
    if (gt_kadm_core(a, "namespaces") && gt_kadm_main(a))
        return validate_namespace(a, r);
    if (!a->namespace || !*a->namespace)
        return 0;
    bool pod = gt_kadm_core(a, "pods");
    const json_t *meta = NULL, *spec = NULL;
    if (pod) {
        if (!gt_kadm_main(a) && !gt_kadm_is(a->subresource, "ephemeralcontainers"))
            return 0;
        if (a->op == GT_KADM_UPDATE && gt_kadm_main(a) && a->old &&
            !significant_pod_update(a->obj, a->old))
            return 0;
        meta = gt_kobj_obj(a->obj, "metadata");
        spec = gt_kobj_obj(a->obj, "spec");
    } else {
        if (!gt_kadm_main(a))
            return 0;
        const json_t *tmpl = pod_template(a, a->obj);
        if (!tmpl)
            return 0;
        if (a->op == GT_KADM_UPDATE && a->old && same(tmpl, pod_template(a, a->old)))
            return 0;
        meta = gt_kobj_obj(tmpl, "metadata");
        spec = gt_kobj_obj(tmpl, "spec");
    }
    json_t *ns = gt_klister_get(a->lister, "namespaces", "", a->namespace);
    json_t *labels = gt_kobj_obj(ns, "metadata.labels");
    struct policy enforce, warnp;
    policy_of(labels, "enforce", &enforce);
    policy_of(labels, "warn", &warnp);
    bool warn_set = has_label(labels, "warn");
    if (ns)
        json_decref(ns);
    cleanup_free char *ev = evaluate(enforce.level, enforce.minor, meta, spec);
    cleanup_free char *wv = NULL;
    bool same = warnp.level == enforce.level && warnp.minor == enforce.minor;
    if (warn_set && !same)
        wv = evaluate(warnp.level, warnp.minor, meta, spec);
    if (pod) {
        if (ev) {
            cleanup_free char *msg = gt_xasprintf("violates PodSecurity \"%s\": %s", enforce.name,
                                                  ev);
            r->status = gt_kadm_forbidden(a, msg);
            return -EACCES;
        }
    } else if (ev)
        warn(r, "would violate PodSecurity \"%s\": %s", enforce.name, ev);
    if (wv)
        warn(r, "would violate PodSecurity \"%s\": %s", warnp.name, wv);
    return 0;
}

const struct gt_kadm_plugin gt_kadm_pod_security = {
    .name = "PodSecurity",
    .validate = psa_validate,
};
