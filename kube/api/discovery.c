/* Discovery (/api, /apis, /api/v1, /apis/<group>[/<version>]), built
 * from the kinds table (the OpenAPI documents are in openapi.c).
 *
 * /api and /apis answer the aggregated form (apidiscovery.k8s.io/v2 or
 * v2beta1 APIGroupDiscoveryList) when the Accept header asks for it, the
 * legacy APIVersions / APIGroupList otherwise; kubectl decides which it got
 * from the Content-Type alone. */
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
