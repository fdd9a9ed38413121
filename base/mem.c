#include "base/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n)
{
    fprintf(stderr, "gantry: out of memory allocating %zu bytes\n", n);
    abort();
}

void *gt_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *gt_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

void *gt_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *gt_xstrdup(const char *s)
{
    char *p = strdup(s ? s : "");
    if (!p)
        oom(strlen(s));
    return p;
}

char *gt_xstrndup(const char *s, size_t n)
{
    char *p = strndup(s, n);
    if (!p)
        oom(n);
    return p;
}

char *gt_xvasprintf(const char *fmt, va_list ap)
{
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        oom(0);
    return s;
}

char *gt_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = gt_xvasprintf(fmt, ap);
    va_end(ap);
    return s;
}

size_t gt_strv_len(char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

/* Appends s itself (the vector owns it). */
static void strv_append(char ***v, char *s)
{
    size_t n = gt_strv_len(*v);
    *v = gt_xrealloc(*v, (n + 2) * sizeof **v);
    (*v)[n] = s;
    (*v)[n + 1] = NULL;
}

void gt_strv_push(char ***v, const char *s)
{
    strv_append(v, gt_xstrdup(s));
}

void gt_strv_pushf(char ***v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    strv_append(v, gt_xvasprintf(fmt, ap));
    va_end(ap);
}

void gt_strv_free(char **v)
{
    if (!v)
        return;
    for (char **s = v; *s; s++)
        free(*s);
    free(v);
}
