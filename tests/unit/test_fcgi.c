/*
 * fcgi: the record parser driven through fcgi_parser_* with records built by hand here, the
 * name-value encoding, and the fcgi_serve loop for real over a unix socket in a child process
 * (kept connections, an idle kept connection not blocking others, close without KEEP_CONN,
 * exit 0 on SIGTERM).
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/fcgi.h"
#include "tests/unit/suites.h"

enum {
    T_BEGIN_REQUEST = 1,
    T_ABORT_REQUEST = 2,
    T_END_REQUEST = 3,
    T_PARAMS = 4,
    T_STDIN = 5,
    T_STDOUT = 6,
    T_GET_VALUES = 9,
    T_GET_VALUES_RESULT = 10,
    T_UNKNOWN_TYPE = 11,
    ROLE_RESPONDER = 1,
    ROLE_AUTHORIZER = 2,
    KEEP_CONN = 1,
};

/* --- a growable byte buffer ---------------------------------------------------------------- */

struct bytes {
    unsigned char *p;
    size_t len, cap;
};

static void bytes_add(struct bytes *b, const void *data, size_t n)
{
    if (b->cap - b->len < n) {
        size_t want = b->cap ? b->cap : 256;
        while (want - b->len < n)
            want *= 2;
        unsigned char *np = realloc(b->p, want);
        if (!np)
            abort();
        b->p = np;
        b->cap = want;
    }
    if (n)
        memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void bytes_free(struct bytes *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

/* --- records built by hand ------------------------------------------------------------------ */

static void rec_pad(struct bytes *b, int type, unsigned id, const void *data, size_t len, size_t pad)
{
    static const unsigned char zero[255];
    unsigned char h[8] = { 1, (unsigned char)type, (unsigned char)(id >> 8), (unsigned char)id,
                           (unsigned char)(len >> 8), (unsigned char)len, (unsigned char)pad, 0 };
    bytes_add(b, h, 8);
    bytes_add(b, data, len);
    bytes_add(b, zero, pad);
}

static void rec(struct bytes *b, int type, unsigned id, const void *data, size_t len)
{
    rec_pad(b, type, id, data, len, 0);
}

static void begin(struct bytes *b, unsigned id, unsigned role, unsigned flags)
{
    unsigned char body[8] = { (unsigned char)(role >> 8), (unsigned char)role, (unsigned char)flags,
                              0, 0, 0, 0, 0 };
    rec(b, T_BEGIN_REQUEST, id, body, sizeof(body));
}

static size_t nv_len(unsigned char *o, size_t len)
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

/* One name-value pair, appended to b (not a record). */
static void nv_raw(struct bytes *b, const void *name, size_t nlen, const void *value, size_t vlen)
{
    unsigned char l[8];
    size_t n = nv_len(l, nlen);
    n += nv_len(l + n, vlen);
    bytes_add(b, l, n);
    bytes_add(b, name, nlen);
    bytes_add(b, value, vlen);
}

/* One PARAMS record holding one pair. */
static void param_raw(struct bytes *b, unsigned id, const void *name, size_t nlen, const void *value,
                      size_t vlen)
{
    struct bytes pair = { 0 };
    nv_raw(&pair, name, nlen, value, vlen);
    rec(b, T_PARAMS, id, pair.p, pair.len);
    bytes_free(&pair);
}

static void param(struct bytes *b, unsigned id, const char *name, const char *value)
{
    param_raw(b, id, name, strlen(name), value, strlen(value));
}

/* A whole request: BEGIN, one PARAMS record per pair (pairs: name, value, ..., NULL), an empty
 * PARAMS, the body in STDIN records (padded to 8 bytes), an empty STDIN. */
static void request(struct bytes *b, unsigned id, bool keep, const char *const *pairs, const void *body,
                    size_t body_len)
{
    begin(b, id, ROLE_RESPONDER, keep ? KEEP_CONN : 0);
    for (size_t i = 0; pairs && pairs[i]; i += 2)
        param(b, id, pairs[i], pairs[i + 1]);
    rec(b, T_PARAMS, id, NULL, 0);
    const unsigned char *p = body;
    while (body_len > 0) {
        size_t n = body_len > 65535 ? 65535 : body_len;
        rec_pad(b, T_STDIN, id, p, n, (8 - n % 8) % 8);
        p += n;
        body_len -= n;
    }
    rec(b, T_STDIN, id, NULL, 0);
}

/* --- records read back ---------------------------------------------------------------------- */

struct orec {
    int type;
    unsigned id;
    const unsigned char *content;
    size_t len;
    size_t end;        /* offset just past the record (content and padding) */
};

/* Split p into records; fails the test unless every byte belongs to a well-formed record. */
static size_t orecs(const unsigned char *p, size_t len, struct orec *out, size_t max)
{
    size_t off = 0, n = 0;
    while (off < len) {
        if (len - off < 8 || p[off] != 1 || n == max) {
            CU_FAIL("output is not a sequence of version 1 records");
            return n;
        }
        size_t clen = ((size_t)p[off + 4] << 8) | p[off + 5], plen = p[off + 6];
        if (len - off - 8 < clen + plen) {
            CU_FAIL("truncated record in output");
            return n;
        }
        out[n].type = p[off + 1];
        out[n].id = ((unsigned)p[off + 2] << 8) | p[off + 3];
        out[n].content = p + off + 8;
        out[n].len = clen;
        off += 8 + clen + plen;
        out[n].end = off;
        n++;
    }
    return n;
}

/* The parser's pending output as records (consumed by the next call to out_take). */
static size_t out_take(struct fcgi_parser *ps, struct bytes *keep, struct orec *out, size_t max)
{
    size_t len;
    const unsigned char *p = fcgi_parser_output(ps, &len);
    keep->len = 0;
    bytes_add(keep, p, len);
    fcgi_parser_output_consume(ps, len);
    return orecs(keep->p, keep->len, out, max);
}

static bool is_end(const struct orec *r, unsigned id, int protocol_status)
{
    return r->type == T_END_REQUEST && r->id == id && r->len == 8 && r->content[0] == 0 &&
           r->content[1] == 0 && r->content[2] == 0 && r->content[3] == 0 &&
           r->content[4] == protocol_status;
}

/* --- env ------------------------------------------------------------------------------------ */

static size_t env_count(char **env)
{
    size_t n = 0;
    while (env && env[n])
        n++;
    return n;
}

static bool env_has(char **env, const char *entry)
{
    for (size_t i = 0; env && env[i]; i++)
        if (strcmp(env[i], entry) == 0)
            return true;
    return false;
}

static bool env_has_name(char **env, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = 0; env && env[i]; i++)
        if (strncmp(env[i], name, nl) == 0 && env[i][nl] == '=')
            return true;
    return false;
}

static const size_t default_cap = 1 << 20;

/* --- the parser: complete requests ----------------------------------------------------------- */

static const char *const basic_pairs[] = { "REQUEST_METHOD", "POST", "REQUEST_URI", "/api/x?y=1",
                                           "CONTENT_LENGTH", "5", "EMPTY", "", NULL };

static void check_basic_request(const struct fcgi_request *req)
{
    CU_ASSERT_EQUAL(env_count(req->env), 4);
    CU_ASSERT(env_has(req->env, "REQUEST_METHOD=POST"));
    CU_ASSERT(env_has(req->env, "REQUEST_URI=/api/x?y=1"));
    CU_ASSERT(env_has(req->env, "CONTENT_LENGTH=5"));
    CU_ASSERT(env_has(req->env, "EMPTY="));
    CU_ASSERT_EQUAL(req->body_len, 5);
    CU_ASSERT(req->body && memcmp(req->body, "hello", 5) == 0);
    CU_ASSERT_FALSE(req->body_truncated);
}

static void test_parser_complete(void)
{
    struct bytes in = { 0 };
    request(&in, 1, true, basic_pairs, "hello", 5);
    size_t req_len = in.len;
    /* the start of a next record after the request: not consumed */
    bytes_add(&in, "\x01\x01\x00", 3);

    struct fcgi_parser *ps = fcgi_parser_new(&default_cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
    struct fcgi_request req;
    size_t used = 12345;
    CU_ASSERT_EQUAL(fcgi_parser_feed(ps, in.p, in.len, &used, &req), 1);
    CU_ASSERT_EQUAL(used, req_len);
    check_basic_request(&req);
    size_t outlen;
    fcgi_parser_output(ps, &outlen);
    CU_ASSERT_EQUAL(outlen, 0);
    fcgi_parser_free(ps);

    /* nothing, or less than a header: 0, nothing used */
    ps = fcgi_parser_new(&default_cap);
    used = 12345;
    CU_ASSERT_EQUAL(fcgi_parser_feed(ps, in.p, 0, &used, &req), 0);
    CU_ASSERT_EQUAL(used, 0);
    CU_ASSERT_EQUAL(fcgi_parser_feed(ps, in.p, 7, &used, &req), 0);
    CU_ASSERT_EQUAL(used, 0);
    fcgi_parser_free(ps);
    bytes_free(&in);
}

static void test_parser_byte_at_a_time(void)
{
    struct bytes in = { 0 };
    request(&in, 1, true, basic_pairs, "hello", 5);
    struct orec r[32];
    size_t nrec = orecs(in.p, in.len, r, 32);
    CU_ASSERT_FATAL(nrec > 0 && r[nrec - 1].end == in.len);

    struct fcgi_parser *ps = fcgi_parser_new(&default_cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
    struct fcgi_request req;
    size_t off = 0;
    bool ok = true;
    for (size_t have = 1; have <= in.len && ok; have++) {
        size_t used = 12345;
        int rc = fcgi_parser_feed(ps, in.p + off, have - off, &used, &req);
        /* consumed up to the last record boundary at or before `have` */
        size_t boundary = 0;
        for (size_t i = 0; i < nrec && r[i].end <= have; i++)
            boundary = r[i].end;
        if (used > have - off || off + used != boundary) {
            fprintf(stderr, "\n    at %zu bytes: used %zu from %zu, want up to %zu\n", have, used, off,
                    boundary);
            ok = false;
        }
        if (rc != (have == in.len ? 1 : 0)) {
            fprintf(stderr, "\n    at %zu of %zu bytes: rc %d\n", have, in.len, rc);
            ok = false;
        }
        off += used;
    }
    CU_ASSERT(ok);
    CU_ASSERT_EQUAL(off, in.len);
    if (ok)
        check_basic_request(&req);
    fcgi_parser_free(ps);
    bytes_free(&in);
}

static void test_parser_long_param(void)
{
    char value[301], name[201];
    for (size_t i = 0; i < 300; i++)
        value[i] = (char)('a' + i % 26);
    value[300] = '\0';
    memset(name, 'N', 200);
    name[200] = '\0';

    struct bytes in = { 0 };
    begin(&in, 9, ROLE_RESPONDER, 0);
    param(&in, 9, "HTTP_X_LONG", value);   /* 1-byte name length, 4-byte value length */
    param(&in, 9, name, "short");          /* 4-byte name length */
    param(&in, 9, "A", "b");
    rec(&in, T_PARAMS, 9, NULL, 0);
    rec(&in, T_STDIN, 9, NULL, 0);
    /* the 4-byte form is really what went out */
    CU_ASSERT_EQUAL(in.p[8 + 8 + 8 + 1], 0x80);
    CU_ASSERT_EQUAL(in.p[8 + 8 + 8 + 4], 0x2c);

    struct fcgi_parser *ps = fcgi_parser_new(&default_cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
    struct fcgi_request req;
    size_t used;
    CU_ASSERT_EQUAL_FATAL(fcgi_parser_feed(ps, in.p, in.len, &used, &req), 1);
    CU_ASSERT_EQUAL(used, in.len);
    CU_ASSERT_EQUAL(env_count(req.env), 3);
    char want[400];
    snprintf(want, sizeof(want), "HTTP_X_LONG=%s", value);
    CU_ASSERT(env_has(req.env, want));
    snprintf(want, sizeof(want), "%s=short", name);
    CU_ASSERT(env_has(req.env, want));
    CU_ASSERT(env_has(req.env, "A=b"));
    CU_ASSERT_EQUAL(req.body_len, 0);
    CU_ASSERT_PTR_NOT_NULL(req.body);
    fcgi_parser_free(ps);
    bytes_free(&in);
}

/* --- name-value pairs ------------------------------------------------------------------------ */

static void nv_roundtrip(size_t nl, size_t vl)
{
    char *name = malloc(nl + 1), *value = malloc(vl + 1);
    CU_ASSERT_FATAL(name && value);
    for (size_t i = 0; i < nl; i++)
        name[i] = (char)('A' + i % 26);
    for (size_t i = 0; i < vl; i++)
        value[i] = (char)('0' + i % 10);
    name[nl] = value[vl] = '\0';

    struct bytes want = { 0 };
    nv_raw(&want, name, nl, value, vl);
    unsigned char *enc = malloc(want.len + 16);
    CU_ASSERT_FATAL(enc != NULL);
    size_t n = fcgi_nv_encode(enc, want.len + 16, name, value);
    CU_ASSERT_EQUAL(n, want.len);
    CU_ASSERT(n == want.len && memcmp(enc, want.p, n) == 0);
    /* exactly enough room, one byte short */
    CU_ASSERT_EQUAL(fcgi_nv_encode(enc, want.len, name, value), want.len);
    CU_ASSERT_EQUAL(fcgi_nv_encode(enc, want.len - 1, name, value), 0);

    const unsigned char *dn = NULL, *dv = NULL;
    size_t dnl = 0, dvl = 0;
    CU_ASSERT_EQUAL(fcgi_nv_decode(enc, n, &dn, &dnl, &dv, &dvl), (long)n);
    CU_ASSERT_EQUAL(dnl, nl);
    CU_ASSERT_EQUAL(dvl, vl);
    CU_ASSERT(dnl == nl && memcmp(dn, name, nl) == 0);
    CU_ASSERT(dvl == vl && memcmp(dv, value, vl) == 0);
    /* with more bytes after it: only the pair is used */
    enc[n] = 0x7f;
    CU_ASSERT_EQUAL(fcgi_nv_decode(enc, n + 1, &dn, &dnl, &dv, &dvl), (long)n);
    /* every truncation is "incomplete" */
    bool all_zero = true;
    for (size_t k = 0; k < n; k++)
        if (fcgi_nv_decode(enc, k, &dn, &dnl, &dv, &dvl) != 0)
            all_zero = false;
    CU_ASSERT(all_zero);

    free(enc);
    bytes_free(&want);
    free(name);
    free(value);
}

static void test_nv_roundtrip(void)
{
    nv_roundtrip(0, 0);
    nv_roundtrip(4, 5);
    nv_roundtrip(127, 127);
    nv_roundtrip(128, 3);
    nv_roundtrip(5, 300);
    nv_roundtrip(200, 1000);
    nv_roundtrip(10, 65536);
}

static void test_nv_limits(void)
{
    const unsigned char *dn, *dv;
    size_t dnl, dvl;
    /* name length 1 MiB + 1 (FCGI_MAX_PARAMS_BYTES) */
    const unsigned char big_name[] = { 0x80, 0x10, 0x00, 0x01, 0x01 };
    CU_ASSERT_EQUAL(fcgi_nv_decode(big_name, sizeof(big_name), &dn, &dnl, &dv, &dvl), -1);
    /* value length 0x7fffffff */
    const unsigned char big_value[] = { 0x01, 0xff, 0xff, 0xff, 0xff, 'a' };
    CU_ASSERT_EQUAL(fcgi_nv_decode(big_value, sizeof(big_value), &dn, &dnl, &dv, &dvl), -1);
    /* 65536 is allowed: only incomplete here */
    const unsigned char at_limit[] = { 0x01, 0x80, 0x01, 0x00, 0x00, 'a', 'b' };
    CU_ASSERT_EQUAL(fcgi_nv_decode(at_limit, sizeof(at_limit), &dn, &dnl, &dv, &dvl), 0);
    /* a 4-byte length cut short */
    const unsigned char cut[] = { 0x05, 0x80, 0x00 };
    CU_ASSERT_EQUAL(fcgi_nv_decode(cut, sizeof(cut), &dn, &dnl, &dv, &dvl), 0);
    /* value shorter than announced */
    const unsigned char short_value[] = { 0x01, 0x03, 'n', 'v', 'v' };
    CU_ASSERT_EQUAL(fcgi_nv_decode(short_value, sizeof(short_value), &dn, &dnl, &dv, &dvl), 0);
}

/* --- the parser: body, response -------------------------------------------------------------- */

static void test_parser_body_cap(void)
{
    static const size_t cap = 10;
    const char *body = "0123456789abcdefghijklmno"; /* 25 bytes, in two records */
    struct bytes in = { 0 };
    begin(&in, 1, ROLE_RESPONDER, KEEP_CONN);
    rec(&in, T_PARAMS, 1, NULL, 0);
    rec(&in, T_STDIN, 1, body, 7);
    rec(&in, T_STDIN, 1, body + 7, 18);
    rec(&in, T_STDIN, 1, NULL, 0);

    struct fcgi_parser *ps = fcgi_parser_new(&cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
    struct fcgi_request req;
    size_t used;
    CU_ASSERT_EQUAL_FATAL(fcgi_parser_feed(ps, in.p, in.len, &used, &req), 1);
    CU_ASSERT_EQUAL(req.body_len, cap);
    CU_ASSERT(memcmp(req.body, body, cap) == 0);
    CU_ASSERT_TRUE(req.body_truncated);
    CU_ASSERT_EQUAL(env_count(req.env), 0);
    fcgi_parser_respond(ps, NULL, 0);
    fcgi_parser_reset_request(ps);

    /* the next request on the parser starts clean; exactly the cap is not truncated */
    in.len = 0;
    request(&in, 2, true, NULL, body, cap);
    CU_ASSERT_EQUAL_FATAL(fcgi_parser_feed(ps, in.p, in.len, &used, &req), 1);
    CU_ASSERT_EQUAL(req.body_len, cap);
    CU_ASSERT_FALSE(req.body_truncated);
    fcgi_parser_free(ps);
    bytes_free(&in);
}

/* Feed a complete request with this id and KEEP_CONN flag; the parser's output is emptied. */
static bool feed_request(struct fcgi_parser *ps, unsigned id, bool keep)
{
    struct bytes in = { 0 }, junk = { 0 };
    request(&in, id, keep, basic_pairs, "hello", 5);
    struct fcgi_request req;
    size_t used;
    int rc = fcgi_parser_feed(ps, in.p, in.len, &used, &req);
    bool ok = rc == 1 && used == in.len;
    struct orec r[4];
    out_take(ps, &junk, r, 4);
    bytes_free(&in);
    bytes_free(&junk);
    return ok;
}

static void test_parser_respond(void)
{
    struct fcgi_parser *ps = fcgi_parser_new(&default_cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
    struct bytes out = { 0 };
    struct orec r[16];
    static const char answer[] = "Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nhi there";

    CU_ASSERT_FATAL(feed_request(ps, 0x1234, true));
    CU_ASSERT_TRUE(fcgi_parser_respond(ps, answer, sizeof(answer) - 1));
    fcgi_parser_reset_request(ps);
    size_t n = out_take(ps, &out, r, 16);
    CU_ASSERT_EQUAL_FATAL(n, 3);
    CU_ASSERT_EQUAL(r[0].type, T_STDOUT);
    CU_ASSERT_EQUAL(r[0].id, 0x1234);
    CU_ASSERT(r[0].len == sizeof(answer) - 1 && memcmp(r[0].content, answer, r[0].len) == 0);
    CU_ASSERT(r[1].type == T_STDOUT && r[1].id == 0x1234 && r[1].len == 0);
    CU_ASSERT(is_end(&r[2], 0x1234, 0));
    size_t left;
    fcgi_parser_output(ps, &left);
    CU_ASSERT_EQUAL(left, 0);

    /* without KEEP_CONN: respond says close */
    CU_ASSERT_FATAL(feed_request(ps, 7, false));
    CU_ASSERT_FALSE(fcgi_parser_respond(ps, answer, sizeof(answer) - 1));
    fcgi_parser_reset_request(ps);
    n = out_take(ps, &out, r, 16);
    CU_ASSERT(n == 3 && is_end(&r[2], 7, 0) && r[0].id == 7);

    /* an empty answer: just the empty STDOUT and the END */
    CU_ASSERT_FATAL(feed_request(ps, 8, true));
    CU_ASSERT_TRUE(fcgi_parser_respond(ps, NULL, 0));
    fcgi_parser_reset_request(ps);
    n = out_take(ps, &out, r, 16);
    CU_ASSERT(n == 2 && r[0].type == T_STDOUT && r[0].len == 0 && is_end(&r[1], 8, 0));

    /* more than one record's worth: several STDOUT records, in order */
    size_t big = 65528 * 2 + 100;
    char *data = malloc(big);
    CU_ASSERT_FATAL(data != NULL);
    for (size_t i = 0; i < big; i++)
        data[i] = (char)(i * 7 + i / 251);
    CU_ASSERT_FATAL(feed_request(ps, 3, true));
    CU_ASSERT_TRUE(fcgi_parser_respond(ps, data, big));
    fcgi_parser_reset_request(ps);
    n = out_take(ps, &out, r, 16);
    CU_ASSERT_FATAL(n >= 4);
    size_t got = 0, records = 0;
    bool same = true;
    for (size_t i = 0; i + 2 < n; i++) {
        CU_ASSERT(r[i].type == T_STDOUT && r[i].id == 3 && r[i].len > 0);
        if (got + r[i].len > big || memcmp(r[i].content, data + got, r[i].len) != 0)
            same = false;
        got += r[i].len;
        records++;
    }
    CU_ASSERT(same);
    CU_ASSERT_EQUAL(got, big);
    CU_ASSERT(records >= 3);
    CU_ASSERT(r[n - 2].type == T_STDOUT && r[n - 2].len == 0);
    CU_ASSERT(is_end(&r[n - 1], 3, 0));
    free(data);
    bytes_free(&out);
    fcgi_parser_free(ps);
}

/* --- the parser: refused and management records ---------------------------------------------- */

static void test_parser_cant_mpx(void)
{
    struct bytes in = { 0 }, out = { 0 };
    struct orec r[8];
    begin(&in, 1, ROLE_RESPONDER, KEEP_CONN);
    param(&in, 1, "REQUEST_URI", "/first");
    begin(&in, 2, ROLE_RESPONDER, KEEP_CONN);   /* a second request while 1 is open */
    param(&in, 2, "EVIL", "1");
    rec(&in, T_PARAMS, 2, NULL, 0);
    rec(&in, T_STDIN, 2, "xx", 2);
    rec(&in, T_STDIN, 2, NULL, 0);
    size_t first_part = in.len;
    rec(&in, T_PARAMS, 1, NULL, 0);
    rec(&in, T_STDIN, 1, "ok", 2);
    rec(&in, T_STDIN, 1, NULL, 0);

    struct fcgi_parser *ps = fcgi_parser_new(&default_cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
    struct fcgi_request req;
    size_t used;
    CU_ASSERT_EQUAL(fcgi_parser_feed(ps, in.p, first_part, &used, &req), 0);
    CU_ASSERT_EQUAL(used, first_part);
    size_t n = out_take(ps, &out, r, 8);
    CU_ASSERT(n == 1 && is_end(&r[0], 2, 1)); /* FCGI_CANT_MPX_CONN */

    CU_ASSERT_EQUAL_FATAL(fcgi_parser_feed(ps, in.p + first_part, in.len - first_part, &used, &req), 1);
    CU_ASSERT_EQUAL(used, in.len - first_part);
    CU_ASSERT_EQUAL(env_count(req.env), 1);
    CU_ASSERT(env_has(req.env, "REQUEST_URI=/first"));
    CU_ASSERT(req.body_len == 2 && memcmp(req.body, "ok", 2) == 0);
    CU_ASSERT_TRUE(fcgi_parser_respond(ps, "x", 1));
    n = out_take(ps, &out, r, 8);
    CU_ASSERT(n == 3 && is_end(&r[2], 1, 0));
    fcgi_parser_free(ps);
    bytes_free(&in);
    bytes_free(&out);
}

static void test_parser_unknown_role(void)
{
    struct bytes in = { 0 }, out = { 0 };
    struct orec r[8];
    begin(&in, 3, ROLE_AUTHORIZER, KEEP_CONN);
    param(&in, 3, "A", "1");
    rec(&in, T_PARAMS, 3, NULL, 0);
    rec(&in, T_STDIN, 3, NULL, 0);

    struct fcgi_parser *ps = fcgi_parser_new(&default_cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
    struct fcgi_request req;
    size_t used;
    CU_ASSERT_EQUAL(fcgi_parser_feed(ps, in.p, in.len, &used, &req), 0);
    CU_ASSERT_EQUAL(used, in.len);
    size_t n = out_take(ps, &out, r, 8);
    CU_ASSERT(n == 1 && is_end(&r[0], 3, 3)); /* FCGI_UNKNOWN_ROLE */

    /* a responder request afterwards is served, without the refused one's params */
    in.len = 0;
    request(&in, 4, true, basic_pairs, "hello", 5);
    CU_ASSERT_EQUAL_FATAL(fcgi_parser_feed(ps, in.p, in.len, &used, &req), 1);
    check_basic_request(&req);
    fcgi_parser_free(ps);
    bytes_free(&in);
    bytes_free(&out);
}

static void test_parser_get_values(void)
{
    struct bytes in = { 0 }, pairs = { 0 }, out = { 0 };
    struct orec r[8];
    nv_raw(&pairs, "FCGI_MPXS_CONNS", 15, "", 0);
    nv_raw(&pairs, "SOMETHING_ELSE", 14, "", 0);
    nv_raw(&pairs, "FCGI_MAX_CONNS", 14, "", 0);
    rec(&in, T_GET_VALUES, 0, pairs.p, pairs.len);

    struct fcgi_parser *ps = fcgi_parser_new(&default_cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
    struct fcgi_request req;
    size_t used;
    CU_ASSERT_EQUAL(fcgi_parser_feed(ps, in.p, in.len, &used, &req), 0);
    CU_ASSERT_EQUAL(used, in.len);
    size_t n = out_take(ps, &out, r, 8);
    CU_ASSERT_EQUAL_FATAL(n, 1);
    CU_ASSERT_EQUAL(r[0].type, T_GET_VALUES_RESULT);
    CU_ASSERT_EQUAL(r[0].id, 0);
    bool mpxs = false, other = false;
    size_t answers = 0;
    long u;
    const unsigned char *nm, *val;
    size_t nl, vl;
    for (size_t off = 0; off < r[0].len; off += (size_t)u) {
        u = fcgi_nv_decode(r[0].content + off, r[0].len - off, &nm, &nl, &val, &vl);
        CU_ASSERT_FATAL(u > 0);
        answers++;
        if (nl == 15 && memcmp(nm, "FCGI_MPXS_CONNS", 15) == 0)
            mpxs = vl == 1 && val[0] == '0';
        if (nl == 14 && memcmp(nm, "SOMETHING_ELSE", 14) == 0)
            other = true;
    }
    CU_ASSERT_TRUE(mpxs);
    CU_ASSERT_FALSE(other);
    CU_ASSERT_EQUAL(answers, 2);
    fcgi_parser_free(ps);
    bytes_free(&in);
    bytes_free(&pairs);
    bytes_free(&out);
}

static void test_parser_unknown_type(void)
{
    struct bytes in = { 0 }, out = { 0 };
    struct orec r[8];
    rec(&in, 42, 0, "abc", 3);

    struct fcgi_parser *ps = fcgi_parser_new(&default_cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
    struct fcgi_request req;
    size_t used;
    CU_ASSERT_EQUAL(fcgi_parser_feed(ps, in.p, in.len, &used, &req), 0);
    CU_ASSERT_EQUAL(used, in.len);
    size_t n = out_take(ps, &out, r, 8);
    CU_ASSERT_EQUAL_FATAL(n, 1);
    CU_ASSERT_EQUAL(r[0].type, T_UNKNOWN_TYPE);
    CU_ASSERT_EQUAL(r[0].id, 0);
    CU_ASSERT(r[0].len == 8 && r[0].content[0] == 42);
    fcgi_parser_free(ps);
    bytes_free(&in);
    bytes_free(&out);
}

/* Records with requestId 0 are management records: a PARAMS or STDIN with id 0 must not feed
 * (or complete) the next request. */
static void test_parser_id0_stream_records(void)
{
    struct bytes in = { 0 };
    param(&in, 0, "INJECTED", "1");
    rec(&in, T_PARAMS, 0, NULL, 0);
    rec(&in, T_STDIN, 0, "zz", 2);
    rec(&in, T_STDIN, 0, NULL, 0);
    request(&in, 1, true, basic_pairs, "hello", 5);

    struct fcgi_parser *ps = fcgi_parser_new(&default_cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
    struct fcgi_request req;
    size_t used;
    CU_ASSERT_EQUAL_FATAL(fcgi_parser_feed(ps, in.p, in.len, &used, &req), 1);
    CU_ASSERT_EQUAL(used, in.len);
    CU_ASSERT_FALSE(env_has_name(req.env, "INJECTED"));
    check_basic_request(&req);
    fcgi_parser_free(ps);
    bytes_free(&in);
}

static void test_parser_malformed(void)
{
    struct fcgi_parser *ps;
    struct fcgi_request req;
    size_t used;
    struct bytes in = { 0 };

    /* wrong version, alone and after a good record */
    const unsigned char v2[8] = { 2, T_BEGIN_REQUEST, 0, 1, 0, 0, 0, 0 };
    ps = fcgi_parser_new(&default_cap);
    CU_ASSERT_EQUAL(fcgi_parser_feed(ps, v2, 8, &used, &req), -1);
    fcgi_parser_free(ps);
    begin(&in, 1, ROLE_RESPONDER, KEEP_CONN);
    bytes_add(&in, v2, 8);
    ps = fcgi_parser_new(&default_cap);
    CU_ASSERT_EQUAL(fcgi_parser_feed(ps, in.p, in.len, &used, &req), -1);
    fcgi_parser_free(ps);

    /* BEGIN_REQUEST with id 0; BEGIN_REQUEST too short */
    in.len = 0;
    begin(&in, 0, ROLE_RESPONDER, KEEP_CONN);
    ps = fcgi_parser_new(&default_cap);
    CU_ASSERT_EQUAL(fcgi_parser_feed(ps, in.p, in.len, &used, &req), -1);
    fcgi_parser_free(ps);
    in.len = 0;
    rec(&in, T_BEGIN_REQUEST, 1, "\0\1\1", 3);
    ps = fcgi_parser_new(&default_cap);
    CU_ASSERT_EQUAL(fcgi_parser_feed(ps, in.p, in.len, &used, &req), -1);
    fcgi_parser_free(ps);

    /* parameters over 1 MiB in total, in records that are each within the limit: the pairs
     * before the cut are kept, the rest is read and dropped, and the request is still served
     * (marked params_truncated: the handler answers 431), not the connection closed */
    in.len = 0;
    begin(&in, 1, ROLE_RESPONDER, KEEP_CONN);
    param(&in, 1, "REQUEST_URI", "/api/v1/system/health");
    char value[8000];
    memset(value, 'v', sizeof(value) - 1);
    value[sizeof(value) - 1] = '\0';
    for (int i = 0; i < 150; i++) {   /* 150 x 8 KB: past 1 MiB */
        char nm[16];
        snprintf(nm, sizeof(nm), "HTTP_X_%d", i);
        param(&in, 1, nm, value);
    }
    rec(&in, T_PARAMS, 1, NULL, 0);
    rec(&in, T_STDIN, 1, NULL, 0);
    ps = fcgi_parser_new(&default_cap);
    CU_ASSERT_EQUAL(fcgi_parser_feed(ps, in.p, in.len, &used, &req), 1);
    CU_ASSERT_TRUE(req.params_truncated);
    CU_ASSERT_STRING_EQUAL(req.env[0], "REQUEST_URI=/api/v1/system/health");
    size_t kept = 0;
    while (req.env[kept])
        kept++;
    CU_ASSERT_TRUE(kept > 100 && kept < 150);
    /* the last pair kept is whole, not the part of one before the cut */
    CU_ASSERT_TRUE(strncmp(req.env[kept - 1], "HTTP_X_", 7) == 0 && strlen(strchr(req.env[kept - 1], '=') + 1) == sizeof(value) - 1);
    fcgi_parser_respond(ps, "Status: 431\r\n\r\n", 15);
    fcgi_parser_reset_request(ps);
    /* the next request on the connection is whole again */
    in.len = 0;
    begin(&in, 2, ROLE_RESPONDER, KEEP_CONN);
    param(&in, 2, "REQUEST_URI", "/next");
    rec(&in, T_PARAMS, 2, NULL, 0);
    rec(&in, T_STDIN, 2, NULL, 0);
    CU_ASSERT_EQUAL(fcgi_parser_feed(ps, in.p, in.len, &used, &req), 1);
    CU_ASSERT_FALSE(req.params_truncated);
    CU_ASSERT_STRING_EQUAL(req.env[0], "REQUEST_URI=/next");
    CU_ASSERT_PTR_NULL(req.env[1]);
    fcgi_parser_free(ps);

    /* a malformed pair in the parameter stream */
    in.len = 0;
    begin(&in, 1, ROLE_RESPONDER, KEEP_CONN);
    rec(&in, T_PARAMS, 1, "\x05\x01" "ab", 4);   /* announces 6 bytes, has 2 */
    rec(&in, T_PARAMS, 1, NULL, 0);
    rec(&in, T_STDIN, 1, NULL, 0);
    ps = fcgi_parser_new(&default_cap);
    CU_ASSERT_EQUAL(fcgi_parser_feed(ps, in.p, in.len, &used, &req), -1);
    fcgi_parser_free(ps);

    /* more parameters than FCGI_MAX_PARAMS (256): the first 256 are kept, the request marked */
    in.len = 0;
    begin(&in, 1, ROLE_RESPONDER, KEEP_CONN);
    for (int i = 0; i < 300; i++) {
        char nm[16];
        snprintf(nm, sizeof(nm), "P%d", i);
        param(&in, 1, nm, "v");
    }
    rec(&in, T_PARAMS, 1, NULL, 0);
    rec(&in, T_STDIN, 1, NULL, 0);
    ps = fcgi_parser_new(&default_cap);
    CU_ASSERT_EQUAL(fcgi_parser_feed(ps, in.p, in.len, &used, &req), 1);
    CU_ASSERT_TRUE(req.params_truncated);
    CU_ASSERT_STRING_EQUAL(req.env[255], "P255=v");
    CU_ASSERT_PTR_NULL(req.env[256]);
    fcgi_parser_free(ps);
    bytes_free(&in);
}

static void test_parser_abort(void)
{
    struct bytes in = { 0 }, out = { 0 };
    struct orec r[8];
    struct fcgi_request req;
    size_t used;

    /* with KEEP_CONN: END_REQUEST, and the connection goes on */
    begin(&in, 5, ROLE_RESPONDER, KEEP_CONN);
    param(&in, 5, "ABORTED", "yes");
    rec(&in, T_STDIN, 5, "part", 4);
    rec(&in, T_ABORT_REQUEST, 5, NULL, 0);
    struct fcgi_parser *ps = fcgi_parser_new(&default_cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
    CU_ASSERT_EQUAL(fcgi_parser_feed(ps, in.p, in.len, &used, &req), 0);
    CU_ASSERT_EQUAL(used, in.len);
    size_t n = out_take(ps, &out, r, 8);
    CU_ASSERT(n == 1 && is_end(&r[0], 5, 0));

    /* an abort for another id is ignored */
    in.len = 0;
    rec(&in, T_ABORT_REQUEST, 77, NULL, 0);
    CU_ASSERT_EQUAL(fcgi_parser_feed(ps, in.p, in.len, &used, &req), 0);
    n = out_take(ps, &out, r, 8);
    CU_ASSERT_EQUAL(n, 0);

    in.len = 0;
    request(&in, 6, true, basic_pairs, "hello", 5);
    CU_ASSERT_EQUAL_FATAL(fcgi_parser_feed(ps, in.p, in.len, &used, &req), 1);
    CU_ASSERT_FALSE(env_has_name(req.env, "ABORTED"));
    check_basic_request(&req);
    fcgi_parser_free(ps);

    /* without KEEP_CONN: END_REQUEST, then -1 so that the caller closes */
    in.len = 0;
    begin(&in, 9, ROLE_RESPONDER, 0);
    rec(&in, T_ABORT_REQUEST, 9, NULL, 0);
    ps = fcgi_parser_new(&default_cap);
    CU_ASSERT_EQUAL(fcgi_parser_feed(ps, in.p, in.len, &used, &req), -1);
    n = out_take(ps, &out, r, 8);
    CU_ASSERT(n == 1 && is_end(&r[0], 9, 0));
    fcgi_parser_free(ps);
    bytes_free(&in);
    bytes_free(&out);
}

static void test_parser_two_requests(void)
{
    static const char *const second[] = { "REQUEST_URI", "/second", NULL };
    struct bytes in = { 0 }, out = { 0 };
    struct orec r[8];
    request(&in, 1, true, basic_pairs, "hello", 5);
    size_t first_len = in.len;
    request(&in, 1, true, second, "world!", 6);

    struct fcgi_parser *ps = fcgi_parser_new(&default_cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
    struct fcgi_request req;
    size_t used;
    CU_ASSERT_EQUAL_FATAL(fcgi_parser_feed(ps, in.p, in.len, &used, &req), 1);
    CU_ASSERT_EQUAL(used, first_len);
    check_basic_request(&req);
    CU_ASSERT_TRUE(fcgi_parser_respond(ps, "one", 3));
    fcgi_parser_reset_request(ps);
    size_t n = out_take(ps, &out, r, 8);
    CU_ASSERT(n == 3 && is_end(&r[2], 1, 0));

    CU_ASSERT_EQUAL_FATAL(fcgi_parser_feed(ps, in.p + first_len, in.len - first_len, &used, &req), 1);
    CU_ASSERT_EQUAL(used, in.len - first_len);
    CU_ASSERT_EQUAL(env_count(req.env), 1);
    CU_ASSERT(env_has(req.env, "REQUEST_URI=/second"));
    CU_ASSERT(req.body_len == 6 && memcmp(req.body, "world!", 6) == 0);
    CU_ASSERT_TRUE(fcgi_parser_respond(ps, "two", 3));
    fcgi_parser_reset_request(ps);
    n = out_take(ps, &out, r, 8);
    CU_ASSERT(n == 3 && r[0].len == 3 && memcmp(r[0].content, "two", 3) == 0 && is_end(&r[2], 1, 0));
    fcgi_parser_free(ps);
    bytes_free(&in);
    bytes_free(&out);
}

static void test_parser_nul_in_params(void)
{
    struct bytes in = { 0 };
    begin(&in, 1, ROLE_RESPONDER, KEEP_CONN);
    param(&in, 1, "GOOD", "yes");
    param_raw(&in, 1, "BAD\0NAME", 8, "x", 1);
    param_raw(&in, 1, "BADVALUE", 8, "v\0al", 4);
    param_raw(&in, 1, "EQ=NAME", 7, "x", 1);
    param(&in, 1, "ALSO_GOOD", "a=b");
    rec(&in, T_PARAMS, 1, NULL, 0);
    rec(&in, T_STDIN, 1, NULL, 0);

    struct fcgi_parser *ps = fcgi_parser_new(&default_cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
    struct fcgi_request req;
    size_t used;
    CU_ASSERT_EQUAL_FATAL(fcgi_parser_feed(ps, in.p, in.len, &used, &req), 1);
    CU_ASSERT_EQUAL(env_count(req.env), 2);
    CU_ASSERT(env_has(req.env, "GOOD=yes"));
    CU_ASSERT(env_has(req.env, "ALSO_GOOD=a=b"));
    CU_ASSERT_FALSE(env_has_name(req.env, "BAD"));
    CU_ASSERT_FALSE(env_has_name(req.env, "BADVALUE"));
    CU_ASSERT_FALSE(env_has_name(req.env, "EQ"));
    fcgi_parser_free(ps);
    bytes_free(&in);
}

/* --- fcgi_serve over a unix socket ----------------------------------------------------------- */

#define IO_TIMEOUT_MS 5000

static const char serve_head[] = "Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n";
static size_t serve_body_cap = 1 << 20;

static void serve_handler(void *ud, struct fcgi_request *req, http_read_fn rd, void *rd_ctx,
                          http_write_fn wr, void *wr_ctx)
{
    (void)ud;
    wr(wr_ctx, serve_head, sizeof(serve_head) - 1);
    for (char **e = req->env; *e; e++)
        if (strncmp(*e, "REQUEST_URI=", 12) == 0)
            wr(wr_ctx, *e + 12, strlen(*e + 12));
    char buf[4096];
    long n;
    while ((n = rd(rd_ctx, buf, sizeof(buf))) > 0)
        wr(wr_ctx, buf, (size_t)n);
}

static void serve_on_term(int sig)
{
    (void)sig;
    fcgi_stop();
}

struct server {
    pid_t pid;
    char dir[64];
    char path[sizeof(((struct sockaddr_un *)NULL)->sun_path)];
};

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* A listening socket in a temporary directory, and a child serving it as fd 0. */
static bool server_start(struct server *s)
{
    memset(s, 0, sizeof(*s));
    s->pid = -1;
    snprintf(s->dir, sizeof(s->dir), "/tmp/portico-fcgi-XXXXXX");
    if (!mkdtemp(s->dir))
        return false;
    snprintf(s->path, sizeof(s->path), "%s/sock", s->dir);
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd < 0)
        return false;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    memcpy(sa.sun_path, s->path, strlen(s->path) + 1);
    if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 16) < 0) {
        close(lfd);
        return false;
    }
    fflush(stdout);
    fflush(stderr);
    s->pid = fork();
    if (s->pid == 0) {
        alarm(30); /* safety net: never outlive a broken test */
        struct sigaction act;
        memset(&act, 0, sizeof(act));
        act.sa_handler = serve_on_term;
        sigemptyset(&act.sa_mask);
        act.sa_flags = 0; /* no SA_RESTART */
        sigaction(SIGTERM, &act, NULL);
        if (dup2(lfd, 0) < 0)
            _exit(4);
        close(lfd);
        if (!fcgi_is_fastcgi())
            _exit(3);
        _exit(fcgi_serve(&serve_body_cap, serve_handler, NULL) == 0 ? 0 : 1);
    }
    close(lfd);
    return s->pid > 0;
}

/* SIGTERM; true when the child exits with status 0 within 5 s. */
static bool server_stop(struct server *s)
{
    bool ok = false;
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        int status = 0;
        pid_t w = 0;
        for (int i = 0; i < IO_TIMEOUT_MS / 10 && (w = waitpid(s->pid, &status, WNOHANG)) == 0; i++)
            sleep_ms(10);
        if (w == s->pid) {
            ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
            if (!ok)
                fprintf(stderr, "\n    server: %s %d\n", WIFEXITED(status) ? "exit" : "signal",
                        WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        } else {
            fprintf(stderr, "\n    server did not exit on SIGTERM\n");
            kill(s->pid, SIGKILL);
            waitpid(s->pid, &status, 0);
        }
        s->pid = -1;
    }
    if (s->path[0])
        unlink(s->path);
    if (s->dir[0])
        rmdir(s->dir);
    return ok;
}

static int client_connect(const struct server *s)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    memcpy(sa.sun_path, s->path, strlen(s->path) + 1);
    struct timeval tv = { IO_TIMEOUT_MS / 1000, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static bool send_all(int fd, const void *data, size_t n)
{
    const unsigned char *p = data;
    while (n > 0) {
        struct pollfd pfd = { .fd = fd, .events = POLLOUT };
        int pr = poll(&pfd, 1, IO_TIMEOUT_MS);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            return false;
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* 1: n bytes read; 0: end of stream before any byte; -1: error, timeout or a short read. */
static int read_exact(int fd, void *buf, size_t n)
{
    unsigned char *p = buf;
    size_t got = 0;
    while (got < n) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        int pr = poll(&pfd, 1, IO_TIMEOUT_MS);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0) {
            fprintf(stderr, "\n    no answer within %d ms\n", IO_TIMEOUT_MS);
            return -1;
        }
        ssize_t r = recv(fd, p + got, n - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            return got == 0 ? 0 : -1;
        got += (size_t)r;
    }
    return 1;
}

struct response {
    struct bytes out;      /* STDOUT content */
    size_t stdout_records; /* non-empty ones */
    bool stdout_closed;    /* the empty STDOUT came */
    bool ids_match;        /* every record had the request's id */
    int protocol_status;   /* from END_REQUEST; -1 if none */
};

/* Read records for request id up to and including its END_REQUEST. */
static bool read_response(int fd, unsigned id, struct response *r)
{
    bytes_free(&r->out);
    memset(r, 0, sizeof(*r));
    r->ids_match = true;
    r->protocol_status = -1;
    unsigned char *content = malloc(65535 + 255);
    if (!content)
        return false;
    bool ok = false;
    for (;;) {
        unsigned char h[8];
        if (read_exact(fd, h, 8) != 1 || h[0] != 1)
            break;
        size_t clen = ((size_t)h[4] << 8) | h[5], plen = h[6];
        if (read_exact(fd, content, clen + plen) != 1)
            break;
        if ((((unsigned)h[2] << 8) | h[3]) != id)
            r->ids_match = false;
        if (h[1] == T_STDOUT) {
            if (clen == 0) {
                r->stdout_closed = true;
            } else {
                bytes_add(&r->out, content, clen);
                r->stdout_records++;
            }
        } else if (h[1] == T_END_REQUEST) {
            if (clen == 8)
                r->protocol_status = content[4];
            ok = true;
            break;
        }
    }
    free(content);
    return ok;
}

static bool response_is(const struct response *r, const char *uri, const void *body, size_t body_len)
{
    size_t hl = sizeof(serve_head) - 1, ul = strlen(uri);
    bool ok = r->stdout_closed && r->ids_match && r->protocol_status == 0 &&
              r->out.len == hl + ul + body_len && memcmp(r->out.p, serve_head, hl) == 0 &&
              memcmp(r->out.p + hl, uri, ul) == 0 && memcmp(r->out.p + hl + ul, body, body_len) == 0;
    if (!ok)
        fprintf(stderr, "\n    response: %zu bytes, closed %d, ids %d, status %d\n", r->out.len,
                r->stdout_closed, r->ids_match, r->protocol_status);
    return ok;
}

/* Send a request on fd and read its answer. */
static bool roundtrip(int fd, unsigned id, bool keep, const char *uri, const char *body, struct response *r)
{
    const char *pairs[] = { "REQUEST_METHOD", "POST", "REQUEST_URI", uri, NULL };
    struct bytes q = { 0 };
    request(&q, id, keep, pairs, body, strlen(body));
    bool ok = send_all(fd, q.p, q.len) && read_response(fd, id, r) && response_is(r, uri, body, strlen(body));
    bytes_free(&q);
    return ok;
}

static void test_serve_keep_conn(void)
{
    struct server s;
    CU_ASSERT_FATAL(server_start(&s));
    struct response r = { 0 };
    int a = client_connect(&s);
    CU_ASSERT(a >= 0);
    if (a >= 0) {
        CU_ASSERT(roundtrip(a, 1, true, "/one", "abc", &r));
        CU_ASSERT(roundtrip(a, 1, true, "/two", "defg", &r));

        /* a request arriving in pieces, with pauses */
        const char *pairs[] = { "REQUEST_URI", "/three", NULL };
        struct bytes q = { 0 };
        request(&q, 2, true, pairs, "pieces", 6);
        size_t cut1 = 5, cut2 = q.len - 9;
        CU_ASSERT(send_all(a, q.p, cut1));
        sleep_ms(30);
        CU_ASSERT(send_all(a, q.p + cut1, cut2 - cut1));
        sleep_ms(30);
        CU_ASSERT(send_all(a, q.p + cut2, q.len - cut2));
        CU_ASSERT(read_response(a, 2, &r) && response_is(&r, "/three", "pieces", 6));
        bytes_free(&q);
        close(a);
    }
    bytes_free(&r.out);
    CU_ASSERT(server_stop(&s));
}

static void test_serve_idle_conn_does_not_block(void)
{
    struct server s;
    CU_ASSERT_FATAL(server_start(&s));
    struct response r = { 0 };
    int a = client_connect(&s);
    CU_ASSERT(a >= 0);
    if (a >= 0) {
        CU_ASSERT(roundtrip(a, 1, true, "/a1", "x", &r));
        /* a stays open and idle; b must be answered meanwhile */
        int b = client_connect(&s);
        CU_ASSERT(b >= 0);
        if (b >= 0) {
            CU_ASSERT(roundtrip(b, 1, true, "/b1", "y", &r));
            /* a half-sent request on b does not hold up a either */
            CU_ASSERT(send_all(b, "\x01\x01\x00\x01\x00\x08", 6));
            CU_ASSERT(roundtrip(a, 1, true, "/a2", "z", &r));
            close(b);
        }
        int c = client_connect(&s);
        CU_ASSERT(c >= 0);
        if (c >= 0) {
            CU_ASSERT(roundtrip(c, 7, false, "/c1", "", &r));
            close(c);
        }
        close(a);
    }
    bytes_free(&r.out);
    CU_ASSERT(server_stop(&s));
}

static void test_serve_close_without_keep(void)
{
    struct server s;
    CU_ASSERT_FATAL(server_start(&s));
    struct response r = { 0 };
    int a = client_connect(&s);
    CU_ASSERT(a >= 0);
    if (a >= 0) {
        CU_ASSERT(roundtrip(a, 3, false, "/once", "body", &r));
        unsigned char byte;
        CU_ASSERT_EQUAL(read_exact(a, &byte, 1), 0); /* closed by the server */
        close(a);
    }
    bytes_free(&r.out);
    CU_ASSERT(server_stop(&s));
}

static void test_serve_large(void)
{
    struct server s;
    CU_ASSERT_FATAL(server_start(&s));
    struct response r = { 0 };
    size_t big = 200000;
    char *body = malloc(big + 1);
    CU_ASSERT_FATAL(body != NULL);
    for (size_t i = 0; i < big; i++)
        body[i] = (char)('a' + (i * 31 + i / 97) % 26);
    body[big] = '\0';
    int a = client_connect(&s);
    CU_ASSERT(a >= 0);
    if (a >= 0) {
        CU_ASSERT(roundtrip(a, 1, true, "/big", body, &r));
        CU_ASSERT(r.stdout_records >= 4);
        CU_ASSERT(roundtrip(a, 1, true, "/small", "after", &r));
        close(a);
    }
    free(body);
    bytes_free(&r.out);
    CU_ASSERT(server_stop(&s));
}

static void test_serve_sigterm(void)
{
    struct server s;
    CU_ASSERT_FATAL(server_start(&s));
    struct response r = { 0 };
    int a = client_connect(&s);
    CU_ASSERT(a >= 0);
    if (a >= 0)
        CU_ASSERT(roundtrip(a, 1, true, "/idle", "", &r));
    /* SIGTERM while idle in epoll_wait with a kept connection open: returns 0 */
    sleep_ms(50);
    CU_ASSERT(server_stop(&s));
    if (a >= 0) {
        unsigned char byte;
        CU_ASSERT_EQUAL(read_exact(a, &byte, 1), 0); /* the kept connection was closed */
        close(a);
    }
    bytes_free(&r.out);
}

void suite_fcgi(void)
{
    CU_pSuite s = CU_add_suite("fcgi", NULL, NULL);
    CU_add_test(s, "parser: complete request, env, body, used", test_parser_complete);
    CU_add_test(s, "parser: one byte at a time", test_parser_byte_at_a_time);
    CU_add_test(s, "parser: long names and values (4-byte lengths)", test_parser_long_param);
    CU_add_test(s, "nv: encode/decode round trip, truncation", test_nv_roundtrip);
    CU_add_test(s, "nv: lengths over 64 KiB are malformed", test_nv_limits);
    CU_add_test(s, "parser: body over the cap is truncated", test_parser_body_cap);
    CU_add_test(s, "parser: respond frames STDOUT and END_REQUEST", test_parser_respond);
    CU_add_test(s, "parser: second request while one is open: CANT_MPX_CONN", test_parser_cant_mpx);
    CU_add_test(s, "parser: role other than responder: UNKNOWN_ROLE", test_parser_unknown_role);
    CU_add_test(s, "parser: GET_VALUES", test_parser_get_values);
    CU_add_test(s, "parser: unknown management record: UNKNOWN_TYPE", test_parser_unknown_type);
    CU_add_test(s, "parser: PARAMS/STDIN with id 0 do not feed a request", test_parser_id0_stream_records);
    CU_add_test(s, "parser: malformed streams are -1", test_parser_malformed);
    CU_add_test(s, "parser: ABORT_REQUEST", test_parser_abort);
    CU_add_test(s, "parser: two requests on one connection", test_parser_two_requests);
    CU_add_test(s, "parser: NUL or '=' in a name, NUL in a value drop the pair", test_parser_nul_in_params);
    CU_add_test(s, "serve: kept connection, several requests", test_serve_keep_conn);
    CU_add_test(s, "serve: an idle kept connection does not block others", test_serve_idle_conn_does_not_block);
    CU_add_test(s, "serve: without KEEP_CONN the connection is closed", test_serve_close_without_keep);
    CU_add_test(s, "serve: large body and response", test_serve_large);
    CU_add_test(s, "serve: SIGTERM returns 0 and closes kept connections", test_serve_sigterm);
}
