/*
 * app: the request's lifecycle (configuration, identity, rate limits, routing, bodies, the
 * declared query's checks, the denial's audit, the request's metrics and trace) and the handler
 * kit (app.h); its lists' cursors and pages are lib/app_page.c. The FastCGI and CGI loops that
 * call app_serve are lib/app_main.c.
 */
#include "app.h"

#include <signal.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "addrlist.h"
#include "audit.h"
#include "fcgi.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "ratelimit.h"
#include "monotime.h"
#include "shape.h"

int app_json(struct app_ctx *c, int status, json_object *json)
{
    if (!json || http_response_json(&c->res, c->arena, status, json) < 0)
        return problem_set(&c->problem, 500, "internal", "the response could not be built");
    return 0;
}

int app_status(struct app_ctx *c, int status, const char *word)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_string(word));
    return app_json(c, status, o);
}

struct trace_origin app_origin(const struct app_ctx *c)
{
    struct trace_origin o = { .request_id = c->request_id };
    if (c->trace.trace_id[0])
        trace_header(&c->trace, o.traceparent);
    else
        o.traceparent[0] = '\0';
    return o;
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

/* s as a whole number (digits only) from min to max into *v: false when it is not one */
static bool query_int_ok(const char *s, long long min, long long max, long long *v)
{
    size_t i = 0;
    *v = 0;
    for (; s[i] >= '0' && s[i] <= '9' && i < 18; i++)
        *v = *v * 10 + (s[i] - '0');
    return i > 0 && !s[i] && *v >= min && *v <= max;
}

long long app_query_int(struct app_ctx *c, const char *name, long long def, long long min, long long max)
{
    const char *s = http_query(&c->req, name);
    long long v;
    if (!s)
        return def;
    if (!query_int_ok(s, min, max, &v)) {
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
    bool bad = false;
    while (r->query && router_query_next(r->query, &at, &q, err, sizeof(err)) == 1) {
        const char *v = http_query(&c->req, q.name);
        if (!v)
            continue;
        long long num;
        if (q.type == RQ_INT) {
            if (!query_int_ok(v, q.min, q.max, &num)) {
                app_query_int(c, q.name, 0, q.min, q.max);   /* its words for the fault */
                bad = true;
            }
        } else if (q.type == RQ_STRING) {
            if ((long long)strlen(v) > q.max) {
                problem_field(&c->problem, q.name, "must be at most %lld bytes", q.max);
                bad = true;
            }
        } else if (q.type == RQ_BOOL) {
            if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0) {
                problem_field(&c->problem, q.name, "must be true or false");
                bad = true;
            }
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
                bad = true;
            }
        }
    }
    return bad ? -1 : 0;   /* the query's own faults (a body's may be recorded too) */
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
            else if (v && types[k] == 'd')
                j = json_object_new_double(strtod(v, NULL));
            else if (v || types[k] == 's')
                j = json_object_new_string(v ? v : "");
            json_object_object_add(o, r->names[k], j);
        }
        json_object_array_add(list, o);
    }
    return list;
}

/* Request ids: 64 random bits drawn once per process, then a counter: unique across
 * processes and hosts without a system call per request. */
static const char *request_id_new(struct arena *a)
{
    static uint64_t prefix, counter;
    static const char hex[] = "0123456789abcdef";
    if (!prefix) {
        if (getrandom(&prefix, sizeof(prefix), 0) != (ssize_t)sizeof(prefix)) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            prefix = (uint64_t)ts.tv_nsec * 2654435761u ^ (uint64_t)getpid() << 32 ^ (uint64_t)ts.tv_sec;
        }
        prefix |= 1; /* never 0: 0 means "not drawn yet" */
    }
    uint64_t parts[2] = { prefix, ++counter };
    char *id = arena_alloc(a, 33);
    if (!id)
        return "-";
    for (int p = 0; p < 2; p++)
        for (int i = 0; i < 16; i++)
            id[p * 16 + i] = hex[(parts[p] >> (60 - 4 * i)) & 15];
    id[32] = '\0';
    return id;
}

/* The area's slot file, with a series set per route (the request counts are by route index). */
static void app_metrics_open(const struct app *app, const struct config *cfg)
{
    struct metrics_route *routes = calloc(app->nroutes + 1, sizeof(*routes));
    char err[1024];
    for (size_t i = 0; routes && i < app->nroutes; i++) {
        routes[i].method = app->routes[i].method;
        routes[i].pattern = app->routes[i].pattern;
    }
    if (!routes)
        log_event("error", "metrics: out of memory");
    else if (metrics_open_http(cfg->metrics_dir, app->area, routes, app->nroutes, err, sizeof(err)) < 0)
        log_event("error", err);   /* served all the same, uncounted */
    free(routes);
}

/* Load the configuration (path NULL: the usual search), open the log it names and take the
 * area's metrics slot. */
void app_config_load(const struct app *app, struct app_ctx *c, struct config *cfg, const char *path)
{
    char err[1024];
    c->config_pending = false;
    if (config_load_area(cfg, path, app->area, err, sizeof(err)) < 0) {
        log_event("error", err);
        c->config_error = "configuration did not load"; /* every request answers 503 */
        return;
    }
    if (log_open(cfg->log_file) < 0) {
        snprintf(err, sizeof(err), "cannot open log_file %s; logging to standard error", cfg->log_file);
        log_event("error", err);
    }
    app_metrics_open(app, cfg);
}

/* The request's actor as an audit event: user, token or anonymous, its address, user agent and
 * request id (the caller sets target and details). */
struct audit_event app_audit_event(struct app_ctx *c, const char *action, const char *outcome)
{
    bool known = c->who.user_id != 0;
    struct audit_event ev = {
        .actor_type = !known ? "anonymous" : (c->who.via && strcmp(c->who.via, "token") == 0) ? "token" : "user",
        .actor_id = known ? arena_printf(c->arena, "%lld", c->who.user_id) : NULL,
        .actor_name = c->who.username,
        .action = action,
        .outcome = outcome,
        .remote_addr = c->req.remote_addr,
        .user_agent = http_header(&c->req, "User-Agent"),
        .request_id = c->request_id,
    };
    return ev;
}

/* Denials of protected routes are audited like any other decision, in a transaction of
 * their own (there is no change to share one with). A failure to audit is logged. */
static void app_audit_denial(struct app_ctx *c)
{
    struct problem ap;
    if (!c->db)
        return;
    problem_init(&ap);
    json_object *d = json_object_new_object();
    json_object_object_add(d, "method", json_object_new_string(c->req.method));
    json_object_object_add(d, "status", json_object_new_int(c->problem.status));
    json_object_object_add(d, "problem", json_object_new_string(c->problem.type ? c->problem.type : ""));
    struct audit_event ev = app_audit_event(c, "http.denied", "denied");
    ev.target_type = "route";
    ev.target_id = c->req.path;
    ev.details = arena_strdup(c->arena, json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN));
    json_object_put(d);
    if (db_begin(c->db, &ap) < 0 || audit_commit(c->db, c->arena, &ev, &ap) < 0) {
        if (!c->problem.internal[0])
            problem_internal(&c->problem, "the denial could not be audited: %s", ap.internal[0] ? ap.internal : ap.detail);
    }
}

/* Per user, per token or (without credentials) per address, each area with its own allowance;
 * 429 with Retry-After. */
static int app_ratelimit(struct app_ctx *c, const char *area)
{
    const struct config *cfg = c->cfg;
    int per_minute = c->who.user_id ? cfg->ratelimit_per_minute : cfg->ratelimit_anonymous_per_minute;
    if (per_minute <= 0 || !c->db)
        return 0;
    const char *key;
    if (c->who.token_id)
        key = arena_printf(c->arena, "%s:t:%lld", area, c->who.token_id);
    else if (c->who.user_id)
        key = arena_printf(c->arena, "%s:u:%lld", area, c->who.user_id);
    else
        key = arena_printf(c->arena, "%s:a:%.120s", area, c->req.remote_addr ? c->req.remote_addr : "unknown");
    struct ratelimit_result rl;
    if (ratelimit_take(c->db, c->arena, c->leases, key, per_minute, cfg->ratelimit_burst, &rl, &c->problem) < 0)
        return -1;
    c->ratelimit_policy = arena_printf(c->arena, "\"%s\";q=%d;w=60;burst=%d", area, per_minute, cfg->ratelimit_burst);
    if (rl.allowed)
        return 0;
    metrics_event(METRICS_RATELIMIT_REFUSED);
    c->problem.retry_after = rl.retry_after;
    c->ratelimit_reset = rl.retry_after;
    return problem_set(&c->problem, 429, "rate-limited", "too many requests; try again in %d s", rl.retry_after);
}

/* Who is calling, limited per caller, with what this process kept about them confirmed
 * against the authorization epoch (one plain read: it never waits for a change in progress). */
static int app_authenticate(const struct app *app, struct app_ctx *c, bool limited, bool credentials)
{
    struct problem *p = &c->problem;
    if (authn_identify(c->db, c->arena, c->cfg, c->cache, &c->req, &c->who, p) < 0) {
        /* bad credentials count against the address, like none */
        if (limited && credentials && p->status == 401) {
            struct problem saved = *p;
            problem_init(p);
            memset(&c->who, 0, sizeof(c->who));
            if (app_ratelimit(c, app->area) < 0)
                return -1;
            *p = saved;
        }
        return -1;
    }
    if (!c->who.user_id)
        return problem_set(p, 401, "unauthenticated", "log in, or send an API token as Authorization: Bearer");
    /* identified callers are limited per user or per token */
    if (limited && app_ratelimit(c, app->area) < 0)
        return -1;
    if (app->prefetch && app->prefetch(c) < 0)
        return -1;
    if (c->has_prefetched && c->prefetched.nrows == 1 && db_cell(&c->prefetched, 0, 0))
        c->epoch = atoll(db_cell(&c->prefetched, 0, 0));
    else if (authz_epoch_read(c->db, c->arena, &c->epoch, p) < 0)
        return -1;
    if (authn_confirm(c->db, c->arena, c->cfg, c->cache, &c->req, c->epoch, &c->who, p) < 0)
        return -1;
    c->actor = c->who.username;
    return c->rules ? authz_rules_refresh(c->db, c->rules, c->epoch, p) : 0;
}

/* A refused body may hold what it should not keep (a secret's value, a password): the received
 * bytes and every string parsed from them are zeroed before they are freed. */
static void strings_wipe(json_object *v)
{
    if (json_object_is_type(v, json_type_string)) {
        sodium_memzero((char *)json_object_get_string(v), (size_t)json_object_get_string_len(v));
    } else if (json_object_is_type(v, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(v); i++)
            strings_wipe(json_object_array_get_idx(v, i));
    } else if (json_object_is_type(v, json_type_object)) {
        json_object_object_foreach(v, key, val) {
            (void)key;
            strings_wipe(val);
        }
    }
}

static void body_wipe(struct app_ctx *c)
{
    strings_wipe(c->body);
    if (c->req.body)
        sodium_memzero((char *)c->req.body, c->req.body_len);
}

/* An answer that will not go out (an error takes its place): zeroed first when it held a secret. */
static void response_discard(struct app_ctx *c)
{
    if (c->wipe_response && c->res.body)
        sodium_memzero((char *)c->res.body, c->res.body_len);
    http_response_init(&c->res);
}

static int app_route(const struct app *app, struct app_ctx *c)
{
    struct problem *p = &c->problem;

    switch (router_match(app->routes, app->nroutes, c->req.method, c->req.path, c->arena, &c->match)) {
    case ROUTER_NOT_FOUND:
        return problem_set(p, 404, "not-found", "no such resource: %s", c->req.path);
    case ROUTER_METHOD_NOT_ALLOWED:
        snprintf(p->allow, sizeof(p->allow), "%s", c->match.allow);
        return problem_set(p, 405, "method-not-allowed", "%s is not allowed here; allowed: %s",
                           c->req.method, c->match.allow);
    case ROUTER_BAD_PATH:
        return problem_set(p, 400, "bad-path", "the path has a malformed percent-escape");
    case ROUTER_FOUND:
        break;
    }

    const struct route *r = c->match.route;
    bool limited = !(r->flags & ROUTE_NO_RATELIMIT);
    const char *authz_hdr = http_header(&c->req, "Authorization");
    bool credentials = http_cookie(&c->req, AUTHN_COOKIE) || (authz_hdr && *authz_hdr);
    /* Callers without credentials are limited by address before anything else is done for
     * them, so floods of anonymous (and so audited) denials are bounded too. */
    if (limited && (!credentials || strcmp(r->permission, PERM_PUBLIC) == 0) && app_ratelimit(c, app->area) < 0)
        return -1;
    bool by_address = (r->flags & ROUTE_ADDRESS_ALLOWED) && !credentials &&
                      addrlist_match(c->cfg->metrics_allow, c->req.remote_addr);
    if (strcmp(r->permission, PERM_PUBLIC) != 0 && !by_address) {
        if (app_authenticate(app, c, limited, credentials) < 0)
            return -1;
        if (authn_check_csrf(&c->req, &c->who, p) < 0)
            return -1;
        /* After an administrator's reset, the temporary password is changed before anything
         * else, whatever the credential: a token made earlier does not get round it. */
        if (c->who.must_change_password && !(r->flags & ROUTE_BEFORE_PASSWORD_CHANGE))
            return problem_set(p, 403, "password-change-required",
                               c->who.token_id ? "this account's password was reset: its tokens work again once its owner "
                                                 "changes the password"
                                               : "your password was reset: change it before anything else");
        /* A token's scopes name permissions; "authenticated" routes act on the account itself
         * (password, tokens, session), so a token may only read them. */
        if (strcmp(r->permission, PERM_AUTHENTICATED) == 0 && c->who.token_id &&
            strcmp(c->req.method, "GET") != 0 && strcmp(c->req.method, "HEAD") != 0)
            return problem_set(p, 403, "forbidden", "this needs a logged-in session, not a token");
        if (strcmp(r->permission, PERM_AUTHENTICATED) != 0) {
            if (authn_grants(c->db, c->arena, &c->who, c->rules, c->epoch, &c->grants, p) < 0)
                return -1;
            /* Governance permissions need a global binding; the others need the permission
             * somewhere, and the handler narrows it to the resource's scope (authz_check
             * with the resource, where attribute policies apply too). */
            static const struct authz_resource nowhere = { NULL, NULL, NULL, NULL };
            if (!app_may(c, r->permission, authz_permission_global(r->permission) ? &nowhere : NULL, NULL))
                return app_refuse(c, r->permission, NULL, NULL);
        }
    }
    bool optional = (r->flags & ROUTE_BODY_JSON_OPTIONAL) != 0;
    bool body_faults = false;
    if (optional && http_body_read(&c->req, (size_t)c->cfg->body_max_bytes, false, p) < 0)
        return -1;
    if ((r->flags & ROUTE_BODY_JSON) || (optional && c->req.body_len > 0)) {
        if (!http_content_type_is_json(c->req.content_type))
            return problem_set(p, 415, "unsupported-media-type", "send the body as application/json");
        if (!optional && http_body_read(&c->req, (size_t)c->cfg->body_max_bytes, true, p) < 0)
            return -1;
        c->body = json_parse(c->req.body, c->req.body_len, c->cfg->json_max_depth, p);
        if (!c->body)
            return -1;
        /* the row's declared body: types, bounds, required and unknown members, each mistake a
         * field error. The handler still runs to add what only it knows (a name's form, a
         * reference), so one answer names every field, as when each handler checked its own;
         * like every handler, it changes nothing while the problem holds a field error */
        if (shape_check_request(r->body, c->body, p) < 0) {
            if (p->status != 422)
                return -1;
            body_faults = true;
        }
    }
    /* the declared query's faults are recorded first; a reading function then adds its own (one
     * answer names every field), and if it answers anyway, the 422 is what goes out */
    if (app_query_check(c, r) < 0) {
        /* a change is never attempted on a request whose declared query is wrong */
        if (strcmp(c->req.method, "GET") != 0 && strcmp(c->req.method, "HEAD") != 0)
            return -1;
        struct problem faults = c->problem;
        if (r->handler(c) < 0)
            return -1;
        c->problem = faults;
        response_discard(c);
        return -1;
    }
    int rc = r->handler(c);
    if (body_faults) {
        response_discard(c);
        return -1;
    }
    return rc;
}

/* check_answers: is the answer the one the route declares (a status it names; a JSON answer of
 * the declared shape, exactly)? A test stack runs with it, so every suite checks the API document. */
static int answer_check(struct app_ctx *c)
{
    const struct route *r = c->match.route;
    int statuses[3];
    const char *spec;
    int n = router_answer(r, statuses, &spec);
    if (c->res.status < 200 || c->res.status > 299)
        return 0;   /* a handler's own problem answer (a 409 with particulars): problem+json */
    bool known = false;
    for (int i = 0; i < n; i++)
        known |= statuses[i] == c->res.status;
    if (!known) {
        problem_internal(&c->problem, "answer-shape: %s %s answered %d", r->method, r->pattern, c->res.status);
        return problem_set(&c->problem, 500, "answer-shape", "%s %s answered %d, which its route does not declare",
                           r->method, r->pattern, c->res.status);
    }
    if (!spec || router_media(spec) || c->res.status == 204 || !c->res.body || !c->res.content_type ||
        strncmp(c->res.content_type, "application/json", 16) != 0)
        return 0;   /* another format the route offers (?format=csv) is not a shape */
    struct problem p;
    problem_init(&p);
    json_object *v = json_parse(c->res.body, c->res.body_len, 512, &p);
    char why[256];
    int rc = v ? shape_check_answer(spec, v, why, sizeof(why)) : -1;
    if (c->wipe_response)
        strings_wipe(v);
    json_object_put(v);
    if (rc < 0) {
        problem_internal(&c->problem, "answer-shape: %s %s: %.200s", r->method, r->pattern, v ? why : p.detail);
        return problem_set(&c->problem, 500, "answer-shape", "%s %s: the answer is not its declared %.40s: %.160s",
                           r->method, r->pattern, spec, v ? why : p.detail);
    }
    return 0;
}

void app_serve(const struct app *app, struct app_ctx *c, char **env, http_read_fn read,
               void *read_ctx, http_write_fn write, void *write_ctx)
{
    long long t0_us = monotime_us();
    double t0 = t0_us / 1000.0;

    if (c->config_pending) {
        const char *path = http_env(env, "PORTICO_CONFIG");
        if (!path)
            path = http_env(env, "REDIRECT_PORTICO_CONFIG");
        app_config_load(app, c, (struct config *)c->cfg, path);
    }
    arena_reset(c->arena);
    problem_init(&c->problem);
    http_response_init(&c->res);
    memset(&c->match, 0, sizeof(c->match));
    c->actor = NULL;
    c->body = NULL;
    memset(&c->who, 0, sizeof(c->who));
    memset(&c->grants, 0, sizeof(c->grants));
    c->epoch = 0;
    c->has_prefetched = false;
    c->ratelimit_policy = NULL;
    c->ratelimit_reset = 0;
    c->wipe_response = false;
    c->hidden_denial = false;
    c->request_id = request_id_new(c->arena);
    memset(&c->trace, 0, sizeof(c->trace));

    int rc;
    if (c->config_error) {
        /* The configuration did not load: nothing can be served, but say so properly. */
        rc = problem_set(&c->problem, 503, "misconfigured", "Portico is not configured correctly; see the server log");
        c->problem.retry_after = 60;
    } else if (http_request_parse(&c->req, c->arena, env, read, read_ctx, &c->problem) < 0) {
        rc = -1;
    } else if (c->params_truncated) {
        rc = problem_set(&c->problem, 431, "headers-too-large", "the header fields are more than %d bytes together",
                         HTTP_MAX_HEADER_BYTES);
    } else {
        trace_begin(&c->trace, http_header(&c->req, "traceparent"));
        rc = app_route(app, c);
    }
    if (rc == 0 && c->problem.status)
        rc = -1;
    if (rc == 0 && c->cfg->check_answers && c->match.route)
        rc = answer_check(c);
    if (rc < 0 && (c->problem.status == 401 || c->problem.status == 403 || c->hidden_denial) && c->match.route &&
        strcmp(c->match.route->permission, PERM_PUBLIC) != 0)
        app_audit_denial(c);

    if (db_end_request(c->db) && !c->problem.internal[0])
        problem_internal(&c->problem, "a transaction was left open and has been rolled back");

    if (rc < 0) {
        /* The one place where an error becomes a response. A body that was refused (by its
         * shape, or by the handler: a password the policy refused) may hold what it should not
         * keep, and so may an answer that is not going out. */
        if (c->body)
            body_wipe(c);
        response_discard(c);
        json_object *doc = problem_to_json(&c->problem, c->request_id);
        if (http_response_json(&c->res, c->arena, c->problem.status ? c->problem.status : 500, doc) < 0)
            c->res.status = 500;
        c->res.content_type = "application/problem+json";
        if (c->problem.retry_after > 0)
            http_response_header(&c->res, "Retry-After", arena_printf(c->arena, "%d", c->problem.retry_after));
        if (c->problem.status == 401)
            http_response_header(&c->res, "WWW-Authenticate", "Bearer realm=\"portico\"");
        if (c->problem.status == 405 && c->problem.allow[0])
            http_response_header(&c->res, "Allow", arena_strdup(c->arena, c->problem.allow));
    }
    if (c->ratelimit_policy) {
        http_response_header(&c->res, "RateLimit-Policy", c->ratelimit_policy);
        if (c->ratelimit_reset)
            http_response_header(&c->res, "RateLimit", arena_printf(c->arena, "\"%s\";r=0;t=%d", app->area, c->ratelimit_reset));
    }
    http_response_header(&c->res, "X-Request-Id", c->request_id);
    if (c->trace.trace_id[0]) {
        /* the span this request was (W3C Trace Context Level 2's response header) */
        char tr[TRACE_HEADER_LEN + 1];
        trace_header(&c->trace, tr);
        http_response_header(&c->res, "traceresponse", arena_strdup(c->arena, tr));
    }
    http_response_header(&c->res, "Cache-Control", "no-store");
    http_response_header(&c->res, "X-Content-Type-Options", "nosniff");

    const char *method = c->req.method ? c->req.method : "-";
    http_response_write(&c->res, c->arena, strcmp(method, "HEAD") == 0, write, write_ctx);
    if (c->wipe_response && c->res.body)
        sodium_memzero((char *)c->res.body, c->res.body_len);

    struct log_request line = {
        .request_id = c->request_id,
        .method = method,
        .path = c->req.path,
        .status = c->res.status,
        .duration_ms = (monotime_us() / 1000.0) - t0,
        .actor = c->actor,
        .remote_addr = c->req.remote_addr,
        .error = c->problem.internal[0] ? c->problem.internal : NULL,
        .trace_id = c->trace.trace_id,
        .span_id = c->trace.span_id,
        .parent_id = c->trace.parent_id,
    };
    log_request_write(&line);
    metrics_request(c->match.route ? (size_t)(c->match.route - app->routes) : app->nroutes, c->res.status,
                    monotime_us() - t0_us);
    json_object_put(c->body);
    c->body = NULL;
}
