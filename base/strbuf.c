#include "base/strbuf.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

void gt_strbuf_add(struct gt_strbuf *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = gt_xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void gt_strbuf_addc(struct gt_strbuf *b, char c)
{
    gt_strbuf_add(b, &c, 1);
}

void gt_strbuf_addstr(struct gt_strbuf *b, const char *s)
{
    gt_strbuf_add(b, s, strlen(s));
}

void gt_strbuf_printf(struct gt_strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = gt_xvasprintf(fmt, ap);
    va_end(ap);
    gt_strbuf_add(b, s, strlen(s));
    free(s);
}

char *gt_strbuf_take(struct gt_strbuf *b)
{
    char *s = b->s ? b->s : gt_xstrdup("");
    memset(b, 0, sizeof *b);
    return s;
}

void gt_strbuf_release(struct gt_strbuf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}
