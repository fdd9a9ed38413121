/* batch/v1: jobs and cronjobs. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/mem.h"
#include "kube/kinds_internal.h"

static const char *const restart_job[] = { "OnFailure", "Never", NULL };

/* ---- jobs ---- */

static void job_spec_defaults(json_t *spec)
{
    if (!gt_kobj_has(spec, "completions") && !gt_kobj_has(spec, "parallelism")) {
        gt_kd_int(spec, "completions", 1);
        gt_kd_int(spec, "parallelism", 1);
    }
    gt_kd_int(spec, "parallelism", 1);
    gt_kd_int(spec, "backoffLimit", gt_kobj_has(spec, "backoffLimitPerIndex") ? INT32_MAX : 6);
    gt_kd_str(spec, "completionMode", "NonIndexed");
    gt_kd_bool(spec, "suspend", false);
    gt_kd_str(spec, "podReplacementPolicy",
              gt_kobj_has(spec, "podFailurePolicy") ? "Failed" : "TerminatingOrFailed");
    json_t *t = gt_kobj_obj(spec, "template");
    if (t)
        gt_kpod_default_template(t);
}

static void job_defaults(json_t *job)
{
    json_t *spec = gt_kobj_ensure(job, "spec");
    if (!spec)
        return;
    job_spec_defaults(spec);
    gt_kind_job_generate_selector(job);
    /* the job takes its template's labels when it has none */
    json_t *tl = gt_kobj_obj(spec, "template.metadata.labels");
    if (tl && gt_kobj_len(job, "metadata.labels") == 0)
        gt_kobj_set_new(job, "metadata.labels", json_deep_copy(tl));
}

static void check_job_spec(struct gt_kfe_list *e, const char *path, const json_t *spec,
                           bool need_selector_match)
{
    gt_kv_int(e, path, spec, "parallelism", 0, INT32_MAX, false, 0);
    int64_t completions = gt_kv_int(e, path, spec, "completions", 0, INT32_MAX, false, -1);
    gt_kv_int(e, path, spec, "activeDeadlineSeconds", 1, INT64_MAX, false, 0);
    gt_kv_int(e, path, spec, "backoffLimit", 0, INT32_MAX, false, 0);
    gt_kv_int(e, path, spec, "ttlSecondsAfterFinished", 0, INT32_MAX, false, 0);
    static const char *const modes[] = { "NonIndexed", "Indexed", NULL };
    const char *mode = gt_kv_enum(e, path, spec, "completionMode", modes, false);
    if (mode && strcmp(mode, "Indexed") == 0 && completions < 0) {
        char *p = gt_kp_join(path, "completions");
        gt_kfe_required(e, p, "when completion mode is Indexed");
        free(p);
    }
    static const char *const prp[] = { "TerminatingOrFailed", "Failed", NULL };
    gt_kv_enum(e, path, spec, "podReplacementPolicy", prp, false);
    gt_kv_bool(e, path, spec, "suspend");
    char *tp = gt_kp_join(path, "template");
    const json_t *tmpl = gt_kobj_get(spec, "template");
    gt_kpod_validate_template(e, tp, tmpl, restart_job);
    const char *rp = gt_kobj_str(tmpl, "spec.restartPolicy", NULL);
    if (json_is_object(tmpl) && !rp) {
        char *rpp = gt_kp_join(tp, "spec.restartPolicy");
        gt_kfe_required(e, rpp, "valid values: \"OnFailure\", \"Never\"");
        free(rpp);
    }
    const json_t *sel = gt_kv_obj(e, path, spec, "selector", false);
    char *sp = gt_kp_join(path, "selector");
    if (need_selector_match)
        gt_kv_template_selector(e, sp, sel, tp, tmpl, NULL);
    else
        gt_kv_label_selector(e, sp, sel);
    free(sp);
    free(tp);
}

static void job_validate(const json_t *job, const json_t *old, struct gt_kfe_list *e)
{
    const json_t *spec = gt_kv_obj(e, "", job, "spec", true);
    if (!spec)
        return;
    check_job_spec(e, "spec", spec, true);
    if (!old)
        return;
    gt_kv_immutable(e, "spec.selector", gt_kobj_get(spec, "selector"),
                    gt_kobj_get(old, "spec.selector"));
    gt_kv_immutable(e, "spec.completionMode", gt_kobj_get(spec, "completionMode"),
                    gt_kobj_get(old, "spec.completionMode"));
    /* Indexed jobs may change completions together with parallelism */
    bool elastic = strcmp(gt_kobj_str(spec, "completionMode", ""), "Indexed") == 0 &&
                   gt_kobj_int(spec, "completions", -1) == gt_kobj_int(spec, "parallelism", -2);
    if (!elastic)
        gt_kv_immutable(e, "spec.completions", gt_kobj_get(spec, "completions"),
                        gt_kobj_get(old, "spec.completions"));
    /* a suspended job that never started may change its template */
    bool may_change_template = gt_kobj_bool(spec, "suspend", false) &&
                               !gt_kobj_has(old, "status.startTime");
    if (!may_change_template)
        gt_kv_immutable(e, "spec.template", gt_kobj_get(spec, "template"),
                        gt_kobj_get(old, "spec.template"));
}

static const struct gt_kcolumn job_columns[] = {
    GT_KCOL_NAME,
    { "Status", "string", "", "Status of the job.", 0 },
    { "Completions", "string", "", "The number of pods which reached phase Succeeded.", 0 },
    { "Duration", "string", "", "Time required to complete the job.", 0 },
    GT_KCOL_AGE,
    GT_KCOL_CONTAINERS,
    GT_KCOL_IMAGES,
    GT_KCOL_SELECTOR,
    { 0 },
};

static bool condition_true(const json_t *obj, const char *type)
{
    const char *s = gt_kc_condition(obj, "status.conditions", type);
    return s && strcmp(s, "True") == 0;
}

static void job_cells(const json_t *job, int64_t now, json_t *cells)
{
    gt_kc_name(cells, job);
    const char *status = "Running";
    if (condition_true(job, "Complete"))
        status = "Complete";
    else if (condition_true(job, "Failed"))
        status = "Failed";
    else if (gt_kobj_has(job, "metadata.deletionTimestamp"))
        status = "Terminating";
    else if (condition_true(job, "Suspended"))
        status = "Suspended";
    else if (condition_true(job, "FailureTarget"))
        status = "FailureTarget";
    gt_kc_str(cells, status);
    long long succeeded = (long long)gt_kobj_int(job, "status.succeeded", 0);
    if (gt_kobj_has(job, "spec.completions")) {
        gt_kc_fmt(cells, "%lld/%lld", succeeded, (long long)gt_kobj_int(job, "spec.completions", 0));
    } else {
        long long par = (long long)gt_kobj_int(job, "spec.parallelism", 0);
        if (par > 1)
            gt_kc_fmt(cells, "%lld/1 of %lld", succeeded, par);
        else
            gt_kc_fmt(cells, "%lld/1", succeeded);
    }
    const char *start = gt_kobj_str(job, "status.startTime", NULL);
    const char *done = gt_kobj_str(job, "status.completionTime", NULL);
    struct timespec ts, td;
    if (!start || gt_kmeta_time_parse(start, &ts, NULL) < 0) {
        gt_kc_str(cells, "");
    } else {
        char d[32];
        int64_t end = now;
        if (done && gt_kmeta_time_parse(done, &td, NULL) == 0)
            end = td.tv_sec;
        gt_kmeta_human_duration(end - ts.tv_sec, d);
        gt_kc_str(cells, d);
    }
    gt_kc_age(cells, job, now);
    gt_kpod_container_cells(cells, gt_kobj_obj(job, "spec.template.spec"));
    gt_kc_selector(cells, job, "spec.selector");
}

static const struct gt_kfsel_field job_fields[] = {
    { "status.successful", "status.succeeded" }, { NULL, NULL }
};
/* JobStatus.conditions: merged by type in a strategic merge patch, atomic for apply */
static const struct gt_ktype job_conditions = { .kind = GT_KT_LIST, .smp_merge = true,
                                                .keys = { "type" } };
static const struct gt_ktype job_spec = GT_KSTRUCT(
    { "selector", &gt_ktype_label_selector }, { "template", &gt_ktype_pod_template });
static const struct gt_ktype job_status = GT_KSTRUCT({ "conditions", &job_conditions });
static const struct gt_ktype job_schema =
    GT_KSTRUCT({ "metadata", &gt_ktype_object_meta }, { "spec", &job_spec },
               { "status", &job_status });

const struct gt_kind gt_kind_job = {
    .group = "batch", .version = "v1", .kind = "Job", .resource = "jobs", .singular = "job",
    .namespaced = true, .categories = gt_kcat_all, .verbs = GT_KVERBS_ALL,
    .subresources = gt_ksubs_status, .name_rule = GT_KNAME_SUBDOMAIN, .flags = GT_KIND_STATUS,
    .schema = &job_schema, .defaults = job_defaults, .validate = job_validate,
    .columns = job_columns, .cells = job_cells, .fields = job_fields,
    .shape = &gt_kshape_job,
};

/* ---- cronjobs ---- */

static const char *const month_names[] = { "jan", "feb", "mar", "apr", "may", "jun",
                                           "jul", "aug", "sep", "oct", "nov", "dec" };
static const char *const dow_names[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };

/* A number or (for months and weekdays) a three-letter name. */
static bool cron_value(const char *s, size_t n, int lo, int hi, const char *const *names,
                       int name_base, int *out)
{
    if (n == 0)
        return false;
    if (names && n == 3 && isalpha((unsigned char)s[0])) {
        for (int i = 0; i <= hi - name_base; i++) {
            if (names[i] && strncasecmp(s, names[i], 3) == 0) {
                *out = i + name_base;
                return true;
            }
        }
        return false;
    }
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]) || v > 1000)
            return false;
        v = v * 10 + (s[i] - '0');
    }
    if (v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* One cron field: comma-separated "*", "?", "a", "a-b", each optionally "/step". */
static bool cron_field(const char *s, size_t n, int lo, int hi, const char *const *names,
                       int name_base)
{
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != ',')
            continue;
        const char *part = s + start;
        size_t plen = i - start;
        start = i + 1;
        if (plen == 0)
            return false;
        const char *slash = memchr(part, '/', plen);
        size_t rlen = slash ? (size_t)(slash - part) : plen;
        if (slash) {
            int step;
            if (!cron_value(slash + 1, plen - rlen - 1, 1, 1000, NULL, 0, &step))
                return false;
        }
        if ((rlen == 1 && (part[0] == '*' || part[0] == '?')))
            continue;
        const char *dash = memchr(part, '-', rlen);
        int a, b;
        if (dash) {
            if (!cron_value(part, (size_t)(dash - part), lo, hi, names, name_base, &a) ||
                !cron_value(dash + 1, rlen - (size_t)(dash - part) - 1, lo, hi, names, name_base,
                            &b) ||
                a > b)
                return false;
        } else if (!cron_value(part, rlen, lo, hi, names, name_base, &a)) {
            return false;
        }
    }
    return true;
}

/* NULL when valid, else why not. */
static const char *cron_check(const char *s)
{
    while (*s == ' ')
        s++;
    if (strncmp(s, "TZ=", 3) == 0 || strncmp(s, "CRON_TZ=", 8) == 0)
        return "cannot use TZ or CRON_TZ in schedule, use timeZone field instead";
    if (s[0] == '@') {
        static const char *const desc[] = { "@yearly", "@annually", "@monthly", "@weekly",
                                            "@daily", "@midnight", "@hourly" };
        for (size_t i = 0; i < sizeof desc / sizeof desc[0]; i++)
            if (strcmp(s, desc[i]) == 0)
                return NULL;
        if (strncmp(s, "@every ", 7) == 0 && s[7])
            return NULL;
        return "unrecognized descriptor";
    }
    static const struct {
        int lo, hi;
        const char *const *names;
        int base;
    } f[5] = { { 0, 59, NULL, 0 }, { 0, 23, NULL, 0 }, { 1, 31, NULL, 0 },
               { 1, 12, month_names, 1 }, { 0, 7, dow_names, 0 } };
    int nf = 0;
    const char *p = s;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        const char *start = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        if (nf >= 5)
            return "expected exactly 5 fields";
        if (!cron_field(start, (size_t)(p - start), f[nf].lo, f[nf].hi, f[nf].names,
                        f[nf].base))
            return "unparseable field";
        nf++;
    }
    return nf == 5 ? NULL : "expected exactly 5 fields";
}

static void cronjob_defaults(json_t *cj)
{
    json_t *spec = gt_kobj_ensure(cj, "spec");
    if (!spec)
        return;
    gt_kd_str(spec, "concurrencyPolicy", "Allow");
    gt_kd_bool(spec, "suspend", false);
    gt_kd_int(spec, "successfulJobsHistoryLimit", 3);
    gt_kd_int(spec, "failedJobsHistoryLimit", 1);
    json_t *t = gt_kobj_obj(spec, "jobTemplate.spec.template");
    if (t)
        gt_kpod_default_template(t);
}

static void cronjob_validate(const json_t *cj, const json_t *old, struct gt_kfe_list *e)
{
    const char *name = gt_kobj_name(cj);
    if (strlen(name) > 52)
        gt_kfe_invalid_str(e, "metadata.name", name, "must be no more than 52 characters");
    const json_t *spec = gt_kv_obj(e, "", cj, "spec", true);
    if (!spec)
        return;
    const char *sched = gt_kv_str(e, "spec", spec, "schedule", true);
    if (sched && sched[0]) {
        const char *why = cron_check(sched);
        if (why)
            gt_kfe_invalid_str(e, "spec.schedule", sched, why);
    }
    const char *tz = gt_kv_str(e, "spec", spec, "timeZone", false);
    if (tz) {
        bool ok = tz[0] && tz[0] != '/' && !strstr(tz, "..");
        for (const char *p = tz; *p && ok; p++)
            ok = isalnum((unsigned char)*p) || strchr("/_+-", *p);
        if (!ok)
            gt_kfe_invalid_str(e, "spec.timeZone", tz, "unknown time zone");
    }
    static const char *const policies[] = { "Allow", "Forbid", "Replace", NULL };
    gt_kv_enum(e, "spec", spec, "concurrencyPolicy", policies, false);
    gt_kv_int(e, "spec", spec, "startingDeadlineSeconds", 0, INT64_MAX, false, 0);
    gt_kv_int(e, "spec", spec, "successfulJobsHistoryLimit", 0, INT32_MAX, false, 0);
    gt_kv_int(e, "spec", spec, "failedJobsHistoryLimit", 0, INT32_MAX, false, 0);
    gt_kv_bool(e, "spec", spec, "suspend");
    const json_t *jt = gt_kv_obj(e, "spec", spec, "jobTemplate", true);
    const json_t *js = gt_kv_obj(e, "spec.jobTemplate", jt, "spec", true);
    if (js)
        check_job_spec(e, "spec.jobTemplate.spec", js, false);
    (void)old;
}

static const struct gt_kcolumn cronjob_columns[] = {
    GT_KCOL_NAME,
    { "Schedule", "string", "", "The schedule in Cron format.", 0 },
    { "Timezone", "string", "", "The time zone name for the given schedule.", 0 },
    { "Suspend", "boolean", "", "Whether subsequent executions are suspended.", 0 },
    { "Active", "integer", "", "The number of currently running jobs.", 0 },
    { "Last Schedule", "string", "", "The last time the job was successfully scheduled.", 0 },
    GT_KCOL_AGE,
    GT_KCOL_CONTAINERS,
    GT_KCOL_IMAGES,
    GT_KCOL_SELECTOR,
    { 0 },
};

static void cronjob_cells(const json_t *cj, int64_t now, json_t *cells)
{
    gt_kc_name(cells, cj);
    gt_kc_str(cells, gt_kobj_str(cj, "spec.schedule", ""));
    gt_kc_str(cells, gt_kobj_str(cj, "spec.timeZone", "<none>"));
    json_t *sus = gt_kobj_get(cj, "spec.suspend");
    gt_kc_str(cells, json_is_boolean(sus) ? (json_is_true(sus) ? "True" : "False") : "<unset>");
    gt_kc_int(cells, (int64_t)gt_kobj_len(cj, "status.active"));
    const char *last = gt_kobj_str(cj, "status.lastScheduleTime", NULL);
    if (last)
        gt_kc_age_of(cells, last, now);
    else
        gt_kc_str(cells, "<none>");
    gt_kc_age(cells, cj, now);
    gt_kpod_container_cells(cells, gt_kobj_obj(cj, "spec.jobTemplate.spec.template.spec"));
    gt_kc_selector(cells, cj, "spec.jobTemplate.spec.selector");
}

static const char *const cronjob_short[] = { "cj", NULL };
static const struct gt_ktype job_template =
    GT_KSTRUCT({ "metadata", &gt_ktype_object_meta }, { "spec", &job_spec });
static const struct gt_ktype cronjob_spec = GT_KSTRUCT({ "jobTemplate", &job_template });
static const struct gt_ktype cronjob_schema =
    GT_KSTRUCT({ "metadata", &gt_ktype_object_meta }, { "spec", &cronjob_spec });

const struct gt_kind gt_kind_cronjob = {
    .group = "batch", .version = "v1", .kind = "CronJob", .resource = "cronjobs",
    .singular = "cronjob", .namespaced = true, .short_names = cronjob_short,
    .categories = gt_kcat_all, .verbs = GT_KVERBS_ALL, .subresources = gt_ksubs_status,
    .name_rule = GT_KNAME_SUBDOMAIN, .flags = GT_KIND_STATUS, .schema = &cronjob_schema,
    .defaults = cronjob_defaults, .validate = cronjob_validate, .columns = cronjob_columns,
    .cells = cronjob_cells,
    .shape = &gt_kshape_cronjob,
};
