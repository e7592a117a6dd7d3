/*
 * audit: reading the audit log. Filters (actor, action, target, outcome, time range), keyset
 * pagination newest first with an opaque cursor, and export of the same query as JSON Lines or
 * CSV. Reading is itself not audited (it changes nothing); it needs audit.event.read.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/portico.h"

#define AUDIT_PAGE_DEFAULT 50
#define AUDIT_PAGE_MAX 1000

/* One query for every combination of filters: a NULL parameter switches its filter off, so
 * no SQL is ever assembled from input. */
static const char sql_events[] =
    "SELECT id, DATE_FORMAT(occurred_at, '%Y-%m-%dT%H:%i:%s.%fZ'), actor_type, actor_id, actor_name, action, "
    "       target_type, target_id, outcome, remote_addr, user_agent, request_id, details, hash "
    "FROM audit_events "
    "WHERE (? IS NULL OR id < ?) "
    "  AND (? IS NULL OR actor_name = ? OR actor_id = ?) "
    "  AND (? IS NULL OR action = ?) "
    "  AND (? IS NULL OR target_id = ?) "
    "  AND (? IS NULL OR outcome = ?) "
    "  AND (? IS NULL OR occurred_at >= ?) "
    "  AND (? IS NULL OR occurred_at < ?) "
    "ORDER BY id DESC LIMIT ?";

static const char *const columns[] = { "id", "time", "actor_type", "actor_id", "actor_name", "action",
                                       "target_type", "target_id", "outcome", "remote_addr", "user_agent",
                                       "request_id", "details", "hash" };
#define NCOLS (sizeof(columns) / sizeof(columns[0]))

/* Cursors are opaque to clients: base64url of "a1:<id>". */
/* A time filter: RFC 3339 in UTC ("2026-11-26T18:00:00Z", fraction allowed) -> DATETIME text. */
static const char *time_param(struct app_ctx *c, const char *name)
{
    const char *v = http_query(&c->req, name);
    if (!v)
        return NULL;
    int y, mo, d, h, mi, s;
    size_t len = strlen(v);
    if (len < 20 || len > 32 || sscanf(v, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6 ||
        v[len - 1] != 'Z' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) {
        problem_field(&c->problem, name, "must be an RFC 3339 time in UTC, e.g. 2026-11-26T18:00:00Z");
        return NULL;
    }
    return arena_printf(c->arena, "%04d-%02d-%02d %02d:%02d:%02d", y, mo, d, h, mi, s);
}

static const char *text_param(struct app_ctx *c, const char *name, size_t max)
{
    const char *v = http_query(&c->req, name);
    if (v && (strlen(v) == 0 || strlen(v) > max)) {
        problem_field(&c->problem, name, "must be 1 to %zu characters", max);
        return NULL;
    }
    return v;
}

static struct db_value opt(const char *s)
{
    return s ? DB_TEXTV(s) : DB_NULLV;
}

static void csv_field(struct arena *a, char **buf, size_t *len, size_t *cap, const char *s, bool last)
{
    size_t need = (s ? strlen(s) * 2 : 0) + 4;
    if (*len + need >= *cap) {
        size_t ncap = (*cap + need) * 2;
        char *nb = arena_alloc(a, ncap);
        if (!nb)
            return;
        memcpy(nb, *buf, *len);
        *buf = nb;
        *cap = ncap;
    }
    char *o = *buf + *len;
    /* Quote every field; neutralise spreadsheet formulas (a leading = + - @). */
    *o++ = '"';
    if (s && (*s == '=' || *s == '+' || *s == '-' || *s == '@'))
        *o++ = '\'';
    for (; s && *s; s++) {
        if (*s == '"')
            *o++ = '"';
        *o++ = *s;
    }
    *o++ = '"';
    *o++ = last ? '\n' : ',';
    *len = (size_t)(o - *buf);
}

static int audit_events(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    const char *format = http_query(&c->req, "format");
    long limit = app_limit(c, AUDIT_PAGE_DEFAULT, AUDIT_PAGE_MAX);
    long long before = app_cursor_id(c, "audit");

    if (format && strcmp(format, "json") != 0 && strcmp(format, "jsonl") != 0 && strcmp(format, "csv") != 0)
        problem_field(p, "format", "must be json, jsonl or csv");
    const char *actor = text_param(c, "actor", 255), *action = text_param(c, "action", 100);
    const char *target = text_param(c, "target", 255), *outcome = text_param(c, "outcome", 16);
    const char *since = time_param(c, "since"), *until = time_param(c, "until");
    if (!json_fields_ok(p))
        return -1;
    /* Reading a page is audit.event.read (the route's); taking the log away as a file is
     * audit.event.export as well, so a role can be given one without the other. */
    static const struct authz_resource nowhere = { NULL, NULL, NULL, NULL };
    bool file = format && strcmp(format, "json") != 0;
    if (file && !app_may(c, "audit.event.export", &nowhere, NULL))
        return app_refuse(c, "audit.event.export", NULL, NULL);

    const char *before_s = before > 0 ? arena_printf(c->arena, "%lld", before) : NULL;
    struct db_value v[16] = {
        opt(before_s), opt(before_s), opt(actor), opt(actor), opt(actor), opt(action), opt(action),
        opt(target), opt(target), opt(outcome), opt(outcome), opt(since), opt(since), opt(until), opt(until),
        DB_INTV(limit + 1),   /* one more than asked: is there a next page? */
    };
    struct db_result r;
    if (db_query(c->db, c->arena, sql_events, v, 16, &r, p) < 0)
        return -1;
    size_t rows = r.nrows > (size_t)limit ? (size_t)limit : r.nrows;
    const char *next = r.nrows > (size_t)limit ? app_cursor_make(c, "audit", db_cell(&r, rows - 1, 0)) : NULL;

    if (format && strcmp(format, "csv") == 0) {
        size_t cap = 4096, len = 0;
        char *buf = arena_alloc(c->arena, cap);
        for (size_t k = 0; k < NCOLS; k++)
            csv_field(c->arena, &buf, &len, &cap, columns[k], k == NCOLS - 1);
        for (size_t i = 0; i < rows; i++)
            for (size_t k = 0; k < NCOLS; k++)
                csv_field(c->arena, &buf, &len, &cap, db_cell(&r, i, k), k == NCOLS - 1);
        http_response_body(&c->res, 200, "text/csv; charset=utf-8", buf, len);
        if (next)
            http_response_header(&c->res, "X-Next-Cursor", next);
        http_response_header(&c->res, "Content-Disposition", "attachment; filename=\"audit.csv\"");
        return 0;
    }

    json_object *events = json_object_new_array();
    for (size_t i = 0; i < rows; i++) {
        json_object *e = json_object_new_object();
        for (size_t k = 0; k < NCOLS; k++) {
            const char *val = db_cell(&r, i, k);
            json_object *jv = NULL;
            if (k == 0)
                jv = json_object_new_int64(strtoll(val, NULL, 10));
            else if (k == 12 && val)
                jv = json_tokener_parse(val);   /* details are stored as a JSON object */
            else if (val)
                jv = json_object_new_string(val);
            json_object_object_add(e, columns[k], jv);
        }
        json_object_array_add(events, e);
    }
    if (format && strcmp(format, "jsonl") == 0) {
        size_t cap = 4096 + rows * 512, len = 0;
        char *buf = arena_alloc(c->arena, cap);
        for (size_t i = 0; buf && i < rows; i++) {
            size_t n;
            const char *line = json_object_to_json_string_length(json_object_array_get_idx(events, i),
                                                                 JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
            if (len + n + 2 > cap) {
                size_t ncap = (cap + n) * 2;
                char *nb = arena_alloc(c->arena, ncap);
                if (!nb)
                    break;
                memcpy(nb, buf, len);
                buf = nb;
                cap = ncap;
            }
            memcpy(buf + len, line, n);
            len += n;
            buf[len++] = '\n';
        }
        json_object_put(events);
        http_response_body(&c->res, 200, "application/x-ndjson", buf, len);
        if (next)
            http_response_header(&c->res, "X-Next-Cursor", next);
        return 0;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "events", events);
    json_object_object_add(o, "next_cursor", next ? json_object_new_string(next) : NULL);
    return app_json(c, 200, o);
}

static const struct route audit_routes[] = {
    { "GET", "/api/v1/audit/events", "audit.event.read", audit_events, 0,
      "Audit events",
      "Newest first. Filters: actor (name or id), action, target (id), outcome, since and until "
      "(RFC 3339, UTC). limit 1..1000 (50), cursor from next_cursor. format=jsonl or csv exports "
      "the same page (the next cursor is then in X-Next-Cursor); exporting also needs audit.event.export." },
};

static const struct app audit_app = { "audit", audit_routes, sizeof(audit_routes) / sizeof(audit_routes[0]), NULL };

int main(int argc, char **argv)
{
    return app_main(&audit_app, argc, argv);
}
