/*
 * cicd_deploys: deploys and rollbacks asked from Portico (sql/0028, docs/cicd.md).
 *
 * A maintainer sets an integration up to deploy: the provider's API, its target, the ref, the
 * outbound credential (kept in the secrets store under the entity, never shown) and the
 * approvals each environment needs. A deploy of version X to environment Y then goes through:
 *
 *   policy     cicd.deploy on the entity in that environment (attribute policies can ask more
 *              where environment = production, say)
 *   gates      no open critical finding on the entity; no failing test report on the commit
 *              (each run's latest); a platform admin (cicd.gate.override) may step over them
 *              with a reason, audited
 *   approvals  N of the holders of a role on the entity, not the requester, as provisioning's
 *
 * and is queued for the runner (runner/deploys.c), which triggers the provider. The provider's
 * deployment event settles it (cicd_deploy_reported). A rollback redeploys the version that was
 * live in the environment before the current one, under the same policy and approvals; gates do
 * not stand in its way (it restores what ran before).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cicd.h"
#include "lib/json.h"
#include "lib/provision.h"
#include "lib/secrets.h"

#include "cicd.h"

static struct crypto_keyring *ring;

#define DEPLOY_COLUMNS                                                                                          \
    "d.id, d.integration_id AS integration, i.provider, d.entity_ref AS entity, d.team, d.environment, d.version, " \
    "d.commit_sha AS `commit`, d.rollback_of, d.requester, d.reason, d.state, d.approvals_needed, d.approval_role, " \
    "d.gates, d.override_by, d.override_reason, d.attempts, d.error, d.provider_ref, d.deployment_id AS deployment, " \
    DB_RFC3339("d.created_at") " AS created_at, " DB_RFC3339("d.updated_at") " AS updated_at"
#define DEPLOY_TYPES "iissssssisssinjnninniss"
#define DEPLOY_FROM " FROM cicd_deploys d JOIN cicd_integrations i ON i.id = d.integration_id"

static bool env_ok(const char *e)
{
    size_t n = e ? strlen(e) : 0;
    return n > 0 && n <= 63 && strspn(e, "abcdefghijklmnopqrstuvwxyz0123456789-") == n && e[0] != '-';
}

static bool hex_ok(const char *s, size_t min, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    return n >= min && n <= max && strspn(s, "0123456789abcdef") == n;
}

/* ---- setting an integration up to deploy -------------------------------------------------------- */

/* PUT /cicd/integrations/{id}/deploy {api_url?, target?, ref?, user?, credential?, approvals?} */
int cicd_deploy_setup(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    long long id = app_path_id(c, "id");
    struct db_result r;
    if (cicd_integration_load(c, "cicd.integration.write", id, &r) < 0)
        return -1;
    int pv = cicd_provider_parse(db_cell(&r, 0, IR_PROVIDER));
    if (pv < 0)
        return problem_set(p, 500, "internal", "integration %lld names no provider Portico knows", id);
    const char *api = json_str(c->body, "api_url", cicd_deploy_api_default((enum cicd_provider)pv));
    const char *target = json_str(c->body, "target", NULL), *ref = json_str(c->body, "ref", "main");
    const char *user = json_str(c->body, "user", NULL), *credential = json_str(c->body, "credential", NULL);
    const char *why;
    if (!api)
        problem_field(p, "api_url", "is required for %s: where its API is", db_cell(&r, 0, IR_PROVIDER));
    else if (!cicd_deploy_url_ok(api, &why))
        problem_field(p, "api_url", "%s", why);
    if (!cicd_deploy_target_ok((enum cicd_provider)pv, target, &why))
        problem_field(p, "target", "%s", why);
    if (!cicd_version_ok(ref))
        problem_field(p, "ref", "is a branch or tag: letters, digits and ._+/- ");
    if (pv == CICD_JENKINS && !user)
        problem_field(p, "user", "is required for jenkins: whose API token the credential is");
    if (pv != CICD_JENKINS && user)
        problem_field(p, "user", "only jenkins has a user");
    if (!credential && !db_cell(&r, 0, IR_DEPLOY_SECRET_PATH))
        problem_field(p, "credential", "is required the first time: the token the runner calls the provider with");
    /* approvals: given (a list), or kept as they are (absent, or null) */
    json_object *approvals = NULL;
    if (!json_object_object_get_ex(c->body, "approvals", &approvals) || !json_object_is_type(approvals, json_type_array))
        approvals = NULL;
    for (size_t i = 0; approvals && i < json_object_array_length(approvals); i++) {
        json_object *a = json_object_array_get_idx(approvals, i);
        const char *env = json_str(a, "environment", NULL), *role = json_str(a, "role", NULL);
        if (!env_ok(env))
            problem_field(p, arena_printf(c->arena, "approvals/%zu/environment", i), "is lower-case letters, digits and '-'");
        if (role && !authz_role_exists(c->rules, role))
            problem_field(p, arena_printf(c->arena, "approvals/%zu/role", i), "is no role Portico knows");
        for (size_t k = 0; k < i && env; k++)
            if (strcmp(json_str(json_object_array_get_idx(approvals, k), "environment", ""), env) == 0)
                problem_field(p, arena_printf(c->arena, "approvals/%zu/environment", i), "repeats approvals/%zu's", k);
    }
    if (!json_fields_ok(p))
        return -1;

    const char *entity = db_cell(&r, 0, IR_ENTITY), *team = db_cell(&r, 0, IR_OWNER);
    const char *path = db_cell(&r, 0, IR_DEPLOY_SECRET_PATH);
    if (db_begin(c->db, p) < 0)
        return -1;
    if (credential) {
        const struct crypto_keyring *k = secrets_keyring(c->cfg->master_key_file, &ring, false, p);
        struct catalog_ref eref;
        struct secret_path sp;
        int version;
        if (!k)
            return db_abort(c->db);
        if (catalog_ref_parse(entity, "Component", NULL, &eref, &why) < 0) {
            db_abort(c->db);
            return problem_set(p, 500, "internal", "integration %lld's entity is not a ref: %s", id, why);
        }
        path = arena_printf(c->arena, "entity/%s/%s/%s/cicd-deploy-%lld", eref.kind, eref.ns, eref.name, id);
        if (secret_path_parse(path, &sp, &why) < 0) {
            db_abort(c->db);
            return problem_set(p, 500, "internal", "the deploy credential's path is not one: %s", why);
        }
        path = arena_strdup(c->arena, sp.text);
        /* a new version of the credential (the store keeps the one before, for a while) */
        int rc = secrets_write(c->db, c->arena, k, &sp, team, credential, strlen(credential), -1, 0, 2, c->actor,
                               &version, p);
        /* the value is in the store: not in this process's memory any longer than that */
        sodium_memzero((char *)credential, strlen(credential));
        sodium_memzero((char *)c->req.body, c->req.body_len);
        if (rc < 0)
            return db_abort(c->db);
    }
    const char *approvals_text = approvals ? app_json_text(c, approvals) : NULL;
    if (approvals && !approvals_text) {
        db_abort(c->db);
        return problem_set(p, 500, "internal", "out of memory");
    }
    struct db_value v[7] = { DB_TEXTV(api), DB_OPTV(target && *target ? target : NULL), DB_TEXTV(ref), DB_OPTV(user),
                             DB_TEXTV(path), DB_OPTV(approvals_text), DB_INTV(id) };
    if (db_query(c->db, c->arena, "UPDATE cicd_integrations SET deploy_api = ?, deploy_target = ?, deploy_ref = ?, "
                                  "deploy_user = ?, deploy_secret_path = ?, deploy_approvals = COALESCE(?, "
                                  "deploy_approvals) WHERE id = ?", v, 7, NULL, p) < 0)
        return db_abort(c->db);
    json_object *details = json_object_new_object();
    json_object_object_add(details, "entity", json_object_new_string(entity));
    json_object_object_add(details, "api_url", json_object_new_string(api));
    json_object_object_add(details, "target", json_string_or_null(target));
    json_object_object_add(details, "credential", json_object_new_boolean(credential != NULL));
    if (approvals)
        json_object_object_add(details, "approvals", json_object_get(approvals));
    if (app_audited_json(c, "cicd.integration.deploy", "cicd_integration", arena_printf(c->arena, "%lld", id), details) < 0)
        return -1;
    return cicd_integration_answer(c, id, 200);
}

/* ---- gates ------------------------------------------------------------------------------------- */

/* The gates of a deploy of commit (may be "") of entity: their findings as JSON
 * [{gate, passed, detail}] into *out; *failed the number that did not pass. */
static int gates_check(struct app_ctx *c, const char *entity, const char *commit, json_object **out, int *failed)
{
    struct db_value v[2] = { DB_TEXTV(entity), DB_TEXTV(commit) };
    struct db_result f, t = { 0 };
    static const char *const none[] = { "0", "0" };
    /* each run's report counts once, the latest of runs of one name on the commit (a re-run
     * that passes is what stands); no commit known, no report to look at */
    if (db_query(c->db, c->arena, "SELECT COUNT(*) FROM cicd_findings WHERE entity_ref = ? AND state = 'open' AND "
                                  "severity = 'critical'", v, 1, &f, &c->problem) < 0 ||
        (*commit && db_query(c->db, c->arena,
                 "SELECT COUNT(*), COALESCE(SUM(t.failures + t.errors), 0) FROM cicd_test_reports t JOIN cicd_runs x ON "
                 "x.id = t.run_id WHERE t.entity_ref = ? AND t.commit_sha = ? AND NOT EXISTS (SELECT 1 FROM "
                 "cicd_test_reports t2 JOIN cicd_runs x2 ON x2.id = t2.run_id WHERE t2.entity_ref = t.entity_ref AND "
                 "t2.commit_sha = t.commit_sha AND x2.name = x.name AND x2.id > x.id)", v, 2, &t, &c->problem) < 0))
        return -1;
    long long critical = atoll(db_cell(&f, 0, 0));
    long long reports = atoll(*commit ? db_cell(&t, 0, 0) : none[0]), failing = atoll(*commit ? db_cell(&t, 0, 1) : none[1]);
    json_object *list = app_keep(c, json_object_new_array());
    if (!list)
        return problem_set(&c->problem, 500, "internal", "out of memory");
    struct { const char *gate; bool passed; const char *detail; } g[2] = {
        { "findings", critical == 0, critical ? arena_printf(c->arena, "%lld open critical finding%s", critical,
                                                            critical == 1 ? "" : "s") : "no open critical finding" },
        { "tests", failing == 0, !*commit ? "no commit known: no test report to look at" :
                                 !reports ? "no test report for the commit" :
                                 failing ? arena_printf(c->arena, "%lld failing test%s on %.12s", failing,
                                                        failing == 1 ? "" : "s", commit) : "the commit's tests pass" },
    };
    *failed = 0;
    for (size_t i = 0; i < 2; i++) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "gate", json_object_new_string(g[i].gate));
        json_object_object_add(o, "passed", json_object_new_boolean(g[i].passed));
        json_object_object_add(o, "detail", json_object_new_string(g[i].detail));
        json_object_array_add(list, o);
        *failed += !g[i].passed;
    }
    *out = list;
    return 0;
}

/* ---- asking for a deploy ----------------------------------------------------------------------- */

struct deploy_new {
    long long integration, rollback_of;
    const char *entity, *team, *environment, *version, *commit, *reason, *approvals_json;
    json_object *gates;
    const char *override_reason;
    const char *key, *hash;   /* Idempotency-Key (or NULL) and the body's SHA-256 */
};


static int deploy_answer(struct app_ctx *c, long long id, int status)
{
    struct db_value v = DB_INTV(id);
    struct db_result r, a;
    if (db_query(c->db, c->arena, "SELECT " DEPLOY_COLUMNS DEPLOY_FROM " WHERE d.id = ?", &v, 1, &r, &c->problem) < 0 ||
        db_query(c->db, c->arena, "SELECT approver, decision, comment, " DB_RFC3339("created_at") " AS created_at FROM "
                                  "cicd_deploy_approvals WHERE deploy_id = ? ORDER BY created_at", &v, 1, &a,
                 &c->problem) < 0)
        return -1;
    if (r.nrows == 0)
        return problem_set(&c->problem, 404, "not-found", "no deploy %lld", id);
    json_object *rows = app_keep(c, app_rows_json(&r, 1, DEPLOY_TYPES));
    json_object *o = rows ? json_object_get(json_object_array_get_idx(rows, 0)) : NULL;
    if (!o)
        return problem_set(&c->problem, 500, "internal", "out of memory");
    json_object_object_add(o, "approvals", app_rows_json(&a, a.nrows, "ssss"));
    return app_json(c, status, o);
}

#define IDEMPOTENCY_KEY_MAX 200

/* A deploy asked before under the request's Idempotency-Key: its answer (201, again) when the
 * body is the same, 422 when it is not; 0 with *key and hash set when the key is new (or none). */
static int idempotent(struct app_ctx *c, const char **key, char hash[65], bool *answered)
{
    struct problem *p = &c->problem;
    unsigned char digest[crypto_hash_sha256_BYTES];
    *answered = false;
    *key = http_header(&c->req, "Idempotency-Key");
    crypto_hash_sha256(digest, (const unsigned char *)c->req.body, c->req.body_len);
    sodium_bin2hex(hash, 65, digest, sizeof(digest));
    if (!*key)
        return 0;
    if (strlen(*key) < 1 || strlen(*key) > IDEMPOTENCY_KEY_MAX)
        return problem_field(p, "Idempotency-Key", "must be 1 to %d characters", IDEMPOTENCY_KEY_MAX), -1;
    struct db_value v[2] = { DB_INTV(c->who.user_id), DB_TEXTV(*key) };
    struct db_result q;
    if (db_query(c->db, c->arena, "SELECT id, request_hash FROM cicd_deploys WHERE requester_id = ? AND "
                                  "idempotency_key = ?", v, 2, &q, p) < 0)
        return -1;
    if (q.nrows == 0)
        return 0;
    if (strcmp(db_cell(&q, 0, 1), hash) != 0)
        return problem_set(p, 422, "idempotency-key-reused", "this Idempotency-Key was used for another deploy");
    *answered = true;
    return deploy_answer(c, atoll(db_cell(&q, 0, 0)), 201);
}

/* The approvals environment needs, from an integration's deploy_approvals: count and role. */
static void approvals_for(struct app_ctx *c, const char *json, const char *environment, int *count, const char **role)
{
    json_object *list = app_keep(c, json ? json_tokener_parse(json) : NULL);
    *count = 0;
    *role = NULL;
    for (size_t i = 0; list && json_object_is_type(list, json_type_array) && i < json_object_array_length(list); i++) {
        json_object *a = json_object_array_get_idx(list, i);
        if (strcmp(json_str(a, "environment", ""), environment) == 0) {
            *count = (int)json_num(a, "count", 1);
            *role = arena_strdup(c->arena, json_str(a, "role", "maintainer"));
        }
    }
}

static int deploy_insert(struct app_ctx *c, const struct deploy_new *n, long long *id)
{
    struct problem *p = &c->problem;
    int needed;
    const char *role;
    approvals_for(c, n->approvals_json, n->environment, &needed, &role);
    const char *state = needed > 0 ? "pending_approval" : "queued";
    const char *gates = app_json_text(c, n->gates);
    if (!gates)
        return problem_set(p, 500, "internal", "out of memory");
    struct trace_origin origin = app_origin(c);
    struct db_value v[21] = { DB_INTV(n->integration), DB_TEXTV(n->entity), DB_TEXTV(n->team), DB_TEXTV(n->environment),
                              DB_TEXTV(n->version), DB_TEXTV(n->commit), DB_INTV(n->rollback_of),
                              DB_INTV(c->who.user_id), DB_TEXTV(c->who.username), DB_TEXTV(n->reason), DB_TEXTV(state),
                              DB_INTV(needed), DB_OPTV(role), DB_TEXTV(gates),
                              DB_OPTV(n->override_reason ? c->who.username : NULL), DB_OPTV(n->override_reason),
                              DB_INTV(c->cfg->runner_max_attempts), DB_OPTV(n->key), DB_OPTV(n->key ? n->hash : NULL),
                              DB_OPTV(origin.request_id), DB_OPTV(origin.traceparent[0] ? origin.traceparent : NULL) };
    struct db_result r;
    if (db_query(c->db, c->arena,
                 "INSERT INTO cicd_deploys (integration_id, entity_ref, team, environment, version, commit_sha, rollback_of, "
                 "requester_id, requester, reason, state, approvals_needed, approval_role, gates, override_by, "
                 "override_reason, max_attempts, idempotency_key, request_hash, request_id, traceparent, due_at, created_at, "
                 "updated_at) VALUES (?, ?, ?, ?, ?, ?, NULLIF(?, 0), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6), "
                 "UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))", v, 21, &r, p) < 0) {
        if (db_errno(c->db) == 1062) {   /* the same key, at the same moment */
            problem_init(p);
            return problem_set(p, 409, "conflict", "a deploy with this Idempotency-Key is being asked for; retry");
        }
        return -1;
    }
    *id = (long long)r.insert_id;
    const char *what = arena_printf(c->arena, "%s %s of %s to %s", n->rollback_of ? "A rollback" : "A deploy", n->version,
                                    n->entity, n->environment);
    if (needed > 0 && provision_notify_except(c->db, c->arena, 0, NULL, n->team, c->who.user_id, "deploy-approval",
                                              arena_printf(c->arena, "%s by %s waits for your approval", what,
                                                           c->who.username),
                                              arena_printf(c->arena, "/cicd/deploys/%lld", *id), p) < 0)
        return -1;
    json_object *details = json_object_new_object();
    json_object_object_add(details, "entity", json_object_new_string(n->entity));
    json_object_object_add(details, "environment", json_object_new_string(n->environment));
    json_object_object_add(details, "version", json_object_new_string(n->version));
    json_object_object_add(details, "state", json_object_new_string(state));
    if (n->rollback_of)
        json_object_object_add(details, "rollback_of", json_object_new_int64(n->rollback_of));
    if (n->override_reason) {
        json_object_object_add(details, "override_reason", json_object_new_string(n->override_reason));
        json_object_object_add(details, "gates", json_object_get(n->gates));
    }
    return app_audited_json(c, n->rollback_of ? "cicd.rollback.request" : n->override_reason ? "cicd.deploy.override"
                                                                                            : "cicd.deploy.request",
                            "cicd_deploy", arena_printf(c->arena, "%lld", *id), details);
}

/* May the caller deploy to environment of the entity: cicd.deploy there, and the integration set
 * up to deploy (409 otherwise). */
static int deploy_allowed(struct app_ctx *c, const struct db_result *r, const char *environment)
{
    struct authz_resource res = { db_cell(r, 0, IR_OWNER), db_cell(r, 0, IR_ENTITY), environment, "deployment" };
    struct authz_decision d;
    if (!app_may(c, "cicd.deploy", &res, &d))
        return app_refuse(c, "cicd.deploy", &res, &d);
    if (!db_cell(r, 0, IR_DEPLOY_API) || !db_cell(r, 0, IR_DEPLOY_SECRET_PATH))
        return problem_set(&c->problem, 409, "not-set-up", "the integration is not set up to deploy: a maintainer gives "
                                                            "it the provider's API and a credential first (PUT "
                                                            "/api/v1/cicd/integrations/{id}/deploy)");
    return 0;
}

/* POST /cicd/deploys {integration, environment, version, commit?, reason?, override_reason?} */
int cicd_deploy_create(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    long long integration = json_num(c->body, "integration", 0);
    const char *env = json_str(c->body, "environment", NULL), *version = json_str(c->body, "version", NULL);
    const char *commit = json_str(c->body, "commit", NULL), *reason = json_str(c->body, "reason", "");
    const char *override = json_str(c->body, "override_reason", NULL);
    if (env && !env_ok(env))
        problem_field(p, "environment", "is lower-case letters, digits and '-'");
    if (version && !cicd_version_ok(version))
        problem_field(p, "version", "is a tag, a branch or a commit: letters, digits and ._+/-");
    if (commit && *commit && !hex_ok(commit, 40, 64))
        problem_field(p, "commit", "is a commit's whole hexadecimal id (40 or 64 lower-case digits: the gates look "
                                   "its test reports up by it)");
    struct db_result r;
    const char *key;
    char hash[65];
    bool answered;
    if (!json_fields_ok(p) || cicd_integration_load(c, "cicd.read", integration, &r) < 0 ||
        deploy_allowed(c, &r, env) < 0 || idempotent(c, &key, hash, &answered) < 0)
        return -1;
    if (answered)
        return 0;
    const char *entity = db_cell(&r, 0, IR_ENTITY);
    /* the commit: given, else the one a deployment of that version had, else the version if it is one */
    if (!commit || !*commit) {
        struct db_value v[2] = { DB_TEXTV(entity), DB_TEXTV(version) };
        struct db_result k;
        if (db_query(c->db, c->arena, "SELECT commit_sha FROM cicd_deployments WHERE entity_ref = ? AND version = ? AND "
                                      "commit_sha <> '' ORDER BY id DESC LIMIT 1", v, 2, &k, p) < 0)
            return -1;
        /* a whole id only: a short one (GitLab's short_sha) matches no test report, and the gate
         * would pass for it */
        commit = k.nrows && hex_ok(db_cell(&k, 0, 0), 40, 64) ? db_cell(&k, 0, 0) : hex_ok(version, 40, 64) ? version : "";
    }
    json_object *gates;
    int failed;
    if (gates_check(c, entity, commit, &gates, &failed) < 0)
        return -1;
    if (failed && !override) {
        const char *why = "";
        for (size_t i = 0; i < json_object_array_length(gates); i++) {
            json_object *g = json_object_array_get_idx(gates, i);
            if (!json_flag(g, "passed", true))
                why = arena_printf(c->arena, "%s%s%s", why, *why ? "; " : "", json_str(g, "detail", ""));
        }
        return problem_set(p, 409, "gates-failed", "the deploy is refused by its gates: %s (a platform admin may "
                                                   "override them with override_reason)", why);
    }
    if (override) {
        static const struct authz_resource everywhere = { NULL, NULL, NULL, NULL };
        struct authz_decision d;
        if (!failed) {
            override = NULL;   /* nothing to override: not recorded as one */
        } else if (!app_may(c, "cicd.gate.override", &everywhere, &d)) {
            return app_refuse(c, "cicd.gate.override", NULL, &d);
        }
    }
    struct deploy_new n = { integration, 0, entity, db_cell(&r, 0, IR_OWNER), env, version, commit, reason,
                            db_cell(&r, 0, IR_DEPLOY_APPROVALS), gates, override, key, hash };
    long long id;
    if (db_begin(c->db, p) < 0)
        return -1;
    if (deploy_insert(c, &n, &id) < 0)
        return db_abort(c->db);
    return deploy_answer(c, id, 201);
}

/* POST /cicd/deploys/rollback {entity, environment, reason?}: the version live there before the
 * current one, again */
int cicd_rollback(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    const char *env = json_str(c->body, "environment", NULL), *reason = json_str(c->body, "reason", "");
    struct catalog_ref ref;
    const char *team;
    if (env && !env_ok(env))
        problem_field(p, "environment", "is lower-case letters, digits and '-'");
    if (!json_fields_ok(p) || cicd_entity_owner(c, "entity", json_str(c->body, "entity", NULL), &ref, &team) < 0)
        return -1;
    struct authz_resource res = { team, ref.text, env, "deployment" };
    struct authz_decision d;
    const char *key;
    char hash[65];
    bool answered;
    if (!app_may(c, "cicd.read", &res, &d))
        return app_refuse(c, "cicd.read", &res, &d);
    if (idempotent(c, &key, hash, &answered) < 0)
        return -1;
    if (answered)
        return 0;
    struct db_value v[3] = { DB_TEXTV(ref.text), DB_TEXTV(env) };
    struct db_result cur, prev, intg;
    if (db_query(c->db, c->arena, "SELECT id, version, integration_id FROM cicd_deployments WHERE entity_ref = ? AND "
                                  "environment = ? AND status = 'success' ORDER BY finished_at DESC, id DESC LIMIT 1",
                 v, 2, &cur, p) < 0)
        return -1;
    if (cur.nrows == 0)
        return problem_set(p, 409, "nothing-to-roll-back", "%s has no successful deployment to %s", ref.text, env);
    v[2] = (struct db_value)DB_TEXTV(db_cell(&cur, 0, 1));
    /* not a version some deployment rolled back: a second rollback goes further back, never to
     * the release the first one undid */
    if (db_query(c->db, c->arena, "SELECT p.version, p.commit_sha FROM cicd_deployments p WHERE p.entity_ref = ? AND "
                                  "p.environment = ? AND p.status = 'success' AND p.version <> ? AND p.version NOT IN "
                                  "(SELECT b.version FROM cicd_deployments r JOIN cicd_deployments b ON b.id = "
                                  "r.rollback_of WHERE r.entity_ref = p.entity_ref AND r.environment = p.environment) "
                                  "ORDER BY p.finished_at DESC, p.id DESC LIMIT 1", v, 3, &prev, p) < 0)
        return -1;
    if (prev.nrows == 0)
        return problem_set(p, 409, "nothing-to-roll-back", "%s has had only %s in %s: no earlier version to go back to",
                           ref.text, db_cell(&cur, 0, 1), env);
    /* the integration that deployed the current version, if it can deploy; else one of the entity's that can */
    struct db_value w[2] = { DB_TEXTV(ref.text), DB_INTV(atoll(db_cell(&cur, 0, 2))) };
    if (db_query(c->db, c->arena, "SELECT id FROM cicd_integrations WHERE entity_ref = ? AND deploy_secret_path IS NOT "
                                  "NULL ORDER BY id = ? DESC, id LIMIT 1", w, 2, &intg, p) < 0)
        return -1;
    if (intg.nrows == 0)
        return problem_set(p, 409, "not-set-up", "none of %s's integrations is set up to deploy", ref.text);
    struct db_result r;
    if (cicd_integration_load(c, "cicd.read", atoll(db_cell(&intg, 0, 0)), &r) < 0 || deploy_allowed(c, &r, env) < 0)
        return -1;
    json_object *gates = app_keep(c, json_object_new_array());
    struct deploy_new n = { atoll(db_cell(&intg, 0, 0)), atoll(db_cell(&cur, 0, 0)), ref.text, team, env,
                            db_cell(&prev, 0, 0), db_cell(&prev, 0, 1), reason, db_cell(&r, 0, IR_DEPLOY_APPROVALS),
                            gates, NULL, key, hash };
    long long id;
    if (db_begin(c->db, p) < 0)
        return -1;
    if (deploy_insert(c, &n, &id) < 0)
        return db_abort(c->db);
    return deploy_answer(c, id, 201);
}

/* ---- reading ----------------------------------------------------------------------------------- */

struct deploy_row {
    long long id, requester_id;
    const char *entity, *team, *environment, *state, *approval_role, *commit;
    int approvals_needed;
    bool overridden, rollback;
};

static int deploy_load(struct app_ctx *c, long long id, bool lock, struct deploy_row *d)
{
    struct db_value v = DB_INTV(id);
    struct db_result r;
    if (id <= 0)
        return problem_set(&c->problem, 404, "not-found", "no such deploy");
    /* the row locked first (a locking read: the next one's snapshot begins after it), then read
     * with the entity's owner now: a handover moves who approves and cancels */
    if (lock && db_query(c->db, c->arena, "SELECT id FROM cicd_deploys WHERE id = ? FOR UPDATE", &v, 1, &r, &c->problem) < 0)
        return -1;
    if (db_query(c->db, c->arena, "SELECT d.id, d.requester_id, d.entity_ref, COALESCE(e.owner_team, d.team), "
                                  "d.environment, d.state, d.approval_role, d.approvals_needed, d.override_by IS NOT NULL, "
                                  "d.commit_sha, d.rollback_of IS NOT NULL FROM cicd_deploys d LEFT JOIN entities e ON "
                                  "e.ref = d.entity_ref WHERE d.id = ?", &v, 1, &r, &c->problem) < 0)
        return -1;
    struct authz_resource res = { r.nrows ? db_cell(&r, 0, 3) : NULL, r.nrows ? db_cell(&r, 0, 2) : NULL, NULL, NULL };
    struct authz_decision dd;
    if (r.nrows == 0 || !app_may(c, "cicd.read", &res, &dd)) {
        c->hidden_denial = r.nrows != 0;
        return problem_set(&c->problem, 404, "not-found", "no deploy %lld", id);
    }
    *d = (struct deploy_row){ id, atoll(db_cell(&r, 0, 1)), db_cell(&r, 0, 2), db_cell(&r, 0, 3), db_cell(&r, 0, 4),
                              db_cell(&r, 0, 5), db_cell(&r, 0, 6), db_cell(&r, 0, 9), atoi(db_cell(&r, 0, 7)),
                              strcmp(db_cell(&r, 0, 8), "0") != 0, strcmp(db_cell(&r, 0, 10), "0") != 0 };
    return 0;
}

/* GET /cicd/deploys/{id} */
int cicd_deploy_get(struct app_ctx *c)
{
    struct deploy_row d;
    if (deploy_load(c, app_path_id(c, "id"), false, &d) < 0)
        return -1;
    return deploy_answer(c, d.id, 200);
}

/* GET /cicd/deploys?entity= | ?pending=mine: an entity's, newest first; or the deploys not yet
 * settled that the caller asked for or may approve */
int cicd_deploys_list(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    const char *entity = http_query(&c->req, "entity"), *pending = http_query(&c->req, "pending");
    long limit = app_limit(c);
    long long before = app_cursor_id(c, "deploys");
    if (!entity == !pending)
        problem_field(p, "entity", "give entity, or pending=mine");
    if (!json_fields_ok(p))
        return -1;
    json_object *o = json_object_new_object();
    struct db_value *v;
    size_t nv = 0;
    const char *where;
    if (entity) {
        struct catalog_ref ref;
        const char *team;
        struct authz_resource res;
        struct authz_decision d;
        json_object_put(o);
        if (cicd_entity_owner(c, "entity", entity, &ref, &team) < 0)
            return -1;
        if (!cicd_may(c, "cicd.read", team, ref.text, &res, &d))
            return app_refuse(c, "cicd.read", &res, &d);
        o = json_object_new_object();
        json_object_object_add(o, "entity", json_object_new_string(ref.text));
        v = arena_calloc(c->arena, 4, sizeof(*v));
        if (!v)
            return json_object_put(o), problem_set(p, 500, "internal", "out of memory");
        v[nv++] = (struct db_value)DB_TEXTV(arena_strdup(c->arena, ref.text));
        where = "r.entity_ref = ?";
    } else {
        /* mine: asked by me, or waiting for an approval I may give (the team's approvers) */
        if (!(where = app_scope_where(c, "cicd.deploy.approve", &v, &nv)))
            return json_object_put(o), -1;
        where = arena_printf(c->arena, "r.state IN ('pending_approval', 'queued', 'triggering', 'triggered') AND "
                                       "(r.requester_id = ? OR (r.state = 'pending_approval' AND r.requester_id <> ? "
                                       "AND %s))", where);
        memmove(v + 2, v, nv * sizeof(*v));
        v[0] = (struct db_value)DB_INTV(c->who.user_id);
        v[1] = (struct db_value)DB_INTV(c->who.user_id);
        nv += 2;
    }
    v[nv++] = (struct db_value)DB_INTV(before > 0 ? before : (long long)(~0ULL >> 1));
    v[nv++] = (struct db_value)DB_INTV(limit + 1);
    struct db_result r;
    if (db_query(c->db, c->arena, arena_printf(c->arena, "SELECT %s" DEPLOY_FROM " JOIN cicd_deploys r ON r.id = d.id "
                                                         "WHERE %s AND d.id < ? ORDER BY d.id DESC LIMIT ?",
                                               DEPLOY_COLUMNS, where), v, nv, &r, p) < 0)
        return json_object_put(o), -1;
    return app_page(c, o, "deploys", &r, limit, 0, DEPLOY_TYPES, "deploys");
}

/* ---- deciding ---------------------------------------------------------------------------------- */

/* POST /cicd/deploys/{id}/approve {decision: approve|reject, comment?} */
int cicd_deploy_decide(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    const char *decision = json_str(c->body, "decision", NULL), *comment = json_str(c->body, "comment", "");
    bool approve = decision && strcmp(decision, "approve") == 0;
    if (!approve && !*comment)
        problem_field(p, "comment", "a rejection says why");
    if (!json_fields_ok(p))
        return -1;
    struct deploy_row d;
    if (db_begin(c->db, p) < 0)
        return -1;
    if (deploy_load(c, app_path_id(c, "id"), true, &d) < 0)
        return db_abort(c->db);
    struct authz_resource res = { d.team, d.entity, d.environment, "deployment" };
    struct authz_decision dd;
    if (d.requester_id == c->who.user_id) {
        db_abort(c->db);
        return problem_set(p, 403, "self-approval", "you asked for this deploy: someone else must decide on it");
    }
    if (!app_may(c, "cicd.deploy.approve", &res, &dd)) {
        db_abort(c->db);
        return app_refuse(c, "cicd.deploy.approve", &res, &dd);
    }
    if (d.approval_role && !authz_holds_role(&c->grants, d.approval_role, &res)) {
        db_abort(c->db);
        return problem_set(p, 403, "forbidden", "approvers of this deploy hold the role %s on %s", d.approval_role,
                           d.entity);
    }
    if (strcmp(d.state, "pending_approval") != 0) {
        db_abort(c->db);
        return problem_set(p, 409, "conflict", "deploy %lld is %s, not waiting for approval", d.id, d.state);
    }
    struct db_value v[5] = { DB_INTV(d.id), DB_INTV(c->who.user_id), DB_TEXTV(c->who.username),
                             DB_TEXTV(approve ? "approve" : "reject"), DB_TEXTV(comment) };
    if (db_query(c->db, c->arena, "INSERT INTO cicd_deploy_approvals (deploy_id, approver_id, approver, decision, comment, "
                                  "created_at) VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP(6))", v, 5, NULL, p) < 0) {
        bool dup = db_errno(c->db) == 1062;
        db_abort(c->db);
        if (dup) {
            problem_init(p);
            return problem_set(p, 409, "conflict", "you have already decided on deploy %lld", d.id);
        }
        return -1;
    }
    const char *state = "pending_approval", *error = NULL;
    struct db_value id = DB_INTV(d.id);
    struct db_result q;
    if (!approve) {
        state = "rejected";
    } else {
        if (db_query(c->db, c->arena, "SELECT COUNT(*) FROM cicd_deploy_approvals WHERE deploy_id = ? AND "
                                      "decision = 'approve'", &id, 1, &q, p) < 0)
            return db_abort(c->db);
        if (atoi(db_cell(&q, 0, 0)) >= d.approvals_needed) {
            /* the gates again: what was found since the request counts (an override stands; a
             * rollback has none) */
            json_object *gates;
            int failed = 0;
            state = "queued";
            if (!d.overridden && !d.rollback && gates_check(c, d.entity, d.commit, &gates, &failed) < 0)
                return db_abort(c->db);
            if (failed) {
                state = "failed";
                error = "the gates refuse it now: a finding or a failing test came after the request";
                /* what they found now is what the deploy shows */
                const char *text = app_json_text(c, gates);
                struct db_value g[2] = { DB_TEXTV(text ? text : "[]"), DB_INTV(d.id) };
                if (db_query(c->db, c->arena, "UPDATE cicd_deploys SET gates = ? WHERE id = ?", g, 2, NULL, p) < 0)
                    return db_abort(c->db);
            }
        }
    }
    struct db_value u[3] = { DB_TEXTV(state), DB_OPTV(error), DB_INTV(d.id) };
    if (strcmp(state, "pending_approval") != 0 &&
        (db_query(c->db, c->arena, "UPDATE cicd_deploys SET state = ?, error = ?, due_at = UTC_TIMESTAMP(6), "
                                   "updated_at = UTC_TIMESTAMP(6) WHERE id = ?", u, 3, NULL, p) < 0 ||
         provision_notify(c->db, c->arena, d.requester_id, NULL, NULL, "deploy-decided",
                          arena_printf(c->arena, "%s %s your deploy to %s%s", c->who.username,
                                       approve ? "approved" : "rejected", d.environment,
                                       error ? ", but its gates refuse it now" : ""),
                          arena_printf(c->arena, "/cicd/deploys/%lld", d.id), p) < 0))
        return db_abort(c->db);
    if (app_audited(c, approve ? "cicd.deploy.approve" : "cicd.deploy.reject", "cicd_deploy",
                    arena_printf(c->arena, "%lld", d.id), arena_printf(c->arena, "{\"state\":\"%s\"}", state)) < 0)
        return -1;
    return deploy_answer(c, d.id, 200);
}

/* POST /cicd/deploys/{id}/cancel: by its requester or an approver, before the runner takes it */
int cicd_deploy_cancel(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    struct deploy_row d;
    if (db_begin(c->db, p) < 0)
        return -1;
    if (deploy_load(c, app_path_id(c, "id"), true, &d) < 0)
        return db_abort(c->db);
    struct authz_resource res = { d.team, d.entity, d.environment, "deployment" };
    struct authz_decision dd;
    if (d.requester_id != c->who.user_id && !app_may(c, "cicd.deploy.approve", &res, &dd)) {
        db_abort(c->db);
        return app_refuse(c, "cicd.deploy.approve", &res, &dd);
    }
    if (strcmp(d.state, "pending_approval") != 0 && strcmp(d.state, "queued") != 0) {
        db_abort(c->db);
        return problem_set(p, 409, "conflict", "deploy %lld is %s: only one that waits can be cancelled", d.id, d.state);
    }
    struct db_value v = DB_INTV(d.id);
    if (db_query(c->db, c->arena, "UPDATE cicd_deploys SET state = 'cancelled', updated_at = UTC_TIMESTAMP(6) WHERE "
                                  "id = ?", &v, 1, NULL, p) < 0)
        return db_abort(c->db);
    if (app_audited(c, "cicd.deploy.cancel", "cicd_deploy", arena_printf(c->arena, "%lld", d.id), NULL) < 0)
        return -1;
    return deploy_answer(c, d.id, 200);
}

/* ---- what the provider reports ----------------------------------------------------------------- */

int cicd_deploy_reported(struct app_ctx *c, long long deployment, const char *entity, const char *environment,
                         const char *version, const char *status)
{
    struct problem *p = &c->problem;
    struct db_value v[3] = { DB_TEXTV(entity), DB_TEXTV(environment), DB_TEXTV(version) };
    struct db_result r;
    /* the deploy this deployment answers: already tied to it, else the newest triggered one */
    struct db_value k = DB_INTV(deployment);
    if (db_query(c->db, c->arena, "SELECT id, rollback_of FROM cicd_deploys WHERE deployment_id = ? FOR UPDATE", &k, 1, &r,
                 p) < 0)
        return -1;
    if (r.nrows == 0 &&
        db_query(c->db, c->arena, "SELECT id, rollback_of FROM cicd_deploys WHERE entity_ref = ? AND environment = ? AND "
                                  "version = ? AND (state IN ('triggering', 'triggered') OR (state = 'failed' AND unsure = "
                                  "1)) AND deployment_id IS NULL ORDER BY id DESC LIMIT 1 FOR UPDATE", v, 3, &r, p) < 0)
        return -1;
    if (r.nrows == 0)
        return 0;
    const char *state = strcmp(status, "success") == 0 ? "succeeded" : strcmp(status, "failure") == 0 ||
                        strcmp(status, "cancelled") == 0 ? "failed" : "triggered";
    struct db_value u[3] = { DB_INTV(deployment), DB_TEXTV(state), DB_INTV(atoll(db_cell(&r, 0, 0))) };
    struct db_value b[2] = { DB_OPTV(db_cell(&r, 0, 1)), DB_INTV(deployment) };
    /* a deploy failed without knowing (the provider may have started it) learns what happened */
    if (db_query(c->db, c->arena, "UPDATE cicd_deploys SET deployment_id = ?, state = IF(state = 'succeeded' OR (state = "
                                  "'failed' AND unsure = 0), state, ?), unsure = 0, updated_at = UTC_TIMESTAMP(6) WHERE "
                                  "id = ?", u, 3, NULL, p) < 0)
        return -1;
    /* the deployment rolled back is a change failure now */
    if (db_cell(&r, 0, 1) &&
        (db_query(c->db, c->arena, "UPDATE cicd_deployments SET rollback_of = ? WHERE id = ?", b, 2, NULL, p) < 0 ||
         cicd_dora_deployment(c, atoll(db_cell(&r, 0, 1))) < 0))
        return -1;
    return 0;
}
