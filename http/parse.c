/* Request-head parsing (RFC 9112), strict where laxness would let two
 * parsers disagree (request smuggling): no whitespace before a header
 * colon, no obsolete line folding, no control characters. */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "base/mem.h"
#include "http/internal.h"

size_t gt_http_head_len(const char *buf, size_t len)
{
    size_t i = 0;
    /* RFC 9112 2.2: ignore empty lines before the request line */
    while (i < len && (buf[i] == '\r' || buf[i] == '\n'))
        i++;
    for (; i < len; i++) {
        if (buf[i] != '\n')
            continue;
        /* end of a line: the head ends if the next line is empty */
        if (i + 1 < len && buf[i + 1] == '\n')
            return i + 2;
        if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

static bool is_tchar(unsigned char c)
{
    return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Cuts the line starting at *p (ended by LF or CRLF); returns it, or NULL
 * when no line ending is left. */
static char *next_line(char **p, char *end)
{
    char *s = *p;
    char *nl = memchr(s, '\n', end - s);
    if (!nl)
        return NULL;
    char *e = nl;
    if (e > s && e[-1] == '\r')
        e--;
    *e = '\0';
    *p = nl + 1;
    return s;
}

int gt_http_parse_head(char *buf, size_t len, struct gt_http_head *h)
{
    char *p = buf, *end = buf + len;
    memset(h, 0, sizeof *h);
    while (p < end && (*p == '\r' || *p == '\n'))
        p++;
    char *line = next_line(&p, end);
    if (!line)
        return -EBADMSG;

    /* method SP target SP HTTP/1.x */
    char *s = line;
    while (is_tchar((unsigned char)*s))
        s++;
    if (s == line || *s != ' ')
        return -EBADMSG;
    *s++ = '\0';
    h->method = line;
    char *target = s;
    while ((unsigned char)*s > ' ' && *s != 0x7f)
        s++;
    if (s == target || *s != ' ')
        return -EBADMSG;
    *s++ = '\0';
    h->target = target;
    if (strncmp(s, "HTTP/", 5) != 0 || !isdigit((unsigned char)s[5]) || s[6] != '.' ||
        !isdigit((unsigned char)s[7]) || s[8] != '\0')
        return -EBADMSG;
    if (s[5] != '1')
        return -EPROTONOSUPPORT;
    h->minor = s[7] - '0';
    if (target[0] != '/' && strcmp(target, "*") != 0)
        return -EBADMSG; /* absolute-form and authority-form are not served here */

    while ((line = next_line(&p, end)) != NULL) {
        if (!*line)
            return 0;
        if (*line == ' ' || *line == '\t')
            return -EBADMSG; /* obsolete folding */
        char *c = line;
        while (is_tchar((unsigned char)*c))
            c++;
        if (c == line || *c != ':')
            return -EBADMSG;
        *c++ = '\0';
        while (*c == ' ' || *c == '\t')
            c++;
        char *v = c, *last = c;
        for (; *c; c++) {
            unsigned char ch = (unsigned char)*c;
            if ((ch < ' ' && ch != '\t') || ch == 0x7f)
                return -EBADMSG;
            if (ch != ' ' && ch != '\t')
                last = c + 1;
        }
        *last = '\0';
        if (h->nhdrs == GT_HTTP_MAX_HEADERS)
            return -E2BIG;
        h->hdrs[h->nhdrs++] = (struct gt_http_hdr){ line, v };
    }
    return -EBADMSG; /* no empty line: the caller passed an incomplete head */
}

const char *gt_http_head_get(const struct gt_http_head *h, const char *name)
{
    for (size_t i = 0; i < h->nhdrs; i++)
        if (!strcasecmp(h->hdrs[i].name, name))
            return h->hdrs[i].value;
    return NULL;
}

bool gt_http_has_token(const char *value, const char *token)
{
    size_t tl = strlen(token);
    const char *s = value;
    while (s && *s) {
        while (*s == ' ' || *s == '\t' || *s == ',')
            s++;
        const char *e = s;
        while (*e && *e != ',')
            e++;
        const char *t = e;
        while (t > s && (t[-1] == ' ' || t[-1] == '\t'))
            t--;
        if ((size_t)(t - s) == tl && !strncasecmp(s, token, tl))
            return true;
        s = e;
    }
    return false;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

char *gt_http_pct_decode(const char *s, size_t n, bool plus)
{
    char *out = gt_xmalloc(n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
            (lo = hexval((unsigned char)s[i + 2])) >= 0) {
            *o++ = (char)(hi << 4 | lo);
            i += 2;
        } else if (plus && s[i] == '+') {
            *o++ = ' ';
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}
