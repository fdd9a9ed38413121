/* image/changes.c - Dockerfile instructions applied to an image's config
 * (see changes.h): lines, words, variable expansion, then one function per
 * instruction. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/strbuf.h"
#include "base/sig.h"
#include "image/changes.h"

#define BLANKS " \t\r\n\v\f"
#define MIN_INTERVAL_NS 1000000LL /* dockerd's shortest health check interval, 1ms */

/* ---- the Env of a config ---- */

/* The value of name[0, n) in Env ("NAME=value" strings), or NULL. */
static const char *env_get(const json_t *env, const char *name, size_t n)
{
    size_t i;
    json_t *x;
    json_array_foreach(env, i, x) {
        const char *s = json_string_value(x);
        if (s && !strncmp(s, name, n) && s[n] == '=')
            return s + n + 1;
    }
    return NULL;
}

static void env_set(json_t *cfg, const char *name, const char *value)
{
    json_t *env = json_object_get(cfg, "Env");
    if (!json_is_array(env)) {
        env = json_array();
        json_object_set_new(cfg, "Env", env);
    }
    json_t *item = json_sprintf("%s=%s", name, value);
    size_t n = strlen(name), i;
    json_t *x;
    json_array_foreach(env, i, x) {
        const char *s = json_string_value(x);
        if (s && !strncmp(s, name, n) && (s[n] == '=' || s[n] == '\0')) {
            json_array_set_new(env, i, item);
            return;
        }
    }
    json_array_append_new(env, item);
}

/* ---- words: quotes, escapes and variables, as the Dockerfile's lexer ---- */

static int lex(const char **pp, char stop, const json_t *env, struct gt_strbuf *b,
               struct gt_error *err);

static size_t name_len(const char *p)
{
    size_t n = 0;
    while (isalnum((unsigned char)p[n]) || p[n] == '_')
        n++;
    return n;
}

/* After a '$': $NAME, ${NAME}, ${NAME:-word}, ${NAME:+word}, ${NAME:?msg}
 * (and without the colon, which tests for unset only). */
static int dollar(const char **pp, const json_t *env, struct gt_strbuf *b, struct gt_error *err)
{
    const char *p = *pp;
    if (*p != '{') {
        size_t n = name_len(p);
        if (n == 0) {
            gt_strbuf_addc(b, '$');
            return 0;
        }
        const char *v = env_get(env, p, n);
        if (v)
            gt_strbuf_addstr(b, v);
        *pp = p + n;
        return 0;
    }
    p++;
    size_t n = name_len(p);
    if (!*p)
        return gt_err(err, EINVAL, "syntax error: missing '}'");
    if (n == 0)
        return gt_err(err, EINVAL, "syntax error: bad substitution");
    const char *name = p, *v = env_get(env, p, n);
    p += n;
    if (!*p)
        return gt_err(err, EINVAL, "syntax error: missing '}'");
    if (*p == '}') {
        if (v)
            gt_strbuf_addstr(b, v);
        *pp = p + 1;
        return 0;
    }
    bool colon = *p == ':';
    char mod = colon ? p[1] : p[0];
    if (!mod)
        return gt_err(err, EINVAL, "syntax error: missing '}'");
    if (mod != '-' && mod != '+' && mod != '?')
        return gt_err(err, EINVAL, "unsupported modifier (%c) in substitution", mod);
    p += colon ? 2 : 1;
    struct gt_strbuf word = { 0 };
    int r = lex(&p, '}', env, &word, err);
    if (r == 0 && *p != '}')
        r = gt_err(err, EINVAL, "syntax error: missing '}'");
    if (r < 0) {
        gt_strbuf_release(&word);
        return r;
    }
    *pp = p + 1;
    bool missing = colon ? !v || !*v : !v;
    if (mod == '-')
        gt_strbuf_addstr(b, missing ? (word.s ? word.s : "") : v);
    else if (mod == '+')
        gt_strbuf_addstr(b, missing || !word.s ? "" : word.s);
    else if (missing)
        r = gt_err(err, EINVAL, "%.*s: %s", (int)n, name,
                   word.len ? word.s : colon ? "is not allowed to be empty" : "is not set");
    else
        gt_strbuf_addstr(b, v);
    gt_strbuf_release(&word);
    return r;
}

/* Reads up to stop (or the end) outside quotes: single quotes keep
 * everything, double quotes expand variables and let \ escape " $ \, a
 * bare \ escapes the next character. */
static int lex(const char **pp, char stop, const json_t *env, struct gt_strbuf *b,
               struct gt_error *err)
{
    const char *p = *pp;
    int r;
    while (*p && *p != stop) {
        char c = *p++;
        if (c == '\'') {
            const char *end = strchr(p, '\'');
            if (!end)
                return gt_err(err, EINVAL, "unexpected end of statement while looking for "
                                           "matching single-quote");
            gt_strbuf_add(b, p, (size_t)(end - p));
            p = end + 1;
        } else if (c == '"') {
            while (*p != '"') {
                if (!*p)
                    return gt_err(err, EINVAL, "unexpected end of statement while looking "
                                               "for matching double-quote");
                if (*p == '\\' && p[1] && strchr("\"$\\", p[1])) {
                    gt_strbuf_addc(b, p[1]);
                    p += 2;
                } else if (*p == '$') {
                    p++;
                    if ((r = dollar(&p, env, b, err)) < 0)
                        return r;
                } else {
                    gt_strbuf_addc(b, *p++);
                }
            }
            p++;
        } else if (c == '\\') {
            if (*p)
                gt_strbuf_addc(b, *p++);
        } else if (c == '$') {
            if ((r = dollar(&p, env, b, err)) < 0)
                return r;
        } else {
            gt_strbuf_addc(b, c);
        }
    }
    *pp = p;
    return 0;
}

/* One word with quotes removed, escapes and variables resolved (new string). */
static int expand(const char *w, const json_t *env, char **out, struct gt_error *err)
{
    struct gt_strbuf b = { 0 };
    int r = lex(&w, '\0', env, &b, err);
    if (r < 0) {
        gt_strbuf_release(&b);
        return r;
    }
    *out = gt_strbuf_take(&b);
    return 0;
}

/* Words split at blanks outside quotes; quotes and escapes stay in them
 * for expand().  NULL when there is none. */
static char **split_quoted(const char *s)
{
    char **v = NULL;
    struct gt_strbuf w = { 0 };
    bool in_word = false, blank_ok = false;
    char quote = 0;
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (quote) {
            if (c == quote) {
                quote = 0;
            } else if (c == '\\' && quote == '"' && p[1]) {
                gt_strbuf_addc(&w, c);
                c = *++p;
            }
            gt_strbuf_addc(&w, c);
            continue;
        }
        if (strchr(BLANKS, c)) {
            if (in_word && (w.len || blank_ok))
                gt_strv_push(&v, w.s ? w.s : "");
            w.len = 0;
            in_word = blank_ok = false;
            continue;
        }
        in_word = true;
        if (c == '\'' || c == '"') {
            quote = c;
            blank_ok = true;
        } else if (c == '\\') {
            if (!p[1])
                continue;
            gt_strbuf_addc(&w, c);
            c = *++p;
        }
        gt_strbuf_addc(&w, c);
    }
    if (in_word && (w.len || blank_ok))
        gt_strv_push(&v, w.s ? w.s : "");
    gt_strbuf_release(&w);
    return v;
}

/* Words split at blanks, nothing else.  NULL when there is none. */
static char **split_blanks(const char *s)
{
    char **v = NULL;
    while (*s) {
        s += strspn(s, BLANKS);
        size_t n = strcspn(s, BLANKS);
        if (n) {
            char *w = gt_xstrndup(s, n);
            gt_strv_push(&v, w);
            free(w);
        }
        s += n;
    }
    return v;
}

/* The JSON form: 1 and *out when rest is a JSON array of strings, 0 when
 * rest is not a JSON array (the shell form), an error for an array that
 * holds anything else. */
static int json_form(const char *rest, json_t **out, struct gt_error *err)
{
    *out = NULL;
    if (*rest != '[')
        return 0;
    json_t *j = json_loads(rest, 0, NULL);
    if (!json_is_array(j)) {
        json_decref(j);
        return 0;
    }
    size_t i;
    json_t *x;
    json_array_foreach(j, i, x) {
        if (!json_is_string(x)) {
            json_decref(j);
            return gt_err(err, EINVAL, "when using JSON array syntax, arrays must be "
                                       "comprised of strings only");
        }
    }
    *out = j;
    return 1;
}

/* ---- instructions ---- */

struct apply {
    json_t *cfg;
    bool cmd_set; /* a CMD of this list: ENTRYPOINT keeps it */
    char **flags; /* "--name[=value]" before the arguments */
};

static const json_t *env_of(const struct apply *a)
{
    return json_object_get(a->cfg, "Env");
}

static json_t *member_object(json_t *cfg, const char *key)
{
    json_t *o = json_object_get(cfg, key);
    if (!json_is_object(o)) {
        o = json_object();
        json_object_set_new(cfg, key, o);
    }
    return o;
}

/* CMD and ENTRYPOINT: the JSON form as written, the shell form under Shell. */
static int command_line(const struct apply *a, const char *rest, json_t **out,
                        struct gt_error *err)
{
    int r = json_form(rest, out, err);
    if (r != 0)
        return r < 0 ? r : 0;
    if (!*rest) {
        *out = json_array();
        return 0;
    }
    json_t *shell = json_object_get(a->cfg, "Shell");
    json_t *v = json_array_size(shell) ? json_deep_copy(shell)
                                       : json_pack("[s,s]", "/bin/sh", "-c");
    json_array_append_new(v, json_string(rest));
    *out = v;
    return 0;
}

static int do_cmd(struct apply *a, const char *rest, struct gt_error *err)
{
    json_t *cmd;
    int r = command_line(a, rest, &cmd, err);
    if (r < 0)
        return r;
    json_object_set_new(a->cfg, "Cmd", cmd);
    a->cmd_set = true;
    return 0;
}

static int do_entrypoint(struct apply *a, const char *rest, struct gt_error *err)
{
    json_t *ep;
    int r = command_line(a, rest, &ep, err);
    if (r < 0)
        return r;
    json_object_set_new(a->cfg, "Entrypoint", ep);
    if (!a->cmd_set)
        json_object_del(a->cfg, "Cmd");
    return 0;
}

/* One pair, both halves expanded, onto names and values. */
static int add_pair(const struct apply *a, const char *raw_name, const char *raw_value,
                    char ***names, char ***values, struct gt_error *err)
{
    cleanup_free char *name = NULL, *value = NULL;
    int r = expand(raw_name, env_of(a), &name, err);
    if (r == 0)
        r = expand(raw_value, env_of(a), &value, err);
    if (r < 0)
        return r;
    gt_strv_push(names, name);
    gt_strv_push(values, value);
    return 0;
}

/* ENV and LABEL: name=value pairs, or the legacy "name value"; expanded
 * against the Env before the instruction. */
static int name_values(const struct apply *a, const char *rest, const char *what,
                       char ***names, char ***values, struct gt_error *err)
{
    cleanup_strv char **words = split_quoted(rest);
    if (!words)
        return gt_err(err, EINVAL, "%s requires at least one argument", what);
    int r = 0;
    if (!strchr(words[0], '=')) {
        size_t n = strcspn(rest, BLANKS);
        const char *v = rest + n + strspn(rest + n, BLANKS);
        if (!*v)
            return gt_err(err, EINVAL, "%s must have two arguments", what);
        cleanup_free char *raw = gt_xstrndup(rest, n);
        r = add_pair(a, raw, v, names, values, err);
    } else {
        for (char **w = words; r == 0 && *w; w++) {
            char *eq = strchr(*w, '=');
            if (!eq)
                return gt_err(err, EINVAL, "Syntax error - can't find = in \"%s\". Must be "
                                           "of the form: name=value", *w);
            *eq = '\0';
            r = add_pair(a, *w, eq + 1, names, values, err);
        }
    }
    if (r < 0)
        return r;
    for (char **n = *names; n && *n; n++)
        if (!**n)
            return gt_err(err, EINVAL, "%s names can not be blank", what);
    return 0;
}

static int do_env(struct apply *a, const char *rest, struct gt_error *err)
{
    cleanup_strv char **names = NULL, **values = NULL;
    int r = name_values(a, rest, "ENV", &names, &values, err);
    if (r < 0)
        return r;
    for (size_t i = 0; names[i]; i++)
        env_set(a->cfg, names[i], values[i]);
    return 0;
}

static int do_label(struct apply *a, const char *rest, struct gt_error *err)
{
    cleanup_strv char **names = NULL, **values = NULL;
    int r = name_values(a, rest, "LABEL", &names, &values, err);
    if (r < 0)
        return r;
    json_t *labels = member_object(a->cfg, "Labels");
    for (size_t i = 0; names[i]; i++)
        json_object_set_new(labels, names[i], json_string(values[i]));
    return 0;
}

/* "80", "8000-8010", "53/udp": 0 and the range, or -1. */
static int port_range(const char *s, unsigned *lo, unsigned *hi)
{
    char *end;
    if (!isdigit((unsigned char)*s))
        return -1;
    unsigned long a = strtoul(s, &end, 10), b = a;
    if (*end == '-') {
        if (!isdigit((unsigned char)end[1]))
            return -1;
        b = strtoul(end + 1, &end, 10);
    }
    if (*end || a > 65535 || b > 65535 || b < a)
        return -1;
    *lo = (unsigned)a;
    *hi = (unsigned)b;
    return 0;
}

static int do_expose(struct apply *a, const char *rest, struct gt_error *err)
{
    cleanup_strv char **words = split_blanks(rest);
    if (!words)
        return gt_err(err, EINVAL, "EXPOSE requires at least one argument");
    json_t *add = json_object();
    int r = 0;
    for (char **w = words; *w && r == 0; w++) {
        cleanup_free char *spec = NULL;
        if ((r = expand(*w, env_of(a), &spec, err)) < 0)
            break;
        char *slash = strchr(spec, '/');
        const char *proto = "tcp";
        if (slash) {
            *slash = '\0';
            if (slash[1])
                proto = slash + 1;
        }
        if (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp")) {
            r = gt_err(err, EINVAL, "invalid proto: %s", proto);
            break;
        }
        unsigned lo, hi;
        if (port_range(spec, &lo, &hi) < 0) {
            r = gt_err(err, EINVAL, "invalid containerPort: %s", spec);
            break;
        }
        for (unsigned p = lo; p <= hi; p++) {
            char key[32];
            snprintf(key, sizeof key, "%u/%s", p, proto);
            json_object_set_new(add, key, json_object());
        }
    }
    if (r == 0)
        json_object_update(member_object(a->cfg, "ExposedPorts"), add);
    json_decref(add);
    return r;
}

/* USER, WORKDIR, STOPSIGNAL: the whole rest, one expanded argument. */
static int one_argument(const struct apply *a, const char *rest, const char *what, char **out,
                        struct gt_error *err)
{
    if (!*rest)
        return gt_err(err, EINVAL, "%s requires exactly one argument", what);
    int r = expand(rest, env_of(a), out, err);
    if (r == 0 && !**out) {
        free(*out);
        *out = NULL;
        return gt_err(err, EINVAL, "%s requires exactly one argument", what);
    }
    return r;
}

static int do_user(struct apply *a, const char *rest, struct gt_error *err)
{
    cleanup_free char *user = NULL;
    int r = one_argument(a, rest, "USER", &user, err);
    if (r == 0)
        json_object_set_new(a->cfg, "User", json_string(user));
    return r;
}

/* "/a/b" + "../c/./d" -> "/a/c/d" (lexically, as Go's filepath.Join) */
static char *path_join_clean(const char *base, const char *rel)
{
    cleanup_free char *all = gt_xasprintf("/%s/%s", base, rel);
    char **parts = NULL;
    char *save = NULL;
    for (char *t = strtok_r(all, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
        if (!strcmp(t, "."))
            continue;
        if (!strcmp(t, "..")) {
            size_t n = gt_strv_len(parts);
            if (n) {
                free(parts[n - 1]);
                parts[n - 1] = NULL;
            }
            continue;
        }
        gt_strv_push(&parts, t);
    }
    struct gt_strbuf b = { 0 };
    for (char **p = parts; p && *p; p++) {
        gt_strbuf_addc(&b, '/');
        gt_strbuf_addstr(&b, *p);
    }
    gt_strv_free(parts);
    if (!b.len)
        gt_strbuf_addc(&b, '/');
    return gt_strbuf_take(&b);
}

static int do_workdir(struct apply *a, const char *rest, struct gt_error *err)
{
    cleanup_free char *dir = NULL;
    int r = one_argument(a, rest, "WORKDIR", &dir, err);
    if (r < 0)
        return r;
    if (dir[0] != '/') {
        const char *cur = json_string_value(json_object_get(a->cfg, "WorkingDir"));
        char *joined = path_join_clean(cur ? cur : "", dir);
        free(dir);
        dir = joined;
    }
    json_object_set_new(a->cfg, "WorkingDir", json_string(dir));
    return 0;
}

static int do_volume(struct apply *a, const char *rest, struct gt_error *err)
{
    cleanup_json json_t *arr = NULL;
    cleanup_strv char **words = NULL;
    int r = json_form(rest, &arr, err);
    if (r < 0)
        return r;
    if (r == 1) {
        size_t i;
        json_t *x;
        json_array_foreach(arr, i, x)
            gt_strv_push(&words, json_string_value(x));
    } else {
        words = split_blanks(rest);
    }
    if (!words)
        return gt_err(err, EINVAL, "VOLUME requires at least one argument");
    json_t *add = json_object();
    r = 0;
    for (char **w = words; *w && r == 0; w++) {
        cleanup_free char *v = NULL;
        if ((r = expand(*w, env_of(a), &v, err)) < 0)
            break;
        if (!v[strspn(v, BLANKS)])
            r = gt_err(err, EINVAL, "VOLUME specified can not be an empty string");
        else
            json_object_set_new(add, v, json_object());
    }
    if (r == 0)
        json_object_update(member_object(a->cfg, "Volumes"), add);
    json_decref(add);
    return r;
}

static int do_stopsignal(struct apply *a, const char *rest, struct gt_error *err)
{
    cleanup_free char *sig = NULL;
    int r = one_argument(a, rest, "STOPSIGNAL", &sig, err);
    if (r < 0)
        return r;
    if (gt_signal_parse(sig) < 0)
        return gt_err(err, EINVAL, "Invalid signal: %s", sig);
    json_object_set_new(a->cfg, "StopSignal", json_string(sig));
    return 0;
}

static int do_onbuild(struct apply *a, const char *rest, struct gt_error *err)
{
    if (!*rest)
        return gt_err(err, EINVAL, "ONBUILD requires at least one argument");
    size_t n = strcspn(rest, BLANKS);
    if (n == 7 && !strncasecmp(rest, "ONBUILD", n))
        return gt_err(err, EINVAL, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
    if ((n == 4 && !strncasecmp(rest, "FROM", n)) ||
        (n == 10 && !strncasecmp(rest, "MAINTAINER", n))) {
        cleanup_free char *t = gt_xstrndup(rest, n);
        for (char *c = t; *c; c++)
            *c = (char)toupper((unsigned char)*c);
        return gt_err(err, EINVAL, "%s isn't allowed as an ONBUILD trigger", t);
    }
    json_t *ob = json_object_get(a->cfg, "OnBuild");
    if (!json_is_array(ob)) {
        ob = json_array();
        json_object_set_new(a->cfg, "OnBuild", ob);
    }
    json_array_append_new(ob, json_string(rest));
    return 0;
}

/* Go's time.ParseDuration: "1m30s", "1.5h", "300ms", "0". */
static int parse_duration(const char *s, int64_t *ns)
{
    static const struct {
        const char *unit;
        long double ns;
    } units[] = { { "ns", 1 },    { "us", 1e3 },  { "\u00b5s", 1e3 }, { "\u03bcs", 1e3 },
                  { "ms", 1e6 },  { "s", 1e9 },   { "m", 60e9 },      { "h", 3600e9 } };
    const char *p = s;
    bool neg = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    if (!strcmp(p, "0")) {
        *ns = 0;
        return 0;
    }
    if (!*p)
        return -1;
    long double total = 0;
    while (*p) {
        long double v = 0, scale = 1;
        bool digits = false;
        for (; isdigit((unsigned char)*p); p++, digits = true)
            v = v * 10 + (*p - '0');
        if (*p == '.')
            for (p++; isdigit((unsigned char)*p); p++, digits = true)
                v += (*p - '0') / (scale *= 10);
        if (!digits)
            return -1;
        size_t i = 0;
        for (; i < sizeof units / sizeof units[0]; i++)
            if (!strncmp(p, units[i].unit, strlen(units[i].unit)))
                break;
        if (i == sizeof units / sizeof units[0])
            return -1;
        p += strlen(units[i].unit);
        total += v * units[i].ns;
        if (total > (long double)INT64_MAX)
            return -1;
    }
    *ns = (int64_t)(neg ? -total : total);
    return 0;
}

static int do_healthcheck(struct apply *a, const char *rest, struct gt_error *err)
{
    static const char *const names[] = { "interval", "timeout", "start-period",
                                         "start-interval", "retries" };
    static const char *const keys[] = { "Interval", "Timeout", "StartPeriod", "StartInterval" };
    const char *vals[5] = { NULL };
    for (char **f = a->flags; f && *f; f++) {
        const char *name = *f + 2, *eq = strchr(name, '=');
        size_t n = eq ? (size_t)(eq - name) : strlen(name), i = 0;
        for (; i < 5; i++)
            if (strlen(names[i]) == n && !strncmp(name, names[i], n))
                break;
        if (i == 5)
            return gt_err(err, EINVAL, "Unknown flag: %.*s", (int)n, name);
        if (!eq)
            return gt_err(err, EINVAL, "Missing a value on flag: %s", names[i]);
        if (vals[i])
            return gt_err(err, EINVAL, "Duplicate flag specified: %s", names[i]);
        vals[i] = eq + 1;
    }
    size_t n = strcspn(rest, BLANKS);
    if (!n)
        return gt_err(err, EINVAL, "HEALTHCHECK requires at least one argument");
    const char *args = rest + n + strspn(rest + n, BLANKS);
    if (n == 4 && !strncasecmp(rest, "NONE", 4)) {
        if (*args)
            return gt_err(err, EINVAL, "HEALTHCHECK NONE takes no arguments");
        json_object_set_new(a->cfg, "Healthcheck", json_pack("{s:[s]}", "Test", "NONE"));
        return 0;
    }
    if (n != 3 || strncasecmp(rest, "CMD", 3) != 0)
        return gt_err(err, EINVAL, "Unknown type \"%.*s\" in HEALTHCHECK (try CMD)", (int)n,
                      rest);
    json_t *cmd = NULL;
    int r = json_form(args, &cmd, err);
    if (r < 0)
        return r;
    cleanup_json json_t *hc = json_object();
    if (r == 1) {
        if (!json_array_size(cmd)) {
            json_decref(cmd);
            return gt_err(err, EINVAL, "Missing command after HEALTHCHECK CMD");
        }
        json_array_insert_new(cmd, 0, json_string("CMD"));
    } else {
        if (!*args)
            return gt_err(err, EINVAL, "Missing command after HEALTHCHECK CMD");
        cmd = json_pack("[s,s]", "CMD-SHELL", args);
    }
    json_object_set_new(hc, "Test", cmd);
    for (size_t i = 0; i < 4; i++) {
        int64_t ns = 0;
        if (!vals[i] || !*vals[i])
            continue;
        if (parse_duration(vals[i], &ns) < 0)
            return gt_err(err, EINVAL, "time: invalid duration \"%s\"", vals[i]);
        if (ns != 0 && ns < MIN_INTERVAL_NS)
            return gt_err(err, EINVAL, "Interval \"%s\" cannot be less than 1ms", names[i]);
        if (ns)
            json_object_set_new(hc, keys[i], json_integer(ns));
    }
    if (vals[4] && *vals[4]) {
        char *end;
        long long n2 = strtoll(vals[4], &end, 10);
        if (*end || n2 > INT32_MAX || n2 < INT32_MIN)
            return gt_err(err, EINVAL, "--retries: \"%s\" is not an integer", vals[4]);
        if (n2 < 0)
            return gt_err(err, EINVAL, "--retries cannot be negative (%lld)", n2);
        if (n2)
            json_object_set_new(hc, "Retries", json_integer(n2));
    }
    json_object_set(a->cfg, "Healthcheck", hc);
    return 0;
}

static const struct {
    const char *name;
    int (*apply)(struct apply *a, const char *rest, struct gt_error *err);
    bool flags; /* takes --flags */
} instructions[] = {
    { "CMD", do_cmd },
    { "ENTRYPOINT", do_entrypoint },
    { "ENV", do_env },
    { "EXPOSE", do_expose },
    { "HEALTHCHECK", do_healthcheck, true },
    { "LABEL", do_label },
    { "ONBUILD", do_onbuild },
    { "STOPSIGNAL", do_stopsignal },
    { "USER", do_user },
    { "VOLUME", do_volume },
    { "WORKDIR", do_workdir },
};

/* One logical line: instruction, --flags, arguments. */
static int apply_line(struct apply *a, const char *line, struct gt_error *err)
{
    const char *p = line + strspn(line, BLANKS);
    size_t n = strcspn(p, BLANKS);
    cleanup_free char *name = gt_xstrndup(p, n);
    p += n + strspn(p + n, BLANKS);
    size_t i = 0;
    for (; i < sizeof instructions / sizeof instructions[0]; i++)
        if (!strcasecmp(name, instructions[i].name))
            break;
    if (i == sizeof instructions / sizeof instructions[0]) {
        for (char *c = name; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        return gt_err(err, EINVAL, "%s is not a valid change command", name);
    }
    cleanup_strv char **flags = NULL;
    while (p[0] == '-' && p[1] == '-') {
        size_t fl = strcspn(p, BLANKS);
        char *f = gt_xstrndup(p, fl);
        gt_strv_push(&flags, f);
        free(f);
        p += fl + strspn(p + fl, BLANKS);
    }
    int r;
    if (flags && !instructions[i].flags) {
        const char *f = flags[0] + 2;
        r = gt_err(err, EINVAL, "Unknown flag: %.*s", (int)strcspn(f, "="), f);
    } else {
        cleanup_free char *rest = gt_xstrdup(p);
        for (size_t k = strlen(rest); k && strchr(BLANKS, rest[k - 1]); k--)
            rest[k - 1] = '\0';
        a->flags = flags;
        r = instructions[i].apply(a, rest, err);
        a->flags = NULL;
    }
    if (r < 0)
        gt_err_prefix(err, "change \"%.200s\"", line + strspn(line, BLANKS));
    return r;
}

/* A line ending in "\" (blanks may follow) continues on the next one. */
static bool continues(char *line)
{
    size_t n = strlen(line);
    while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
        n--;
    if (!n || line[n - 1] != '\\')
        return false;
    line[n - 1] = '\0';
    return true;
}

int gt_image_changes_apply(json_t *config, char *const *changes, struct gt_error *err)
{
    if (!changes || !*changes)
        return 0;
    struct gt_strbuf all = { 0 };
    for (char *const *c = changes; *c; c++) {
        json_t *check = json_string(*c);
        if (!check) {
            gt_strbuf_release(&all);
            return gt_err(err, EINVAL, "change \"%.100s\" is not valid UTF-8", *c);
        }
        json_decref(check);
        gt_strbuf_addstr(&all, *c);
        gt_strbuf_addc(&all, '\n');
    }
    cleanup_json json_t *cfg = json_deep_copy(config);
    struct apply a = { .cfg = cfg };
    struct gt_strbuf line = { 0 };
    int r = 0;
    char *save = NULL;
    bool more = false;
    for (char *l = strtok_r(all.s, "\n", &save); l && r == 0;
         l = strtok_r(NULL, "\n", &save)) {
        const char *t = l + strspn(l, BLANKS);
        if (!*t || *t == '#')
            continue;
        more = continues(l);
        gt_strbuf_addstr(&line, l);
        if (more)
            continue;
        cleanup_free char *text = gt_strbuf_take(&line);
        r = apply_line(&a, text, err);
    }
    if (r == 0 && more) {
        cleanup_free char *text = gt_strbuf_take(&line);
        r = apply_line(&a, text, err);
    }
    gt_strbuf_release(&line);
    gt_strbuf_release(&all);
    if (r < 0)
        return r;
    json_object_clear(config);
    json_object_update(config, cfg);
    return 0;
}

int gt_image_changes_expand(const char *word, const json_t *env, char **out,
                            struct gt_error *err)
{
    return expand(word, env, out, err);
}

char **gt_image_changes_words(const char *s)
{
    return split_quoted(s);
}
