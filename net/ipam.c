#include "net/ipam.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"

#define LAST_RESERVED "last_reserved_ip."

int gt_ipam_check_name(const char *what, const char *name, struct gt_error *err)
{
    if (!name || !*name)
        return gt_err(err, EINVAL, "%s is empty", what);
    size_t n = strlen(name);
    bool ok = n <= 255 && isalnum((unsigned char)name[0]);
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)name[i]) || strchr("_.-", name[i]);
    if (!ok)
        return gt_err(err, EINVAL,
                      "invalid %s \"%.64s\": use letters, digits, '_', '.', '-', starting with a "
                      "letter or digit, at most 255 characters", what, name);
    return 0;
}

/* ---- configuration ---- */

static int range_fill(struct gt_ipam_range *r, const char *subnet, const char *start,
                      const char *end, const char *gateway, const char *path,
                      struct gt_error *err)
{
    char a[GT_IP_STRLEN], b[GT_IP_STRLEN];
    memset(r, 0, sizeof *r);
    if (!subnet)
        return gt_err(err, EINVAL, "%s.subnet: missing", path);
    if (gt_prefix_parse(subnet, &r->subnet, err) < 0)
        return gt_err_prefix(err, "%s.subnet", path);
    r->subnet.ip = gt_prefix_network(&r->subnet);
    int bits = gt_ip_bits(&r->subnet.ip);
    if (bits - r->subnet.len < 2 && r->subnet.ip.family == AF_INET && r->subnet.len != 31)
        return gt_err(err, EINVAL, "%s.subnet: %s is too small to hold addresses", path, subnet);

    struct gt_ip first = r->subnet.ip, last = gt_prefix_last(&r->subnet);
    if (r->subnet.len < bits - 1) {
        gt_ip_next(&first); /* not the network address */
        if (r->subnet.ip.family == AF_INET) {
            /* nor the broadcast address: last - 1 */
            for (int i = 3; i >= 0; i--)
                if (last.a[i]-- != 0)
                    break;
        }
    }
    r->start = first;
    r->end = last;
    if (start && gt_ip_parse(start, &r->start, err) < 0)
        return gt_err_prefix(err, "%s.rangeStart", path);
    if (end && gt_ip_parse(end, &r->end, err) < 0)
        return gt_err_prefix(err, "%s.rangeEnd", path);
    if (!gt_prefix_contains(&r->subnet, &r->start) || gt_ip_cmp(&r->start, &first) < 0 ||
        gt_ip_cmp(&r->start, &last) > 0)
        return gt_err(err, EINVAL, "%s.rangeStart: %s is not a usable address of %s", path,
                      gt_ip_format(&r->start, a, sizeof a), subnet);
    if (!gt_prefix_contains(&r->subnet, &r->end) || gt_ip_cmp(&r->end, &first) < 0 ||
        gt_ip_cmp(&r->end, &last) > 0)
        return gt_err(err, EINVAL, "%s.rangeEnd: %s is not a usable address of %s", path,
                      gt_ip_format(&r->end, a, sizeof a), subnet);
    if (gt_ip_cmp(&r->start, &r->end) > 0)
        return gt_err(err, EINVAL, "%s: rangeStart %s is after rangeEnd %s", path,
                      gt_ip_format(&r->start, a, sizeof a), gt_ip_format(&r->end, b, sizeof b));
    if (gateway) {
        if (gt_ip_parse(gateway, &r->gateway, err) < 0)
            return gt_err_prefix(err, "%s.gateway", path);
        if (!gt_prefix_contains(&r->subnet, &r->gateway))
            return gt_err(err, EINVAL, "%s.gateway: %s is not in %s", path, gateway, subnet);
    } else {
        r->gateway = r->subnet.ip;
        gt_ip_next(&r->gateway);
    }
    return 0;
}

static bool ranges_overlap(const struct gt_ipam_range *x, const struct gt_ipam_range *y)
{
    if (x->start.family != y->start.family)
        return false;
    return gt_ip_cmp(&x->start, &y->end) <= 0 && gt_ip_cmp(&y->start, &x->end) <= 0;
}

static int range_from_json(const json_t *o, struct gt_ipam_range *r, const char *path,
                           struct gt_error *err)
{
    const char *subnet = NULL, *start = NULL, *end = NULL, *gw = NULL;
    int rc;
    if ((rc = gt_json_get_str(o, "subnet", path, GT_JSON_REQUIRED, &subnet, err)) < 0 ||
        (rc = gt_json_get_str(o, "rangeStart", path, GT_JSON_OPTIONAL, &start, err)) < 0 ||
        (rc = gt_json_get_str(o, "rangeEnd", path, GT_JSON_OPTIONAL, &end, err)) < 0 ||
        (rc = gt_json_get_str(o, "gateway", path, GT_JSON_OPTIONAL, &gw, err)) < 0)
        return rc;
    return range_fill(r, subnet, start, end, gw, path, err);
}

static int check_set(const struct gt_ipam_rangeset *s, const char *path, struct gt_error *err)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->ranges[i].start.family != s->ranges[0].start.family)
            return gt_err(err, EINVAL, "%s: mixes IPv4 and IPv6 ranges", path);
        for (size_t j = 0; j < i; j++)
            if (ranges_overlap(&s->ranges[i], &s->ranges[j]))
                return gt_err(err, EINVAL, "%s: ranges %zu and %zu overlap", path, j, i);
    }
    return 0;
}

int gt_ipam_config_parse(const json_t *ipam, const char *network, struct gt_ipam_config *out,
                         struct gt_error *err)
{
    memset(out, 0, sizeof *out);
    int r = gt_ipam_check_name("network name", network, err);
    if (r < 0)
        return r;
    if (!json_is_object(ipam))
        return gt_err(err, EINVAL, "ipam: expected an object");
    const char *dd = NULL;
    json_t *ranges = NULL;
    if ((r = gt_json_get_str(ipam, "dataDir", "ipam", GT_JSON_OPTIONAL, &dd, err)) < 0 ||
        (r = gt_json_get_arr(ipam, "ranges", "ipam", GT_JSON_OPTIONAL, &ranges, err)) < 0)
        return r;
    out->network = gt_xstrdup(network);
    out->data_dir = gt_xstrdup(dd ? dd : GT_IPAM_DEFAULT_DATA_DIR);
    if (!ranges) {
        if (!json_object_get(ipam, "subnet")) {
            r = gt_err(err, EINVAL, "ipam: needs \"ranges\" or \"subnet\"");
            goto fail;
        }
        out->sets[0].ranges = gt_xcalloc(1, sizeof(struct gt_ipam_range));
        out->sets[0].n = 1;
        out->nsets = 1;
        if ((r = range_from_json(ipam, &out->sets[0].ranges[0], "ipam", err)) < 0)
            goto fail;
        return 0;
    }
    if (json_array_size(ranges) == 0 || json_array_size(ranges) > GT_IPAM_MAX_SETS) {
        r = gt_err(err, EINVAL, "ipam.ranges: expected 1 to %d range sets, got %zu",
                   GT_IPAM_MAX_SETS, json_array_size(ranges));
        goto fail;
    }
    size_t i;
    json_t *set;
    json_array_foreach(ranges, i, set) {
        char path[64];
        snprintf(path, sizeof path, "ipam.ranges[%zu]", i);
        if (!json_is_array(set) || json_array_size(set) == 0) {
            r = gt_err(err, EINVAL, "%s: expected a non-empty array of ranges", path);
            goto fail;
        }
        struct gt_ipam_rangeset *s = &out->sets[out->nsets++];
        s->ranges = gt_xcalloc(json_array_size(set), sizeof *s->ranges);
        size_t j;
        json_t *o;
        json_array_foreach(set, j, o) {
            char rpath[80];
            snprintf(rpath, sizeof rpath, "%s[%zu]", path, j);
            if (!json_is_object(o)) {
                r = gt_err(err, EINVAL, "%s: expected an object", rpath);
                goto fail;
            }
            if ((r = range_from_json(o, &s->ranges[s->n], rpath, err)) < 0)
                goto fail;
            s->n++;
        }
        if ((r = check_set(s, path, err)) < 0)
            goto fail;
    }
    return 0;
fail:
    gt_ipam_config_release(out);
    return r;
}

int gt_ipam_config_simple(const char *network, const char *data_dir, const char *subnet,
                          const char *start, const char *end, const char *gateway,
                          struct gt_ipam_config *out, struct gt_error *err)
{
    memset(out, 0, sizeof *out);
    int r = gt_ipam_check_name("network name", network, err);
    if (r < 0)
        return r;
    out->network = gt_xstrdup(network);
    out->data_dir = gt_xstrdup(data_dir ? data_dir : GT_IPAM_DEFAULT_DATA_DIR);
    out->sets[0].ranges = gt_xcalloc(1, sizeof(struct gt_ipam_range));
    out->sets[0].n = 1;
    out->nsets = 1;
    r = range_fill(&out->sets[0].ranges[0], subnet, start, end, gateway, "ipam", err);
    if (r < 0)
        gt_ipam_config_release(out);
    return r;
}

void gt_ipam_config_release(struct gt_ipam_config *cfg)
{
    free(cfg->network);
    free(cfg->data_dir);
    for (size_t i = 0; i < cfg->nsets; i++)
        free(cfg->sets[i].ranges);
    memset(cfg, 0, sizeof *cfg);
}

/* ---- the store ---- */

int gt_ipam_open(struct gt_ipam *ipam, const struct gt_ipam_config *cfg, struct gt_error *err)
{
    ipam->cfg = cfg;
    ipam->dirfd = ipam->lockfd = -1;
    cleanup_free char *dir = gt_path_join(cfg->data_dir, cfg->network);
    cleanup_close int dfd = gt_mkdir_p_open(dir, 0755, err);
    if (dfd < 0)
        return gt_err_prefix(err, "ipam state directory");
    cleanup_close int lfd = openat(dfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lfd < 0)
        return gt_err_sys(err, errno, "open %s/lock", dir);
    while (flock(lfd, LOCK_EX) < 0)
        if (errno != EINTR)
            return gt_err_sys(err, errno, "lock %s/lock", dir);
    ipam->dirfd = get_and_reset(&dfd);
    ipam->lockfd = get_and_reset(&lfd);
    return 0;
}

void gt_ipam_close(struct gt_ipam *ipam)
{
    if (ipam->dirfd >= 0)
        close(ipam->dirfd);
    if (ipam->lockfd >= 0)
        close(ipam->lockfd); /* drops the flock */
    ipam->dirfd = ipam->lockfd = -1;
}

/* Whether the file content names id/ifname: "<id>\r\n<ifname>".  Files
 * written by old host-local versions hold the id alone: they match any
 * ifname. */
static bool owner_matches(const char *content, const char *id, const char *ifname)
{
    size_t n = strcspn(content, "\r\n");
    if (n != strlen(id) || strncmp(content, id, n) != 0)
        return false;
    const char *rest = content + n;
    rest += strspn(rest, "\r\n");
    size_t m = strcspn(rest, "\r\n");
    return m == 0 || (m == strlen(ifname) && strncmp(rest, ifname, m) == 0);
}

static int read_owner(int dirfd, const char *name, char *buf, size_t len)
{
    cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -errno;
    ssize_t n = gt_read_all(fd, buf, len - 1);
    if (n < 0)
        return (int)n;
    buf[n] = '\0';
    return 0;
}

/* The state directory, read from its start (through a descriptor of its
 * own, dirfd stays as it is). */
static int state_dir(struct gt_ipam *ipam, DIR **out, struct gt_error *err)
{
    int dfd = dup(ipam->dirfd);
    if (dfd < 0)
        return gt_err_sys(err, errno, "ipam: dup");
    DIR *d = fdopendir(dfd);
    if (!d) {
        int e = errno;
        close(dfd);
        return gt_err_sys(err, e, "ipam: read state directory");
    }
    rewinddir(d);
    *out = d;
    return 0;
}

typedef int (*lease_fn)(struct gt_ipam *ipam, const char *name, const struct gt_ip *ip,
                        void *data, struct gt_error *err);

/* Calls fn for each address file owned by id/ifname. */
static int for_each_owned(struct gt_ipam *ipam, const char *id, const char *ifname,
                          lease_fn fn, void *data, struct gt_error *err)
{
    cleanup_dir DIR *dd = NULL;
    int r = state_dir(ipam, &dd, err);
    if (r < 0)
        return r;
    struct dirent *de;
    int count = 0;
    while ((de = readdir(dd))) {
        struct gt_ip ip;
        if (de->d_name[0] == '.' || gt_ip_parse(de->d_name, &ip, NULL) < 0)
            continue;
        char owner[512];
        if (read_owner(ipam->dirfd, de->d_name, owner, sizeof owner) < 0)
            continue;
        if (!owner_matches(owner, id, ifname))
            continue;
        if ((r = fn(ipam, de->d_name, &ip, data, err)) < 0)
            return r;
        count++;
    }
    return count;
}

static int find_set(const struct gt_ipam_config *cfg, const struct gt_ip *ip,
                    const struct gt_ipam_range **range)
{
    for (size_t s = 0; s < cfg->nsets; s++)
        for (size_t i = 0; i < cfg->sets[s].n; i++) {
            const struct gt_ipam_range *r = &cfg->sets[s].ranges[i];
            if (gt_prefix_contains(&r->subnet, ip)) {
                if (range)
                    *range = r;
                return (int)s;
            }
        }
    return -1;
}

static void make_lease(const struct gt_ipam_range *r, const struct gt_ip *ip,
                       struct gt_ipam_lease *l)
{
    l->addr.ip = *ip;
    l->addr.len = r->subnet.len;
    l->gateway = r->gateway;
}

struct find_data {
    struct gt_ipam_lease *out;
    int found; /* bit per set */
};

static int find_one(struct gt_ipam *ipam, const char *name, const struct gt_ip *ip, void *data,
                    struct gt_error *err)
{
    struct find_data *fd = data;
    const struct gt_ipam_range *r;
    int s = find_set(ipam->cfg, ip, &r);
    if (s >= 0 && !(fd->found & (1 << s))) {
        make_lease(r, ip, &fd->out[s]);
        fd->found |= 1 << s;
    }
    return 0;
}

int gt_ipam_find(struct gt_ipam *ipam, const char *id, const char *ifname,
                 struct gt_ipam_lease *out, struct gt_error *err)
{
    struct find_data fd = { .out = out };
    int r = for_each_owned(ipam, id, ifname, find_one, &fd, err);
    if (r < 0)
        return r;
    return __builtin_popcount((unsigned)fd.found);
}

static int release_one(struct gt_ipam *ipam, const char *name, const struct gt_ip *ip,
                       void *data, struct gt_error *err)
{
    if (unlinkat(ipam->dirfd, name, 0) < 0 && errno != ENOENT)
        return gt_err_sys(err, errno, "ipam: release %s", name);
    return 0;
}

int gt_ipam_release(struct gt_ipam *ipam, const char *id, const char *ifname,
                    struct gt_error *err)
{
    int r = for_each_owned(ipam, id, ifname, release_one, NULL, err);
    if (r < 0)
        return gt_err_prefix(err, "network %s", ipam->cfg->network);
    return r;
}

int gt_ipam_count(struct gt_ipam *ipam, struct gt_error *err)
{
    cleanup_dir DIR *dd = NULL;
    int r = state_dir(ipam, &dd, err);
    if (r < 0)
        return r;
    struct dirent *de;
    int n = 0;
    struct gt_ip ip;
    while ((de = readdir(dd)))
        if (de->d_name[0] != '.' && gt_ip_parse(de->d_name, &ip, NULL) == 0)
            n++;
    return n;
}

/* Creates the address file; -EEXIST when taken. */
static int reserve(struct gt_ipam *ipam, const struct gt_ip *ip, const char *id,
                   const char *ifname, struct gt_error *err)
{
    char name[GT_IP_STRLEN];
    gt_ip_format(ip, name, sizeof name);
    cleanup_close int fd =
        openat(ipam->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        if (errno == EEXIST)
            return -EEXIST;
        return gt_err_sys(err, errno, "ipam: reserve %s", name);
    }
    cleanup_free char *content = gt_xasprintf("%s\r\n%s", id, ifname);
    int r = gt_write_all(fd, content, strlen(content));
    if (r < 0) {
        unlinkat(ipam->dirfd, name, 0);
        return gt_err_sys(err, -r, "ipam: write %s", name);
    }
    return 0;
}

static void save_last(struct gt_ipam *ipam, size_t set, const struct gt_ip *ip)
{
    char name[64], s[GT_IP_STRLEN];
    snprintf(name, sizeof name, LAST_RESERVED "%zu", set);
    gt_ip_format(ip, s, sizeof s);
    /* a hint only: losing it just restarts the round-robin */
    int fd = openat(ipam->dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                    0644);
    if (fd >= 0) {
        gt_write_all(fd, s, strlen(s));
        close(fd);
    }
}

static bool load_last(struct gt_ipam *ipam, size_t set, struct gt_ip *ip)
{
    char name[64], s[GT_IP_STRLEN];
    snprintf(name, sizeof name, LAST_RESERVED "%zu", set);
    if (read_owner(ipam->dirfd, name, s, sizeof s) < 0)
        return false;
    s[strcspn(s, "\r\n ")] = '\0';
    return gt_ip_parse(s, ip, NULL) == 0;
}

static int allocate_in_set(struct gt_ipam *ipam, size_t si, const char *id, const char *ifname,
                           struct gt_ipam_lease *out, struct gt_error *err)
{
    const struct gt_ipam_rangeset *set = &ipam->cfg->sets[si];
    /* start after the last reserved address if it is in one of our ranges,
     * else at the first range's start */
    size_t ri = 0;
    struct gt_ip cur = set->ranges[0].start;
    struct gt_ip last;
    if (load_last(ipam, si, &last)) {
        for (size_t i = 0; i < set->n; i++) {
            const struct gt_ipam_range *r = &set->ranges[i];
            if (gt_ip_cmp(&last, &r->start) >= 0 && gt_ip_cmp(&last, &r->end) <= 0) {
                ri = i;
                cur = last;
                if (gt_ip_equal(&cur, &r->end)) {
                    ri = (i + 1) % set->n;
                    cur = set->ranges[ri].start;
                } else {
                    gt_ip_next(&cur);
                }
                break;
            }
        }
    }
    struct gt_ip first = cur;
    size_t first_ri = ri;
    for (;;) {
        const struct gt_ipam_range *r = &set->ranges[ri];
        if (!(r->gateway.family && gt_ip_equal(&cur, &r->gateway))) {
            int rc = reserve(ipam, &cur, id, ifname, err);
            if (rc == 0) {
                make_lease(r, &cur, out);
                save_last(ipam, si, &cur);
                return 0;
            }
            if (rc != -EEXIST)
                return rc;
        }
        if (gt_ip_equal(&cur, &r->end)) {
            ri = (ri + 1) % set->n;
            cur = set->ranges[ri].start;
        } else {
            gt_ip_next(&cur);
        }
        if (ri == first_ri && gt_ip_equal(&cur, &first))
            break;
    }
    char a[GT_IP_STRLEN], b[GT_IP_STRLEN];
    const struct gt_ipam_range *r0 = &set->ranges[0], *rn = &set->ranges[set->n - 1];
    return gt_err(err, ENOSPC, "no free IP address in network %s (range %s-%s%s): all in use",
                  ipam->cfg->network, gt_ip_format(&r0->start, a, sizeof a),
                  gt_ip_format(&rn->end, b, sizeof b), set->n > 1 ? " and others" : "");
}

static int allocate_requested(struct gt_ipam *ipam, const struct gt_ip *want, const char *id,
                              const char *ifname, struct gt_ipam_lease *out,
                              struct gt_error *err)
{
    char a[GT_IP_STRLEN];
    gt_ip_format(want, a, sizeof a);
    const struct gt_ipam_range *r = NULL;
    if (find_set(ipam->cfg, want, &r) < 0)
        return gt_err(err, EINVAL, "requested address %s is not in any subnet of network %s", a,
                      ipam->cfg->network);
    if (r->gateway.family && gt_ip_equal(want, &r->gateway))
        return gt_err(err, EADDRINUSE, "requested address %s is the gateway of network %s", a,
                      ipam->cfg->network);
    int rc = reserve(ipam, want, id, ifname, err);
    if (rc == -EEXIST)
        return gt_err(err, EADDRINUSE, "requested address %s is already in use in network %s",
                      a, ipam->cfg->network);
    if (rc < 0)
        return rc;
    make_lease(r, want, out);
    return 0;
}

int gt_ipam_allocate(struct gt_ipam *ipam, const char *id, const char *ifname,
                     const struct gt_ip *requested, struct gt_ipam_lease *out,
                     struct gt_error *err)
{
    int r;
    if ((r = gt_ipam_check_name("container id", id, err)) < 0)
        return r;
    if (!ifname || !*ifname || strlen(ifname) > 15 || strpbrk(ifname, "/\r\n "))
        return gt_err(err, EINVAL, "invalid interface name \"%s\"", ifname ? ifname : "");
    memset(out, 0, sizeof *out * ipam->cfg->nsets);
    struct find_data fd = { .out = out };
    r = for_each_owned(ipam, id, ifname, find_one, &fd, err);
    if (r < 0)
        return r;
    int want_set = -1;
    if (requested && requested->family) {
        want_set = find_set(ipam->cfg, requested, NULL);
        if (want_set < 0) {
            char a[GT_IP_STRLEN];
            return gt_err(err, EINVAL, "requested address %s is not in any subnet of network %s",
                          gt_ip_format(requested, a, sizeof a), ipam->cfg->network);
        }
        if ((fd.found & (1 << want_set)) &&
            !gt_ip_equal(&out[want_set].addr.ip, requested)) {
            char a[GT_IP_STRLEN], b[GT_IP_STRLEN];
            return gt_err(err, EADDRINUSE, "container %s already holds %s in network %s, not %s",
                          id, gt_ip_format(&out[want_set].addr.ip, a, sizeof a),
                          ipam->cfg->network, gt_ip_format(requested, b, sizeof b));
        }
    }
    int done = fd.found;
    for (size_t s = 0; s < ipam->cfg->nsets; s++) {
        if (done & (1 << s))
            continue;
        if ((int)s == want_set)
            r = allocate_requested(ipam, requested, id, ifname, &out[s], err);
        else
            r = allocate_in_set(ipam, s, id, ifname, &out[s], err);
        if (r < 0) {
            /* undo what this call reserved, keep what was held before */
            for (size_t u = 0; u < s; u++) {
                if (fd.found & (1 << u))
                    continue;
                char name[GT_IP_STRLEN];
                unlinkat(ipam->dirfd, gt_ip_format(&out[u].addr.ip, name, sizeof name), 0);
            }
            return r;
        }
        done |= 1 << s;
    }
    return 0;
}
