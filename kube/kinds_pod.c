/* Pod specs: the merge schema, defaults and validation shared by Pods and
 * every pod template (Deployments, ReplicaSets, StatefulSets, DaemonSets,
 * Jobs, CronJobs), and the Pod kind itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "kube/kinds_internal.h"
#include "kube/quantity.h"

/* ---- schema ---- */

static const struct gt_ktype container_ports = {
    .kind = GT_KT_LIST, .list = GT_KLIST_MAP, .smp_merge = true,
    .keys = { "containerPort", "protocol" }, .key_defaults = { NULL, "TCP" },
};
static const struct gt_ktype by_name = GT_KLIST_BY(NULL, "name");
static const struct gt_ktype by_mount_path = GT_KLIST_BY(NULL, "mountPath");
static const struct gt_ktype by_device_path = GT_KLIST_BY(NULL, "devicePath");
/* resources.claims: a map for apply, replaced by a strategic merge patch */
static const struct gt_ktype claims = { .kind = GT_KT_LIST, .list = GT_KLIST_MAP,
                                        .keys = { "name" } };
static const struct gt_ktype resources = GT_KSTRUCT(
    { "claims", &claims }, { "limits", &gt_ktype_map }, { "requests", &gt_ktype_map });

static const struct gt_ktype container = GT_KSTRUCT(
    { "ports", &container_ports }, { "env", &by_name }, { "volumeMounts", &by_mount_path },
    { "volumeDevices", &by_device_path }, { "resources", &resources });
static const struct gt_ktype containers = GT_KLIST_BY(&container, "name");
static const struct gt_ktype host_aliases = GT_KLIST_BY(NULL, "ip");
static const struct gt_ktype spread = {
    .kind = GT_KT_LIST, .list = GT_KLIST_MAP, .smp_merge = true,
    .keys = { "topologyKey", "whenUnsatisfiable" },
};

const struct gt_ktype gt_ktype_pod_spec = GT_KSTRUCT(
    { "volumes", &by_name }, { "initContainers", &containers }, { "containers", &containers },
    { "ephemeralContainers", &containers }, { "imagePullSecrets", &by_name },
    { "hostAliases", &host_aliases }, { "topologySpreadConstraints", &spread },
    { "schedulingGates", &by_name }, { "resourceClaims", &by_name },
    { "nodeSelector", &gt_ktype_atomic_map });

const struct gt_ktype gt_ktype_pod_template =
    GT_KSTRUCT({ "metadata", &gt_ktype_object_meta }, { "spec", &gt_ktype_pod_spec });

static const struct gt_ktype by_ip = GT_KLIST_BY(NULL, "ip");
static const struct gt_ktype pod_status = GT_KSTRUCT(
    { "conditions", &gt_ktype_conditions }, { "podIPs", &by_ip }, { "hostIPs", &by_ip });
static const struct gt_ktype pod_schema =
    GT_KSTRUCT({ "metadata", &gt_ktype_object_meta }, { "spec", &gt_ktype_pod_spec },
               { "status", &pod_status });

/* ---- defaults ---- */

/* The image's tag as the container runtime reads it: "" with a digest,
 * "latest" when there is none. */
static const char *image_tag(const char *image, char *buf, size_t n)
{
    if (strchr(image, '@'))
        return "";
    const char *slash = strrchr(image, '/');
    const char *colon = strrchr(image, ':');
    if (!colon || (slash && colon < slash))
        return "latest";
    snprintf(buf, n, "%s", colon + 1);
    return buf;
}

static void default_probe(json_t *c, const char *name)
{
    json_t *p = gt_kobj_obj(c, name);
    if (!p)
        return;
    gt_kd_int(p, "timeoutSeconds", 1);
    gt_kd_int(p, "periodSeconds", 10);
    gt_kd_int(p, "successThreshold", 1);
    gt_kd_int(p, "failureThreshold", 3);
    json_t *h = gt_kobj_obj(p, "httpGet");
    if (h) {
        gt_kd_str(h, "path", "/");
        gt_kd_str(h, "scheme", "HTTP");
    }
}

static void default_lifecycle_handler(json_t *c, const char *path)
{
    json_t *h = gt_kobj_obj(c, path);
    if (h) {
        gt_kd_str(h, "path", "/");
        gt_kd_str(h, "scheme", "HTTP");
    }
}

static void default_container(json_t *c)
{
    if (!json_is_object(c))
        return;
    const char *image = gt_kobj_str(c, "image", "");
    char buf[256];
    if (!gt_kobj_str(c, "imagePullPolicy", "")[0])
        gt_kobj_set_new(c, "imagePullPolicy",
                        json_string(strcmp(image_tag(image, buf, sizeof buf), "latest") == 0
                                        ? "Always"
                                        : "IfNotPresent"));
    gt_kd_str(c, "terminationMessagePath", "/dev/termination-log");
    gt_kd_str(c, "terminationMessagePolicy", "File");
    if (!gt_kobj_has(c, "resources") || json_is_null(gt_kobj_get(c, "resources")))
        gt_kobj_set_new(c, "resources", json_object());
    gt_kd_each_str(c, "ports", "protocol", "TCP");
    json_t *env = gt_kobj_arr(c, "env");
    size_t i;
    json_t *ev;
    json_array_foreach(env, i, ev) {
        json_t *fr = gt_kobj_obj(ev, "valueFrom.fieldRef");
        if (fr)
            gt_kd_str(fr, "apiVersion", "v1");
    }
    default_probe(c, "livenessProbe");
    default_probe(c, "readinessProbe");
    default_probe(c, "startupProbe");
    default_lifecycle_handler(c, "lifecycle.postStart.httpGet");
    default_lifecycle_handler(c, "lifecycle.preStop.httpGet");
}

static const char *const volume_sources[] = {
    "emptyDir", "hostPath", "gitRepo", "gcePersistentDisk", "awsElasticBlockStore", "secret",
    "nfs", "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder",
    "cephfs", "flocker", "downwardAPI", "fc", "azureFile", "configMap", "vsphereVolume",
    "quobyte", "azureDisk", "photonPersistentDisk", "projected", "portworxVolume", "scaleIO",
    "storageos", "csi", "ephemeral", "image", NULL,
};

static void default_volume(json_t *v)
{
    if (!json_is_object(v))
        return;
    bool any = false;
    for (size_t i = 0; volume_sources[i]; i++)
        if (gt_kobj_has(v, volume_sources[i]) && !json_is_null(gt_kobj_get(v, volume_sources[i])))
            any = true;
    if (!any)
        gt_kobj_set_new(v, "emptyDir", json_object());
    static const char *const with_mode[] = { "secret", "configMap", "downwardAPI", "projected" };
    for (size_t i = 0; i < sizeof with_mode / sizeof with_mode[0]; i++) {
        json_t *s = gt_kobj_obj(v, with_mode[i]);
        if (s)
            gt_kd_int(s, "defaultMode", 0644);
    }
    json_t *hp = gt_kobj_obj(v, "hostPath");
    if (hp)
        gt_kd_str(hp, "type", "");
    size_t i;
    json_t *src;
    json_array_foreach(gt_kobj_arr(v, "projected.sources"), i, src) {
        json_t *sat = gt_kobj_obj(src, "serviceAccountToken");
        if (sat)
            gt_kd_int(sat, "expirationSeconds", 3600);
    }
}

void gt_kpod_default_spec(json_t *spec)
{
    if (!json_is_object(spec))
        return;
    gt_kd_str(spec, "dnsPolicy", "ClusterFirst");
    gt_kd_str(spec, "restartPolicy", "Always");
    if (!gt_kobj_has(spec, "securityContext") || json_is_null(gt_kobj_get(spec, "securityContext")))
        gt_kobj_set_new(spec, "securityContext", json_object());
    gt_kd_int(spec, "terminationGracePeriodSeconds", 30);
    gt_kd_str(spec, "schedulerName", "default-scheduler");
    static const char *const lists[] = { "containers", "initContainers" };
    for (size_t l = 0; l < 2; l++) {
        json_t *a = gt_kobj_arr(spec, lists[l]);
        size_t i;
        json_t *c;
        json_array_foreach(a, i, c)
            default_container(c);
    }
    json_t *vols = gt_kobj_arr(spec, "volumes");
    size_t i;
    json_t *v;
    json_array_foreach(vols, i, v)
        default_volume(v);
}

void gt_kpod_default_template(json_t *tmpl)
{
    if (!json_is_object(tmpl))
        return;
    json_t *spec = gt_kobj_obj(tmpl, "spec");
    if (spec)
        gt_kpod_default_spec(spec);
}

/* QoS class from cpu and memory requests and limits (requests already
 * defaulted to limits). */
static const char *qos_class(const json_t *spec)
{
    bool any = false, guaranteed = true;
    static const char *const lists[] = { "containers", "initContainers" };
    static const char *const res[] = { "cpu", "memory" };
    for (size_t l = 0; l < 2; l++) {
        json_t *a = gt_kobj_arr(spec, lists[l]);
        size_t i;
        json_t *c;
        json_array_foreach(a, i, c) {
            for (size_t r = 0; r < 2; r++) {
                json_t *req = json_object_get(gt_kobj_obj(c, "resources.requests"), res[r]);
                json_t *lim = json_object_get(gt_kobj_obj(c, "resources.limits"), res[r]);
                struct gt_kq qr, ql;
                bool have_r = req && gt_kq_from_json(req, &qr, NULL) == 0 && !gt_kq_is_zero(&qr);
                bool have_l = lim && gt_kq_from_json(lim, &ql, NULL) == 0 && !gt_kq_is_zero(&ql);
                if (have_r || have_l)
                    any = true;
                if (!have_l || !have_r || gt_kq_cmp(&qr, &ql) != 0)
                    guaranteed = false;
            }
        }
    }
    if (!any)
        return "BestEffort";
    return guaranteed ? "Guaranteed" : "Burstable";
}

static void pod_defaults(json_t *pod)
{
    json_t *spec = gt_kobj_ensure(pod, "spec");
    if (!spec)
        return;
    gt_kpod_default_spec(spec);
    /* Pods only (not templates): requests default to limits, service links,
     * host ports on the host network; and what the admission plugins that
     * every cluster runs add (service account, NoExecute tolerations for
     * not-ready and unreachable nodes; the Priority plugin sets priority). */
    static const char *const lists[] = { "containers", "initContainers" };
    bool host_net = gt_kobj_bool(spec, "hostNetwork", false);
    for (size_t l = 0; l < 2; l++) {
        json_t *a = gt_kobj_arr(spec, lists[l]);
        size_t i;
        json_t *c;
        json_array_foreach(a, i, c) {
            json_t *lim = gt_kobj_obj(c, "resources.limits");
            if (lim && json_object_size(lim)) {
                json_t *req = gt_kobj_ensure(c, "resources.requests");
                const char *k;
                json_t *v;
                json_object_foreach(lim, k, v) {
                    if (req && !json_object_get(req, k))
                        json_object_set(req, k, v);
                }
            }
            if (host_net) {
                json_t *ports = gt_kobj_arr(c, "ports");
                size_t p;
                json_t *port;
                json_array_foreach(ports, p, port) {
                    json_t *cp = gt_kobj_get(port, "containerPort");
                    if (json_is_integer(cp) && !gt_kobj_int(port, "hostPort", 0))
                        json_object_set(port, "hostPort", cp);
                }
            }
        }
    }
    gt_kd_bool(spec, "enableServiceLinks", true);
    gt_kd_str(spec, "serviceAccountName", "default");
    gt_kd_str(spec, "serviceAccount", gt_kobj_str(spec, "serviceAccountName", "default"));
    json_t *tol = gt_kobj_arr(spec, "tolerations");
    if (!tol && !gt_kobj_has(spec, "tolerations")) {
        tol = json_array();
        gt_kobj_set_new(spec, "tolerations", tol);
    }
    static const char *const taints[] = { "node.kubernetes.io/not-ready",
                                          "node.kubernetes.io/unreachable" };
    for (size_t t = 0; tol && t < 2; t++) {
        bool have = false;
        size_t i;
        json_t *x;
        json_array_foreach(tol, i, x) {
            const char *key = gt_kobj_str(x, "key", "");
            const char *eff = gt_kobj_str(x, "effect", "");
            if ((strcmp(key, taints[t]) == 0 || !key[0]) && (!eff[0] || strcmp(eff, "NoExecute") == 0))
                have = true;
        }
        if (!have)
            json_array_append_new(tol, json_pack("{s:s,s:s,s:s,s:i}", "key", taints[t], "operator",
                                                 "Exists", "effect", "NoExecute",
                                                 "tolerationSeconds", 300));
    }
    json_t *status = gt_kobj_ensure(pod, "status");
    if (status && !gt_kobj_str(status, "phase", "")[0]) {
        json_object_set_new(status, "phase", json_string("Pending"));
        json_object_set_new(status, "qosClass", json_string(qos_class(spec)));
    }
}

/* ---- validation ---- */

static const char *const restart_all[] = { "Always", "OnFailure", "Never", NULL };
static const char *const pull_policies[] = { "Always", "IfNotPresent", "Never", NULL };
static const char *const protocols[] = { "TCP", "UDP", "SCTP", NULL };

static void check_env(struct gt_kfe_list *e, const char *path, const json_t *c)
{
    const json_t *env = gt_kv_arr(e, path, c, "env", false);
    char *ep = gt_kp_join(path, "env");
    size_t i;
    json_t *v;
    json_array_foreach(env, i, v) {
        char *ip = gt_kp_index(ep, i);
        const char *name = gt_kv_str(e, ip, v, "name", true);
        if (name && name[0]) {
            bool ok = true;
            for (const char *p = name; *p; p++)
                if (*p < 0x20 || *p > 0x7e || *p == '=')
                    ok = false;
            if (!ok) {
                char *np = gt_kp_join(ip, "name");
                gt_kfe_invalid_str(e, np, name,
                                   "a valid environment variable name must consist only of "
                                   "printable ASCII characters other than '='");
                free(np);
            }
        }
        const char *value = gt_kv_str(e, ip, v, "value", false);
        const json_t *from = gt_kv_obj(e, ip, v, "valueFrom", false);
        if (from) {
            static const char *const srcs[] = { "fieldRef", "resourceFieldRef", "configMapKeyRef",
                                                "secretKeyRef", "fileKeyRef" };
            int n = 0;
            for (size_t s = 0; s < sizeof srcs / sizeof srcs[0]; s++)
                if (json_object_get(from, srcs[s]))
                    n++;
            char *fp = gt_kp_join(ip, "valueFrom");
            if (n == 0)
                gt_kfe_invalid(e, fp, from, "must specify one of: `fieldRef`, "
                                            "`resourceFieldRef`, `configMapKeyRef` or "
                                            "`secretKeyRef`");
            else if (n > 1)
                gt_kfe_invalid(e, fp, from, "may not have more than one field specified at a time");
            if (value && value[0])
                gt_kfe_invalid(e, fp, from, "may not be specified when `value` is not empty");
            free(fp);
        }
        free(ip);
    }
    free(ep);
}

static void check_resources(struct gt_kfe_list *e, const char *path, const json_t *c)
{
    const json_t *r = gt_kv_obj(e, path, c, "resources", false);
    if (!r)
        return;
    char *rp = gt_kp_join(path, "resources");
    const json_t *lim = gt_kv_quantities(e, rp, r, "limits");
    const json_t *req = gt_kv_quantities(e, rp, r, "requests");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)req, k, v) {
        json_t *l = lim ? json_object_get(lim, k) : NULL;
        struct gt_kq qr, ql;
        if (!l || gt_kq_from_json(v, &qr, NULL) < 0 || gt_kq_from_json(l, &ql, NULL) < 0)
            continue;
        if (gt_kq_cmp(&qr, &ql) > 0) {
            char lb[GT_KQ_STR_MAX];
            char *msg = gt_xasprintf("must be less than or equal to %s limit of %s", k,
                                     gt_kq_format(&ql, lb));
            char *rq = gt_kp_join(rp, "requests");
            gt_kfe_invalid(e, rq, v, msg);
            free(rq);
            free(msg);
        }
    }
    free(rp);
}

static void check_probe(struct gt_kfe_list *e, const char *path, const json_t *c,
                        const char *name)
{
    const json_t *p = gt_kv_obj(e, path, c, name, false);
    if (!p)
        return;
    char *pp = gt_kp_join(path, name);
    static const char *const handlers[] = { "exec", "httpGet", "tcpSocket", "grpc" };
    int n = 0;
    for (size_t i = 0; i < 4; i++)
        if (json_object_get(p, handlers[i]))
            n++;
    if (n == 0)
        gt_kfe_required(e, pp, "must specify a handler type");
    else if (n > 1)
        gt_kfe_forbidden(e, pp, "may not specify more than 1 handler type");
    gt_kv_int(e, pp, p, "initialDelaySeconds", 0, INT32_MAX, false, 0);
    gt_kv_int(e, pp, p, "timeoutSeconds", 1, INT32_MAX, false, 1);
    gt_kv_int(e, pp, p, "periodSeconds", 1, INT32_MAX, false, 1);
    gt_kv_int(e, pp, p, "successThreshold", 1, INT32_MAX, false, 1);
    gt_kv_int(e, pp, p, "failureThreshold", 1, INT32_MAX, false, 1);
    const json_t *h = json_object_get(p, "httpGet");
    if (h) {
        char *hp = gt_kp_join(pp, "httpGet");
        char *port = gt_kp_join(hp, "port");
        gt_kv_int_or_port_name(e, port, json_object_get(h, "port"), true);
        static const char *const schemes[] = { "HTTP", "HTTPS", NULL };
        gt_kv_enum(e, hp, h, "scheme", schemes, false);
        free(port);
        free(hp);
    }
    const json_t *t = json_object_get(p, "tcpSocket");
    if (t) {
        char *tp = gt_kp_join(pp, "tcpSocket");
        char *port = gt_kp_join(tp, "port");
        gt_kv_int_or_port_name(e, port, json_object_get(t, "port"), true);
        free(port);
        free(tp);
    }
    free(pp);
}

static bool has_volume(const json_t *spec, const char *name)
{
    json_t *vols = gt_kobj_arr(spec, "volumes");
    size_t i;
    json_t *v;
    json_array_foreach(vols, i, v) {
        if (strcmp(gt_kobj_str(v, "name", ""), name) == 0)
            return true;
    }
    return false;
}

static void check_container(struct gt_kfe_list *e, const char *path, const json_t *c,
                            const json_t *spec, json_t *port_names)
{
    if (!json_is_object(c)) {
        gt_kfe_invalid(e, path, c, "must be an object");
        return;
    }
    const char *name = gt_kv_str(e, path, c, "name", true);
    if (name && name[0]) {
        char *np = gt_kp_join(path, "name");
        gt_kmeta_check_dns1123_label(e, np, name);
        free(np);
    }
    gt_kv_str(e, path, c, "image", true);
    gt_kv_enum(e, path, c, "imagePullPolicy", pull_policies, false);
    static const char *const tmp[] = { "File", "FallbackToLogsOnError", NULL };
    gt_kv_enum(e, path, c, "terminationMessagePolicy", tmp, false);
    static const char *const strlists[] = { "command", "args" };
    for (size_t s = 0; s < 2; s++) {
        const json_t *a = gt_kv_arr(e, path, c, strlists[s], false);
        size_t i;
        json_t *x;
        json_array_foreach(a, i, x) {
            if (!json_is_string(x)) {
                char *ap = gt_kp_join(path, strlists[s]);
                char *ip = gt_kp_index(ap, i);
                gt_kfe_add(e, GT_KFE_TYPE_INVALID, ip, x, "must be a string");
                free(ip);
                free(ap);
            }
        }
    }
    const json_t *ports = gt_kv_arr(e, path, c, "ports", false);
    char *pp = gt_kp_join(path, "ports");
    size_t i;
    json_t *p;
    json_array_foreach(ports, i, p) {
        char *ip = gt_kp_index(pp, i);
        gt_kv_int(e, ip, p, "containerPort", 1, 65535, true, 0);
        gt_kv_int(e, ip, p, "hostPort", 0, 65535, false, 0);
        gt_kv_enum(e, ip, p, "protocol", protocols, false);
        const char *pn = gt_kv_str(e, ip, p, "name", false);
        if (pn && pn[0]) {
            char *np = gt_kp_join(ip, "name");
            gt_kv_port_name(e, np, pn);
            if (json_object_get(port_names, pn))
                gt_kfe_duplicate(e, np, json_object_get(p, "name"));
            json_object_set_new(port_names, pn, json_true());
            free(np);
        }
        free(ip);
    }
    free(pp);
    check_env(e, path, c);
    check_resources(e, path, c);
    const json_t *mounts = gt_kv_arr(e, path, c, "volumeMounts", false);
    char *mp = gt_kp_join(path, "volumeMounts");
    json_t *paths = json_object();
    json_t *m;
    json_array_foreach(mounts, i, m) {
        char *ip = gt_kp_index(mp, i);
        const char *vn = gt_kv_str(e, ip, m, "name", true);
        if (vn && vn[0] && !has_volume(spec, vn)) {
            char *np = gt_kp_join(ip, "name");
            gt_kfe_add(e, GT_KFE_NOT_FOUND, np, json_object_get(m, "name"), NULL);
            free(np);
        }
        const char *mpath = gt_kv_str(e, ip, m, "mountPath", true);
        if (mpath && mpath[0]) {
            char *np = gt_kp_join(ip, "mountPath");
            if (json_object_get(paths, mpath))
                gt_kfe_invalid_str(e, np, mpath, "must be unique");
            json_object_set_new(paths, mpath, json_true());
            free(np);
        }
        free(ip);
    }
    json_decref(paths);
    free(mp);
    check_probe(e, path, c, "livenessProbe");
    check_probe(e, path, c, "readinessProbe");
    check_probe(e, path, c, "startupProbe");
}

static void check_volumes(struct gt_kfe_list *e, const char *path, const json_t *spec)
{
    const json_t *vols = gt_kv_arr(e, path, spec, "volumes", false);
    char *vp = gt_kp_join(path, "volumes");
    json_t *names = json_object();
    size_t i;
    json_t *v;
    json_array_foreach(vols, i, v) {
        char *ip = gt_kp_index(vp, i);
        const char *name = gt_kv_str(e, ip, v, "name", true);
        if (name && name[0]) {
            char *np = gt_kp_join(ip, "name");
            gt_kmeta_check_dns1123_label(e, np, name);
            if (json_object_get(names, name))
                gt_kfe_duplicate(e, np, json_object_get(v, "name"));
            json_object_set_new(names, name, json_true());
            free(np);
        }
        const char *first = NULL;
        for (size_t s = 0; volume_sources[s]; s++) {
            json_t *src = json_object_get(v, volume_sources[s]);
            if (!src || json_is_null(src))
                continue;
            if (first) {
                char *sp = gt_kp_join(ip, volume_sources[s]);
                gt_kfe_forbidden(e, sp, "may not specify more than 1 volume type");
                free(sp);
                continue;
            }
            first = volume_sources[s];
        }
        if (!first && json_is_object(v))
            gt_kfe_required(e, ip, "must specify a volume type");
        static const struct {
            const char *src, *field;
        } req[] = { { "hostPath", "path" }, { "secret", "secretName" },
                    { "configMap", "name" }, { "persistentVolumeClaim", "claimName" },
                    { "nfs", "server" }, { "nfs", "path" } };
        for (size_t r = 0; r < sizeof req / sizeof req[0]; r++) {
            const json_t *src = json_object_get(v, req[r].src);
            if (json_is_object(src)) {
                char *sp = gt_kp_join(ip, req[r].src);
                gt_kv_str(e, sp, src, req[r].field, true);
                free(sp);
            }
        }
        free(ip);
    }
    json_decref(names);
    free(vp);
}

static void check_tolerations(struct gt_kfe_list *e, const char *path, const json_t *spec)
{
    const json_t *tol = gt_kv_arr(e, path, spec, "tolerations", false);
    char *tp = gt_kp_join(path, "tolerations");
    size_t i;
    json_t *t;
    json_array_foreach(tol, i, t) {
        char *ip = gt_kp_index(tp, i);
        static const char *const ops[] = { "Exists", "Equal", NULL };
        static const char *const effects[] = { "NoSchedule", "PreferNoSchedule", "NoExecute",
                                               NULL };
        const char *op = gt_kv_enum(e, ip, t, "operator", ops, false);
        const char *eff = gt_kv_enum(e, ip, t, "effect", effects, false);
        const char *key = gt_kv_str(e, ip, t, "key", false);
        if (key && key[0]) {
            char *kp = gt_kp_join(ip, "key");
            gt_kmeta_check_qualified_name(e, kp, key);
            free(kp);
        } else if (!op || strcmp(op, "Exists") != 0) {
            char *opp = gt_kp_join(ip, "operator");
            gt_kfe_invalid_str(e, opp, op ? op : "",
                               "operator must be Exists when `key` is empty, which means \"match "
                               "all values and all keys\"");
            free(opp);
        }
        const char *val = gt_kv_str(e, ip, t, "value", false);
        if (op && strcmp(op, "Exists") == 0 && val && val[0]) {
            char *vp = gt_kp_join(ip, "value");
            gt_kfe_invalid_str(e, vp, val, "value must be empty when `operator` is 'Exists'");
            free(vp);
        }
        if (json_object_get(t, "tolerationSeconds") && (!eff || strcmp(eff, "NoExecute") != 0)) {
            char *ep = gt_kp_join(ip, "effect");
            gt_kfe_invalid_str(e, ep, eff ? eff : "",
                               "effect must be 'NoExecute' when `tolerationSeconds` is set");
            free(ep);
        }
        free(ip);
    }
    free(tp);
}

void gt_kpod_validate_spec(struct gt_kfe_list *e, const char *path, const json_t *spec,
                           const char *const *restart)
{
    if (!json_is_object(spec)) {
        if (!spec || json_is_null(spec))
            gt_kfe_required(e, path, "");
        else
            gt_kfe_invalid(e, path, spec, "must be an object");
        return;
    }
    json_t *names = json_object();
    json_t *port_names = json_object();
    check_volumes(e, path, spec);
    static const char *const lists[] = { "initContainers", "containers" };
    for (size_t l = 0; l < 2; l++) {
        const json_t *a = gt_kv_arr(e, path, spec, lists[l], l == 1);
        char *lp = gt_kp_join(path, lists[l]);
        size_t i;
        json_t *c;
        json_array_foreach(a, i, c) {
            char *ip = gt_kp_index(lp, i);
            check_container(e, ip, c, spec, port_names);
            const char *name = gt_kobj_str(c, "name", "");
            if (name[0]) {
                if (json_object_get(names, name)) {
                    char *np = gt_kp_join(ip, "name");
                    gt_kfe_duplicate(e, np, json_object_get(c, "name"));
                    free(np);
                }
                json_object_set_new(names, name, json_true());
            }
            free(ip);
        }
        free(lp);
    }
    json_decref(names);
    json_decref(port_names);
    const char *rp = gt_kobj_str(spec, "restartPolicy", NULL);
    if (rp || !restart)
        gt_kv_enum(e, path, spec, "restartPolicy", restart ? restart : restart_all, false);
    static const char *const dns[] = { "ClusterFirstWithHostNet", "ClusterFirst", "Default",
                                       "None", NULL };
    gt_kv_enum(e, path, spec, "dnsPolicy", dns, false);
    gt_kv_int(e, path, spec, "terminationGracePeriodSeconds", 0, INT64_MAX, false, 0);
    gt_kv_int(e, path, spec, "activeDeadlineSeconds", 1, INT64_MAX, false, 0);
    const json_t *ns = gt_kv_obj(e, path, spec, "nodeSelector", false);
    if (ns) {
        char *np = gt_kp_join(path, "nodeSelector");
        gt_kmeta_check_labels(e, np, ns);
        free(np);
    }
    static const char *const names_dns[] = { "serviceAccountName", "nodeName" };
    for (size_t i = 0; i < 2; i++) {
        const char *v = gt_kv_str(e, path, spec, names_dns[i], false);
        if (v && v[0]) {
            char *np = gt_kp_join(path, names_dns[i]);
            gt_kmeta_check_dns1123_subdomain(e, np, v);
            free(np);
        }
    }
    static const char *const labels_dns[] = { "hostname", "subdomain" };
    for (size_t i = 0; i < 2; i++) {
        const char *v = gt_kv_str(e, path, spec, labels_dns[i], false);
        if (v && v[0]) {
            char *np = gt_kp_join(path, labels_dns[i]);
            gt_kmeta_check_dns1123_label(e, np, v);
            free(np);
        }
    }
    check_tolerations(e, path, spec);
    const json_t *ips = gt_kv_arr(e, path, spec, "imagePullSecrets", false);
    char *ipp = gt_kp_join(path, "imagePullSecrets");
    size_t i;
    json_t *s;
    json_array_foreach(ips, i, s) {
        char *ip = gt_kp_index(ipp, i);
        gt_kv_str(e, ip, s, "name", true);
        free(ip);
    }
    free(ipp);
    gt_kv_bool(e, path, spec, "hostNetwork");
    gt_kv_bool(e, path, spec, "hostPID");
    gt_kv_bool(e, path, spec, "hostIPC");
}

void gt_kpod_validate_template(struct gt_kfe_list *e, const char *path, const json_t *tmpl,
                               const char *const *restart)
{
    if (!json_is_object(tmpl)) {
        if (!tmpl || json_is_null(tmpl))
            gt_kfe_required(e, path, "");
        else
            gt_kfe_invalid(e, path, tmpl, "must be an object");
        return;
    }
    char *mp = gt_kp_join(path, "metadata");
    char *lp = gt_kp_join(mp, "labels");
    gt_kmeta_check_labels(e, lp, gt_kobj_get(tmpl, "metadata.labels"));
    char *ap = gt_kp_join(mp, "annotations");
    gt_kmeta_check_annotations(e, ap, gt_kobj_get(tmpl, "metadata.annotations"));
    char *sp = gt_kp_join(path, "spec");
    gt_kpod_validate_spec(e, sp, gt_kobj_get(tmpl, "spec"), restart);
    free(sp);
    free(ap);
    free(lp);
    free(mp);
}

static void blank_mutable(json_t *spec)
{
    json_object_del(spec, "activeDeadlineSeconds");
    json_object_del(spec, "tolerations");
    json_object_del(spec, "terminationGracePeriodSeconds");
    static const char *const lists[] = { "containers", "initContainers" };
    for (size_t l = 0; l < 2; l++) {
        json_t *a = gt_kobj_arr(spec, lists[l]);
        size_t i;
        json_t *c;
        json_array_foreach(a, i, c) {
            if (json_is_object(c))
                json_object_del(c, "image");
        }
    }
}

static void pod_validate(const json_t *pod, const json_t *old, struct gt_kfe_list *e)
{
    gt_kpod_validate_spec(e, "spec", gt_kobj_get(pod, "spec"), NULL);
    if (!old)
        return;
    json_t *a = json_deep_copy(gt_kobj_obj(pod, "spec"));
    json_t *b = json_deep_copy(gt_kobj_obj(old, "spec"));
    if (a && b) {
        blank_mutable(a);
        blank_mutable(b);
        if (!json_equal(a, b))
            gt_kfe_forbidden(e, "spec",
                             "pod updates may not change fields other than "
                             "`spec.containers[*].image`,`spec.initContainers[*].image`,"
                             "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to "
                             "existing tolerations),`spec.terminationGracePeriodSeconds` (allow "
                             "it to be set to 1 if it was previously negative)");
    }
    json_decref(a);
    json_decref(b);
}

/* ---- table ---- */

static const struct gt_kcolumn pod_columns[] = {
    GT_KCOL_NAME,
    { "Ready", "string", "", "The aggregate readiness state of this pod for accepting traffic.", 0 },
    { "Status", "string", "", "The aggregate status of the containers in this pod.", 0 },
    { "Restarts", "string", "",
      "The number of times the containers in this pod have been restarted and when the last "
      "container in this pod has restarted.",
      0 },
    GT_KCOL_AGE,
    { "IP", "string", "", "IP address allocated to the pod.", 1 },
    { "Node", "string", "", "The node the pod is scheduled onto.", 1 },
    { "Nominated Node", "string", "", "The node the scheduler nominated for the pod.", 1 },
    { "Readiness Gates", "string", "", "Readiness gates of the pod that are true.", 1 },
    { 0 },
};

static bool restartable_init(const json_t *spec, const char *name)
{
    json_t *a = gt_kobj_arr(spec, "initContainers");
    size_t i;
    json_t *c;
    json_array_foreach(a, i, c) {
        if (strcmp(gt_kobj_str(c, "name", ""), name) == 0)
            return strcmp(gt_kobj_str(c, "restartPolicy", ""), "Always") == 0;
    }
    return false;
}

/* Later of two RFC 3339 times (lexical order works for UTC 'Z' times;
 * parse to be safe). */
static const char *later(const char *a, const char *b)
{
    struct timespec ta, tb;
    if (!b || gt_kmeta_time_parse(b, &tb, NULL) < 0)
        return a;
    if (!a || gt_kmeta_time_parse(a, &ta, NULL) < 0)
        return b;
    return tb.tv_sec > ta.tv_sec ? b : a;
}

static void pod_cells(const json_t *pod, int64_t now, json_t *cells)
{
    const json_t *spec = gt_kobj_obj(pod, "spec");
    const json_t *status = gt_kobj_obj(pod, "status");
    int restarts = 0, ri_restarts = 0, ready = 0;
    int total = (int)gt_kobj_len(spec, "containers");
    const char *last_restart = NULL, *ri_last_restart = NULL;
    const char *phase = gt_kobj_str(status, "phase", "");
    char reason_buf[128];
    const char *reason = phase;
    if (gt_kobj_str(status, "reason", "")[0])
        reason = gt_kobj_str(status, "reason", "");
    json_t *conds = gt_kobj_arr(status, "conditions");
    size_t i;
    json_t *c;
    json_array_foreach(conds, i, c) {
        if (strcmp(gt_kobj_str(c, "type", ""), "PodScheduled") == 0 &&
            strcmp(gt_kobj_str(c, "reason", ""), "SchedulingGated") == 0)
            reason = "SchedulingGated";
    }
    json_t *inits = gt_kobj_arr(spec, "initContainers");
    json_array_foreach(inits, i, c) {
        if (strcmp(gt_kobj_str(c, "restartPolicy", ""), "Always") == 0)
            total++;
    }
    bool initializing = false;
    json_t *ics = gt_kobj_arr(status, "initContainerStatuses");
    size_t n_init = gt_kobj_len(spec, "initContainers");
    json_array_foreach(ics, i, c) {
        int rc = (int)gt_kobj_int(c, "restartCount", 0);
        restarts += rc;
        const char *fin = gt_kobj_str(c, "lastState.terminated.finishedAt", NULL);
        last_restart = later(last_restart, fin);
        bool ri = restartable_init(spec, gt_kobj_str(c, "name", ""));
        if (ri) {
            ri_restarts += rc;
            ri_last_restart = later(ri_last_restart, fin);
        }
        json_t *term = gt_kobj_obj(c, "state.terminated");
        json_t *wait = gt_kobj_obj(c, "state.waiting");
        if (term && gt_kobj_int(term, "exitCode", 0) == 0)
            continue;
        if (ri && gt_kobj_bool(c, "started", false)) {
            if (gt_kobj_bool(c, "ready", false))
                ready++;
            continue;
        }
        if (term) {
            const char *tr = gt_kobj_str(term, "reason", "");
            if (!tr[0]) {
                if (gt_kobj_int(term, "signal", 0))
                    snprintf(reason_buf, sizeof reason_buf, "Init:Signal:%lld",
                             (long long)gt_kobj_int(term, "signal", 0));
                else
                    snprintf(reason_buf, sizeof reason_buf, "Init:ExitCode:%lld",
                             (long long)gt_kobj_int(term, "exitCode", 0));
            } else {
                snprintf(reason_buf, sizeof reason_buf, "Init:%s", tr);
            }
        } else if (wait && gt_kobj_str(wait, "reason", "")[0] &&
                   strcmp(gt_kobj_str(wait, "reason", ""), "PodInitializing") != 0) {
            snprintf(reason_buf, sizeof reason_buf, "Init:%s", gt_kobj_str(wait, "reason", ""));
        } else {
            snprintf(reason_buf, sizeof reason_buf, "Init:%zu/%zu", i, n_init);
        }
        reason = reason_buf;
        initializing = true;
        break;
    }
    const char *init_cond = gt_kc_condition(pod, "status.conditions", "Initialized");
    if (!initializing || (init_cond && strcmp(init_cond, "True") == 0)) {
        restarts = ri_restarts;
        last_restart = ri_last_restart;
        bool has_running = false;
        json_t *cs = gt_kobj_arr(status, "containerStatuses");
        for (size_t k = json_array_size(cs); k-- > 0;) {
            c = json_array_get(cs, k);
            restarts += (int)gt_kobj_int(c, "restartCount", 0);
            last_restart = later(last_restart,
                                 gt_kobj_str(c, "lastState.terminated.finishedAt", NULL));
            json_t *term = gt_kobj_obj(c, "state.terminated");
            const char *wr = gt_kobj_str(c, "state.waiting.reason", "");
            if (wr[0]) {
                snprintf(reason_buf, sizeof reason_buf, "%s", wr);
                reason = reason_buf;
            } else if (term && gt_kobj_str(term, "reason", "")[0]) {
                snprintf(reason_buf, sizeof reason_buf, "%s", gt_kobj_str(term, "reason", ""));
                reason = reason_buf;
            } else if (term) {
                if (gt_kobj_int(term, "signal", 0))
                    snprintf(reason_buf, sizeof reason_buf, "Signal:%lld",
                             (long long)gt_kobj_int(term, "signal", 0));
                else
                    snprintf(reason_buf, sizeof reason_buf, "ExitCode:%lld",
                             (long long)gt_kobj_int(term, "exitCode", 0));
                reason = reason_buf;
            } else if (gt_kobj_bool(c, "ready", false) && gt_kobj_obj(c, "state.running")) {
                has_running = true;
                ready++;
            }
        }
        if (strcmp(reason, "Completed") == 0 && has_running) {
            const char *rc = gt_kc_condition(pod, "status.conditions", "Ready");
            reason = rc && strcmp(rc, "True") == 0 ? "Running" : "NotReady";
        }
    }
    bool terminal = strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0;
    if (gt_kobj_has(pod, "metadata.deletionTimestamp")) {
        if (strcmp(gt_kobj_str(status, "reason", ""), "NodeLost") == 0)
            reason = "Unknown";
        else if (!terminal)
            reason = "Terminating";
    }
    gt_kc_name(cells, pod);
    gt_kc_fmt(cells, "%d/%d", ready, total);
    gt_kc_str(cells, reason);
    if (restarts && last_restart) {
        char age[32];
        gt_kmeta_age(last_restart, now, age);
        gt_kc_fmt(cells, "%d (%s ago)", restarts, age);
    } else {
        gt_kc_fmt(cells, "%d", restarts);
    }
    gt_kc_age(cells, pod, now);
    const char *ip = gt_kobj_str(json_array_get(gt_kobj_arr(status, "podIPs"), 0), "ip", "");
    gt_kc_str(cells, ip[0] ? ip : "<none>");
    const char *node = gt_kobj_str(spec, "nodeName", "");
    gt_kc_str(cells, node[0] ? node : "<none>");
    const char *nom = gt_kobj_str(status, "nominatedNodeName", "");
    gt_kc_str(cells, nom[0] ? nom : "<none>");
    json_t *gates = gt_kobj_arr(spec, "readinessGates");
    if (json_array_size(gates)) {
        int t = 0;
        json_array_foreach(gates, i, c) {
            const char *st = gt_kc_condition(pod, "status.conditions",
                                             gt_kobj_str(c, "conditionType", ""));
            if (st && strcmp(st, "True") == 0)
                t++;
        }
        gt_kc_fmt(cells, "%d/%zu", t, json_array_size(gates));
    } else {
        gt_kc_str(cells, "<none>");
    }
}

void gt_kpod_container_cells(json_t *cells, const json_t *spec)
{
    char *names = NULL, *images = NULL;
    size_t nl = 0, il = 0;
    FILE *fn = open_memstream(&names, &nl);
    FILE *fi = open_memstream(&images, &il);
    if (fn && fi) {
        json_t *a = gt_kobj_arr(spec, "containers");
        size_t i;
        json_t *c;
        json_array_foreach(a, i, c) {
            fprintf(fn, "%s%s", i ? "," : "", gt_kobj_str(c, "name", ""));
            fprintf(fi, "%s%s", i ? "," : "", gt_kobj_str(c, "image", ""));
        }
    }
    if (fn)
        fclose(fn);
    if (fi)
        fclose(fi);
    gt_kc_str(cells, names ? names : "");
    gt_kc_str(cells, images ? images : "");
    free(names);
    free(images);
}

static const char *const pod_short[] = { "po", NULL };

static const struct gt_ksubresource pod_subs[] = {
    { "attach", NULL, NULL, "PodAttachOptions", GT_KVERB_CREATE | GT_KVERB_GET },
    { "binding", NULL, NULL, "Binding", GT_KVERB_CREATE },
    { "ephemeralcontainers", NULL, NULL, NULL, GT_KVERBS_GPU },
    { "eviction", "policy", "v1", "Eviction", GT_KVERB_CREATE },
    { "exec", NULL, NULL, "PodExecOptions", GT_KVERB_CREATE | GT_KVERB_GET },
    { "log", NULL, NULL, NULL, GT_KVERB_GET },
    { "portforward", NULL, NULL, "PodPortForwardOptions", GT_KVERB_CREATE | GT_KVERB_GET },
    { "proxy", NULL, NULL, "PodProxyOptions",
      GT_KVERB_CREATE | GT_KVERB_DELETE | GT_KVERB_GET | GT_KVERB_PATCH | GT_KVERB_UPDATE },
    GT_KSUB_STATUS,
    { 0 },
};

static const struct gt_kfsel_field pod_fields[] = {
    { "spec.nodeName", NULL },         { "spec.restartPolicy", NULL },
    { "spec.schedulerName", NULL },    { "spec.serviceAccountName", NULL },
    { "spec.hostNetwork", NULL },      { "status.phase", NULL },
    { "status.podIP", NULL },          { "status.nominatedNodeName", NULL },
    { NULL, NULL },
};

const struct gt_kind gt_kind_pod = {
    .group = "", .version = "v1", .kind = "Pod", .resource = "pods", .singular = "pod",
    .namespaced = true, .short_names = pod_short, .categories = gt_kcat_all,
    .verbs = GT_KVERBS_ALL, .subresources = pod_subs, .name_rule = GT_KNAME_SUBDOMAIN,
    .flags = GT_KIND_STATUS, .schema = &pod_schema, .defaults = pod_defaults,
    .validate = pod_validate, .columns = pod_columns, .cells = pod_cells, .fields = pod_fields,
    .shape = &gt_kshape_pod,
};
