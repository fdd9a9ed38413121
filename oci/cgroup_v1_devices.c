/* cgroup v1 devices on update: from the whitelist the cgroup has to the one
 * the rules describe, without a moment of "deny all".
 *
 * The kernel keeps a default (allow or deny) and a list of exceptions
 * keyed by (type, major, minor), wildcards included; adding an exception
 * merges its access into an equal key, removing one clears access bits of
 * an equal key only (Documentation/admin-guide/cgroup-v1/devices.rst).
 * devices.list shows the exceptions of a deny-by-default cgroup, and only
 * "a *:* rwm" for an allow-by-default one.
 *
 * Applying an engine's rules as written ("a" denied, then each allowed)
 * leaves the container without /dev/null for a moment on every update;
 * engines send the whole list on each update (CRI's
 * UpdateContainerResources does), so a busy container sees EPERM.  runc
 * emulates the rules and writes only the difference; so does this. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "base/mem.h"
#include "oci/cgroup_internal.h"

/* The index of the entry with this key, or -1. */
static ssize_t find(const struct gt_cg_dev_entry *v, size_t n, const struct gt_cg_dev_entry *key)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].type == key->type && v[i].major == key->major && v[i].minor == key->minor)
            return (ssize_t)i;
    return -1;
}

static bool is_everything(const struct gt_cg_device_rule *r)
{
    return r->type == 'a' && r->major < 0 && r->minor < 0 && r->access == GT_CG_DEV_ALL;
}

bool gt_cg_v1_devices_whitelist(const struct gt_cg_device_rule *rules, size_t n,
                                struct gt_cg_dev_entry **out, size_t *n_out)
{
    struct gt_cg_dev_entry *v = NULL;
    size_t len = 0, cap = 0;
    bool defined = false;
    for (size_t i = 0; i < n; i++) {
        const struct gt_cg_device_rule *r = &rules[i];
        if (is_everything(r)) {
            if (r->allow) /* allow by default: a blacklist, not ours to diff */
                goto unknown;
            defined = true;
            len = 0;
            continue;
        }
        if (!defined) /* the result depends on what the cgroup had */
            goto unknown;
        /* as apply_devices writes them: "a" with numbers or partial access
         * is a "c" and a "b" rule */
        const char *types = r->type == 'a' ? "cb" : r->type == 'b' ? "b" : "c";
        for (const char *t = types; *t; t++) {
            struct gt_cg_dev_entry e = { *t, r->major, r->minor, r->access };
            ssize_t k = find(v, len, &e);
            if (r->allow) {
                if (k >= 0) {
                    v[k].access |= r->access;
                    continue;
                }
                if (len == cap) {
                    cap = cap ? cap * 2 : 16;
                    v = gt_xrealloc(v, cap * sizeof *v);
                }
                v[len++] = e;
            } else if (k >= 0) {
                v[k].access &= ~r->access;
                if (!v[k].access)
                    v[k] = v[--len];
            }
        }
    }
    if (!defined)
        goto unknown;
    *out = v;
    *n_out = len;
    return true;
unknown:
    free(v);
    return false;
}

static bool parse_num(const char **s, int64_t *out)
{
    if (**s == '*') {
        (*s)++;
        *out = -1;
        return true;
    }
    char *end;
    errno = 0;
    long long v = strtoll(*s, &end, 10);
    if (end == *s || errno || v < 0)
        return false;
    *s = end;
    *out = v;
    return true;
}

bool gt_cg_v1_devices_parse_list(const char *text, struct gt_cg_dev_entry **out, size_t *n_out)
{
    struct gt_cg_dev_entry *v = NULL;
    size_t len = 0, cap = 0;
    const char *s = text;
    while (*s) {
        const char *eol = strchr(s, '\n');
        size_t l = eol ? (size_t)(eol - s) : strlen(s);
        if (l == 0) {
            s += eol ? 1 : 0;
            continue;
        }
        struct gt_cg_dev_entry e = { .type = s[0] };
        const char *p = s + 1;
        if ((e.type != 'a' && e.type != 'b' && e.type != 'c') || *p++ != ' ' ||
            !parse_num(&p, &e.major) || *p++ != ':' || !parse_num(&p, &e.minor) || *p++ != ' ')
            goto bad;
        for (; p < s + l; p++) {
            unsigned bit = *p == 'r' ? GT_CG_DEV_READ : *p == 'w' ? GT_CG_DEV_WRITE
                           : *p == 'm' ? GT_CG_DEV_MKNOD : 0;
            if (!bit)
                goto bad;
            e.access |= bit;
        }
        /* "a *:* rwm": allow by default, whose exceptions are not shown */
        if (e.type == 'a')
            goto bad;
        if (len == cap) {
            cap = cap ? cap * 2 : 16;
            v = gt_xrealloc(v, cap * sizeof *v);
        }
        v[len++] = e;
        s += l + (eol ? 1 : 0);
    }
    *out = v;
    *n_out = len;
    return true;
bad:
    free(v);
    return false;
}

static void access_str(unsigned access, char out[4])
{
    int n = 0;
    if (access & GT_CG_DEV_READ)
        out[n++] = 'r';
    if (access & GT_CG_DEV_WRITE)
        out[n++] = 'w';
    if (access & GT_CG_DEV_MKNOD)
        out[n++] = 'm';
    out[n] = '\0';
}

static void add_write(struct gt_cg_dev_write **w, size_t *n, bool allow,
                      const struct gt_cg_dev_entry *e, unsigned access)
{
    *w = gt_xrealloc(*w, (*n + 1) * sizeof **w);
    struct gt_cg_dev_write *x = &(*w)[(*n)++];
    x->allow = allow;
    char acc[4], maj[24], min[24];
    access_str(access, acc);
    if (e->major < 0)
        snprintf(maj, sizeof maj, "*");
    else
        snprintf(maj, sizeof maj, "%" PRId64, e->major);
    if (e->minor < 0)
        snprintf(min, sizeof min, "*");
    else
        snprintf(min, sizeof min, "%" PRId64, e->minor);
    snprintf(x->line, sizeof x->line, "%c %s:%s %s", e->type, maj, min, acc);
}

size_t gt_cg_v1_devices_transition(const struct gt_cg_dev_entry *cur, size_t n_cur,
                                   const struct gt_cg_dev_entry *want, size_t n_want,
                                   struct gt_cg_dev_write **out)
{
    struct gt_cg_dev_write *w = NULL;
    size_t n = 0;
    /* grants first, so that nothing still wanted is ever denied */
    for (size_t i = 0; i < n_want; i++) {
        ssize_t k = find(cur, n_cur, &want[i]);
        unsigned add = want[i].access & ~(k >= 0 ? cur[k].access : 0);
        if (add)
            add_write(&w, &n, true, &want[i], add);
    }
    for (size_t i = 0; i < n_cur; i++) {
        ssize_t k = find(want, n_want, &cur[i]);
        unsigned drop = cur[i].access & ~(k >= 0 ? want[k].access : 0);
        if (drop)
            add_write(&w, &n, false, &cur[i], drop);
    }
    *out = w;
    return n;
}

bool gt_cg_v1_devices_equal(const struct gt_cg_dev_entry *a, size_t na,
                            const struct gt_cg_dev_entry *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++) {
        ssize_t k = find(b, nb, &a[i]);
        if (k < 0 || b[k].access != a[i].access)
            return false;
    }
    return true;
}
