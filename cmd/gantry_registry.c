/* gantry registry - talk to an image registry directly: pull into and push
 * from the content store of a data root, resolve a reference.  A low-level
 * tool (what `gantry image pull/push` do, without image records). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "cmd/gantry.h"
#include "image/progress.h"
#include "image/registry.h"
#include "image/store.h"

struct reg_cli {
    const char *root;
    const char *platform;
    char **insecure;
    char **mirrors;
    char **mount_from;
    const char *ca_file;
    const char *certs_dir;
    const char *auth_file;
    char *user;
    char *password;
    int parallel;
    int retries;
    long stall_timeout;
    int64_t chunk_size;
    bool json;
    bool quiet;
    bool print_result;
    bool raw;
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: gantry registry [OPTIONS] pull REF\n"
            "       gantry registry [OPTIONS] push REF DIGEST\n"
            "       gantry registry [OPTIONS] resolve REF\n"
            "\n"
            "pull    fetch REF's manifest, config and layers into the content store\n"
            "push    upload the manifest or index DIGEST (and its blobs) from the store\n"
            "resolve print the media type, digest and size REF points at\n"
            "\n"
            "options:\n"
            "  --root DIR                data root (default $GANTRY_DATA_ROOT or %s)\n"
            "  --platform OS/ARCH[/VAR]  platform to pick from an index (default: this host)\n"
            "  --insecure-registry HOST  allow plain HTTP for HOST[:PORT] or a CIDR (repeatable)\n"
            "  --registry-mirror URL     mirror for docker.io (repeatable)\n"
            "  --ca-file FILE            extra CA to trust (PEM)\n"
            "  --certs-dir DIR           per-host CAs, DIR/<host:port>/ca.crt (default "
            "/etc/docker/certs.d)\n"
            "  --auth-file FILE          docker config.json with \"auths\"\n"
            "  --user USER:PASSWORD      credentials for this registry\n"
            "  --parallel N              blob transfers at once (default 3)\n"
            "  --retries N               resumes of a broken download (default 3)\n"
            "  --stall-timeout SECONDS   give up a transfer idle that long (default 60)\n"
            "  --chunk-size BYTES        push in chunks of BYTES (default: one request)\n"
            "  --mount-from REPO         push: repository of the same registry to mount from\n"
            "  --json                    progress as the Docker API's JSON messages\n"
            "  --quiet                   no progress\n"
            "  --print-result            print the outcome as JSON\n"
            "  --raw                     resolve: print the manifest bytes\n",
            GT_DATA_ROOT_DEFAULT);
}

enum {
    OPT_ROOT = 1000,
    OPT_PLATFORM,
    OPT_INSECURE,
    OPT_MIRROR,
    OPT_CA,
    OPT_CERTS,
    OPT_AUTH,
    OPT_USER,
    OPT_PARALLEL,
    OPT_RETRIES,
    OPT_STALL,
    OPT_CHUNK,
    OPT_MOUNT,
    OPT_JSON,
    OPT_QUIET,
    OPT_RESULT,
    OPT_RAW,
    OPT_HELP,
};

static const struct option long_opts[] = {
    { "root", required_argument, NULL, OPT_ROOT },
    { "platform", required_argument, NULL, OPT_PLATFORM },
    { "insecure-registry", required_argument, NULL, OPT_INSECURE },
    { "registry-mirror", required_argument, NULL, OPT_MIRROR },
    { "ca-file", required_argument, NULL, OPT_CA },
    { "certs-dir", required_argument, NULL, OPT_CERTS },
    { "auth-file", required_argument, NULL, OPT_AUTH },
    { "user", required_argument, NULL, OPT_USER },
    { "parallel", required_argument, NULL, OPT_PARALLEL },
    { "retries", required_argument, NULL, OPT_RETRIES },
    { "stall-timeout", required_argument, NULL, OPT_STALL },
    { "chunk-size", required_argument, NULL, OPT_CHUNK },
    { "mount-from", required_argument, NULL, OPT_MOUNT },
    { "json", no_argument, NULL, OPT_JSON },
    { "quiet", no_argument, NULL, OPT_QUIET },
    { "print-result", no_argument, NULL, OPT_RESULT },
    { "raw", no_argument, NULL, OPT_RAW },
    { "help", no_argument, NULL, OPT_HELP },
    { NULL, 0, NULL, 0 },
};

static int parse_num(const char *s, const char *what, long long min, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < min) {
        fprintf(stderr, "gantry registry: invalid %s \"%s\"\n", what, s);
        return -1;
    }
    *out = v;
    return 0;
}

static int fail(struct reg_cli *o, const struct gt_progress *p, const struct gt_error *err)
{
    if (o->json) {
        struct gt_progress_event ev = { .error = err->msg };
        gt_progress_emit(p, &ev);
    }
    fprintf(stderr, "gantry registry: %s\n", err->msg);
    return 1;
}

static void print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (s)
        printf("%s\n", s);
    free(s);
}

static json_t *desc_json(const struct gt_descriptor *d)
{
    return json_pack("{s:s,s:s,s:I}", "mediaType", d->media_type ? d->media_type : "", "digest",
                     d->digest, "size", (json_int_t)d->size);
}

static int cmd_pull(struct reg_cli *o, struct gt_registry_client *c, const struct gt_ref *ref,
                    const struct gt_progress *p)
{
    struct gt_error err = { 0 };
    struct gt_content *cs = NULL;
    int r = gt_content_open(gt_data_root(o->root), &cs, &err);
    if (r < 0)
        return fail(o, p, &err);
    struct gt_platform plat = { 0 };
    bool have_plat = false;
    if (o->platform) {
        r = gt_platform_parse(o->platform, &plat, &err);
        if (r < 0) {
            gt_content_free(cs);
            return fail(o, p, &err);
        }
        have_plat = true;
    }
    struct gt_registry_auth auth = { o->user, o->password };
    struct gt_registry_pull_opts po = {
        .platform = have_plat ? &plat : NULL,
        .auth = o->user ? &auth : NULL,
        .progress = p,
    };
    struct gt_registry_pull_result res;
    r = gt_registry_pull(c, ref, cs, &po, &res, &err);
    gt_platform_release(&plat);
    gt_content_free(cs);
    if (r < 0)
        return fail(o, p, &err);
    cleanup_free char *familiar = gt_ref_familiar(ref);
    gt_progress_status(p, NULL, "Digest: %s", res.digest);
    gt_progress_status(p, NULL, "Status: %s for %s",
                       res.downloaded ? "Downloaded newer image" : "Image is up to date",
                       familiar);
    if (o->print_result) {
        cleanup_free char *plats = gt_platform_string(&res.platform);
        json_t *layers = json_array();
        for (size_t i = 0; i < res.n_layers; i++)
            json_array_append_new(layers, desc_json(&res.layers[i]));
        json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:I}", "digest", res.digest,
                              "mediaType", res.media_type, "manifest", res.manifest_digest,
                              "manifestMediaType", res.manifest_media_type, "platform", plats,
                              "config", desc_json(&res.config), "layers", layers, "downloaded",
                              (json_int_t)res.downloaded);
        print_json(j);
        json_decref(j);
    } else if (!o->json && !o->quiet) {
        cleanup_free char *full = gt_ref_string(ref);
        printf("%s\n", full);
    }
    gt_registry_pull_result_release(&res);
    return 0;
}

static int cmd_push(struct reg_cli *o, struct gt_registry_client *c, const struct gt_ref *ref,
                    const char *digest, const struct gt_progress *p)
{
    struct gt_error err = { 0 };
    struct gt_content *cs = NULL;
    int r = gt_content_open(gt_data_root(o->root), &cs, &err);
    if (r < 0)
        return fail(o, p, &err);
    struct gt_registry_auth auth = { o->user, o->password };
    struct gt_registry_push_opts po = {
        .auth = o->user ? &auth : NULL,
        .progress = p,
        .mount_from = (const char *const *)o->mount_from,
    };
    cleanup_free char *pushed = NULL;
    r = gt_registry_push(c, ref, cs, digest, &po, &pushed, &err);
    gt_content_free(cs);
    if (r < 0)
        return fail(o, p, &err);
    if (o->print_result) {
        json_t *j = json_pack("{s:s}", "digest", pushed);
        print_json(j);
        json_decref(j);
    }
    return 0;
}

static int cmd_resolve(struct reg_cli *o, struct gt_registry_client *c, const struct gt_ref *ref)
{
    struct gt_error err = { 0 };
    struct gt_registry_auth auth = { o->user, o->password };
    struct gt_registry_manifest m;
    int r = gt_registry_resolve(c, ref, o->user ? &auth : NULL, &m, &err);
    if (r < 0) {
        fprintf(stderr, "gantry registry: %s\n", err.msg);
        return 1;
    }
    if (o->raw) {
        fwrite(m.data, 1, m.len, stdout);
    } else {
        json_t *j = json_pack("{s:s,s:s,s:I}", "mediaType", m.media_type, "digest", m.digest,
                              "size", (json_int_t)m.len);
        print_json(j);
        json_decref(j);
    }
    gt_registry_manifest_bytes_release(&m);
    return 0;
}

int gantry_cmd_registry(int argc, char **argv)
{
    struct reg_cli o = { 0 };
    int rc = 2;
    long long v;
    optind = 1;
    for (;;) {
        int c = getopt_long(argc, argv, "h", long_opts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case OPT_ROOT:
            o.root = optarg;
            break;
        case OPT_PLATFORM:
            o.platform = optarg;
            break;
        case OPT_INSECURE:
            gt_strv_push(&o.insecure, optarg);
            break;
        case OPT_MIRROR:
            gt_strv_push(&o.mirrors, optarg);
            break;
        case OPT_MOUNT:
            gt_strv_push(&o.mount_from, optarg);
            break;
        case OPT_CA:
            o.ca_file = optarg;
            break;
        case OPT_CERTS:
            o.certs_dir = optarg;
            break;
        case OPT_AUTH:
            o.auth_file = optarg;
            break;
        case OPT_USER: {
            const char *colon = strchr(optarg, ':');
            if (!colon) {
                fprintf(stderr, "gantry registry: --user wants USER:PASSWORD\n");
                goto out;
            }
            free(o.user);
            free(o.password);
            o.user = gt_xstrndup(optarg, (size_t)(colon - optarg));
            o.password = gt_xstrdup(colon + 1);
            break;
        }
        case OPT_PARALLEL:
            if (parse_num(optarg, "--parallel", 1, &v) < 0)
                goto out;
            o.parallel = (int)v;
            break;
        case OPT_RETRIES:
            if (parse_num(optarg, "--retries", 0, &v) < 0)
                goto out;
            o.retries = v ? (int)v : -1;
            break;
        case OPT_STALL:
            if (parse_num(optarg, "--stall-timeout", 1, &v) < 0)
                goto out;
            o.stall_timeout = (long)v;
            break;
        case OPT_CHUNK:
            if (parse_num(optarg, "--chunk-size", 1, &v) < 0)
                goto out;
            o.chunk_size = v;
            break;
        case OPT_JSON:
            o.json = true;
            break;
        case OPT_QUIET:
            o.quiet = true;
            break;
        case OPT_RESULT:
            o.print_result = true;
            break;
        case OPT_RAW:
            o.raw = true;
            break;
        case 'h':
        case OPT_HELP:
            usage(stdout);
            rc = 0;
            goto out;
        default:
            usage(stderr);
            goto out;
        }
    }
    int npos = argc - optind;
    char **pos = argv + optind;
    if (npos < 1) {
        usage(stderr);
        goto out;
    }
    const char *cmd = pos[0];
    int want = !strcmp(cmd, "push") ? 3 : 2;
    if ((strcmp(cmd, "pull") && strcmp(cmd, "push") && strcmp(cmd, "resolve")) || npos != want) {
        usage(stderr);
        goto out;
    }

    struct gt_error err = { 0 };
    struct gt_ref ref;
    if (gt_ref_parse(pos[1], &ref, &err) < 0) {
        fprintf(stderr, "gantry registry: %s\n", err.msg);
        rc = 1;
        goto out;
    }
    struct gt_registry_options ro = {
        .insecure = (const char *const *)o.insecure,
        .mirrors = (const char *const *)o.mirrors,
        .ca_file = o.ca_file,
        .certs_dir = o.certs_dir,
        .auth_file = o.auth_file,
        .parallel = o.parallel,
        .retries = o.retries,
        .chunk_size = o.chunk_size,
        .stall_timeout = o.stall_timeout,
    };
    struct gt_registry_client *client = NULL;
    if (gt_registry_client_new(&ro, &client, &err) < 0) {
        fprintf(stderr, "gantry registry: %s\n", err.msg);
        gt_ref_release(&ref);
        rc = 1;
        goto out;
    }
    struct gt_progress_term *term = NULL;
    struct gt_progress progress = { 0 };
    if (o.json) {
        progress = (struct gt_progress){ gt_progress_json_fd, GT_PROGRESS_FD_ARG(STDOUT_FILENO) };
    } else if (!o.quiet && !o.print_result) {
        term = gt_progress_term_new(STDOUT_FILENO, isatty(STDOUT_FILENO));
        progress = (struct gt_progress){ gt_progress_term_event, term };
    }
    if (!strcmp(cmd, "pull"))
        rc = cmd_pull(&o, client, &ref, &progress);
    else if (!strcmp(cmd, "push"))
        rc = cmd_push(&o, client, &ref, pos[2], &progress);
    else
        rc = cmd_resolve(&o, client, &ref);
    gt_progress_term_free(term);
    gt_registry_client_free(client);
    gt_ref_release(&ref);
out:
    gt_strv_free(o.insecure);
    gt_strv_free(o.mirrors);
    gt_strv_free(o.mount_from);
    free(o.user);
    free(o.password);
    return rc;
}
