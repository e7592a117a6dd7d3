/*
 * libFuzzer harness: the request parser, query and cookie decoding, header lookup, the
 * router and the capped body read, on parameters and a body taken from the input.
 * Input: lines "NAME=value" (the CGI parameters), then a line "--", then the body.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/http.h"
#include "lib/problem.h"
#include "lib/router.h"

static int dummy(struct app_ctx *c)
{
    (void)c;
    return 0;
}

static const struct route routes[] = {
    { "GET", "/api/v1/catalog/entities/{kind}/{namespace}/{name}", "catalog.read", dummy, 0, "get", NULL, NULL, NULL, "any" },
    { "PUT", "/api/v1/catalog/entities/{kind}/{namespace}/{name}", "catalog.write", dummy, 0, "put", NULL, NULL, NULL, "any" },
    { "GET", "/api/v1/system/health", PERM_PUBLIC, dummy, 0, "health", NULL, NULL, NULL, "any" },
};

struct body {
    const uint8_t *p;
    size_t len, off;
};

static long body_read(void *ctx, char *buf, size_t n)
{
    struct body *b = ctx;
    size_t left = b->len - b->off;
    if (n > left)
        n = left;
    memcpy(buf, b->p + b->off, n);
    b->off += n;
    return (long)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    arena_init(&a, 0);
    char *copy = arena_strndup(&a, (const char *)data, size);
    char *env[64];
    size_t n = 0;
    struct body b = { (const uint8_t *)"", 0, 0 };
    char *line = copy;
    while (line && *line && n < 63) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (strcmp(line, "--") == 0) {
            size_t off = (size_t)((nl ? nl + 1 : line + strlen(line)) - copy);
            if (off <= size) {
                b.p = data + off;
                b.len = size - off;
            }
            break;
        }
        if (strchr(line, '='))
            env[n++] = line;
        line = nl ? nl + 1 : NULL;
    }
    env[n] = NULL;

    struct http_request req;
    struct problem p;
    problem_init(&p);
    if (http_request_parse(&req, &a, env, body_read, &b, &p) == 0) {
        (void)http_query(&req, "limit");
        (void)http_cookie(&req, "portico_session");
        (void)http_header(&req, "Authorization");
        (void)http_content_type_is_json(req.content_type);
        struct router_match m;
        (void)router_match(routes, sizeof(routes) / sizeof(routes[0]), req.method, req.path, &a, &m);
        problem_init(&p);
        (void)http_body_read(&req, 4096, true, &p);
    }
    arena_free(&a);
    return 0;
}
