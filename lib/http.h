/*
 * http: the request as FastCGI (or CGI) parameters describe it, and the response.
 *
 * Parsing works on a NULL-terminated "NAME=value" array (FCGX envp or environ) and reads the
 * body through a callback, so it is the same for plain CGI, mod_fcgid, spawn-fcgi and the
 * unit tests. Everything is allocated from the request arena. Nothing here knows about
 * routes or the database.
 */
#ifndef PORTICO_HTTP_H
#define PORTICO_HTTP_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "problem.h"

/* Limits on what the parser accepts: anything past them is a 400, 414 or 431. */
#define HTTP_MAX_QUERY_PARAMS 64
#define HTTP_MAX_COOKIES 32
#define HTTP_MAX_PATH 2048
#define HTTP_MAX_QUERY 4096
#define HTTP_MAX_HEADERS 16
/* The request's header fields together (the HTTP_* parameters, names and values): past it,
 * 431. Apache lets through 100 fields of 8 KiB each by default, far more than any client
 * needs; one limit here holds for every web server and for plain CGI. 48 KiB leaves room for
 * the other parameters in the one 64 KiB record mod_fcgid sends them in (past that, mod_fcgid
 * answers 500 itself). lighttpd refuses past 8 KiB (server.max-request-field-size). */
#define HTTP_MAX_HEADER_BYTES (48 * 1024)

struct http_param {
    const char *name;
    const char *value;
};

/* Reads up to n bytes of body into buf; returns the count, 0 at the end, -1 on error. */
typedef long (*http_read_fn)(void *ctx, char *buf, size_t n);

struct http_request {
    struct arena *arena;
    char **env;                 /* the parameters, "NAME=value" */
    const char *method;         /* "GET", ...; never NULL after parsing */
    const char *path;           /* raw path from REQUEST_URI, without the query */
    const char *query_string;   /* raw, "" when there is none */
    struct http_param *query;   /* decoded query parameters, in order */
    size_t nquery;
    struct http_param *cookies;
    size_t ncookies;
    const char *remote_addr;
    const char *content_type;   /* NULL when absent */
    long long content_length;   /* -1 when absent */
    const char *body;           /* NUL-terminated copy; NULL until http_body_read */
    size_t body_len;
    http_read_fn read;
    void *read_ctx;
};

struct http_response {
    int status;
    const char *content_type;
    struct http_param headers[HTTP_MAX_HEADERS];
    size_t nheaders;
    const char *body;
    size_t body_len;
};

/* The value of parameter name in env (e.g. "REQUEST_METHOD"), or NULL. */
const char *http_env(char *const *env, const char *name);

/* Fill req from env. Fails (400/414/431 in p) on a malformed query, an over-long URI, or
 * header fields past HTTP_MAX_HEADER_BYTES together. */
int http_request_parse(struct http_request *req, struct arena *a, char **env,
                       http_read_fn read, void *read_ctx, struct problem *p);

/* Read the body, at most cap bytes: 411 when a body is required and no Content-Length was
 * sent, 400 when the length is not a number or the body is shorter, 413 past cap. */
int http_body_read(struct http_request *req, size_t cap, bool required, struct problem *p);

/* True when the content type is JSON: application/json or application/<x>+json, any
 * parameters (charset) allowed, case-insensitive. */
bool http_content_type_is_json(const char *content_type);

/* Header by its HTTP name ("Authorization", "If-Match"); NULL when absent. */
const char *http_header(const struct http_request *req, const char *name);

/* First query parameter with that name, or NULL. */
const char *http_query(const struct http_request *req, const char *name);

/* Cookie by name, or NULL. */
const char *http_cookie(const struct http_request *req, const char *name);

/* Percent-decode src (n bytes) into the arena. With plus_is_space, '+' becomes ' '
 * (query strings). Returns NULL for a bad escape or an encoded NUL. */
char *http_percent_decode(struct arena *a, const char *src, size_t n, bool plus_is_space);

/* A copy of s of at most max bytes that is valid UTF-8: cut on a character boundary, invalid
 * bytes replaced by '?'. For values stored in bounded columns (user agents, paths). */
char *http_utf8_clamp(struct arena *a, const char *s, size_t max);

/* Set the response up. Headers set twice are replaced, but for Set-Cookie: one per cookie. */
void http_response_init(struct http_response *res);
int http_response_header(struct http_response *res, const char *name, const char *value);
/* A body that is not JSON (CSV, JSON Lines): body must live until the response is written. */
void http_response_body(struct http_response *res, int status, const char *content_type,
                        const char *body, size_t len);
/* Serialize json into the arena as the body and put json (takes ownership). */
int http_response_json(struct http_response *res, struct arena *a, int status, json_object *json);

/* Write res in CGI form (Status line, headers, blank line, body) through write. With
 * head_only the body is left out. Returns 0 or -1 when write failed. */
typedef int (*http_write_fn)(void *ctx, const char *buf, size_t n);
int http_response_write(const struct http_response *res, struct arena *a, bool head_only,
                        http_write_fn write, void *ctx);

#endif
