#include "base/json_str.h"

#include <stdio.h>

size_t gt_json_escape(const char *s, char *out, size_t outsz)
{
    size_t o = 0;
    if (!outsz)
        return 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        char buf[8];
        const char *rep = NULL;
        size_t rl;
        switch (c) {
        case '"': rep = "\\\""; break;
        case '\\': rep = "\\\\"; break;
        case '\n': rep = "\\n"; break;
        case '\r': rep = "\\r"; break;
        case '\t': rep = "\\t"; break;
        default:
            if (c < 0x20) {
                snprintf(buf, sizeof buf, "\\u%04x", c);
                rep = buf;
            }
        }
        if (rep) {
            for (rl = 0; rep[rl]; rl++)
                ;
            if (o + rl >= outsz)
                break;
            for (size_t i = 0; i < rl; i++)
                out[o++] = rep[i];
        } else {
            if (o + 1 >= outsz)
                break;
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
    return o;
}
