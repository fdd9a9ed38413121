/* engine/jsonlog.h - the json-file log format of docker, written by the
 * monitor and read by the engine.
 *
 * One record per line:
 *   {"log":"hello\n","stream":"stdout","time":"2024-05-01T10:00:00.123456789Z"}
 * A record holds one line of output with its newline; a line longer than
 * GT_JSONLOG_LINE_MAX is cut into records without newline, and so is the
 * last unterminated line when the stream ends.  Bytes that are not UTF-8
 * become U+FFFD, as docker's encoder does.  When the file reaches max_size
 * bytes it is rotated: <path>.<n-1> -> <path>.<n> ... <path> -> <path>.1,
 * keeping max_files files in all (max_files 1: the file is truncated).
 *
 * The writer uses libc only (the monitor links nothing else). */
#ifndef GT_ENGINE_JSONLOG_H
#define GT_ENGINE_JSONLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GT_JSONLOG_LINE_MAX 16384

struct gt_jsonlog_writer {
    int fd;
    char *path;
    int64_t size;
    int64_t max_size; /* <= 0: no rotation */
    int max_files;
    char *partial[3]; /* per stream (1 stdout, 2 stderr) */
    size_t plen[3];
    char *buf;        /* one escaped record */
    size_t bufcap;
};

/* Opens (appending to) path; -errno on failure. */
int gt_jsonlog_open(struct gt_jsonlog_writer *w, const char *path, int64_t max_size,
                    int max_files);
/* Output of a stream (1 stdout, 2 stderr), split into records. */
void gt_jsonlog_write(struct gt_jsonlog_writer *w, int stream, const char *data, size_t len);
/* Writes what is left of unterminated lines. */
void gt_jsonlog_flush(struct gt_jsonlog_writer *w);
void gt_jsonlog_close(struct gt_jsonlog_writer *w);

/* Escapes len bytes of s as a JSON string body (no quotes) into a buffer
 * that grows as needed (*buf, *cap); returns the length. */
size_t gt_jsonlog_escape(const char *s, size_t len, char **buf, size_t *cap, size_t off);

/* "2024-05-01T10:00:00.123456789Z" for a time in ns since the epoch (UTC). */
void gt_jsonlog_time(int64_t ns, char out[40]);

#endif
