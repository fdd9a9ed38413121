/* base/mem.h - allocation that aborts on failure.
 *
 * Out-of-memory aborts, except where a client picks the size (request
 * bodies, blobs, lists): there, use plain malloc and return -ENOMEM. */
#ifndef GT_BASE_MEM_H
#define GT_BASE_MEM_H

#include <stdarg.h>
#include <stddef.h>

void *gt_xmalloc(size_t n);
void *gt_xcalloc(size_t n, size_t size);
void *gt_xrealloc(void *p, size_t n);
char *gt_xstrdup(const char *s);
char *gt_xstrndup(const char *s, size_t n);
char *gt_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *gt_xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* NULL-terminated string vectors (char **). */
size_t gt_strv_len(char *const *v);
/* Appends a copy of s; *v may be NULL. */
void gt_strv_push(char ***v, const char *s);
/* Appends a new string made from fmt; *v may be NULL. */
void gt_strv_pushf(char ***v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void gt_strv_free(char **v);

#endif
