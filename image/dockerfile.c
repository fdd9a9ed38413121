/* Dockerfile parsing (see dockerfile.h). */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/cleanup.h"
#include "base/mem.h"
#include "image/changes.h"
#include "image/dockerfile.h"

#define BLANKS " \t\r"

enum nargs { ANY, ONE_OR_MORE, EXACTLY_ONE, TWO_OR_MORE, FROM_ARGS, JSON_ONLY };

static const struct {
    const char *name;
    enum nargs nargs;
    const char *flags; /* the flags it takes, " a b " */
} known[] = {
    { "add", TWO_OR_MORE, " chown chmod link checksum keep-git-dir exclude " },
    { "arg", ONE_OR_MORE, "" },
    { "cmd", ANY, "" },
    { "copy", TWO_OR_MORE, " from chown chmod link parents exclude " },
    { "entrypoint", ANY, "" },
    { "env", ONE_OR_MORE, "" },
    { "expose", ONE_OR_MORE, "" },
    { "from", FROM_ARGS, " platform " },
    { "healthcheck", ONE_OR_MORE, NULL }, /* its flags are its arguments (image/changes) */
    { "label", ONE_OR_MORE, "" },
    { "maintainer", ONE_OR_MORE, "" },
    { "onbuild", ONE_OR_MORE, NULL },
    { "run", ONE_OR_MORE, " mount network security " },
    { "shell", JSON_ONLY, "" },
    { "stopsignal", EXACTLY_ONE, "" },
    { "user", EXACTLY_ONE, "" },
    { "volume", ONE_OR_MORE, "" },
    { "workdir", EXACTLY_ONE, "" },
};

void gt_dockerfile_release(struct gt_dockerfile *df)
{
    for (size_t i = 0; i < df->n; i++) {
        struct gt_df_instr *in = &df->v[i];
        free(in->cmd);
        free(in->original);
        free(in->rest);
        gt_strv_free(in->flags);
        json_decref(in->json);
    }
    free(df->v);
    df->v = NULL;
    df->n = 0;
}

const char *gt_df_flag(const struct gt_df_instr *in, const char *name)
{
    size_t n = strlen(name);
    for (char **f = in->flags; f && *f; f++)
        if (!strncmp(*f + 2, name, n) && ((*f)[n + 2] == '=' || !(*f)[n + 2]))
            return (*f)[n + 2] ? *f + n + 3 : "";
    return NULL;
}

/* A JSON array of strings, or NULL (the shell form). */
static json_t *json_form(const char *rest)
{
    if (rest[0] != '[')
        return NULL;
    json_t *j = json_loads(rest, JSON_DECODE_ANY, NULL);
    size_t i;
    json_t *v;
    if (!json_is_array(j))
        goto no;
    json_array_foreach(j, i, v)
        if (!json_is_string(v))
            goto no;
    return j;
no:
    json_decref(j);
    return NULL;
}

static size_t count_words(const char *s)
{
    char **w = gt_image_changes_words(s);
    size_t n = 0;
    while (w && w[n])
        n++;
    gt_strv_free(w);
    return n;
}

static int check_args(struct gt_df_instr *in, enum nargs nargs, struct gt_error *err)
{
    cleanup_free char *up = gt_xstrdup(in->cmd);
    for (char *c = up; *c; c++)
        *c = (char)toupper((unsigned char)*c);
    size_t n = in->json ? json_array_size(in->json) : count_words(in->rest);
    switch (nargs) {
    case ANY:
        return 0;
    case ONE_OR_MORE:
        return n >= 1 ? 0 : gt_err(err, EINVAL, "%s requires at least one argument", up);
    case EXACTLY_ONE:
        return n == 1 ? 0 : gt_err(err, EINVAL, "%s requires exactly one argument", up);
    case TWO_OR_MORE:
        if (n >= 2)
            return 0;
        if (n == 1)
            return gt_err(err, EINVAL, "%s requires at least two arguments, but only one was "
                          "provided. Destination could not be determined", up);
        return gt_err(err, EINVAL, "%s requires at least two arguments", up);
    case FROM_ARGS: {
        cleanup_strv char **w = gt_image_changes_words(in->rest);
        if (n == 1 && !in->json)
            return 0;
        if (n == 3 && !in->json && !strcasecmp(w[1], "as")) {
            const char *name = w[2];
            bool ok = isalpha((unsigned char)name[0]);
            for (const char *c = name; *c && ok; c++)
                ok = isalnum((unsigned char)*c) || strchr("_.-", *c);
            return ok ? 0 : gt_err(err, EINVAL, "invalid name for build stage: \"%s\", name "
                                   "can't start with a number or contain symbols", name);
        }
        if (n == 3)
            return gt_err(err, EINVAL, "FROM requires either one or three arguments "
                          "(the second must be AS)");
        return gt_err(err, EINVAL, "FROM requires either one or three arguments");
    }
    case JSON_ONLY:
        return in->json && json_array_size(in->json)
                   ? 0
                   : gt_err(err, EINVAL, "%s requires the arguments to be in JSON form", up);
    }
    return 0;
}

/* One logical line into in; its name checked against the table. */
static int parse_line(const char *text, int line, struct gt_df_instr *in, bool *first_from,
                      struct gt_error *err)
{
    const char *p = text + strspn(text, BLANKS);
    size_t n = strcspn(p, BLANKS);
    in->cmd = gt_xstrndup(p, n);
    in->line = line;
    in->original = gt_xstrdup(p);
    for (size_t k = strlen(in->original); k && strchr(BLANKS, in->original[k - 1]); k--)
        in->original[k - 1] = '\0';
    size_t i = 0;
    for (; i < sizeof known / sizeof known[0]; i++)
        if (!strcasecmp(in->cmd, known[i].name))
            break;
    if (i == sizeof known / sizeof known[0])
        return gt_err(err, EINVAL, "unknown instruction: %s", in->cmd);
    for (char *c = in->cmd; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    if (!*first_from && strcmp(in->cmd, "arg")) {
        if (strcmp(in->cmd, "from"))
            return gt_err(err, EINVAL, "no build stage in current context");
        *first_from = true;
    }
    p += n + strspn(p + n, BLANKS);
    while (known[i].flags && p[0] == '-' && p[1] == '-') {
        size_t fl = strcspn(p, BLANKS);
        cleanup_free char *f = gt_xstrndup(p, fl);
        size_t nl = strcspn(f + 2, "=");
        cleanup_free char *pat = gt_xasprintf(" %.*s ", (int)nl, f + 2);
        if (!strstr(known[i].flags, pat))
            return gt_err(err, EINVAL, "unknown flag: %.*s", (int)nl, f + 2);
        gt_strv_push(&in->flags, f);
        p += fl + strspn(p + fl, BLANKS);
    }
    in->rest = gt_xstrdup(p);
    for (size_t k = strlen(in->rest); k && strchr(BLANKS, in->rest[k - 1]); k--)
        in->rest[k - 1] = '\0';
    if (strcmp(in->cmd, "arg") && strcmp(in->cmd, "env") && strcmp(in->cmd, "label") &&
        strcmp(in->cmd, "from") && strcmp(in->cmd, "healthcheck") && strcmp(in->cmd, "onbuild"))
        in->json = json_form(in->rest);
    return check_args(in, known[i].nargs, err);
}

/* A parser directive "# name=value" (lower case name), or false. */
static bool directive(const char *l, char **name, char **value)
{
    l += strspn(l, BLANKS);
    if (*l != '#')
        return false;
    l++;
    l += strspn(l, BLANKS);
    size_t n = 0;
    while (isalpha((unsigned char)l[n]))
        n++;
    const char *q = l + n + strspn(l + n, BLANKS);
    if (!n || *q != '=')
        return false;
    q++;
    q += strspn(q, BLANKS);
    *name = gt_xstrndup(l, n);
    for (char *c = *name; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    *value = gt_xstrndup(q, strcspn(q, BLANKS "\n"));
    return true;
}

/* Whether line (trimmed of blanks at its end) ends with the escape
 * character; it is then cut off. */
static bool continues(char *line, char escape)
{
    size_t n = strlen(line);
    while (n && strchr(BLANKS, line[n - 1]))
        n--;
    if (!n || line[n - 1] != escape)
        return false;
    line[n - 1] = '\0';
    return true;
}

int gt_dockerfile_parse(const char *text, size_t len, struct gt_dockerfile *out,
                        struct gt_error *err)
{
    memset(out, 0, sizeof *out);
    out->escape = '\\';
    cleanup_free char *all = gt_xstrndup(text, len);
    if (strlen(all) != len)
        return gt_err(err, EINVAL, "dockerfile parse error: the Dockerfile holds a NUL byte");
    bool directives = true, first_from = false;
    size_t cap = 0;
    int lineno = 0, start = 0, r = 0;
    char *cur = NULL; /* the logical line being gathered */
    char *save = all;
    for (char *l = all; l && r == 0; l = save) {
        char *nl = strchr(l, '\n');
        save = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        lineno++;
        if (directives) {
            char *name = NULL, *value = NULL;
            if (directive(l, &name, &value)) {
                if (!strcmp(name, "escape")) {
                    if (strcmp(value, "\\") && strcmp(value, "`"))
                        r = gt_err(err, EINVAL, "dockerfile parse error on line %d: invalid "
                                   "escape token '%s' does not match ` or \\", lineno, value);
                    else
                        out->escape = value[0];
                }
                free(name);
                free(value);
                continue;
            }
            directives = false;
        }
        const char *t = l + strspn(l, BLANKS);
        if (*t == '#' || (!*t && cur))
            continue; /* comments, and blank lines inside an instruction */
        if (!*t && !cur)
            continue;
        bool more = continues(l, out->escape);
        if (!cur) {
            start = lineno;
            cur = gt_xstrdup(l);
        } else {
            char *j = gt_xasprintf("%s%s", cur, l);
            free(cur);
            cur = j;
        }
        if (more && save)
            continue;
        if (!*(cur + strspn(cur, BLANKS))) {
            free(cur);
            cur = NULL;
            continue;
        }
        if (out->n == cap) {
            cap = cap ? cap * 2 : 16;
            out->v = gt_xrealloc(out->v, cap * sizeof *out->v);
        }
        struct gt_df_instr *in = &out->v[out->n++];
        memset(in, 0, sizeof *in);
        if ((r = parse_line(cur, start, in, &first_from, err)) < 0)
            gt_err_prefix(err, "dockerfile parse error on line %d", start);
        free(cur);
        cur = NULL;
    }
    free(cur);
    if (r == 0 && out->n == 0)
        r = gt_err(err, EINVAL, "the Dockerfile cannot be empty");
    if (r == 0 && !first_from)
        r = gt_err(err, EINVAL, "dockerfile parse error on line %d: no build stage in current "
                   "context (a FROM is missing)", out->v[out->n - 1].line);
    if (r < 0)
        gt_dockerfile_release(out);
    return r;
}
