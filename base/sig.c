#include "base/sig.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name;
    int sig;
} sigs[] = {
    { "HUP", SIGHUP },     { "INT", SIGINT },       { "QUIT", SIGQUIT },   { "ILL", SIGILL },
    { "TRAP", SIGTRAP },   { "ABRT", SIGABRT },     { "IOT", SIGIOT },     { "BUS", SIGBUS },
    { "FPE", SIGFPE },     { "KILL", SIGKILL },     { "USR1", SIGUSR1 },   { "SEGV", SIGSEGV },
    { "USR2", SIGUSR2 },   { "PIPE", SIGPIPE },     { "ALRM", SIGALRM },   { "TERM", SIGTERM },
    { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },   { "CLD", SIGCHLD },    { "CONT", SIGCONT },
    { "STOP", SIGSTOP },   { "TSTP", SIGTSTP },     { "TTIN", SIGTTIN },   { "TTOU", SIGTTOU },
    { "URG", SIGURG },     { "XCPU", SIGXCPU },     { "XFSZ", SIGXFSZ },   { "VTALRM", SIGVTALRM },
    { "PROF", SIGPROF },   { "WINCH", SIGWINCH },   { "IO", SIGIO },       { "POLL", SIGPOLL },
    { "PWR", SIGPWR },     { "SYS", SIGSYS },
};

int gt_signal_parse(const char *s)
{
    if (!s || !*s)
        return -EINVAL;
    char *end;
    long n = strtol(s, &end, 10);
    if (*end == '\0')
        return (n > 0 && n < NSIG) ? (int)n : -EINVAL;
    if (strncasecmp(s, "SIG", 3) == 0)
        s += 3;
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        if (strcasecmp(s, sigs[i].name) == 0)
            return sigs[i].sig;
    if (strncasecmp(s, "RTMIN", 5) == 0) {
        const char *p = s + 5;
        long off = 0;
        if (*p == '+') {
            off = strtol(p + 1, &end, 10);
            if (*end || end == p + 1)
                return -EINVAL;
        } else if (*p)
            return -EINVAL;
        return SIGRTMIN + off <= SIGRTMAX ? (int)(SIGRTMIN + off) : -EINVAL;
    }
    if (strncasecmp(s, "RTMAX", 5) == 0) {
        const char *p = s + 5;
        long off = 0;
        if (*p == '-') {
            off = strtol(p + 1, &end, 10);
            if (*end || end == p + 1)
                return -EINVAL;
        } else if (*p)
            return -EINVAL;
        return SIGRTMAX - off >= SIGRTMIN ? (int)(SIGRTMAX - off) : -EINVAL;
    }
    return -EINVAL;
}

const char *gt_signal_name(int sig, char *buf, unsigned buflen)
{
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        if (sigs[i].sig == sig) {
            snprintf(buf, buflen, "SIG%s", sigs[i].name);
            return buf;
        }
    if (sig >= SIGRTMIN && sig <= SIGRTMAX) {
        snprintf(buf, buflen, "SIGRTMIN+%d", sig - SIGRTMIN);
        return buf;
    }
    return NULL;
}
