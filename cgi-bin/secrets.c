/*
 * secrets.fcgi: versioned, encrypted secrets under team and entity scopes (lib/secrets,
 * lib/crypto), with Vault KV v2's verbs: data (write), reveal, metadata, delete, undelete,
 * destroy.
 *
 * Authorization is per scope: a team's secrets are that team's (and the teams above it); an
 * entity's are the team's stored with them (the entity's owner's, which they follow when that
 * team hands the entity over) and whoever is bound on the entity. A deleted entity's secrets stay
 * with their team, also when another team makes an entity of the same name: only that team
 * reads, reveals, writes or destroys them, and their metadata says entity_gone. Who may not read a scope's
 * metadata is refused in words (403: a scope's name is no secret, what is in it is); a token kept
 * to some secret paths is told there is nothing elsewhere (404). Metadata never carries a value; a value leaves
 * only through reveal, which is audited (path and version, never the value). A secret a resource
 * manages (its output, sealed by the runner: sql/0020) may also be revealed by the resource's
 * requester, and a plain write or delete of it is refused (409 managed-secret) unless the caller
 * confirms it (?confirm=managed); both ways are audited. The handler
 * process makes no core dumps, and zeroes the buffers that held a value: the request body and
 * its parsed text on a write, the opened value and the answer on a reveal.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "lib/app.h"
#include "lib/audit.h"
#include "lib/authz.h"
#include "lib/metrics.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/secrets.h"
#include "lib/utf8.h"

/* ---- the keyring: loaded on first use, again when its file changes -------------------------- */

static struct crypto_keyring *ring;

static const struct crypto_keyring *keyring(struct app_ctx *c, bool again)
{
    return secrets_keyring(c->cfg->master_key_file, &ring, again, &c->problem);
}

/* ---- scopes ---------------------------------------------------------------------------------- */

struct scope {
    struct secret_path sp;
    const char *team;             /* the holding team (NULL: none known) */
    bool exists;                  /* a secret is stored at the path */
    bool entity_known;            /* an entity scope's entity is in the catalog */
    struct authz_resource res;
};

/* The secret path of the request (its {path*}), who owns it, and whether the caller may use
 * permission there: 422 for a malformed path, 404 outside a token's secret paths, 403 (in words:
 * "you can't read team platform's secrets") when the caller may not read the scope's metadata or
 * not use permission there. */
static int scope_check(struct app_ctx *c, const char *permission, struct scope *s)
{
    struct problem *p = &c->problem;
    const char *why;
    if (secret_path_parse(app_param(c, "path"), &s->sp, &why) < 0) {
        problem_field(p, "path", "%s", why);
        return json_fields_ok(p) ? 0 : -1;
    }
    /* a secret's scope is the team stored with it: a deleted entity's secrets stay with their
     * team, whoever makes an entity of that name later (lib/secrets.h, secrets_scope) */
    struct secret_scope held;
    if (secrets_scope(c->db, c->arena, &s->sp, &held, p) < 0)
        return -1;
    s->team = held.team;
    s->exists = held.exists;
    s->entity_known = held.entity_known;
    s->res = (struct authz_resource){ s->team, s->sp.entity && !held.entity_gone ? s->sp.entity_ref : NULL,
                                      s->sp.environment[0] ? s->sp.environment : NULL, "secret" };
    /* a token kept to some paths is told there is nothing elsewhere (recorded as the refusal
     * it is); anyone else is told, in words, which scope they cannot use */
    if (!authn_token_path_allows(&c->who, s->sp.text)) {
        c->hidden_denial = true;
        return problem_set(p, 404, "not-found", "no secret at %s", s->sp.text);
    }
    struct authz_decision d;
    if (!app_may(c, "secrets.secret.read", &s->res, &d))
        return app_refuse(c, "secrets.secret.read", &s->res, &d);
    if (!app_may(c, permission, &s->res, &d))
        return app_refuse(c, permission, &s->res, &d);
    return 0;
}

/* ---- secrets a resource manages ---------------------------------------------------------------- */

struct managed {
    long long resource_id;        /* 0: no resource manages the secret */
    const char *name;             /* the resource, as people call it */
    const char *requester;
    long long requester_id;       /* 0: not known (a resource made without a request) */
};

static int managed_load(struct app_ctx *c, const char *path, struct managed *m)
{
    struct db_value v = DB_TEXTV(path);
    struct db_result r;
    memset(m, 0, sizeof(*m));
    if (db_query(c->db, c->arena, "SELECT r.id, r.name, r.requester, COALESCE(q.requester_id, 0) FROM secrets s "
                                  "JOIN resources r ON r.id = s.resource_id LEFT JOIN provision_requests q ON q.id = "
                                  "r.request_id WHERE s.path = ?", &v, 1, &r, &c->problem) < 0)
        return -1;
    if (r.nrows) {
        m->resource_id = atoll(db_cell(&r, 0, 0));
        m->name = db_cell(&r, 0, 1);
        m->requester = db_cell(&r, 0, 2);
        m->requester_id = atoll(db_cell(&r, 0, 3));
    }
    return 0;
}

static bool managed_requested_by_caller(const struct app_ctx *c, const struct managed *m)
{
    if (!m->resource_id)
        return false;
    return m->requester_id ? m->requester_id == c->who.user_id : strcmp(m->requester, c->who.username) == 0;
}

/* A plain change (action: secrets.write, .delete, .destroy, .remove) of a secret a resource
 * manages: refused with 409 managed-secret (the refusal audited) unless ?confirm=managed.
 * 0: go on (*managed_by: the resource, 0 for none); 1: answered; -1: a problem. */
static int managed_guard(struct app_ctx *c, const struct scope *s, const char *action, long long *managed_by)
{
    struct problem *p = &c->problem;
    const char *confirm = http_query(&c->req, "confirm");
    *managed_by = 0;
    if (confirm && strcmp(confirm, "managed") != 0) {
        problem_field(p, "confirm", "may only be managed (to change a secret a resource manages)");
        return -1;
    }
    struct managed m;
    if (managed_load(c, s->sp.text, &m) < 0)
        return -1;
    if (!m.resource_id || confirm) {
        *managed_by = m.resource_id;
        return 0;
    }
    struct audit_event ev = app_audit_event(c, action, "failure");
    ev.target_type = "secret";
    ev.target_id = s->sp.text;
    ev.details = arena_printf(c->arena, "{\"refused\":\"managed-secret\",\"managed_by\":%lld}", m.resource_id);
    if (db_begin(c->db, p) < 0 || audit_commit(c->db, c->arena, &ev, p) < 0)
        return -1;
    struct problem mp;
    problem_init(&mp);
    problem_set(&mp, 409, "managed-secret", "%s is an output of resource %lld (%s), which keeps it: a change by hand can "
                                            "break what uses it; send confirm=managed to make it anyway",
                s->sp.text, m.resource_id, m.name);
    mp.title = "A resource manages this secret";
    json_object *doc = problem_to_json(&mp, c->request_id), *by = json_object_new_object();
    json_object_object_add(by, "resource", json_object_new_int64(m.resource_id));
    json_object_object_add(by, "name", json_object_new_string(m.name));
    json_object_object_add(doc, "managed_by", by);
    if (app_json(c, 409, doc) < 0)
        return -1;
    c->res.content_type = "application/problem+json";
    return 1;
}

/* ---- write ----------------------------------------------------------------------------------- */

/* The value of a write's body into a guarded buffer; the body as received and its parsed text
 * are zeroed whatever comes next. NULL (fields in p) when it is not there or not right. */
static unsigned char *write_value(struct app_ctx *c, size_t *len)
{
    struct problem *p = &c->problem;
    json_object *text = NULL, *b64 = NULL;
    json_object_object_get_ex(c->body, "value", &text);
    json_object_object_get_ex(c->body, "value_base64", &b64);
    unsigned char *value = sodium_malloc(SECRET_VALUE_MAX + 1);
    *len = 0;
    if (!text == !b64)
        problem_field(p, "value", "give value (text) or value_base64 (bytes), one of them");
    else if (text && !json_object_is_type(text, json_type_string))
        problem_field(p, "value", "must be a string");
    else if (b64 && !json_object_is_type(b64, json_type_string))
        problem_field(p, "value_base64", "must be a string");
    else if (!value)
        problem_set(p, 500, "internal", "out of memory");
    else if (text && (size_t)json_object_get_string_len(text) > SECRET_VALUE_MAX)
        problem_field(p, "value", "is longer than %d bytes", SECRET_VALUE_MAX);
    else if (text)
        memcpy(value, json_object_get_string(text), *len = (size_t)json_object_get_string_len(text));
    else if (sodium_base642bin(value, SECRET_VALUE_MAX, json_object_get_string(b64), (size_t)json_object_get_string_len(b64),
                               NULL, len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
        problem_field(p, "value_base64", "must be base64 of at most %d bytes", SECRET_VALUE_MAX);
    json_object *v = text ? text : b64;
    if (v && json_object_is_type(v, json_type_string))
        sodium_memzero((char *)json_object_get_string(v), (size_t)json_object_get_string_len(v));
    sodium_memzero((char *)c->req.body, c->req.body_len);
    if (p->status && value) {
        sodium_free(value);
        value = NULL;
    }
    return value;
}

/* One write as one transaction (db_run_transaction): the new version, and its audit record. */
struct write_tx {
    struct app_ctx *c;
    const struct scope *s;
    const unsigned char *value;
    size_t len;
    int cas, maxv;
    long long managed_by;
    bool again;                   /* read the keyring again */
    int version;                  /* the version written */
};

static int write_body(void *ctx, struct problem *p)
{
    struct write_tx *w = ctx;
    struct app_ctx *c = w->c;
    const struct crypto_keyring *k = keyring(c, w->again);
    if (!k || secrets_write(c->db, c->arena, k, &w->s->sp, w->s->team, w->value, w->len, w->cas, w->maxv,
                            c->cfg->secret_versions_default, c->actor, &w->version, p) < 0)
        return -1;
    const char *by = w->managed_by ? arena_printf(c->arena, ",\"managed_by\":%lld,\"confirmed\":true", w->managed_by) : "";
    return app_audited(c, "secrets.write", "secret", w->s->sp.text,
                       arena_printf(c->arena, "{\"version\":%d,\"bytes\":%zu%s}", w->version, w->len, by));
}

/* PUT /secrets/data/{path*}: {"value": text} or {"value_base64": bytes}, "cas", "max_versions".
 * Changing an existing secret's max_versions can drop versions for good: that takes
 * secrets.secret.destroy, like destroy itself. */
static int secret_write(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    size_t len;
    unsigned char *value = write_value(c, &len);
    struct scope s;
    long long cas = json_num(c->body, "cas", -1);
    long long maxv = json_num(c->body, "max_versions", 0);
    int rc = !value || !json_fields_ok(p) ? -1 : scope_check(c, "secrets.secret.write", &s);
    if (rc == 0 && !s.sp.entity) {
        struct db_value t = DB_TEXTV(s.sp.team);
        struct db_result r;
        rc = db_query(c->db, c->arena, "SELECT 1 FROM teams WHERE name = ?", &t, 1, &r, p);
        if (rc == 0 && r.nrows == 0) {
            problem_field(p, "path", "there is no team %s", s.sp.team);
            rc = -1;
        }
    } else if (rc == 0 && !s.entity_known && !s.exists) {   /* a new one needs its entity; an orphan stays its team's */
        problem_field(p, "path", "there is no entity %s in the catalog", s.sp.entity_ref);
        rc = -1;
    }
    long long managed_by = 0;
    int guarded = rc == 0 ? managed_guard(c, &s, "secrets.write", &managed_by) : 0;
    if (guarded != 0)
        rc = -1;
    if (rc == 0 && maxv > 0) {
        struct db_value v = DB_TEXTV(s.sp.text);
        struct db_result r;
        struct authz_decision d;
        rc = db_query(c->db, c->arena, "SELECT max_versions FROM secrets WHERE path = ?", &v, 1, &r, p);
        if (rc == 0 && r.nrows == 1 && atoll(db_cell(&r, 0, 0)) != maxv &&
            !app_may(c, "secrets.secret.destroy", &s.res, &d))
            rc = problem_set(p, 403, "forbidden", "changing max_versions of %s may drop versions: that takes "
                                                  "secrets.secret.destroy", s.sp.text);
    }
    /* the keyring may have changed under a rotation: read again once; a transaction that met
     * another in a deadlock (two new paths in one gap of the index) runs again whole */
    struct write_tx w = { c, &s, value, len, (int)cas, (int)maxv, managed_by, false, 0 };
    for (int attempt = 0; rc == 0 && attempt < 2; attempt++) {
        w.again = attempt > 0;
        rc = db_run_transaction(c->db, p, write_body, &w);
        if (rc < 0 && attempt == 0 && p->status == 503 && strcmp(p->type, "keyring-stale") == 0) {
            problem_init(p);
            rc = 0;
            continue;
        }
        break;
    }
    if (value)
        sodium_free(value);
    if (guarded > 0)
        return 0;
    if (rc < 0)
        return -1;
    int version = w.version;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "path", json_object_new_string(s.sp.text));
    json_object_object_add(o, "version", json_object_new_int(version));
    return app_json(c, version == 1 ? 201 : 200, o);
}

/* ---- reveal ---------------------------------------------------------------------------------- */

/* POST /secrets/reveal/{path*}: {"version": n} (optional; the current one). The answer is built
 * here, in the request's arena, and wiped after it is written (app.h, wipe_response). */
static int secret_reveal(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    struct scope s;
    struct authz_decision d;
    const char *as = "";
    if (scope_check(c, "secrets.secret.read", &s) < 0)
        return -1;
    if (!app_may(c, "secrets.reveal", &s.res, &d)) {
        /* the requester of the resource that manages it reveals it too (with a token: one that
         * may reveal secret outputs); nobody else does */
        struct managed m;
        struct authz_decision od;
        if (managed_load(c, s.sp.text, &m) < 0)
            return -1;
        bool mine = managed_requested_by_caller(c, &m);
        if (mine && !app_may(c, "provision.output.reveal", &s.res, &od))
            return app_refuse(c, "provision.output.reveal", &s.res, &od);
        if (!mine) {
            app_refuse(c, "secrets.reveal", &s.res, &d);
            if (m.resource_id) {
                size_t n = strlen(p->detail);
                snprintf(p->detail + n, sizeof(p->detail) - n, "; it is an output of resource %lld (%s), which its "
                                                               "requester may reveal", m.resource_id, m.name);
            }
            return -1;
        }
        as = ",\"as\":\"requester\"";
    }
    int version = (int)json_num(c->body, "version", 0);   /* the row's optional body */
    if (!json_fields_ok(p))   /* nothing is revealed, or audited, for a body its shape refused */
        return -1;
    const struct crypto_keyring *k = keyring(c, false);
    if (!k)
        return -1;
    unsigned char *value;
    size_t len;
    int got;
    if (secrets_reveal(c->db, c->arena, k, s.sp.text, version, &value, &len, &got, p) < 0)
        return -1;
    /* well-formed UTF-8 without NUL: answered as text; anything else as base64 */
    bool text = utf8_valid(value, len) && !memchr(value, 0, len);
    /* {"path":..,"version":n,"encoding":..,"value":..}: at most 6 bytes a byte escaped, or base64 */
    size_t cap = 128 + 2 * strlen(s.sp.text) + (text ? 6 * len : sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL));
    char *out = arena_alloc(c->arena, cap);
    if (!out) {
        secrets_value_free(value, len);
        return problem_set(p, 500, "internal", "out of memory");
    }
    size_t n = (size_t)snprintf(out, cap, "{\"path\":\"%s\",\"version\":%d,\"encoding\":\"%s\",\"value\":\"", s.sp.text, got,
                                text ? "utf-8" : "base64");
    if (text) {
        for (size_t i = 0; i < len; i++) {
            unsigned char b = value[i];
            if (b == '"' || b == '\\')
                out[n++] = '\\', out[n++] = (char)b;
            else if (b < 0x20)
                n += (size_t)snprintf(out + n, cap - n, "\\u%04x", b);
            else
                out[n++] = (char)b;
        }
    } else {
        sodium_bin2base64(out + n, cap - n, value, len, sodium_base64_VARIANT_ORIGINAL);
        n += strlen(out + n);
    }
    n += (size_t)snprintf(out + n, cap - n, "\"}");
    secrets_value_free(value, len);
    /* audited before it is answered: a reveal that cannot be recorded is not made */
    if (db_begin(c->db, p) < 0 ||
        app_audited(c, "secrets.reveal", "secret", s.sp.text,
                    arena_printf(c->arena, "{\"version\":%d%s}", got, as)) < 0) {
        sodium_memzero(out, cap);
        return -1;
    }
    metrics_event(METRICS_SECRET_REVEALED);
    c->res.status = 200;
    c->res.content_type = "application/json";
    c->res.body = out;
    c->res.body_len = n;
    c->wipe_response = true;
    return 0;
}

/* ---- metadata -------------------------------------------------------------------------------- */

static json_object *versions_json(struct app_ctx *c, long long id, struct problem *p)
{
    struct db_value v = DB_INTV(id);
    struct db_result r;
    if (db_query(c->db, c->arena, "SELECT version, size, master_key_id, DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%s.%fZ'), "
                                  "created_by, DATE_FORMAT(deleted_at, '%Y-%m-%dT%H:%i:%s.%fZ'), "
                                  "DATE_FORMAT(destroyed_at, '%Y-%m-%dT%H:%i:%s.%fZ') FROM secret_versions "
                                  "WHERE secret_id = ? ORDER BY version DESC", &v, 1, &r, p) < 0)
        return NULL;
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < r.nrows; i++) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "version", json_object_new_int(atoi(db_cell(&r, i, 0))));
        json_object_object_add(o, "bytes", json_object_new_int(atoi(db_cell(&r, i, 1))));
        json_object_object_add(o, "master_key", json_object_new_string(db_cell(&r, i, 2)));
        json_object_object_add(o, "created_at", json_object_new_string(db_cell(&r, i, 3)));
        json_object_object_add(o, "created_by", json_object_new_string(db_cell(&r, i, 4)));
        json_object_object_add(o, "deleted_at", db_cell(&r, i, 5) ? json_object_new_string(db_cell(&r, i, 5)) : NULL);
        json_object_object_add(o, "destroyed_at", db_cell(&r, i, 6) ? json_object_new_string(db_cell(&r, i, 6)) : NULL);
        json_object_array_add(a, o);
    }
    return a;
}

/* An entity secret whose entity is gone or is now another team's (a condition on secrets) */
#define SECRET_ENTITY_GONE \
    "(scope_type = 'entity' AND NOT EXISTS (SELECT 1 FROM entities e WHERE e.ref = secrets.entity_ref AND " \
    "e.owner_team <=> secrets.team))"

static const char sql_meta[] =
    "SELECT id, path, scope_type, team, entity_ref, environment, name, max_versions, current_version, "
    "DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%s.%fZ'), DATE_FORMAT(updated_at, '%Y-%m-%dT%H:%i:%s.%fZ'), created_by, "
    "resource_id, (SELECT r.name FROM resources r WHERE r.id = secrets.resource_id), "
    "IF(scope_type = 'entity', " SECRET_ENTITY_GONE ", NULL) "
    "FROM secrets";

static json_object *meta_json(const struct db_result *r, size_t i)
{
    static const char *const names[] = { NULL, "path", "scope", "team", "entity", "environment", "name", "max_versions",
                                         "current_version", "created_at", "updated_at", "created_by" };
    json_object *o = json_object_new_object();
    for (size_t k = 1; k < sizeof(names) / sizeof(names[0]); k++) {
        const char *v = db_cell(r, i, k);
        json_object_object_add(o, names[k], !v ? NULL : (k == 7 || k == 8) ? json_object_new_int(atoi(v))
                                                                            : json_object_new_string(v));
    }
    json_object *by = NULL;
    if (db_cell(r, i, 12)) {   /* an output of a resource, which keeps it */
        by = json_object_new_object();
        json_object_object_add(by, "resource", json_object_new_int64(atoll(db_cell(r, i, 12))));
        json_object_object_add(by, "name", db_cell(r, i, 13) ? json_object_new_string(db_cell(r, i, 13)) : NULL);
    }
    json_object_object_add(o, "managed_by", by);
    /* an entity's secret: whether its entity is gone (or now another team's), the team holding it */
    if (db_cell(r, i, 14))
        json_object_object_add(o, "entity_gone", json_object_new_boolean(strcmp(db_cell(r, i, 14), "1") == 0));
    return o;
}

/* GET /secrets/metadata/{path*}: the secret and its versions, never a value. */
static int secret_metadata(struct app_ctx *c)
{
    struct scope s;
    if (scope_check(c, "secrets.secret.read", &s) < 0)
        return -1;
    struct db_value v = DB_TEXTV(s.sp.text);
    struct db_result r;
    if (db_query(c->db, c->arena, arena_printf(c->arena, "%s WHERE path = ?", sql_meta), &v, 1, &r, &c->problem) < 0)
        return -1;
    if (r.nrows == 0)
        return problem_set(&c->problem, 404, "not-found", "no secret at %s", s.sp.text);
    json_object *versions = versions_json(c, atoll(db_cell(&r, 0, 0)), &c->problem);
    if (!versions)
        return -1;
    json_object *o = meta_json(&r, 0);
    json_object_object_add(o, "versions", versions);
    return app_json(c, 200, o);
}

static bool ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

/* GET /secrets/metadata?prefix=&limit=&cursor=: the secrets the caller may read, by path. */
static int secret_list(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    const char *prefix = http_query(&c->req, "prefix"), *text = http_query(&c->req, "q");
    long limit = app_limit(c);
    const char *cursor = app_cursor(c, "secrets");
    if (prefix && strlen(prefix) > SECRET_PATH_MAX)
        problem_field(p, "prefix", "must be the start of a path (at most %d characters)", SECRET_PATH_MAX);
    static const char path_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/";
    if (text && (!*text || strlen(text) > SECRET_PATH_MAX || strspn(text, path_chars) != strlen(text)))
        problem_field(p, "q", "must be part of a path: 1 to %d letters, digits, '.', '_', '-' and '/'", SECRET_PATH_MAX);
    /* a path is ASCII (secret_path): a key of this list's cursors is one, and a prefix with any
     * other byte is the start of no path (compared with the ASCII column, it would be an error) */
    if (cursor && !ascii(cursor))
        problem_field(p, "cursor", "is not a cursor of this list (give back a next_cursor it answered)");
    if (!json_fields_ok(p))
        return -1;
    if (prefix && !ascii(prefix)) {
        json_object *none = json_object_new_object();
        json_object_object_add(none, "items", json_object_new_array());
        json_object_object_add(none, "next_cursor", NULL);
        return app_json(c, 200, none);
    }
    struct authz_scopes sc;
    if (authz_scopes_of(&c->grants, "secrets.secret.read", c->arena, &sc) < 0)
        return problem_set(p, 500, "internal", "out of memory");
    size_t npaths = 0;
    while (c->who.secret_paths && c->who.secret_paths[npaths])
        npaths++;
    size_t nv = 0, cap = 6 + 3 * sc.nteams + sc.nentities + 3 * npaths;
    struct db_value *v = arena_calloc(c->arena, cap, sizeof(*v));
    if (!v)
        return problem_set(p, 500, "internal", "out of memory");
    const char *where = "TRUE";
    if (prefix) {   /* compared as bytes: '_' and '%' are a path's own characters here */
        where = "LEFT(path, CHAR_LENGTH(?)) = ?";
        v[nv++] = (struct db_value)DB_TEXTV(prefix);
        v[nv++] = (struct db_value)DB_TEXTV(prefix);
    }
    if (c->who.secret_paths) {   /* a token limited to some paths lists only those */
        const char *any = "FALSE";
        for (size_t i = 0; i < npaths; i++) {
            any = arena_printf(c->arena, "%s OR path = ? OR LEFT(path, CHAR_LENGTH(?) + 1) = CONCAT(?, '/')", any);
            for (int k = 0; k < 3; k++)
                v[nv++] = (struct db_value)DB_TEXTV(c->who.secret_paths[i]);
        }
        where = arena_printf(c->arena, "%s AND (%s)", where, any);
    }
    if (text) {   /* anywhere in the path, ignoring case (a path is ASCII) */
        char *lower = arena_strdup(c->arena, text);
        for (char *l = lower; l && *l; l++)
            *l = (char)(*l >= 'A' && *l <= 'Z' ? *l - 'A' + 'a' : *l);
        const char *like = lower ? db_like(c->arena, lower, strlen(lower), true) : NULL;
        if (!like)
            return problem_set(p, 500, "internal", "out of memory");
        where = arena_printf(c->arena, "%s AND LOWER(path) LIKE ? ESCAPE '!'", where);
        v[nv++] = (struct db_value)DB_TEXTV(like);
    }
    if (cursor) {
        where = arena_printf(c->arena, "%s AND path > ?", where);
        v[nv++] = (struct db_value)DB_TEXTV(cursor);
    }
    if (!sc.everywhere) {
        /* as scope_check decides: a secret by the team stored with it, or a binding on its entity
         * while the entity is still the one the secret was written for */
        const char *marks = "";
        for (size_t i = 0; i < sc.nteams; i++)
            marks = arena_printf(c->arena, "%s%s?", marks, i ? ", " : "");
        const char *teams = "FALSE", *ents = "FALSE";
        if (sc.nteams) {
            teams = arena_printf(c->arena, "team IN (%s)", marks);
            for (size_t i = 0; i < sc.nteams; i++)
                v[nv++] = (struct db_value)DB_TEXTV(sc.teams[i]);
        }
        for (size_t i = 0; i < sc.nentities; i++) {
            ents = arena_printf(c->arena, i ? "%s, ?" : "entity_ref IN (?", i ? ents : "");
            v[nv++] = (struct db_value)DB_TEXTV(sc.entities[i]);
        }
        if (sc.nentities)
            ents = arena_printf(c->arena, "%s) AND NOT " SECRET_ENTITY_GONE, ents);
        where = arena_printf(c->arena, "%s AND (%s OR %s)", where, teams, ents);
    }
    v[nv++] = (struct db_value)DB_INTV(limit + 1);
    struct db_result r;
    if (db_query(c->db, c->arena, arena_printf(c->arena, "%s WHERE %s ORDER BY path LIMIT ?", sql_meta, where), v, nv, &r,
                 p) < 0)
        return -1;
    bool more = r.nrows > (size_t)limit;
    size_t rows = more ? (size_t)limit : r.nrows;
    json_object *items = json_object_new_array();
    for (size_t i = 0; i < rows; i++)
        json_object_array_add(items, meta_json(&r, i));
    json_object *o = json_object_new_object();
    json_object_object_add(o, "items", items);
    json_object_object_add(o, "next_cursor", more ? json_object_new_string(app_cursor_make(c, "secrets", db_cell(&r, rows - 1, 1))) : NULL);
    return app_json(c, 200, o);
}

/* ---- delete, undelete, destroy ----------------------------------------------------------------- */

static int versions_change(struct app_ctx *c, const char *permission, enum secret_change what, const char *action)
{
    struct problem *p = &c->problem;
    struct scope s;
    long long managed_by = 0;
    if (scope_check(c, permission, &s) < 0)
        return -1;
    if (!json_fields_ok(p))   /* a managed secret's refusal is audited only for a body that is right */
        return -1;
    if (what != SECRET_UNDELETE) {   /* undeleting gives back what the resource made */
        int g = managed_guard(c, &s, action, &managed_by);
        if (g != 0)
            return g < 0 ? -1 : 0;
    }
    json_object *list;
    int versions[SECRET_VERSIONS_MAX];
    size_t n = 0;
    if (!json_object_object_get_ex(c->body, "versions", &list) || !json_object_is_type(list, json_type_array) ||
        json_object_array_length(list) == 0 || json_object_array_length(list) > SECRET_VERSIONS_MAX) {
        problem_field(p, "versions", "must list 1 to %d version numbers", SECRET_VERSIONS_MAX);
    } else {
        for (size_t i = 0; i < json_object_array_length(list); i++) {
            json_object *e = json_object_array_get_idx(list, i);
            if (!json_object_is_type(e, json_type_int) || json_object_get_int64(e) < 1 || json_object_get_int64(e) > 1000000000)
                problem_field(p, arena_printf(c->arena, "versions/%zu", i), "must be a version number");
            else
                versions[n++] = (int)json_object_get_int64(e);
        }
    }
    if (!json_fields_ok(p))
        return -1;
    size_t changed;
    if (db_begin(c->db, p) < 0 || secrets_versions_change(c->db, c->arena, s.sp.text, what, versions, n, &changed, p) < 0)
        return db_abort(c->db);
    const char *listed = "";
    for (size_t i = 0; i < n; i++)
        listed = arena_printf(c->arena, "%s%s%d", listed, i ? "," : "", versions[i]);
    const char *by = managed_by ? arena_printf(c->arena, ",\"managed_by\":%lld,\"confirmed\":true", managed_by) : "";
    if (app_audited(c, action, "secret", s.sp.text,
                    arena_printf(c->arena, "{\"versions\":[%s],\"changed\":%zu%s}", listed, changed, by)) < 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "path", json_object_new_string(s.sp.text));
    json_object_object_add(o, "changed", json_object_new_int((int)changed));
    return app_json(c, 200, o);
}

static int secret_delete_versions(struct app_ctx *c)
{
    return versions_change(c, "secrets.secret.write", SECRET_DELETE, "secrets.delete");
}

static int secret_undelete(struct app_ctx *c)
{
    return versions_change(c, "secrets.secret.write", SECRET_UNDELETE, "secrets.undelete");
}

static int secret_destroy(struct app_ctx *c)
{
    return versions_change(c, "secrets.secret.destroy", SECRET_DESTROY, "secrets.destroy");
}

/* DELETE /secrets/metadata/{path*}: the secret and every version, for good. */
static int secret_remove(struct app_ctx *c)
{
    struct scope s;
    long long managed_by = 0;
    if (scope_check(c, "secrets.secret.destroy", &s) < 0)
        return -1;
    int g = managed_guard(c, &s, "secrets.remove", &managed_by);
    if (g != 0)
        return g < 0 ? -1 : 0;
    bool removed;
    if (db_begin(c->db, &c->problem) < 0 || secrets_destroy(c->db, c->arena, s.sp.text, &removed, &c->problem) < 0)
        return db_abort(c->db);
    if (!removed) {
        db_abort(c->db);
        return problem_set(&c->problem, 404, "not-found", "no secret at %s", s.sp.text);
    }
    if (app_audited(c, "secrets.remove", "secret", s.sp.text,
                    managed_by ? arena_printf(c->arena, "{\"managed_by\":%lld,\"confirmed\":true}", managed_by) : NULL) < 0)
        return -1;
    return app_status(c, 200, "deleted");
}

static const struct route secrets_routes[] = {
    { "GET", "/api/v1/secrets/metadata", "secrets.secret.read", secret_list, 0,
      "List secrets", "The secrets the caller may read (metadata only), by path: prefix (the start of a path; "
                      "one with a byte that is not ASCII lists nothing), "
                      "q (part of a path, anywhere in it, ignoring case), limit 1..500 (100), cursor from next_cursor.",
      "limit:int(1..500,100) cursor:cursor prefix:string(512) q:string(200)",
      NULL, "200 items:[SecretMeta] next_cursor?:string" },
    { "GET", "/api/v1/secrets/metadata/{path*}", "secrets.secret.read", secret_metadata, 0,
      "A secret's metadata", "Its scope, team (the team that holds it: a secret's scope is its stored team), "
                             "max_versions, current_version and every version kept (bytes, master key, "
                             "created, deleted, destroyed), and managed_by ({resource, name}: the resource whose output it is, "
                             "or null), never a value. An entity's secret has entity_gone: true when its entity was deleted "
                             "(or its name is now another team's entity): it stays with its team until that team moves or "
                             "destroys it. path: team/<team>/[<environment>/]<name> or "
                             "entity/<kind>/<namespace>/<entity>/[<environment>/]<name>; 403 where the caller may not read the scope, "
                             "404 outside a token's secret_paths.", NULL,
      NULL, "200 path:string scope:string team:string entity?:string environment:string name:string "
        "max_versions:int current_version:int created_at:string updated_at:string created_by:string "
        "managed_by?:ManagedBy entity_gone?:bool versions:[{version:int bytes:int master_key:string "
        "created_at:string created_by:string deleted_at?:string destroyed_at?:string}]" },
    { "PUT", "/api/v1/secrets/data/{path*}", "secrets.secret.write", secret_write, ROUTE_BODY_JSON,
      "Write a new version", "{\"value\": text} or {\"value_base64\": bytes} (at most 64 KiB), optional \"cas\" (the "
                             "current version expected; 0: the secret must be new; else 409) and \"max_versions\" (1..100, "
                             "the oldest go first; 0 or none keeps the secret's). 201 for the first version, 200 after; audited without the value. "
                             "A secret a resource manages answers 409 managed-secret (with managed_by) unless ?confirm=managed.",
      NULL,
      "value?:string value_base64?:string cas?:int(-1..1000000000) max_versions?:int(0..100)",
      "200|201 path:string version:int" },
    { "POST", "/api/v1/secrets/reveal/{path*}", "secrets.secret.read", secret_reveal, ROUTE_BODY_JSON_OPTIONAL,
      "Reveal a value", "Optional body {\"version\": n} (default: the current one). Answers the value as text "
                        "(encoding utf-8) or base64; audited (path, version, actor). Needs secrets.reveal on the scope, "
                        "or, for a secret a resource manages, being that resource's requester (with "
                        "provision.output.reveal there); 403 in words otherwise. 410 for a deleted or destroyed "
                        "version, 503 when the master key is unavailable.", NULL,
      "version?:int(0..1000000000)", "200 path:string version:int encoding:enum(utf-8|base64) value:string" },
    { "POST", "/api/v1/secrets/delete/{path*}", "secrets.secret.write", secret_delete_versions, ROUTE_BODY_JSON,
      "Delete versions (soft)", "{\"versions\": [n, ...]}: they no longer reveal until undeleted. 409 managed-secret for a "
                                "secret a resource manages, unless ?confirm=managed.", NULL,
      "versions:[int(1..1000000000)](1..100)", "200 path:string changed:int" },
    { "POST", "/api/v1/secrets/undelete/{path*}", "secrets.secret.write", secret_undelete, ROUTE_BODY_JSON,
      "Undelete versions", "{\"versions\": [n, ...]}", NULL,
      "versions:[int(1..1000000000)](1..100)", "200 path:string changed:int" },
    { "POST", "/api/v1/secrets/destroy/{path*}", "secrets.secret.destroy", secret_destroy, ROUTE_BODY_JSON,
      "Destroy versions", "{\"versions\": [n, ...]}: their ciphertext and keys are erased for good. 409 managed-secret for "
                          "a secret a resource manages, unless ?confirm=managed.", NULL,
      "versions:[int(1..1000000000)](1..100)", "200 path:string changed:int" },
    { "DELETE", "/api/v1/secrets/metadata/{path*}", "secrets.secret.destroy", secret_remove, 0,
      "Delete a secret", "The secret and every version, for good. 409 managed-secret for a secret a resource manages, "
                         "unless ?confirm=managed.", NULL,
      NULL, "200 Status" },
};

static const struct app secrets_app = { "secrets", secrets_routes, sizeof(secrets_routes) / sizeof(secrets_routes[0]),
                                        NULL };

int main(int argc, char **argv)
{
    /* no core dump of a process that held values and master keys */
    struct rlimit none = { 0, 0 };
    setrlimit(RLIMIT_CORE, &none);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    return app_main(&secrets_app, argc, argv);
}
