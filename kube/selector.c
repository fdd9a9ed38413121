#include "kube/selector.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "kube/meta.h"
#include "kube/obj.h"

/* ---- label selectors ---- */

enum op { OP_EQ, OP_DEQ, OP_NEQ, OP_IN, OP_NOTIN, OP_EXISTS, OP_NOTEXISTS, OP_GT, OP_LT };

struct req {
    char *key;
    enum op op;
    char **values; /* NULL-terminated */
    size_t nvalues;
};

struct gt_klsel {
    struct req *r;
    size_t n, cap;
    bool nothing;
};

static struct gt_klsel *sel_new(void)
{
    return gt_xcalloc(1, sizeof(struct gt_klsel));
}

void gt_klsel_free(struct gt_klsel *sel)
{
    if (!sel)
        return;
    for (size_t i = 0; i < sel->n; i++) {
        free(sel->r[i].key);
        gt_strv_free(sel->r[i].values);
    }
    free(sel->r);
    free(sel);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Validates and appends a requirement; takes ownership of key and values. */
static int add_req(struct gt_klsel *sel, char *key, enum op op, char **values,
                   struct gt_error *err)
{
    size_t nv = gt_strv_len(values);
    struct gt_kfe_list l;
    gt_kfe_list_init(&l);
    gt_kmeta_check_qualified_name(&l, "key", key);
    int r = 0;
    if (l.n) {
        r = gt_err(err, EINVAL, "invalid label key \"%s\": %s", key, l.v[0].detail);
        goto out;
    }
    switch (op) {
    case OP_IN:
    case OP_NOTIN:
        if (nv == 0) {
            r = gt_err(err, EINVAL, "%s: for 'in', 'notin' operators, values set can't be empty",
                       key);
            goto out;
        }
        break;
    case OP_EQ:
    case OP_DEQ:
    case OP_NEQ:
        if (nv != 1) {
            r = gt_err(err, EINVAL, "%s: exact-match compatibility requires one single value", key);
            goto out;
        }
        break;
    case OP_EXISTS:
    case OP_NOTEXISTS:
        if (nv != 0) {
            r = gt_err(err, EINVAL, "%s: values set must be empty for exists and does not exist",
                       key);
            goto out;
        }
        break;
    case OP_GT:
    case OP_LT: {
        char *end;
        if (nv != 1) {
            r = gt_err(err, EINVAL, "%s: for 'Gt', 'Lt' operators, exactly one value is required",
                       key);
            goto out;
        }
        errno = 0;
        strtoll(values[0], &end, 10);
        if (!values[0][0] || *end || errno) {
            r = gt_err(err, EINVAL, "%s: for 'Gt', 'Lt' operators, the value must be an integer",
                       key);
            goto out;
        }
        break;
    }
    }
    for (size_t i = 0; i < nv && op != OP_GT && op != OP_LT; i++) {
        gt_kmeta_check_label_value(&l, "values", values[i]);
        if (l.n) {
            r = gt_err(err, EINVAL, "invalid label value: \"%s\": %s", values[i], l.v[0].detail);
            goto out;
        }
    }
    if (sel->n == sel->cap) {
        sel->cap = sel->cap ? 2 * sel->cap : 4;
        sel->r = gt_xrealloc(sel->r, sel->cap * sizeof *sel->r);
    }
    if (nv > 1)
        qsort(values, nv, sizeof *values, cmp_str);
    sel->r[sel->n++] = (struct req){ key, op, values, nv };
    key = NULL;
    values = NULL;
out:
    gt_kfe_list_release(&l);
    free(key);
    gt_strv_free(values);
    return r;
}

/* Stable sort of requirements by key, as the Kubernetes selector keeps them. */
static void sort_reqs(struct gt_klsel *sel)
{
    for (size_t i = 1; i < sel->n; i++) {
        struct req t = sel->r[i];
        size_t j = i;
        while (j > 0 && strcmp(sel->r[j - 1].key, t.key) > 0) {
            sel->r[j] = sel->r[j - 1];
            j--;
        }
        sel->r[j] = t;
    }
}

/* The lexer of the string form. */
enum tok { T_END, T_IDENT, T_NOT, T_NEQ, T_LPAREN, T_RPAREN, T_COMMA, T_EQ, T_DEQ, T_GT, T_LT,
           T_IN, T_NOTIN };

struct lexer {
    const char *s;
    size_t pos;
    char *lit; /* last identifier */
};

static bool special(char c)
{
    return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

static enum tok lex(struct lexer *lx, bool value_context)
{
    free(lx->lit);
    lx->lit = NULL;
    while (lx->s[lx->pos] && isspace((unsigned char)lx->s[lx->pos]))
        lx->pos++;
    const char *p = lx->s + lx->pos;
    if (!*p)
        return T_END;
    if (special(*p)) {
        static const struct {
            const char *s;
            enum tok t;
        } sym[] = { { "!=", T_NEQ }, { "==", T_DEQ }, { "!", T_NOT }, { "(", T_LPAREN },
                    { ")", T_RPAREN }, { ",", T_COMMA }, { "=", T_EQ }, { ">", T_GT },
                    { "<", T_LT } };
        for (size_t i = 0; i < sizeof sym / sizeof sym[0]; i++) {
            size_t n = strlen(sym[i].s);
            if (strncmp(p, sym[i].s, n) == 0) {
                lx->pos += n;
                return sym[i].t;
            }
        }
    }
    size_t n = 0;
    while (p[n] && !isspace((unsigned char)p[n]) && !special(p[n]))
        n++;
    lx->pos += n;
    lx->lit = gt_xstrndup(p, n);
    if (!value_context && strcmp(lx->lit, "in") == 0)
        return T_IN;
    if (!value_context && strcmp(lx->lit, "notin") == 0)
        return T_NOTIN;
    return T_IDENT;
}

static enum tok peek(struct lexer *lx, bool value_context)
{
    struct lexer save = { lx->s, lx->pos, NULL };
    enum tok t = lex(&save, value_context);
    free(save.lit);
    return t;
}

static int parse_req(struct lexer *lx, struct gt_klsel *sel, struct gt_error *err)
{
    enum tok t = lex(lx, false);
    enum op op;
    bool dne = false;
    if (t == T_NOT) {
        dne = true;
        t = lex(lx, false);
    }
    if (t != T_IDENT)
        return gt_err(err, EINVAL, "unable to parse requirement: found '%s', expected: identifier",
                      lx->lit ? lx->lit : (t == T_END ? "" : "symbol"));
    char *key = gt_xstrdup(lx->lit);
    char **values = NULL;
    enum tok next = peek(lx, false);
    if (dne || next == T_END || next == T_COMMA)
        return add_req(sel, key, dne ? OP_NOTEXISTS : OP_EXISTS, NULL, err);
    t = lex(lx, false);
    switch (t) {
    case T_EQ: op = OP_EQ; break;
    case T_DEQ: op = OP_DEQ; break;
    case T_NEQ: op = OP_NEQ; break;
    case T_IN: op = OP_IN; break;
    case T_NOTIN: op = OP_NOTIN; break;
    case T_GT: op = OP_GT; break;
    case T_LT: op = OP_LT; break;
    default:
        free(key);
        return gt_err(err, EINVAL,
                      "unable to parse requirement: found '%s', expected: in, notin, =, ==, !=, "
                      "gt, lt",
                      lx->lit ? lx->lit : "symbol");
    }
    if (op == OP_IN || op == OP_NOTIN) {
        if (lex(lx, true) != T_LPAREN) {
            free(key);
            return gt_err(err, EINVAL, "unable to parse requirement: expected '(' after '%s'",
                          op == OP_IN ? "in" : "notin");
        }
        bool want_value = true;
        for (;;) {
            t = lex(lx, true);
            if (t == T_IDENT && want_value) {
                gt_strv_push(&values, lx->lit);
                want_value = false;
            } else if (t == T_COMMA) {
                if (want_value)
                    gt_strv_push(&values, "");
                want_value = true;
            } else if (t == T_RPAREN) {
                if (want_value && values)
                    gt_strv_push(&values, "");
                break;
            } else {
                free(key);
                gt_strv_free(values);
                return gt_err(err, EINVAL, "unable to parse requirement: found '%s', expected: ',' "
                                           "or ')'",
                              lx->lit ? lx->lit : (t == T_END ? "" : "symbol"));
            }
        }
        return add_req(sel, key, op, values, err);
    }
    next = peek(lx, true);
    if (next == T_END || next == T_COMMA) {
        gt_strv_push(&values, "");
    } else {
        t = lex(lx, true);
        if (t != T_IDENT) {
            free(key);
            return gt_err(err, EINVAL, "unable to parse requirement: found '%s', expected: "
                                       "identifier",
                          lx->lit ? lx->lit : "symbol");
        }
        gt_strv_push(&values, lx->lit);
    }
    return add_req(sel, key, op, values, err);
}

int gt_klsel_parse(const char *s, struct gt_klsel **out, struct gt_error *err)
{
    struct gt_klsel *sel = sel_new();
    struct lexer lx = { s ? s : "", 0, NULL };
    if (peek(&lx, false) != T_END) {
        for (;;) {
            int r = parse_req(&lx, sel, err);
            if (r < 0) {
                free(lx.lit);
                gt_klsel_free(sel);
                return gt_err_prefix(err, "couldn't parse the selector string \"%s\"", s);
            }
            enum tok t = lex(&lx, false);
            if (t == T_END)
                break;
            if (t != T_COMMA) {
                gt_err(err, EINVAL,
                       "couldn't parse the selector string \"%s\": found '%s', expected: "
                       "',' or 'end of string'",
                       s, lx.lit ? lx.lit : "symbol");
                free(lx.lit);
                gt_klsel_free(sel);
                return -EINVAL;
            }
        }
    }
    free(lx.lit);
    sort_reqs(sel);
    *out = sel;
    return 0;
}

int gt_klsel_from_json(const json_t *j, struct gt_klsel **out, struct gt_error *err)
{
    struct gt_klsel *sel = sel_new();
    if (!j || json_is_null(j)) {
        sel->nothing = true;
        *out = sel;
        return 0;
    }
    int r = 0;
    if (!json_is_object(j)) {
        r = gt_err(err, EINVAL, "a label selector must be an object");
        goto fail;
    }
    json_t *ml = json_object_get(j, "matchLabels");
    if (ml && !json_is_null(ml)) {
        if (!json_is_object(ml)) {
            r = gt_err(err, EINVAL, "matchLabels must be an object");
            goto fail;
        }
        const char *k;
        json_t *v;
        json_object_foreach(ml, k, v) {
            if (!json_is_string(v)) {
                r = gt_err(err, EINVAL, "matchLabels[%s] must be a string", k);
                goto fail;
            }
            char **vals = NULL;
            gt_strv_push(&vals, json_string_value(v));
            if ((r = add_req(sel, gt_xstrdup(k), OP_EQ, vals, err)) < 0)
                goto fail;
        }
    }
    json_t *me = json_object_get(j, "matchExpressions");
    if (me && !json_is_null(me)) {
        if (!json_is_array(me)) {
            r = gt_err(err, EINVAL, "matchExpressions must be a list");
            goto fail;
        }
        size_t i;
        json_t *e;
        json_array_foreach(me, i, e) {
            const char *key = gt_kobj_str(e, "key", NULL);
            const char *ops = gt_kobj_str(e, "operator", "");
            if (!key) {
                r = gt_err(err, EINVAL, "matchExpressions[%zu].key is required", i);
                goto fail;
            }
            enum op op;
            if (strcmp(ops, "In") == 0)
                op = OP_IN;
            else if (strcmp(ops, "NotIn") == 0)
                op = OP_NOTIN;
            else if (strcmp(ops, "Exists") == 0)
                op = OP_EXISTS;
            else if (strcmp(ops, "DoesNotExist") == 0)
                op = OP_NOTEXISTS;
            else {
                r = gt_err(err, EINVAL, "\"%s\" is not a valid label selector operator", ops);
                goto fail;
            }
            char **vals = NULL;
            json_t *va = json_object_get(e, "values");
            size_t k;
            json_t *v;
            json_array_foreach(va, k, v) {
                if (!json_is_string(v)) {
                    gt_strv_free(vals);
                    r = gt_err(err, EINVAL, "matchExpressions[%zu].values must be strings", i);
                    goto fail;
                }
                gt_strv_push(&vals, json_string_value(v));
            }
            if ((r = add_req(sel, gt_xstrdup(key), op, vals, err)) < 0)
                goto fail;
        }
    }
    sort_reqs(sel);
    *out = sel;
    return 0;
fail:
    gt_klsel_free(sel);
    return r;
}

struct gt_klsel *gt_klsel_from_map(const json_t *map)
{
    struct gt_klsel *sel = sel_new();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)map, k, v) {
        if (!json_is_string(v))
            continue;
        if (sel->n == sel->cap) {
            sel->cap = sel->cap ? 2 * sel->cap : 4;
            sel->r = gt_xrealloc(sel->r, sel->cap * sizeof *sel->r);
        }
        char **vals = NULL;
        gt_strv_push(&vals, json_string_value(v));
        sel->r[sel->n++] = (struct req){ gt_xstrdup(k), OP_EQ, vals, 1 };
    }
    sort_reqs(sel);
    return sel;
}

static bool has_value(const struct req *r, const char *v)
{
    for (size_t i = 0; i < r->nvalues; i++)
        if (strcmp(r->values[i], v) == 0)
            return true;
    return false;
}

static bool req_matches(const struct req *r, const json_t *labels)
{
    json_t *lv = json_is_object(labels) ? json_object_get(labels, r->key) : NULL;
    const char *v = json_is_string(lv) ? json_string_value(lv) : NULL;
    switch (r->op) {
    case OP_EQ:
    case OP_DEQ:
    case OP_IN:
        return v && has_value(r, v);
    case OP_NEQ:
    case OP_NOTIN:
        return !v || !has_value(r, v);
    case OP_EXISTS:
        return v != NULL;
    case OP_NOTEXISTS:
        return v == NULL;
    case OP_GT:
    case OP_LT: {
        if (!v || !v[0])
            return false;
        char *end;
        errno = 0;
        long long have = strtoll(v, &end, 10);
        if (*end || errno)
            return false;
        long long want = strtoll(r->values[0], NULL, 10);
        return r->op == OP_GT ? have > want : have < want;
    }
    }
    return false;
}

bool gt_klsel_matches(const struct gt_klsel *sel, const json_t *labels)
{
    if (sel->nothing)
        return false;
    for (size_t i = 0; i < sel->n; i++)
        if (!req_matches(&sel->r[i], labels))
            return false;
    return true;
}

bool gt_klsel_empty(const struct gt_klsel *sel)
{
    return !sel->nothing && sel->n == 0;
}

bool gt_klsel_nothing(const struct gt_klsel *sel)
{
    return sel->nothing;
}

char *gt_klsel_string(const struct gt_klsel *sel)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        return gt_xstrdup("");
    for (size_t i = 0; i < sel->n; i++) {
        const struct req *r = &sel->r[i];
        if (i)
            fputc(',', f);
        if (r->op == OP_NOTEXISTS)
            fputc('!', f);
        fputs(r->key, f);
        static const char *const opstr[] = { [OP_EQ] = "=", [OP_DEQ] = "==", [OP_NEQ] = "!=",
                                             [OP_IN] = " in ", [OP_NOTIN] = " notin ",
                                             [OP_EXISTS] = "", [OP_NOTEXISTS] = "",
                                             [OP_GT] = ">", [OP_LT] = "<" };
        fputs(opstr[r->op], f);
        if (r->op == OP_IN || r->op == OP_NOTIN) {
            fputc('(', f);
            for (size_t k = 0; k < r->nvalues; k++)
                fprintf(f, "%s%s", k ? "," : "", r->values[k]);
            fputc(')', f);
        } else if (r->nvalues) {
            fputs(r->values[0], f);
        }
    }
    fclose(f);
    return out;
}

char *gt_klsel_format_json(const json_t *j)
{
    struct gt_klsel *sel;
    if (gt_klsel_from_json(j, &sel, NULL) < 0)
        return gt_xstrdup("<error>");
    char *s = gt_klsel_string(sel);
    gt_klsel_free(sel);
    if (!s[0]) {
        free(s);
        return gt_xstrdup("<none>");
    }
    return s;
}

char *gt_klabels_format(const json_t *labels)
{
    if (!json_is_object(labels) || json_object_size(labels) == 0)
        return gt_xstrdup("<none>");
    struct gt_klsel *sel = gt_klsel_from_map(labels);
    char *s = gt_klsel_string(sel);
    gt_klsel_free(sel);
    return s;
}

/* ---- field selectors ---- */

struct term {
    char *key, *value;
    bool neg;
};

struct gt_kfsel {
    struct term *t;
    size_t n;
};

void gt_kfsel_free(struct gt_kfsel *sel)
{
    if (!sel)
        return;
    for (size_t i = 0; i < sel->n; i++) {
        free(sel->t[i].key);
        free(sel->t[i].value);
    }
    free(sel->t);
    free(sel);
}

static int unescape(const char *s, size_t n, char **out, struct gt_error *err)
{
    char *v = gt_xmalloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\') {
            if (i + 1 >= n || !strchr("\\,=", s[i + 1])) {
                free(v);
                return gt_err(err, EINVAL, "invalid field selector: invalid escape sequence: %.*s",
                              (int)(i + 2 <= n ? 2 : 1), s + i);
            }
            v[k++] = s[++i];
        } else if (s[i] == ',' || s[i] == '=') {
            free(v);
            return gt_err(err, EINVAL, "invalid field selector: unescaped '%c' in value", s[i]);
        } else {
            v[k++] = s[i];
        }
    }
    v[k] = 0;
    *out = v;
    return 0;
}

static int cmp_term(const void *a, const void *b)
{
    const struct term *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : strcmp(x->value, y->value);
}

int gt_kfsel_parse(const char *s, struct gt_kfsel **out, struct gt_error *err)
{
    struct gt_kfsel *sel = gt_xcalloc(1, sizeof *sel);
    s = s ? s : "";
    size_t start = 0, len = strlen(s);
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] == '\\') {
            i++;
            continue;
        }
        if (i < len && s[i] != ',')
            continue;
        const char *part = s + start;
        size_t plen = i - start;
        start = i + 1;
        if (plen == 0)
            continue;
        /* the first unescaped operator splits key and value */
        size_t at = plen, oplen = 0;
        bool neg = false;
        for (size_t k = 0; k < plen; k++) {
            if (part[k] == '\\') {
                k++;
                continue;
            }
            if (strncmp(part + k, "!=", 2) == 0 && k + 1 < plen) {
                at = k, oplen = 2, neg = true;
                break;
            }
            if (strncmp(part + k, "==", 2) == 0 && k + 1 < plen) {
                at = k, oplen = 2;
                break;
            }
            if (part[k] == '=') {
                at = k, oplen = 1;
                break;
            }
        }
        if (at == plen) {
            gt_kfsel_free(sel);
            return gt_err(err, EINVAL, "invalid selector: '%s'; can't understand '%.*s'", s,
                          (int)plen, part);
        }
        char *value = NULL;
        if (unescape(part + at + oplen, plen - at - oplen, &value, err) < 0) {
            gt_kfsel_free(sel);
            return -EINVAL;
        }
        sel->t = gt_xrealloc(sel->t, (sel->n + 1) * sizeof *sel->t);
        sel->t[sel->n++] = (struct term){ gt_xstrndup(part, at), value, neg };
    }
    if (sel->n > 1)
        qsort(sel->t, sel->n, sizeof *sel->t, cmp_term);
    *out = sel;
    return 0;
}

static const char *field_path(const char *key, const struct gt_kfsel_field *fields)
{
    if (strcmp(key, "metadata.name") == 0 || strcmp(key, "metadata.namespace") == 0)
        return key;
    for (size_t i = 0; fields && fields[i].key; i++)
        if (strcmp(fields[i].key, key) == 0)
            return fields[i].path ? fields[i].path : fields[i].key;
    return NULL;
}

int gt_kfsel_check(const struct gt_kfsel *sel, const struct gt_kfsel_field *fields,
                   struct gt_error *err)
{
    for (size_t i = 0; i < sel->n; i++)
        if (!field_path(sel->t[i].key, fields))
            return gt_err(err, EINVAL, "field label not supported: %s", sel->t[i].key);
    return 0;
}

bool gt_kfsel_matches(const struct gt_kfsel *sel, const json_t *obj,
                      const struct gt_kfsel_field *fields)
{
    for (size_t i = 0; i < sel->n; i++) {
        const char *path = field_path(sel->t[i].key, fields);
        if (!path)
            return false;
        json_t *v = gt_kobj_get(obj, path);
        char buf[32];
        const char *have = "";
        if (json_is_string(v))
            have = json_string_value(v);
        else if (json_is_integer(v))
            snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v)), have = buf;
        else if (json_is_boolean(v))
            have = json_is_true(v) ? "true" : "false";
        bool eq = strcmp(have, sel->t[i].value) == 0;
        if (eq == sel->t[i].neg)
            return false;
    }
    return true;
}

const char *gt_kfsel_exact(const struct gt_kfsel *sel, const char *key)
{
    for (size_t i = 0; i < sel->n; i++)
        if (!sel->t[i].neg && strcmp(sel->t[i].key, key) == 0)
            return sel->t[i].value;
    return NULL;
}

bool gt_kfsel_empty(const struct gt_kfsel *sel)
{
    return sel->n == 0;
}

char *gt_kfsel_string(const struct gt_kfsel *sel)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        return gt_xstrdup("");
    for (size_t i = 0; i < sel->n; i++) {
        fprintf(f, "%s%s%s", i ? "," : "", sel->t[i].key, sel->t[i].neg ? "!=" : "=");
        for (const char *p = sel->t[i].value; *p; p++) {
            if (*p == '\\' || *p == ',' || *p == '=')
                fputc('\\', f);
            fputc(*p, f);
        }
    }
    fclose(f);
    return out;
}
