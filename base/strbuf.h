/* base/strbuf.h - a growable string: s is NUL-terminated once anything was
 * added (NULL before), len is its length; bytes may include NULs.  Grows
 * by doubling; allocation failures abort (base/mem.h). */
#ifndef GT_BASE_STRBUF_H
#define GT_BASE_STRBUF_H

#include <stddef.h>

struct gt_strbuf {
    char *s;
    size_t len, cap;
};

void gt_strbuf_add(struct gt_strbuf *b, const void *p, size_t n);
void gt_strbuf_addc(struct gt_strbuf *b, char c);
void gt_strbuf_addstr(struct gt_strbuf *b, const char *s);
void gt_strbuf_printf(struct gt_strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The string (the caller frees it; "" when nothing was added); b is empty
 * again. */
char *gt_strbuf_take(struct gt_strbuf *b);
void gt_strbuf_release(struct gt_strbuf *b);

#endif
