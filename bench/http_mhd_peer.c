/* The peer for bench/http.sh: the same two routes as `gantry
 * http-bench-server`, on libmicrohttpd (thread per connection, poll), the
 * library DESIGN.md first named.  Built by bench/http.sh into /tmp. */
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static ssize_t idle_stream(void *cls, uint64_t pos, char *buf, size_t max)
{
    sleep(1); /* nothing to send; MHD asks again (0 = no data yet) */
    return 0;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *ver, const char *data,
                               size_t *size, void **con_cls)
{
    static const char body[] = "{\"ApiVersion\":\"1.50\",\"Os\":\"linux\",\"Arch\":\"amd64\"}\n";
    struct MHD_Response *r;
    if (!strcmp(url, "/stream"))
        r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, idle_stream, NULL, NULL);
    else
        r = MHD_create_response_from_buffer(sizeof body - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

int main(void)
{
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_TURBO,
        0, NULL,
        NULL, handler, NULL, MHD_OPTION_CONNECTION_LIMIT, (unsigned)8192,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)300, MHD_OPTION_END);
    if (!d)
        return 1;
    const union MHD_DaemonInfo *i = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("port %u\n", (unsigned)i->port);
    fflush(stdout);
    pause();
    return 0;
}
