/* The foreground wait of `run` and `exec` (see container_internal.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "base/fs.h"
#include "oci/container_internal.h"

static void copy_winsize(int from, int to)
{
    struct winsize ws;
    if (ioctl(from, TIOCGWINSZ, &ws) == 0)
        ioctl(to, TIOCSWINSZ, &ws);
}

/* Moves what is readable from `from` to `to`; false at end of file or error. */
static bool pump(int from, int to)
{
    char buf[16384];
    ssize_t n = read(from, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    if (n <= 0)
        return false;
    return gt_write_all(to, buf, (size_t)n) == 0;
}

int gt_supervise(pid_t pid, int pidfd, int master, const sigset_t *sigs, int *status,
                 struct gt_error *err)
{
    int sfd = signalfd(-1, sigs, SFD_CLOEXEC);
    if (sfd < 0)
        return gt_err_sys(err, errno, "signalfd");
    struct termios saved;
    bool raw = false;
    if (master >= 0 && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
        struct termios t = saved;
        cfmakeraw(&t);
        raw = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
        copy_winsize(STDIN_FILENO, master);
    }
    bool in_open = master >= 0, out_open = master >= 0, exited = false;
    int r = 0;
    while (!exited || out_open) {
        /* once reaped, the pid is not ours to wait for again (ECHILD) */
        pid_t w = exited ? 0 : waitpid(pid, status, WNOHANG);
        if (w == pid) {
            exited = true;
            if (!out_open)
                break;
        } else if (w < 0 && errno == ECHILD) {
            r = gt_err(err, ECHILD, "lost track of process %d", (int)pid);
            break;
        }
        struct pollfd p[3] = {
            { .fd = sfd, .events = POLLIN },
            { .fd = out_open ? master : -1, .events = POLLIN },
            { .fd = in_open && !exited ? STDIN_FILENO : -1, .events = POLLIN },
        };
        /* once the process is gone, drain what the pty still holds */
        int pr = poll(p, 3, exited ? 0 : -1);
        if (pr < 0 && errno != EINTR) {
            r = gt_err_sys(err, errno, "poll");
            break;
        }
        if (pr == 0 && exited)
            break;
        if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
            out_open = pump(master, STDOUT_FILENO);
        if (p[2].revents & (POLLIN | POLLHUP | POLLERR))
            in_open = pump(STDIN_FILENO, master);
        if (p[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof si) != sizeof si)
                continue;
            if (si.ssi_signo == SIGCHLD)
                continue;
            if (si.ssi_signo == SIGWINCH && master >= 0) {
                copy_winsize(STDIN_FILENO, master);
                continue;
            }
            if (!exited)
                gt_pidfd_signal(pidfd, (int)si.ssi_signo);
        }
    }
    if (raw)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    close(sfd);
    if (r == 0 && !exited) {
        while (waitpid(pid, status, 0) < 0 && errno == EINTR)
            ;
    }
    return r;
}
