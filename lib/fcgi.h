/*
 * fcgi: the FastCGI responder side, written for how Portico is deployed.
 *
 * Why not libfcgi's FCGX_Accept loop: it serves one connection at a time and, when the web
 * server asks to keep a connection (FCGI_KEEP_CONN, Apache's enablereuse=on), it blocks
 * reading that connection while requests on other connections wait, so a pool behind a
 * reusing proxy collapses to a few requests per second. Without reuse, every request pays a
 * connect/accept/close. This loop keeps any number of connections per process in one epoll
 * set and serves whichever has a complete request; the listening socket is registered with
 * EPOLLEXCLUSIVE, so a new connection wakes one idle process, not the whole pool.
 *
 * A process serves one request at a time (handlers are synchronous). Requests are read
 * whole (parameters and body) before the handler runs; the body is buffered up to a cap and
 * the rest is read and dropped, so a handler that refuses a body with 413 never holds it.
 * Multiplexed requests on one connection are refused with FCGI_CANT_MPX_CONN, as the
 * specification allows; no web server we support sends them.
 */
#ifndef PORTICO_FCGI_H
#define PORTICO_FCGI_H

#include <stdbool.h>
#include <stddef.h>

#include "http.h"

/* A complete request, valid during the handler call. */
struct fcgi_request {
    char **env;            /* "NAME=value", NULL-terminated */
    const char *body;      /* the body as received, at most body_cap bytes */
    size_t body_len;
    bool body_truncated;   /* more than body_cap bytes were sent (and dropped) */
    bool params_truncated; /* the parameters were past what is kept (1 MiB, 256 pairs): the
                            * rest was dropped, and env holds the complete pairs before it */
};

/* The handler answers through write (CGI-style output: Status line, headers, body). */
typedef void (*fcgi_handler_fn)(void *ud, struct fcgi_request *req, http_read_fn read,
                                void *read_ctx, http_write_fn write, void *write_ctx);

/* True when fd 0 is a listening socket (FastCGI), false for plain CGI. */
bool fcgi_is_fastcgi(void);

/* Serve requests from the listening socket on fd 0 until fcgi_stop() or a fatal error.
 * *body_cap bounds the body kept per request (read at each request: the configuration may
 * arrive with the first one). Returns 0 on a requested stop, -1 on error. */
int fcgi_serve(const size_t *body_cap, fcgi_handler_fn handler, void *ud);

/* Ask fcgi_serve to return after the current request (async-signal-safe). fcgi_serve keeps
 * SIGTERM, SIGINT and SIGUSR1 blocked except while it waits, so a handler for them that
 * calls fcgi_stop is never lost between a check and the wait. */
void fcgi_stop(void);

/* Protocol pieces, exposed for the unit tests and the fuzzer. ------------------------------ */

/* Decode one name-value pair at p (n bytes). Returns bytes used, 0 if incomplete, -1 if
 * malformed; name/value point into p. */
long fcgi_nv_decode(const unsigned char *p, size_t n, const unsigned char **name, size_t *nlen,
                    const unsigned char **value, size_t *vlen);

/* Encode one name-value pair into out (cap bytes). Returns bytes written or 0 if no room. */
size_t fcgi_nv_encode(unsigned char *out, size_t cap, const char *name, const char *value);

/* Feed bytes of one connection to a standalone parser and collect complete requests:
 * used by the unit tests and the fuzzer to drive the record parser without sockets. */
struct fcgi_parser;
struct fcgi_parser *fcgi_parser_new(const size_t *body_cap);
void fcgi_parser_free(struct fcgi_parser *ps);
/* Returns 1 when a request is complete (fill req), 0 when more bytes are needed, -1 when the
 * stream is malformed. *used is how many bytes of data were consumed. Output records (END
 * of refused requests, GET_VALUES answers) are appended to the parser's output buffer. */
int fcgi_parser_feed(struct fcgi_parser *ps, const unsigned char *data, size_t len, size_t *used,
                     struct fcgi_request *req);
/* After a complete request: frame out as STDOUT records + END_REQUEST into the output
 * buffer; returns whether the connection should be kept. Then fcgi_parser_reset_request. */
bool fcgi_parser_respond(struct fcgi_parser *ps, const char *out, size_t len);
void fcgi_parser_reset_request(struct fcgi_parser *ps);
/* Pending output bytes; fcgi_parser_output_consume removes n of them. */
const unsigned char *fcgi_parser_output(const struct fcgi_parser *ps, size_t *len);
void fcgi_parser_output_consume(struct fcgi_parser *ps, size_t n);

#endif
