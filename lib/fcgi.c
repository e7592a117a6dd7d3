/*
 * fcgi: FastCGI records in, CGI-style output framed as STDOUT records out; an epoll loop
 * over kept connections. See fcgi.h for why this is not libfcgi.
 */
#include "fcgi.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define FCGI_VERSION_1 1
#define FCGI_BEGIN_REQUEST 1
#define FCGI_ABORT_REQUEST 2
#define FCGI_END_REQUEST 3
#define FCGI_PARAMS 4
#define FCGI_STDIN 5
#define FCGI_STDOUT 6
#define FCGI_GET_VALUES 9
#define FCGI_GET_VALUES_RESULT 10
#define FCGI_UNKNOWN_TYPE 11
#define FCGI_KEEP_CONN 1
#define FCGI_RESPONDER 1
#define FCGI_REQUEST_COMPLETE 0
#define FCGI_CANT_MPX_CONN 1
#define FCGI_UNKNOWN_ROLE 3

/* All parameters of one request that are kept: Apache's default limits (100 header fields of
 * 8 KiB) stay under it. What a web server sends past it, or past FCGI_MAX_PARAMS pairs, is
 * dropped and the request marked params_truncated: the handler answers 431 for it. (It once
 * closed the connection at 64 KiB, and the web server answered a misleading 503.) */
#define FCGI_MAX_PARAMS_BYTES (1024 * 1024)
#define FCGI_MAX_PARAMS 256
#define FCGI_MAX_CONNS 1024                 /* per process */
#define FCGI_READ_CHUNK 16384

struct buf {
    unsigned char *p;
    size_t len, cap;
};

static int buf_reserve(struct buf *b, size_t more)
{
    if (b->cap - b->len >= more)
        return 0;
    size_t want = b->cap ? b->cap : 1024;
    while (want - b->len < more) {
        if (want > SIZE_MAX / 2)
            return -1;
        want *= 2;
    }
    /* not realloc: the old block is wiped before it goes back (bodies may hold secrets) */
    unsigned char *np = malloc(want);
    if (!np)
        return -1;
    if (b->p) {
        memcpy(np, b->p, b->len);
        explicit_bzero(b->p, b->cap);
        free(b->p);
    }
    b->p = np;
    b->cap = want;
    return 0;
}

static int buf_append(struct buf *b, const void *data, size_t n)
{
    if (buf_reserve(b, n) < 0)
        return -1;
    memcpy(b->p + b->len, data, n);
    b->len += n;
    return 0;
}

/* What a buffer held is wiped once used (bodies and answers may hold secrets, lib/secrets):
 * a memset the size of the request or answer, next to a system call. */
static void buf_wipe(struct buf *b)
{
    if (b->p && b->len)
        explicit_bzero(b->p, b->len);   /* not a memset the compiler may drop before a free */
    b->len = 0;
}

static void buf_free(struct buf *b)
{
    buf_wipe(b);
    free(b->p);
    memset(b, 0, sizeof(*b));
}

struct fcgi_parser {
    const size_t *body_cap;
    /* the request being read */
    uint16_t id;               /* 0: none */
    bool keep;
    bool params_done, stdin_done;
    struct buf params;         /* raw name-value stream */
    bool params_truncated;     /* more than FCGI_MAX_PARAMS_BYTES were sent (and dropped) */
    struct buf body;
    bool body_truncated;
    /* the env array built from params, and its strings */
    char **env;
    struct buf envstr;
    /* output waiting to be written */
    struct buf out;
    size_t out_off;
};

struct fcgi_parser *fcgi_parser_new(const size_t *body_cap)
{
    struct fcgi_parser *ps = calloc(1, sizeof(*ps));
    if (ps)
        ps->body_cap = body_cap;
    return ps;
}

void fcgi_parser_reset_request(struct fcgi_parser *ps)
{
    ps->id = 0;
    ps->keep = false;
    ps->params_done = ps->stdin_done = false;
    buf_wipe(&ps->params);
    ps->params_truncated = false;
    buf_wipe(&ps->body);
    ps->body_truncated = false;
    buf_wipe(&ps->envstr);
    /* A large body's (or parameters') buffer is not kept around for the next request. */
    if (ps->body.cap > 65536)
        buf_free(&ps->body);
    if (ps->params.cap > 65536)
        buf_free(&ps->params);
    if (ps->envstr.cap > 65536)
        buf_free(&ps->envstr);
}

void fcgi_parser_free(struct fcgi_parser *ps)
{
    if (!ps)
        return;
    buf_free(&ps->params);
    buf_free(&ps->body);
    buf_free(&ps->envstr);
    buf_free(&ps->out);
    free(ps->env);
    free(ps);
}

static void put_header(unsigned char *h, int type, uint16_t id, size_t len, size_t pad)
{
    h[0] = FCGI_VERSION_1;
    h[1] = (unsigned char)type;
    h[2] = (unsigned char)(id >> 8);
    h[3] = (unsigned char)id;
    h[4] = (unsigned char)(len >> 8);
    h[5] = (unsigned char)len;
    h[6] = (unsigned char)pad;
    h[7] = 0;
}

static int out_record(struct fcgi_parser *ps, int type, uint16_t id, const void *data, size_t len)
{
    unsigned char h[8];
    static const unsigned char zero[8];
    size_t pad = (8 - (len % 8)) % 8;
    put_header(h, type, id, len, pad);
    if (buf_append(&ps->out, h, 8) < 0 || (len && buf_append(&ps->out, data, len) < 0) ||
        (pad && buf_append(&ps->out, zero, pad) < 0))
        return -1;
    return 0;
}

static int out_end_request(struct fcgi_parser *ps, uint16_t id, int protocol_status)
{
    unsigned char body[8] = { 0, 0, 0, 0, (unsigned char)protocol_status, 0, 0, 0 };
    return out_record(ps, FCGI_END_REQUEST, id, body, sizeof(body));
}

long fcgi_nv_decode(const unsigned char *p, size_t n, const unsigned char **name, size_t *nlen,
                    const unsigned char **value, size_t *vlen)
{
    size_t off = 0, lens[2];
    for (int i = 0; i < 2; i++) {
        if (off >= n)
            return 0;
        if (p[off] & 0x80) {
            if (n - off < 4)
                return 0;
            lens[i] = ((size_t)(p[off] & 0x7f) << 24) | ((size_t)p[off + 1] << 16) |
                      ((size_t)p[off + 2] << 8) | p[off + 3];
            off += 4;
        } else {
            lens[i] = p[off];
            off += 1;
        }
    }
    if (lens[0] > FCGI_MAX_PARAMS_BYTES || lens[1] > FCGI_MAX_PARAMS_BYTES)
        return -1;
    if (n - off < lens[0] + lens[1])
        return 0;
    *name = p + off;
    *nlen = lens[0];
    *value = p + off + lens[0];
    *vlen = lens[1];
    return (long)(off + lens[0] + lens[1]);
}

static size_t nv_len_put(unsigned char *o, size_t len)
{
    if (len < 128) {
        o[0] = (unsigned char)len;
        return 1;
    }
    o[0] = (unsigned char)(0x80 | (len >> 24));
    o[1] = (unsigned char)(len >> 16);
    o[2] = (unsigned char)(len >> 8);
    o[3] = (unsigned char)len;
    return 4;
}

size_t fcgi_nv_encode(unsigned char *out, size_t cap, const char *name, const char *value)
{
    size_t nl = strlen(name), vl = strlen(value);
    size_t need = (nl < 128 ? 1 : 4) + (vl < 128 ? 1 : 4) + nl + vl;
    if (need > cap || nl > 0x7fffffff || vl > 0x7fffffff)
        return 0;
    size_t o = nv_len_put(out, nl);
    o += nv_len_put(out + o, vl);
    memcpy(out + o, name, nl);
    memcpy(out + o + nl, value, vl);
    return o + nl + vl;
}

/* Turn the raw parameter stream into a NULL-terminated "NAME=value" array. */
static int parser_build_env(struct fcgi_parser *ps, struct fcgi_request *req)
{
    const unsigned char *p = ps->params.p, *name, *value;
    size_t n = ps->params.len, count = 0, nlen, vlen;
    long used;

    ps->envstr.len = 0;
    /* one pass to size the strings so pointers into envstr stay valid; a stream cut at
     * FCGI_MAX_PARAMS_BYTES ends with part of a pair, which is left out */
    size_t total = 0;
    for (size_t off = 0; off < n; off += (size_t)used) {
        used = fcgi_nv_decode(p + off, n - off, &name, &nlen, &value, &vlen);
        if (used <= 0 && ps->params_truncated) {
            n = off;
            break;
        }
        if (used <= 0)
            return -1;
        if (count == FCGI_MAX_PARAMS) {
            ps->params_truncated = true;
            n = off;
            break;
        }
        total += nlen + vlen + 2;
        count++;
    }
    if (buf_reserve(&ps->envstr, total + 1) < 0)
        return -1;
    free(ps->env);
    ps->env = calloc(count + 1, sizeof(char *));
    if (!ps->env)
        return -1;
    size_t i = 0;
    for (size_t off = 0; off < n; off += (size_t)used) {
        used = fcgi_nv_decode(p + off, n - off, &name, &nlen, &value, &vlen);
        char *s = (char *)ps->envstr.p + ps->envstr.len;
        /* a NUL inside a name or value would make the pair mean something else: drop it */
        if (memchr(name, '\0', nlen) || memchr(value, '\0', vlen) || memchr(name, '=', nlen))
            continue;
        memcpy(s, name, nlen);
        s[nlen] = '=';
        memcpy(s + nlen + 1, value, vlen);
        s[nlen + 1 + vlen] = '\0';
        ps->envstr.len += nlen + vlen + 2;
        ps->env[i++] = s;
    }
    ps->env[i] = NULL;
    req->env = ps->env;
    req->body = ps->body.p ? (const char *)ps->body.p : "";
    req->body_len = ps->body.len;
    req->body_truncated = ps->body_truncated;
    req->params_truncated = ps->params_truncated;
    return 0;
}

static void parser_get_values(struct fcgi_parser *ps, const unsigned char *data, size_t len)
{
    unsigned char reply[256];
    size_t r = 0;
    const unsigned char *name, *value;
    size_t nlen, vlen;
    long used;
    for (size_t off = 0; off < len; off += (size_t)used) {
        used = fcgi_nv_decode(data + off, len - off, &name, &nlen, &value, &vlen);
        if (used <= 0)
            break;
        const char *answer = NULL;
        if (nlen == 14 && memcmp(name, "FCGI_MAX_CONNS", 14) == 0)
            answer = "1024";
        else if (nlen == 13 && memcmp(name, "FCGI_MAX_REQS", 13) == 0)
            answer = "1024";
        else if (nlen == 15 && memcmp(name, "FCGI_MPXS_CONNS", 15) == 0)
            answer = "0";
        if (answer) {
            char nm[16];
            memcpy(nm, name, nlen);
            nm[nlen] = '\0';
            r += fcgi_nv_encode(reply + r, sizeof(reply) - r, nm, answer);
        }
    }
    out_record(ps, FCGI_GET_VALUES_RESULT, 0, reply, r);
}

int fcgi_parser_feed(struct fcgi_parser *ps, const unsigned char *data, size_t len, size_t *used,
                     struct fcgi_request *req)
{
    size_t off = 0;
    *used = 0;
    while (len - off >= 8) {
        const unsigned char *h = data + off;
        if (h[0] != FCGI_VERSION_1)
            return -1;
        int type = h[1];
        uint16_t id = (uint16_t)((h[2] << 8) | h[3]);
        size_t clen = ((size_t)h[4] << 8) | h[5], plen = h[6];
        if (len - off < 8 + clen + plen)
            break;
        const unsigned char *c = h + 8;
        off += 8 + clen + plen;
        *used = off;

        switch (type) {
        case FCGI_BEGIN_REQUEST:
            if (clen < 8 || id == 0)
                return -1;
            if (ps->id != 0) {
                /* a second request while one is open: we do not multiplex */
                out_end_request(ps, id, FCGI_CANT_MPX_CONN);
                break;
            }
            if (((c[0] << 8) | c[1]) != FCGI_RESPONDER) {
                out_end_request(ps, id, FCGI_UNKNOWN_ROLE);
                break;
            }
            ps->id = id;
            ps->keep = (c[2] & FCGI_KEEP_CONN) != 0;
            break;
        case FCGI_ABORT_REQUEST:
            if (id == ps->id && id != 0) {
                bool keep = ps->keep;
                fcgi_parser_reset_request(ps);
                out_end_request(ps, id, FCGI_REQUEST_COMPLETE);
                if (!keep)
                    return -1; /* nothing more will come: let the caller close */
            }
            break;
        case FCGI_PARAMS:
            /* id 0 is a management record, never a request's stream (ps->id is 0 between
             * requests): without the check it would fill and complete the next request */
            if (id == 0 || id != ps->id || ps->params_done)
                break; /* not ours (refused request) or late: ignore */
            if (clen == 0) {
                ps->params_done = true;
            } else if (ps->params_truncated || ps->params.len + clen > FCGI_MAX_PARAMS_BYTES) {
                /* keep what fits, read and drop the rest: the request is still answered */
                size_t room = FCGI_MAX_PARAMS_BYTES - ps->params.len;
                if (room && buf_append(&ps->params, c, room < clen ? room : clen) < 0)
                    return -1;
                ps->params_truncated = true;
            } else if (buf_append(&ps->params, c, clen) < 0) {
                return -1;
            }
            break;
        case FCGI_STDIN:
            if (id == 0 || id != ps->id || ps->stdin_done)
                break;
            if (clen == 0) {
                ps->stdin_done = true;
            } else {
                size_t cap = *ps->body_cap;
                size_t room = ps->body.len < cap ? cap - ps->body.len : 0;
                size_t keep = clen < room ? clen : room;
                if (keep && buf_append(&ps->body, c, keep) < 0)
                    return -1;
                if (keep < clen)
                    ps->body_truncated = true;
            }
            break;
        case FCGI_GET_VALUES:
            if (id == 0)
                parser_get_values(ps, c, clen);
            break;
        default:
            if (id == 0) {
                unsigned char body[8] = { (unsigned char)type, 0, 0, 0, 0, 0, 0, 0 };
                out_record(ps, FCGI_UNKNOWN_TYPE, 0, body, 8);
            }
            break;
        }
        if (ps->id && ps->params_done && ps->stdin_done) {
            if (parser_build_env(ps, req) < 0)
                return -1;
            return 1;
        }
    }
    return 0;
}

bool fcgi_parser_respond(struct fcgi_parser *ps, const char *out, size_t len)
{
    while (len > 0) {
        size_t n = len > 65528 ? 65528 : len;
        out_record(ps, FCGI_STDOUT, ps->id, out, n);
        out += n;
        len -= n;
    }
    out_record(ps, FCGI_STDOUT, ps->id, NULL, 0);
    out_end_request(ps, ps->id, FCGI_REQUEST_COMPLETE);
    return ps->keep;
}

const unsigned char *fcgi_parser_output(const struct fcgi_parser *ps, size_t *len)
{
    *len = ps->out.len - ps->out_off;
    return ps->out.p ? ps->out.p + ps->out_off : NULL;
}

void fcgi_parser_output_consume(struct fcgi_parser *ps, size_t n)
{
    ps->out_off += n;
    if (ps->out_off >= ps->out.len) {
        buf_wipe(&ps->out);
        ps->out_off = 0;
        if (ps->out.cap > 65536)
            buf_free(&ps->out);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* The loop. */

static volatile sig_atomic_t fcgi_stopping;

void fcgi_stop(void)
{
    fcgi_stopping = 1;
}

bool fcgi_is_fastcgi(void)
{
    struct sockaddr_storage sa;
    socklen_t len = sizeof(sa);
    /* A listening socket has no peer: ENOTCONN. A pipe or file (CGI) is ENOTSOCK. */
    return getpeername(0, (struct sockaddr *)&sa, &len) < 0 && errno == ENOTCONN;
}

struct conn {
    int fd;
    struct fcgi_parser *ps;
    struct buf in;
    bool watched;               /* in the epoll set (a connection served at once never is) */
    struct conn *prev, *next;   /* every open connection, to close them all on stop */
};

/* Response and body access for the handler. */
struct fcgi_io {
    struct buf out;
    const char *body;
    size_t body_len, body_off;
};

static long io_read(void *ctx, char *buf, size_t n)
{
    struct fcgi_io *io = ctx;
    size_t left = io->body_len - io->body_off;
    if (n > left)
        n = left;
    memcpy(buf, io->body + io->body_off, n);
    io->body_off += n;
    return (long)n;
}

static int io_write(void *ctx, const char *buf, size_t n)
{
    struct fcgi_io *io = ctx;
    return buf_append(&io->out, buf, n);
}

/* Write everything pending on c; blocks (with poll) while the peer is slow. */
static int conn_flush(struct conn *c)
{
    size_t len;
    const unsigned char *p;
    while ((p = fcgi_parser_output(c->ps, &len)) && len > 0) {
        ssize_t w = send(c->fd, p, len, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                struct pollfd pfd = { .fd = c->fd, .events = POLLOUT };
                if (poll(&pfd, 1, 30000) <= 0)
                    return -1;
                continue;
            }
            return -1;
        }
        fcgi_parser_output_consume(c->ps, (size_t)w);
    }
    return 0;
}

static void conn_close(int ep, struct conn **list, struct conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        *list = c->next;
    if (c->next)
        c->next->prev = c->prev;
    if (c->watched)
        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    fcgi_parser_free(c->ps);
    buf_free(&c->in);
    free(c);
}

/* Read what is there and serve every complete request. Returns -1 when c must be closed. */
static int conn_readable(struct conn *c, struct fcgi_io *io, fcgi_handler_fn handler, void *ud)
{
    for (;;) {
        if (buf_reserve(&c->in, FCGI_READ_CHUNK) < 0)
            return -1;
        ssize_t r = recv(c->fd, c->in.p + c->in.len, c->in.cap - c->in.len, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            return -1;
        }
        if (r == 0)
            return -1;
        c->in.len += (size_t)r;

        size_t off = 0;
        for (;;) {
            struct fcgi_request req;
            size_t used;
            int rc = fcgi_parser_feed(c->ps, c->in.p + off, c->in.len - off, &used, &req);
            off += used;
            if (rc < 0) {
                conn_flush(c);
                return -1;
            }
            if (rc == 0)
                break;
            io->out.len = 0;
            io->body = req.body;
            io->body_len = req.body_len;
            io->body_off = 0;
            handler(ud, &req, io_read, io, io_write, io);
            bool keep = fcgi_parser_respond(c->ps, (const char *)io->out.p, io->out.len);
            buf_wipe(&io->out);
            fcgi_parser_reset_request(c->ps);
            if (io->out.cap > 1 << 20)
                buf_free(&io->out);
            if (conn_flush(c) < 0 || !keep)
                return -1;
        }
        memmove(c->in.p, c->in.p + off, c->in.len - off);
        explicit_bzero(c->in.p + (c->in.len - off), off);
        c->in.len -= off;
        if (c->in.cap > 1 << 20 && c->in.len < FCGI_READ_CHUNK) {
            /* do not keep a large read buffer after a large body */
            unsigned char *np = malloc(FCGI_READ_CHUNK * 2);
            if (np) {
                memcpy(np, c->in.p, c->in.len);
                explicit_bzero(c->in.p, c->in.cap);
                free(c->in.p);
                c->in.p = np;
                c->in.cap = FCGI_READ_CHUNK * 2;
            }
        }
        if (conn_flush(c) < 0)
            return -1;
    }
}

int fcgi_serve(const size_t *body_cap, fcgi_handler_fn handler, void *ud)
{
    int listen_fd = 0, rc = 0;
    int fl = fcntl(listen_fd, F_GETFL);
    if (fl < 0 || fcntl(listen_fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -1;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        return -1;
    struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE, .data.ptr = NULL };
    if (epoll_ctl(ep, EPOLL_CTL_ADD, listen_fd, &ev) < 0) {
        close(ep);
        return -1;
    }
    /* The stop signals (and the log's reopen signals, SIGHUP and SIGUSR2) are blocked except
     * while waiting, so one that arrives during a request is seen by the next epoll_pwait, which
     * then returns EINTR at once; none interrupts a request's read or write. */
    static const int handled[] = { SIGTERM, SIGINT, SIGUSR1, SIGHUP, SIGUSR2 };
    sigset_t stop, waitmask;
    sigemptyset(&stop);
    for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
        sigaddset(&stop, handled[i]);
    sigprocmask(SIG_BLOCK, &stop, &waitmask);
    for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
        sigdelset(&waitmask, handled[i]);
    struct fcgi_io io = { 0 };
    struct conn *conns = NULL;
    size_t nconns = 0;
    struct epoll_event events[64];

    while (!fcgi_stopping) {
        int n = epoll_pwait(ep, events, 64, -1, &waitmask);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = -1;
            break;
        }
        for (int i = 0; i < n && !fcgi_stopping; i++) {
            struct conn *c = events[i].data.ptr;
            if (!c) {
                /* One connection per wake-up, then back to epoll: a process that went on
                 * accepting while the web server kept connecting (more connections than
                 * processes) left the connections it had parked, their requests not yet
                 * complete, waiting for as long as the burst lasted — p99 of hundreds of ms
                 * past ~12 connections on 8 processes. The listening socket is level-triggered:
                 * what is left wakes this process again, or an idle one. */
                do {
                    int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (fd < 0)
                        break; /* EAGAIN: another process took it, or nothing left */
                    struct conn *nc = calloc(1, sizeof(*nc));
                    if (nc)
                        nc->ps = fcgi_parser_new(body_cap);
                    if (!nc || !nc->ps || nconns >= FCGI_MAX_CONNS) {
                        if (nc)
                            fcgi_parser_free(nc->ps);
                        free(nc);
                        close(fd);
                        continue;
                    }
                    nc->fd = fd;
                    nc->next = conns;
                    if (conns)
                        conns->prev = nc;
                    conns = nc;
                    nconns++;
                    /* The web server writes its request right after connecting: read it now,
                     * and watch the connection only if it is not done with then (most are
                     * served and closed here: two system calls fewer a request). */
                    struct epoll_event cev = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = nc };
                    if (conn_readable(nc, &io, handler, ud) < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev) < 0) {
                        conn_close(ep, &conns, nc);
                        nconns--;
                    } else {
                        nc->watched = true;
                    }
                } while (0);
                continue;
            }
            if (conn_readable(c, &io, handler, ud) < 0 ||
                (events[i].events & (EPOLLERR | EPOLLHUP))) {
                conn_close(ep, &conns, c);
                nconns--;
            }
        }
    }
    while (conns)
        conn_close(ep, &conns, conns);
    buf_free(&io.out);
    close(ep);
    sigprocmask(SIG_UNBLOCK, &stop, NULL);
    return rc;
}
