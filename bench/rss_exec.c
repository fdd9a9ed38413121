/* bench/rss_exec.c - runs a command and writes its peak RSS (KiB) to a file:
 *   rss_exec OUT PROGRAM [ARG...]
 * ru_maxrss of a process includes the memory it had before its execve, so
 * a command spawned straight from the benchmark's python harness reports
 * python's size.  Built static, this launcher forks a child of ~100 KiB
 * that execs the command: its peak is the command's own.  Exits with the
 * command's status. */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: rss_exec OUT PROGRAM [ARG...]\n");
        return 2;
    }
    pid_t pid = fork();
    if (pid < 0)
        return 127;
    if (pid == 0) {
        execv(argv[2], argv + 2);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid)
        return 127;
    FILE *f = fopen(argv[1], "w");
    if (f) {
        fprintf(f, "%ld\n", ru.ru_maxrss);
        fclose(f);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
