/* docker commit --change: Dockerfile instructions applied to a container
 * Config the way dockerd's builder applies them.  A commit allows CMD,
 * ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, ONBUILD, STOPSIGNAL, USER,
 * VOLUME and WORKDIR; their words are split and unquoted as a Dockerfile's
 * are (quotes, backslash escapes, line continuations), and $VAR, ${VAR},
 * ${VAR:-word} and ${VAR:+word} are replaced from the Config's Env for the
 * instructions that Docker expands (all but CMD, ENTRYPOINT, HEALTHCHECK
 * and ONBUILD). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/sig.h"
#include "engine/internal.h"

struct apply {
    json_t *cfg;
    bool cmd_set; /* a CMD came before (an ENTRYPOINT then keeps it) */
};

/* ---- words ---- */

/* Splits s at unquoted white space; the words keep their quotes and
 * escapes (they are taken off by unquote). */
static char **split_words(const char *s)
{
    char **words = NULL;
    const char *p = s;
    while (*p) {
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        const char *start = p;
        char quote = 0;
        while (*p && (quote || !isspace((unsigned char)*p))) {
            if (*p == '\\' && quote != '\'' && p[1]) {
                p += 2;
                continue;
            }
            if (quote && *p == quote)
                quote = 0;
            else if (!quote && (*p == '"' || *p == '\''))
                quote = *p;
            p++;
        }
        char *w = gt_xstrndup(start, (size_t)(p - start));
        gt_strv_push(&words, w);
        free(w);
    }
    if (!words)
        words = gt_xcalloc(1, sizeof *words);
    return words;
}

static const char *env_lookup(json_t *cfg, const char *name, size_t len)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(cfg, "Env"), i, v) {
        const char *kv = json_string_value(v);
        if (kv && !strncmp(kv, name, len) && kv[len] == '=')
            return kv + len + 1;
    }
    return NULL;
}

static int unquote_into(FILE *out, const char **pp, const char *end, json_t *env,
                        struct gt_error *err);

/* A $ expansion at *pp (just after the '$'). */
static int expand(FILE *out, const char **pp, const char *end, json_t *env, struct gt_error *err)
{
    const char *p = *pp;
    if (p < end && *p == '{') {
        const char *name = ++p;
        while (p < end && (isalnum((unsigned char)*p) || *p == '_'))
            p++;
        size_t nlen = (size_t)(p - name);
        const char *val = nlen ? env_lookup(env, name, nlen) : NULL;
        if (p < end && *p == '}') {
            *pp = p + 1;
            if (val)
                fputs(val, out);
            return 0;
        }
        if (p >= end)
            return gt_err(err, EINVAL, "missing '}' in \"%.*s\"", (int)(end - *pp + 1), *pp - 1);
        bool colon = *p == ':';
        if (colon)
            p++;
        char op = p < end ? *p : 0;
        if (!nlen || (op != '-' && op != '+'))
            return gt_err(err, EINVAL, "unsupported modifier in ${...}: \"%.*s\"",
                          (int)(end - *pp + 1), *pp - 1);
        p++;
        /* the word runs to the matching '}' */
        const char *w = p;
        int depth = 1;
        while (p < end && depth) {
            if (*p == '\\' && p + 1 < end)
                p++;
            else if (*p == '{')
                depth++;
            else if (*p == '}')
                depth--;
            if (depth)
                p++;
        }
        if (p >= end)
            return gt_err(err, EINVAL, "missing '}' in \"%.*s\"", (int)(end - *pp + 1), *pp - 1);
        bool set = val && (!colon || *val);
        bool use_word = op == '-' ? !set : set;
        *pp = p + 1;
        if (!use_word) {
            if (set)
                fputs(val, out);
            return 0;
        }
        const char *wp = w;
        return unquote_into(out, &wp, p, env, err);
    }
    const char *name = p;
    while (p < end && (isalnum((unsigned char)*p) || *p == '_'))
        p++;
    if (p == name || isdigit((unsigned char)*name)) {
        fputc('$', out);
        return 0;
    }
    const char *val = env_lookup(env, name, (size_t)(p - name));
    if (val)
        fputs(val, out);
    *pp = p;
    return 0;
}

/* Quotes and escapes taken off, variables replaced (env NULL: none). */
static int unquote_into(FILE *out, const char **pp, const char *end, json_t *env,
                        struct gt_error *err)
{
    const char *p = *pp;
    int r = 0;
    while (p < end && r == 0) {
        char c = *p++;
        if (c == '\'') {
            while (p < end && *p != '\'')
                fputc(*p++, out);
            if (p >= end)
                return gt_err(err, EINVAL, "unexpected end of statement while looking for "
                                           "matching single-quote");
            p++;
        } else if (c == '"') {
            while (p < end && *p != '"' && r == 0) {
                if (*p == '\\' && p + 1 < end && strchr("\"\\$", p[1])) {
                    fputc(p[1], out);
                    p += 2;
                } else if (*p == '$' && env) {
                    p++;
                    r = expand(out, &p, end, env, err);
                } else {
                    fputc(*p++, out);
                }
            }
            if (r == 0 && p >= end)
                return gt_err(err, EINVAL, "unexpected end of statement while looking for "
                                           "matching double-quote");
            p++;
        } else if (c == '\\' && p < end) {
            fputc(*p++, out);
        } else if (c == '$' && env) {
            r = expand(out, &p, end, env, err);
        } else {
            fputc(c, out);
        }
    }
    *pp = p;
    return r;
}

static int unquote(const char *s, json_t *env, char **out, struct gt_error *err)
{
    size_t len;
    char *buf = NULL;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return gt_err_sys(err, errno, "open_memstream");
    const char *p = s;
    int r = unquote_into(f, &p, s + strlen(s), env, err);
    fclose(f);
    if (r < 0) {
        free(buf);
        return r;
    }
    *out = buf;
    return 0;
}

/* ---- instructions ---- */

/* CMD and ENTRYPOINT: the exec form (a JSON array of strings) or the
 * shell form (the Config's Shell, else /bin/sh -c, then the line). */
/* The exec form: rest as a JSON array of strings, or NULL. */
static json_t *exec_form(const char *rest)
{
    if (rest[0] != '[')
        return NULL;
    json_t *j = json_loads(rest, 0, NULL);
    bool ok = json_is_array(j);
    size_t i;
    json_t *v;
    json_array_foreach(j, i, v)
        ok = ok && json_is_string(v);
    if (ok)
        return j;
    json_decref(j);
    return NULL;
}

static json_t *command_line(json_t *cfg, const char *rest)
{
    json_t *j = exec_form(rest);
    if (j)
        return j;
    if (!*rest)
        return json_array();
    json_t *shell = json_object_get(cfg, "Shell");
    json_t *arr = json_is_array(shell) && json_array_size(shell)
                      ? json_deep_copy(shell)
                      : json_pack("[s,s]", "/bin/sh", "-c");
    json_array_append_new(arr, json_string(rest));
    return arr;
}

static int do_cmd(struct apply *a, const char *rest, struct gt_error *err)
{
    json_object_set_new(a->cfg, "Cmd", command_line(a->cfg, rest));
    if (*rest)
        a->cmd_set = true;
    return 0;
}

static int do_entrypoint(struct apply *a, const char *rest, struct gt_error *err)
{
    json_object_set_new(a->cfg, "Entrypoint", command_line(a->cfg, rest));
    if (!a->cmd_set)
        json_object_set_new(a->cfg, "Cmd", json_null());
    return 0;
}

/* ENV and LABEL: name=value pairs, or the old "name value". *keys and
 * *vals: new vectors of the unquoted, expanded pairs. */
static int name_values(const char *what, const char *rest, json_t *env, char ***keys,
                       char ***vals, struct gt_error *err)
{
    cleanup_strv char **words = split_words(rest);
    if (!words[0])
        return gt_err(err, EINVAL, "%s requires at least one argument", what);
    int r;
    if (!strchr(words[0], '=')) {
        /* the old form: the name, then the rest of the line */
        const char *p = rest;
        while (*p && !isspace((unsigned char)*p))
            p++;
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            return gt_err(err, EINVAL, "%s must have two arguments", what);
        char *k = NULL, *v = NULL;
        if ((r = unquote(words[0], env, &k, err)) < 0)
            return r;
        if ((r = unquote(p, env, &v, err)) < 0) {
            free(k);
            return r;
        }
        gt_strv_push(keys, k);
        gt_strv_push(vals, v);
        free(k);
        free(v);
        return 0;
    }
    for (char **w = words; *w; w++) {
        char *eq = strchr(*w, '=');
        if (!eq)
            return gt_err(err, EINVAL,
                          "Syntax error - can't find = in \"%s\". Must be of the form: name=value",
                          *w);
        *eq = '\0';
        cleanup_free char *k = NULL, *v = NULL;
        if ((r = unquote(*w, env, &k, err)) < 0 || (r = unquote(eq + 1, env, &v, err)) < 0)
            return r;
        if (!*k)
            return gt_err(err, EINVAL, "%s names can not be blank", what);
        gt_strv_push(keys, k);
        gt_strv_push(vals, v);
    }
    return 0;
}

static int do_env(struct apply *a, const char *rest, struct gt_error *err)
{
    cleanup_strv char **keys = NULL, **vals = NULL;
    /* every pair is expanded with the Env from before the instruction */
    cleanup_json json_t *before = json_deep_copy(a->cfg);
    int r = name_values("ENV", rest, before, &keys, &vals, err);
    if (r < 0)
        return r;
    json_t *env = json_object_get(a->cfg, "Env");
    if (!json_is_array(env)) {
        env = json_array();
        json_object_set_new(a->cfg, "Env", env);
    }
    for (size_t i = 0; keys[i]; i++) {
        json_t *kv = json_sprintf("%s=%s", keys[i], vals[i]);
        size_t klen = strlen(keys[i]), j;
        json_t *v;
        bool replaced = false;
        json_array_foreach(env, j, v) {
            const char *s = json_string_value(v);
            if (s && !strncmp(s, keys[i], klen) && s[klen] == '=') {
                json_array_set(env, j, kv);
                replaced = true;
                break;
            }
        }
        if (!replaced)
            json_array_append(env, kv);
        json_decref(kv);
    }
    return 0;
}

static int do_label(struct apply *a, const char *rest, struct gt_error *err)
{
    cleanup_strv char **keys = NULL, **vals = NULL;
    int r = name_values("LABEL", rest, a->cfg, &keys, &vals, err);
    if (r < 0)
        return r;
    json_t *labels = json_object_get(a->cfg, "Labels");
    if (!json_is_object(labels)) {
        labels = json_object();
        json_object_set_new(a->cfg, "Labels", labels);
    }
    for (size_t i = 0; keys[i]; i++)
        json_object_set_new(labels, keys[i], json_string(vals[i]));
    return 0;
}

/* The words of rest, unquoted and expanded; at least one. */
static int words_of(const char *what, const char *rest, json_t *env, char ***out,
                    struct gt_error *err)
{
    cleanup_strv char **raw = split_words(rest);
    if (!raw[0])
        return gt_err(err, EINVAL, "%s requires at least one argument", what);
    char **words = NULL;
    for (char **w = raw; *w; w++) {
        char *s = NULL;
        int r = unquote(*w, env, &s, err);
        if (r < 0) {
            gt_strv_free(words);
            return r;
        }
        gt_strv_push(&words, s);
        free(s);
    }
    *out = words;
    return 0;
}

static int port_number(const char *s, const char *end, long *out)
{
    if (s == end || end - s > 5)
        return -1;
    long v = 0;
    for (const char *p = s; p < end; p++) {
        if (!isdigit((unsigned char)*p))
            return -1;
        v = v * 10 + (*p - '0');
    }
    if (v > 65535)
        return -1;
    *out = v;
    return 0;
}

static int do_expose(struct apply *a, const char *rest, struct gt_error *err)
{
    cleanup_strv char **words = NULL;
    int r = words_of("EXPOSE", rest, a->cfg, &words, err);
    if (r < 0)
        return r;
    json_t *ports = json_object_get(a->cfg, "ExposedPorts");
    if (!json_is_object(ports)) {
        ports = json_object();
        json_object_set_new(a->cfg, "ExposedPorts", ports);
    }
    for (char **w = words; *w; w++) {
        char *slash = strchr(*w, '/');
        const char *end = slash ? slash : *w + strlen(*w);
        cleanup_free char *proto = gt_xstrdup(slash ? slash + 1 : "tcp");
        for (char *p = proto; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        if (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp"))
            return gt_err(err, EINVAL, "Invalid proto: %s", proto);
        const char *dash = memchr(*w, '-', (size_t)(end - *w));
        long lo, hi;
        if (port_number(*w, dash ? dash : end, &lo) < 0 ||
            (dash && port_number(dash + 1, end, &hi) < 0))
            return gt_err(err, EINVAL, "Invalid containerPort: %s", *w);
        if (!dash)
            hi = lo;
        if (hi < lo)
            return gt_err(err, EINVAL, "Invalid range specified for container port: %s", *w);
        for (long p = lo; p <= hi; p++) {
            char key[32];
            snprintf(key, sizeof key, "%ld/%s", p, proto);
            json_object_set_new(ports, key, json_object());
        }
    }
    return 0;
}

static int do_volume(struct apply *a, const char *rest, struct gt_error *err)
{
    cleanup_strv char **words = NULL;
    cleanup_json json_t *j = exec_form(rest);
    size_t i;
    json_t *v;
    int r;
    if (j) {
        json_array_foreach(j, i, v) {
            char *s = NULL;
            if ((r = unquote(json_string_value(v), a->cfg, &s, err)) < 0)
                return r;
            gt_strv_push(&words, s);
            free(s);
        }
        if (!words)
            return gt_err(err, EINVAL, "VOLUME requires at least one argument");
    } else if ((r = words_of("VOLUME", rest, a->cfg, &words, err)) < 0) {
        return r;
    }
    json_t *vols = json_object_get(a->cfg, "Volumes");
    if (!json_is_object(vols)) {
        vols = json_object();
        json_object_set_new(a->cfg, "Volumes", vols);
    }
    for (char **w = words; *w; w++) {
        if (!**w)
            return gt_err(err, EINVAL, "VOLUME specified can not be an empty string");
        json_object_set_new(vols, *w, json_object());
    }
    return 0;
}

/* One word exactly: USER, STOPSIGNAL. */
static int one_word(const char *what, const char *rest, json_t *env, char **out,
                    struct gt_error *err)
{
    cleanup_strv char **raw = split_words(rest);
    if (!raw[0] || raw[1])
        return gt_err(err, EINVAL, "%s requires exactly one argument", what);
    return unquote(raw[0], env, out, err);
}

static int do_user(struct apply *a, const char *rest, struct gt_error *err)
{
    cleanup_free char *u = NULL;
    int r = one_word("USER", rest, a->cfg, &u, err);
    if (r == 0)
        json_object_set_new(a->cfg, "User", json_string(u));
    return r;
}

static int do_stopsignal(struct apply *a, const char *rest, struct gt_error *err)
{
    cleanup_free char *s = NULL;
    int r = one_word("STOPSIGNAL", rest, a->cfg, &s, err);
    if (r < 0)
        return r;
    if (gt_signal_parse(s) < 0)
        return gt_err(err, EINVAL, "Invalid signal: %s", s);
    json_object_set_new(a->cfg, "StopSignal", json_string(s));
    return 0;
}

static int do_workdir(struct apply *a, const char *rest, struct gt_error *err)
{
    if (!*rest)
        return gt_err(err, EINVAL, "WORKDIR requires exactly one argument");
    cleanup_free char *w = NULL;
    int r = unquote(rest, a->cfg, &w, err);
    if (r < 0)
        return r;
    const char *cur = json_string_value(json_object_get(a->cfg, "WorkingDir"));
    cleanup_free char *dir = gt_path_clean_abs(w[0] == '/' || !cur ? "" : cur, w);
    json_object_set_new(a->cfg, "WorkingDir", json_string(dir));
    return 0;
}

static int do_onbuild(struct apply *a, const char *rest, struct gt_error *err)
{
    size_t n = strcspn(rest, " \t");
    if (!n)
        return gt_err(err, EINVAL, "ONBUILD requires at least one argument");
    cleanup_free char *word = gt_xstrndup(rest, n);
    for (char *p = word; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    if (!strcmp(word, "ONBUILD"))
        return gt_err(err, EINVAL, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
    if (!strcmp(word, "FROM") || !strcmp(word, "MAINTAINER"))
        return gt_err(err, EINVAL, "%s isn't allowed as an ONBUILD trigger", word);
    json_t *ob = json_object_get(a->cfg, "OnBuild");
    if (!json_is_array(ob)) {
        ob = json_array();
        json_object_set_new(a->cfg, "OnBuild", ob);
    }
    json_array_append_new(ob, json_sprintf("%s%s", word, rest + n));
    return 0;
}

/* Go's time.ParseDuration, in nanoseconds. */
static int parse_duration(const char *s, int64_t *out)
{
    static const struct {
        const char *unit;
        double ns;
    } units[] = { { "ns", 1 },     { "us", 1e3 },   { "µs", 1e3 }, { "ms", 1e6 },
                  { "s", 1e9 },    { "m", 60e9 },   { "h", 3600e9 } };
    if (!strcmp(s, "0")) {
        *out = 0;
        return 0;
    }
    double total = 0;
    const char *p = s;
    if (!*p)
        return -1;
    while (*p) {
        char *end;
        double v = strtod(p, &end);
        if (end == p || v < 0)
            return -1;
        p = end;
        size_t best = 0, blen = 0;
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
            size_t l = strlen(units[i].unit);
            if (!strncmp(p, units[i].unit, l) && l > blen) {
                best = i;
                blen = l;
            }
        }
        if (!blen)
            return -1;
        total += v * units[best].ns;
        p += blen;
    }
    *out = (int64_t)total;
    return 0;
}

static int do_healthcheck(struct apply *a, const char *rest, struct gt_error *err)
{
    static const char *const flags[] = { "interval", "timeout", "start-period", "start-interval",
                                         NULL };
    static const char *const keys[] = { "Interval", "Timeout", "StartPeriod", "StartInterval" };
    cleanup_json json_t *hc = json_object();
    const char *p = rest;
    while (!strncmp(p, "--", 2)) {
        size_t n = strcspn(p, " \t");
        cleanup_free char *flag = gt_xstrndup(p + 2, n - 2);
        p += n;
        while (isspace((unsigned char)*p))
            p++;
        char *eq = strchr(flag, '=');
        if (!eq)
            return gt_err(err, EINVAL, "HEALTHCHECK: flag --%s needs a value (--%s=...)", flag,
                          flag);
        *eq = '\0';
        const char *val = eq + 1;
        if (!strcmp(flag, "retries")) {
            char *end;
            long v = strtol(val, &end, 10);
            if (!*val || *end)
                return gt_err(err, EINVAL, "HEALTHCHECK: --retries: invalid value \"%s\"", val);
            if (v < 0)
                return gt_err(err, EINVAL, "--retries cannot be negative (%ld)", v);
            if (v)
                json_object_set_new(hc, "Retries", json_integer(v));
            continue;
        }
        size_t i = 0;
        while (flags[i] && strcmp(flags[i], flag))
            i++;
        if (!flags[i])
            return gt_err(err, EINVAL, "HEALTHCHECK: unknown flag: --%s", flag);
        int64_t d;
        if (parse_duration(val, &d) < 0)
            return gt_err(err, EINVAL, "HEALTHCHECK: --%s: invalid duration \"%s\"", flag, val);
        if (d != 0 && d < 1000000)
            return gt_err(err, EINVAL, "Interval \"%s\" cannot be less than 1ms", flag);
        if (d)
            json_object_set_new(hc, keys[i], json_integer(d));
    }
    size_t n = strcspn(p, " \t");
    cleanup_free char *type = gt_xstrndup(p, n);
    for (char *t = type; *t; t++)
        *t = (char)toupper((unsigned char)*t);
    p += n;
    while (isspace((unsigned char)*p))
        p++;
    if (!strcmp(type, "NONE")) {
        if (*p || json_object_size(hc))
            return gt_err(err, EINVAL, "HEALTHCHECK NONE takes no arguments");
        json_object_set_new(hc, "Test", json_pack("[s]", "NONE"));
    } else if (!strcmp(type, "CMD")) {
        if (!*p)
            return gt_err(err, EINVAL, "HEALTHCHECK CMD requires a command");
        json_t *test = json_array();
        json_t *cmd = exec_form(p);
        if (cmd) {
            json_array_append_new(test, json_string("CMD"));
            json_array_extend(test, cmd);
            json_decref(cmd);
        } else {
            json_array_append_new(test, json_string("CMD-SHELL"));
            json_array_append_new(test, json_string(p));
        }
        json_object_set_new(hc, "Test", test);
    } else {
        return gt_err(err, EINVAL, "Unknown type \"%s\" in HEALTHCHECK (try CMD)", type);
    }
    json_object_set(a->cfg, "Healthcheck", hc);
    return 0;
}

static const struct {
    const char *name;
    int (*fn)(struct apply *a, const char *rest, struct gt_error *err);
} instructions[] = {
    { "cmd", do_cmd },           { "entrypoint", do_entrypoint }, { "env", do_env },
    { "expose", do_expose },     { "healthcheck", do_healthcheck }, { "label", do_label },
    { "onbuild", do_onbuild },   { "stopsignal", do_stopsignal }, { "user", do_user },
    { "volume", do_volume },     { "workdir", do_workdir },
};

static int apply_line(struct apply *a, const char *line, struct gt_error *err)
{
    size_t n = strcspn(line, " \t");
    cleanup_free char *word = gt_xstrndup(line, n);
    for (char *p = word; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    const char *rest = line + n;
    while (isspace((unsigned char)*rest))
        rest++;
    for (size_t i = 0; i < sizeof instructions / sizeof instructions[0]; i++)
        if (!strcmp(instructions[i].name, word)) {
            int r = instructions[i].fn(a, rest, err);
            return r < 0 ? gt_err_prefix(err, "--change \"%s\"", line) : r;
        }
    return gt_err(err, EINVAL, "%s is not a valid change command", word);
}

int eng_changes_apply(json_t *cfg, char *const *changes, struct gt_error *err)
{
    struct apply a = { .cfg = cfg };
    for (char *const *c = changes; c && *c; c++) {
        /* one change may hold several lines, and lines may continue */
        cleanup_free char *text = gt_xstrdup(*c);
        char *save = NULL;
        cleanup_free char *pending = NULL;
        for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
            size_t len = strlen(l);
            while (len && isspace((unsigned char)l[len - 1]))
                l[--len] = '\0';
            char *start = l;
            while (isspace((unsigned char)*start))
                start++;
            if (!pending && (!*start || *start == '#'))
                continue;
            char *joined = pending ? gt_xasprintf("%s%s", pending, start) : gt_xstrdup(start);
            free(pending);
            pending = NULL;
            size_t jl = strlen(joined);
            if (jl && joined[jl - 1] == '\\') {
                joined[jl - 1] = '\0';
                pending = joined;
                continue;
            }
            int r = apply_line(&a, joined, err);
            free(joined);
            if (r < 0)
                return r;
        }
        if (pending) {
            int r = apply_line(&a, pending, err);
            if (r < 0)
                return r;
        }
    }
    return 0;
}
