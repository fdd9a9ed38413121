/* image/ref.c - reference parsing and normalisation (see ref.h). */
#include "image/ref.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/mem.h"
#include "image/content.h"

#define NAME_MAX_LEN 255
#define TAG_MAX_LEN 128

static bool is_alnum_lower(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* One path component: [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)* */
static bool valid_component(const char *s, size_t n)
{
    size_t i = 0;
    if (n == 0 || !is_alnum_lower(s[0]))
        return false;
    while (i < n) {
        while (i < n && is_alnum_lower(s[i]))
            i++;
        if (i == n)
            return true;
        size_t sep = i;
        if (s[i] == '.') {
            i++;
        } else if (s[i] == '_') {
            i++;
            if (i < n && s[i] == '_')
                i++;
        } else if (s[i] == '-') {
            while (i < n && s[i] == '-')
                i++;
        } else {
            return false;
        }
        if (i == n || !is_alnum_lower(s[i]) || i == sep)
            return false;
    }
    return true;
}

static bool valid_path(const char *p)
{
    const char *s = p;
    for (;;) {
        const char *slash = strchr(s, '/');
        size_t n = slash ? (size_t)(slash - s) : strlen(s);
        if (!valid_component(s, n))
            return false;
        if (!slash)
            return true;
        s = slash + 1;
    }
}

/* host[:port]: letters, digits, '-', '.', or a bracketed IPv6 address */
static bool valid_domain(const char *d)
{
    if (!*d)
        return false;
    const char *port = NULL;
    if (d[0] == '[') {
        const char *end = strchr(d, ']');
        if (!end)
            return false;
        for (const char *c = d + 1; c < end; c++)
            if (!isxdigit((unsigned char)*c) && *c != ':' && *c != '.')
                return false;
        if (end[1] == ':')
            port = end + 2;
        else if (end[1])
            return false;
    } else {
        const char *c = d;
        for (; *c && *c != ':'; c++)
            if (!isalnum((unsigned char)*c) && *c != '-' && *c != '.')
                return false;
        if (c == d || d[0] == '-' || d[0] == '.')
            return false;
        if (*c == ':')
            port = c + 1;
    }
    if (port) {
        if (!*port || strlen(port) > 5)
            return false;
        for (const char *c = port; *c; c++)
            if (!isdigit((unsigned char)*c))
                return false;
    }
    return true;
}

static bool valid_tag(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n > TAG_MAX_LEN)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        bool word = isalnum((unsigned char)c) || c == '_';
        if (!(word || (i > 0 && (c == '.' || c == '-'))))
            return false;
    }
    return true;
}

void gt_ref_release(struct gt_ref *ref)
{
    free(ref->domain);
    free(ref->path);
    free(ref->tag);
    free(ref->digest);
    memset(ref, 0, sizeof *ref);
}

int gt_ref_parse(const char *s, struct gt_ref *ref, struct gt_error *err)
{
    memset(ref, 0, sizeof *ref);
    if (!s || !*s)
        return gt_err(err, EINVAL, "invalid reference format: empty reference");
    cleanup_free char *buf = gt_xstrdup(s);
    char *at = strchr(buf, '@');
    if (at) {
        *at = '\0';
        if (gt_digest_validate(at + 1, err) < 0)
            return gt_err_prefix(err, "invalid reference \"%s\"", s);
        ref->digest = gt_xstrdup(at + 1);
    }
    /* a tag follows the last ':' after the last '/' */
    char *slash = strrchr(buf, '/');
    char *colon = strrchr(slash ? slash : buf, ':');
    if (colon) {
        *colon = '\0';
        if (!valid_tag(colon + 1)) {
            gt_ref_release(ref);
            return gt_err(err, EINVAL, "invalid reference \"%s\": invalid tag \"%s\"", s,
                          colon + 1);
        }
        ref->tag = gt_xstrdup(colon + 1);
    }
    const char *name = buf;
    char *first = strchr(buf, '/');
    bool has_domain = false;
    if (first) {
        size_t n = (size_t)(first - buf);
        bool upper = false;
        for (size_t i = 0; i < n; i++)
            if (isupper((unsigned char)buf[i]))
                upper = true;
        has_domain = memchr(buf, '.', n) || memchr(buf, ':', n) ||
                     (n == 9 && !strncmp(buf, "localhost", 9)) || upper;
    }
    if (has_domain) {
        *first = '\0';
        if (!valid_domain(buf)) {
            gt_ref_release(ref);
            return gt_err(err, EINVAL, "invalid reference \"%s\": invalid registry \"%s\"", s,
                          buf);
        }
        ref->domain = gt_xstrdup(!strcmp(buf, "index.docker.io") ? GT_REF_DEFAULT_DOMAIN : buf);
        name = first + 1;
    } else {
        ref->domain = gt_xstrdup(GT_REF_DEFAULT_DOMAIN);
    }
    if (!valid_path(name)) {
        bool upper = false;
        for (const char *c = name; *c; c++)
            if (isupper((unsigned char)*c))
                upper = true;
        gt_ref_release(ref);
        return gt_err(err, EINVAL, "invalid reference \"%s\": %s", s,
                      upper ? "repository name must be lowercase"
                            : "invalid repository name");
    }
    if (!strcmp(ref->domain, GT_REF_DEFAULT_DOMAIN) && !strchr(name, '/'))
        ref->path = gt_xasprintf("library/%s", name);
    else
        ref->path = gt_xstrdup(name);
    if (strlen(ref->domain) + 1 + strlen(ref->path) > NAME_MAX_LEN) {
        gt_ref_release(ref);
        return gt_err(err, EINVAL, "invalid reference \"%s\": name longer than %d characters",
                      s, NAME_MAX_LEN);
    }
    if (!ref->tag && !ref->digest)
        ref->tag = gt_xstrdup("latest");
    return 0;
}

char *gt_ref_name(const struct gt_ref *ref)
{
    return gt_xasprintf("%s/%s", ref->domain, ref->path);
}

static char *with_suffix(char *name, const struct gt_ref *ref)
{
    char *s = gt_xasprintf("%s%s%s%s%s", name, ref->tag ? ":" : "", ref->tag ? ref->tag : "",
                           ref->digest ? "@" : "", ref->digest ? ref->digest : "");
    free(name);
    return s;
}

char *gt_ref_string(const struct gt_ref *ref)
{
    return with_suffix(gt_ref_name(ref), ref);
}

char *gt_ref_familiar_name(const struct gt_ref *ref)
{
    if (strcmp(ref->domain, GT_REF_DEFAULT_DOMAIN) != 0)
        return gt_ref_name(ref);
    if (!strncmp(ref->path, "library/", 8) && !strchr(ref->path + 8, '/'))
        return gt_xstrdup(ref->path + 8);
    return gt_xstrdup(ref->path);
}

char *gt_ref_familiar(const struct gt_ref *ref)
{
    return with_suffix(gt_ref_familiar_name(ref), ref);
}

int gt_ref_normalize(const char *s, char **out, struct gt_error *err)
{
    struct gt_ref ref;
    int r = gt_ref_parse(s, &ref, err);
    if (r < 0)
        return r;
    *out = gt_ref_string(&ref);
    gt_ref_release(&ref);
    return 0;
}
