/*
 * catalog discovery: a service registry on the catalog. An entity's running instances, per
 * environment, are registered (PUT, idempotent: also a heartbeat), renewed (heartbeat) and
 * deregistered (DELETE) by the instances themselves or by CI with a token. An instance is
 * passing while its last heartbeat is younger than its TTL and critical after; the runner
 * deregisters it once it has been critical for its deregister time. Health is computed from the
 * database's clock when read, so nothing has to flip it on time.
 *
 * Registration, changes and deregistration are audited; a heartbeat that changes nothing but the
 * time of the last heartbeat is not (it is the instance saying "still here", every few seconds).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"

#define METADATA_KEYS_MAX 32

static const char sql_instance_locked[] =
    "SELECT id, url, version, region, metadata, ttl_seconds, deregister_seconds FROM instances "
    "WHERE entity_id = ? AND environment = ? AND instance = ? FOR UPDATE";
static const char sql_instance_insert[] =
    "INSERT INTO instances (entity_id, environment, instance, url, version, region, metadata, ttl_seconds, "
    "deregister_seconds, last_heartbeat, expires_at, registered_by) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6) + INTERVAL ? SECOND, ?)";
static const char sql_instance_update[] =
    "UPDATE instances SET url = ?, version = ?, region = ?, metadata = ?, ttl_seconds = ?, deregister_seconds = ?, "
    "last_heartbeat = UTC_TIMESTAMP(6), expires_at = UTC_TIMESTAMP(6) + INTERVAL ? SECOND WHERE id = ?";
static const char sql_heartbeat[] =
    "UPDATE instances SET last_heartbeat = UTC_TIMESTAMP(6), expires_at = UTC_TIMESTAMP(6) + INTERVAL ttl_seconds SECOND "
    "WHERE entity_id = ? AND environment = ? AND instance = ?";
static const char sql_instance_delete[] =
    "DELETE FROM instances WHERE entity_id = ? AND environment = ? AND instance = ?";
/* An instance's status: the worst of its heartbeat's (critical once its TTL passed) and of its health
 * checks' (health_checks of that environment and instance, cgi-bin/health.c) that have a result: a
 * check just made does not take an instance out of discovery before it has run. */
#define INSTANCE_STATUS                                                                                                  \
    "ELT(GREATEST(IF(instances.expires_at >= UTC_TIMESTAMP(6), 1, 3), COALESCE((SELECT MAX(CASE h.status WHEN "          \
    "'critical' THEN 3 WHEN 'warning' THEN 2 ELSE 1 END) FROM health_checks h WHERE h.entity_id = instances.entity_id "  \
    "AND h.environment = instances.environment AND h.instance = instances.instance AND h.results > 0), 1)), "  \
    "'passing', 'warning', "        \
    "'critical')"
#define INSTANCE_COLUMNS                                                                                                 \
    "environment, instance, url, version, region, metadata, ttl_seconds, deregister_seconds, "                           \
    INSTANCE_STATUS " AS status, "                                                                                       \
    "DATE_FORMAT(last_heartbeat, '%Y-%m-%dT%H:%i:%s.%fZ') AS last_heartbeat, "                                           \
    "DATE_FORMAT(expires_at, '%Y-%m-%dT%H:%i:%s.%fZ') AS expires_at, "                                                   \
    "DATE_FORMAT(registered_at, '%Y-%m-%dT%H:%i:%sZ') AS registered_at, registered_by"
static const char sql_instances[] =
    "SELECT " INSTANCE_COLUMNS " FROM instances WHERE entity_id = ? AND (environment, instance) > (?, ?) "
    "ORDER BY environment, instance LIMIT ?";
static const char sql_instance_one[] =
    "SELECT " INSTANCE_COLUMNS " FROM instances WHERE entity_id = ? AND environment = ? AND instance = ?";
static const char sql_discover[] =
    "SELECT instance, url, version, region, metadata, status FROM (SELECT instance, url, version, region, metadata, "
    INSTANCE_STATUS " AS status FROM instances WHERE entity_id = ? AND environment = ?) x "
    "WHERE ? = 'any' OR status = 'passing' LIMIT 1000";
#define INSTANCE_TYPES "ssssssiissssss"

/* Instance names as services name themselves: host:port, a pod's name. */
static bool instance_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 128)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || strchr("._:-", *s)))
            return false;
    return true;
}

/* The path's environment and instance (instance NULL: the route has none); 0, or -1 with 404. */
static int path_instance(struct app_ctx *c, const char **env, const char **inst)
{
    *env = app_param(c, "environment");
    if (!catalog_namespace_ok(*env))
        return problem_set(&c->problem, 404, "not-found", "no such environment: names are lower-case letters, digits "
                                                          "and '-', at most 63");
    if (inst && !instance_name_ok(*inst = app_param(c, "instance")))
        return problem_set(&c->problem, 404, "not-found", "no such instance: names are letters, digits, '.', '_', ':' "
                                                          "and '-', at most 128");
    return 0;
}

/* The instance's metadata: an object of at most METADATA_KEYS_MAX short strings, as JSON text. */
static const char *metadata_text(struct app_ctx *c, json_object *md)
{
    if (!md)
        return "{}";
    if (!json_object_is_type(md, json_type_object)) {
        problem_field(&c->problem, "metadata", "must be an object of strings");
        return "{}";
    }
    if (json_object_object_length(md) > METADATA_KEYS_MAX)
        problem_field(&c->problem, "metadata", "holds at most %d keys", METADATA_KEYS_MAX);
    json_object_object_foreach(md, key, val) {
        if (strlen(key) == 0 || strlen(key) > 63)
            problem_field(&c->problem, arena_printf(c->arena, "metadata/%.63s", key), "keys are 1 to 63 bytes");
        else if (!json_object_is_type(val, json_type_string) || json_object_get_string_len(val) > 500)
            problem_field(&c->problem, arena_printf(c->arena, "metadata/%s", key), "must be a string of at most 500 bytes");
    }
    return arena_strdup(c->arena, json_object_to_json_string_ext(md, JSON_C_TO_STRING_PLAIN));
}

static bool url_ok(const char *u)
{
    return strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0 || strncmp(u, "tcp://", 6) == 0 ||
           strncmp(u, "grpc://", 7) == 0;
}

/* Rows as app_rows_json gives them, with metadata as the object it is. */
static json_object *instances_json(const struct db_result *r, size_t n, const char *types, size_t metadata_col)
{
    json_object *a = app_rows_json(r, n, types);
    for (size_t i = 0; a && i < json_object_array_length(a); i++) {
        json_object *md = json_tokener_parse(db_cell(r, i, metadata_col));
        json_object_object_add(json_object_array_get_idx(a, i), "metadata", md ? md : json_object_new_object());
    }
    return a;
}

/* The path's entity (the caller needs permission on it), environment and instance, as the key
 * of the instances table; 0, or -1 with the problem. */
static int instance_key(struct app_ctx *c, const char *permission, struct catalog_ref *ref, struct db_value key[3])
{
    long long id;
    const char *team, *env = NULL, *inst = NULL;
    if (catalog_path_entity(c, permission, ref, &id, &team) < 0 || path_instance(c, &env, &inst) < 0)
        return -1;
    key[0] = (struct db_value)DB_INTV(id);
    key[1] = (struct db_value)DB_TEXTV(env);
    key[2] = (struct db_value)DB_TEXTV(inst);
    return 0;
}

/* One instance as the API shows it (an empty object if it went meanwhile); NULL on failure. */
static json_object *instance_read(struct app_ctx *c, const struct db_value key[3])
{
    struct db_result r;
    if (db_query(c->db, c->arena, sql_instance_one, key, 3, &r, &c->problem) < 0)
        return NULL;
    json_object *rows = instances_json(&r, r.nrows, INSTANCE_TYPES, 5);
    json_object *one = json_object_get(json_object_array_get_idx(rows, 0));
    json_object_put(rows);
    return one ? one : json_object_new_object();
}

int catalog_instances_list(struct app_ctx *c)
{
    /* by (environment, instance); the cursor carries both as "<environment>/<instance>" (an
     * environment has no "/"); by default up to the old whole (1,000) */
    long limit = app_limit(c);
    const char *after = app_cursor(c, "instances"), *slash = after ? strchr(after, '/') : NULL;
    if (after && !slash)
        problem_field(&c->problem, "cursor", "is not a cursor of this list");
    if (!json_fields_ok(&c->problem))
        return -1;
    struct catalog_ref ref;
    long long id;
    const char *team;
    if (catalog_path_entity(c, "catalog.entity.read", &ref, &id, &team) < 0)
        return -1;
    const char *env = slash ? arena_printf(c->arena, "%.*s", (int)(slash - after), after) : "";
    struct db_value v[4] = { DB_INTV(id), DB_TEXTV(env), DB_TEXTV(slash ? slash + 1 : ""), DB_INTV(limit + 1) };
    struct db_result r;
    if (db_query(c->db, c->arena, sql_instances, v, 4, &r, &c->problem) < 0)
        return -1;
    size_t rows = r.nrows > (size_t)limit ? (size_t)limit : r.nrows;
    const char *next = r.nrows > (size_t)limit && rows
                           ? app_cursor_make(c, "instances", arena_printf(c->arena, "%s/%s", db_cell(&r, rows - 1, 0),
                                                                          db_cell(&r, rows - 1, 1)))
                           : NULL;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "ref", json_object_new_string(ref.text));
    json_object_object_add(o, "instances", instances_json(&r, rows, INSTANCE_TYPES, 5));
    json_object_object_add(o, "next_cursor", json_string_or_null(next));
    return app_json(c, 200, o);
}

static int instance_audit(struct app_ctx *c, const char *action, const char *ref, const char *env, const char *inst,
                          const char *details)
{
    return app_audited(c, action, "instance", arena_printf(c->arena, "%s/%s/%s", ref, env, inst), details);
}

/* PUT .../instances/{environment}/{instance}: register, change, or (unchanged) renew. */
int catalog_instance_put(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    struct catalog_ref ref;
    struct db_value key[3];
    if (instance_key(c, "catalog.instance.register", &ref, key) < 0)
        return -1;
    const char *env = key[1].s, *inst = key[2].s;
    const char *url = json_str(c->body, "url", NULL);
    const char *version = json_str(c->body, "version", "");
    const char *region = json_str(c->body, "region", "");
    long long ttl = json_num(c->body, "ttl_seconds", c->cfg->catalog_instance_ttl_seconds);
    long long dereg = json_num(c->body, "deregister_seconds", c->cfg->catalog_deregister_seconds);
    json_object *md = NULL;
    json_object_object_get_ex(c->body, "metadata", &md);
    const char *metadata = metadata_text(c, md);
    if (url && !url_ok(url))
        problem_field(p, "url", "must be an http://, https://, tcp:// or grpc:// URL");
    if (!json_fields_ok(p))
        return -1;
    struct db_result cur;
    if (db_begin(c->db, p) < 0)
        return -1;
    if (db_query(c->db, c->arena, sql_instance_locked, key, 3, &cur, p) < 0)
        return db_abort(c->db);
    bool exists = cur.nrows == 1;
    bool changed = !exists || strcmp(db_cell(&cur, 0, 1), url) != 0 || strcmp(db_cell(&cur, 0, 2), version) != 0 ||
                   strcmp(db_cell(&cur, 0, 3), region) != 0 || strcmp(db_cell(&cur, 0, 4), metadata) != 0 ||
                   atoll(db_cell(&cur, 0, 5)) != ttl || atoll(db_cell(&cur, 0, 6)) != dereg;
    int rc;
    if (exists) {
        struct db_value v[8] = { DB_TEXTV(url), DB_TEXTV(version), DB_TEXTV(region), DB_TEXTV(metadata),
                                 DB_INTV(ttl), DB_INTV(dereg), DB_INTV(ttl), DB_INTV(atoll(db_cell(&cur, 0, 0))) };
        rc = db_query(c->db, c->arena, sql_instance_update, v, 8, NULL, p);
    } else {
        struct db_value v[11] = { key[0], key[1], key[2], DB_TEXTV(url), DB_TEXTV(version),
                                  DB_TEXTV(region), DB_TEXTV(metadata), DB_INTV(ttl), DB_INTV(dereg), DB_INTV(ttl),
                                  DB_TEXTV(c->actor ? c->actor : "") };
        rc = db_query(c->db, c->arena, sql_instance_insert, v, 11, NULL, p);
    }
    if (rc < 0)
        return db_abort(c->db);
    if (changed) {
        json_object *d = json_object_new_object();
        json_object_object_add(d, "url", json_object_new_string(url));
        json_object_object_add(d, "version", json_object_new_string(version));
        json_object_object_add(d, "ttl_seconds", json_object_new_int64(ttl));
        const char *details = arena_strdup(c->arena, json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN));
        json_object_put(d);
        rc = instance_audit(c, exists ? "catalog.instance.update" : "catalog.instance.register", ref.text, env, inst,
                            details);
    } else {
        rc = db_commit(c->db, p);
    }
    json_object *one = rc < 0 ? NULL : instance_read(c, key);
    if (!one)
        return -1;
    if (!exists)
        http_response_header(&c->res, "Location", arena_printf(c->arena, "%s", c->req.path));
    return app_json(c, exists ? 200 : 201, one);
}

/* POST .../heartbeat: renew the TTL. 404 when the instance is not registered (any more): the
 * instance registers again with PUT. */
int catalog_instance_heartbeat(struct app_ctx *c)
{
    struct catalog_ref ref;
    struct db_value key[3];
    struct db_result r;
    if (instance_key(c, "catalog.instance.register", &ref, key) < 0)
        return -1;
    if (db_query(c->db, c->arena, sql_heartbeat, key, 3, &r, &c->problem) < 0)
        return -1;
    if (r.affected == 0)
        return problem_set(&c->problem, 404, "not-found", "%s has no instance %s in %s: register it with PUT", ref.text,
                           key[2].s, key[1].s);
    json_object *one = instance_read(c, key);
    return one ? app_json(c, 200, one) : -1;
}

int catalog_instance_delete(struct app_ctx *c)
{
    struct catalog_ref ref;
    struct db_value key[3];
    struct db_result r;
    if (instance_key(c, "catalog.instance.register", &ref, key) < 0)
        return -1;
    const char *env = key[1].s, *inst = key[2].s;
    if (db_begin(c->db, &c->problem) < 0)
        return -1;
    if (db_query(c->db, c->arena, sql_instance_delete, key, 3, &r, &c->problem) < 0)
        return db_abort(c->db);
    if (r.affected == 0) {
        db_abort(c->db);
        return problem_set(&c->problem, 404, "not-found", "%s has no instance %s in %s", ref.text, inst, env);
    }
    if (instance_audit(c, "catalog.instance.deregister", ref.text, env, inst, NULL) < 0)
        return -1;
    return app_status(c, 200, "deregistered");
}

/* FNV-1a over seed, a separator and the instance's name: each caller sees its own order, the
 * same on every call while the set stands, so load spreads and connections stay put. */
static unsigned long long shuffle_key(const char *seed, const char *name)
{
    unsigned long long h = 1469598103934665603ULL;
    for (const char *s = seed; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL;
    for (const char *s = name; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

struct endpoint {
    unsigned long long key;
    size_t row;
};

static int endpoint_cmp(const void *a, const void *b)
{
    const struct endpoint *x = a, *y = b;
    return x->key < y->key ? -1 : x->key > y->key;
}

/* GET /catalog/discover/{name}?environment=&namespace=&kind=&seed=: the passing instances. */
int catalog_discover(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    const char *env = http_query(&c->req, "environment"), *ns = http_query(&c->req, "namespace");
    const char *kind = http_query(&c->req, "kind"), *seed = http_query(&c->req, "seed"), *why;
    const char *health = http_query(&c->req, "health");
    if (!env || !catalog_namespace_ok(env))
        problem_field(p, "environment", "is required: an environment's name (lower-case letters, digits and '-')");
    if (seed && strlen(seed) > 200)
        problem_field(p, "seed", "must be at most 200 characters");
    struct catalog_ref ref;
    const char *name = app_param(c, "name");
    /* never cut to fit: a cut name would make two names find one service */
    if (kind && strlen(kind) > 16)
        problem_field(p, "kind", "must be at most 16 characters");
    else if (ns && strlen(ns) > CATALOG_NAME_MAX)
        problem_field(p, "namespace", "must be at most %d characters", CATALOG_NAME_MAX);
    else if (strlen(name) > CATALOG_NAME_MAX)
        problem_field(p, "name", "must be at most %d characters", CATALOG_NAME_MAX);
    else if (catalog_ref_parse(arena_printf(c->arena, "%s:%s/%s", kind ? kind : "component", ns ? ns : "default", name),
                               NULL, NULL, &ref, &why) < 0)
        problem_field(p, "name", "%s", why);
    if (!json_fields_ok(p))
        return -1;
    struct db_value key = DB_TEXTV(ref.text);
    struct db_result e, r;
    if (db_query(c->db, c->arena, "SELECT id, owner_team FROM entities WHERE ref = ?", &key, 1, &e, p) < 0)
        return -1;
    struct authz_decision d;
    if (e.nrows == 0)
        return problem_set(p, 404, "not-found", "no such service: %s", ref.text);
    if (!catalog_may(c, "catalog.entity.read", db_cell(&e, 0, 1), &ref, &d))
        return catalog_refuse(c, "catalog.entity.read", db_cell(&e, 0, 1), &ref, &d);
    struct db_value v[3] = { DB_INTV(atoll(db_cell(&e, 0, 0))), DB_TEXTV(env), DB_TEXTV(health ? health : "passing") };
    if (db_query(c->db, c->arena, sql_discover, v, 3, &r, p) < 0)
        return -1;
    if (!seed)
        seed = c->who.token_id ? arena_printf(c->arena, "token:%lld", c->who.token_id)
                               : arena_printf(c->arena, "user:%lld", c->who.user_id);
    struct endpoint *order = arena_calloc(c->arena, r.nrows + 1, sizeof(*order));
    if (!order)
        return problem_set(p, 500, "internal", "out of memory");
    for (size_t i = 0; i < r.nrows; i++)
        order[i] = (struct endpoint){ shuffle_key(seed, db_cell(&r, i, 0)), i };
    qsort(order, r.nrows, sizeof(*order), endpoint_cmp);
    json_object *all = instances_json(&r, r.nrows, "ssssss", 4), *eps = json_object_new_array();
    for (size_t i = 0; i < r.nrows; i++)
        json_object_array_add(eps, json_object_get(json_object_array_get_idx(all, order[i].row)));
    json_object_put(all);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "service", json_object_new_string(ref.text));
    json_object_object_add(o, "environment", json_object_new_string(env));
    json_object_object_add(o, "endpoints", eps);
    return app_json(c, 200, o);
}
