/* image/registry_ref.c - image references and platforms, normalised as
 * docker normalises them (see registry.h). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "base/cleanup.h"
#include "base/mem.h"
#include "image/registry.h"
#include "image/registry_int.h"

#define REF_NAME_MAX 255
#define REF_TAG_MAX 128

static bool is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* path-component: [a-z0-9]+ ( ( [._] | __ | -+ ) [a-z0-9]+ )* */
static bool valid_path_component(const char *s, size_t n)
{
    size_t i = 0;
    if (n == 0 || !is_lower_alnum(s[0]))
        return false;
    while (i < n) {
        while (i < n && is_lower_alnum(s[i]))
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
        if (i == sep || i == n || !is_lower_alnum(s[i]))
            return false;
    }
    return true;
}

static bool valid_domain_label(const char *s, size_t n)
{
    if (n == 0 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-')
            return false;
    return true;
}

static bool valid_port(const char *s, size_t n)
{
    if (n == 0 || n > 5)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* host[:port], host being dotted labels or a bracketed IPv6 address. */
static bool valid_domain(const char *s, size_t n)
{
    size_t hostlen;
    if (n > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (!close || close == s + 1)
            return false;
        for (const char *p = s + 1; p < close; p++)
            if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
                return false;
        hostlen = (size_t)(close - s) + 1;
        if (hostlen == n)
            return true;
        return s[hostlen] == ':' && valid_port(s + hostlen + 1, n - hostlen - 1);
    }
    const char *colon = memchr(s, ':', n);
    hostlen = colon ? (size_t)(colon - s) : n;
    if (colon && !valid_port(colon + 1, n - hostlen - 1))
        return false;
    size_t start = 0;
    for (size_t i = 0; i <= hostlen; i++) {
        if (i == hostlen || s[i] == '.') {
            if (!valid_domain_label(s + start, i - start))
                return false;
            start = i + 1;
        }
    }
    return true;
}

static bool valid_tag(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > REF_TAG_MAX)
        return false;
    if (!isalnum((unsigned char)s[0]) && s[0] != '_')
        return false;
    for (size_t i = 1; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
            return false;
    return true;
}

bool reg_digest_valid(const char *d)
{
    return gt_digest_validate(d, NULL) == 0;
}

static bool is_hex64(const char *s)
{
    if (strlen(s) != 64)
        return false;
    for (; *s; s++)
        if (!isxdigit((unsigned char)*s))
            return false;
    return true;
}

void gt_registry_ref_release(struct gt_registry_ref *ref)
{
    if (!ref)
        return;
    free(ref->domain);
    free(ref->path);
    free(ref->tag);
    free(ref->digest);
    memset(ref, 0, sizeof *ref);
}

void gt_registry_ref_copy(struct gt_registry_ref *dst, const struct gt_registry_ref *src)
{
    dst->domain = src->domain ? gt_xstrdup(src->domain) : NULL;
    dst->path = src->path ? gt_xstrdup(src->path) : NULL;
    dst->tag = src->tag ? gt_xstrdup(src->tag) : NULL;
    dst->digest = src->digest ? gt_xstrdup(src->digest) : NULL;
}

int gt_registry_ref_parse(const char *s, unsigned flags, struct gt_registry_ref *ref,
                          struct gt_error *err)
{
    memset(ref, 0, sizeof *ref);
    if (!s || !*s)
        return gt_err(err, EINVAL, "invalid reference format: empty reference");
    cleanup_free char *name = gt_xstrdup(s);

    char *at = strchr(name, '@');
    if (at) {
        *at = '\0';
        const char *d = at + 1;
        if (strncmp(d, "sha256:", 7) != 0 && strchr(d, ':'))
            return gt_err(err, EINVAL, "invalid reference \"%s\": unsupported digest algorithm",
                          s);
        if (!reg_digest_valid(d))
            return gt_err(err, EINVAL, "invalid reference \"%s\": invalid digest \"%s\"", s, d);
        ref->digest = gt_xstrdup(d);
    }
    /* A tag follows the last ':' after the last '/' (a ':' before it is a port). */
    char *slash = strrchr(name, '/');
    char *colon = strrchr(slash ? slash : name, ':');
    if (colon) {
        *colon = '\0';
        if (!valid_tag(colon + 1)) {
            gt_registry_ref_release(ref);
            return gt_err(err, EINVAL, "invalid reference \"%s\": invalid tag \"%s\"", s,
                          colon + 1);
        }
        ref->tag = gt_xstrdup(colon + 1);
    }
    if (!*name) {
        gt_registry_ref_release(ref);
        return gt_err(err, EINVAL, "invalid reference format: \"%s\" has no name", s);
    }

    /* The first component is a registry when it looks like a host: it has a
     * '.' or a ':', is "localhost", or has capitals (docker's rule). */
    char *first_slash = strchr(name, '/');
    const char *domain = GT_REGISTRY_DOCKER_IO;
    const char *rest = name;
    if (first_slash) {
        size_t n = (size_t)(first_slash - name);
        bool has_upper = false;
        for (size_t i = 0; i < n; i++)
            has_upper |= isupper((unsigned char)name[i]) != 0;
        if (memchr(name, '.', n) || memchr(name, ':', n) || (n == 9 && !memcmp(name, "localhost", 9)) ||
            has_upper || name[0] == '[') {
            *first_slash = '\0';
            if (!valid_domain(name, n)) {
                gt_registry_ref_release(ref);
                return gt_err(err, EINVAL, "invalid reference \"%s\": invalid registry \"%s\"",
                              s, name);
            }
            domain = name;
            rest = first_slash + 1;
        }
    }
    if (!strcmp(domain, "index.docker.io"))
        domain = GT_REGISTRY_DOCKER_IO;

    for (const char *p = rest; *p; p++) {
        if (isupper((unsigned char)*p)) {
            gt_registry_ref_release(ref);
            return gt_err(err, EINVAL,
                          "invalid reference \"%s\": repository name must be lowercase", s);
        }
    }
    for (const char *c = rest;;) {
        const char *e = strchr(c, '/');
        size_t n = e ? (size_t)(e - c) : strlen(c);
        if (!valid_path_component(c, n)) {
            gt_registry_ref_release(ref);
            return gt_err(err, EINVAL, "invalid reference format: \"%s\"", s);
        }
        if (!e)
            break;
        c = e + 1;
    }
    if (!strcmp(domain, GT_REGISTRY_DOCKER_IO) && !strchr(rest, '/')) {
        if (is_hex64(rest)) {
            gt_registry_ref_release(ref);
            return gt_err(err, EINVAL,
                          "invalid repository name \"%s\": a 64-character hexadecimal string "
                          "reads as an image ID",
                          s);
        }
        ref->path = gt_xasprintf("library/%s", rest);
    } else {
        ref->path = gt_xstrdup(rest);
    }
    ref->domain = gt_xstrdup(domain);
    if (strlen(ref->domain) + 1 + strlen(ref->path) > REF_NAME_MAX) {
        gt_registry_ref_release(ref);
        return gt_err(err, EINVAL,
                      "invalid reference \"%s\": repository name must not be more than %d "
                      "characters",
                      s, REF_NAME_MAX);
    }
    if ((flags & GT_REGISTRY_REF_DEFAULT_TAG) && !ref->tag && !ref->digest)
        ref->tag = gt_xstrdup("latest");
    return 0;
}

char *gt_registry_ref_name(const struct gt_registry_ref *ref)
{
    return gt_xasprintf("%s/%s", ref->domain, ref->path);
}

static char *with_suffix(char *name, const struct gt_registry_ref *ref)
{
    char *s = gt_xasprintf("%s%s%s%s%s", name, ref->tag ? ":" : "", ref->tag ? ref->tag : "",
                           ref->digest ? "@" : "", ref->digest ? ref->digest : "");
    free(name);
    return s;
}

char *gt_registry_ref_string(const struct gt_registry_ref *ref)
{
    return with_suffix(gt_registry_ref_name(ref), ref);
}

char *gt_registry_ref_familiar_name(const struct gt_registry_ref *ref)
{
    if (strcmp(ref->domain, GT_REGISTRY_DOCKER_IO) != 0)
        return gt_registry_ref_name(ref);
    const char *p = ref->path;
    if (!strncmp(p, "library/", 8) && !strchr(p + 8, '/'))
        p += 8;
    return gt_xstrdup(p);
}

char *gt_registry_ref_familiar(const struct gt_registry_ref *ref)
{
    return with_suffix(gt_registry_ref_familiar_name(ref), ref);
}

/* ------------------------------------------------------------------ */

static const struct {
    const char *alias, *arch, *variant;
} arch_aliases[] = {
    { "x86_64", "amd64", "" },  { "x86-64", "amd64", "" }, { "aarch64", "arm64", "" },
    { "armhf", "arm", "v7" },   { "armel", "arm", "v6" },  { "armv7l", "arm", "v7" },
    { "armv6l", "arm", "v6" },  { "i386", "386", "" },     { "i686", "386", "" },
    { "ppc64el", "ppc64le", "" },
};

static void set_field(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

static void normalise_arch(struct gt_registry_platform *p)
{
    for (size_t i = 0; i < sizeof arch_aliases / sizeof arch_aliases[0]; i++) {
        if (!strcmp(p->arch, arch_aliases[i].alias)) {
            set_field(p->arch, sizeof p->arch, arch_aliases[i].arch, strlen(arch_aliases[i].arch));
            if (!p->variant[0])
                set_field(p->variant, sizeof p->variant, arch_aliases[i].variant,
                          strlen(arch_aliases[i].variant));
            return;
        }
    }
}

void gt_registry_platform_host(struct gt_registry_platform *p)
{
    struct utsname u;
    memset(p, 0, sizeof *p);
    strcpy(p->os, "linux");
    if (uname(&u) < 0) {
        strcpy(p->arch, "amd64");
        return;
    }
    set_field(p->arch, sizeof p->arch, u.machine, strlen(u.machine));
    normalise_arch(p);
}

int gt_registry_platform_parse(const char *s, struct gt_registry_platform *p,
                               struct gt_error *err)
{
    if (!s || !*s) {
        gt_registry_platform_host(p);
        return 0;
    }
    memset(p, 0, sizeof *p);
    const char *parts[3] = { 0 };
    size_t lens[3] = { 0 };
    size_t n = 0;
    for (const char *c = s;;) {
        const char *e = strchr(c, '/');
        if (n == 3)
            return gt_err(err, EINVAL, "invalid platform \"%s\": expected os/arch[/variant]", s);
        parts[n] = c;
        lens[n] = e ? (size_t)(e - c) : strlen(c);
        if (lens[n] == 0 || lens[n] >= sizeof p->os)
            return gt_err(err, EINVAL, "invalid platform \"%s\": expected os/arch[/variant]", s);
        for (size_t i = 0; i < lens[n]; i++)
            if (!isalnum((unsigned char)c[i]) && c[i] != '_' && c[i] != '-' && c[i] != '.')
                return gt_err(err, EINVAL, "invalid platform \"%s\"", s);
        n++;
        if (!e)
            break;
        c = e + 1;
    }
    if (n == 1) {
        /* "arm64" alone means linux/arm64, as docker reads it. */
        strcpy(p->os, "linux");
        set_field(p->arch, sizeof p->arch, parts[0], lens[0]);
    } else {
        set_field(p->os, sizeof p->os, parts[0], lens[0]);
        set_field(p->arch, sizeof p->arch, parts[1], lens[1]);
        if (n == 3) {
            if (lens[2] >= sizeof p->variant)
                return gt_err(err, EINVAL, "invalid platform \"%s\": variant too long", s);
            set_field(p->variant, sizeof p->variant, parts[2], lens[2]);
        }
    }
    for (char *c = p->os; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    for (char *c = p->arch; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    normalise_arch(p);
    return 0;
}

const char *gt_registry_platform_format(const struct gt_registry_platform *p, char *buf,
                                        size_t len)
{
    snprintf(buf, len, "%s/%s%s%s", p->os[0] ? p->os : "unknown", p->arch[0] ? p->arch : "unknown",
             p->variant[0] ? "/" : "", p->variant);
    return buf;
}

static const char *arm64_variant(const char *arch, const char *v)
{
    return (!strcmp(arch, "arm64") && !strcmp(v, "v8")) ? "" : v;
}

bool gt_registry_platform_match(const struct gt_registry_platform *want,
                                const struct gt_registry_platform *have)
{
    if (strcmp(want->os, have->os) != 0 || strcmp(want->arch, have->arch) != 0)
        return false;
    const char *wv = arm64_variant(want->arch, want->variant);
    const char *hv = arm64_variant(have->arch, have->variant);
    return !*wv || !strcmp(wv, hv);
}
