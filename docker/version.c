/* API version negotiation: the /v1.NN prefix of a path, and the range
 * served (GT_DOCKER_MIN_API_VERSION to GT_DOCKER_API_VERSION). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker/internal.h"

int gt_docker_version_cmp(const char *a, const char *b)
{
    while (*a || *b) {
        /* numeric per component; a run of more than 9 digits saturates */
        unsigned long x = 0, y = 0;
        while (isdigit((unsigned char)*a)) {
            x = x < 1000000000UL ? x * 10 + (unsigned long)(*a - '0') : x;
            a++;
        }
        while (isdigit((unsigned char)*b)) {
            y = y < 1000000000UL ? y * 10 + (unsigned long)(*b - '0') : y;
            b++;
        }
        if (x != y)
            return x < y ? -1 : 1;
        if (*a == '.')
            a++;
        else if (*a)
            a += strlen(a); /* anything else ends the comparison */
        if (*b == '.')
            b++;
        else if (*b)
            b += strlen(b);
    }
    return 0;
}

size_t gt_docker_path_version(const char *path, char *ver, size_t versz)
{
    ver[0] = '\0';
    if (path[0] != '/' || path[1] != 'v' || !isdigit((unsigned char)path[2]))
        return 0;
    size_t n = 2 + strspn(path + 2, "0123456789.");
    if (path[n] != '/' && path[n] != '\0')
        return 0; /* "/v1x/..." is a path of its own, not a version */
    snprintf(ver, versz, "%.*s", (int)(n - 2), path + 2);
    return n;
}

int gt_docker_version_check(const char *ver, struct gt_error *err)
{
    if (gt_docker_version_cmp(ver, GT_DOCKER_MIN_API_VERSION) < 0)
        return gt_err(err, EINVAL,
                      "client version %s is too old. Minimum supported API version is %s, "
                      "please upgrade your client to a newer version",
                      ver, GT_DOCKER_MIN_API_VERSION);
    if (gt_docker_version_cmp(ver, GT_DOCKER_API_VERSION) > 0)
        return gt_err(err, EINVAL,
                      "client version %s is too new. Maximum supported API version is %s", ver,
                      GT_DOCKER_API_VERSION);
    return 0;
}

bool gt_docker_api_at_least(const struct gt_http_req *req, const char *v)
{
    const char *have = gt_http_req_api_version(req);
    if (!have[0])
        have = GT_DOCKER_API_VERSION;
    return gt_docker_version_cmp(have, v) >= 0;
}

int gt_docker_path_hook(struct gt_http_req *req, const char *path, void *ctx)
{
    char ver[32];
    size_t strip = gt_docker_path_version(path, ver, sizeof ver);
    if (!strip) {
        gt_http_req_set_api_version(req, GT_DOCKER_API_VERSION);
        return 0;
    }
    struct gt_error err;
    if (gt_docker_version_check(ver, &err) < 0) {
        gt_http_respond_error(req, 400, "%s", err.msg);
        return -1;
    }
    gt_http_req_set_api_version(req, ver);
    return (int)strip;
}
