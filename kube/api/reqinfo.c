/* RequestInfo: the resource coordinates of a request (see reqinfo.h). */
#include "kube/api/reqinfo.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

#define MAX_PARTS 16

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Percent-decodes one segment; -1 on a bad escape or an embedded NUL. */
static int decode_seg(const char *s, size_t n, char **out)
{
    char *d = gt_xmalloc(n + 1), *p = d;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            int a = i + 2 < n ? hexval((unsigned char)s[i + 1]) : -1;
            int b = a >= 0 ? hexval((unsigned char)s[i + 2]) : -1;
            if (a < 0 || b < 0 || (a == 0 && b == 0)) {
                free(d);
                return -1;
            }
            *p++ = (char)(a * 16 + b);
            i += 2;
        } else {
            *p++ = s[i];
        }
    }
    *p = 0;
    *out = d;
    return 0;
}

static void set(char **dst, const char *v)
{
    free(*dst);
    *dst = gt_xstrdup(v ? v : "");
}

static const char *verb_of(const char *method, bool has_name, bool watch)
{
    static const struct {
        const char *method, *named, *unnamed;
    } t[] = {
        { "GET", "get", "list" },       { "HEAD", "get", "list" },
        { "POST", "create", "create" }, { "PUT", "update", "update" },
        { "PATCH", "patch", "patch" },  { "DELETE", "delete", "deletecollection" },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(method, t[i].method)) {
            if (watch && t[i].named[0] == 'g')
                return "watch";
            return has_name ? t[i].named : t[i].unnamed;
        }
    return "unknown";
}

int gt_kreqinfo_parse(struct gt_kreqinfo *ri, const char *method, const char *path, bool watch,
                      const char *field_name, struct gt_error *err)
{
    memset(ri, 0, sizeof *ri);
    set(&ri->api_prefix, "");
    set(&ri->group, "");
    set(&ri->version, "");
    set(&ri->namespace_, "");
    set(&ri->resource, "");
    set(&ri->subresource, "");
    set(&ri->name, "");
    if (decode_seg(path, strlen(path), &ri->path) < 0)
        return gt_err(err, EINVAL, "invalid path %s", path);

    /* split the raw path, decoding each segment on its own so that an
     * escaped '/' stays inside its segment */
    char *parts[MAX_PARTS + 1];
    int n = 0;
    const char *p = path;
    while (*p == '/')
        p++;
    int rc = 0;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (n == MAX_PARTS) {
            rc = -1;
            break;
        }
        if (len == 0 || decode_seg(p, len, &parts[n]) < 0) {
            rc = -1;
            break;
        }
        n++;
        p += len;
        if (*p == '/') {
            p++;
            if (!*p) /* a trailing slash is tolerated */
                break;
        }
    }
    if (rc < 0) {
        for (int i = 0; i < n; i++)
            free(parts[i]);
        return gt_err(err, EINVAL, "invalid path %s", path);
    }

    ri->verb = verb_of(method, false, false);
    int i = 0;
    bool is_api = n >= 2 && !strcmp(parts[0], "api");
    bool is_apis = n >= 3 && !strcmp(parts[0], "apis");
    if (!is_api && !is_apis) {
        /* non-resource: /version, /api, /apis, /apis/apps, /healthz ... */
        static const struct {
            const char *m, *v;
        } nr[] = { { "GET", "get" },       { "HEAD", "head" }, { "POST", "post" },
                   { "PUT", "put" },       { "PATCH", "patch" }, { "DELETE", "delete" },
                   { "OPTIONS", "options" } };
        ri->verb = "unknown";
        for (size_t k = 0; k < sizeof nr / sizeof nr[0]; k++)
            if (!strcmp(method, nr[k].m))
                ri->verb = nr[k].v;
        for (int k = 0; k < n; k++)
            free(parts[k]);
        return 0;
    }
    set(&ri->api_prefix, parts[0]);
    i = 1;
    if (is_apis)
        set(&ri->group, parts[i++]);
    set(&ri->version, parts[i++]);
    ri->resource_request = true;
    ri->nparts = n - i;
    if (ri->nparts == 0) {
        /* /api/v1, /apis/apps/v1: discovery of a group version */
        ri->resource_request = false;
        ri->verb = !strcmp(method, "GET") || !strcmp(method, "HEAD") ? "get" : "unknown";
        for (int k = 0; k < n; k++)
            free(parts[k]);
        return 0;
    }
    if (i < n && !strcmp(parts[i], "watch")) {
        watch = true;
        i++;
    }
    int rest = n - i;
    char **cp = parts + i;
    if (rest >= 1 && !strcmp(cp[0], "namespaces")) {
        if (rest > 1) {
            set(&ri->namespace_, cp[1]);
            if (rest > 2 && strcmp(cp[2], "status") != 0 && strcmp(cp[2], "finalize") != 0) {
                cp += 2;
                rest -= 2;
            }
        }
    }
    if (rest >= 1)
        set(&ri->resource, cp[0]);
    if (rest >= 2)
        set(&ri->name, cp[1]);
    if (rest >= 3)
        set(&ri->subresource, cp[2]);
    bool bad = rest > 3;
    ri->verb = verb_of(method, rest >= 2, watch && rest <= 1);
    if (rest <= 1 && field_name && field_name[0] &&
        (!strcmp(ri->verb, "list") || !strcmp(ri->verb, "watch")))
        set(&ri->name, field_name);
    for (int k = 0; k < n; k++)
        free(parts[k]);
    if (bad)
        return gt_err(err, EINVAL, "invalid path %s: too many segments", path);
    return 0;
}

void gt_kreqinfo_release(struct gt_kreqinfo *ri)
{
    free(ri->path);
    free(ri->api_prefix);
    free(ri->group);
    free(ri->version);
    free(ri->namespace_);
    free(ri->resource);
    free(ri->subresource);
    free(ri->name);
    memset(ri, 0, sizeof *ri);
}
