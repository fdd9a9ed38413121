/* core/v1: namespaces, nodes, events, configmaps, secrets, serviceaccounts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "base/mem.h"
#include "kube/kinds_internal.h"
#include "kube/quantity.h"

#define MAX_CONFIG_SIZE (1024 * 1024)

static const struct gt_ktype data_schema =
    GT_KSTRUCT({ "metadata", &gt_ktype_object_meta }, { "data", &gt_ktype_map },
               { "binaryData", &gt_ktype_map }, { "stringData", &gt_ktype_map });

/* ---- namespaces ---- */

static void namespace_defaults(json_t *ns)
{
    const char *name = gt_kobj_name(ns);
    if (name[0]) {
        json_t *labels = gt_kobj_ensure(ns, "metadata.labels");
        if (labels)
            json_object_set_new(labels, "kubernetes.io/metadata.name", json_string(name));
    }
    if (!gt_kobj_has(ns, "spec.finalizers"))
        gt_kobj_set_new(ns, "spec.finalizers", json_pack("[s]", "kubernetes"));
    gt_kd_str(ns, "status.phase", "Active");
}

static void namespace_validate(const json_t *ns, const json_t *old, struct gt_kfe_list *e)
{
    const json_t *spec = gt_kv_obj(e, "", ns, "spec", false);
    const json_t *fin = gt_kv_arr(e, "spec", spec, "finalizers", false);
    size_t i;
    json_t *f;
    json_array_foreach(fin, i, f) {
        char *p = gt_kp_index("spec.finalizers", i);
        if (!json_is_string(f))
            gt_kfe_invalid(e, p, f, "must be a string");
        else
            gt_kmeta_check_qualified_name(e, p, json_string_value(f));
        free(p);
    }
    static const char *const phases[] = { "Active", "Terminating", NULL };
    gt_kv_enum(e, "status", gt_kobj_get(ns, "status"), "phase", phases, false);
    (void)old;
}

static const struct gt_kcolumn namespace_columns[] = {
    GT_KCOL_NAME,
    { "Status", "string", "", "The status of the namespace", 0 },
    GT_KCOL_AGE,
    { 0 },
};

static void namespace_cells(const json_t *ns, int64_t now, json_t *cells)
{
    gt_kc_name(cells, ns);
    gt_kc_str(cells, gt_kobj_str(ns, "status.phase", ""));
    gt_kc_age(cells, ns, now);
}

static const char *const namespace_short[] = { "ns", NULL };
static const struct gt_ksubresource namespace_subs[] = {
    { "finalize", NULL, NULL, NULL, GT_KVERB_UPDATE },
    GT_KSUB_STATUS,
    { 0 },
};
static const struct gt_kfsel_field namespace_fields[] = { { "status.phase", NULL }, { 0 } };
static const struct gt_ktype namespace_status = GT_KSTRUCT({ "conditions", &gt_ktype_conditions });
static const struct gt_ktype namespace_schema =
    GT_KSTRUCT({ "metadata", &gt_ktype_object_meta }, { "status", &namespace_status });

const struct gt_kind gt_kind_namespace = {
    .group = "", .version = "v1", .kind = "Namespace", .resource = "namespaces",
    .singular = "namespace", .namespaced = false, .short_names = namespace_short,
    .verbs = GT_KVERBS_ALL & ~GT_KVERB_DELETECOLLECTION, .subresources = namespace_subs,
    .name_rule = GT_KNAME_LABEL, .flags = GT_KIND_STATUS, .schema = &namespace_schema,
    .defaults = namespace_defaults, .validate = namespace_validate,
    .columns = namespace_columns, .cells = namespace_cells, .fields = namespace_fields,
    .shape = &gt_kshape_namespace,
};

/* ---- nodes ---- */

static void node_defaults(json_t *node)
{
    json_t *cap = gt_kobj_obj(node, "status.capacity");
    if (cap && !gt_kobj_has(node, "status.allocatable"))
        gt_kobj_set_new(node, "status.allocatable", json_deep_copy(cap));
}

static void node_validate(const json_t *node, const json_t *old, struct gt_kfe_list *e)
{
    const json_t *spec = gt_kv_obj(e, "", node, "spec", false);
    const char *cidr = gt_kv_str(e, "spec", spec, "podCIDR", false);
    if (cidr && cidr[0] && !gt_kv_is_cidr(cidr))
        gt_kfe_invalid_str(e, "spec.podCIDR", cidr, "must be a valid CIDR");
    const json_t *cidrs = gt_kv_arr(e, "spec", spec, "podCIDRs", false);
    size_t i;
    json_t *c;
    json_array_foreach(cidrs, i, c) {
        char *p = gt_kp_index("spec.podCIDRs", i);
        if (!json_is_string(c) || !gt_kv_is_cidr(json_string_value(c)))
            gt_kfe_invalid(e, p, c, "must be a valid CIDR");
        free(p);
    }
    gt_kv_bool(e, "spec", spec, "unschedulable");
    const json_t *taints = gt_kv_arr(e, "spec", spec, "taints", false);
    json_t *t;
    json_array_foreach(taints, i, t) {
        char *p = gt_kp_index("spec.taints", i);
        const char *key = gt_kv_str(e, p, t, "key", true);
        if (key && key[0]) {
            char *kp = gt_kp_join(p, "key");
            gt_kmeta_check_qualified_name(e, kp, key);
            free(kp);
        }
        static const char *const effects[] = { "NoSchedule", "PreferNoSchedule", "NoExecute",
                                               NULL };
        gt_kv_enum(e, p, t, "effect", effects, true);
        const char *v = gt_kv_str(e, p, t, "value", false);
        if (v && v[0]) {
            char *vp = gt_kp_join(p, "value");
            gt_kmeta_check_label_value(e, vp, v);
            free(vp);
        }
        free(p);
    }
    const json_t *status = gt_kv_obj(e, "", node, "status", false);
    gt_kv_quantities(e, "status", status, "capacity");
    gt_kv_quantities(e, "status", status, "allocatable");
    (void)old;
}

static const struct gt_kcolumn node_columns[] = {
    GT_KCOL_NAME,
    { "Status", "string", "", "The status of the node", 0 },
    { "Roles", "string", "", "The roles of the node", 0 },
    GT_KCOL_AGE,
    { "Version", "string", "", "Kubelet Version reported by the node.", 0 },
    { "Internal-IP", "string", "", "List of addresses reachable to the node.", 1 },
    { "External-IP", "string", "", "List of addresses reachable to the node.", 1 },
    { "OS-Image", "string", "", "OS Image reported by the node.", 1 },
    { "Kernel-Version", "string", "", "Kernel Version reported by the node.", 1 },
    { "Container-Runtime", "string", "", "Container runtime version reported by the node.", 1 },
    { 0 },
};

static const char *node_address(const json_t *node, const char *type)
{
    json_t *a = gt_kobj_arr(node, "status.addresses");
    size_t i;
    json_t *x;
    json_array_foreach(a, i, x) {
        if (strcmp(gt_kobj_str(x, "type", ""), type) == 0)
            return gt_kobj_str(x, "address", "");
    }
    return "<none>";
}

static void node_cells(const json_t *node, int64_t now, json_t *cells)
{
    gt_kc_name(cells, node);
    const char *ready = gt_kc_condition(node, "status.conditions", "Ready");
    char status[64];
    snprintf(status, sizeof status, "%s",
             !ready ? "Unknown" : strcmp(ready, "True") == 0 ? "Ready" : "NotReady");
    if (gt_kobj_bool(node, "spec.unschedulable", false))
        strncat(status, ",SchedulingDisabled", sizeof status - strlen(status) - 1);
    gt_kc_str(cells, status);
    /* roles: node-role.kubernetes.io/<role> labels, or kubernetes.io/role=<role> */
    char **roles = NULL;
    const char *k;
    json_t *v;
    json_object_foreach(gt_kobj_obj(node, "metadata.labels"), k, v) {
        const char *prefix = "node-role.kubernetes.io/";
        if (strncmp(k, prefix, strlen(prefix)) == 0 && k[strlen(prefix)])
            gt_strv_push(&roles, k + strlen(prefix));
        else if (strcmp(k, "kubernetes.io/role") == 0 && json_is_string(v) &&
                 json_string_length(v))
            gt_strv_push(&roles, json_string_value(v));
    }
    size_t n = gt_strv_len(roles);
    if (n) {
        qsort(roles, n, sizeof *roles, gt_kstrcmp);
        char buf[512] = "";
        for (size_t i = 0; i < n; i++) {
            if (i && strcmp(roles[i], roles[i - 1]) == 0)
                continue;
            if (buf[0])
                strncat(buf, ",", sizeof buf - strlen(buf) - 1);
            strncat(buf, roles[i], sizeof buf - strlen(buf) - 1);
        }
        gt_kc_str(cells, buf);
    } else {
        gt_kc_str(cells, "<none>");
    }
    gt_strv_free(roles);
    gt_kc_age(cells, node, now);
    gt_kc_str(cells, gt_kobj_str(node, "status.nodeInfo.kubeletVersion", ""));
    gt_kc_str(cells, node_address(node, "InternalIP"));
    gt_kc_str(cells, node_address(node, "ExternalIP"));
    static const char *const info[] = { "status.nodeInfo.osImage", "status.nodeInfo.kernelVersion",
                                        "status.nodeInfo.containerRuntimeVersion" };
    for (size_t i = 0; i < 3; i++) {
        const char *s = gt_kobj_str(node, info[i], "");
        gt_kc_str(cells, s[0] ? s : "<unknown>");
    }
}

static const char *const node_short[] = { "no", NULL };
static const struct gt_ksubresource node_subs[] = {
    { "proxy", NULL, NULL, "NodeProxyOptions",
      GT_KVERB_CREATE | GT_KVERB_DELETE | GT_KVERB_GET | GT_KVERB_PATCH | GT_KVERB_UPDATE },
    GT_KSUB_STATUS,
    { 0 },
};
static const struct gt_kfsel_field node_fields[] = { { "spec.unschedulable", NULL }, { 0 } };
static const struct gt_ktype node_spec = GT_KSTRUCT({ "podCIDRs", &gt_ktype_string_set });
static const struct gt_ktype node_status = GT_KSTRUCT(
    { "conditions", &gt_ktype_conditions }, { "addresses", &gt_ktype_conditions });
static const struct gt_ktype node_schema =
    GT_KSTRUCT({ "metadata", &gt_ktype_object_meta }, { "spec", &node_spec },
               { "status", &node_status });

const struct gt_kind gt_kind_node = {
    .group = "", .version = "v1", .kind = "Node", .resource = "nodes", .singular = "node",
    .namespaced = false, .short_names = node_short, .verbs = GT_KVERBS_ALL,
    .subresources = node_subs, .name_rule = GT_KNAME_SUBDOMAIN, .flags = GT_KIND_STATUS,
    .schema = &node_schema, .defaults = node_defaults, .validate = node_validate,
    .columns = node_columns, .cells = node_cells, .fields = node_fields,
    .shape = &gt_kshape_node,
};

/* ---- events ---- */

static void event_validate(const json_t *ev, const json_t *old, struct gt_kfe_list *e)
{
    const json_t *io = gt_kv_obj(e, "", ev, "involvedObject", false);
    const char *ns = gt_kobj_namespace(ev);
    const char *ions = gt_kv_str(e, "involvedObject", io, "namespace", false);
    if (ions && ions[0] && strcmp(ions, ns) != 0)
        gt_kfe_invalid_str(e, "involvedObject.namespace", ions, "does not match event.namespace");
    static const char *const types[] = { "Normal", "Warning", NULL };
    const char *type = gt_kobj_str(ev, "type", "");
    if (type[0] && gt_kobj_str(ev, "reportingController", "")[0])
        gt_kv_enum(e, "", ev, "type", types, false);
    gt_kv_int(e, "", ev, "count", 0, INT32_MAX, false, 0);
    (void)old;
}

static const struct gt_kcolumn event_columns[] = {
    { "Last Seen", "string", "", "The time at which the most recent occurrence of this event "
                                 "was recorded.", 0 },
    { "Type", "string", "", "Type of this event (Normal, Warning).", 0 },
    { "Reason", "string", "", "Short, machine understandable reason for the transition.", 0 },
    { "Object", "string", "", "The object that this event is about.", 0 },
    { "Subobject", "string", "", "The part of the object the event is about (fieldPath).", 1 },
    { "Source", "string", "", "The component reporting this event.", 1 },
    { "Message", "string", "", "A human-readable description of the status of this operation.", 0 },
    { "First Seen", "string", "", "The time at which the event was first recorded.", 1 },
    { "Count", "string", "", "The number of times this event has occurred.", 1 },
    { "Name", "string", "name", "Name must be unique within a namespace.", 1 },
    { 0 },
};

static void event_cells(const json_t *ev, int64_t now, json_t *cells)
{
    char first[32], last[32];
    const char *ft = gt_kobj_str(ev, "firstTimestamp", NULL);
    gt_kmeta_age(ft && ft[0] ? ft : gt_kobj_str(ev, "eventTime", NULL), now, first);
    const char *lt = gt_kobj_str(ev, "lastTimestamp", NULL);
    if (lt && lt[0])
        gt_kmeta_age(lt, now, last);
    else
        snprintf(last, sizeof last, "%s", first);
    int64_t count = gt_kobj_int(ev, "count", 0);
    if (gt_kobj_obj(ev, "series")) {
        gt_kmeta_age(gt_kobj_str(ev, "series.lastObservedTime", NULL), now, last);
        count = gt_kobj_int(ev, "series.count", 0);
    } else if (count == 0) {
        count = 1;
    }
    gt_kc_str(cells, last);
    gt_kc_str(cells, gt_kobj_str(ev, "type", ""));
    gt_kc_str(cells, gt_kobj_str(ev, "reason", ""));
    char *kind = gt_xstrdup(gt_kobj_str(ev, "involvedObject.kind", ""));
    for (char *p = kind; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    const char *ion = gt_kobj_str(ev, "involvedObject.name", "");
    if (ion[0])
        gt_kc_fmt(cells, "%s/%s", kind, ion);
    else
        gt_kc_str(cells, kind);
    free(kind);
    gt_kc_str(cells, gt_kobj_str(ev, "involvedObject.fieldPath", ""));
    const char *comp = gt_kobj_str(ev, "source.component", "");
    if (!comp[0])
        comp = gt_kobj_str(ev, "reportingComponent", "");
    const char *host = gt_kobj_str(ev, "source.host", "");
    if (!host[0])
        host = gt_kobj_str(ev, "reportingInstance", "");
    if (host[0])
        gt_kc_fmt(cells, "%s, %s", comp, host);
    else
        gt_kc_str(cells, comp);
    /* the message without leading and trailing white space */
    const char *msg = gt_kobj_str(ev, "message", "");
    while (*msg == ' ' || *msg == '\n' || *msg == '\t' || *msg == '\r')
        msg++;
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == ' ' || msg[n - 1] == '\n' || msg[n - 1] == '\t' ||
                 msg[n - 1] == '\r'))
        n--;
    gt_kc_fmt(cells, "%.*s", (int)n, msg);
    gt_kc_str(cells, first);
    gt_kc_int(cells, count);
    gt_kc_name(cells, ev);
}

static const char *const event_short[] = { "ev", NULL };
static const struct gt_kfsel_field event_fields[] = {
    { "involvedObject.kind", NULL },        { "involvedObject.namespace", NULL },
    { "involvedObject.name", NULL },        { "involvedObject.uid", NULL },
    { "involvedObject.apiVersion", NULL },  { "involvedObject.resourceVersion", NULL },
    { "involvedObject.fieldPath", NULL },   { "reason", NULL },
    { "reportingComponent", NULL },         { "source", "source.component" },
    { "type", NULL },
    { NULL, NULL },
};

const struct gt_kind gt_kind_event = {
    .group = "", .version = "v1", .kind = "Event", .resource = "events", .singular = "event",
    .namespaced = true, .short_names = event_short, .verbs = GT_KVERBS_ALL,
    .name_rule = GT_KNAME_SUBDOMAIN, .schema = &gt_ktype_plain, .validate = event_validate,
    .columns = event_columns, .cells = event_cells, .fields = event_fields,
    .shape = &gt_kshape_event,
};

/* ---- configmaps and secrets ---- */

/* Keys of data (and binaryData), their total size, and the immutable rule.
 * b64[m]: the values of maps[m] are base64 (Secret data, binaryData). */
static void check_data(struct gt_kfe_list *e, const json_t *obj, const json_t *old,
                       const char *const *maps, const bool *b64)
{
    size_t total = 0;
    for (size_t m = 0; maps[m]; m++) {
        const json_t *d = gt_kv_obj(e, "", obj, maps[m], false);
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)d, k, v) {
            char *p = gt_kp_key(maps[m], k);
            gt_kv_config_key(e, p, k);
            if (m > 0 && json_object_get(gt_kobj_get(obj, maps[0]), k))
                gt_kfe_invalid_str(e, p, k, "duplicate of key present in data");
            total += strlen(k);
            unsigned char *raw;
            size_t rawlen;
            if (!json_is_string(v)) {
                gt_kfe_invalid(e, p, v, "must be a string");
            } else if (!b64[m]) {
                total += json_string_length(v);
            } else if (gt_base64_decode(json_string_value(v), json_string_length(v), &raw,
                                        &rawlen) < 0) {
                gt_kfe_invalid(e, p, v, "illegal base64 data");
            } else {
                total += rawlen;
                free(raw);
            }
            free(p);
        }
    }
    if (total > MAX_CONFIG_SIZE)
        gt_kfe_add(e, GT_KFE_TOO_LONG, "", NULL, "must have at most %d bytes", MAX_CONFIG_SIZE);
    gt_kv_bool(e, "", obj, "immutable");
    if (old && gt_kobj_bool(old, "immutable", false)) {
        if (!gt_kobj_bool(obj, "immutable", false))
            gt_kfe_forbidden(e, "immutable", "field is immutable when `immutable` is set");
        for (size_t m = 0; maps[m]; m++) {
            json_t *a = gt_kobj_get(obj, maps[m]), *b = gt_kobj_get(old, maps[m]);
            bool ea = !a || json_object_size(a) == 0, eb = !b || json_object_size(b) == 0;
            if (ea != eb || (!ea && !json_equal(a, b)))
                gt_kfe_forbidden(e, maps[m], "field is immutable when `immutable` is set");
        }
    }
}

static void configmap_validate(const json_t *cm, const json_t *old, struct gt_kfe_list *e)
{
    static const char *const maps[] = { "data", "binaryData", NULL };
    static const bool b64[] = { false, true };
    check_data(e, cm, old, maps, b64);
}

static const struct gt_kcolumn configmap_columns[] = {
    GT_KCOL_NAME,
    { "Data", "string", "", "Number of entries in data and binaryData.", 0 },
    GT_KCOL_AGE,
    { 0 },
};

static void configmap_cells(const json_t *cm, int64_t now, json_t *cells)
{
    gt_kc_name(cells, cm);
    gt_kc_int(cells, (int64_t)(gt_kobj_len(cm, "data") + gt_kobj_len(cm, "binaryData")));
    gt_kc_age(cells, cm, now);
}

static const char *const configmap_short[] = { "cm", NULL };

const struct gt_kind gt_kind_configmap = {
    .group = "", .version = "v1", .kind = "ConfigMap", .resource = "configmaps",
    .singular = "configmap", .namespaced = true, .short_names = configmap_short,
    .verbs = GT_KVERBS_ALL, .name_rule = GT_KNAME_SUBDOMAIN, .schema = &data_schema,
    .validate = configmap_validate, .columns = configmap_columns, .cells = configmap_cells,
    .shape = &gt_kshape_configmap,
};

/* stringData is write-only: the API folds it into data (base64) */
static void secret_defaults(json_t *s)
{
    gt_kd_str(s, "type", "Opaque");
    json_t *sd = gt_kobj_obj(s, "stringData");
    if (!sd)
        return;
    json_t *data = gt_kobj_ensure(s, "data");
    const char *k;
    json_t *v;
    json_object_foreach(sd, k, v) {
        if (!json_is_string(v) || !data)
            continue;
        char *b = gt_base64_encode(json_string_value(v), json_string_length(v));
        json_object_set_new(data, k, json_string(b));
        free(b);
    }
    json_object_del(s, "stringData");
}

static bool has_key(const json_t *s, const char *key)
{
    return json_object_get(gt_kobj_obj(s, "data"), key) != NULL;
}

static void secret_validate(const json_t *s, const json_t *old, struct gt_kfe_list *e)
{
    static const char *const maps[] = { "data", NULL };
    static const bool b64[] = { true };
    check_data(e, s, old, maps, b64);
    const char *type = gt_kv_str(e, "", s, "type", false);
    type = type ? type : "";
    if (strcmp(type, "kubernetes.io/service-account-token") == 0) {
        json_t *ann = gt_kobj_obj(s, "metadata.annotations");
        if (!json_is_string(json_object_get(ann, "kubernetes.io/service-account.name")))
            gt_kfe_required(e, "metadata.annotations[kubernetes.io/service-account.name]", "");
    } else if (strcmp(type, "kubernetes.io/dockercfg") == 0) {
        if (!has_key(s, ".dockercfg"))
            gt_kfe_required(e, "data[.dockercfg]", "");
    } else if (strcmp(type, "kubernetes.io/dockerconfigjson") == 0) {
        if (!has_key(s, ".dockerconfigjson"))
            gt_kfe_required(e, "data[.dockerconfigjson]", "");
    } else if (strcmp(type, "kubernetes.io/basic-auth") == 0) {
        if (!has_key(s, "username") && !has_key(s, "password"))
            gt_kfe_required(e, "data[username]", "");
    } else if (strcmp(type, "kubernetes.io/ssh-auth") == 0) {
        if (!has_key(s, "ssh-privatekey"))
            gt_kfe_required(e, "data[ssh-privatekey]", "");
    } else if (strcmp(type, "kubernetes.io/tls") == 0) {
        if (!has_key(s, "tls.crt"))
            gt_kfe_required(e, "data[tls.crt]", "");
        if (!has_key(s, "tls.key"))
            gt_kfe_required(e, "data[tls.key]", "");
    }
    if (old)
        gt_kv_immutable(e, "type", gt_kobj_get(s, "type"), gt_kobj_get(old, "type"));
}

static const struct gt_kcolumn secret_columns[] = {
    GT_KCOL_NAME,
    { "Type", "string", "", "Used to facilitate programmatic handling of secret data.", 0 },
    { "Data", "string", "", "Number of entries in data.", 0 },
    GT_KCOL_AGE,
    { 0 },
};

static void secret_cells(const json_t *s, int64_t now, json_t *cells)
{
    gt_kc_name(cells, s);
    gt_kc_str(cells, gt_kobj_str(s, "type", ""));
    gt_kc_int(cells, (int64_t)gt_kobj_len(s, "data"));
    gt_kc_age(cells, s, now);
}

static const struct gt_kfsel_field secret_fields[] = { { "type", NULL }, { 0 } };

const struct gt_kind gt_kind_secret = {
    .group = "", .version = "v1", .kind = "Secret", .resource = "secrets", .singular = "secret",
    .namespaced = true, .verbs = GT_KVERBS_ALL, .name_rule = GT_KNAME_SUBDOMAIN,
    .schema = &data_schema, .defaults = secret_defaults, .validate = secret_validate,
    .columns = secret_columns, .cells = secret_cells, .fields = secret_fields,
    .shape = &gt_kshape_secret,
};

/* ---- serviceaccounts ---- */

static void serviceaccount_validate(const json_t *sa, const json_t *old, struct gt_kfe_list *e)
{
    static const char *const lists[] = { "secrets", "imagePullSecrets" };
    for (size_t l = 0; l < 2; l++) {
        const json_t *a = gt_kv_arr(e, "", sa, lists[l], false);
        size_t i;
        json_t *x;
        json_array_foreach(a, i, x) {
            char *p = gt_kp_index(lists[l], i);
            gt_kv_str(e, p, x, "name", l == 1);
            free(p);
        }
    }
    gt_kv_bool(e, "", sa, "automountServiceAccountToken");
    (void)old;
}

static const struct gt_kcolumn serviceaccount_columns[] = {
    GT_KCOL_NAME,
    { "Secrets", "string", "", "Secrets of the service account.", 0 },
    GT_KCOL_AGE,
    { 0 },
};

static void serviceaccount_cells(const json_t *sa, int64_t now, json_t *cells)
{
    gt_kc_name(cells, sa);
    gt_kc_int(cells, (int64_t)gt_kobj_len(sa, "secrets"));
    gt_kc_age(cells, sa, now);
}

static const char *const serviceaccount_short[] = { "sa", NULL };
static const struct gt_ksubresource serviceaccount_subs[] = {
    { "token", "authentication.k8s.io", "v1", "TokenRequest", GT_KVERB_CREATE },
    { 0 },
};
static const struct gt_ktype sa_by_name = GT_KLIST_BY(NULL, "name");
static const struct gt_ktype serviceaccount_schema =
    GT_KSTRUCT({ "metadata", &gt_ktype_object_meta }, { "secrets", &sa_by_name });

const struct gt_kind gt_kind_serviceaccount = {
    .group = "", .version = "v1", .kind = "ServiceAccount", .resource = "serviceaccounts",
    .singular = "serviceaccount", .namespaced = true, .short_names = serviceaccount_short,
    .verbs = GT_KVERBS_ALL, .subresources = serviceaccount_subs,
    .name_rule = GT_KNAME_SUBDOMAIN, .schema = &serviceaccount_schema,
    .validate = serviceaccount_validate, .columns = serviceaccount_columns,
    .cells = serviceaccount_cells,
    .shape = &gt_kshape_serviceaccount,
};
