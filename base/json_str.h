/* base/json_str.h - JSON string escaping without an allocator, for places
 * (logging, a container's init before execve) where building a json_t is
 * too heavy. */
#ifndef GT_BASE_JSON_STR_H
#define GT_BASE_JSON_STR_H

#include <stddef.h>

/* Writes the escaped form of s (without quotes) into out, always
 * NUL-terminated; truncates at a character boundary.  Returns the length. */
size_t gt_json_escape(const char *s, char *out, size_t outsz);

#endif
