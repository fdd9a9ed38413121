/* The cache of compiled seccomp filters (oci/seccomp.h).
 *
 * One file per filter.  Its key is the text the filter depends on: the
 * identity of this binary (path identity and mtime of /proc/self/exe, the
 * libseccomp version, which matters when it is linked dynamically) and of
 * the kernel (which flags it takes), then the compact JSON of
 * linux.seccomp.  The file name is a 64-bit FNV-1a hash of the key, which
 * only finds the entry: the entry holds the key itself and is used only
 * when it matches byte for byte, so a collision is a miss, never a wrong
 * filter.  Layout, in native byte order (the binary's identity is in the
 * key):
 *
 *   "GTSCBPF1"  u32 key_len  u32 flags  u32 n_insns  u32 zero
 *   key (key_len bytes)  insns (n_insns * 8 bytes)
 *   u64 FNV-1a of everything before
 *
 * Entries are written to a temporary file and renamed, so a reader sees a
 * whole entry or none; a torn or damaged one fails its size or checksum. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/mem.h"
#include "oci/features.h"
#include "oci/seccomp.h"
#include "oci/seccomp_internal.h"

#define MAGIC "GTSCBPF1"
#define HEADER_LEN (8 + 4 * 4)
#define MAX_KEY (4u << 20) /* beyond this, a profile is not worth caching */

struct header {
    char magic[8];
    uint32_t key_len, flags, n_insns, zero;
};
_Static_assert(sizeof(struct header) == HEADER_LEN, "cache header layout");

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}
#define FNV_SEED 0xcbf29ce484222325ULL

/* The key: identity text, '\0', the JSON.  NULL when the identity cannot
 * be had (then nothing is cached). */
static char *make_key(const json_t *sc, size_t *len)
{
    struct stat st;
    struct utsname u;
    if (stat("/proc/self/exe", &st) < 0 || uname(&u) < 0)
        return NULL;
    const struct scmp_version *v = seccomp_version();
    cleanup_free char *json = json_dumps(sc, JSON_COMPACT);
    if (!json)
        return NULL;
    cleanup_free char *id = gt_xasprintf(
        "gantry-runtime %s exe %llu:%llu:%lld:%lld.%09ld libseccomp %u.%u.%u kernel %s %s %s",
        GT_RUNTIME_VERSION, (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
        (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
        v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0, u.release, u.version, u.machine);
    size_t idl = strlen(id), jl = strlen(json);
    if (idl + 1 + jl > MAX_KEY)
        return NULL;
    char *key = gt_xmalloc(idl + 1 + jl);
    memcpy(key, id, idl + 1);
    memcpy(key + idl + 1, json, jl);
    *len = idl + 1 + jl;
    return key;
}

/* The entry for key, if it is whole, ours and for this key. */
static struct gt_seccomp *load(const char *path, const char *key, size_t key_len)
{
    cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return NULL;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
        (st.st_mode & 022))
        return NULL;
    if (st.st_size < (off_t)(HEADER_LEN + key_len + sizeof(struct sock_filter) + 8) ||
        st.st_size > (off_t)(HEADER_LEN + key_len + BPF_MAXINSNS * sizeof(struct sock_filter) + 8))
        return NULL;
    size_t size = (size_t)st.st_size;
    cleanup_free unsigned char *buf = gt_xmalloc(size);
    if (gt_read_all(fd, buf, size) != (ssize_t)size)
        return NULL;
    struct header h;
    memcpy(&h, buf, sizeof h);
    if (memcmp(h.magic, MAGIC, 8) != 0 || h.key_len != key_len || h.zero != 0 ||
        h.n_insns == 0 || h.n_insns > BPF_MAXINSNS ||
        size != HEADER_LEN + key_len + h.n_insns * sizeof(struct sock_filter) + 8)
        return NULL;
    uint64_t sum;
    memcpy(&sum, buf + size - 8, 8);
    if (fnv1a(FNV_SEED, buf, size - 8) != sum || memcmp(buf + HEADER_LEN, key, key_len) != 0)
        return NULL;
    struct gt_seccomp *s = gt_xcalloc(1, sizeof *s);
    s->len = (unsigned short)h.n_insns;
    s->flags = h.flags;
    s->insns = gt_xmalloc(h.n_insns * sizeof(struct sock_filter));
    memcpy(s->insns, buf + HEADER_LEN + key_len, h.n_insns * sizeof(struct sock_filter));
    return s;
}

struct entry {
    struct timespec mtime;
    char *name;
};

static int cmp_mtime(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    if (x->mtime.tv_sec != y->mtime.tv_sec)
        return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
    return (x->mtime.tv_nsec > y->mtime.tv_nsec) - (x->mtime.tv_nsec < y->mtime.tv_nsec);
}

/* Keeps the newest GT_SECCOMP_CACHE_MAX entries; removes temporary files
 * that a killed runtime left (older than a minute). */
static void trim(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct entry *e = NULL;
    size_t n = 0, cap = 0;
    time_t now = time(NULL);
    struct dirent *de;
    while ((de = readdir(d))) {
        struct stat st;
        if (de->d_name[0] == '.' || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (strstr(de->d_name, ".tmp.")) {
            if (now - st.st_mtim.tv_sec > 60)
                unlinkat(dirfd(d), de->d_name, 0);
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            e = gt_xrealloc(e, cap * sizeof *e);
        }
        e[n++] = (struct entry){ st.st_mtim, gt_xstrdup(de->d_name) };
    }
    if (n > GT_SECCOMP_CACHE_MAX) {
        qsort(e, n, sizeof *e, cmp_mtime);
        for (size_t i = 0; i < n - GT_SECCOMP_CACHE_MAX; i++)
            unlinkat(dirfd(d), e[i].name, 0);
    }
    for (size_t i = 0; i < n; i++)
        free(e[i].name);
    free(e);
    closedir(d);
}

static int store(const char *dir, const char *path, const char *key, size_t key_len,
                 const struct gt_seccomp *s, struct gt_error *err)
{
    int r = gt_mkdir_p(dir, 0700, err);
    if (r < 0)
        return r;
    size_t prog = s->len * sizeof(struct sock_filter);
    size_t size = HEADER_LEN + key_len + prog + 8;
    cleanup_free unsigned char *buf = gt_xmalloc(size);
    struct header h = { .key_len = (uint32_t)key_len, .flags = s->flags, .n_insns = s->len };
    memcpy(h.magic, MAGIC, 8);
    memcpy(buf, &h, sizeof h);
    memcpy(buf + HEADER_LEN, key, key_len);
    memcpy(buf + HEADER_LEN + key_len, s->insns, prog);
    uint64_t sum = fnv1a(FNV_SEED, buf, size - 8);
    memcpy(buf + size - 8, &sum, 8);
    if ((r = gt_write_file_atomic(path, buf, size, 0600, false, err)) < 0)
        return r;
    trim(dir);
    return 0;
}

int gt_seccomp_compile_cached(const json_t *sc, const char *cache_dir, struct gt_seccomp **out,
                              bool *hit, struct gt_error *err)
{
    if (hit)
        *hit = false;
    size_t key_len = 0;
    cleanup_free char *key = cache_dir && json_is_object(sc) ? make_key(sc, &key_len) : NULL;
    if (!key)
        return gt_seccomp_compile(sc, out, err);
    char name[32];
    snprintf(name, sizeof name, "%016" PRIx64 ".bpf", fnv1a(FNV_SEED, key, key_len));
    cleanup_free char *path = gt_path_join(cache_dir, name);
    struct gt_seccomp *s = load(path, key, key_len);
    if (s) {
        if (hit)
            *hit = true;
        *out = s;
        return 0;
    }
    int r = gt_seccomp_compile(sc, &s, err);
    if (r < 0)
        return r;
    struct gt_error e2;
    if (store(cache_dir, path, key, key_len, s, &e2) < 0)
        gt_debug("seccomp cache: %s", e2.msg);
    *out = s;
    return 0;
}
