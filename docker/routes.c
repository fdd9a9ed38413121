/* The route table of the Docker Engine API: every path this layer
 * answers, after the /v1.NN prefix is stripped (api.c).  The first
 * matching route wins; image names take {name:.+}, since they carry
 * slashes and colons raw ("/images/127.0.0.1:5000/a/b:1/json"). */
#include <stdint.h>

#include "docker/internal.h"

#define NYI gt_docker_h_not_implemented

const struct gt_http_route gt_docker_routes[] = {
    /* system */
    { "GET", "/_ping", gt_docker_h_ping }, /* and HEAD */
    { "GET", "/version", gt_docker_h_version },
    { "GET", "/info", gt_docker_h_info },
    { "GET", "/events", gt_docker_h_events },
    { "GET", "/system/df", gt_docker_h_df },
    { "POST", "/auth", gt_docker_h_auth },

    /* containers */
    { "GET", "/containers/json", gt_docker_h_container_list },
    { "POST", "/containers/create", gt_docker_h_container_create },
    { "POST", "/containers/prune", gt_docker_h_container_prune },
    { "GET", "/containers/{id}/json", gt_docker_h_container_inspect },
    { "GET", "/containers/{id}/top", gt_docker_h_container_top },
    { "GET", "/containers/{id}/logs", gt_docker_h_container_logs },
    { "GET", "/containers/{id}/stats", gt_docker_h_container_stats },
    { "GET", "/containers/{id}/export", gt_docker_h_container_export },
    { "GET", "/containers/{id}/changes", gt_docker_h_container_changes },
    { "POST", "/containers/{id}/start", gt_docker_h_container_start },
    { "POST", "/containers/{id}/stop", gt_docker_h_container_stop },
    { "POST", "/containers/{id}/restart", gt_docker_h_container_restart },
    { "POST", "/containers/{id}/kill", gt_docker_h_container_kill },
    { "POST", "/containers/{id}/pause", gt_docker_h_container_pause },
    { "POST", "/containers/{id}/unpause", gt_docker_h_container_unpause },
    { "POST", "/containers/{id}/rename", gt_docker_h_container_rename },
    { "POST", "/containers/{id}/wait", gt_docker_h_container_wait },
    { "POST", "/containers/{id}/attach", gt_docker_h_container_attach },
    { "GET", "/containers/{id}/attach/ws", gt_docker_h_container_attach_ws },
    { "POST", "/containers/{id}/resize", gt_docker_h_container_resize },
    { "POST", "/containers/{id}/update", gt_docker_h_container_update },
    { "GET", "/containers/{id}/archive", gt_docker_h_container_archive }, /* and HEAD */
    { "PUT", "/containers/{id}/archive", gt_docker_h_container_extract, SIZE_MAX },
    { "DELETE", "/containers/{id}", gt_docker_h_container_delete },
    { "POST", "/commit", gt_docker_h_commit },

    /* exec */
    { "POST", "/containers/{id}/exec", gt_docker_h_exec_create },
    { "POST", "/exec/{id}/start", gt_docker_h_exec_start },
    { "POST", "/exec/{id}/resize", gt_docker_h_exec_resize },
    { "GET", "/exec/{id}/json", gt_docker_h_exec_inspect },

    /* images */
    { "GET", "/images/json", gt_docker_h_image_list },
    { "POST", "/images/create", gt_docker_h_image_create, SIZE_MAX }, /* import's tarball */
    { "POST", "/images/load", gt_docker_h_image_load, SIZE_MAX },
    { "POST", "/images/prune", gt_docker_h_image_prune },
    { "GET", "/images/get", gt_docker_h_images_get },
    { "GET", "/images/search", NYI },
    { "GET", "/images/{name:.+}/json", gt_docker_h_image_inspect },
    { "GET", "/images/{name:.+}/history", gt_docker_h_image_history },
    { "GET", "/images/{name:.+}/get", gt_docker_h_image_get },
    { "POST", "/images/{name:.+}/push", gt_docker_h_image_push },
    { "POST", "/images/{name:.+}/tag", gt_docker_h_image_tag },
    { "DELETE", "/images/{name:.+}", gt_docker_h_image_delete },
    { "POST", "/build", gt_docker_h_build, SIZE_MAX },
    { "POST", "/build/prune", NYI },
    { "POST", "/build/cancel", NYI },
    { "POST", "/session", NYI },

    /* volumes */
    { "GET", "/volumes", gt_docker_h_volume_list },
    { "POST", "/volumes/create", gt_docker_h_volume_create },
    { "POST", "/volumes/prune", gt_docker_h_volume_prune },
    { "GET", "/volumes/{name}", gt_docker_h_volume_inspect },
    { "DELETE", "/volumes/{name}", gt_docker_h_volume_delete },

    /* networks */
    { "GET", "/networks", gt_docker_h_network_list },
    { "POST", "/networks/create", gt_docker_h_network_create },
    { "POST", "/networks/prune", gt_docker_h_network_prune },
    { "GET", "/networks/{id}", gt_docker_h_network_inspect },
    { "POST", "/networks/{id}/connect", gt_docker_h_network_connect },
    { "POST", "/networks/{id}/disconnect", gt_docker_h_network_disconnect },
    { "DELETE", "/networks/{id}", gt_docker_h_network_delete },

    /* plugins: none (docker inspect asks last, and needs a 404) */
    { "GET", "/plugins/{name:.+}/json", gt_docker_h_plugin_inspect },
};

const size_t gt_docker_nroutes = sizeof gt_docker_routes / sizeof gt_docker_routes[0];
