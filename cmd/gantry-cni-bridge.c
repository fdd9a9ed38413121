/* gantry-cni-bridge - Gantry's CNI plugin (see net/cni_bridge.h).
 *
 * Exec'd once per container attach and detach, by Gantry or by any CNI
 * runtime: the CNI_* environment and the config on stdin in, a result (or
 * a CNI error object, with exit status 1) on stdout. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/error.h"
#include "base/fs.h"
#include "base/json_str.h"
#include "net/cni_bridge.h"

#define MAX_CONFIG (1 << 20)

int main(int argc, char **argv)
{
    struct gt_cni_bridge_env env = {
        .command = getenv("CNI_COMMAND"),
        .container_id = getenv("CNI_CONTAINERID"),
        .netns = getenv("CNI_NETNS"),
        .ifname = getenv("CNI_IFNAME"),
        .args = getenv("CNI_ARGS"),
    };
    if (argc > 1 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-v"))) {
        printf("%s CNI plugin; supports CNI spec 0.3.0, 0.3.1, 0.4.0, 1.0.0\n",
               GT_CNI_BRIDGE_TYPE);
        return 0;
    }
    struct gt_error err;
    gt_err_clear(&err);
    cleanup_free char *config = NULL;
    cleanup_free char *out = NULL;
    int code = 0, r;
    char buf[MAX_CONFIG / 16];
    size_t cap = 0, len = 0;
    for (;;) {
        size_t n = fread(buf, 1, sizeof buf, stdin);
        if (n == 0)
            break;
        if (len + n > MAX_CONFIG) {
            code = GT_CNI_ERR_DECODE;
            r = gt_err(&err, EFBIG, "stdin config larger than %d bytes", MAX_CONFIG);
            goto error;
        }
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            char *p = realloc(config, cap);
            if (!p)
                abort();
            config = p;
        }
        memcpy(config + len, buf, n);
        len += n;
    }
    if (config)
        config[len] = '\0';
    r = gt_cni_bridge_run(&env, config ? config : "", &out, &code, &err);
    if (r == 0) {
        if (out)
            printf("%s\n", out);
        return 0;
    }
error:;
    char msg[2 * GT_ERR_MSG_MAX];
    gt_json_escape(err.msg, msg, sizeof msg);
    printf("{\"cniVersion\":\"1.0.0\",\"code\":%d,\"msg\":\"%s\"}\n", code ? code : 999, msg);
    fprintf(stderr, "%s: %s\n", GT_CNI_BRIDGE_TYPE, err.msg);
    return 1;
}
