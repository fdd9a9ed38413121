/* gantry image - the image store from the command line.
 *
 *   gantry image pull|push|ls|inspect|rm|tag|import|export|prune|verify
 *   gantry image unpack|mount|unmount|spec      (snapshots and specs)
 *
 * Every subcommand takes --data-root DIR (else $GANTRY_DATA_ROOT, else
 * /var/lib/gantry); the ones that unpack or mount take --snapshotter
 * overlay|copy and --platform os/arch[/variant]. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "cmd/gantry.h"
#include "image/progress.h"
#include "image/pull.h"
#include "image/ref.h"
#include "image/registry.h"
#include "image/spec.h"
#include "image/store.h"
#include "image/transfer.h"

struct image_cli {
    const char *cmd;
    const char *data_root;
    const char *snapshotter;
    const char *platform;
    struct gt_image_store *st;
};

static int fail(const struct image_cli *c, const struct gt_error *err)
{
    fprintf(stderr, "gantry image %s: %s\n", c->cmd, err->msg);
    return 1;
}

static int usage_error(const struct image_cli *c, const char *usage)
{
    fprintf(stderr, "usage: gantry image %s %s\n", c->cmd, usage);
    return 2;
}

/* Options every subcommand knows; values >= 1000 so that a subcommand's
 * own short options do not collide. */
enum { OPT_DATA_ROOT = 1000, OPT_SNAPSHOTTER, OPT_PLATFORM };
#define COMMON_OPTS \
    { "data-root", required_argument, NULL, OPT_DATA_ROOT }, \
    { "snapshotter", required_argument, NULL, OPT_SNAPSHOTTER }, \
    { "platform", required_argument, NULL, OPT_PLATFORM }

/* Handles a common option; returns 1 if it was one. */
static int common_opt(struct image_cli *c, int opt)
{
    switch (opt) {
    case OPT_DATA_ROOT:
        c->data_root = optarg;
        return 1;
    case OPT_SNAPSHOTTER:
        c->snapshotter = optarg;
        return 1;
    case OPT_PLATFORM:
        c->platform = optarg;
        return 1;
    }
    return 0;
}

/* For the subcommands with no options of their own: parses the common
 * ones and checks that min to max (-1: any number of) arguments follow.
 * 0, or the status of the usage error it printed. */
static int common_args(struct image_cli *c, int argc, char **argv, const char *usage, int min,
                       int max)
{
    static const struct option opts[] = { COMMON_OPTS, { 0 } };
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1)
        if (!common_opt(c, o))
            return usage_error(c, usage);
    if (argc - optind < min || (max >= 0 && argc - optind > max))
        return usage_error(c, usage);
    return 0;
}

static int open_store(struct image_cli *c, struct gt_error *err)
{
    int r = gt_image_store_open(gt_data_root(c->data_root), &c->st, err);
    if (r < 0)
        return r;
    if (c->platform) {
        struct gt_platform p;
        if ((r = gt_platform_parse(c->platform, &p, err)) < 0)
            return r;
        gt_platform_release(&c->st->platform);
        c->st->platform = p;
    }
    if (c->snapshotter && (r = gt_snapshots_set_driver(c->st->ss, c->snapshotter, err)) < 0)
        return r;
    return 0;
}

static int64_t parse_size(const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0)
        return -1;
    int64_t mult = 1;
    switch (*end) {
    case 'k': case 'K': mult = 1024; end++; break;
    case 'm': case 'M': mult = 1024 * 1024; end++; break;
    case 'g': case 'G': mult = (int64_t)1 << 30; end++; break;
    }
    if (*end == 'i' || *end == 'B' || *end == 'b')
        end++;
    if (*end == 'B')
        end++;
    if (*end)
        return -1;
    return (int64_t)(v * (double)mult);
}

/* docker's sizes in image lists: three significant digits */
static void human_size(int64_t n, char *buf, size_t len)
{
    gt_progress_human_size_digits((double)n, 3, buf, len);
}

static void human_ago(const char *rfc3339, char *buf, size_t len)
{
    struct tm tm = { 0 };
    if (!rfc3339 || !strptime(rfc3339, "%Y-%m-%dT%H:%M:%S", &tm)) {
        snprintf(buf, len, "N/A");
        return;
    }
    double d = difftime(time(NULL), timegm(&tm));
    static const struct { double secs; const char *unit; } steps[] = {
        { 365.25 * 86400, "year" }, { 30 * 86400, "month" }, { 7 * 86400, "week" },
        { 86400, "day" }, { 3600, "hour" }, { 60, "minute" }, { 1, "second" },
    };
    if (d < 1) {
        snprintf(buf, len, "Less than a second ago");
        return;
    }
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (d >= steps[i].secs) {
            long n = (long)(d / steps[i].secs);
            if (n == 1 && i < 5)
                snprintf(buf, len, "%s %s ago", i == 4 ? "An" : "A", steps[i].unit);
            else
                snprintf(buf, len, "%ld %ss ago", n, steps[i].unit);
            return;
        }
}

/* ---- pull / push (the registry client moves the bytes) ---- */

enum { OPT_INSECURE = 1300, OPT_CA, OPT_CERTS, OPT_AUTH, OPT_USER, OPT_PARALLEL, OPT_JSON,
       OPT_QUIET, OPT_MOUNT_FROM, OPT_NO_UNPACK_PULL };

static int cmd_pull(struct image_cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        COMMON_OPTS,
        { "insecure-registry", required_argument, NULL, OPT_INSECURE },
        { "ca-file", required_argument, NULL, OPT_CA },
        { "certs-dir", required_argument, NULL, OPT_CERTS },
        { "auth-file", required_argument, NULL, OPT_AUTH },
        { "user", required_argument, NULL, OPT_USER },
        { "parallel", required_argument, NULL, OPT_PARALLEL },
        { "json", no_argument, NULL, OPT_JSON },
        { "quiet", no_argument, NULL, OPT_QUIET },
        { "mount-from", required_argument, NULL, OPT_MOUNT_FROM },
        { "no-unpack", no_argument, NULL, OPT_NO_UNPACK_PULL },
        { 0 },
    };
    bool push = !strcmp(c->cmd, "push");
    const char *usage = push ? "[--data-root DIR] [registry options] NAME[:TAG] [DEST]"
                             : "[--data-root DIR] [--platform P] [registry options] "
                               "NAME[:TAG|@DIGEST]";
    struct gt_registry_options ro = { 0 };
    cleanup_strv char **insecure = NULL, **mount_from = NULL;
    const char *user = NULL;
    bool json = false, quiet = false, no_unpack = false;
    int o;
    while ((o = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
        if (common_opt(c, o))
            continue;
        switch (o) {
        case OPT_INSECURE: gt_strv_push(&insecure, optarg); break;
        case OPT_CA: ro.ca_file = optarg; break;
        case OPT_CERTS: ro.certs_dir = optarg; break;
        case OPT_AUTH: ro.auth_file = optarg; break;
        case OPT_USER: user = optarg; break;
        case OPT_PARALLEL: ro.parallel = atoi(optarg); break;
        case OPT_JSON: json = true; break;
        case 'q':
        case OPT_QUIET: quiet = true; break;
        case OPT_MOUNT_FROM: gt_strv_push(&mount_from, optarg); break;
        case OPT_NO_UNPACK_PULL: no_unpack = true; break;
        default: return usage_error(c, usage);
        }
    }
    if (optind + 1 != argc && !(push && optind + 2 == argc))
        return usage_error(c, usage);
    ro.insecure = (const char *const *)insecure;
    struct gt_error err;
    if (open_store(c, &err) < 0)
        return fail(c, &err);
    struct gt_registry_client *client = NULL;
    if (gt_registry_client_new(&ro, &client, &err) < 0)
        return fail(c, &err);
    cleanup_free char *ubuf = user ? gt_xstrdup(user) : NULL;
    struct gt_registry_auth auth = { 0 };
    if (ubuf) {
        char *colon = strchr(ubuf, ':');
        if (colon)
            *colon++ = '\0';
        auth = (struct gt_registry_auth){ ubuf, colon ? colon : "" };
    }
    struct gt_progress_term *term = NULL;
    struct gt_progress progress = { 0 };
    if (json)
        progress = (struct gt_progress){ gt_progress_json_fd, GT_PROGRESS_FD_ARG(STDOUT_FILENO) };
    else if (!quiet) {
        term = gt_progress_term_new(STDOUT_FILENO, isatty(STDOUT_FILENO));
        progress = (struct gt_progress){ gt_progress_term_event, term };
    }
    int r;
    if (push) {
        struct gt_image_store_push_opts po = { .auth = ubuf ? &auth : NULL, .progress = &progress,
                                         .mount_from = (const char *const *)mount_from };
        r = gt_image_store_push(c->st, client, argv[optind], optind + 1 < argc ? argv[optind + 1] : NULL,
                          &po, NULL, &err);
    } else {
        struct gt_image_store_pull_opts po = { .auth = ubuf ? &auth : NULL, .progress = &progress,
                                         .no_unpack = no_unpack };
        struct gt_image_record rec;
        r = gt_image_store_pull(c->st, client, argv[optind], &po, &rec, &err);
        if (r == 0) {
            if (!json && !quiet)
                printf("%s\n", rec.refs[0] ? rec.refs[0] : rec.target);
            else if (quiet)
                printf("%s\n", rec.refs[0] ? rec.refs[0] : rec.target);
            gt_image_record_release(&rec);
        }
    }
    if (r < 0 && json) {
        struct gt_progress_event ev = { .error = err.msg };
        gt_progress_emit(&progress, &ev);
    }
    gt_progress_term_free(term);
    gt_registry_client_free(client);
    return r < 0 ? fail(c, &err) : 0;
}

/* ---- ls ---- */

static int cmd_ls(struct image_cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        COMMON_OPTS,
        { "quiet", no_argument, NULL, 'q' },
        { "digests", no_argument, NULL, 'D' },
        { "no-trunc", no_argument, NULL, 'T' },
        { 0 },
    };
    bool quiet = false, digests = false, no_trunc = false;
    int o;
    while ((o = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
        if (common_opt(c, o))
            continue;
        if (o == 'q')
            quiet = true;
        else if (o == 'D')
            digests = true;
        else if (o == 'T')
            no_trunc = true;
        else
            return usage_error(c, "[-q] [--digests] [--no-trunc] [--data-root DIR]");
    }
    struct gt_error err;
    if (open_store(c, &err) < 0)
        return fail(c, &err);
    struct gt_image_record *recs;
    size_t n;
    if (gt_image_store_list(c->st, &recs, &n, &err) < 0)
        return fail(c, &err);
    if (!quiet)
        printf(digests ? "%-40s %-16s %-72s %-15s %-20s %s\n" : "%-40s %-16s %-15s %-20s %s\n",
               "REPOSITORY", "TAG", digests ? "DIGEST" : "IMAGE ID", digests ? "IMAGE ID" : "CREATED",
               digests ? "CREATED" : "SIZE", digests ? "SIZE" : "");
    for (size_t i = 0; i < n; i++) {
        struct gt_image_record *r = &recs[i];
        char id[80];
        snprintf(id, sizeof id, "%s", no_trunc ? r->config : r->config + 7);
        if (!no_trunc)
            id[12] = '\0';
        if (quiet) {
            printf("%s\n", id);
            continue;
        }
        char size[32], ago[64];
        human_size(r->size, size, sizeof size);
        human_ago(r->created, ago, sizeof ago);
        size_t shown = 0;
        for (char **ref = r->refs; *ref; ref++) {
            struct gt_ref p;
            if (gt_ref_parse(*ref, &p, NULL) < 0)
                continue;
            cleanup_free char *repo = gt_ref_familiar_name(&p);
            const char *tag = p.tag ? p.tag : "<none>";
            if (digests)
                printf("%-40s %-16s %-72s %-15s %-20s %s\n", repo, tag, r->target, id, ago, size);
            else
                printf("%-40s %-16s %-15s %-20s %s\n", repo, tag, id, ago, size);
            gt_ref_release(&p);
            shown++;
        }
        if (!shown) {
            if (digests)
                printf("%-40s %-16s %-72s %-15s %-20s %s\n", "<none>", "<none>", r->target, id, ago,
                       size);
            else
                printf("%-40s %-16s %-15s %-20s %s\n", "<none>", "<none>", id, ago, size);
        }
    }
    gt_image_records_free(recs, n);
    return 0;
}

/* ---- inspect ---- */

static json_t *inspect_one(struct image_cli *c, const char *name, struct gt_error *err)
{
    struct gt_image_record rec;
    if (gt_image_store_lookup(c->st, name, &rec, err) < 0)
        return NULL;
    struct gt_image img;
    if (gt_image_store_load_image(c->st, &rec, &img, err) < 0) {
        gt_image_record_release(&rec);
        return NULL;
    }
    json_t *tags = json_array(), *digests = json_array();
    for (char **r = rec.refs; *r; r++) {
        struct gt_ref p;
        if (gt_ref_parse(*r, &p, NULL) < 0)
            continue;
        cleanup_free char *fam_name = gt_ref_familiar_name(&p);
        if (p.tag) {
            cleanup_free char *fam = gt_ref_familiar(&p);
            json_array_append_new(tags, json_string(fam));
        }
        cleanup_free char *dg = gt_xasprintf("%s@%s", fam_name, rec.target);
        bool dup = false;
        size_t i;
        json_t *v;
        json_array_foreach(digests, i, v)
            if (!strcmp(json_string_value(v), dg))
                dup = true;
        if (!dup)
            json_array_append_new(digests, json_string(dg));
        gt_ref_release(&p);
    }
    json_t *cfg = img.config.json;
    json_t *layers = json_array();
    for (size_t i = 0; i < img.config.n_diff_ids; i++)
        json_array_append_new(layers, json_string(img.config.diff_ids[i]));
    json_t *j = json_pack("{s:s, s:o, s:o, s:s, s:s, s:I, s:{s:s, s:o}, s:s, s:s, s:s}", "Id",
                          rec.config, "RepoTags", tags, "RepoDigests", digests, "Architecture",
                          img.config.platform.arch ? img.config.platform.arch : "", "Os",
                          img.config.platform.os ? img.config.platform.os : "", "Size",
                          (json_int_t)rec.size, "RootFS", "Type", "layers", "Layers", layers,
                          "Target", rec.target, "Manifest", rec.manifest, "MediaType",
                          rec.media_type);
    static const char *const copy[][2] = {
        { "created", "Created" }, { "author", "Author" }, { "config", "Config" },
        { "variant", "Variant" }, { "comment", "Comment" }, { "docker_version", "DockerVersion" },
    };
    for (size_t i = 0; i < sizeof copy / sizeof copy[0]; i++) {
        json_t *v = json_object_get(cfg, copy[i][0]);
        if (v)
            json_object_set(j, copy[i][1], v);
    }
    gt_image_release(&img);
    gt_image_record_release(&rec);
    return j;
}

static int cmd_inspect(struct image_cli *c, int argc, char **argv)
{
    int rc = common_args(c, argc, argv, "[--data-root DIR] NAME...", 1, -1);
    if (rc)
        return rc;
    struct gt_error err;
    if (open_store(c, &err) < 0)
        return fail(c, &err);
    cleanup_json json_t *all = json_array();
    for (int i = optind; i < argc; i++) {
        json_t *j = inspect_one(c, argv[i], &err);
        if (!j) {
            fail(c, &err);
            rc = 1;
            continue;
        }
        json_array_append_new(all, j);
    }
    cleanup_free char *s = json_dumps(all, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
    printf("%s\n", s);
    return rc;
}

/* ---- rm, tag ---- */

static int cmd_rm(struct image_cli *c, int argc, char **argv)
{
    static const struct option opts[] = { COMMON_OPTS, { "force", no_argument, NULL, 'f' }, { 0 } };
    bool force = false;
    int o;
    while ((o = getopt_long(argc, argv, "f", opts, NULL)) != -1) {
        if (common_opt(c, o))
            continue;
        if (o != 'f')
            return usage_error(c, "[-f] [--data-root DIR] NAME...");
        force = true;
    }
    if (optind >= argc)
        return usage_error(c, "[-f] [--data-root DIR] NAME...");
    struct gt_error err;
    if (open_store(c, &err) < 0)
        return fail(c, &err);
    int rc = 0;
    for (int i = optind; i < argc; i++) {
        char **lines = NULL;
        if (gt_image_store_remove(c->st, argv[i], force, &lines, &err) < 0) {
            fail(c, &err);
            rc = 1;
            continue;
        }
        for (char **l = lines; l && *l; l++)
            printf("%s\n", *l);
        gt_strv_free(lines);
    }
    return rc;
}

static int cmd_tag(struct image_cli *c, int argc, char **argv)
{
    int rc = common_args(c, argc, argv, "[--data-root DIR] SOURCE TARGET", 2, 2);
    if (rc)
        return rc;
    struct gt_error err;
    if (open_store(c, &err) < 0 || gt_image_store_tag(c->st, argv[optind], argv[optind + 1], &err) < 0)
        return fail(c, &err);
    return 0;
}

/* ---- import, export ---- */

enum { OPT_REF = 1100, OPT_FORMAT, OPT_NO_UNPACK, OPT_MAX_ENTRY, OPT_MAX_TOTAL, OPT_NO_DEVICES };

static int cmd_import(struct image_cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        COMMON_OPTS,
        { "ref", required_argument, NULL, OPT_REF },
        { "format", required_argument, NULL, OPT_FORMAT },
        { "no-unpack", no_argument, NULL, OPT_NO_UNPACK },
        { "max-entry-size", required_argument, NULL, OPT_MAX_ENTRY },
        { "max-layer-size", required_argument, NULL, OPT_MAX_TOTAL },
        { "no-devices", no_argument, NULL, OPT_NO_DEVICES },
        { 0 },
    };
    static const char *usage = "[--data-root DIR] [--ref NAME[:TAG]] [--format oci|docker-archive] "
                               "[--no-unpack] [--max-entry-size N] [--max-layer-size N] "
                               "[--no-devices] SOURCE";
    struct gt_unpack_opts uo = { 0 };
    struct gt_import_opts io = { .unpack = &uo };
    const char *format = NULL;
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (common_opt(c, o))
            continue;
        switch (o) {
        case OPT_REF: io.ref = optarg; break;
        case OPT_FORMAT: format = optarg; break;
        case OPT_NO_UNPACK: io.no_unpack = true; break;
        case OPT_NO_DEVICES: uo.no_devices = true; break;
        case OPT_MAX_ENTRY:
        case OPT_MAX_TOTAL: {
            int64_t v = parse_size(optarg);
            if (v <= 0) {
                fprintf(stderr, "gantry image import: invalid size \"%s\"\n", optarg);
                return 2;
            }
            *(o == OPT_MAX_ENTRY ? &uo.max_entry_size : &uo.max_total_size) = v;
            break;
        }
        default:
            return usage_error(c, usage);
        }
    }
    if (optind + 1 != argc)
        return usage_error(c, usage);
    const char *src = argv[optind];
    struct gt_error err;
    if (io.ref) {
        char *tmp;
        if (gt_ref_normalize(io.ref, &tmp, &err) < 0)
            return fail(c, &err);
        free(tmp);
    }
    if (!format) {
        struct stat s;
        format = strcmp(src, "-") != 0 && stat(src, &s) == 0 && S_ISDIR(s.st_mode) ? "oci"
                                                                                 : "docker-archive";
    }
    if (open_store(c, &err) < 0)
        return fail(c, &err);
    char **loaded = NULL;
    int r;
    if (!strcmp(format, "oci"))
        r = gt_oci_layout_import(c->st, src, &io, &loaded, &err);
    else if (!strcmp(format, "docker-archive"))
        r = gt_docker_archive_import(c->st, src, &io, &loaded, &err);
    else
        r = gt_err(&err, EINVAL, "unknown format \"%s\" (oci or docker-archive)", format);
    if (r < 0)
        return fail(c, &err);
    for (char **l = loaded; l && *l; l++)
        printf("%s\n", *l);
    gt_strv_free(loaded);
    return 0;
}

static int cmd_export(struct image_cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        COMMON_OPTS,
        { "output", required_argument, NULL, 'o' },
        { "format", required_argument, NULL, OPT_FORMAT },
        { 0 },
    };
    static const char *usage = "[--data-root DIR] [--format oci|docker-archive] -o DEST NAME...";
    const char *out = NULL, *format = "oci";
    int o;
    while ((o = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        if (common_opt(c, o))
            continue;
        if (o == 'o')
            out = optarg;
        else if (o == OPT_FORMAT)
            format = optarg;
        else
            return usage_error(c, usage);
    }
    if (!out || optind >= argc)
        return usage_error(c, usage);
    struct gt_error err;
    if (open_store(c, &err) < 0)
        return fail(c, &err);
    int r;
    if (!strcmp(format, "oci"))
        r = gt_oci_layout_export(c->st, argv + optind, out, &err);
    else if (!strcmp(format, "docker-archive"))
        r = gt_docker_archive_export(c->st, argv + optind, out, &err);
    else
        r = gt_err(&err, EINVAL, "unknown format \"%s\" (oci or docker-archive)", format);
    return r < 0 ? fail(c, &err) : 0;
}

/* ---- prune, verify ---- */

static int cmd_prune(struct image_cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        COMMON_OPTS,
        { "dangling", no_argument, NULL, 'd' },
        { "force", no_argument, NULL, 'f' },
        { 0 },
    };
    bool dangling = false;
    int o;
    while ((o = getopt_long(argc, argv, "df", opts, NULL)) != -1) {
        if (common_opt(c, o) || o == 'f')
            continue;
        if (o != 'd')
            return usage_error(c, "[--dangling] [--data-root DIR]");
        dangling = true;
    }
    struct gt_error err;
    struct gt_prune_report rep;
    if (open_store(c, &err) < 0 || gt_image_store_prune(c->st, dangling, &rep, &err) < 0)
        return fail(c, &err);
    char size[32];
    human_size(rep.blob_bytes, size, sizeof size);
    if (dangling)
        printf("Deleted images: %u\n", rep.images);
    printf("Deleted blobs: %u\nDeleted snapshots: %u\nDeleted partial downloads: %u\n"
           "Total reclaimed space: %s\n",
           rep.blobs, rep.snapshots, rep.ingests, size);
    return 0;
}

static void print_problem(const char *what, const char *problem, void *ctx)
{
    (void)ctx;
    printf("%s: %s\n", what, problem);
}

static int cmd_verify(struct image_cli *c, int argc, char **argv)
{
    int rc = common_args(c, argc, argv, "[--data-root DIR]", 0, -1);
    if (rc)
        return rc;
    struct gt_error err;
    if (open_store(c, &err) < 0)
        return fail(c, &err);
    int n = gt_image_store_verify(c->st, print_problem, NULL, &err);
    if (n < 0)
        return fail(c, &err);
    if (n > 0) {
        fprintf(stderr, "gantry image verify: %d problem%s found\n", n, n == 1 ? "" : "s");
        return 1;
    }
    printf("store %s: ok\n", c->st->root);
    return 0;
}

/* ---- unpack, mount, unmount, spec ---- */

/* Opens the store and unpacks the image called name: *top is its top
 * snapshot (NULL for an image without layers). */
static int unpack_named(struct image_cli *c, const char *name, char **top, struct gt_error *err)
{
    struct gt_image_record rec;
    int r = open_store(c, err);
    if (r < 0 || (r = gt_image_store_lookup(c->st, name, &rec, err)) < 0)
        return r;
    r = gt_image_store_unpack(c->st, &rec, NULL, top, err);
    gt_image_record_release(&rec);
    return r;
}

static int cmd_unpack(struct image_cli *c, int argc, char **argv)
{
    int rc = common_args(c, argc, argv, "[--data-root DIR] NAME", 1, 1);
    if (rc)
        return rc;
    struct gt_error err;
    cleanup_free char *top = NULL;
    if (unpack_named(c, argv[optind], &top, &err) < 0)
        return fail(c, &err);
    printf("%s\n", top ? top : "");
    return 0;
}

/* mount and unmount: the common options and --key KEY, then nargs
 * arguments.  0, or the status of the usage error it printed. */
static int key_args(struct image_cli *c, int argc, char **argv, const char *usage, int nargs,
                    const char **key)
{
    static const struct option opts[] = { COMMON_OPTS, { "key", required_argument, NULL, 'k' }, { 0 } };
    *key = NULL;
    int o;
    while ((o = getopt_long(argc, argv, "k:", opts, NULL)) != -1) {
        if (common_opt(c, o))
            continue;
        if (o != 'k')
            return usage_error(c, usage);
        *key = optarg;
    }
    if (!*key || optind + nargs != argc)
        return usage_error(c, usage);
    return 0;
}

static int cmd_mount(struct image_cli *c, int argc, char **argv)
{
    const char *key;
    int rc = key_args(c, argc, argv,
                      "[--data-root DIR] [--snapshotter overlay|copy] --key KEY NAME TARGET", 2,
                      &key);
    if (rc)
        return rc;
    struct gt_error err;
    cleanup_free char *top = NULL;
    if (unpack_named(c, argv[optind], &top, &err) < 0 ||
        gt_snapshot_create(c->st->ss, key, top, &err) < 0)
        return fail(c, &err);
    if (gt_snapshot_mount(c->st->ss, key, argv[optind + 1], &err) < 0) {
        gt_snapshot_remove(c->st->ss, key, NULL);
        return fail(c, &err);
    }
    return 0;
}

static int cmd_unmount(struct image_cli *c, int argc, char **argv)
{
    const char *key;
    int rc = key_args(c, argc, argv, "[--data-root DIR] --key KEY TARGET", 1, &key);
    if (rc)
        return rc;
    struct gt_error err;
    if (open_store(c, &err) < 0 || gt_snapshot_unmount(argv[optind], &err) < 0 ||
        gt_snapshot_remove(c->st->ss, key, &err) < 0)
        return fail(c, &err);
    return 0;
}

/* Prints the config.json an image makes: the image's root is mounted in
 * a private mount namespace of this process to resolve user names. */
static int cmd_spec(struct image_cli *c, int argc, char **argv)
{
    enum { OPT_ENTRYPOINT = 1200, OPT_HOSTNAME };
    static const struct option opts[] = {
        COMMON_OPTS,
        { "user", required_argument, NULL, 'u' },
        { "env", required_argument, NULL, 'e' },
        { "tty", no_argument, NULL, 't' },
        { "workdir", required_argument, NULL, 'w' },
        { "entrypoint", required_argument, NULL, OPT_ENTRYPOINT },
        { "hostname", required_argument, NULL, OPT_HOSTNAME },
        { "read-only", no_argument, NULL, 'r' },
        { 0 },
    };
    static const char *usage = "[--data-root DIR] [-u USER] [-e K=V]... [-t] [-w DIR] "
                               "[--entrypoint CMD] [--hostname H] [--read-only] NAME [ARG...]";
    struct gt_image_spec_overrides ov = { 0 };
    cleanup_strv char **env = NULL;
    char *ep[2] = { NULL, NULL };
    int o;
    while ((o = getopt_long(argc, argv, "+u:e:tw:r", opts, NULL)) != -1) {
        if (common_opt(c, o))
            continue;
        switch (o) {
        case 'u': ov.user = optarg; break;
        case 'e': gt_strv_push(&env, optarg); break;
        case 't': ov.tty = true; break;
        case 'w': ov.workdir = optarg; break;
        case 'r': ov.read_only = true; break;
        case OPT_HOSTNAME: ov.hostname = optarg; break;
        case OPT_ENTRYPOINT:
            ov.entrypoint_set = true;
            ep[0] = *optarg ? optarg : NULL;
            ov.entrypoint = ep;
            break;
        default:
            return usage_error(c, usage);
        }
    }
    if (optind >= argc)
        return usage_error(c, usage);
    ov.env = env;
    if (optind + 1 < argc)
        ov.cmd = argv + optind + 1;
    struct gt_error err;
    struct gt_image img;
    cleanup_free char *top = NULL;
    int r;
    if (open_store(c, &err) < 0 || gt_image_store_load_named(c->st, argv[optind], &img, &err) < 0)
        return fail(c, &err);
    if ((r = gt_snapshots_prepare_image(c->st->ss, &img, NULL, &top, &err)) < 0) {
        gt_image_release(&img);
        return fail(c, &err);
    }
    cleanup_close int rootfd = -1;
    cleanup_free char *mnt = NULL;
    if (top) {
        mnt = gt_xstrdup("/tmp/gantry-spec.XXXXXX");
        if (!mkdtemp(mnt)) {
            gt_image_release(&img);
            gt_err_sys(&err, errno, "mkdtemp");
            return fail(c, &err);
        }
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
            r = gt_err_sys(&err, errno, "make a private mount namespace");
        } else if (gt_snapshot_mount_view(c->st->ss, top, mnt, &err) == 0) {
            rootfd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            umount2(mnt, MNT_DETACH); /* the fd keeps the view */
        } else {
            r = -1;
        }
        rmdir(mnt);
        if (r < 0) {
            gt_image_release(&img);
            return fail(c, &err);
        }
    }
    json_t *spec = NULL;
    r = gt_image_spec(img.config.json, rootfd, &ov, &spec, &err);
    gt_image_release(&img);
    if (r < 0)
        return fail(c, &err);
    cleanup_free char *s = json_dumps(spec, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(spec);
    printf("%s\n", s);
    return 0;
}

/* ---- dispatch ---- */

struct image_subcommand {
    const char *name;
    const char *summary;
    int (*run)(struct image_cli *c, int argc, char **argv);
};

static const struct image_subcommand subcommands[] = {
    { "pull", "pull an image from a registry", cmd_pull },
    { "push", "push an image to a registry", cmd_pull },
    { "ls", "list images", cmd_ls },
    { "inspect", "show images as JSON", cmd_inspect },
    { "rm", "remove images (references)", cmd_rm },
    { "tag", "add a reference to an image", cmd_tag },
    { "import", "import an OCI layout directory or a docker-archive tar", cmd_import },
    { "export", "export images as an OCI layout or a docker-archive", cmd_export },
    { "prune", "remove blobs and snapshots no image uses", cmd_prune },
    { "verify", "re-hash blobs and check snapshots", cmd_verify },
    { "unpack", "unpack an image's layers, print its top chain id", cmd_unpack },
    { "mount", "create a container snapshot of an image and mount it", cmd_mount },
    { "unmount", "unmount a container snapshot and remove it", cmd_unmount },
    { "spec", "print the runtime config.json an image makes", cmd_spec },
};

static void image_usage(FILE *f)
{
    fprintf(f, "usage: gantry image COMMAND [OPTIONS] [ARG...]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        fprintf(f, "  %-10s %s\n", subcommands[i].name, subcommands[i].summary);
    fprintf(f, "\nEvery command takes --data-root DIR (default $GANTRY_DATA_ROOT or %s).\n",
            GT_DATA_ROOT_DEFAULT);
}

int gantry_cmd_image(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        image_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++) {
        if (strcmp(argv[1], subcommands[i].name) != 0)
            continue;
        struct image_cli c = { .cmd = subcommands[i].name };
        optind = 1;
        int rc = subcommands[i].run(&c, argc - 1, argv + 1);
        gt_image_store_free(c.st);
        return rc;
    }
    fprintf(stderr, "gantry image: unknown command \"%s\"\n", argv[1]);
    image_usage(stderr);
    return 2;
}
