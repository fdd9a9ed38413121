/* image/progress.h - progress of pulls and pushes, as the Docker API
 * streams it and as the docker CLI draws it.
 *
 * An operation reports events through a struct gt_progress (a callback and
 * its argument).  Events are what one JSON message of POST /images/create
 * carries:
 *   {"status":"Pulling fs layer","progressDetail":{},"id":"<12 hex>"}
 *   {"status":"Downloading","progressDetail":{"current":N,"total":M},
 *    "progress":"[==>    ] 1kB/2kB","id":"<12 hex>"}
 *   {"status":"Digest: sha256:..."}
 *   {"errorDetail":{"message":"..."},"error":"..."}
 * gt_progress_event_json() makes that message; the engine streams it.  The
 * terminal renderer draws the same events as the docker CLI does: on a tty
 * one line per id, rewritten in place with a bar; otherwise one plain line
 * per status change ("<id>: Pull complete"), byte counts left out.
 *
 * Operations that report from several threads serialise their calls: a
 * callback is never entered twice at once.  A callback returning non-zero
 * asks the operation to stop; it then fails with -ECANCELED. */
#ifndef GT_IMAGE_PROGRESS_H
#define GT_IMAGE_PROGRESS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gt_progress_event {
    const char *id;     /* "<12 hex>", a tag, or NULL */
    const char *status; /* "Downloading"; NULL with error */
    bool detail;        /* carries progressDetail (layer events do, even empty) */
    int64_t current;    /* with detail: bytes so far (<= 0: none) */
    int64_t total;      /* with detail: bytes in all (<= 0: unknown) */
    const char *error;  /* a failure message ends the stream */
    json_t *aux;        /* borrowed; {"Tag","Digest","Size"} after a push */
};

typedef int (*gt_progress_fn)(void *arg, const struct gt_progress_event *ev);

struct gt_progress {
    gt_progress_fn fn;
    void *arg;
};

/* Reports an event; p or p->fn NULL is fine.  Returns the callback's value. */
int gt_progress_emit(const struct gt_progress *p, const struct gt_progress_event *ev);
/* Shorthands: a status line without detail ("Digest: ..."), and a layer
 * status with an empty progressDetail ("Pull complete"). */
int gt_progress_status(const struct gt_progress *p, const char *id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int gt_progress_layer(const struct gt_progress *p, const char *id, const char *status);
/* A layer status with bytes ("Downloading", "Extracting", "Pushing"). */
int gt_progress_bytes(const struct gt_progress *p, const char *id, const char *status,
                      int64_t current, int64_t total);
/* The first 12 hex digits of a digest ("sha256:abc..." -> "abc..."), the
 * id docker shows for a layer; into buf (at least 13 bytes). */
const char *gt_progress_short_id(const char *digest, char *buf, size_t len);

/* Sizes as docker prints them: decimal units, 4 significant digits
 * ("1kB", "2.359MB", "512B"). */
const char *gt_progress_human_size(double bytes, char *buf, size_t len);
/* The same with `digits` significant digits (docker's image lists: 3). */
const char *gt_progress_human_size_digits(double bytes, int digits, char *buf, size_t len);
/* "[=====>      ] 1.2MB/2.4MB" for width > 110 (the engine uses 200);
 * numbers only below that.  Empty string with neither current nor total.
 * Caller frees. */
char *gt_progress_bar(int64_t current, int64_t total, int width);

/* The Docker API message of an event (new reference). */
json_t *gt_progress_event_json(const struct gt_progress_event *ev);
/* The reverse, for a client reading the engine's stream: ev's strings
 * borrow from j.  Unknown members are ignored. */
void gt_progress_event_from_json(const json_t *j, struct gt_progress_event *ev);

/* A callback (gt_progress_fn) writing the Docker API stream: one compact
 * JSON message and "\r\n" per event to the fd in arg (an int cast with
 * GT_PROGRESS_FD_ARG).  Returns non-zero when the write fails (the reader
 * went away), which stops the operation. */
#define GT_PROGRESS_FD_ARG(fd) ((void *)(intptr_t)(fd))
int gt_progress_json_fd(void *arg, const struct gt_progress_event *ev);

/* The terminal renderer.  tty: draw docker's in-place lines with bars
 * sized to the terminal; otherwise plain lines.  Write errors are ignored. */
struct gt_progress_term;
struct gt_progress_term *gt_progress_term_new(int fd, bool tty);
void gt_progress_term_free(struct gt_progress_term *t);
/* The gt_progress_fn to pair with it: { gt_progress_term_event, term }. */
int gt_progress_term_event(void *term, const struct gt_progress_event *ev);

#endif
