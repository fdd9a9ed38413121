#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/json_str.h"

static int log_fd = -1; /* -1: stderr */
static enum gt_log_format log_format = GT_LOG_TEXT;
static enum gt_log_level log_level = GT_LOG_WARN;
static const char *log_name = "gantry";

static const char *const level_names[] = { "error", "warning", "info", "debug" };

int gt_log_open(const char *path, enum gt_log_format format)
{
    log_format = format;
    if (!path || !*path)
        return 0;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    if (log_fd >= 0)
        close(log_fd);
    log_fd = fd;
    return 0;
}

void gt_log_set_level(enum gt_log_level level)
{
    log_level = level;
}

enum gt_log_level gt_log_get_level(void)
{
    return log_level;
}

void gt_log_set_name(const char *name)
{
    log_name = name;
}

int gt_log_fd(void)
{
    return log_fd;
}

int gt_log_parse_level(const char *s, enum gt_log_level *out)
{
    static const struct {
        const char *name;
        enum gt_log_level level;
    } names[] = {
        { "error", GT_LOG_ERROR }, { "fatal", GT_LOG_ERROR }, { "panic", GT_LOG_ERROR },
        { "warn", GT_LOG_WARN },   { "warning", GT_LOG_WARN }, { "info", GT_LOG_INFO },
        { "debug", GT_LOG_DEBUG }, { "trace", GT_LOG_DEBUG },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(s, names[i].name) == 0) {
            *out = names[i].level;
            return 0;
        }
    return -EINVAL;
}

void gt_log(enum gt_log_level level, const char *fmt, ...)
{
    if (level > log_level)
        return;
    int saved = errno;
    char msg[2048], line[4096 + 64], ts[40];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    size_t tl = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + tl, sizeof ts - tl, ".%09ldZ", now.tv_nsec);

    int n;
    if (log_format == GT_LOG_JSON) {
        char esc[sizeof msg * 2];
        gt_json_escape(msg, esc, sizeof esc);
        n = snprintf(line, sizeof line, "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n",
                     level_names[level], esc, ts);
    } else if (log_fd >= 0) {
        n = snprintf(line, sizeof line, "%s %s %s: %s\n", ts, level_names[level], log_name, msg);
    } else {
        n = snprintf(line, sizeof line, "%s: %s%s%s\n", log_name,
                     level == GT_LOG_ERROR ? "" : level_names[level],
                     level == GT_LOG_ERROR ? "" : ": ", msg);
    }
    if (n > (int)sizeof line - 1)
        n = sizeof line - 1;
    ssize_t w = write(log_fd >= 0 ? log_fd : STDERR_FILENO, line, n);
    (void)w;
    errno = saved;
}
