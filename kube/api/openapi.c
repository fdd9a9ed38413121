/* /openapi/v3 (the root, then one document per group version) and
 * /openapi/v2, the documents of kube/openapi.h, built once and served
 * with the hash-addressed caching that kubectl's cache expects. */
#include <nettle/sha2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "kube/api/internal.h"
#include "kube/openapi.h"

struct served_doc {
    char *path; /* "api/v1", "apis/apps/v1"; "v2" for /openapi/v2 */
    char *body;
    char hash[65];
    void *pb; /* /openapi/v2 only: the protobuf form */
    size_t pb_len;
};

static struct served_doc *docs;
static size_t ndocs;
static char *root_doc;
static pthread_once_t docs_once = PTHREAD_ONCE_INIT;

static void hash_hex(const char *s, char out[65])
{
    struct sha256_ctx c;
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_init(&c);
    sha256_update(&c, strlen(s), (const uint8_t *)s);
    sha256_digest(&c, sizeof d, d);
    for (size_t i = 0; i < 32; i++)
        sprintf(out + 2 * i, "%02X", d[i]);
}

static struct served_doc *add_doc(const char *path, json_t *doc)
{
    docs = gt_xrealloc(docs, (ndocs + 1) * sizeof *docs);
    struct served_doc *d = &docs[ndocs++];
    d->path = gt_xstrdup(path);
    d->body = json_dumps(doc, JSON_COMPACT);
    d->pb = NULL;
    if (!strcmp(path, "v2"))
        d->pb = gt_kopenapi_v2_proto(doc, &d->pb_len);
    json_decref(doc);
    hash_hex(d->body, d->hash);
    return d;
}

static void build_docs(void)
{
    size_t n;
    const struct gt_kind *const *all = gt_kinds_served(&n);
    json_t *root_paths = json_object();
    for (size_t i = 0; i < n; i++) {
        const struct gt_kind *k = all[i];
        char gvp[160];
        if (k->group[0])
            snprintf(gvp, sizeof gvp, "apis/%s/%s", k->group, k->version);
        else
            snprintf(gvp, sizeof gvp, "api/%s", k->version);
        if (json_object_get(root_paths, gvp))
            continue;
        struct served_doc *d = add_doc(gvp, gt_kopenapi_v3(k->group, k->version));
        char *url = gt_xasprintf("/openapi/v3/%s?hash=%s", gvp, d->hash);
        json_object_set_new(root_paths, gvp, json_pack("{s:s}", "serverRelativeURL", url));
        free(url);
    }
    json_t *root = json_pack("{s:o}", "paths", root_paths);
    root_doc = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    add_doc("v2", gt_kopenapi_v2());
}

static void not_found(struct kreq *r)
{
    kapi_respond_status(r, gt_kst_new(404, NULL, "the server could not find the requested "
                                                 "resource"));
}

#define V2_PROTO_TYPE "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"

/* What Accept asks for: 1 JSON (or anything), 2 the protobuf form of
 * /openapi/v2 (kubectl asks for nothing else there), 0 neither. */
static int accepted(struct kreq *r, const struct served_doc *d)
{
    const char *acc = gt_http_req_header(r->http, "Accept");
    if (d->pb && acc && strstr(acc, "com.github.proto-openapi.spec.v2"))
        return 2;
    return !acc || !acc[0] || strstr(acc, "json") || strstr(acc, "*/*") ? 1 : 0;
}

static void serve(struct kreq *r, const struct served_doc *d)
{
    int form = accepted(r, d);
    if (!form) {
        kapi_respond_status(r, gt_kst_new(406, "NotAcceptable",
                                          "the OpenAPI documents are served as "
                                          "application/json%s",
                                          d->pb ? " and " V2_PROTO_TYPE : ""));
        return;
    }
    const char *h = gt_http_req_query(r->http, "hash");
    if (h && !strcmp(h, d->hash))
        gt_http_add_header(r->http, "Cache-Control", "public, immutable");
    else
        gt_http_add_header(r->http, "Cache-Control", "no-cache, private");
    char etag[70];
    snprintf(etag, sizeof etag, "\"%s\"", d->hash);
    gt_http_add_header(r->http, "Etag", etag);
    gt_http_add_header(r->http, "Vary", "Accept");
    if (form == 2)
        gt_http_respond(r->http, 200, V2_PROTO_TYPE, d->pb, d->pb_len);
    else
        gt_http_respond(r->http, 200, "application/json", d->body, strlen(d->body));
}

void kapi_openapi(struct kreq *r)
{
    pthread_once(&docs_once, build_docs);
    const char *path = r->ri.path;
    if (!strcmp(path, "/openapi/v3") || !strcmp(path, "/openapi/v3/")) {
        gt_http_respond(r->http, 200, "application/json", root_doc, strlen(root_doc));
        return;
    }
    if (!strcmp(path, "/openapi/v2")) {
        serve(r, &docs[ndocs - 1]);
        return;
    }
    if (!strncmp(path, "/openapi/v3/", 12))
        for (size_t i = 0; i + 1 < ndocs; i++)
            if (!strcmp(path + 12, docs[i].path)) {
                serve(r, &docs[i]);
                return;
            }
    not_found(r);
}
