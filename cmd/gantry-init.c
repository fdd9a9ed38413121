/* gantry-init - a tiny init for containers run with --init: it is pid 1,
 * runs the command as its child, forwards every signal it gets to that
 * child, reaps every zombie that the kernel hands to it, and exits with the
 * child's status (128 + signal when the child was killed).  Linked
 * statically (libc only) because it is bind-mounted into images that may
 * have no libc at all.
 *
 *   gantry-init [--] COMMAND [ARG...] */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int first = 1;
    if (first < argc && !strcmp(argv[first], "--"))
        first++;
    if (first >= argc) {
        fprintf(stderr, "usage: gantry-init [--] COMMAND [ARG...]\n");
        return 2;
    }
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    pid_t child = fork();
    if (child < 0) {
        fprintf(stderr, "gantry-init: fork: %s\n", strerror(errno));
        return 1;
    }
    if (child == 0) {
        sigprocmask(SIG_SETMASK, &old, NULL);
        execvp(argv[first], argv + first);
        int e = errno;
        fprintf(stderr, "gantry-init: exec %s: %s\n", argv[first], strerror(e));
        _exit(e == ENOENT ? 127 : 126);
    }
    for (;;) {
        siginfo_t si;
        int sig = sigwaitinfo(&all, &si);
        if (sig < 0)
            continue;
        if (sig != SIGCHLD) {
            kill(child, sig);
            continue;
        }
        for (;;) {
            int st;
            pid_t pid = waitpid(-1, &st, WNOHANG);
            if (pid <= 0)
                break;
            if (pid == child) {
                /* reap what is left before leaving (our exit kills the rest) */
                while (waitpid(-1, NULL, WNOHANG) > 0)
                    ;
                if (WIFEXITED(st))
                    return WEXITSTATUS(st);
                return 128 + WTERMSIG(st);
            }
        }
    }
}
