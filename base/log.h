/* base/log.h - process-wide logging.
 *
 * Messages go to one destination (stderr by default, or a file opened in
 * append mode) as text ("time level msg") or as JSON lines
 * ({"level":"error","msg":"...","time":"RFC3339"}), the format that runc's
 * --log-format json writes and that containerd and podman read back.
 * Logging never fails the caller: write errors are ignored.
 */
#ifndef GT_BASE_LOG_H
#define GT_BASE_LOG_H

#include <stdbool.h>

enum gt_log_level { GT_LOG_ERROR, GT_LOG_WARN, GT_LOG_INFO, GT_LOG_DEBUG };
enum gt_log_format { GT_LOG_TEXT, GT_LOG_JSON };

/* path NULL or "" means stderr.  Returns 0, or -errno if the file cannot be
 * opened (logging then stays on stderr). */
int gt_log_open(const char *path, enum gt_log_format format);
void gt_log_set_level(enum gt_log_level level);
enum gt_log_level gt_log_get_level(void);
/* Name used as a prefix in text mode ("gantry-runtime"). */
void gt_log_set_name(const char *name);
/* Parses "error", "warn"/"warning", "info", "debug"; -EINVAL otherwise. */
int gt_log_parse_level(const char *s, enum gt_log_level *out);
/* The destination fd, so that a child can inherit it (-1 for stderr). */
int gt_log_fd(void);

void gt_log(enum gt_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define gt_error(...) gt_log(GT_LOG_ERROR, __VA_ARGS__)
#define gt_warn(...) gt_log(GT_LOG_WARN, __VA_ARGS__)
#define gt_info(...) gt_log(GT_LOG_INFO, __VA_ARGS__)
#define gt_debug(...) \
    do { \
        if (gt_log_get_level() >= GT_LOG_DEBUG) \
            gt_log(GT_LOG_DEBUG, __VA_ARGS__); \
    } while (0)

#endif
