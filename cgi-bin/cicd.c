/*
 * cicd.fcgi: CI/CD integrations, the providers' deliveries, and the pipeline runs and
 * deployments they report (docs/cicd.md).
 *
 * A team maintainer connects a catalog entity to a provider; Portico makes the webhook secret
 * (kept in the secrets store under the entity, shown once) and the inbound URL. A delivery is
 * public by route and authenticated by its signature (lib/cicd): a bad one is 401 and nothing is
 * stored; a delivery id seen before is 200 with no effect; an event type not read is recorded as
 * ignored. What a delivery reports is kept as the furthest state seen, so the order events come
 * in does not change what is stored.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/app.h"
#include "lib/catalog.h"
#include "lib/cicd.h"
#include "lib/json.h"
#include "lib/ratelimit.h"
#include "lib/secrets.h"

#include "cicd.h"

static struct crypto_keyring *ring;

static const struct crypto_keyring *keyring(struct app_ctx *c)
{
    return secrets_keyring(c->cfg->master_key_file, &ring, false, &c->problem);
}

/* ---- integrations ------------------------------------------------------------------------------ */

/* POST /cicd/integrations {entity, provider, name} */
static int integration_create(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    struct catalog_ref ref;
    const char *team = NULL, *name = json_str(c->body, "name", NULL);
    int pv = cicd_provider_parse(json_str(c->body, "provider", NULL));
    for (const char *s = name; s && *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-')) {
            problem_field(p, "name", "must be lower-case letters, digits and '-'");
            break;
        }
    /* the entity is looked up only for a body that is right otherwise: one 422 names every field */
    if (!json_fields_ok(p) || cicd_entity_owner(c, "entity", json_str(c->body, "entity", NULL), &ref, &team) < 0)
        return -1;
    struct authz_resource res;
    struct authz_decision d;
    if (!cicd_may(c, "cicd.integration.write", team, ref.text, &res, &d))
        return app_refuse(c, "cicd.integration.write", &res, &d);
    const struct crypto_keyring *k = keyring(c);
    if (!k)
        return -1;

    unsigned char raw[CICD_SECRET_HEX / 2];
    char secret[CICD_SECRET_HEX + 1];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(secret, sizeof(secret), raw, sizeof(raw));
    sodium_memzero(raw, sizeof(raw));

    if (db_begin(c->db, p) < 0)
        return -1;
    struct db_value v[5] = { DB_TEXTV(ref.text), DB_TEXTV(team), DB_TEXTV(cicd_provider_name((enum cicd_provider)pv)),
                             DB_TEXTV(name), DB_TEXTV(c->actor ? c->actor : "") };
    struct db_result r;
    if (db_query(c->db, c->arena, "INSERT INTO cicd_integrations (entity_ref, team, provider, name, secret_path, created_by, "
                                  "created_at) VALUES (?, ?, ?, ?, '', ?, UTC_TIMESTAMP(6))", v, 5, &r, p) < 0) {
        bool dup = db_errno(c->db) == 1062;
        db_abort(c->db);
        sodium_memzero(secret, sizeof(secret));
        return dup ? problem_set(p, 409, "conflict", "%s has an integration named %s already", ref.text, name) : -1;
    }
    long long id = (long long)r.insert_id;
    /* the secret lives under the entity, where its owners' secret permissions apply */
    struct secret_path sp;
    const char *why, *path = arena_printf(c->arena, "entity/%s/%s/%s/cicd-hook-%lld", ref.kind, ref.ns, ref.name, id);
    int version;
    if (secret_path_parse(path, &sp, &why) < 0) {
        db_abort(c->db);
        sodium_memzero(secret, sizeof(secret));
        return problem_set(p, 500, "internal", "the integration's secret path is not one: %s", why);
    }
    struct db_value u[2] = { DB_TEXTV(sp.text), DB_INTV(id) };   /* the canonical spelling, as the store keeps it */
    if (secrets_write(c->db, c->arena, k, &sp, team, secret, CICD_SECRET_HEX, 0, 1, 1, c->actor, &version, p) < 0 ||
        db_query(c->db, c->arena, "UPDATE cicd_integrations SET secret_path = ? WHERE id = ?", u, 2, NULL, p) < 0) {
        db_abort(c->db);
        sodium_memzero(secret, sizeof(secret));
        return -1;
    }
    json_object *details = json_object_new_object();
    json_object_object_add(details, "entity", json_object_new_string(ref.text));
    json_object_object_add(details, "provider", json_object_new_string(cicd_provider_name((enum cicd_provider)pv)));
    json_object_object_add(details, "name", json_object_new_string(name));
    json_object_object_add(details, "secret_path", json_object_new_string(sp.text));
    if (app_audited_json(c, "cicd.integration.create", "cicd_integration", arena_printf(c->arena, "%lld", id), details) < 0) {
        sodium_memzero(secret, sizeof(secret));
        return -1;
    }
    int rc = cicd_integration_answer_with(c, id, 201, secret);
    sodium_memzero(secret, sizeof(secret));
    return rc;
}

static int integration_get(struct app_ctx *c)
{
    long long id = app_path_id(c, "id");
    struct db_result r;
    if (cicd_integration_load(c, "cicd.read", id, &r) < 0)
        return -1;
    return cicd_integration_answer(c, id, 200);
}

/* DELETE /cicd/integrations/{id}: the integration, its secret, and what it reported */
static int integration_delete(struct app_ctx *c)
{
    long long id = app_path_id(c, "id");
    struct db_result r;
    if (cicd_integration_load(c, "cicd.integration.write", id, &r) < 0)
        return -1;
    struct problem *p = &c->problem;
    const char *path = db_cell(&r, 0, 2);
    struct db_value v = DB_INTV(id);
    struct db_result pairs;
    if (db_begin(c->db, p) < 0)
        return -1;
    /* the entity's recount lock before anything is read (the recounts below read across integrations) */
    if (cicd_dora_lock(c, db_cell(&r, 0, 0)) < 0 ||
        (path && *path && secrets_destroy(c->db, c->arena, path, NULL, p) < 0) ||
        (db_cell(&r, 0, IR_DEPLOY_SECRET_PATH) &&
         secrets_destroy(c->db, c->arena, db_cell(&r, 0, IR_DEPLOY_SECRET_PATH), NULL, p) < 0) ||
        db_query(c->db, c->arena, "SELECT entity_ref, environment, MIN(finished_at) FROM cicd_deployments WHERE "
                                  "integration_id = ? AND finished_at IS NOT NULL GROUP BY entity_ref, environment",
                 &v, 1, &pairs, p) < 0 ||
        cicd_dora_forget(c, id) < 0 ||
        db_query(c->db, c->arena, "DELETE FROM cicd_integrations WHERE id = ?", &v, 1, NULL, p) < 0 ||
        cicd_dora_recount_after(c, &pairs) < 0)
        return db_abort(c->db);
    if (app_audited(c, "cicd.integration.delete", "cicd_integration", arena_printf(c->arena, "%lld", id),
                    arena_printf(c->arena, "{\"entity\":\"%s\"}", db_cell(&r, 0, 0))) < 0)
        return -1;
    return app_status(c, 200, "deleted");
}

/* GET /cicd/integrations?entity= */
static int integrations_list(struct app_ctx *c)
{
    struct catalog_ref ref;
    const char *team;
    if (cicd_entity_owner(c, "entity", http_query(&c->req, "entity"), &ref, &team) < 0)
        return -1;
    struct authz_resource res;
    struct authz_decision d;
    if (!cicd_may(c, "cicd.read", team, ref.text, &res, &d))
        return app_refuse(c, "cicd.read", &res, &d);
    struct db_value v = DB_TEXTV(ref.text);
    struct db_result r;
    if (db_query(c->db, c->arena, "SELECT " INTEGRATION_COLUMNS " FROM cicd_integrations i WHERE i.entity_ref = ? "
                                  "ORDER BY i.id", &v, 1, &r, &c->problem) < 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "entity", json_object_new_string(ref.text));
    json_object_object_add(o, "integrations", app_rows_json(&r, r.nrows, INTEGRATION_TYPES));
    return app_json(c, 200, o);
}

/* ---- runs and deployments ---------------------------------------------------------------------- */

static int entity_page(struct app_ctx *c, const char *sql_head, const char *member, const char *types, bool by_env)
{
    struct catalog_ref ref;
    const char *team;
    long limit = app_limit(c);
    long long before = app_cursor_id(c, member);
    const char *env = http_query(&c->req, "environment");
    if (cicd_entity_owner(c, "entity", http_query(&c->req, "entity"), &ref, &team) < 0 || !json_fields_ok(&c->problem))
        return -1;
    struct authz_resource res;
    struct authz_decision d;
    if (!cicd_may(c, "cicd.read", team, ref.text, &res, &d))
        return app_refuse(c, "cicd.read", &res, &d);
    struct db_value v[4] = { DB_TEXTV(ref.text), DB_INTV(before > 0 ? before : (long long)(~0ULL >> 1)) };
    size_t nv = 2;
    const char *sql = arena_printf(c->arena, "%s WHERE x.entity_ref = ? AND x.id < ?%s ORDER BY x.id DESC LIMIT ?",
                                   sql_head, by_env && env ? " AND x.environment = ?" : "");
    if (by_env && env)
        v[nv++] = (struct db_value)DB_TEXTV(env);
    v[nv++] = (struct db_value)DB_INTV(limit + 1);
    struct db_result r;
    if (db_query(c->db, c->arena, sql, v, nv, &r, &c->problem) < 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "entity", json_object_new_string(ref.text));
    return app_page(c, o, member, &r, limit, 0, types, member);
}

static int runs_list(struct app_ctx *c)
{
    /* with its test report's counts, when it has one */
    return entity_page(c, "SELECT x.id, i.provider, x.run_key AS run, x.name, x.branch, x.commit_sha AS `commit`, x.status, "
                          DB_RFC3339("x.started_at") " AS started_at, " DB_RFC3339("x.finished_at")
                          " AS finished_at, x.url, t.tests, t.failures + t.errors AS failed_tests FROM cicd_runs x JOIN "
                          "cicd_integrations i ON i.id = x.integration_id LEFT JOIN cicd_test_reports t ON t.run_id = x.id",
                       "runs", "issssssnnsii", false);
}

static int deployments_list(struct app_ctx *c)
{
    return entity_page(c, "SELECT x.id, i.provider, x.deploy_key AS deployment, x.environment, x.version, "
                          "x.commit_sha AS `commit`, x.status, x.actor, " DB_RFC3339("x.started_at") " AS started_at, "
                          DB_RFC3339("x.finished_at") " AS finished_at, x.url FROM cicd_deployments x "
                          "JOIN cicd_integrations i ON i.id = x.integration_id",
                       "deployments", "isssssssnns", true);
}

/* ---- deliveries -------------------------------------------------------------------------------- */

static const char sql_run_upsert[] =
    "INSERT INTO cicd_runs (integration_id, entity_ref, run_key, name, branch, commit_sha, status, status_rank, "
    "started_at, finished_at, url, updated_at, team) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, ''), NULLIF(?, ''), ?, "
    "UTC_TIMESTAMP(6), ?) ON DUPLICATE KEY UPDATE "
    /* the furthest state wins whatever the order; assignments run left to right, rank last */
    "status = IF(VALUES(status_rank) > status_rank, VALUES(status), status), "
    "finished_at = IF(VALUES(status_rank) > status_rank, VALUES(finished_at), COALESCE(finished_at, "
    "VALUES(finished_at))), "
    "started_at = COALESCE(LEAST(started_at, VALUES(started_at)), started_at, VALUES(started_at)), "
    "name = IF(name = '', VALUES(name), name), branch = IF(branch = '', VALUES(branch), branch), "
    "commit_sha = IF(commit_sha = '', VALUES(commit_sha), commit_sha), url = IF(url = '', VALUES(url), url), "
    "status_rank = GREATEST(status_rank, VALUES(status_rank)), updated_at = UTC_TIMESTAMP(6)";

static const char sql_deploy_upsert[] =
    "INSERT INTO cicd_deployments (integration_id, entity_ref, deploy_key, environment, version, commit_sha, status, "
    "status_rank, actor, started_at, finished_at, url, updated_at, team) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, ''), "
    "NULLIF(?, ''), ?, UTC_TIMESTAMP(6), ?) ON DUPLICATE KEY UPDATE "
    "status = IF(VALUES(status_rank) > status_rank, VALUES(status), status), "
    "finished_at = IF(VALUES(status_rank) > status_rank, VALUES(finished_at), COALESCE(finished_at, "
    "VALUES(finished_at))), "
    "started_at = COALESCE(LEAST(started_at, VALUES(started_at)), started_at, VALUES(started_at)), "
    "version = IF(version = '', VALUES(version), version), "
    "commit_sha = IF(commit_sha = '', VALUES(commit_sha), commit_sha), actor = IF(actor = '', VALUES(actor), actor), "
    "url = IF(url = '', VALUES(url), url), "
    "status_rank = GREATEST(status_rank, VALUES(status_rank)), updated_at = UTC_TIMESTAMP(6)";

/* What a delivery reports, stored as the furthest state seen, and what it counts for in DORA
 * recounted (cicd_rollup.c). team: the integration's. */
static int event_apply(struct app_ctx *c, long long id, const char *entity, const char *team, const struct cicd_event *ev)
{
    struct problem *p = &c->problem;
    struct db_result now;
    if (ev->kind == CICD_RUN) {
        struct db_value v[12] = { DB_INTV(id), DB_TEXTV(entity), DB_TEXTV(ev->key), DB_TEXTV(ev->name), DB_TEXTV(ev->branch),
                                  DB_TEXTV(ev->commit), DB_TEXTV(ev->status), DB_INTV(ev->rank), DB_TEXTV(ev->started_at),
                                  DB_TEXTV(ev->finished_at), DB_TEXTV(ev->url), DB_TEXTV(team) };
        if (db_query(c->db, c->arena, sql_run_upsert, v, 12, NULL, p) < 0)
            return -1;
        return cicd_dora_run(c, id, ev->key);
    }
    if (ev->kind == CICD_DEPLOYMENT) {
        struct db_value v[13] = { DB_INTV(id), DB_TEXTV(entity), DB_TEXTV(ev->key), DB_TEXTV(ev->environment),
                                  DB_TEXTV(ev->version), DB_TEXTV(ev->commit), DB_TEXTV(ev->status), DB_INTV(ev->rank),
                                  DB_TEXTV(ev->actor), DB_TEXTV(ev->started_at), DB_TEXTV(ev->finished_at),
                                  DB_TEXTV(ev->url), DB_TEXTV(team) };
        if (db_query(c->db, c->arena, sql_deploy_upsert, v, 13, NULL, p) < 0)
            return -1;
        /* the row as it stands now (the furthest state seen), told to the deploy Portico asked for */
        if (db_query(c->db, c->arena, "SELECT id, environment, version, status FROM cicd_deployments WHERE "
                                      "integration_id = ? AND deploy_key = ?", (struct db_value[]){ v[0], v[2] }, 2,
                     &now, p) < 0)
            return -1;
        if (now.nrows == 0)
            return 0;
        long long dep = atoll(db_cell(&now, 0, 0));
        return cicd_deploy_reported(c, dep, entity, db_cell(&now, 0, 1), db_cell(&now, 0, 2), db_cell(&now, 0, 3)) < 0 ||
               cicd_dora_after_deployment(c, dep) < 0 ? -1 : 0;
    }
    for (size_t i = 0; ev->kind == CICD_PUSH && i < ev->ncommits; i++) {
        /* a commit seen twice keeps its earliest time (a push's, or a merge's opening) */
        struct db_value v[3] = { DB_TEXTV(entity), DB_TEXTV(ev->commits[i].sha), DB_TEXTV(ev->commits[i].time) };
        struct db_result ins;
        if (db_query(c->db, c->arena, "INSERT INTO cicd_commits (entity_ref, sha, committed_at) VALUES (?, ?, ?) "
                                      "ON DUPLICATE KEY UPDATE committed_at = LEAST(committed_at, VALUES(committed_at))",
                     v, 3, &ins, p) < 0)
            return -1;
        /* a new time: the lead time of its deployments */
        if (ins.affected > 0 && cicd_dora_commit(c, entity, ev->commits[i].sha) < 0)
            return -1;
    }
    return 0;
}

static const char *const kind_words[] = { "ignored", "run", "deployment", "push" };

/* One delivery as one transaction (db_run_transaction: again after a deadlock): remembered by
 * its id (a second time: nothing else), what it reports applied, audited. The integration's row
 * is only read (its counts are the deliveries' own), so deliveries of one integration do not
 * queue on it. */
struct delivery_tx {
    struct app_ctx *c;
    long long id;
    const char *entity, *team, *delivery, *event;
    const struct cicd_event *ev;
    bool duplicate;
};

static int delivery_body(void *ctx, struct problem *p)
{
    struct delivery_tx *t = ctx;
    struct app_ctx *c = t->c;
    const struct cicd_event *ev = t->ev;
    /* a deployment or a push recounts other rows of the entity: one such delivery at a time, taken
     * before anything is read, so that what the one before wrote is seen */
    if ((ev->kind == CICD_DEPLOYMENT || ev->kind == CICD_PUSH) && cicd_dora_lock(c, t->entity) < 0)
        return -1;
    struct db_value d[4] = { DB_INTV(t->id), DB_TEXTV(t->delivery), DB_TEXTV(t->event),
                             DB_TEXTV(ev->kind == CICD_IGNORED ? "ignored" : "applied") };
    struct db_result ins;
    if (db_query(c->db, c->arena, "INSERT IGNORE INTO cicd_deliveries (integration_id, delivery_id, event, outcome, "
                                  "received_at) VALUES (?, ?, ?, ?, UTC_TIMESTAMP(6))", d, 4, &ins, p) < 0)
        return -1;
    t->duplicate = ins.affected == 0;
    if (t->duplicate)
        return 0;
    if (event_apply(c, t->id, t->entity, t->team, ev) < 0)
        return -1;
    json_object *details = json_object_new_object();
    json_object_object_add(details, "delivery", json_object_new_string(t->delivery));
    json_object_object_add(details, "event", json_object_new_string(t->event));
    json_object_object_add(details, "kind", json_object_new_string(kind_words[ev->kind]));
    if (ev->key)
        json_object_object_add(details, "key", json_object_new_string(ev->key));
    if (ev->status)
        json_object_object_add(details, "status", json_object_new_string(ev->status));
    if (ev->why)
        json_object_object_add(details, "ignored", json_object_new_string(ev->why));
    c->actor = arena_printf(c->arena, "cicd-integration:%lld", t->id);
    (void)p;
    return app_audited_json(c, "cicd.delivery", "cicd_integration", arena_printf(c->arena, "%lld", t->id), details);
}

/* POST /cicd/hooks/{id}: a provider's delivery */
static int hook_deliver(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    long long id = app_path_id(c, "id");
    if (id <= 0)
        return -1;
    struct db_value v = DB_INTV(id);
    struct db_result r;
    if (db_query(c->db, c->arena, "SELECT entity_ref, provider, secret_path, team FROM cicd_integrations WHERE id = ?", &v, 1, &r,
                 p) < 0)
        return -1;
    if (r.nrows == 0)
        return problem_set(p, 404, "not-found", "no integration %lld", id);
    if (http_body_read(&c->req, (size_t)c->cfg->cicd_hook_max_bytes, true, p) < 0)
        return -1;
    const char *entity = db_cell(&r, 0, 0);
    int provider = cicd_provider_parse(db_cell(&r, 0, 1));
    if (provider < 0)
        return problem_set(p, 500, "internal", "integration %lld names no provider Portico knows", id);
    enum cicd_provider pv = (enum cicd_provider)provider;
    struct cicd_headers h = {
        http_header(&c->req, "X-Hub-Signature-256"), http_header(&c->req, "X-GitHub-Delivery"),
        http_header(&c->req, "X-GitHub-Event"), http_header(&c->req, "X-Gitlab-Token"),
        http_header(&c->req, "Idempotency-Key"), http_header(&c->req, "X-Gitlab-Event-UUID"),
        http_header(&c->req, "X-Gitlab-Event"), http_header(&c->req, "circleci-signature"),
        http_header(&c->req, "circleci-event-type"), http_header(&c->req, "X-Portico-Signature"),
        http_header(&c->req, "X-Portico-Timestamp"), http_header(&c->req, "X-Portico-Delivery"),
        http_header(&c->req, "X-Portico-Event"),
    };

    /* the signature first: nothing from an unsigned body is read, let alone stored */
    const struct crypto_keyring *k = keyring(c);
    unsigned char *value = NULL;
    size_t len = 0;
    int got;
    if (!k || secrets_reveal(c->db, c->arena, k, db_cell(&r, 0, 2), 0, &value, &len, &got, p) < 0)
        return p->status == 404 || p->status == 410 ? (problem_init(p), problem_set(p, 401, "bad-signature",
                                                       "the integration's secret is gone: make the integration again")) : -1;
    /* exactly the 64 hex digits Portico made: an emptied or replaced value (anyone who may write
     * the entity's secrets could) signs nothing, rather than signing with "" */
    char secret[CICD_SECRET_HEX + 1] = "";
    if (len == CICD_SECRET_HEX) {
        memcpy(secret, value, CICD_SECRET_HEX);
        secret[CICD_SECRET_HEX] = '\0';
    }
    secrets_value_free(value, len);
    const char *why;
    bool ok = cicd_signature_ok(pv, &h, secret, c->req.body, c->req.body_len, time(NULL), &why);
    sodium_memzero(secret, sizeof(secret));
    if (!ok) {
        problem_internal(p, "cicd hook %lld: %s", id, why);
        return problem_set(p, 401, "bad-signature", "the delivery is not signed with this integration's secret: %s", why);
    }
    /* each integration its own allowance, counted for authentic deliveries only (so forged ones,
     * under the per-address limit, cannot spend it) */
    if (c->cfg->cicd_hook_per_minute > 0) {
        struct ratelimit_result rl;
        if (ratelimit_take(c->db, c->arena, c->leases, arena_printf(c->arena, "cicd:i:%lld", id),
                           c->cfg->cicd_hook_per_minute, c->cfg->cicd_hook_burst, &rl, p) < 0)
            return -1;
        if (!rl.allowed) {
            p->retry_after = rl.retry_after;
            return problem_set(p, 429, "rate-limited", "integration %lld sends more than %d deliveries a minute; try "
                               "again in %d s", id, c->cfg->cicd_hook_per_minute, rl.retry_after);
        }
    }

    json_object *payload = app_keep(c, json_parse(c->req.body, c->req.body_len, c->cfg->json_max_depth, p));
    if (!payload)
        return -1;
    struct cicd_event ev;
    if (cicd_event_read(pv, &h, payload, c->arena, &ev, &why) < 0)
        return problem_set(p, 422, "validation", "the %s payload is not one Portico reads: %s", cicd_provider_name(pv), why);
    /* no delivery id (an older GitLab): the body's digest, so the same body twice counts once */
    const char *delivery = ev.delivery;
    if (!delivery || !*delivery || strlen(delivery) > 100) {
        unsigned char dg[crypto_hash_sha256_BYTES];
        char hex[sizeof(dg) * 2 + 1];
        crypto_hash_sha256(dg, (const unsigned char *)c->req.body, c->req.body_len);
        sodium_bin2hex(hex, sizeof(hex), dg, sizeof(dg));
        delivery = arena_printf(c->arena, "sha256:%.56s", hex);
    }
    const char *event = arena_printf(c->arena, "%.64s", ev.event);

    struct delivery_tx tx = { c, id, entity, db_cell(&r, 0, 3), delivery, event, &ev, false };
    if (db_run_transaction(c->db, p, delivery_body, &tx) < 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "delivery", json_object_new_string(delivery));
    json_object_object_add(o, "event", json_object_new_string(event));
    json_object_object_add(o, "kind", json_object_new_string(kind_words[ev.kind]));
    if (tx.duplicate) {   /* seen before: answered, with no effect */
        json_object_object_add(o, "outcome", json_object_new_string("duplicate"));
        return app_json(c, 200, o);
    }
    json_object_object_add(o, "outcome", json_object_new_string(ev.kind == CICD_IGNORED ? "ignored" : "applied"));
    if (ev.why)
        json_object_object_add(o, "why", json_object_new_string(ev.why));
    return app_json(c, 200, o);
}

#define INTEGRATION_SHAPE                                                                                           \
    "id:int entity:string team:string provider:enum(github|gitlab|jenkins|circleci|generic) name:string "          \
    "created_by:string created_at:string deliveries:int last_delivery_at?:string last_event?:string "             \
    "deploy_api?:string deploy_target?:string deploy_ref?:string deploy_user?:string "                           \
    "deploy_approvals?:[{environment:string count:int role?:string}] deploys:bool"

#define TESTS_SHAPE                                                                                                \
    "run:int entity:string commit:string tests:int failures:int errors:int skipped:int duration_ms:int "          \
    "uploaded_by:string uploaded_at:string failed:[{suite:string classname:string name:string "                   \
    "kind:enum(failure|error) message:string}]"
#define DEPLOY_FIELDS                                                                                              \
    "id:int integration:int provider:string entity:string team:string environment:string version:string "        \
    "commit:string rollback_of?:int requester:string reason:string "                                             \
    "state:enum(pending_approval|queued|triggering|triggered|succeeded|failed|rejected|cancelled) "               \
    "approvals_needed:int approval_role?:string gates:[{gate:string passed:bool detail:string}] "                 \
    "override_by?:string override_reason?:string attempts:int error?:string provider_ref?:string deployment?:int " \
    "created_at:string updated_at:string"
#define DEPLOY_ROW "{" DEPLOY_FIELDS "}"
#define DEPLOY_SHAPE                                                                                               \
    DEPLOY_FIELDS " approvals:[{approver:string decision:enum(approve|reject) comment:string created_at:string}]"

static const struct route cicd_routes[] = {
    { "GET", "/api/v1/cicd/integrations", "cicd.read", integrations_list, 0,
      "An entity's CI/CD integrations", "?entity=<catalog ref>: its integrations, each with its deliveries so far "
                                        "and how to set it up at the provider.",
      "entity:string(160)",
      NULL, "200 entity:string integrations:[{" INTEGRATION_SHAPE "}]" },
    { "POST", "/api/v1/cicd/integrations", "cicd.integration.write", integration_create, ROUTE_BODY_JSON,
      "Connect an entity to a CI/CD provider",
      "Takes {entity (a catalog ref), provider (github, gitlab, jenkins, circleci or generic), name}. Needs "
      "cicd.integration.write on the entity (maintainer of its owner team). Answers the integration with its webhook "
      "secret, shown this once (kept in the secrets store under the entity), the inbound URL and the setup steps for "
      "that provider.",
      NULL,
      "entity:string(1..160) provider:enum(github|gitlab|jenkins|circleci|generic) name:string(1..63)",
      "201 " INTEGRATION_SHAPE " setup:{url:string steps:[string]} secret:string" },
    { "GET", "/api/v1/cicd/integrations/{id}", "cicd.read", integration_get, 0,
      "An integration", "Its entity, provider, deliveries so far and setup steps (never the secret).", NULL,
      NULL, "200 " INTEGRATION_SHAPE " setup:{url:string steps:[string]}" },
    { "DELETE", "/api/v1/cicd/integrations/{id}", "cicd.integration.write", integration_delete, 0,
      "Disconnect an integration", "Its secret is destroyed, and the runs and deployments it reported go with it; "
                                   "the provider's deliveries are then 404.", NULL,
      NULL, "200 Status" },
    { "POST", "/api/v1/cicd/hooks/{id}", PERM_PUBLIC, hook_deliver, 0,
      "A provider's delivery",
      "Public by route, authenticated by the provider's signature over the exact body (GitHub X-Hub-Signature-256, "
      "GitLab X-Gitlab-Token, CircleCI circleci-signature, Jenkins and generic X-Portico-Signature with "
      "X-Portico-Timestamp within 5 minutes): 401 bad-signature and nothing stored otherwise. A delivery id seen "
      "before answers outcome duplicate and changes nothing; an event type Portico does not read is recorded as "
      "ignored; a body over cicd_hook_max_bytes is 413; past cicd_hook_per_minute authentic deliveries of one "
      "integration, 429 with Retry-After.",
      NULL, "application/json",
      "200 delivery:string event:string kind:enum(ignored|run|deployment|push) "
      "outcome:enum(applied|ignored|duplicate) why?:string" },
    { "GET", "/api/v1/cicd/runs", "cicd.read", runs_list, 0,
      "An entity's pipeline runs", "?entity=<catalog ref>: newest first, each with its test report's counts when one "
                                   "was uploaded (tests, failed_tests: failures and errors); limit 1..200 (50), cursor.",
      "entity:string(160) limit:int(1..200,50) cursor:cursor",
      NULL, "200 entity:string runs:[{id:int provider:string run:string name:string branch:string commit:string "
            "status:enum(queued|running|success|failure|cancelled) started_at?:string finished_at?:string url:string "
            "tests?:int failed_tests?:int}] next_cursor?:string" },
    { "GET", "/api/v1/cicd/deployments", "cicd.read", deployments_list, 0,
      "An entity's deployments", "?entity=<catalog ref>[&environment=]: newest first; limit 1..200 (50), cursor.",
      "entity:string(160) environment:string(63) limit:int(1..200,50) cursor:cursor",
      NULL, "200 entity:string deployments:[{id:int provider:string deployment:string environment:string "
            "version:string commit:string status:enum(pending|running|success|failure|cancelled) actor:string "
            "started_at?:string finished_at?:string url:string}] next_cursor?:string" },
    { "POST", "/api/v1/cicd/runs/{id}/junit", "cicd.report.write", cicd_junit_upload, 0,
      "Upload a run's JUnit test report",
      "Body: JUnit XML (application/xml; at most cicd_report_max_bytes, 413 past it), with <testsuites> or <testsuite> at "
      "the root; no DOCTYPE or entity. Kept as the run's counts (from its test cases) and its failing tests (the first "
      "200); a later upload for the run replaces it. A failing report on a commit refuses a deploy of it (the gates).",
      NULL, "application/xml", "201 " TESTS_SHAPE },
    { "GET", "/api/v1/cicd/runs/{id}/tests", "cicd.read", cicd_tests_get, 0,
      "A run's test report", "Its counts and failing tests; 404 when the run has none.", NULL, NULL, "200 " TESTS_SHAPE },
    { "POST", "/api/v1/cicd/runs/{id}/sarif", "cicd.report.write", cicd_sarif_upload, 0,
      "Upload a run's SARIF security findings",
      "Body: a SARIF 2.1.0 log (application/sarif+json or application/json; at most cicd_report_max_bytes and 5,000 "
      "results). Each result becomes a finding of the run's entity, kept once per fingerprint with its rule, severity "
      "(the rule's security-severity, else its level) and location; findings of the log's tools that this run (being "
      "the newer) no longer reports are fixed. Open critical findings refuse deploys (the gates).",
      NULL, "application/sarif+json",
      "201 run:int entity:string reported:int new:int fixed:int open:int" },
    { "GET", "/api/v1/cicd/findings", "cicd.read", cicd_findings_list, 0,
      "An entity's security findings",
      "?entity=<catalog ref>[&state=open|fixed (open)][&severity=]: newest first, with the open ones counted by "
      "severity; limit 1..200 (50), cursor.",
      "entity:string(160) state:enum(open|fixed) severity:enum(critical|high|medium|low) limit:int(1..200,50) "
      "cursor:cursor",
      NULL, "200 entity:string open:{critical:int high:int medium:int low:int} findings:[{id:int tool:string "
            "rule:string severity:enum(critical|high|medium|low) message:string uri:string line?:int "
            "state:enum(open|fixed) first_run:int last_run:int first_seen_at:string fixed_at?:string}] "
            "next_cursor?:string" },
    { "GET", "/api/v1/cicd/failing", "cicd.read", cicd_failing, 0,
      "Failing pipelines",
      "The pipelines failing now — a pipeline's (entity, name, branch) latest finished run in the last 30 days failed — "
      "of the entities the caller's teams own or the caller holds a role on; newest first, limit 1..200 (50).",
      "limit:int(1..200,50)",
      NULL, "200 runs:[{id:int entity:string name:string branch:string commit:string url:string finished_at:string "
            "provider:string}]" },
    { "PUT", "/api/v1/cicd/integrations/{id}/deploy", "cicd.integration.write", cicd_deploy_setup, ROUTE_BODY_JSON,
      "Set an integration up to deploy",
      "Takes {api_url (the provider's API: api.github.com, gitlab.com and circleci.com by default; Jenkins' URL; the "
      "generic webhook's whole address), target (github owner/repo/workflow, gitlab the project's id or path, jenkins "
      "the job's path, circleci the project slug; none for generic), ref (main), user (jenkins only), credential (the "
      "token the runner calls with; required the first time, kept in the secrets store under the entity and never "
      "shown), approvals [{environment, count 1..5, role (maintainer)}]}. https only (http to loopback).",
      NULL,
      "api_url?:string(1..500) target?:string(1..300) ref?:string(1..255) user?:string(1..100) "
      "credential?:string(1..4096) approvals?:[{environment:string(1..63) count:int(1..5) role?:string(1..63)}](0..20)",
      "200 " INTEGRATION_SHAPE " setup:{url:string steps:[string]}" },
    { "POST", "/api/v1/cicd/deploys", "cicd.deploy", cicd_deploy_create, ROUTE_BODY_JSON,
      "Deploy a version to an environment",
      "Takes {integration, environment, version, commit (its whole id; else the one a deployment of the version had), "
      "reason, override_reason}; Idempotency-Key: the same key and body answer the first deploy (another body: 422). Needs cicd.deploy on the entity in that environment (attribute policies may ask more). The "
      "gates: no open critical finding on the entity and no failing test report on the commit, else 409 gates-failed; "
      "a platform admin (cicd.gate.override) passes them with override_reason, audited. Then the environment's "
      "approvals (pending_approval), else queued for the runner, which triggers the provider; the provider's "
      "deployment event settles it (succeeded or failed).",
      NULL,
      "integration:int(1..1000000000000000) environment:string(1..63) version:string(1..100) commit?:string(0..64) "
      "reason?:string(0..500) override_reason?:string(1..500)",
      "201 " DEPLOY_SHAPE },
    { "POST", "/api/v1/cicd/deploys/rollback", "cicd.deploy", cicd_rollback, ROUTE_BODY_JSON,
      "Roll an environment back",
      "Takes {entity, environment, reason}: redeploys the last version that succeeded there before the current one, "
      "through an integration of the entity set up to deploy, under the same policy and approvals as a deploy (gates "
      "do not stand in a rollback's way). The provider's deployment of it is marked as rolling back the current one "
      "(a change failure in DORA). 409 when there is nothing earlier to go back to.",
      NULL, "entity:string(1..160) environment:string(1..63) reason?:string(0..500)", "201 " DEPLOY_SHAPE },
    { "GET", "/api/v1/cicd/deploys", "cicd.read", cicd_deploys_list, 0,
      "Deploys asked from Portico",
      "?entity=<catalog ref>: the entity's, newest first; or ?pending=mine: those not yet settled that the caller "
      "asked for, and those waiting for an approval the caller may give. limit 1..200 (50), cursor.",
      "entity:string(160) pending:enum(mine) limit:int(1..200,50) cursor:cursor",
      NULL, "200 entity?:string deploys:[" DEPLOY_ROW "] next_cursor?:string" },
    { "GET", "/api/v1/cicd/deploys/{id}", "cicd.read", cicd_deploy_get, 0,
      "A deploy", "Its state, gates, approvals and what the provider answered.", NULL, NULL, "200 " DEPLOY_SHAPE },
    { "POST", "/api/v1/cicd/deploys/{id}/approve", "cicd.deploy.approve", cicd_deploy_decide, ROUTE_BODY_JSON,
      "Approve or reject a deploy",
      "Takes {decision: approve or reject, comment (a rejection's is required)}. Not by its requester (403 "
      "self-approval); the approver holds the environment's approval role on the entity. The last approval needed "
      "queues it, unless the gates refuse it by then (failed). 409 when it is not waiting.",
      NULL, "decision:enum(approve|reject) comment?:string(0..2000)", "200 " DEPLOY_SHAPE },
    { "POST", "/api/v1/cicd/deploys/{id}/cancel", "cicd.deploy", cicd_deploy_cancel, 0,
      "Cancel a deploy", "By its requester or an approver, while it waits (for approval or for the runner); 409 after.",
      NULL, NULL, "200 " DEPLOY_SHAPE },
    { "GET", "/api/v1/cicd/dora", "cicd.read", cicd_dora, 0,
      "DORA metrics",
      "?entity=<catalog ref> or ?team=<name> (neither: the whole platform, for a global reader), days 7, 30 or 90 "
      "(30; UTC days, today the last), environment (production): deployment frequency (successful deployments a "
      "day), lead time for changes (a commit's time to its successful deployment: median and p90, seconds), change "
      "failure rate (deployments failed, rolled back or followed by a hotfix, of those finished), time to restore "
      "(a failure to the next success: median, seconds), and the pipelines' failure rate and median duration. Counts "
      "are exact; medians and p90 are within 1% (durations kept in 2% buckets). A figure with nothing to measure is "
      "null.",
      "entity:string(160) team:string(63) days:enum(7|30|90) environment:string(63)",
      NULL, "200 scope:{entity?:string team?:string} days:int environment:string deployments:int "
            "deployment_frequency_per_day:number changes:int failures:int change_failure_rate?:number "
            "lead_time_seconds:{median?:number p90?:number measured:int} "
            "time_to_restore_seconds:{median?:number measured:int} "
            "pipelines:{runs:int failures:int failure_rate?:number median_duration_seconds?:number}" },
    { "GET", "/api/v1/cicd/dora/daily", "cicd.read", cicd_dora_daily, 0,
      "DORA by day",
      "?entity=<catalog ref> or ?team=<name>, days 7, 30 or 90 (30), environment (production): each day with "
      "something, oldest first — successful and failed deployments to the environment, finished and failed pipeline "
      "runs. What the dashboard's charts draw.",
      "entity:string(160) team:string(63) days:enum(7|30|90) environment:string(63)",
      NULL, "200 entity?:string team?:string days:int environment:string daily:[{day:string deployments:int "
            "failed_deployments:int runs:int failed_runs:int}]" },
};

static const struct app cicd_app = { "cicd", cicd_routes, sizeof(cicd_routes) / sizeof(cicd_routes[0]), NULL };

int main(int argc, char **argv)
{
    return app_main(&cicd_app, argc, argv);
}
