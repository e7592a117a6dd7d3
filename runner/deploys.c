/*
 * deploys: the runner's part of a deploy asked from Portico (sql/0028, cgi-bin/cicd_deploys.c):
 * trigger the provider (runner/drivers/deploy_*.c) with the integration's outbound credential.
 *
 *   queued --claim--> triggering --the provider took it--> triggered   (its deployment event
 *                          |                                            settles it: succeeded,
 *                          +--refused (4xx, misconfigured)--> failed      failed; none in
 *                                                                       cicd_deploy_settle_hours:
 *                                                                       failed)
 *                          +--unreachable, 429, 5xx--> queued again, later (backoff), until the
 *                                                      attempts are spent: failed
 *
 * Claiming is as jobs': FOR UPDATE SKIP LOCKED in the due index's order, under this process's
 * lease, renewed by the driver's heartbeat. A deploy whose runner died while triggering is not
 * triggered again — the provider may have started it, and a second deploy is worse than none —
 * but failed with that said, so its requester looks and asks again. The credential is opened for
 * the trigger only, its reveal audited as the runner's at once (whatever comes of the trigger),
 * and taken out of whatever the provider answered before that is kept.
 */
#include <json-c/json.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/audit.h"
#include "lib/monotime.h"
#include "lib/provision.h"
#include "lib/secrets.h"
#include "runner/drivers/deploy.h"
#include "runner/runner.h"

struct deploy_run {
    struct runner *r;
    long long id;
    struct problem *p;
};

static void deploy_log(struct driver_run *d, const char *stream, const char *line)
{
    struct deploy_run *x = d->ctx;
    (void)stream;
    fprintf(stderr, "portico-runner: deploy %lld: %s\n", x->id, line);
}

/* The heartbeat: the lease renewed, or -1 when it is no longer this process's. */
static int deploy_alive(struct driver_run *d)
{
    struct deploy_run *x = d->ctx;
    struct runner *r = x->r;
    struct db_value v[3] = { DB_INTV(r->cfg->runner_lease_seconds), DB_INTV(x->id), DB_TEXTV(r->lease_owner) };
    struct db_result u;
    struct problem p;
    problem_init(&p);
    /* the lease, whatever the state: the provider's own deployment event may settle it meanwhile */
    if (db_query(r->db, r->arena, "UPDATE cicd_deploys SET due_at = UTC_TIMESTAMP(6) + INTERVAL ? SECOND WHERE id = ? "
                                  "AND lease_owner = ?", v, 3, &u, &p) < 0)
        return 0;   /* the database's trouble is not the provider's: carry on, the write at the end checks */
    return u.affected == 1 ? 0 : -1;
}

static void deploy_secret(struct driver_run *d, const char *value)
{
    (void)d, (void)value;   /* nothing here logs what a driver does not: its lines name scheme://host only */
}

/* Deploys stuck where no one will move them (which, by where), 20 at a time: failed "unsure"
 * (the provider may have started them; its deployment event still settles them), with error,
 * their requesters told "your deploy of <version> to <environment> <subject>", audited as action. */
struct stuck {
    const char *where;        /* on cicd_deploys, with one ? for hours (or none) */
    long long hours;          /* -1: where has no ? */
    const char *error, *subject, *action;
};

static int stuck_fail(struct runner *r, const struct stuck *k, struct problem *p)
{
    struct db_value v = DB_INTV(k->hours);
    struct db_result q;
    if (db_begin(r->db, p) < 0)
        return -1;
    if (db_query(r->db, r->arena, arena_printf(r->arena, "SELECT id, requester_id, environment, version FROM cicd_deploys "
                                                         "WHERE %s LIMIT 20 FOR UPDATE SKIP LOCKED", k->where),
                 &v, k->hours >= 0, &q, p) < 0)
        return db_abort(r->db);
    for (size_t i = 0; i < q.nrows; i++) {
        struct db_value u[2] = { DB_TEXTV(k->error), DB_INTV(atoll(db_cell(&q, i, 0))) };
        struct audit_event ev = runner_event(r, k->action, "failure");
        json_object *details = json_object_new_object();
        json_object_object_add(details, "error", json_object_new_string(k->error));
        ev.target_type = "cicd_deploy";
        ev.target_id = db_cell(&q, i, 0);
        ev.details = arena_strdup(r->arena, json_object_to_json_string_ext(details, JSON_C_TO_STRING_PLAIN));
        json_object_put(details);
        if (db_query(r->db, r->arena, "UPDATE cicd_deploys SET state = 'failed', unsure = 1, lease_owner = NULL, error = ?, "
                                      "updated_at = UTC_TIMESTAMP(6) WHERE id = ?", u, 2, NULL, p) < 0 ||
            provision_notify(r->db, r->arena, atoll(db_cell(&q, i, 1)), NULL, NULL, "deploy-failed",
                             arena_printf(r->arena, "your deploy of %s to %s %s", db_cell(&q, i, 3), db_cell(&q, i, 2),
                                          k->subject),
                             arena_printf(r->arena, "/cicd/deploys/%s", db_cell(&q, i, 0)), p) < 0 ||
            audit_append(r->db, r->arena, &ev, p) < 0)
            return db_abort(r->db);
    }
    if (db_commit(r->db, p) < 0)
        return -1;
    return (int)q.nrows;
}

/* The deploys whose runner died while triggering (their lease ran out). */
static int orphans_fail(struct runner *r, struct problem *p)
{
    static const struct stuck k = {
        "state = 'triggering' AND due_at <= UTC_TIMESTAMP(6) ORDER BY due_at", -1,
        "the runner stopped while triggering it: the provider may or may not have started it; look there, then deploy "
        "again",
        "may not have started: look at the provider", "cicd.deploy.trigger" };
    return stuck_fail(r, &k, p);
}

/* The deploys the provider took and never reported a deployment of, in cicd_deploy_settle_hours
 * (the pipeline may not report back, or not with the version it was given). */
static int unsettled_fail(struct runner *r, struct problem *p)
{
    long long h = r->cfg->cicd_deploy_settle_hours;
    struct stuck k = {
        "state = 'triggered' AND updated_at < UTC_TIMESTAMP(6) - INTERVAL ? HOUR ORDER BY id", h,
        arena_printf(r->arena, "the provider took it, and reported no deployment of it in %lld h: look there (does the "
                               "pipeline report the version it was given?)", h),
        "was never reported back", "cicd.deploy.unsettled" };
    return stuck_fail(r, &k, p);
}

/* Claim the next due deploy: its id, 0 when none is due, -1. */
static long long claim(struct runner *r, struct problem *p)
{
    struct db_result q;
    if (db_begin(r->db, p) < 0)
        return -1;
    if (db_query(r->db, r->arena, "SELECT id FROM cicd_deploys WHERE state = 'queued' AND due_at <= UTC_TIMESTAMP(6) "
                                  "ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED", NULL, 0, &q, p) < 0)
        return db_abort(r->db);
    if (q.nrows == 0) {
        db_abort(r->db);
        return 0;
    }
    long long id = atoll(db_cell(&q, 0, 0));
    struct db_value v[3] = { DB_TEXTV(r->lease_owner), DB_INTV(r->cfg->runner_lease_seconds), DB_INTV(id) };
    if (db_query(r->db, r->arena, "UPDATE cicd_deploys SET state = 'triggering', lease_owner = ?, attempts = attempts + 1, "
                                  "due_at = UTC_TIMESTAMP(6) + INTERVAL ? SECOND, updated_at = UTC_TIMESTAMP(6) WHERE "
                                  "id = ?", v, 3, NULL, p) < 0)
        return db_abort(r->db);
    if (db_commit(r->db, p) < 0)
        return -1;
    return id;
}

/* printable ASCII only, for a column a page shows */
static const char *plain(struct arena *a, const char *s, size_t max)
{
    char *out = arena_printf(a, "%.*s", (int)max, s ? s : "");
    for (char *c = out; c && *c; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
            *c = '?';
    return out;
}

/* Every occurrence of secret in text (of size n) as "[redacted]", cut to fit. */
static void redact(char *text, size_t n, const char *secret)
{
    char out[DRIVER_ERROR_MAX];
    size_t k = strlen(secret), o = 0;
    for (const char *s = text; *s && o + 1 < sizeof(out);) {
        if (strncmp(s, secret, k) == 0) {
            int w = snprintf(out + o, sizeof(out) - o, "[redacted]");
            o += w > 0 && (size_t)w < sizeof(out) - o ? (size_t)w : sizeof(out) - o - 1;
            s += k;
        } else {
            out[o++] = *s++;
        }
    }
    out[o] = '\0';
    snprintf(text, n, "%s", out);
}

/* Trigger deploy id (claimed): its outcome recorded, audited. 0, or -1 when the database failed. */
static int trigger(struct runner *r, long long id, struct problem *p)
{
    struct db_value v = DB_INTV(id);
    struct db_result q;
    if (db_query(r->db, r->arena,
                 "SELECT i.provider, i.deploy_api, COALESCE(i.deploy_target, ''), COALESCE(i.deploy_ref, 'main'), "
                 "i.deploy_user, i.deploy_secret_path, d.entity_ref, d.environment, d.version, d.commit_sha, "
                 "COALESCE(d.rollback_of, 0), d.attempts, d.max_attempts, d.requester_id, d.team, d.traceparent "
                 "FROM cicd_deploys d "
                 "JOIN cicd_integrations i ON i.id = d.integration_id WHERE d.id = ?", &v, 1, &q, p) < 0)
        return -1;
    if (q.nrows == 0)
        return 0;   /* deleted with its integration meanwhile */
    struct deploy_call call = { db_cell(&q, 0, 1), db_cell(&q, 0, 2), db_cell(&q, 0, 3), db_cell(&q, 0, 4), NULL, id,
                                db_cell(&q, 0, 6), db_cell(&q, 0, 7), db_cell(&q, 0, 8), db_cell(&q, 0, 9),
                                atoll(db_cell(&q, 0, 10)) };
    int attempts = atoi(db_cell(&q, 0, 11)), max_attempts = atoi(db_cell(&q, 0, 12));
    const char *path = db_cell(&q, 0, 5);
    const struct deploy_driver *drv = deploy_driver_find(db_cell(&q, 0, 0));
    struct deploy_run x = { r, id, p };
    struct driver_run d = { .cfg = r->cfg, .arena = r->arena, .environment = call.environment, .team = db_cell(&q, 0, 14),
                            .step_name = "deploy", .traceparent = runner_span(r, db_cell(&q, 0, 15)), .log = deploy_log, .alive = deploy_alive, .secret = deploy_secret,
                            .ctx = &x, .outputs = json_object_new_object() };
    int rc = DEPLOY_REFUSED;
    unsigned char *value = NULL;
    size_t len = 0;
    int version = 0;
    const struct crypto_keyring *k = NULL;
    if (!drv || !call.api || !path) {
        snprintf(d.error, sizeof(d.error), "the integration is no longer set up to deploy");
    } else if (!(k = secrets_keyring(r->cfg->master_key_file, &r->ring, false, p)) ||
               secrets_reveal(r->db, r->arena, k, path, 0, &value, &len, &version, p) < 0) {
        snprintf(d.error, sizeof(d.error), "the deploy credential cannot be opened: %s", p->detail);
        problem_init(p);
        rc = DEPLOY_REFUSED;
    } else {
        /* the opening is audited now, whatever comes of the trigger */
        struct audit_event rev = runner_event(r, "secrets.reveal", "success");
        rev.target_type = "secret";
        rev.target_id = path;
        rev.details = arena_printf(r->arena, "{\"version\":%d,\"via\":\"runner\",\"deploy\":%lld}", version, id);
        if (db_begin(r->db, p) < 0 || audit_commit(r->db, r->arena, &rev, p) < 0) {
            secrets_value_free(value, len);
            return -1;
        }
        char *cred = arena_alloc(r->arena, len + 1);
        if (cred) {
            memcpy(cred, value, len);
            cred[len] = '\0';
        }
        secrets_value_free(value, len);
        call.credential = cred;
        if (!cred || strlen(cred) != len)
            snprintf(d.error, sizeof(d.error), "the deploy credential is not text");
        else
            rc = drv->trigger(&d, &call);
        /* a provider's words may echo what it was sent: never the credential */
        if (cred && len >= 4)
            redact(d.error, sizeof(d.error), cred);
        if (cred)
            sodium_memzero(cred, len);
    }
    if (rc == DEPLOY_OK)
        driver_logf(&d, "triggered");
    else
        driver_logf(&d, "%s", d.error);

    /* the outcome, if the lease is still this process's */
    bool retry = rc == DEPLOY_RETRY && attempts < max_attempts;
    json_object *ref = NULL;
    json_object_object_get_ex(d.outputs, "ref", &ref);
    long backoff = (long)r->cfg->runner_backoff_seconds << (attempts > 10 ? 10 : attempts - 1);
    if (backoff > r->cfg->runner_backoff_max_seconds)
        backoff = r->cfg->runner_backoff_max_seconds;
    const char *state = rc == DEPLOY_OK ? "triggered" : retry ? "queued" : "failed";
    bool unsure = rc == DEPLOY_UNSURE;   /* failed without knowing: a deployment event may still settle it */
    const char *error = rc == DEPLOY_OK ? NULL : plain(r->arena, d.error, 2000);
    struct db_value u[7] = { DB_OPTV(error), DB_OPTV(ref ? plain(r->arena, json_object_get_string(ref), 500) : NULL),
                             DB_INTV(retry ? backoff : 0), DB_INTV(unsure), DB_TEXTV(state), DB_INTV(id),
                             DB_TEXTV(r->lease_owner) };
    struct db_result w;
    json_object *details = json_object_new_object();
    json_object_object_add(details, "state", json_object_new_string(state));
    json_object_object_add(details, "attempt", json_object_new_int(attempts));
    if (error)
        json_object_object_add(details, "error", json_object_new_string(error));
    if (ref)
        json_object_object_add(details, "ref", json_object_get(ref));
    json_object_put(d.outputs);
    struct audit_event ev = runner_event(r, "cicd.deploy.trigger", rc == DEPLOY_OK ? "success" : "failure");
    ev.target_type = "cicd_deploy";
    ev.target_id = arena_printf(r->arena, "%lld", id);
    ev.details = arena_strdup(r->arena, json_object_to_json_string_ext(details, JSON_C_TO_STRING_PLAIN));
    json_object_put(details);
    if (db_begin(r->db, p) < 0)
        return -1;
    /* if the lease is still this process's; a deployment event may have settled the deploy
     * meanwhile (the provider was quick), and then its state stands (and its requester is not
     * told it failed) */
    struct db_value me[2] = { DB_INTV(id), DB_TEXTV(r->lease_owner) };
    struct db_result now;
    if (db_query(r->db, r->arena, "SELECT state FROM cicd_deploys WHERE id = ? AND lease_owner = ? FOR UPDATE", me, 2,
                 &now, p) < 0)
        return db_abort(r->db);
    if (now.nrows == 0) {   /* the lease was lost: what happened is another's to record */
        db_abort(r->db);
        return 0;
    }
    bool settled = strcmp(db_cell(&now, 0, 0), "triggering") != 0;
    /* error and unsure first: they read the state before it changes */
    if (db_query(r->db, r->arena, "UPDATE cicd_deploys SET error = IF(state = 'triggering', ?, error), provider_ref = "
                                  "COALESCE(?, provider_ref), lease_owner = NULL, due_at = UTC_TIMESTAMP(6) + INTERVAL ? "
                                  "SECOND, unsure = IF(state = 'triggering', ?, unsure), updated_at = UTC_TIMESTAMP(6), "
                                  "state = IF(state = 'triggering', ?, state) WHERE id = ? AND lease_owner = ?", u, 7, &w,
                 p) < 0)
        return db_abort(r->db);
    if (audit_append(r->db, r->arena, &ev, p) < 0 ||
        (!retry && rc != DEPLOY_OK && !settled &&
         provision_notify(r->db, r->arena, atoll(db_cell(&q, 0, 13)), NULL, NULL, "deploy-failed",
                          arena_printf(r->arena, "your deploy of %s to %s failed: %s", call.version, call.environment,
                                       error), arena_printf(r->arena, "/cicd/deploys/%lld", id), p) < 0))
        return db_abort(r->db);
    return db_commit(r->db, p);
}

int deploys_due(struct runner *r, struct problem *p)
{
    struct db_result q;
    if (db_query(r->db, r->arena, "SELECT 1 FROM cicd_deploys WHERE state IN ('queued', 'triggering') AND due_at <= "
                                  "UTC_TIMESTAMP(6) LIMIT 1", NULL, 0, &q, p) < 0)
        return -1;
    return q.nrows > 0;
}

int deploys_drain(struct runner *r, double deadline, struct problem *p)
{
    int done = 0, rc;
    if ((rc = orphans_fail(r, p)) < 0)
        return -1;
    done += rc;
    arena_reset(r->arena);
    if ((rc = unsettled_fail(r, p)) < 0)
        return -1;
    done += rc;
    arena_reset(r->arena);
    while (!*r->stopping && (deadline == 0 || monotime_s() < deadline)) {
        long long id = claim(r, p);
        if (id <= 0) {
            arena_reset(r->arena);
            return id < 0 ? -1 : done;
        }
        rc = trigger(r, id, p);
        arena_reset(r->arena);
        if (rc < 0)
            return -1;
        done++;
    }
    return done;
}
