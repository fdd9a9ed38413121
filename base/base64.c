#include "base/base64.h"

#include <errno.h>
#include <nettle/base64.h>
#include <stdlib.h>

#include "base/mem.h"

char *gt_base64_encode(const void *data, size_t len)
{
    char *out = gt_xmalloc(BASE64_ENCODE_RAW_LENGTH(len) + 1);
    base64_encode_raw(out, len, data);
    out[BASE64_ENCODE_RAW_LENGTH(len)] = 0;
    return out;
}

int gt_base64_decode(const char *s, size_t len, unsigned char **out, size_t *outlen)
{
    /* nettle accepts input without padding; Go's StdEncoding (what the
     * Kubernetes API uses) does not */
    if (len % 4)
        return -EINVAL;
    struct base64_decode_ctx ctx;
    unsigned char *buf = gt_xmalloc(BASE64_DECODE_LENGTH(len) + 1);
    size_t n = BASE64_DECODE_LENGTH(len);
    base64_decode_init(&ctx);
    if (!base64_decode_update(&ctx, &n, buf, len, s) || !base64_decode_final(&ctx)) {
        free(buf);
        return -EINVAL;
    }
    buf[n] = 0;
    *out = buf;
    *outlen = n;
    return 0;
}
