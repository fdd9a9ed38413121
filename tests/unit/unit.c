#include "tests/unit/unit.h"

#include <stdarg.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fs.h"

struct unit_test {
    const char *name;
    const char *file;
    unit_fn fn;
};

static struct unit_test tests[1024];
static int ntests;
static int current_failed;
static char tmpdir[256];

void unit_register(const char *name, unit_fn fn, const char *file)
{
    if (ntests < (int)(sizeof tests / sizeof tests[0]))
        tests[ntests++] = (struct unit_test){ name, file, fn };
}

void unit_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "#   %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    current_failed = 1;
}

void unit_skip(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fflush(stdout);
    exit(77);
}

const char *unit_tmpdir(void)
{
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "%s/gantry-unit-XXXXXX",
                 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
        if (!mkdtemp(tmpdir)) {
            perror("mkdtemp");
            abort();
        }
    }
    return tmpdir;
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0, skipped = 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 0; i < ntests; i++) {
        int selected = argc < 2;
        for (int a = 1; a < argc; a++)
            if (strstr(tests[i].name, argv[a]))
                selected = 1;
        if (!selected)
            continue;
        int pfd[2];
        if (pipe(pfd) < 0)
            abort();
        pid_t pid = fork();
        if (pid == 0) {
            close(pfd[0]);
            dup2(pfd[1], STDOUT_FILENO);
            close(pfd[1]);
            tests[i].fn();
            if (tmpdir[0])
                gt_rm_rf(tmpdir, NULL);
            fflush(stdout);
            exit(current_failed ? 1 : 0); /* exit(), not _exit(): LeakSanitizer runs */
        }
        close(pfd[1]);
        char why[512];
        ssize_t n = read(pfd[0], why, sizeof why - 1);
        why[n > 0 ? n : 0] = '\0';
        char sink[4096];
        while (read(pfd[0], sink, sizeof sink) > 0) /* drain */
            ;
        close(pfd[0]);
        int st;
        waitpid(pid, &st, 0);
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
            printf("ok - %s\n", tests[i].name);
            passed++;
        } else if (WIFEXITED(st) && WEXITSTATUS(st) == 77) {
            why[strcspn(why, "\n")] = '\0';
            printf("skip - %s: %s\n", tests[i].name, why);
            skipped++;
        } else {
            if (WIFSIGNALED(st))
                printf("#   killed by signal %d\n", WTERMSIG(st));
            printf("not ok - %s (%s)\n", tests[i].name, tests[i].file);
            failed++;
        }
    }
    if (skipped)
        printf("%d skipped\n", skipped);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
