/* The builder's COPY and ADD (and the directory of a WORKDIR): the files
 * are written as one tar, named as they will be in the image, with their
 * owners and modes, and extracted at "/" of the step's container (engine
 * extract.c: nothing lands outside it); the container is then committed.
 * Sources from the context are read without following its symbolic links
 * (one on the way to a source is refused); those of COPY --from come out
 * of a container of that image (engine archive.c).  In a stage FROM
 * scratch (no image to make a container of) the tar is unpacked into a
 * fresh directory (image/unpack.h) committed as the layer.  The step's
 * cache key is what the tar holds but its times (key_entry). */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "engine/build.h"
#include "image/changes.h"
#include "image/unpack.h"

struct cp {
    struct bld *b;
    struct archive *w;
    int fd;            /* the tar being written */
    bool own_numeric;  /* uid/gid set in the entries (else the container's User) */
    uid_t uid;
    gid_t gid;
    int chmod;         /* -1: keep */
    json_t *made;      /* directories already in the tar */
    struct sha256_ctx *key; /* the cache key of what is written, or NULL */
};

/* The cache key sees what the image gets of an entry: its name, type,
 * mode, owner, size, link target (and, as written, its contents), not its
 * times, so that a touched file keeps the cache (as dockerd's). */
static void key_entry(struct cp *c, struct archive_entry *e)
{
    if (!c->key)
        return;
    const char *sl = archive_entry_symlink(e), *hl = archive_entry_hardlink(e);
    cleanup_free char *s = gt_xasprintf(
        "%s\n%o %lld:%lld %lld\n%s\n%s\n", archive_entry_pathname(e),
        (unsigned)archive_entry_mode(e), (long long)archive_entry_uid(e),
        (long long)archive_entry_gid(e), (long long)archive_entry_size(e), sl ? sl : "",
        hl ? hl : "");
    sha256_update(c->key, strlen(s) + 1, (const uint8_t *)s);
}

static int ar_err(struct cp *c, struct archive *a, const char *what)
{
    return gt_err(c->b->err, EIO, "%s: %s", what, archive_error_string(a));
}

/* Adds the directories of path ("/a/b") that the image lacks. */
static int add_parents(struct cp *c, const char *path, bool self)
{
    cleanup_free char *p = gt_xstrdup(path);
    for (char *s = p + 1; *s; s++) {
        bool last = !strchr(s, '/');
        char *slash = strchr(s, '/');
        if (slash)
            *slash = '\0';
        if ((!last || self) && !json_object_get(c->made, p)) {
            cleanup_json json_t *st = NULL;
            struct gt_error e2 = { 0 };
            if (!c->b->ctr ||
                gt_engine_container_stat_path(c->b->e, c->b->ctr, p, &st, &e2) < 0) {
                struct archive_entry *ent = archive_entry_new();
                archive_entry_set_pathname(ent, p + 1);
                archive_entry_set_filetype(ent, AE_IFDIR);
                archive_entry_set_perm(ent, 0755);
                archive_entry_set_uid(ent, c->own_numeric ? c->uid : 0);
                archive_entry_set_gid(ent, c->own_numeric ? c->gid : 0);
                /* a fixed time: the same step makes the same layer */
                archive_entry_set_mtime(ent, 0, 0);
                key_entry(c, ent);
                int ar = archive_write_header(c->w, ent);
                archive_entry_free(ent);
                if (ar != ARCHIVE_OK)
                    return ar_err(c, c->w, "write the tar");
            }
            json_object_set_new(c->made, p, json_true());
        }
        if (!slash)
            break;
        *slash = '/';
        s = slash;
    }
    return 0;
}

/* Copies the entries of r (a disk walk or a tar) into the tar: an entry
 * named prefix+rest becomes target+rest; the entry prefix itself is left
 * out when skip_top (a directory's contents are copied, not itself). */
static int copy_entries(struct cp *c, struct archive *r, bool disk, const char *prefix,
                        const char *target, bool skip_top)
{
    size_t pl = strlen(prefix);
    for (;;) {
        struct archive_entry *ent = archive_entry_new();
        int ar = disk ? archive_read_next_header2(r, ent) : ARCHIVE_OK;
        struct archive_entry *te = ent;
        if (!disk) {
            archive_entry_free(ent);
            ar = archive_read_next_header(r, &te);
        }
        if (ar == ARCHIVE_EOF) {
            if (disk)
                archive_entry_free(ent);
            return 0;
        }
        if (ar < ARCHIVE_WARN) {
            if (disk)
                archive_entry_free(ent);
            return ar_err(c, r, "read the sources");
        }
        if (disk)
            archive_read_disk_descend(r);
        const char *name = archive_entry_pathname(te);
        const char *rest = strncmp(name, prefix, pl) ? NULL : name + pl;
        int rc = 0;
        if (rest && (*rest == '/' || !*rest) && !(skip_top && (!*rest || !strcmp(rest, "/")))) {
            cleanup_free char *to = gt_xasprintf("%s%s", target, rest);
            size_t n = strlen(to);
            while (n > 1 && to[n - 1] == '/')
                to[--n] = '\0';
            archive_entry_set_pathname(te, to + 1);
            if (c->own_numeric) {
                archive_entry_set_uid(te, c->uid);
                archive_entry_set_gid(te, c->gid);
            }
            archive_entry_set_uname(te, NULL);
            archive_entry_set_gname(te, NULL);
            if (c->chmod >= 0 && archive_entry_filetype(te) != AE_IFLNK)
                archive_entry_set_perm(te, (mode_t)c->chmod);
            key_entry(c, te);
            if (archive_write_header(c->w, te) != ARCHIVE_OK) {
                rc = ar_err(c, c->w, "write the tar");
            } else if (archive_entry_filetype(te) == AE_IFREG) {
                static __thread char buf[65536];
                la_ssize_t got;
                while ((got = archive_read_data(r, buf, sizeof buf)) > 0) {
                    if (c->key)
                        sha256_update(c->key, (size_t)got, (const uint8_t *)buf);
                    if (archive_write_data(c->w, buf, (size_t)got) != got) {
                        rc = ar_err(c, c->w, "write the tar");
                        break;
                    }
                }
                if (got < 0)
                    rc = ar_err(c, r, "read a source");
            }
        }
        if (disk)
            archive_entry_free(ent);
        if (rc < 0)
            return rc;
    }
}

/* A context path, checked: no "..", no symbolic link on the way. */
static int context_path(struct bld *b, const char *src, char **host)
{
    cleanup_free char *clean = NULL;
    const char *s = src;
    while (*s == '/')
        s++;
    clean = gt_xstrdup(*s ? s : ".");
    for (const char *p = clean; p; p = strchr(p, '/') ? strchr(p, '/') + 1 : NULL)
        if (!strncmp(p, "..", 2) && (p[2] == '/' || !p[2]))
            return gt_err(b->err, EINVAL, "forbidden path outside the build context: %s", src);
    *host = gt_xasprintf("%s/%s", b->o->context_dir, clean);
    /* every directory on the way must be one, not a link */
    cleanup_free char *walk = gt_xstrdup(*host);
    for (char *sl = walk + strlen(b->o->context_dir) + 1; (sl = strchr(sl, '/')); sl++) {
        *sl = '\0';
        struct stat st;
        if (lstat(walk, &st) == 0 && !S_ISDIR(st.st_mode)) {
            free(*host);
            return gt_err(b->err, EINVAL, "COPY through the symbolic link %s of the context "
                          "is not supported", walk + strlen(b->o->context_dir) + 1);
        }
        *sl = '/';
    }
    struct stat st;
    if (lstat(*host, &st) < 0) {
        free(*host);
        return gt_err(b->err, ENOENT, "COPY failed: file not found in build context or "
                      "excluded by .dockerignore: stat %s: file does not exist", clean);
    }
    return 0;
}

/* Sources with a glob in their last component matched in the context. */
static int expand_globs(struct bld *b, char **srcs, char ***out)
{
    for (char **s = srcs; *s; s++) {
        if (!strpbrk(*s, "*?[")) {
            gt_strv_push(out, *s);
            continue;
        }
        const char *slash = strrchr(*s, '/');
        cleanup_free char *dir = slash ? gt_xstrndup(*s, (size_t)(slash - *s)) : gt_xstrdup("");
        const char *pat = slash ? slash + 1 : *s;
        if (strpbrk(dir, "*?["))
            return gt_err(b->err, EOPNOTSUPP, "COPY %s: a wildcard before the last path "
                          "component is not supported yet", *s);
        cleanup_free char *host = gt_xasprintf("%s/%s", b->o->context_dir, dir);
        cleanup_close int fd = open(host, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        cleanup_strv char **names = NULL;
        struct gt_error e2 = { 0 };
        size_t found = 0;
        if (fd >= 0 && gt_list_dir_at(fd, &names, &e2) == 0)
            for (char **n = names; n && *n; n++)
                if (!fnmatch(pat, *n, FNM_PERIOD)) {
                    gt_strv_pushf(out, "%s%s%s", dir, *dir ? "/" : "", *n);
                    found++;
                }
        if (!found)
            return gt_err(b->err, ENOENT, "COPY failed: no source files were specified "
                          "(nothing matches %s)", *s);
    }
    return 0;
}

static bool is_archive(const char *path)
{
    struct archive *a = archive_read_new();
    archive_read_support_format_tar(a);
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_bzip2(a);
    archive_read_support_filter_xz(a);
    archive_read_support_filter_zstd(a);
    struct archive_entry *ent;
    bool ok = archive_read_open_filename(a, path, 16384) == ARCHIVE_OK &&
              archive_read_next_header(a, &ent) == ARCHIVE_OK;
    archive_read_free(a);
    return ok;
}

static void hash_fd(int fd, struct sha256_ctx *h)
{
    static __thread char buf[65536];
    ssize_t n;
    lseek(fd, 0, SEEK_SET);
    while ((n = read(fd, buf, sizeof buf)) > 0)
        sha256_update(h, (size_t)n, (const uint8_t *)buf);
    lseek(fd, 0, SEEK_SET);
}

static char *hex_of(struct sha256_ctx *h)
{
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_digest(h, sizeof d, d);
    char *s = gt_xmalloc(2 * sizeof d + 1);
    for (size_t i = 0; i < sizeof d; i++)
        sprintf(s + 2 * i, "%02x", d[i]);
    return s;
}

static int tmpfile_fd(struct bld *b)
{
    int fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    return fd < 0 ? gt_err_sys(b->err, errno, "make a temporary file") : fd;
}

/* One source of COPY --from: its tree out of a container of that image. */
static int from_image(struct cp *c, const char *image, const char *src, const char *target,
                      bool dest_dir)
{
    struct bld *b = c->b;
    cleanup_free char *id = NULL;
    int r = bld_image_of(b, image, false, &id);
    if (r < 0)
        return r;
    cleanup_json json_t *cfg = json_pack("{s:s,s:[s],s:[s]}", "Image", id, "Cmd", "#(nop)",
                                         "Entrypoint", "");
    cleanup_json json_t *warn = NULL;
    cleanup_free char *ctr = NULL;
    if ((r = gt_engine_container_create(b->e, NULL, cfg, &ctr, &warn, b->err)) < 0)
        return r;
    cleanup_close int fd = tmpfile_fd(b);
    cleanup_json json_t *st = NULL;
    if (fd < 0)
        r = fd;
    if (r == 0)
        r = gt_engine_container_stat_path(b->e, ctr, src, &st, b->err);
    if (r == 0)
        r = gt_engine_container_archive(b->e, ctr, src, NULL, NULL, fd, b->err);
    struct gt_error e2 = { 0 };
    gt_engine_container_remove(b->e, ctr, true, true, &e2);
    if (r < 0)
        return gt_err_prefix(b->err, "COPY --from=%s %s", image, src);
    bool is_dir = json_integer_value(json_object_get(st, "mode")) & (1LL << 31);
    cleanup_free char *clean = eng_path_clean_abs(src);
    const char *base = strrchr(clean, '/') + 1;
    if (!*base)
        base = ".";
    cleanup_free char *to = is_dir || !dest_dir ? gt_xstrdup(target)
                                                : gt_xasprintf("%s/%s", target, base);
    lseek(fd, 0, SEEK_SET);
    struct archive *a = archive_read_new();
    archive_read_support_format_tar(a);
    if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK)
        r = ar_err(c, a, "read the copy");
    else
        r = copy_entries(c, a, false, base, to, is_dir);
    archive_read_free(a);
    return r;
}

/* --chown: numeric ids into the entries, or a user (and group) name to
 * look up in the image (*user_name, "user:group": a name alone is the
 * group's too, as dockerd reads it). */
static void parse_chown(struct cp *c, const char *spec, char **user_name)
{
    char *end;
    unsigned long u = strtoul(spec, &end, 10);
    if (end != spec && (*end == '\0' || *end == ':')) {
        unsigned long g = u;
        if (*end == ':') {
            const char *gs = end + 1;
            g = strtoul(gs, &end, 10);
            if (end == gs || *end) {
                *user_name = gt_xstrdup(spec);
                return;
            }
        }
        c->own_numeric = true;
        c->uid = (uid_t)u;
        c->gid = (gid_t)g;
        return;
    }
    *user_name = strchr(spec, ':') ? gt_xstrdup(spec) : gt_xasprintf("%s:%s", spec, spec);
}

/* The files of a step without a container (a stage FROM scratch has no
 * image to make one of): the tar, and an archive that ADD unpacks at
 * dest, into a fresh directory committed as the layer. */
static int commit_files(struct bld *b, const char *key, const char *created_by, int fd,
                        int afd, const char *dest)
{
    char tmpl[] = "/tmp/gantry-build-layer-XXXXXX";
    if (!mkdtemp(tmpl))
        return gt_err_sys(b->err, errno, "make a temporary directory");
    struct gt_unpack_opts uo = { .no_devices = true };
    struct gt_unpack_stats st;
    int r = 0;
    cleanup_close int root = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        r = gt_err_sys(b->err, errno, "open %s", tmpl);
    lseek(fd, 0, SEEK_SET);
    if (r == 0)
        r = gt_layer_unpack(fd, root, &uo, &st, b->err);
    if (r == 0 && afd >= 0) {
        lseek(afd, 0, SEEK_SET);
        cleanup_close int at = eng_ctrfs_openat(root, dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        r = at < 0 ? gt_err_sys(b->err, -at, "open %s of the new layer", dest)
                   : gt_layer_unpack(afd, at, &uo, &st, b->err);
    }
    if (r < 0)
        gt_err_prefix(b->err, "the files of the step");
    else
        r = bld_commit_upper(b, key, created_by, root);
    struct gt_error e2 = { 0 };
    gt_rm_rf(tmpl, &e2);
    return r;
}

static int copy_step(struct bld *b, const struct gt_df_instr *in)
{
    bool add = !strcmp(in->cmd, "add");
    const char *what = add ? "ADD" : "COPY";
    cleanup_json json_t *env = bld_env(b);
    cleanup_strv char **words = NULL;
    if (in->json) {
        size_t i;
        json_t *v;
        json_array_foreach(in->json, i, v)
            gt_strv_push(&words, json_string_value(v));
    } else {
        cleanup_strv char **raw = gt_image_changes_words(in->rest);
        for (char **w = raw; w && *w; w++) {
            char *x = NULL;
            int r = gt_image_changes_expand(*w, env, &x, b->err);
            if (r < 0)
                return r;
            gt_strv_push(&words, x);
            free(x);
        }
    }
    size_t n = gt_strv_len(words);
    if (n < 2)
        return gt_err(b->err, EINVAL, "%s requires at least two arguments", what);
    for (size_t i = 0; i + 1 < n; i++)
        if (add && (!strncmp(words[i], "http://", 7) || !strncmp(words[i], "https://", 8) ||
                    !strncmp(words[i], "git@", 4)))
            return gt_err(b->err, EOPNOTSUPP, "ADD from a URL (%s) is not implemented by "
                          "Gantry's builder: download it into the context and COPY it",
                          words[i]);
    const char *from = gt_df_flag(in, "from");
    const char *chown = gt_df_flag(in, "chown"), *chmod_s = gt_df_flag(in, "chmod");
    struct cp c = { .b = b, .chmod = -1, .made = json_object() };
    cleanup_json json_t *made = c.made;
    cleanup_free char *user_name = NULL;
    if (chown && *chown)
        parse_chown(&c, chown, &user_name);
    else
        c.own_numeric = true; /* root's */
    if (chmod_s) {
        char *end;
        long m = strtol(chmod_s, &end, 8);
        if (!*chmod_s || *end || m < 0 || m > 07777)
            return gt_err(b->err, EINVAL, "invalid chmod parameter: %s", chmod_s);
        c.chmod = (int)m;
    }
    /* the destination, absolute */
    const char *dw = words[n - 1];
    const char *wd = json_string_value(json_object_get(b->cfg, "WorkingDir"));
    cleanup_free char *dest_raw = dw[0] == '/' ? gt_xstrdup(dw)
                                               : gt_xasprintf("%s/%s", wd && *wd ? wd : "", dw);
    bool slash = dw[strlen(dw) - 1] == '/' || !strcmp(dw, ".");
    cleanup_free char *dest = eng_path_clean_abs(dest_raw);
    words[n - 1] = NULL;
    cleanup_strv char **srcs = NULL;
    int r = 0;
    if (!from && (r = expand_globs(b, words, &srcs)) < 0)
        return r;
    if (from)
        for (char **s = words; *s; s++)
            gt_strv_push(&srcs, *s);
    if (!b->cur && user_name)
        return gt_err(b->err, EINVAL, "unable to convert uid/gid chown string to host mapping: "
                      "can't find uid for user %s: a stage FROM scratch has no /etc/passwd",
                      chown);
    cleanup_json json_t *nop = json_pack("[s]", "#(nop)");
    if (b->cur && (r = bld_container(b, nop, user_name)) < 0)
        return r;
    cleanup_json json_t *dst = NULL;
    struct gt_error e2 = { 0 };
    bool dest_dir = slash || gt_strv_len(srcs) > 1 || !strcmp(dest, "/") ||
                    (b->ctr && gt_engine_container_stat_path(b->e, b->ctr, dest, &dst, &e2) == 0 &&
                     (json_integer_value(json_object_get(dst, "mode")) & (1LL << 31)));
    cleanup_close int fd = tmpfile_fd(b);
    if (fd < 0)
        return fd;
    cleanup_free char *archive_src = NULL, *hex = NULL, *created_by = NULL, *key = NULL;
    cleanup_close int afd = -1;
    struct sha256_ctx h;
    sha256_init(&h);
    c.key = &h;
    c.w = archive_write_new();
    archive_write_set_format_pax_restricted(c.w);
    if (archive_write_open_fd(c.w, fd) != ARCHIVE_OK) {
        r = ar_err(&c, c.w, "write the tar");
        goto out;
    }
    if ((r = add_parents(&c, dest, dest_dir)) < 0)
        goto out;
    for (char **s = srcs; *s && r == 0; s++) {
        if (from) {
            r = from_image(&c, from, *s, dest, dest_dir);
            continue;
        }
        cleanup_free char *host = NULL;
        if ((r = context_path(b, *s, &host)) < 0)
            break;
        struct stat st;
        lstat(host, &st);
        if (add && S_ISREG(st.st_mode) && is_archive(host)) {
            if (archive_src || !dest_dir) {
                r = gt_err(b->err, EOPNOTSUPP, "ADD of an archive goes alone, into a "
                           "directory (end the destination with /)");
                break;
            }
            archive_src = steal_pointer(&host);
            continue;
        }
        const char *base = strrchr(host, '/') + 1;
        cleanup_free char *to = S_ISDIR(st.st_mode) || !dest_dir
                                    ? gt_xstrdup(dest)
                                    : gt_xasprintf("%s/%s", strcmp(dest, "/") ? dest : "",
                                                   base);
        struct archive *d = archive_read_disk_new();
        archive_read_disk_set_symlink_physical(d);
        archive_read_disk_set_standard_lookup(d);
        if (archive_read_disk_open(d, host) != ARCHIVE_OK)
            r = ar_err(&c, d, "read the context");
        else
            r = copy_entries(&c, d, true, host, to, S_ISDIR(st.st_mode));
        archive_read_free(d);
    }
    if (r < 0)
        goto out;
    if (archive_write_close(c.w) != ARCHIVE_OK) {
        r = ar_err(&c, c.w, "write the tar");
        goto out;
    }
    if (archive_src) {
        afd = open(archive_src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (afd < 0) {
            r = gt_err_sys(b->err, errno, "open %s", archive_src);
            goto out;
        }
        hash_fd(afd, &h);
    }
    hex = hex_of(&h);
    created_by = gt_xasprintf("/bin/sh -c #(nop) %s %s%s%s%s%s:%s in %s ",
        what, from ? "--from=" : "", from ? from : "", from ? " " : "",
        chown ? "--chown=" : "", chown ? chown : "", hex, dest);
    key = bld_step_key(b, created_by);
    if (bld_from_cache(b, key)) {
        bld_drop_container(b);
        goto out;
    }
    if (!b->ctr) {
        r = commit_files(b, key, created_by, fd, afd, dest);
        goto out;
    }
    struct gt_extract_options xo = { .copy_uid_gid = user_name != NULL };
    lseek(fd, 0, SEEK_SET);
    if ((r = gt_engine_container_extract(b->e, b->ctr, "/", &xo, fd, b->err)) < 0)
        goto out;
    if (afd >= 0 &&
        (r = gt_engine_container_extract(b->e, b->ctr, dest, &xo, afd, b->err)) < 0)
        goto out;
    r = bld_commit(b, key, created_by);
out:
    archive_write_free(c.w);
    return r;
}

static int workdir_step(struct bld *b, const char *created_by)
{
    cleanup_free char *key = bld_step_key(b, created_by);
    if (bld_from_cache(b, key))
        return 0;
    const char *wd = json_string_value(json_object_get(b->cfg, "WorkingDir"));
    cleanup_json json_t *cmd = json_pack("[s]", "#(nop)");
    int r = b->cur ? bld_container(b, cmd, NULL) : 0; /* FROM scratch: none */
    if (r < 0)
        return r;
    cleanup_json json_t *st = NULL;
    struct gt_error e2 = { 0 };
    if (!wd || !*wd ||
        (b->ctr && gt_engine_container_stat_path(b->e, b->ctr, wd, &st, &e2) == 0)) {
        bld_drop_container(b); /* it is there: the config alone */
        return bld_commit(b, key, created_by);
    }
    cleanup_close int fd = tmpfile_fd(b);
    if (fd < 0)
        return fd;
    struct cp c = { .b = b, .chmod = -1, .made = json_object(), .own_numeric = true };
    c.w = archive_write_new();
    archive_write_set_format_pax_restricted(c.w);
    if (archive_write_open_fd(c.w, fd) != ARCHIVE_OK)
        r = ar_err(&c, c.w, "write the tar");
    cleanup_free char *clean = eng_path_clean_abs(wd);
    if (r == 0)
        r = add_parents(&c, clean, true);
    if (r == 0 && archive_write_close(c.w) != ARCHIVE_OK)
        r = ar_err(&c, c.w, "write the tar");
    archive_write_free(c.w);
    json_decref(c.made);
    if (r == 0 && !b->ctr)
        return commit_files(b, key, created_by, fd, -1, "/");
    lseek(fd, 0, SEEK_SET);
    if (r == 0)
        r = gt_engine_container_extract(b->e, b->ctr, "/", NULL, fd, b->err);
    if (r == 0)
        r = bld_commit(b, key, created_by);
    return r;
}

/* A failed step's "#(nop)" container goes, forcerm or not: it ran nothing
 * to look into (a failed RUN's container stays without forcerm, as
 * dockerd's). */
int bld_copy(struct bld *b, const struct gt_df_instr *in)
{
    int r = copy_step(b, in);
    if (r < 0)
        bld_drop_container(b);
    return r;
}

int bld_workdir_dir(struct bld *b, const char *created_by)
{
    int r = workdir_step(b, created_by);
    if (r < 0)
        bld_drop_container(b);
    return r;
}
