#include "oci/sync.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

int gt_sync_send(int fd, enum gt_sync_kind kind, int32_t value, const char *text)
{
    struct gt_sync_msg m;
    m.kind = kind;
    m.value = value;
    size_t len = 0;
    if (text) {
        len = strnlen(text, sizeof m.text - 1);
        memcpy(m.text, text, len);
    }
    m.text[len] = '\0';
    ssize_t w;
    do
        w = send(fd, &m, offsetof(struct gt_sync_msg, text) + len + 1, MSG_NOSIGNAL);
    while (w < 0 && errno == EINTR);
    return w < 0 ? -errno : 0;
}

void gt_sync_send_error(int fd, const struct gt_error *err)
{
    gt_sync_send(fd, GT_SYNC_ERROR, err->code, err->msg[0] ? err->msg : "unknown error");
}

int gt_sync_recv(int fd, struct gt_sync_msg *m)
{
    ssize_t r;
    do
        r = recv(fd, m, sizeof *m, 0);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return -errno;
    if (r == 0)
        return -EPIPE;
    if ((size_t)r < offsetof(struct gt_sync_msg, text) + 1)
        return -EBADMSG;
    m->text[sizeof m->text - 1] = '\0';
    ((char *)m)[r < (ssize_t)sizeof *m ? r : (ssize_t)sizeof *m - 1] = '\0';
    return 0;
}

int gt_sync_expect(int fd, enum gt_sync_kind kind, struct gt_sync_msg *m, const char *what,
                   struct gt_error *err)
{
    int r = gt_sync_recv(fd, m);
    if (r == -EPIPE)
        return gt_err(err, ECHILD, "%s: process exited before it was ready", what);
    if (r < 0)
        return gt_err_sys(err, -r, "%s: read from the sync socket", what);
    if (m->kind == GT_SYNC_ERROR)
        return gt_err(err, m->value > 0 ? m->value : EINVAL, "%s", m->text);
    if (m->kind != kind)
        return gt_err(err, EPROTO, "%s: unexpected message %u (expected %u)", what, m->kind,
                      (unsigned)kind);
    return 0;
}
