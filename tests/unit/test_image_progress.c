/* Unit tests of progress events: docker's sizes and bar, the Docker API
 * message, and the terminal renderer on a tty and on a pipe. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "image/progress.h"
#include "tests/unit/unit.h"

TEST(sizes_print_like_docker)
{
    char b[32];
    CHECK_STR_EQ(gt_progress_human_size(0, b, sizeof b), "0B");
    CHECK_STR_EQ(gt_progress_human_size(512, b, sizeof b), "512B");
    CHECK_STR_EQ(gt_progress_human_size(1000, b, sizeof b), "1kB");
    CHECK_STR_EQ(gt_progress_human_size(2359296, b, sizeof b), "2.359MB");
    CHECK_STR_EQ(gt_progress_human_size(1234567890123.0, b, sizeof b), "1.235TB");
    CHECK_STR_EQ(gt_progress_human_size(999999, b, sizeof b), "1000kB");
}

TEST(bar_has_fifty_cells_when_wide)
{
    cleanup_free char *a = gt_progress_bar(1000, 2000, 200);
    CHECK_STR_EQ(a, "[=========================>                         ]      1kB/2kB");
    cleanup_free char *full = gt_progress_bar(2000, 2000, 200);
    CHECK_STR_EQ(full, "[==================================================>]      2kB/2kB");
    cleanup_free char *narrow = gt_progress_bar(1000, 2000, 80);
    CHECK_STR_EQ(narrow, "     1kB/2kB");
    cleanup_free char *nototal = gt_progress_bar(1500, 0, 200);
    CHECK_STR_EQ(nototal, "   1.5kB");
    cleanup_free char *over = gt_progress_bar(3000, 2000, 80);
    CHECK_STR_EQ(over, "     3kB");
    cleanup_free char *none = gt_progress_bar(0, 0, 200);
    CHECK_STR_EQ(none, "");
}

static char *dump(const struct gt_progress_event *ev)
{
    json_t *j = gt_progress_event_json(ev);
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    return s;
}

TEST(events_become_docker_api_messages)
{
    struct gt_progress_event ev = { .id = "0123456789ab", .status = "Pulling fs layer",
                                    .detail = true };
    cleanup_free char *a = dump(&ev);
    CHECK_STR_EQ(a, "{\"status\":\"Pulling fs layer\",\"progressDetail\":{},\"id\":\"0123456789ab\"}");

    ev = (struct gt_progress_event){ .id = "0123456789ab", .status = "Downloading",
                                     .detail = true, .current = 1000, .total = 2000 };
    cleanup_free char *b = dump(&ev);
    CHECK_STR_EQ(b, "{\"status\":\"Downloading\",\"progressDetail\":{\"current\":1000,\"total\":"
                    "2000},\"progress\":\"[=========================>                         ] "
                    "     1kB/2kB\",\"id\":\"0123456789ab\"}");

    ev = (struct gt_progress_event){ .status = "Digest: sha256:abc" };
    cleanup_free char *c = dump(&ev);
    CHECK_STR_EQ(c, "{\"status\":\"Digest: sha256:abc\"}");

    ev = (struct gt_progress_event){ .error = "pull x: manifest unknown (HTTP 404)" };
    cleanup_free char *d = dump(&ev);
    CHECK_STR_EQ(d, "{\"errorDetail\":{\"message\":\"pull x: manifest unknown (HTTP 404)\"},"
                    "\"error\":\"pull x: manifest unknown (HTTP 404)\"}");

    json_t *aux = json_pack("{s:s,s:s,s:i}", "Tag", "v1", "Digest", "sha256:x", "Size", 528);
    ev = (struct gt_progress_event){ .aux = aux };
    cleanup_free char *e = dump(&ev);
    CHECK_STR_EQ(e, "{\"progressDetail\":{},\"aux\":{\"Tag\":\"v1\",\"Digest\":\"sha256:x\","
                    "\"Size\":528}}");
    json_decref(aux);

    /* and back */
    cleanup_json json_t *j = json_loads(b, 0, NULL);
    struct gt_progress_event back;
    gt_progress_event_from_json(j, &back);
    CHECK_STR_EQ(back.status, "Downloading");
    CHECK_STR_EQ(back.id, "0123456789ab");
    CHECK(back.detail);
    CHECK_INT_EQ(back.current, 1000);
    CHECK_INT_EQ(back.total, 2000);
    cleanup_json json_t *k = json_loads(d, 0, NULL);
    gt_progress_event_from_json(k, &back);
    CHECK_STR_EQ(back.error, "pull x: manifest unknown (HTTP 404)");

    char id[16];
    CHECK_STR_EQ(gt_progress_short_id("sha256:0123456789abcdef", id, sizeof id), "0123456789ab");
}

static char *run_renderer(bool tty, const struct gt_progress_event *evs, size_t n)
{
    cleanup_free char *path = gt_path_join(unit_tmpdir(), tty ? "tty.out" : "plain.out");
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
    if (fd < 0)
        return NULL;
    struct gt_progress_term *t = gt_progress_term_new(fd, tty);
    struct gt_progress p = { gt_progress_term_event, t };
    for (size_t i = 0; i < n; i++)
        gt_progress_emit(&p, &evs[i]);
    gt_progress_term_free(t);
    close(fd);
    char *out = NULL;
    if (gt_read_file(path, 0, &out, NULL, NULL) < 0)
        return NULL;
    return out;
}

TEST(renderer_draws_plain_lines_without_byte_counts)
{
    const struct gt_progress_event evs[] = {
        { .id = "latest", .status = "Pulling from library/busybox" },
        { .id = "aaaaaaaaaaaa", .status = "Pulling fs layer", .detail = true },
        { .id = "bbbbbbbbbbbb", .status = "Pulling fs layer", .detail = true },
        { .id = "aaaaaaaaaaaa", .status = "Downloading", .detail = true, .current = 5, .total = 10 },
        { .id = "aaaaaaaaaaaa", .status = "Download complete", .detail = true },
        { .id = "bbbbbbbbbbbb", .status = "Download complete", .detail = true },
        { .status = "Digest: sha256:1" },
    };
    cleanup_free char *out = run_renderer(false, evs, sizeof evs / sizeof evs[0]);
    CHECK_STR_EQ(out, "latest: Pulling from library/busybox\n"
                      "aaaaaaaaaaaa: Pulling fs layer\n"
                      "bbbbbbbbbbbb: Pulling fs layer\n"
                      "aaaaaaaaaaaa: Download complete\n"
                      "bbbbbbbbbbbb: Download complete\n"
                      "Digest: sha256:1\n");
}

TEST(renderer_rewrites_one_line_per_layer_on_a_tty)
{
    const struct gt_progress_event evs[] = {
        { .id = "latest", .status = "Pulling from x" },
        { .id = "aaaaaaaaaaaa", .status = "Pulling fs layer", .detail = true },
        { .id = "bbbbbbbbbbbb", .status = "Pulling fs layer", .detail = true },
        { .id = "aaaaaaaaaaaa", .status = "Downloading", .detail = true, .current = 1000, .total = 2000 },
        { .status = "Digest: sha256:1" },
    };
    cleanup_free char *out = run_renderer(true, evs, sizeof evs / sizeof evs[0]);
    /* A file is not a terminal: the width falls back to 80, so no bar. */
    CHECK_STR_EQ(out, "latest: Pulling from x\n"
                      "\n\x1b[1A\x1b[2K\raaaaaaaaaaaa: Pulling fs layer\r\x1b[1B"
                      "\n\x1b[1A\x1b[2K\rbbbbbbbbbbbb: Pulling fs layer\r\x1b[1B"
                      "\x1b[2A\x1b[2K\raaaaaaaaaaaa: Downloading      1kB/2kB\r\x1b[2B"
                      "Digest: sha256:1\n");
}

TEST(json_stream_writes_crlf_terminated_messages)
{
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    struct gt_progress p = { gt_progress_json_fd, GT_PROGRESS_FD_ARG(fds[1]) };
    CHECK_INT_EQ(gt_progress_status(&p, NULL, "Digest: %s", "sha256:1"), 0);
    CHECK_INT_EQ(gt_progress_layer(&p, "abc", "Pull complete"), 0);
    close(fds[1]);
    char buf[256] = "";
    ssize_t n = gt_read_all(fds[0], buf, sizeof buf - 1);
    close(fds[0]);
    REQUIRE(n > 0);
    CHECK_STR_EQ(buf, "{\"status\":\"Digest: sha256:1\"}\r\n"
                      "{\"status\":\"Pull complete\",\"progressDetail\":{},\"id\":\"abc\"}\r\n");
    /* A reader gone away stops the operation. */
    REQUIRE(pipe(fds) == 0);
    close(fds[0]);
    struct gt_progress q = { gt_progress_json_fd, GT_PROGRESS_FD_ARG(fds[1]) };
    signal(SIGPIPE, SIG_IGN);
    CHECK(gt_progress_layer(&q, "abc", "x") != 0);
    close(fds[1]);
}
