#include "net/dns.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/clock.h"
#include "base/fs.h"
#include "base/mem.h"
#include "net/ip.h"

#define MAX_LISTEN 8
#define MAX_UPSTREAMS 4
#define MAX_PENDING 256
#define MAX_TCP 32
#define TCP_IDLE_MS 10000
#define DNS_HDR 12

enum { T_A = 1, T_PTR = 12, T_AAAA = 28 };
enum { RC_NOERROR = 0, RC_FORMERR = 1, RC_SERVFAIL = 2, RC_NXDOMAIN = 3, RC_NOTIMP = 4 };

struct record {
    char *name; /* lowercase, no final dot */
    struct gt_ip ip;
    char *owner;
};

struct tcp_conn {
    int fd;
    uint8_t buf[2 + 65535];
    size_t len;
    int64_t deadline;
};

struct pending {
    bool used;
    uint16_t id;     /* the id sent upstream */
    uint16_t orig;   /* the client's id */
    int upstream;    /* index tried last */
    int tries;
    int64_t deadline;
    int reply_fd;    /* UDP socket to answer from, or the TCP connection's fd */
    bool tcp;
    struct sockaddr_storage client;
    socklen_t client_len;
    uint8_t *query;
    size_t query_len;
};

struct gt_dns_server {
    int udp[MAX_LISTEN], tcp[MAX_LISTEN];
    uint16_t port[MAX_LISTEN];
    size_t nlisten;
    struct sockaddr_storage up[MAX_UPSTREAMS];
    socklen_t up_len[MAX_UPSTREAMS];
    size_t nup;
    int up4, up6; /* forwarding sockets */
    int wake[2];
    int ttl, timeout_ms;
    pthread_t thread;
    bool running;

    pthread_mutex_t lock; /* guards records */
    struct record *rec;
    size_t nrec, caprec;

    struct pending pend[MAX_PENDING];
    struct tcp_conn *conns[MAX_TCP];
    uint16_t next_id;
};

/* ---- addresses ---- */

/* "1.2.3.4:53", "[fd00::1]:53", or without port (then default_port). */
static int parse_hostport(const char *s, uint16_t default_port, struct sockaddr_storage *ss,
                          socklen_t *len, struct gt_error *err)
{
    char host[GT_IP_STRLEN];
    const char *port = NULL;
    if (s[0] == '[') {
        const char *e = strchr(s, ']');
        if (!e || (size_t)(e - s - 1) >= sizeof host)
            return gt_err(err, EINVAL, "invalid address \"%s\"", s);
        memcpy(host, s + 1, (size_t)(e - s - 1));
        host[e - s - 1] = '\0';
        if (e[1] == ':')
            port = e + 2;
        else if (e[1])
            return gt_err(err, EINVAL, "invalid address \"%s\"", s);
    } else {
        const char *c = strchr(s, ':');
        if (c && strchr(c + 1, ':'))
            c = NULL; /* a bare IPv6 address */
        size_t n = c ? (size_t)(c - s) : strlen(s);
        if (n >= sizeof host)
            return gt_err(err, EINVAL, "invalid address \"%s\"", s);
        memcpy(host, s, n);
        host[n] = '\0';
        if (c)
            port = c + 1;
    }
    unsigned long p = default_port;
    if (port) {
        char *end;
        errno = 0;
        p = strtoul(port, &end, 10);
        if (!*port || *end || errno || p > 65535)
            return gt_err(err, EINVAL, "invalid port in \"%s\"", s);
    }
    struct gt_ip ip;
    if (gt_ip_parse(host, &ip, err) < 0)
        return -EINVAL;
    memset(ss, 0, sizeof *ss);
    if (ip.family == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)ss;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)p);
        memcpy(&a->sin_addr, ip.a, 4);
        *len = sizeof *a;
    } else {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)p);
        memcpy(&a->sin6_addr, ip.a, 16);
        *len = sizeof *a;
    }
    return 0;
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family)
        return false;
    if (a->ss_family == AF_INET) {
        const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
    return x->sin6_port == y->sin6_port && !memcmp(&x->sin6_addr, &y->sin6_addr, 16);
}

/* ---- records ---- */

static char *normalize(const char *name)
{
    char *n = gt_xstrdup(name);
    size_t l = strlen(n);
    if (l && n[l - 1] == '.')
        n[--l] = '\0';
    for (char *p = n; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return n;
}

int gt_dns_server_add(struct gt_dns_server *s, const char *name, const char *ip,
                      const char *owner, struct gt_error *err)
{
    if (!name || !*name || strlen(name) > 253)
        return gt_err(err, EINVAL, "invalid DNS name \"%s\"", name ? name : "");
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("-_.", *p))
            return gt_err(err, EINVAL, "invalid DNS name \"%s\"", name);
    struct gt_ip addr;
    if (gt_ip_parse(ip, &addr, err) < 0)
        return -EINVAL;
    pthread_mutex_lock(&s->lock);
    if (s->nrec == s->caprec) {
        s->caprec = s->caprec ? s->caprec * 2 : 16;
        s->rec = gt_xrealloc(s->rec, s->caprec * sizeof *s->rec);
    }
    s->rec[s->nrec++] = (struct record){ normalize(name), addr, gt_xstrdup(owner ? owner : "") };
    pthread_mutex_unlock(&s->lock);
    return 0;
}

int gt_dns_server_remove_owner(struct gt_dns_server *s, const char *owner)
{
    int n = 0;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->nrec;) {
        if (!strcmp(s->rec[i].owner, owner)) {
            free(s->rec[i].name);
            free(s->rec[i].owner);
            s->rec[i] = s->rec[--s->nrec];
            n++;
        } else {
            i++;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return n;
}

/* ---- messages ---- */

struct question {
    char name[256]; /* lowercase, dotted, no final dot */
    uint16_t type, cls;
    size_t end;     /* offset after the question */
};

static int parse_question(const uint8_t *m, size_t len, struct question *q)
{
    size_t off = DNS_HDR, n = 0;
    for (;;) {
        if (off >= len)
            return -1;
        uint8_t l = m[off++];
        if (l == 0)
            break;
        if (l > 63 || off + l > len || n + l + 1 >= sizeof q->name)
            return -1; /* compression in a question is not worth supporting */
        if (n)
            q->name[n++] = '.';
        for (uint8_t i = 0; i < l; i++)
            q->name[n++] = (char)tolower(m[off + i]);
        off += l;
    }
    q->name[n] = '\0';
    if (off + 4 > len)
        return -1;
    q->type = (uint16_t)(m[off] << 8 | m[off + 1]);
    q->cls = (uint16_t)(m[off + 2] << 8 | m[off + 3]);
    q->end = off + 4;
    return 0;
}

struct msg {
    uint8_t b[1232];
    size_t n;
    bool overflow;
};

static void put(struct msg *m, const void *d, size_t n)
{
    if (m->n + n > sizeof m->b) {
        m->overflow = true;
        return;
    }
    memcpy(m->b + m->n, d, n);
    m->n += n;
}

static void put16(struct msg *m, uint16_t v)
{
    uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
    put(m, b, 2);
}

static void put32(struct msg *m, uint32_t v)
{
    put16(m, (uint16_t)(v >> 16));
    put16(m, (uint16_t)v);
}

/* Header + the question copied from the query. */
static void start_reply(struct msg *r, const uint8_t *q, const struct question *qq, int rcode,
                        uint16_t ancount)
{
    r->n = 0;
    r->overflow = false;
    put(r, q, 2); /* id */
    uint8_t f1 = (uint8_t)(0x80 | (q[2] & 0x79) | 0x04); /* QR, opcode, AA, RD */
    uint8_t f2 = (uint8_t)(0x80 | rcode);               /* RA */
    put(r, &f1, 1);
    put(r, &f2, 1);
    put16(r, qq ? 1 : 0);
    put16(r, ancount);
    put16(r, 0);
    put16(r, 0);
    if (qq)
        put(r, q + DNS_HDR, qq->end - DNS_HDR);
}

static void put_name(struct msg *m, const char *name)
{
    const char *p = name;
    while (*p) {
        size_t l = strcspn(p, ".");
        uint8_t lb = (uint8_t)(l > 63 ? 63 : l);
        put(m, &lb, 1);
        put(m, p, lb);
        p += l;
        if (*p == '.')
            p++;
    }
    uint8_t z = 0;
    put(m, &z, 1);
}

/* "4.3.2.1.in-addr.arpa" or the 32 nibbles of ip6.arpa -> address. */
static bool parse_reverse(const char *name, struct gt_ip *ip)
{
    memset(ip, 0, sizeof *ip);
    size_t n = strlen(name);
    const char *v4 = ".in-addr.arpa", *v6 = ".ip6.arpa";
    if (n > strlen(v4) && !strcmp(name + n - strlen(v4), v4)) {
        unsigned a[4];
        char tail[16];
        if (sscanf(name, "%u.%u.%u.%u%15s", &a[3], &a[2], &a[1], &a[0], tail) != 5 ||
            strcmp(tail, v4))
            return false;
        ip->family = AF_INET;
        for (int i = 0; i < 4; i++) {
            if (a[i] > 255)
                return false;
            ip->a[i] = (uint8_t)a[i];
        }
        return true;
    }
    if (n == 64 + strlen(v6) && !strcmp(name + 64, v6)) {
        ip->family = AF_INET6;
        for (int i = 0; i < 32; i++) {
            char c = name[2 * i];
            if (!isxdigit((unsigned char)c) || name[2 * i + 1] != '.')
                return false;
            int v = isdigit((unsigned char)c) ? c - '0' : tolower(c) - 'a' + 10;
            int nib = 31 - i; /* reversed */
            ip->a[nib / 2] |= (uint8_t)(nib % 2 ? v : v << 4);
        }
        return true;
    }
    return false;
}

/* Answers from the table.  Returns true when the query is ours (r holds
 * the reply), false when it is to be forwarded. */
static bool answer_local(struct gt_dns_server *s, const uint8_t *q, size_t len,
                         const struct question *qq, struct msg *r)
{
    bool ours = false;
    uint16_t an = 0;
    struct msg body = { .n = 0 };
    pthread_mutex_lock(&s->lock);
    struct gt_ip rev;
    bool is_rev = qq->type == T_PTR && parse_reverse(qq->name, &rev);
    for (size_t i = 0; i < s->nrec; i++) {
        const struct record *rc = &s->rec[i];
        if (is_rev) {
            if (!gt_ip_equal(&rc->ip, &rev))
                continue;
            ours = true;
            put16(&body, 0xc00c);
            put16(&body, T_PTR);
            put16(&body, 1);
            put32(&body, (uint32_t)s->ttl);
            struct msg nm = { .n = 0 };
            put_name(&nm, rc->name);
            put16(&body, (uint16_t)nm.n);
            put(&body, nm.b, nm.n);
            an++;
            break; /* one name per address */
        }
        if (strcmp(rc->name, qq->name) != 0)
            continue;
        ours = true;
        int want = qq->type == T_A ? AF_INET : qq->type == T_AAAA ? AF_INET6 : 0;
        if (rc->ip.family != want)
            continue;
        put16(&body, 0xc00c); /* the question's name */
        put16(&body, qq->type);
        put16(&body, 1);
        put32(&body, (uint32_t)s->ttl);
        put16(&body, (uint16_t)gt_ip_len(&rc->ip));
        put(&body, rc->ip.a, (size_t)gt_ip_len(&rc->ip));
        an++;
    }
    pthread_mutex_unlock(&s->lock);
    if (!ours)
        return false;
    (void)len;
    start_reply(r, q, qq, RC_NOERROR, an);
    put(r, body.b, body.n);
    if (r->overflow || body.overflow) {
        /* too many records for one UDP answer: say so (TC) */
        start_reply(r, q, qq, RC_NOERROR, 0);
        r->b[2] |= 0x02;
    }
    return true;
}

/* ---- I/O ---- */

static void send_reply(struct gt_dns_server *s, int fd, bool tcp, const struct sockaddr_storage *to,
                       socklen_t tolen, const uint8_t *m, size_t n)
{
    (void)s;
    if (tcp) {
        uint8_t lb[2] = { (uint8_t)(n >> 8), (uint8_t)n };
        if (gt_write_all(fd, lb, 2) == 0)
            gt_write_all(fd, m, n);
    } else {
        sendto(fd, m, n, MSG_DONTWAIT, (const struct sockaddr *)to, tolen);
    }
}

static void fail_reply(struct gt_dns_server *s, int fd, bool tcp,
                       const struct sockaddr_storage *to, socklen_t tolen, const uint8_t *q,
                       size_t len, int rcode)
{
    struct question qq;
    struct msg r;
    bool have_q = parse_question(q, len, &qq) == 0;
    start_reply(&r, q, have_q ? &qq : NULL, rcode, 0);
    r.b[2] &= (uint8_t)~0x04; /* not authoritative */
    send_reply(s, fd, tcp, to, tolen, r.b, r.n);
}

static int forward_try(struct gt_dns_server *s, struct pending *p)
{
    const struct sockaddr_storage *up = &s->up[p->upstream];
    int fd = up->ss_family == AF_INET6 ? s->up6 : s->up4;
    p->query[0] = (uint8_t)(p->id >> 8);
    p->query[1] = (uint8_t)p->id;
    p->deadline = gt_clock_ms() + s->timeout_ms;
    p->tries++;
    if (fd < 0 ||
        sendto(fd, p->query, p->query_len, MSG_DONTWAIT, (const struct sockaddr *)up,
               s->up_len[p->upstream]) < 0)
        return -1;
    return 0;
}

static void pending_free(struct pending *p)
{
    free(p->query);
    memset(p, 0, sizeof *p);
}

static void forward(struct gt_dns_server *s, int fd, bool tcp, const struct sockaddr_storage *from,
                    socklen_t fromlen, const uint8_t *q, size_t len)
{
    if (s->nup == 0) {
        fail_reply(s, fd, tcp, from, fromlen, q, len, RC_SERVFAIL);
        return;
    }
    struct pending *p = NULL;
    for (size_t i = 0; i < MAX_PENDING && !p; i++)
        if (!s->pend[i].used)
            p = &s->pend[i];
    if (!p) {
        fail_reply(s, fd, tcp, from, fromlen, q, len, RC_SERVFAIL);
        return;
    }
    p->used = true;
    /* an id no other pending query uses */
    bool clash;
    do {
        p->id = s->next_id++;
        clash = false;
        for (size_t i = 0; i < MAX_PENDING; i++)
            clash = clash || (&s->pend[i] != p && s->pend[i].used && s->pend[i].id == p->id);
    } while (clash);
    p->orig = (uint16_t)(q[0] << 8 | q[1]);
    p->reply_fd = fd;
    p->tcp = tcp;
    if (from)
        memcpy(&p->client, from, sizeof p->client);
    p->client_len = fromlen;
    p->query = gt_xmalloc(len);
    memcpy(p->query, q, len);
    p->query_len = len;
    p->upstream = 0;
    while (forward_try(s, p) < 0) {
        if ((size_t)++p->upstream >= s->nup) {
            fail_reply(s, fd, tcp, from, fromlen, q, len, RC_SERVFAIL);
            pending_free(p);
            return;
        }
    }
}

static void handle_query(struct gt_dns_server *s, int fd, bool tcp,
                         const struct sockaddr_storage *from, socklen_t fromlen, const uint8_t *q,
                         size_t len)
{
    if (len < DNS_HDR || (q[2] & 0x80)) /* too short, or a response */
        return;
    struct question qq;
    uint16_t qd = (uint16_t)(q[4] << 8 | q[5]);
    if (((q[2] >> 3) & 0x0f) != 0) {
        fail_reply(s, fd, tcp, from, fromlen, q, len, RC_NOTIMP);
        return;
    }
    if (qd != 1 || parse_question(q, len, &qq) < 0) {
        fail_reply(s, fd, tcp, from, fromlen, q, len, RC_FORMERR);
        return;
    }
    struct msg r;
    if (qq.cls == 1 && answer_local(s, q, len, &qq, &r)) {
        send_reply(s, fd, tcp, from, fromlen, r.b, r.n);
        return;
    }
    forward(s, fd, tcp, from, fromlen, q, len);
}

static void handle_upstream(struct gt_dns_server *s, int fd)
{
    uint8_t buf[65535];
    struct sockaddr_storage from;
    socklen_t fl = sizeof from;
    ssize_t n = recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
    if (n < DNS_HDR)
        return;
    uint16_t id = (uint16_t)(buf[0] << 8 | buf[1]);
    for (size_t i = 0; i < MAX_PENDING; i++) {
        struct pending *p = &s->pend[i];
        if (!p->used || p->id != id || !same_addr(&from, &s->up[p->upstream]))
            continue;
        buf[0] = (uint8_t)(p->orig >> 8);
        buf[1] = (uint8_t)p->orig;
        bool tcp_alive = false;
        if (p->tcp)
            for (size_t k = 0; k < MAX_TCP; k++)
                tcp_alive = tcp_alive || (s->conns[k] && s->conns[k]->fd == p->reply_fd);
        if (!p->tcp || tcp_alive)
            send_reply(s, p->reply_fd, p->tcp, &p->client, p->client_len, buf, (size_t)n);
        pending_free(p);
        return;
    }
}

static void expire_pending(struct gt_dns_server *s, int64_t now)
{
    for (size_t i = 0; i < MAX_PENDING; i++) {
        struct pending *p = &s->pend[i];
        if (!p->used || p->deadline > now)
            continue;
        /* next upstream, or give up */
        bool sent = false;
        while ((size_t)p->upstream + 1 < s->nup && !sent) {
            p->upstream++;
            sent = forward_try(s, p) == 0;
        }
        if (!sent) {
            bool alive = !p->tcp;
            for (size_t k = 0; k < MAX_TCP && !alive; k++)
                alive = s->conns[k] && s->conns[k]->fd == p->reply_fd;
            if (alive) {
                p->query[0] = (uint8_t)(p->orig >> 8);
                p->query[1] = (uint8_t)p->orig;
                fail_reply(s, p->reply_fd, p->tcp, &p->client, p->client_len, p->query,
                           p->query_len, RC_SERVFAIL);
            }
            pending_free(p);
        }
    }
}

static void tcp_close(struct gt_dns_server *s, size_t k)
{
    close(s->conns[k]->fd);
    free(s->conns[k]);
    s->conns[k] = NULL;
}

static void tcp_accept(struct gt_dns_server *s, int lfd)
{
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0)
        return;
    for (size_t k = 0; k < MAX_TCP; k++)
        if (!s->conns[k]) {
            s->conns[k] = gt_xcalloc(1, sizeof *s->conns[k]);
            s->conns[k]->fd = fd;
            s->conns[k]->deadline = gt_clock_ms() + TCP_IDLE_MS;
            return;
        }
    close(fd); /* full */
}

static void tcp_read(struct gt_dns_server *s, size_t k)
{
    struct tcp_conn *c = s->conns[k];
    ssize_t n = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
    if (n <= 0) {
        if (n == 0 || (errno != EAGAIN && errno != EINTR))
            tcp_close(s, k);
        return;
    }
    c->len += (size_t)n;
    c->deadline = gt_clock_ms() + TCP_IDLE_MS;
    while (c->len >= 2) {
        size_t ml = (size_t)(c->buf[0] << 8 | c->buf[1]);
        if (c->len < 2 + ml)
            break;
        handle_query(s, c->fd, true, NULL, 0, c->buf + 2, ml);
        memmove(c->buf, c->buf + 2 + ml, c->len - 2 - ml);
        c->len -= 2 + ml;
    }
}

static void *serve(void *arg)
{
    struct gt_dns_server *s = arg;
    for (;;) {
        struct pollfd p[1 + 2 * MAX_LISTEN + 2 + MAX_TCP];
        size_t n = 0;
        p[n++] = (struct pollfd){ s->wake[0], POLLIN, 0 };
        for (size_t i = 0; i < s->nlisten; i++) {
            p[n++] = (struct pollfd){ s->udp[i], POLLIN, 0 };
            p[n++] = (struct pollfd){ s->tcp[i], POLLIN, 0 };
        }
        p[n++] = (struct pollfd){ s->up4, POLLIN, 0 };
        p[n++] = (struct pollfd){ s->up6, POLLIN, 0 };
        size_t first_conn = n;
        for (size_t k = 0; k < MAX_TCP; k++)
            p[n++] = (struct pollfd){ s->conns[k] ? s->conns[k]->fd : -1, POLLIN, 0 };
        int64_t now = gt_clock_ms(), next = now + 1000;
        for (size_t i = 0; i < MAX_PENDING; i++)
            if (s->pend[i].used && s->pend[i].deadline < next)
                next = s->pend[i].deadline;
        int timeout = next > now ? (int)(next - now) : 0;
        int r = poll(p, n, timeout);
        if (r < 0 && errno != EINTR)
            break;
        if (p[0].revents)
            break;
        if (r > 0) {
            size_t j = 1;
            for (size_t i = 0; i < s->nlisten; i++, j += 2) {
                if (p[j].revents & POLLIN) {
                    uint8_t buf[4096];
                    struct sockaddr_storage from;
                    socklen_t fl = sizeof from;
                    ssize_t m = recvfrom(s->udp[i], buf, sizeof buf, MSG_DONTWAIT,
                                         (struct sockaddr *)&from, &fl);
                    if (m > 0)
                        handle_query(s, s->udp[i], false, &from, fl, buf, (size_t)m);
                }
                if (p[j + 1].revents & POLLIN)
                    tcp_accept(s, s->tcp[i]);
            }
            if (p[j].revents & POLLIN)
                handle_upstream(s, s->up4);
            if (p[j + 1].revents & POLLIN)
                handle_upstream(s, s->up6);
            for (size_t k = 0; k < MAX_TCP; k++)
                if (s->conns[k] && p[first_conn + k].fd == s->conns[k]->fd &&
                    (p[first_conn + k].revents & (POLLIN | POLLHUP | POLLERR)))
                    tcp_read(s, k);
        }
        now = gt_clock_ms();
        expire_pending(s, now);
        for (size_t k = 0; k < MAX_TCP; k++)
            if (s->conns[k] && s->conns[k]->deadline < now)
                tcp_close(s, k);
    }
    return NULL;
}

/* ---- lifecycle ---- */

static int bind_once(struct gt_dns_server *s, const char *spec, struct gt_error *err)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int r = parse_hostport(spec, 53, &ss, &len, err);
    if (r < 0)
        return gt_err_prefix(err, "listen address");
    int fam = ss.ss_family, on = 1;
    size_t i = s->nlisten;
    /* UDP first: a port of 0 gets chosen there, and TCP takes the same */
    s->udp[i] = socket(fam, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    s->tcp[i] = socket(fam, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s->udp[i] < 0 || s->tcp[i] < 0) {
        r = gt_err_sys(err, errno, "socket");
        goto fail;
    }
    for (int k = 0; k < 2; k++) {
        int fd = k ? s->tcp[i] : s->udp[i];
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        setsockopt(fd, fam == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
                   fam == AF_INET ? IP_FREEBIND : IPV6_FREEBIND, &on, sizeof on);
        if (fam == AF_INET6)
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
        if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
            r = gt_err_sys(err, errno, "bind %s (%s)", spec, k ? "tcp" : "udp");
            goto fail;
        }
        if (k == 0) {
            socklen_t l = len;
            getsockname(fd, (struct sockaddr *)&ss, &l);
        }
    }
    if (listen(s->tcp[i], 64) < 0) {
        r = gt_err_sys(err, errno, "listen %s", spec);
        goto fail;
    }
    s->port[i] = ntohs(fam == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                      : ((struct sockaddr_in6 *)&ss)->sin6_port);
    s->nlisten++;
    return 0;
fail:
    if (s->udp[i] >= 0)
        close(s->udp[i]);
    if (s->tcp[i] >= 0)
        close(s->tcp[i]);
    s->udp[i] = s->tcp[i] = -1;
    return r;
}

static int bind_listen(struct gt_dns_server *s, const char *spec, struct gt_error *err)
{
    /* port 0: the port UDP got may be taken for TCP; pick again */
    bool any_port = strlen(spec) > 2 && !strcmp(spec + strlen(spec) - 2, ":0");
    int r;
    for (int tries = 0; tries < 20; tries++) {
        r = bind_once(s, spec, err);
        if (r != -EADDRINUSE || !any_port)
            break;
    }
    return r;
}

static bool is_listen_addr(const struct gt_dns_server *s, const struct sockaddr_storage *a)
{
    for (size_t i = 0; i < s->nlisten; i++) {
        struct sockaddr_storage ss;
        socklen_t l = sizeof ss;
        if (getsockname(s->udp[i], (struct sockaddr *)&ss, &l) == 0 && same_addr(&ss, a))
            return true;
    }
    return false;
}

static int add_upstream(struct gt_dns_server *s, const char *spec, struct gt_error *err)
{
    if (s->nup == MAX_UPSTREAMS)
        return 0; /* resolv.conf allows three; more are ignored as libc does */
    int r = parse_hostport(spec, 53, &s->up[s->nup], &s->up_len[s->nup], err);
    if (r < 0)
        return gt_err_prefix(err, "upstream");
    if (!is_listen_addr(s, &s->up[s->nup])) /* never forward to ourselves */
        s->nup++;
    return 0;
}

int gt_dns_server_start(const struct gt_dns_config *cfg, struct gt_dns_server **out,
                        struct gt_error *err)
{
    struct gt_dns_server *s = gt_xcalloc(1, sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
    s->ttl = cfg->ttl > 0 ? cfg->ttl : 60;
    s->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 2000;
    s->wake[0] = s->wake[1] = s->up4 = s->up6 = -1;
    s->next_id = (uint16_t)(gt_clock_ms() ^ getpid());
    int r = 0;
    if (!cfg->listen || !cfg->listen[0]) {
        r = gt_err(err, EINVAL, "DNS server: no listen address");
        goto fail;
    }
    for (size_t i = 0; cfg->listen[i]; i++) {
        if (i == MAX_LISTEN) {
            r = gt_err(err, EINVAL, "DNS server: at most %d listen addresses", MAX_LISTEN);
            goto fail;
        }
        if ((r = bind_listen(s, cfg->listen[i], err)) < 0)
            goto fail;
    }
    if (cfg->upstreams) {
        for (size_t i = 0; cfg->upstreams[i]; i++)
            if ((r = add_upstream(s, cfg->upstreams[i], err)) < 0)
                goto fail;
    } else {
        const char *path = cfg->resolv_conf ? cfg->resolv_conf : "/etc/resolv.conf";
        cleanup_free char *text = NULL;
        struct gt_error e2;
        if (gt_read_file(path, 1 << 20, &text, NULL, &e2) == 0) {
            struct gt_resolv_conf rc;
            gt_resolv_conf_parse(text, &rc);
            for (char **ns = rc.nameservers; ns && *ns; ns++)
                add_upstream(s, *ns, &e2); /* a bad line is skipped, as libc does */
            gt_resolv_conf_release(&rc);
        }
    }
    s->up4 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    s->up6 = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s->up4 < 0) {
        r = gt_err_sys(err, errno, "DNS server: upstream socket");
        goto fail;
    }
    if (pipe2(s->wake, O_CLOEXEC) < 0) {
        r = gt_err_sys(err, errno, "pipe");
        goto fail;
    }
    if ((r = pthread_create(&s->thread, NULL, serve, s)) != 0) {
        r = gt_err_sys(err, r, "DNS server: start thread");
        goto fail;
    }
    s->running = true;
    *out = s;
    return 0;
fail:
    gt_dns_server_stop(s);
    return r;
}

void gt_dns_server_stop(struct gt_dns_server *s)
{
    if (!s)
        return;
    if (s->running) {
        char c = 0;
        if (write(s->wake[1], &c, 1) < 0) {
            /* the pipe is ours and empty: cannot fail in practice */
        }
        pthread_join(s->thread, NULL);
    }
    for (size_t i = 0; i < s->nlisten; i++) {
        close(s->udp[i]);
        close(s->tcp[i]);
    }
    int fds[] = { s->up4, s->up6, s->wake[0], s->wake[1] };
    for (size_t i = 0; i < 4; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    for (size_t k = 0; k < MAX_TCP; k++)
        if (s->conns[k])
            tcp_close(s, k);
    for (size_t i = 0; i < MAX_PENDING; i++)
        if (s->pend[i].used)
            pending_free(&s->pend[i]);
    for (size_t i = 0; i < s->nrec; i++) {
        free(s->rec[i].name);
        free(s->rec[i].owner);
    }
    free(s->rec);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

uint16_t gt_dns_server_port(const struct gt_dns_server *s, size_t i)
{
    return i < s->nlisten ? s->port[i] : 0;
}

/* ---- resolver files ---- */

static void push_words(char ***v, char *rest)
{
    char *save = NULL;
    for (char *w = strtok_r(rest, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
        gt_strv_push(v, w);
}

void gt_resolv_conf_parse(const char *text, struct gt_resolv_conf *out)
{
    memset(out, 0, sizeof *out);
    cleanup_free char *copy = gt_xstrdup(text ? text : "");
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        line[strcspn(line, "#;\r")] = '\0';
        char *key = line + strspn(line, " \t");
        size_t kl = strcspn(key, " \t");
        if (!kl)
            continue;
        char *rest = key + kl;
        if (*rest)
            *rest++ = '\0';
        if (!strcmp(key, "nameserver")) {
            char *w = rest + strspn(rest, " \t");
            w[strcspn(w, " \t")] = '\0';
            struct gt_ip ip;
            if (*w && gt_ip_parse(w, &ip, NULL) == 0)
                gt_strv_push(&out->nameservers, w);
        } else if (!strcmp(key, "search") || !strcmp(key, "domain")) {
            /* the last of search/domain wins, as in libc */
            gt_strv_free(out->search);
            out->search = NULL;
            push_words(&out->search, rest);
        } else if (!strcmp(key, "options")) {
            push_words(&out->options, rest);
        }
    }
}

void gt_resolv_conf_release(struct gt_resolv_conf *rc)
{
    gt_strv_free(rc->nameservers);
    gt_strv_free(rc->search);
    gt_strv_free(rc->options);
    memset(rc, 0, sizeof *rc);
}

static bool loopback(const char *ip)
{
    struct gt_ip a;
    if (gt_ip_parse(ip, &a, NULL) < 0)
        return false;
    static const uint8_t v6lo[16] = { [15] = 1 };
    return (a.family == AF_INET && a.a[0] == 127) ||
           (a.family == AF_INET6 && !memcmp(a.a, v6lo, 16));
}

/* A resolv.conf line "key word word...", when there are words. */
static void put_words(FILE *f, const char *key, char *const *words)
{
    if (!words || !words[0])
        return;
    fprintf(f, "%s", key);
    for (char *const *w = words; *w; w++)
        fprintf(f, " %s", *w);
    fprintf(f, "\n");
}

char *gt_resolv_conf_for_container(const char *host_text, const char *dns_server)
{
    struct gt_resolv_conf rc;
    gt_resolv_conf_parse(host_text, &rc);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        abort();
    fprintf(f, "# written by gantry\n");
    if (dns_server) {
        fprintf(f, "nameserver %s\n", dns_server);
    } else {
        for (char **ns = rc.nameservers; ns && *ns; ns++)
            if (!loopback(*ns))
                fprintf(f, "nameserver %s\n", *ns);
    }
    put_words(f, "search", rc.search);
    put_words(f, "options", rc.options);
    fclose(f);
    gt_resolv_conf_release(&rc);
    return out;
}

char *gt_hosts_for_container(const char *hostname, const char *ip,
                             const struct gt_hosts_entry *extra, size_t n)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        abort();
    fprintf(f, "127.0.0.1\tlocalhost\n"
               "::1\tlocalhost ip6-localhost ip6-loopback\n"
               "fe00::0\tip6-localnet\n"
               "ff00::0\tip6-mcastprefix\n"
               "ff02::1\tip6-allnodes\n"
               "ff02::2\tip6-allrouters\n");
    if (ip && *ip && hostname && *hostname)
        fprintf(f, "%s\t%s\n", ip, hostname);
    for (size_t i = 0; i < n; i++)
        if (extra[i].ip && extra[i].names)
            fprintf(f, "%s\t%s\n", extra[i].ip, extra[i].names);
    fclose(f);
    return out;
}
