/* The static token file of kube-apiserver (--token-auth-file), k3s
 * flavour: token,user,uid[,"group1,group2"]. */
#include <errno.h>
#include <nettle/memops.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/mem.h"
#include "kube/authn.h"

struct tf_entry {
    char *token;
    size_t token_len;
    char *user, *uid;
    char **groups;
};

struct gt_ktokenfile {
    struct tf_entry *v;
    size_t n, cap;
};

#define TOKENFILE_MAX (16u << 20)

static void entry_release(struct tf_entry *e)
{
    free(e->token);
    free(e->user);
    free(e->uid);
    gt_strv_free(e->groups);
}

void gt_ktokenfile_free(struct gt_ktokenfile *tf)
{
    if (!tf)
        return;
    for (size_t i = 0; i < tf->n; i++)
        entry_release(&tf->v[i]);
    free(tf->v);
    free(tf);
}

size_t gt_ktokenfile_count(const struct gt_ktokenfile *tf)
{
    return tf ? tf->n : 0;
}

/* Splits one CSV record (the line [p, end)) into fields, as Go's
 * encoding/csv with TrimLeadingSpace does, within one line. */
static int split_record(const char *p, const char *end, char ***fields, const char *what,
                        size_t lineno, struct gt_error *err)
{
    char **out = NULL;
    for (;;) {
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        char *buf = gt_xmalloc((size_t)(end - p) + 1);
        size_t n = 0;
        if (p < end && *p == '"') {
            p++;
            for (;;) {
                if (p >= end) {
                    free(buf);
                    gt_strv_free(out);
                    return gt_err(err, EINVAL, "%s:%zu: unterminated quoted field", what, lineno);
                }
                if (*p == '"') {
                    if (p + 1 < end && p[1] == '"') {
                        buf[n++] = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                buf[n++] = *p++;
            }
            if (p < end && *p != ',') {
                free(buf);
                gt_strv_free(out);
                return gt_err(err, EINVAL, "%s:%zu: unexpected character after a quoted field",
                              what, lineno);
            }
        } else {
            while (p < end && *p != ',') {
                if (*p == '"') {
                    free(buf);
                    gt_strv_free(out);
                    return gt_err(err, EINVAL, "%s:%zu: bare \" in a field that is not quoted",
                                  what, lineno);
                }
                buf[n++] = *p++;
            }
        }
        buf[n] = 0;
        gt_strv_push(&out, buf);
        free(buf);
        if (p >= end)
            break;
        p++; /* the comma */
    }
    *fields = out;
    return 0;
}

static bool blank(const char *p, const char *end)
{
    for (; p < end; p++)
        if (*p != ' ' && *p != '\t')
            return false;
    return true;
}

int gt_ktokenfile_parse(const char *buf, size_t len, const char *what,
                        struct gt_ktokenfile **out, struct gt_error *err)
{
    struct gt_ktokenfile *tf = gt_xcalloc(1, sizeof(*tf));
    const char *p = buf, *end = buf + len;
    size_t lineno = 0;
    if (!what)
        what = "token file";
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        lineno++;
        const char *line = p;
        p = nl ? nl + 1 : end;
        if (le > line && le[-1] == '\r')
            le--;
        if (le > line && memchr(line, '\0', (size_t)(le - line))) {
            gt_ktokenfile_free(tf);
            return gt_err(err, EINVAL, "%s:%zu: NUL byte in the line", what, lineno);
        }
        const char *first = line;
        while (first < le && (*first == ' ' || *first == '\t'))
            first++;
        if (blank(line, le) || *first == '#')
            continue;
        cleanup_strv char **f = NULL;
        int r = split_record(line, le, &f, what, lineno, err);
        if (r < 0) {
            gt_ktokenfile_free(tf);
            return r;
        }
        size_t nf = gt_strv_len(f);
        const char *bad = NULL;
        if (nf < 3) {
            gt_ktokenfile_free(tf);
            return gt_err(err, EINVAL,
                          "%s:%zu: need at least 3 columns (token, user name, user uid), found %zu",
                          what, lineno, nf);
        }
        if (!*f[0])
            bad = "empty token";
        else if (!*f[1])
            bad = "empty user name";
        if (bad) {
            gt_ktokenfile_free(tf);
            return gt_err(err, EINVAL, "%s:%zu: %s", what, lineno, bad);
        }
        for (size_t i = 0; i < tf->n; i++)
            if (strcmp(tf->v[i].token, f[0]) == 0) {
                gt_err(err, EINVAL, "%s:%zu: duplicate token (first on another line for user "
                                    "\"%s\")",
                       what, lineno, tf->v[i].user);
                gt_ktokenfile_free(tf);
                return -EINVAL;
            }
        if (tf->n == tf->cap) {
            tf->cap = tf->cap ? 2 * tf->cap : 8;
            tf->v = gt_xrealloc(tf->v, tf->cap * sizeof(*tf->v));
        }
        struct tf_entry *e = &tf->v[tf->n++];
        memset(e, 0, sizeof(*e));
        e->token = gt_xstrdup(f[0]);
        e->token_len = strlen(f[0]);
        e->user = gt_xstrdup(f[1]);
        e->uid = gt_xstrdup(f[2]);
        if (nf >= 4) {
            char *s = f[3];
            while (s) {
                char *c = strchr(s, ',');
                if (c)
                    *c = 0;
                if (*s)
                    gt_strv_push(&e->groups, s);
                s = c ? c + 1 : NULL;
            }
        }
    }
    *out = tf;
    return 0;
}

int gt_ktokenfile_load(const char *path, struct gt_ktokenfile **out, struct gt_error *err)
{
    cleanup_free char *buf = NULL;
    size_t len;
    int r = gt_read_file(path, TOKENFILE_MAX, &buf, &len, err);
    if (r < 0)
        return gt_err_prefix(err, "token file");
    return gt_ktokenfile_parse(buf, len, path, out, err);
}

bool gt_ktokenfile_lookup(const struct gt_ktokenfile *tf, const char *token, size_t len,
                          struct gt_kuser *out)
{
    if (!tf || !token || !len)
        return false;
    const struct tf_entry *hit = NULL;
    /* every entry is compared, in constant time per entry of equal length,
     * so that timing does not tell how much of a token matched */
    for (size_t i = 0; i < tf->n; i++) {
        const struct tf_entry *e = &tf->v[i];
        if (e->token_len == len && memeql_sec(e->token, token, len) && !hit)
            hit = e;
    }
    if (!hit)
        return false;
    gt_kuser_init(out, hit->user, hit->uid);
    for (char **g = hit->groups; g && *g; g++)
        gt_kuser_add_group(out, *g);
    return true;
}
