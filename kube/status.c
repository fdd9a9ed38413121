#include "kube/status.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

static bool empty(const char *s)
{
    return !s || !*s;
}

json_t *gt_kstatus_new(int code, const char *reason, const char *message, const char *group,
                       const char *kind, const char *name)
{
    json_t *st = json_pack("{s:s,s:s,s:{},s:s,s:s,s:s,s:i}", "kind", "Status", "apiVersion", "v1",
                           "metadata", "status", "Failure", "message", message ? message : "",
                           "reason", reason ? reason : "", "code", code);
    if (!empty(group) || !empty(kind) || !empty(name)) {
        json_t *d = json_object();
        if (!empty(name))
            json_object_set_new(d, "name", json_string(name));
        if (!empty(group))
            json_object_set_new(d, "group", json_string(group));
        if (!empty(kind))
            json_object_set_new(d, "kind", json_string(kind));
        json_object_set_new(st, "details", d);
    }
    return st;
}

char *gt_kstatus_group_resource(const char *group, const char *resource)
{
    if (empty(group))
        return gt_xstrdup(resource ? resource : "");
    return gt_xasprintf("%s.%s", resource ? resource : "", group);
}

json_t *gt_kstatus_forbidden(const char *group, const char *resource, const char *name,
                             const char *message)
{
    char *gr = gt_kstatus_group_resource(group, resource);
    char *msg;
    if (empty(group) && empty(resource))
        msg = gt_xasprintf("forbidden: %s", message);
    else if (empty(name))
        msg = gt_xasprintf("%s is forbidden: %s", gr, message);
    else
        msg = gt_xasprintf("%s \"%s\" is forbidden: %s", gr, name, message);
    json_t *st = gt_kstatus_new(403, "Forbidden", msg, group, resource, name);
    free(msg);
    free(gr);
    return st;
}

json_t *gt_kstatus_not_found(const char *group, const char *resource, const char *name)
{
    char *gr = gt_kstatus_group_resource(group, resource);
    char *msg = gt_xasprintf("%s \"%s\" not found", gr, name ? name : "");
    json_t *st = gt_kstatus_new(404, "NotFound", msg, group, resource, name);
    free(msg);
    free(gr);
    return st;
}

json_t *gt_kstatus_unauthorized(void)
{
    return gt_kstatus_new(401, "Unauthorized", "Unauthorized", NULL, NULL, NULL);
}

json_t *gt_kstatus_bad_request(const char *message)
{
    return gt_kstatus_new(400, "BadRequest", message, NULL, NULL, NULL);
}

json_t *gt_kstatus_conflict(const char *group, const char *resource, const char *name,
                            const char *message)
{
    char *gr = gt_kstatus_group_resource(group, resource);
    char *msg = gt_xasprintf("Operation cannot be fulfilled on %s \"%s\": %s", gr,
                             name ? name : "", message);
    json_t *st = gt_kstatus_new(409, "Conflict", msg, group, resource, name);
    free(msg);
    free(gr);
    return st;
}

json_t *gt_kstatus_internal(const char *message)
{
    char *msg = gt_xasprintf("Internal error occurred: %s", message);
    json_t *st = gt_kstatus_new(500, "InternalError", msg, NULL, NULL, NULL);
    json_object_set_new(st, "details",
                        json_pack("{s:[{s:s}]}", "causes", "message", message));
    free(msg);
    return st;
}
