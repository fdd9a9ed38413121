/* Route pattern matching: literal text, {name} for one segment, {name:.+}
 * for a greedy run that may contain slashes (image names do). */
#include <string.h>

#include "http/internal.h"

static bool match_at(const char *p, const char *s, struct gt_http_capture *caps, size_t *ncaps)
{
    while (*p) {
        if (*p != '{') {
            if (*p != *s)
                return false;
            p++, s++;
            continue;
        }
        const char *close = strchr(p, '}');
        if (!close)
            return false; /* malformed pattern: never matches */
        const char *name = p + 1;
        const char *colon = memchr(name, ':', close - name);
        bool greedy = colon && !strncmp(colon, ":.+}", 4);
        size_t name_len = (colon ? colon : close) - name;
        const char *rest = close + 1;
        size_t slot = *ncaps;
        if (slot >= GT_HTTP_MAX_PARAMS)
            return false;
        if (!greedy) {
            size_t n = strcspn(s, "/");
            if (n == 0)
                return false;
            caps[slot] = (struct gt_http_capture){ name, name_len, s, n };
            (*ncaps)++;
            s += n;
            p = rest;
            continue;
        }
        /* longest first, so "/images/{name:.+}/json" takes every slash but
         * the one before "json" */
        for (size_t n = strlen(s); n >= 1; n--) {
            *ncaps = slot + 1;
            if (match_at(rest, s + n, caps, ncaps)) {
                caps[slot] = (struct gt_http_capture){ name, name_len, s, n };
                return true;
            }
        }
        *ncaps = slot;
        return false;
    }
    return *s == '\0';
}

bool gt_http_match(const char *pattern, const char *path, struct gt_http_capture *caps,
                   size_t *ncaps)
{
    *ncaps = 0;
    return match_at(pattern, path, caps, ncaps);
}
