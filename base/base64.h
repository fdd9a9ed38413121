/* base/base64.h - standard base64 (RFC 4648, with padding), over nettle.
 *
 * gt_base64_encode returns a new NUL-terminated string.  gt_base64_decode
 * returns 0 and a new buffer (NUL-terminated for convenience, *outlen
 * without it), or -EINVAL for input that is not base64 (bad characters,
 * bad padding, truncated). */
#ifndef GT_BASE_BASE64_H
#define GT_BASE_BASE64_H

#include <stddef.h>

char *gt_base64_encode(const void *data, size_t len);
int gt_base64_decode(const char *s, size_t len, unsigned char **out, size_t *outlen);

#endif
