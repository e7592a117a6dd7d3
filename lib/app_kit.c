/*
 * app_kit: the handler kit (app.h): permission checks on a resource and refusals in words, the
 * query's numbers and the route's declared checks, one paging contract (limit, cursors, pages),
 * path ids, rows as JSON, and the end of a change (audited with it). app.c is the request's
 * lifecycle around the handler and calls app_query_check; the kit calls nothing of app.c.
 */
#include "app.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "json.h"

int app_status(struct app_ctx *c, int status, const char *word)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_string(word));
    return app_json(c, status, o);
}

const char *app_param(const struct app_ctx *c, const char *name)
{
    return router_param(&c->match, name);
}

/* ---- the handler kit ------------------------------------------------------------------------ */

bool app_may(const struct app_ctx *c, const char *permission, const struct authz_resource *res,
             struct authz_decision *d)
{
    return authz_check(&c->grants, permission, res, d) && authn_token_allows(&c->who, permission);
}

static bool resource_none(const struct authz_resource *r)
{
    return !r || (!r->owner_team && !r->entity);
}

int app_refuse(struct app_ctx *c, const char *permission, const struct authz_resource *res,
               const struct authz_decision *d)
{
    struct problem *p = &c->problem;
    const char *verb = authz_permission_verb(permission), *object = authz_permission_object(permission);
    const char *role = authz_permission_least_role(permission);
    bool global = authz_permission_global(permission) || resource_none(res);
    static const struct authz_resource nowhere = { NULL, NULL, NULL, NULL };
    struct authz_decision mine;
    if (!d) {
        authz_check(&c->grants, permission, global && authz_permission_global(permission) ? &nowhere : res, &mine);
        d = &mine;
    }
    /* where, in words: "team platform's secrets", "secrets of component:default/x" */
    const char *what;
    if (global)
        what = object;
    else if (res->entity && strncmp(permission, "catalog.", 8) == 0)
        what = res->entity;   /* the entity is the thing itself */
    else if (res->entity)
        what = arena_printf(c->arena, "%s of %s", object, res->entity);
    else
        what = arena_printf(c->arena, "team %s's %s", res->owner_team, object);
    const char *owner = !global && res->entity && res->owner_team ? arena_printf(c->arena, " (owned by team %s)", res->owner_team) : "";
    const char *place = global ? (authz_permission_global(permission) ? "everywhere" : "on a team")
                       : res->owner_team ? arena_printf(c->arena, "on team %s", res->owner_team)
                                         : arena_printf(c->arena, "on %s", res->entity);
    if (d->binding && !d->policy && !authn_token_allows(&c->who, permission))
        problem_set(p, 403, "forbidden", "this token may not %s %s: its scopes leave out %s", verb, object, permission);
    else if (d->policy)
        problem_set(p, 403, "forbidden", "policy %s does not let you %s %s%s", d->policy->name, verb, what, owner);
    else if (role)
        problem_set(p, 403, "forbidden", "you can't %s %s%s: it takes %s or above %s", verb, what, owner, role, place);
    else
        problem_set(p, 403, "forbidden", "you can't %s %s%s", verb, what, owner);
    p->permission = permission;
    p->permission_text = arena_printf(c->arena, "%s %s", verb, object);
    if (global && !authz_permission_global(permission)) {
        /* the route-level question (held nowhere at all): no one place to name */
    } else if (global) {
        snprintf(p->scope_type, sizeof(p->scope_type), "global");
    } else if (res->entity) {
        snprintf(p->scope_type, sizeof(p->scope_type), "entity");
        snprintf(p->scope_id, sizeof(p->scope_id), "%s", res->entity);
        if (res->owner_team)
            snprintf(p->owner_team, sizeof(p->owner_team), "%s", res->owner_team);
    } else {
        snprintf(p->scope_type, sizeof(p->scope_type), "team");
        snprintf(p->scope_id, sizeof(p->scope_id), "%s", res->owner_team);
    }
    if (role && !d->policy)
        snprintf(p->needed, sizeof(p->needed), "%s %s", role, place);
    return -1;
}

long long app_query_int(struct app_ctx *c, const char *name, long long def, long long min, long long max)
{
    const char *s = http_query(&c->req, name);
    if (!s)
        return def;
    long long v = 0;
    size_t i = 0;
    for (; s[i] >= '0' && s[i] <= '9' && i < 18; i++)
        v = v * 10 + (s[i] - '0');
    if (i == 0 || s[i] || v < min || v > max) {
        problem_field(&c->problem, name, "must be a whole number from %lld to %lld", min, max);
        return def;
    }
    return v;
}

long app_limit(struct app_ctx *c)
{
    struct route_query q;
    if (!router_query_find(c->match.route, "limit", &q) || q.type != RQ_INT) {
        problem_set(&c->problem, 500, "internal", "the route declares no limit");
        return 1;
    }
    return (long)app_query_int(c, "limit", q.def, q.min, q.max);
}

/* The route's declared query parameters that have a type to check (int, bool, enum): each given
 * one checked, a field error for each that is malformed. 0, or -1 with a 422. */
int app_query_check(struct app_ctx *c, const struct route *r)
{
    struct route_query q;
    char err[128];
    size_t at = 0;
    while (r->query && router_query_next(r->query, &at, &q, err, sizeof(err)) == 1) {
        const char *v = http_query(&c->req, q.name);
        if (!v)
            continue;
        if (q.type == RQ_INT) {
            app_query_int(c, q.name, 0, q.min, q.max);
        } else if (q.type == RQ_BOOL) {
            if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
                problem_field(&c->problem, q.name, "must be true or false");
        } else if (q.type == RQ_ENUM) {
            bool ok = false;
            size_t n = strlen(v);
            for (const char *s = q.choices; *s && !ok;) {
                size_t k = strcspn(s, "|");
                ok = k == n && strncmp(s, v, n) == 0;
                s += k + (s[k] == '|');
            }
            if (!ok) {
                char words[sizeof(q.choices) * 2];
                size_t w = 0;
                for (const char *s = q.choices; *s && w + 3 < sizeof(words); s++)
                    if (*s == '|') {
                        words[w++] = ',';
                        words[w++] = ' ';
                    } else {
                        words[w++] = *s;
                    }
                words[w] = '\0';
                problem_field(&c->problem, q.name, "must be one of %s", words);
            }
        }
    }
    return json_fields_ok(&c->problem) ? 0 : -1;
}

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

int app_audited(struct app_ctx *c, const char *action, const char *target_type, const char *target_id,
                const char *details)
{
    struct audit_event ev = app_audit_event(c, action, "success");
    ev.target_type = target_type;
    ev.target_id = target_id;
    ev.details = details;
    return audit_commit(c->db, c->arena, &ev, &c->problem);
}

int app_audited_json(struct app_ctx *c, const char *action, const char *target_type, const char *target_id,
                     json_object *details)
{
    const char *text = details ? app_json_text(c, details) : NULL;
    json_object_put(details);
    if (details && !text) {
        db_abort(c->db);
        return problem_set(&c->problem, 500, "internal", "out of memory");
    }
    return app_audited(c, action, target_type, target_id, text);
}

static void json_release(void *o)
{
    json_object_put(o);
}

json_object *app_keep(struct app_ctx *c, json_object *o)
{
    if (!o)
        return NULL;
    return arena_defer(c->arena, json_release, o) < 0 ? NULL : o;
}

const char *app_json_text(struct app_ctx *c, json_object *o)
{
    return arena_strdup(c->arena, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
}

json_object *app_rows_json(const struct db_result *r, size_t nrows, const char *types)
{
    json_object *list = json_object_new_array();
    for (size_t i = 0; i < nrows && i < r->nrows; i++) {
        json_object *o = json_object_new_object();
        for (size_t k = 0; k < r->ncols && types[k]; k++) {
            const char *v = db_cell(r, i, k);
            json_object *j = NULL;
            if (v && types[k] == 'i')
                j = json_object_new_int64(strtoll(v, NULL, 10));
            else if (v && types[k] == 'b')
                j = json_object_new_boolean(strcmp(v, "0") != 0);
            else if (v && types[k] == 'j')
                j = json_tokener_parse(v);
            else if (v || types[k] == 's')
                j = json_object_new_string(v ? v : "");
            json_object_object_add(o, r->names[k], j);
        }
        json_object_array_add(list, o);
    }
    return list;
}
