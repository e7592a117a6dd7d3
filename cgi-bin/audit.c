/*
 * audit: reading the audit log. Filters (actor, action, target, outcome, time range), keyset
 * pagination newest first with an opaque cursor, and export of the same query as JSON Lines or
 * CSV. Reading is itself not audited (it changes nothing); it needs audit.event.read. And the
 * activity on the caller's own things (Home's feed), which needs no audit permission: below.
 */
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/portico.h"


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

/* The first rows of r (sql_events' columns) as AuditEvent objects. */
static json_object *events_json(const struct db_result *r, size_t rows)
{
    json_object *events = json_object_new_array();
    for (size_t i = 0; i < rows; i++) {
        json_object *e = json_object_new_object();
        for (size_t k = 0; k < NCOLS; k++) {
            const char *val = db_cell(r, i, k);
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
    return events;
}

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
    size_t need = (s ? strlen(s) * 2 : 0) + 5;
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
    /* Quote every field; neutralise spreadsheet formulas (OWASP CSV injection): a cell that
     * starts with = + - @, TAB, CR or LF gets a leading ', so a spreadsheet shows it as text.
     * Anyone can put such text in the log: the name typed at a failed login is recorded. */
    *o++ = '"';
    if (s && *s && strchr("=+-@\t\r\n", *s))
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
    long limit = app_limit(c);
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

    json_object *events = events_json(&r, rows);
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
    json_object_object_add(o, "next_cursor", json_string_or_null(next));
    return app_json(c, 200, o);
}

/* ---- activity on my things ----------------------------------------------------------------------
 *
 * What the portal's Home shows as recent activity: the latest events whose target is a thing of
 * the caller's teams (catalog entities they own, naming them as owner: not the teams' own Groups,
 * which Portico rewrites at every membership change; their secrets, resources, requests and the jobs
 * of those resources, templates they own), or a request or resource the caller made. Each kind
 * counts only for the teams where the caller may read that kind (a member who may read the
 * catalog but not secrets sees no secret's event); ownership is as it is now, so an entity given
 * to another team takes its history with it. The events are those of the last ACTIVITY_DAYS.
 *
 * The query is one branch per kind, each a keyset range read newest first through the index on
 * (target_type, target_id, id) from the owning rows (a team's entities, resources, ...), joined
 * and cut to the page: the work grows with what the caller's teams own, not with the log.
 * Measured at 100,000 entities (200 teams) and 1.2 million events: 13 ms for two teams' 1,068
 * entities, 1-8 ms for the other branches. */

#define ACTIVITY_DAYS 90
/* A row's id as the events' target_id is written, in that column's collation (the connection's
 * would not compare with it, and the index on it would not serve). */
#define ID_TEXT(col) "CAST(" col " AS CHAR CHARACTER SET utf8mb4) COLLATE utf8mb4_unicode_ci"

struct activity {
    struct app_ctx *c;
    const char *sql;          /* the branches so far, joined by UNION ALL ("" for none) */
    struct db_value *v;
    size_t n, cap;
    long long before, floor;  /* ids below the cursor, and from the window's first event */
    long limit;
};

/* The caller's teams (its own and those above them) where it may use permission. */
static const char **activity_teams(struct app_ctx *c, const char *permission, size_t *n)
{
    size_t all = 0;
    while (c->grants.teams && c->grants.teams[all])
        all++;
    const char **out = arena_calloc(c->arena, all + 1, sizeof(*out));
    *n = 0;
    for (size_t i = 0; out && i < all; i++) {
        struct authz_resource res = { c->grants.teams[i], NULL, NULL, NULL };
        if (app_may(c, permission, &res, NULL))
            out[(*n)++] = c->grants.teams[i];
    }
    return out;
}

/* "?, ?, ?" for n values. */
static const char *marks(struct app_ctx *c, size_t n)
{
    const char *m = "";
    for (size_t i = 0; i < n; i++)
        m = arena_printf(c->arena, "%s%s?", m, i ? ", " : "");
    return m;
}

static void push(struct activity *a, struct db_value v)
{
    if (a->n < a->cap)
        a->v[a->n++] = v;
}

static void push_texts(struct activity *a, const char **s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        push(a, (struct db_value)DB_TEXTV(s[i]));
}

/* s as a LIKE pattern (ESCAPE '!') matching itself and what follows ("team/a_b/" -> "team/a!_b/%"). */
static const char *like_prefix(struct app_ctx *c, const char *s)
{
    const char *p = db_like(c->arena, s, strlen(s), false);
    return p ? p : "";
}

/* A branch: select (the event's id and the owning team) from where, values pushed already; the
 * page's bounds are added here. */
static void branch(struct activity *a, const char *select_from_where)
{
    a->sql = arena_printf(a->c->arena, "%s%s(%s AND a.id < ? AND a.id >= ? ORDER BY a.id DESC LIMIT ?)", a->sql,
                          *a->sql ? " UNION ALL " : "", select_from_where);
    push(a, (struct db_value)DB_INTV(a->before));
    push(a, (struct db_value)DB_INTV(a->floor));
    push(a, (struct db_value)DB_INTV(a->limit + 1));
}

/* A token kept to some secret paths sees the events of those only. */
static const char *secret_paths_where(struct activity *a)
{
    const char *const *paths = a->c->who.secret_paths;
    if (!paths)
        return "";
    const char *w = "FALSE";
    for (size_t i = 0; paths[i]; i++) {
        w = arena_printf(a->c->arena, "%s OR a.target_id = ? OR a.target_id LIKE ? ESCAPE '!'", w);
        push(a, (struct db_value)DB_TEXTV(paths[i]));
        push(a, (struct db_value)DB_TEXTV(like_prefix(a->c, arena_printf(a->c->arena, "%s/", paths[i]))));
    }
    return arena_printf(a->c->arena, " AND (%s)", w);
}

/* "r.team IN (...) OR <own>", or either alone: a request's or resource's owners, and its requester
 * (whose own rows need no binding, as when read one by one; a token still needs the permission
 * among its scopes). NULL for neither. */
static const char *owned_or_own(struct activity *a, const char *permission, const char **teams, size_t n, const char *own,
                                struct db_value me)
{
    bool self = authn_token_allows(&a->c->who, permission);
    push_texts(a, teams, n);
    if (self)
        push(a, me);
    if (!n)
        return self ? own : NULL;
    const char *in = arena_printf(a->c->arena, "r.team IN (%s)", marks(a->c, n));
    return self ? arena_printf(a->c->arena, "(%s OR %s)", in, own) : in;
}

static int audit_activity(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    long limit = app_limit(c);
    long long cursor = app_cursor_id(c, "activity");
    if (!json_fields_ok(p))
        return -1;
    if (authn_grants(c->db, c->arena, &c->who, c->rules, c->epoch, &c->grants, p) < 0)
        return -1;
    /* the window: from the first event of the last ACTIVITY_DAYS (one row of the time index) */
    struct db_result w;
    struct db_value days = DB_INTV(ACTIVITY_DAYS);
    if (db_query(c->db, c->arena, "SELECT id FROM audit_events WHERE occurred_at >= UTC_TIMESTAMP(6) - INTERVAL ? DAY "
                                  "ORDER BY occurred_at LIMIT 1", &days, 1, &w, p) < 0)
        return -1;
    struct activity a = { c, "", NULL, 0, DB_PARAMS_MAX, cursor ? cursor : LLONG_MAX,
                          w.nrows ? atoll(db_cell(&w, 0, 0)) : 0, limit };
    if (!(a.v = arena_calloc(c->arena, a.cap, sizeof(*a.v))))
        return problem_set(p, 500, "internal", "out of memory");

    size_t ne, ns, nr, nq, nt;
    const char **entities = activity_teams(c, "catalog.entity.read", &ne);
    const char **secrets = activity_teams(c, "secrets.secret.read", &ns);
    const char **resources = activity_teams(c, "provision.resource.read", &nr);
    const char **requests = activity_teams(c, "provision.request.read", &nq);
    const char **templates = activity_teams(c, "templates.template.read", &nt);
    if (!entities || !secrets || !resources || !requests || !templates)
        return problem_set(p, 500, "internal", "out of memory");
    if (w.nrows) {
        struct db_value me = DB_TEXTV(c->who.username), my_id = DB_INTV(c->who.user_id);
        if (ne) {
            push_texts(&a, entities, ne);
            branch(&a, arena_printf(c->arena, "SELECT a.id, e.owner_team AS team FROM entities e JOIN audit_events a ON "
                                              "a.target_type = 'entity' AND a.target_id = e.ref WHERE e.owner_team IN (%s) "
                                              "AND e.owner_ref IS NOT NULL",
                                    marks(c, ne)));
        }
        if (ns) {
            /* a team's secrets by their paths' start (so a removed one's events stay), an entity's
             * by the team that holds the secret (lib/secrets.h, secrets_scope) */
            const char *any = "FALSE";
            for (size_t i = 0; i < ns; i++) {
                any = arena_printf(c->arena, "%s OR a.target_id LIKE ? ESCAPE '!'", any);
                push(&a, (struct db_value)DB_TEXTV(like_prefix(c, arena_printf(c->arena, "team/%s/", secrets[i]))));
            }
            const char *paths = secret_paths_where(&a);
            branch(&a, arena_printf(c->arena, "SELECT a.id, SUBSTRING_INDEX(SUBSTRING_INDEX(a.target_id, '/', 2), '/', -1) "
                                              "AS team FROM audit_events a FORCE INDEX (audit_by_target) WHERE "
                                              "a.target_type = 'secret' AND (%s)%s", any, paths));
            push_texts(&a, secrets, ns);
            paths = secret_paths_where(&a);
            branch(&a, arena_printf(c->arena, "SELECT a.id, s.team FROM secrets s JOIN audit_events a ON a.target_type = "
                                              "'secret' AND a.target_id = s.path WHERE s.team IN (%s) AND s.scope_type = "
                                              "'entity'%s",
                                    marks(c, ns), paths));
        }
        const char *own = owned_or_own(&a, "provision.resource.read", resources, nr, "r.requester = ?", me);
        if (own)
            branch(&a, arena_printf(c->arena, "SELECT a.id, r.team FROM resources r JOIN audit_events a ON a.target_type = "
                                              "'resource' AND a.target_id = " ID_TEXT("r.id") " WHERE %s", own));
        if (own && (own = owned_or_own(&a, "provision.resource.read", resources, nr, "r.requester = ?", me)))
            branch(&a, arena_printf(c->arena, "SELECT a.id, r.team FROM resources r JOIN jobs j ON j.resource_id = r.id "
                                              "JOIN audit_events a ON a.target_type = 'job' AND a.target_id = "
                                              ID_TEXT("j.id") " WHERE %s", own));
        if ((own = owned_or_own(&a, "provision.request.read", requests, nq, "r.requester_id = ?", my_id)))
            branch(&a, arena_printf(c->arena, "SELECT a.id, r.team FROM provision_requests r JOIN audit_events a ON "
                                              "a.target_type = 'provision_request' AND a.target_id = " ID_TEXT("r.id")
                                              " WHERE %s", own));
        if (nt) {
            /* a version's events (trust too) name it name@version; trust before migration 0023 named the template */
            push_texts(&a, templates, nt);
            branch(&a, arena_printf(c->arena, "SELECT a.id, t.owner_team AS team FROM templates t JOIN template_versions v "
                                              "ON v.template_id = t.id JOIN audit_events a ON a.target_type = 'template' AND "
                                              "a.target_id = CONCAT(t.name, '@', v.version) WHERE t.owner_team IN (%s)",
                                    marks(c, nt)));
            push_texts(&a, templates, nt);
            branch(&a, arena_printf(c->arena, "SELECT a.id, t.owner_team AS team FROM templates t JOIN audit_events a ON "
                                              "a.target_type = 'template' AND a.target_id = t.name WHERE t.owner_team IN (%s)",
                                    marks(c, nt)));
        }
    }
    if (a.n >= a.cap)
        return problem_set(p, 422, "too-many-scopes", "you are in more teams than one query can hold");
    struct db_result r = { 0 };
    if (*a.sql) {
        push(&a, (struct db_value)DB_INTV(limit + 1));
        const char *sql = arena_printf(c->arena,
            "SELECT a.id, " DB_RFC3339_PRINTF("a.occurred_at") " AS time, a.actor_type, a.actor_name, a.action, "
            "a.target_type, a.target_id, a.outcome, u.team FROM (%s) u JOIN audit_events a ON a.id = u.id "
            "ORDER BY a.id DESC LIMIT ?", a.sql);
        if (db_query(c->db, c->arena, sql, a.v, a.n, &r, p) < 0)
            return -1;
    }
    return app_page(c, NULL, "events", &r, limit, 0, "isssssssn", "activity");
}

/* ---- what happened to request X ----------------------------------------------------------------- */

#define REQUEST_LOG_SCAN (8u << 20)   /* the last 8 MiB of this host's log are searched */
#define REQUEST_LOG_LINES 200

struct found_lines {
    json_object *lines;
    char trace_id[33];
    const char *request_id;
};

static void found_line(const char *line, size_t len, void *ctx)
{
    struct found_lines *f = ctx;
    json_object *o = json_tokener_parse(line);
    (void)len;
    if (!json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        return;   /* not one of our lines */
    }
    json_object *v;
    if (!f->trace_id[0] && json_object_object_get_ex(o, "request_id", &v) &&
        strcmp(json_object_get_string(v), f->request_id) == 0 && json_object_object_get_ex(o, "trace_id", &v))
        snprintf(f->trace_id, sizeof(f->trace_id), "%s", json_object_get_string(v));
    json_object_array_add(f->lines, o);
}

static bool request_id_ok(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= 64 && strspn(s, "0123456789abcdefABCDEFghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ-_@") == n;
}

static int audit_request(struct app_ctx *c)
{
    const char *id = app_param(c, "request_id");
    if (!request_id_ok(id))
        return problem_set(&c->problem, 404, "not-found", "no request %.64s is known: a request id is what X-Request-Id said", id);
    /* the audit events it wrote, and the jobs and deploys it queued */
    struct db_value rid = DB_TEXTV(id);
    struct db_result ev, jobs, deploys;
    static const char sql[] =
        "SELECT id, DATE_FORMAT(occurred_at, '%Y-%m-%dT%H:%i:%s.%fZ'), actor_type, actor_id, actor_name, action, "
        "       target_type, target_id, outcome, remote_addr, user_agent, request_id, details, hash "
        "FROM audit_events WHERE request_id = ? ORDER BY id LIMIT 200";
    if (db_query(c->db, c->arena, sql, &rid, 1, &ev, &c->problem) < 0 ||
        db_query(c->db, c->arena,
                 "SELECT j.id, j.kind, j.state, j.resource_id, r.name AS resource, r.team, j.attempts, "
                 DB_RFC3339("j.created_at") " AS created_at, j.traceparent FROM jobs j JOIN resources r ON r.id = "
                 "j.resource_id WHERE j.request_id = ? ORDER BY j.id LIMIT 100", &rid, 1, &jobs, &c->problem) < 0 ||
        db_query(c->db, c->arena,
                 "SELECT id, entity_ref, environment, version, state, " DB_RFC3339("created_at") " AS created_at, "
                 "traceparent FROM cicd_deploys WHERE request_id = ? ORDER BY id LIMIT 100", &rid, 1, &deploys,
                 &c->problem) < 0)
        return -1;
    /* this host's log lines: the request's own, then every line of its trace */
    struct found_lines f = { json_object_new_array(), "", id };
    const char *needle = arena_printf(c->arena, "\"request_id\":\"%s\"", id);
    long scanned = log_search(c->cfg->log_file, &needle, 1, REQUEST_LOG_SCAN, REQUEST_LOG_LINES, found_line, &f);
    const char *kept = jobs.nrows ? db_cell(&jobs, 0, 8) : deploys.nrows ? db_cell(&deploys, 0, 6) : NULL;
    if (!f.trace_id[0] && kept && strlen(kept) == TRACE_HEADER_LEN)
        snprintf(f.trace_id, sizeof(f.trace_id), "%.32s", kept + 3);
    if (f.trace_id[0] && scanned >= 0) {
        json_object_put(f.lines);
        f.lines = json_object_new_array();
        const char *needles[2] = { needle, arena_printf(c->arena, "\"trace_id\":\"%s\"", f.trace_id) };
        scanned = log_search(c->cfg->log_file, needles, 2, REQUEST_LOG_SCAN, REQUEST_LOG_LINES, found_line, &f);
    }
    app_keep(c, f.lines);
    if (!ev.nrows && !jobs.nrows && !deploys.nrows && !json_object_array_length(f.lines))
        return problem_set(&c->problem, 404, "not-found",
                           "nothing is known of request %s: no audit event, job or deploy names it, and the last %u MiB "
                           "of this host's log do not", id, REQUEST_LOG_SCAN >> 20);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "request_id", json_object_new_string(id));
    json_object_object_add(o, "trace_id", f.trace_id[0] ? json_object_new_string(f.trace_id) : NULL);
    json_object_object_add(o, "events", events_json(&ev, ev.nrows));
    json_object_object_add(o, "jobs", app_rows_json(&jobs, jobs.nrows, "ississisn"));
    json_object_object_add(o, "deploys", app_rows_json(&deploys, deploys.nrows, "isssssn"));
    json_object_object_add(o, "log", json_object_get(f.lines));
    json_object_object_add(o, "log_searched_bytes", json_object_new_int64(scanned > 0 ? scanned : 0));
    return app_json(c, 200, o);
}

static const struct route audit_routes[] = {
    { "GET", "/api/v1/audit/events", "audit.event.read", audit_events, 0,
      "Audit events",
      "Newest first. Filters: actor (name or id), action, target (id), outcome, since and until "
      "(RFC 3339, UTC). limit 1..1000 (50), cursor from next_cursor. format=jsonl or csv exports "
      "the same page (the next cursor is then in X-Next-Cursor); exporting also needs audit.event.export.",
      "limit:int(1..1000,50) cursor:cursor format:enum(json|jsonl|csv) actor:string(255) action:string(100) "
      "target:string(255) outcome:string(16) since:string(64) until:string(64)",
      NULL, "200 events:[AuditEvent] next_cursor?:string" },
    { "GET", "/api/v1/audit/requests/{request_id}", "audit.event.read", audit_request, 0,
      "What happened to a request",
      "Everything known of one request by its X-Request-Id: the audit events it wrote, the jobs and deploys it "
      "queued (with the trace they carry on), and this host's log lines of it and of its trace (W3C traceparent: "
      "other requests of the same trace, from the last 8 MiB of log_file). 404 when none of these names it.",
      NULL, NULL,
      "200 request_id:string trace_id?:string events:[AuditEvent] jobs:[{id:int kind:string state:string "
      "resource_id:int resource:string team:string attempts:int created_at:string traceparent?:string}] "
      "deploys:[{id:int entity_ref:string environment:string version:string state:string created_at:string "
      "traceparent?:string}] log:[object] log_searched_bytes:int" },
    { "GET", "/api/v1/audit/activity", PERM_AUTHENTICATED, audit_activity, 0,
      "Recent activity on my things",
      "Events of the last 90 days, newest first, whose target is a thing of the caller's teams (its teams and those "
      "above them) that the caller may read: catalog entities they own (catalog.entity.read), their secrets "
      "(secrets.secret.read; a token kept to secret_paths sees those only), resources, the jobs of those resources "
      "(provision.resource.read) and requests (provision.request.read), templates they own (templates.template.read); "
      "and the requests and resources the caller made (a token: within its scopes). Ownership is as it is now. "
      "{events: [{id, time, actor_type, actor_name, action, target_type, target_id, outcome, team}], next_cursor}; "
      "limit 1..100 (20), cursor from next_cursor. Needs no audit permission: it never shows another team's things, "
      "addresses or user agents.",
      "limit:int(1..100,20) cursor:cursor",
      NULL, "200 events:[Activity] next_cursor?:string" },
};

static const struct app audit_app = { "audit", audit_routes, sizeof(audit_routes) / sizeof(audit_routes[0]), NULL };

int main(int argc, char **argv)
{
    return app_main(&audit_app, argc, argv);
}
