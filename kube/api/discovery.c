/* Discovery (/api, /apis, /api/v1, /apis/<group>[/<version>]) and the
 * OpenAPI documents kubectl needs, all built from the kinds table.
 *
 * /api and /apis answer the aggregated form (apidiscovery.k8s.io/v2 or
 * v2beta1 APIGroupDiscoveryList) when the Accept header asks for it, the
 * legacy APIVersions / APIGroupList otherwise; kubectl decides which it got
 * from the Content-Type alone.
 *
 * OpenAPI v3: the root lists one document per group version; each
 * document has, for every kind, its item path with a PATCH operation that
 * carries x-kubernetes-group-version-kind and the fieldValidation query
 * parameter: what kubectl's create/apply look for to validate on the
 * server (fieldValidation=Strict); the create-only reviews have one too,
 * for that purpose alone (a PATCH of them is 405).  The documents carry no schemas:
 * kubectl would otherwise compute client-side apply patches from them
 * instead of from its built-in types, and ours are not complete enough for
 * that.  So `kubectl explain` finds nothing to explain and says so.
 * /openapi/v2 is protobuf-only in kubectl: 404, which kubectl tolerates. */
#include <nettle/sha2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/mem.h"
#include "kube/api/internal.h"

/* "v2" or "v2beta1" when Accept asks for aggregated discovery (the first
 * such media range wins), NULL otherwise. */
static const char *aggregated_version(struct kreq *r)
{
    const char *acc = gt_http_req_header(r->http, "Accept");
    if (!acc)
        return NULL;
    for (const char *p = acc; *p;) {
        size_t n = strcspn(p, ",");
        char m[256];
        snprintf(m, sizeof m, "%.*s", (int)(n < sizeof m ? n : sizeof m - 1), p);
        p += n;
        if (*p == ',')
            p++;
        if (!strstr(m, "as=APIGroupDiscoveryList") || !strstr(m, "g=apidiscovery.k8s.io"))
            continue;
        if (strstr(m, "v=v2beta1"))
            return "v2beta1";
        const char *v = strstr(m, "v=v2");
        if (v && (v[4] == 0 || v[4] == ';' || v[4] == ' '))
            return "v2";
    }
    return NULL;
}

static void respond_aggregated(struct kreq *r, bool core, const char *ver)
{
    json_t *d = gt_kinds_discovery(core);
    char av[64], ct[128];
    snprintf(av, sizeof av, "apidiscovery.k8s.io/%s", ver);
    json_object_set_new(d, "apiVersion", json_string(av));
    snprintf(ct, sizeof ct, "application/json;g=apidiscovery.k8s.io;v=%s;as=APIGroupDiscoveryList",
             ver);
    char *s = json_dumps(d, JSON_COMPACT);
    gt_http_respond(r->http, 200, ct, s, strlen(s));
    free(s);
    json_decref(d);
}

static void api_versions(struct kreq *r)
{
    const char *host = gt_http_req_header(r->http, "Host");
    json_t *v = json_pack("{s:s,s:[s],s:[{s:s,s:s}]}", "kind", "APIVersions", "versions", "v1",
                          "serverAddressByClientCIDRs", "clientCIDR", "0.0.0.0/0",
                          "serverAddress", host ? host : "");
    kapi_respond_obj(r, 200, v);
    json_decref(v);
}

static void not_found(struct kreq *r)
{
    kapi_respond_status(r, gt_kst_new(404, NULL, "the server could not find the requested "
                                                 "resource"));
}

void kapi_discovery(struct kreq *r)
{
    const char *path = r->ri.path;
    const char *ver = aggregated_version(r);
    if (!strcmp(path, "/api")) {
        if (ver)
            respond_aggregated(r, true, ver);
        else
            api_versions(r);
        return;
    }
    if (!strcmp(path, "/apis")) {
        if (ver) {
            respond_aggregated(r, false, ver);
        } else {
            json_t *g = gt_kinds_group_list();
            kapi_respond_obj(r, 200, g);
            json_decref(g);
        }
        return;
    }
    if (r->ri.resource_request || (r->ri.version[0] && r->ri.nparts == 0)) {
        /* /api/v1, /apis/<group>/<version> */
        json_t *l = gt_kinds_resource_list(r->ri.group, r->ri.version);
        if (!l) {
            not_found(r);
            return;
        }
        kapi_respond_obj(r, 200, l);
        json_decref(l);
        return;
    }
    /* /apis/<group> */
    if (!strncmp(path, "/apis/", 6) && !strchr(path + 6, '/')) {
        json_t *all = gt_kinds_group_list();
        json_t *groups = json_object_get(all, "groups");
        size_t i;
        json_t *g;
        json_array_foreach(groups, i, g) {
            if (strcmp(json_string_value(json_object_get(g, "name")), path + 6) != 0)
                continue;
            json_t *out = json_deep_copy(g);
            json_object_set_new(out, "kind", json_string("APIGroup"));
            json_object_set_new(out, "apiVersion", json_string("v1"));
            kapi_respond_obj(r, 200, out);
            json_decref(out);
            json_decref(all);
            return;
        }
        json_decref(all);
    }
    not_found(r);
}

/* ---- OpenAPI v3 ---- */

struct gv_doc {
    char *path;  /* "api/v1", "apis/apps/v1" */
    char *body;
    char hash[65];
};

static struct gv_doc *docs;
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

static void op_id(char *out, size_t n, const struct gt_kind *k)
{
    /* patchAppsV1NamespacedDeployment */
    char g[64] = "Core";
    if (k->group[0]) {
        size_t j = 0;
        bool up = true;
        for (const char *p = k->group; *p && j + 1 < sizeof g; p++) {
            if (*p == '.') {
                if (!strcmp(p, ".k8s.io"))
                    break;
                up = true;
                continue;
            }
            g[j++] = up ? (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p) : *p;
            up = false;
        }
        g[j] = 0;
    }
    char v[16];
    snprintf(v, sizeof v, "%s", k->version);
    v[0] = (char)(v[0] >= 'a' && v[0] <= 'z' ? v[0] - 32 : v[0]);
    snprintf(out, n, "patch%s%s%s%s", g, v, k->namespaced ? "Namespaced" : "", k->kind);
}

static json_t *gv_document(const char *group, const char *version)
{
    json_t *paths = json_object();
    size_t n;
    const struct gt_kind *const *all = gt_kinds(&n);
    for (size_t i = 0; i < n; i++) {
        const struct gt_kind *k = all[i];
        if (strcmp(k->group, group) != 0 || strcmp(k->version, version) != 0)
            continue;
        /* the reviews take no PATCH, but kubectl create -f asks this
         * document whether a kind validates fields on the server, and it
         * looks at PATCH operations only: without one it validates on the
         * client, from /openapi/v2, which is not served */
        if (!(k->verbs & GT_KVERB_PATCH) && !(k->flags & GT_KIND_CREATE_ONLY))
            continue;
        char base[160], path[320], id[160];
        if (group[0])
            snprintf(base, sizeof base, "/apis/%s/%s", group, version);
        else
            snprintf(base, sizeof base, "/api/%s", version);
        if (k->namespaced)
            snprintf(path, sizeof path, "%s/namespaces/{namespace}/%s/{name}", base, k->resource);
        else
            snprintf(path, sizeof path, "%s/%s/{name}", base, k->resource);
        op_id(id, sizeof id, k);
        json_t *params = json_pack(
            "[{s:s,s:s,s:s,s:{s:s,s:b}},{s:s,s:s,s:s,s:{s:s,s:b}},{s:s,s:s,s:s,s:{s:s,s:b}},"
            "{s:s,s:s,s:s,s:{s:s,s:b}}]",
            "name", "dryRun", "in", "query", "description", "When present, indicates that "
            "modifications should not be persisted.", "schema", "type", "string", "uniqueItems",
            1, "name", "fieldManager", "in", "query", "description", "A name associated with the "
            "actor or entity that is making these changes.", "schema", "type", "string",
            "uniqueItems", 1, "name", "fieldValidation", "in", "query", "description",
            "Instructs the server on how to handle objects in the request containing unknown or "
            "duplicate fields: Ignore, Warn or Strict.", "schema", "type", "string",
            "uniqueItems", 1, "name", "force", "in", "query", "description", "Force is going to "
            "\"force\" Apply requests.", "schema", "type", "boolean", "uniqueItems", 1);
        json_t *op = json_pack("{s:[s],s:s,s:s,s:o,s:{s:{s:s}},s:s,s:{s:s,s:s,s:s}}", "tags",
                               k->group[0] ? k->group : "core", "description",
                               "partially update the specified object", "operationId", id,
                               "parameters", params, "responses", "200", "description", "OK",
                               "x-kubernetes-action", "patch",
                               "x-kubernetes-group-version-kind", "group", k->group, "version",
                               k->version, "kind", k->kind);
        json_object_set_new(paths, path, json_pack("{s:o}", "patch", op));
    }
    return json_pack("{s:s,s:{s:s,s:s},s:o,s:{s:{}}}", "openapi", "3.0.0", "info", "title",
                     "Kubernetes", "version", KAPI_GIT_VERSION, "paths", paths, "components",
                     "schemas");
}

static void build_docs(void)
{
    size_t n;
    const struct gt_kind *const *all = gt_kinds(&n);
    json_t *root_paths = json_object();
    for (size_t i = 0; i < n; i++) {
        const struct gt_kind *k = all[i];
        char gvp[160];
        if (k->group[0])
            snprintf(gvp, sizeof gvp, "apis/%s/%s", k->group, k->version);
        else
            snprintf(gvp, sizeof gvp, "api/%s", k->version);
        bool seen = false;
        for (size_t j = 0; j < ndocs; j++)
            if (!strcmp(docs[j].path, gvp))
                seen = true;
        if (seen)
            continue;
        docs = gt_xrealloc(docs, (ndocs + 1) * sizeof *docs);
        struct gv_doc *d = &docs[ndocs++];
        d->path = gt_xstrdup(gvp);
        json_t *doc = gv_document(k->group, k->version);
        d->body = json_dumps(doc, JSON_COMPACT);
        json_decref(doc);
        hash_hex(d->body, d->hash);
        char *url = gt_xasprintf("/openapi/v3/%s?hash=%s", gvp, d->hash);
        json_object_set_new(root_paths, gvp, json_pack("{s:s}", "serverRelativeURL", url));
        free(url);
    }
    json_t *root = json_pack("{s:o}", "paths", root_paths);
    root_doc = json_dumps(root, JSON_COMPACT);
    json_decref(root);
}

void kapi_openapi(struct kreq *r)
{
    pthread_once(&docs_once, build_docs);
    const char *path = r->ri.path;
    if (!strcmp(path, "/openapi/v3") || !strcmp(path, "/openapi/v3/")) {
        gt_http_respond(r->http, 200, "application/json", root_doc, strlen(root_doc));
        return;
    }
    if (!strncmp(path, "/openapi/v3/", 12)) {
        for (size_t i = 0; i < ndocs; i++)
            if (!strcmp(path + 12, docs[i].path)) {
                const char *h = gt_http_req_query(r->http, "hash");
                if (h && !strcmp(h, docs[i].hash))
                    gt_http_add_header(r->http, "Cache-Control", "public, immutable");
                else
                    gt_http_add_header(r->http, "Cache-Control", "no-cache, private");
                char etag[70];
                snprintf(etag, sizeof etag, "\"%s\"", docs[i].hash);
                gt_http_add_header(r->http, "Etag", etag);
                gt_http_respond(r->http, 200, "application/json", docs[i].body,
                                strlen(docs[i].body));
                return;
            }
    }
    not_found(r);
}
