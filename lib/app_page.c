/*
 * app_page: the handler kit's lists — cursors (opaque, tagged by list, base64url), the path's ids,
 * and pages of rows (app.h). Split from app.c, which keeps the request's lifecycle.
 */
#include "app.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define CURSOR_KEY_MAX 512

const char *app_cursor_make(struct app_ctx *c, const char *tag, const char *key)
{
    const char *raw = arena_printf(c->arena, "%s:%s", tag, key);
    size_t n = strlen(raw), len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = arena_alloc(c->arena, len);
    if (out)
        sodium_bin2base64(out, len, (const unsigned char *)raw, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

const char *app_cursor(struct app_ctx *c, const char *tag)
{
    const char *s = http_query(&c->req, "cursor");
    if (!s)
        return NULL;
    size_t tl = strlen(tag), sl = strlen(s), n = 0;
    unsigned char *raw = sl <= sodium_base64_ENCODED_LEN(CURSOR_KEY_MAX + 32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)
                             ? arena_alloc(c->arena, sl + 1) : NULL;
    if (!raw || sodium_base642bin(raw, sl, s, sl, NULL, &n, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        n <= tl + 1 || memcmp(raw, tag, tl) != 0 || raw[tl] != ':' || memchr(raw, '\0', n)) {
        problem_field(&c->problem, "cursor", "is not a cursor of this list (give back a next_cursor it answered)");
        return NULL;
    }
    raw[n] = '\0';
    return (const char *)raw + tl + 1;
}

long long app_cursor_id(struct app_ctx *c, const char *tag)
{
    const char *key = app_cursor(c, tag);
    if (!key)
        return 0;
    char *end;
    long long id = strtoll(key, &end, 10);
    if (*end || id <= 0 || key[0] < '0' || key[0] > '9') {
        problem_field(&c->problem, "cursor", "is not a cursor of this list (give back a next_cursor it answered)");
        return 0;
    }
    return id;
}

long long app_path_id(const struct app_ctx *c, const char *name)
{
    const char *s = app_param(c, name);
    /* one spelling of an id: digits, no sign, space or leading zero ("01" names nothing) */
    if (!s || !*s || strlen(s) > 18 || s[0] == '0')
        return 0;
    long long v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        v = v * 10 + (*s - '0');
    }
    return v;
}

int app_page(struct app_ctx *c, json_object *o, const char *member, const struct db_result *r, long limit,
             size_t key_col, const char *types, const char *tag)
{
    bool more = r->nrows > (size_t)limit;
    size_t rows = more ? (size_t)limit : r->nrows;
    if (!o)
        o = json_object_new_object();
    json_object_object_add(o, member, app_rows_json(r, rows, types));
    const char *next = more && rows > 0 ? app_cursor_make(c, tag, db_cell(r, rows - 1, key_col)) : NULL;
    json_object_object_add(o, "next_cursor", json_string_or_null(next));
    return app_json(c, 200, o);
}

int app_page_kept(struct app_ctx *c, json_object *o, const char *member, const struct db_result *r, long limit,
                  size_t scan, size_t key_col, const char *types, const char *tag,
                  bool (*keep)(struct app_ctx *c, const struct db_result *r, size_t i, void *ctx), void *ctx)
{
    json_object *list = json_object_new_array();
    const char *next = NULL;
    for (size_t i = 0; i < r->nrows && !next; i++) {
        if (!keep(c, r, i, ctx))
            continue;
        if (json_object_array_length(list) == (size_t)limit) {   /* one more than the page: a next one */
            next = db_cell(r, i - 1, key_col);
            break;
        }
        struct db_result one = *r;
        one.cells = r->cells + i * r->ncols;
        one.nrows = 1;
        json_object *rows = app_rows_json(&one, 1, types);
        json_object_array_add(list, json_object_get(json_object_array_get_idx(rows, 0)));
        json_object_put(rows);
    }
    if (!next && r->nrows == scan && r->nrows > 0)   /* the scan's bound, not the end: go on after it */
        next = db_cell(r, r->nrows - 1, key_col);
    if (!o)
        o = json_object_new_object();
    json_object_object_add(o, member, list);
    json_object_object_add(o, "next_cursor", json_string_or_null(next ? app_cursor_make(c, tag, next) : NULL));
    return app_json(c, 200, o);
}

int app_page_array(struct app_ctx *c, json_object *o, const char *member, json_object *list, long limit,
                   const char *key, const char *tag)
{
    size_t n = json_object_array_length(list);
    const char *next = NULL;
    if (n > (size_t)limit && limit > 0) {
        json_object *k = json_object_object_get(json_object_array_get_idx(list, (size_t)limit - 1), key);
        next = app_cursor_make(c, tag, json_object_get_string(k));
        json_object_array_del_idx(list, (size_t)limit, n - (size_t)limit);
    }
    if (!o)
        o = json_object_new_object();
    json_object_object_add(o, member, list);
    json_object_object_add(o, "next_cursor", json_string_or_null(next));
    return app_json(c, 200, o);
}

