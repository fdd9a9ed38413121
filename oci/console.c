#include "oci/console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "oci/rootfs.h"

int gt_console_connect(const char *path, int *out, struct gt_error *err)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof sa.sun_path)
        return gt_err(err, ENAMETOOLONG, "console socket %s: path too long", path);
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return gt_err_sys(err, errno, "console socket: socket");
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int e = errno;
        close(fd);
        return gt_err_sys(err, e, "connect to console socket %s", path);
    }
    *out = fd;
    return 0;
}

bool gt_console_get_size(int fd, unsigned short *rows, unsigned short *cols)
{
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) < 0 || !ws.ws_row || !ws.ws_col)
        return false;
    *rows = ws.ws_row;
    *cols = ws.ws_col;
    return true;
}

int gt_console_send_fd(int sock, int fd, const char *name)
{
    char cbuf[CMSG_SPACE(sizeof(int))];
    memset(cbuf, 0, sizeof cbuf);
    struct iovec iov = { .iov_base = (void *)name, .iov_len = strlen(name) };
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf,
    };
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    ssize_t r;
    do
        r = sendmsg(sock, &msg, MSG_NOSIGNAL);
    while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : 0;
}

int gt_console_recv_fd(int sock, struct gt_error *err)
{
    char name[4096];
    char cbuf[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { .iov_base = name, .iov_len = sizeof name };
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf,
    };
    ssize_t r;
    do
        r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return gt_err_sys(err, errno, "receive the console fd");
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int fd;
            memcpy(&fd, CMSG_DATA(c), sizeof fd);
            return fd;
        }
    return gt_err(err, EPROTO, "receive the console fd: no fd in the message");
}

int gt_console_setup(int sock, unsigned short rows, unsigned short cols, bool mount_console,
                     struct gt_error *err)
{
    cleanup_close int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0)
        return gt_err_sys(err, errno, "terminal: open /dev/ptmx");
    int unlock = 0, n;
    if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0)
        return gt_err_sys(err, errno, "terminal: unlock the pty");
    cleanup_close int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0)
        return gt_err_sys(err, errno, "terminal: open the pty slave");
    char name[64];
    snprintf(name, sizeof name, "/dev/pts/%d", n);
    if (rows || cols) {
        struct winsize ws = { .ws_row = rows, .ws_col = cols };
        if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
            return gt_err_sys(err, errno, "terminal: set the size");
    }
    if (mount_console) {
        int r = gt_rootfs_mount_console(name, err);
        if (r < 0)
            return gt_err_prefix(err, "terminal");
    }
    int r = gt_console_send_fd(sock, master, name);
    if (r < 0)
        return gt_err_sys(err, -r, "terminal: send the pty master to the console socket");
    close(sock);
    if (setsid() < 0)
        return gt_err_sys(err, errno, "terminal: setsid");
    if (ioctl(slave, TIOCSCTTY, 0) < 0)
        return gt_err_sys(err, errno, "terminal: make the pty the controlling terminal");
    for (int fd = 0; fd < 3; fd++)
        if (dup2(slave, fd) < 0)
            return gt_err_sys(err, errno, "terminal: dup2 to fd %d", fd);
    return 0;
}
