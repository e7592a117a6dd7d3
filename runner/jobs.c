/*
 * jobs: the runner's provisioning work (sql/0016, lib/provision, runner/drivers/).
 *
 * Claiming: a transaction selects due jobs FOR UPDATE SKIP LOCKED — queued ones whose time has
 * come, and running ones whose lease ended (their runner died) — in index order, so that it
 * locks only what it takes, and marks them running under this process's lease. Any number of
 * runners on any number of hosts claim side by side; none ever holds a job another holds.
 *
 * Holding: every write about a job checks that the lease is still this process's, in the same
 * transaction as the write; a heartbeat (the drivers' alive callback, and between steps)
 * renews the leases of every job this process holds, and learns of a cancel. A runner that
 * lost a lease stops working on the job and writes nothing more about it.
 *
 * Running: a job is a list of steps with their own state; the steps already done are passed
 * over, so a retry resumes at the step that failed. A step is done when its outputs and its
 * state are committed; a crash before that runs the step again, which drivers make harmless
 * (driver.h). A failed step is retried with exponential backoff and jitter until the job's
 * attempts are spent, then the job and its resource fail with the reason, and the owners hear
 * of it. Log lines are redacted of every secret value the job handled, kept in memory for at
 * most a fraction of a second, and written as they come. A secret a request names (a secret-ref
 * parameter) is opened for an exec step only once its reveal is in the audit log, under the
 * requester (secrets.reveal, via the runner and the job).
 */
#include <json-c/json.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/http.h"
#include "lib/provision.h"
#include "lib/provision_state.h"
#include "lib/secrets.h"
#include "runner/drivers/driver.h"
#include "runner/runner.h"
#include "lib/monotime.h"

#define JOB_BATCH_MAX 100
#define LOG_BUFFER_LINES 16
#define LOG_FLUSH_SECONDS 0.2
#define LOG_LINE_MAX 4000
#define SECRETS_MAX 256
#define TEMPLATE_CACHE 16

/* ---- parsed templates, kept by version id (a published version never changes) ---------------- */

struct template_cache {
    struct {
        long long id;
        struct arena arena;
        const struct template *t;
        unsigned long used;
    } e[TEMPLATE_CACHE];
    unsigned long clock;
};

const struct template *jobs_template(struct runner *r, long long version_id, struct problem *p)
{
    if (!r->templates && !(r->templates = calloc(1, sizeof(*r->templates)))) {
        problem_set(p, 500, "internal", "out of memory");
        return NULL;
    }
    struct template_cache *tc = r->templates;
    size_t victim = 0;
    for (size_t i = 0; i < TEMPLATE_CACHE; i++) {
        if (tc->e[i].id == version_id && tc->e[i].t) {
            tc->e[i].used = ++tc->clock;
            return tc->e[i].t;
        }
        if (tc->e[i].used < tc->e[victim].used)
            victim = i;
    }
    if (tc->e[victim].t)
        arena_free(&tc->e[victim].arena);
    tc->e[victim].t = NULL;
    arena_init(&tc->e[victim].arena, 64 * 1024);
    struct provision_version pv;
    if (provision_version_load_id(r->db, &tc->e[victim].arena, version_id, &pv, p) < 0) {
        arena_free(&tc->e[victim].arena);
        return NULL;
    }
    tc->e[victim].id = version_id;
    tc->e[victim].t = pv.t;
    tc->e[victim].used = ++tc->clock;
    return pv.t;
}

void jobs_free(struct runner *r)
{
    for (size_t i = 0; r->templates && i < TEMPLATE_CACHE; i++)
        if (r->templates->e[i].t)
            arena_free(&r->templates->e[i].arena);
    free(r->templates);
    r->templates = NULL;
    crypto_keyring_free(r->ring);
    r->ring = NULL;
}

/* ---- one job at hand ---------------------------------------------------------------------------- */

struct job {
    struct runner *r;
    long long id, resource_id, version_id, request_id;
    const char *kind, *uid, *team, *environment, *entity, *requester;
    const char *requester_id;         /* the requester's user id (NULL: a resource made without a request) */
    const char *name;                 /* the resource, as people call it */
    int attempts, max_attempts;
    const struct template *t;
    json_object *values;              /* the request's parameters */
    struct { char stream[8]; char *line; } buf[LOG_BUFFER_LINES];
    size_t nbuf;
    double buffered_at;
    char *secrets[SECRETS_MAX];       /* values to redact (guarded copies) */
    size_t secret_len[SECRETS_MAX];
    size_t nsecrets;
    bool secrets_overflow;
    double beat_at;                   /* the last heartbeat */
    bool lost, cancelled;
    struct problem *p;
};

/* A value the job handles as a secret: sealed if it is an output, redacted from the log when it
 * has 4 characters or more (shorter would redact ordinary words). Past SECRETS_MAX values, every
 * output of the job is taken for a secret. */
static void job_secret(struct job *j, const char *value)
{
    size_t n = value ? strlen(value) : 0;
    if (n == 0)
        return;
    if (j->nsecrets == SECRETS_MAX) {
        j->secrets_overflow = true;
        return;
    }
    for (size_t i = 0; i < j->nsecrets; i++)
        if (j->secret_len[i] == n && memcmp(j->secrets[i], value, n) == 0)
            return;
    char *copy = sodium_malloc(n + 1);
    if (!copy)
        return;
    memcpy(copy, value, n + 1);
    j->secrets[j->nsecrets] = copy;
    j->secret_len[j->nsecrets++] = n;
}

/* line with every secret replaced by "[redacted]", in the arena (the search goes on after
 * each replacement: a secret that is part of "[redacted]" is not found in it again). */
static char *redact(struct job *j, const char *line)
{
    static const char mark[] = "[redacted]";
    char *out = arena_strdup(j->r->arena, line);
    for (size_t i = 0; out && i < j->nsecrets; i++) {
        if (j->secret_len[i] < 4)
            continue;
        size_t from = 0;
        char *hit;
        while (out && (hit = strstr(out + from, j->secrets[i]))) {
            size_t at = (size_t)(hit - out);
            char *next = arena_printf(j->r->arena, "%.*s%s%s", (int)at, out, mark, hit + j->secret_len[i]);
            explicit_bzero(out, strlen(out));
            out = next;
            from = at + sizeof(mark) - 1;
        }
    }
    return out ? out : arena_strdup(j->r->arena, "[a line that could not be redacted]");
}

static int log_flush(struct job *j)
{
    static const char *const sql[LOG_BUFFER_LINES + 1] = { NULL,
#define ROWS1 "INSERT INTO job_logs (job_id, stream, line) VALUES (?, ?, ?)"
        ROWS1, ROWS1 ", (?, ?, ?)", ROWS1 ", (?, ?, ?), (?, ?, ?)", ROWS1 ", (?, ?, ?), (?, ?, ?), (?, ?, ?)",
#define ROWS5 ROWS1 ", (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?)"
        ROWS5, ROWS5 ", (?, ?, ?)", ROWS5 ", (?, ?, ?), (?, ?, ?)", ROWS5 ", (?, ?, ?), (?, ?, ?), (?, ?, ?)",
#define ROWS9 ROWS5 ", (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?)"
        ROWS9, ROWS9 ", (?, ?, ?)", ROWS9 ", (?, ?, ?), (?, ?, ?)", ROWS9 ", (?, ?, ?), (?, ?, ?), (?, ?, ?)",
#define ROWS13 ROWS9 ", (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?)"
        ROWS13, ROWS13 ", (?, ?, ?)", ROWS13 ", (?, ?, ?), (?, ?, ?)", ROWS13 ", (?, ?, ?), (?, ?, ?), (?, ?, ?)",
    };
    if (j->nbuf == 0 || j->lost)
        return 0;
    struct db_value v[LOG_BUFFER_LINES * 3];
    for (size_t i = 0; i < j->nbuf; i++) {
        v[i * 3] = (struct db_value)DB_INTV(j->id);
        v[i * 3 + 1] = (struct db_value)DB_TEXTV(j->buf[i].stream);
        v[i * 3 + 2] = (struct db_value)DB_TEXTV(j->buf[i].line);
    }
    /* lines are numbered by the table (job_logs.id): a runner that lost its lease unknowingly
     * adds lines of what it did, never over another's */
    int rc = db_query(j->r->db, j->r->arena, sql[j->nbuf], v, j->nbuf * 3, NULL, j->p);
    j->nbuf = 0;
    return rc;
}

static void job_log(struct job *j, const char *stream, const char *line)
{
    if (j->nbuf == LOG_BUFFER_LINES && log_flush(j) < 0)
        return;
    if (j->nbuf == 0)
        j->buffered_at = monotime_s();
    snprintf(j->buf[j->nbuf].stream, sizeof(j->buf[j->nbuf].stream), "%s", stream);
    /* redacted whole, then cut (on a character) and made valid UTF-8 for the column */
    j->buf[j->nbuf++].line = http_utf8_clamp(j->r->arena, redact(j, line), LOG_LINE_MAX);
    /* outside a transaction, lines that waited long enough go now */
    if (!db_in_transaction(j->r->db) && monotime_s() - j->buffered_at >= LOG_FLUSH_SECONDS)
        log_flush(j);
}

static void job_logf(struct job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void job_logf(struct job *j, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    job_log(j, "runner", line);
}

/* Renew every lease this process holds; learn whether this job was lost or cancelled. -1: stop. */
static int heartbeat(struct job *j, bool now)
{
    struct runner *r = j->r;
    if (j->lost || j->cancelled)
        return -1;
    if (!now && monotime_s() - j->beat_at < r->cfg->runner_lease_seconds / 3.0) {
        if (j->nbuf && monotime_s() - j->buffered_at >= LOG_FLUSH_SECONDS)
            log_flush(j);
        return 0;
    }
    struct db_value v[2] = { DB_INTV(r->cfg->runner_lease_seconds), DB_TEXTV(r->lease_owner) };
    struct db_value me[2] = { DB_TEXTV(r->lease_owner), DB_INTV(j->id) };
    struct db_result q;
    if (log_flush(j) < 0 ||
        db_query(r->db, r->arena, "UPDATE jobs SET due_at = UTC_TIMESTAMP(6) + INTERVAL ? SECOND WHERE lease_owner = ? AND "
                                  "state = 'running'", v, 2, NULL, j->p) < 0 ||
        db_query(r->db, r->arena, "SELECT lease_owner = ? AND state = 'running', cancel_requested FROM jobs WHERE id = ?", me, 2,
                 &q, j->p) < 0) {
        /* the database is away: keep working while the lease may still hold */
        problem_init(j->p);
        return monotime_s() - j->beat_at < r->cfg->runner_lease_seconds * 0.8 ? 0 : -1;
    }
    j->beat_at = monotime_s();
    if (q.nrows == 0 || strcmp(db_cell(&q, 0, 0), "1") != 0) {
        j->lost = true;
        fprintf(stderr, "portico-runner: job %lld: the lease was lost; leaving it to its new runner\n", j->id);
        return -1;
    }
    if (strcmp(db_cell(&q, 0, 1), "0") != 0) {
        j->cancelled = true;
        return -1;
    }
    return 0;
}

/* Inside a transaction: is the job still ours? Locks its row. */
static int lease_held(struct job *j)
{
    struct db_value v[2] = { DB_INTV(j->id), DB_TEXTV(j->r->lease_owner) };
    struct db_result q;
    if (db_query(j->r->db, j->r->arena, "SELECT cancel_requested FROM jobs WHERE id = ? AND lease_owner = ? AND "
                                        "state = 'running' FOR UPDATE", v, 2, &q, j->p) < 0)
        return -1;
    if (q.nrows == 0) {
        j->lost = true;
        return problem_set(j->p, 409, "lease-lost", "job %lld is no longer this runner's", j->id);
    }
    if (strcmp(db_cell(&q, 0, 0), "0") != 0)
        j->cancelled = true;
    return 0;
}

/* ---- the drivers' view of the runner ---------------------------------------------------------- */

static void run_log(struct driver_run *d, const char *stream, const char *line)
{
    job_log(d->ctx, stream, line);
}

static int run_alive(struct driver_run *d)
{
    return heartbeat(d->ctx, false);
}

static void run_secret(struct driver_run *d, const char *value)
{
    job_secret(d->ctx, value);
}

static const struct crypto_keyring *keyring(struct job *j, bool again)
{
    return secrets_keyring(j->r->cfg->master_key_file, &j->r->ring, again, j->p);
}

/* A secret the request named, opened for its requester: audited as their reveal (the requester
 * is the actor: the request was let name it only if they may reveal it, cgi-bin/provision.c),
 * via this runner's job. */
static int audit_reveal(struct job *j, const char *path, int version, const char *param)
{
    struct runner *r = j->r;
    struct audit_event ev = runner_event(r, "secrets.reveal", "success");
    ev.actor_type = "user";
    ev.actor_id = j->requester_id;
    ev.actor_name = j->requester;
    ev.target_type = "secret";
    ev.target_id = path;
    json_object *d = json_object_new_object();
    json_object_object_add(d, "version", json_object_new_int(version));
    json_object_object_add(d, "via", json_object_new_string("runner"));
    json_object_object_add(d, "runner", json_object_new_string(r->name));
    json_object_object_add(d, "job", json_object_new_int64(j->id));
    json_object_object_add(d, "resource", json_object_new_int64(j->resource_id));
    json_object_object_add(d, "parameter", json_object_new_string(param));
    ev.details = arena_strdup(r->arena, json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN));
    json_object_put(d);
    if (!ev.details)
        return problem_set(j->p, 500, "internal", "out of memory");
    if (db_begin(r->db, j->p) < 0)
        return -1;
    return audit_commit(r->db, r->arena, &ev, j->p);
}

/* The environment an exec step gets: each parameter as PORTICO_PARAM_<NAME>, a secret
 * reference as the secret's value (opened here, redacted from the log). */
static json_object *exec_env(struct job *j)
{
    json_object *env = json_object_new_object();
    for (size_t i = 0; i < j->t->nparams; i++) {
        const struct template_param *tp = &j->t->params[i];
        json_object *v;
        if (!json_object_object_get_ex(j->values, tp->name, &v) || json_object_is_type(v, json_type_null))
            continue;
        char name[96];
        int n = snprintf(name, sizeof(name), "PORTICO_PARAM_%s", tp->name);
        for (int k = 14; k < n; k++)
            name[k] = name[k] == '-' ? '_' : (char)(name[k] >= 'a' && name[k] <= 'z' ? name[k] - 32 : name[k]);
        const char *text = json_object_is_type(v, json_type_string) ? json_object_get_string(v)
                                                                     : json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
        if (tp->type == TPARAM_SECRET_REF) {
            const struct crypto_keyring *k = keyring(j, false);
            unsigned char *value;
            size_t len;
            int got;
            if (!k || secrets_reveal(j->r->db, j->r->arena, k, text, 0, &value, &len, &got, j->p) < 0) {
                json_object_put(env);
                return NULL;
            }
            if (audit_reveal(j, text, got, tp->name) < 0) {   /* opened only when it is on record */
                secrets_value_free(value, len);
                json_object_put(env);
                return NULL;
            }
            char *s = arena_alloc(j->r->arena, len + 1);
            if (s) {
                memcpy(s, value, len);
                s[len] = '\0';
                job_secret(j, s);
                json_object_object_add(env, name, json_object_new_string(s));
                explicit_bzero(s, len);
            }
            secrets_value_free(value, len);
            continue;
        }
        json_object_object_add(env, name, json_object_new_string(text));
    }
    return env;
}

/* Is field of step secret: the driver says so, a secret output takes it, or its value is one the
 * job was told to redact? */
static bool field_secret(struct job *j, const struct template_step *s, const char *field, const char *value)
{
    if (template_driver_output_secret(s->driver, field))
        return true;
    for (size_t i = 0; i < j->t->noutputs; i++)
        if (j->t->outputs[i].secret && strcmp(j->t->outputs[i].step, s->name) == 0 && strcmp(j->t->outputs[i].field, field) == 0)
            return true;
    for (size_t i = 0; value && i < j->nsecrets; i++)
        if (strcmp(j->secrets[i], value) == 0)
            return true;
    return j->secrets_overflow;
}

/* The step's outputs as stored: plain values as they are, secret ones sealed in the secrets
 * store (at a path of the resource, recorded as the resource's) and stored as {"secret": path}.
 * Inside the transaction. */
static const char *outputs_store(struct job *j, const struct template_step *s, json_object *outputs)
{
    json_object *stored = json_object_new_object();
    size_t index = 0;
    json_object_object_foreach(outputs, field, val) {
        const char *text = json_object_get_string(val);
        index++;
        if (!field_secret(j, s, field, text)) {
            json_object_object_add(stored, field, json_object_new_string(text ? text : ""));
            continue;
        }
        const char *path = provision_output_path(j->r->arena, j->team, j->environment, j->uid,
                                                 arena_printf(j->r->arena, "%s-%s", s->name, field), index);
        struct secret_path sp;
        const char *why;
        const struct crypto_keyring *k = keyring(j, false);
        int version;
        if (secret_path_parse(path, &sp, &why) < 0) {
            problem_set(j->p, 500, "internal", "the output %s.%s has no place among secrets: %s", s->name, field, why);
            json_object_put(stored);
            return NULL;
        }
        if (!k || secrets_write(j->r->db, j->r->arena, k, &sp, j->team, text, strlen(text), -1, 0,
                                j->r->cfg->secret_versions_default, j->r->name, &version, j->p) < 0 ||
            provision_secret_managed(j->r->db, j->r->arena, sp.text, j->resource_id, j->p) < 0) {
            json_object_put(stored);
            return NULL;
        }
        json_object *ref = json_object_new_object();
        json_object_object_add(ref, "secret", json_object_new_string(sp.text));
        json_object_object_add(stored, field, ref);
    }
    const char *text = arena_strdup(j->r->arena, json_object_to_json_string_ext(stored, JSON_C_TO_STRING_PLAIN));
    json_object_put(stored);
    return text;
}

/* Wipe the string values of an object (a driver's outputs, an exec step's environment: secrets
 * among them) before it is freed. */
static void outputs_wipe(json_object *outputs)
{
    if (!outputs)
        return;
    json_object_object_foreach(outputs, field, val) {
        (void)field;
        if (json_object_is_type(val, json_type_string))
            explicit_bzero((char *)json_object_get_string(val), (size_t)json_object_get_string_len(val));
    }
}

/* ---- ends of a job ------------------------------------------------------------------------------ */

/* The resource's outputs (for a finished provision job): each template output from its step's
 * stored outputs. */
static const char *resource_outputs(struct job *j)
{
    struct db_value v = DB_INTV(j->id);
    struct db_result q;
    if (db_query(j->r->db, j->r->arena, "SELECT name, outputs FROM job_steps WHERE job_id = ? ORDER BY idx", &v, 1, &q, j->p) < 0)
        return NULL;
    json_object *out = json_object_new_object();
    for (size_t i = 0; i < j->t->noutputs; i++) {
        const struct template_output *o = &j->t->outputs[i];
        for (size_t k = 0; k < q.nrows; k++) {
            if (strcmp(db_cell(&q, k, 0), o->step) != 0 || !db_cell(&q, k, 1))
                continue;
            json_object *so = json_tokener_parse(db_cell(&q, k, 1)), *val;
            if (so && json_object_object_get_ex(so, o->field, &val))
                json_object_object_add(out, o->name, json_object_get(val));
            json_object_put(so);
        }
    }
    const char *text = arena_strdup(j->r->arena, json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN));
    json_object_put(out);
    return text;
}

/* A notice for the resource's requester and its team. */
static int notify(struct job *j, const char *kind, const char *subject)
{
    return provision_notify(j->r->db, j->r->arena, 0, j->requester, j->team, kind, subject,
                            arena_printf(j->r->arena, "/resources/%lld", j->resource_id), j->p);
}

static int audit_runner(struct job *j, const char *action, const char *outcome, const char *details)
{
    struct audit_event ev = runner_event(j->r, action, outcome);
    ev.target_type = "resource";
    ev.target_id = arena_printf(j->r->arena, "%lld", j->resource_id);
    ev.details = details;
    return audit_append(j->r->db, j->r->arena, &ev, j->p);
}

/* Every step done: the job succeeded, the resource is ready (or gone). Inside the transaction
 * that holds the lease (the last step's, or its own); no commit. */
static int job_succeed_here(struct job *j)
{
    struct runner *r = j->r;
    bool provision = strcmp(j->kind, "provision") == 0;
    job_logf(j, "%s succeeded", provision ? "provisioning" : "deprovisioning");
    if (log_flush(j) < 0)
        return -1;
    if (provision) {
        const char *outputs = j->t->noutputs ? resource_outputs(j) : "{}";
        if (!outputs || provision_resource_ready(r->db, r->arena, j->resource_id, outputs, j->p) < 0)
            return -1;
    } else if (provision_resource_deprovisioned(r->db, r->arena, j->resource_id, j->p) < 0) {
        return -1;
    }
    if (provision_job_succeed(r->db, r->arena, j->id, j->p) < 0 ||
        provision_event(r->db, r->arena, j->resource_id, r->name, provision ? "ready" : "deprovisioned",
                        arena_printf(r->arena, "job %lld", j->id), j->p) < 0 ||
        notify(j, provision ? "resource-ready" : "resource-deprovisioned",
               arena_printf(r->arena, "%s (team %s) is %s", j->name, j->team, provision ? "ready" : "deprovisioned")) < 0 ||
        audit_runner(j, provision ? "provision.resource.ready" : "provision.resource.deprovisioned", "success",
                     arena_printf(r->arena, "{\"job_id\":%lld}", j->id)) < 0)
        return -1;
    return 0;
}

static int job_succeed(struct job *j)
{
    if (db_begin(j->r->db, j->p) < 0 || lease_held(j) < 0 || job_succeed_here(j) < 0)
        return db_abort(j->r->db);
    return db_commit(j->r->db, j->p);
}

/* A step failed (why): again later, or (no attempts left, or not worth retrying) the end. */
static int job_fail(struct job *j, int step, const char *why, bool retry)
{
    struct runner *r = j->r;
    bool provision = strcmp(j->kind, "provision") == 0;
    /* the lease first: it also says whether the job was cancelled meanwhile (then no retry) */
    if (db_begin(r->db, j->p) < 0 || lease_held(j) < 0)
        return db_abort(r->db);
    bool again = retry && !j->cancelled && j->attempts < j->max_attempts;
    int delay = 0;
    if (again) {
        /* exponential, capped, and jittered over its upper half so that failures do not march in step */
        double d = r->cfg->runner_backoff_seconds;
        for (int i = 1; i < j->attempts && d < r->cfg->runner_backoff_max_seconds; i++)
            d *= 2;
        if (d > r->cfg->runner_backoff_max_seconds)
            d = r->cfg->runner_backoff_max_seconds;
        delay = (int)(d / 2 + (double)randombytes_uniform((uint32_t)(d / 2 * 1000) + 1) / 1000.0);
        if (delay < 1)
            delay = 1;
        job_logf(j, "attempt %d of %d failed; the next in %d s", j->attempts, j->max_attempts, delay);
    } else if (j->cancelled) {
        job_logf(j, "cancelled");
    } else {
        job_logf(j, "attempt %d of %d failed; giving up", j->attempts, j->max_attempts);
    }
    char cut[2001];
    snprintf(cut, sizeof(cut), "%s", http_utf8_clamp(r->arena, redact(j, why), 2000));
    if (log_flush(j) < 0 || (step >= 0 && provision_step_fail(r->db, r->arena, j->id, step, cut, j->p) < 0))
        return db_abort(r->db);
    if (again) {
        if (provision_job_retry(r->db, r->arena, j->id, delay, cut, j->p) < 0)
            return db_abort(r->db);
        return db_commit(r->db, j->p);
    }
    if (provision_job_end(r->db, r->arena, j->id, j->resource_id, !provision, j->cancelled, cut, j->p) < 0 ||
        provision_event(r->db, r->arena, j->resource_id, r->name, j->cancelled ? "cancelled" : "failed", cut, j->p) < 0 ||
        notify(j, provision ? "resource-failed" : "deprovision-failed",
               arena_printf(r->arena, "%s of %s %s: %s", provision ? "provisioning" : "deprovisioning",
                            j->name, j->cancelled ? "was cancelled" : "failed", cut)) < 0 ||
        audit_runner(j, provision ? "provision.resource.failed" : "provision.resource.deprovision_failed",
                     "failure", NULL) < 0)
        return db_abort(r->db);
    return db_commit(r->db, j->p);
}

/* ---- a step ---------------------------------------------------------------------------------- */

/* Run step idx of the job: 0 done (committed), 2 done and, being the last, the job with it (one
 * transaction, one commit fewer per job), 1 failed (recorded), -1 the database failed or the
 * lease was lost (nothing more to write). */
static int step_run(struct job *j, int idx, const struct template_step *s, bool last)
{
    struct runner *r = j->r;
    const struct driver *drv = driver_find(s->driver);
    bool ours;
    if (provision_step_start(r->db, r->arena, j->id, idx, r->lease_owner, &ours, j->p) < 0)
        return -1;
    if (!ours) {   /* the lease is another runner's now */
        j->lost = true;
        return -1;
    }
    job_logf(j, "step %s (%s) started", s->name, s->driver);
    if (!drv)
        return job_fail(j, idx, arena_printf(r->arena, "step %s: this runner has no driver %s", s->name, s->driver), false) < 0
                   ? -1 : 1;
    struct driver_run d;
    memset(&d, 0, sizeof(d));
    d.cfg = r->cfg;
    d.arena = r->arena;
    d.resource_uid = j->uid;
    d.team = j->team;
    d.environment = j->environment;
    d.step_name = s->name;
    d.remove = strcmp(j->kind, "deprovision") == 0;
    d.timeout_seconds = s->timeout_seconds ? s->timeout_seconds : r->cfg->provision_step_timeout_seconds;
    d.values = j->values;
    d.log = run_log;
    d.alive = run_alive;
    d.secret = run_secret;
    d.ctx = j;
    const char *why = NULL;
    for (size_t i = 0; i < s->nargs && !why; i++) {
        d.arg_names[i] = s->args[i].name;
        d.arg_values[i] = template_render(r->arena, s->args[i].value, j->values, drv->escape, NULL, &why);
        d.nargs = i + 1;
    }
    if (s->program && !why)
        d.program = template_render(r->arena, s->program, j->values, drv->escape, NULL, &why);
    for (size_t i = 0; i < s->nargv && !why; i++) {
        d.argv[i] = template_render(r->arena, s->argv[i], j->values, drv->escape, NULL, &why);
        d.nargv = i + 1;
    }
    if (why)   /* the same values will not render better next time */
        return job_fail(j, idx, arena_printf(r->arena, "step %s: %s", s->name, why), false) < 0 ? -1 : 1;
    if (strcmp(s->driver, "exec") == 0 && !(d.env = exec_env(j)))
        return job_fail(j, idx, arena_printf(r->arena, "step %s: %s", s->name, j->p->detail), true) < 0 ? -1 : 1;
    d.outputs = json_object_new_object();
    int rc = drv->apply(&d);
    outputs_wipe(d.env);   /* revealed secret references among them */
    json_object_put(d.env);
    if (rc < 0 || j->lost || j->cancelled) {
        outputs_wipe(d.outputs);
        json_object_put(d.outputs);
        if (j->lost)
            return -1;
        problem_init(j->p);
        return job_fail(j, idx, arena_printf(r->arena, "step %s: %s", s->name, j->cancelled ? "cancelled" : d.error), true) < 0
                   ? -1 : 1;
    }
    /* done: its outputs and its state together, while the lease is ours; a rotated keyring
     * (503 keyring-stale) is read again once */
    for (int attempt = 0; attempt < 2; attempt++) {
        problem_init(j->p);
        const char *stored;
        if (db_begin(r->db, j->p) < 0 || lease_held(j) < 0 || !(stored = outputs_store(j, s, d.outputs))) {
            db_abort(r->db);
            if (attempt == 0 && j->p->status == 503 && strcmp(j->p->type, "keyring-stale") == 0 && keyring(j, true))
                continue;
            rc = -1;
            break;
        }
        job_logf(j, "step %s succeeded", s->name);
        if (provision_step_succeed(r->db, r->arena, j->id, idx, stored, j->p) < 0 ||
            (last && job_succeed_here(j) < 0) || log_flush(j) < 0 || db_commit(r->db, j->p) < 0) {
            db_abort(r->db);
            rc = -1;
        } else if (last) {
            rc = 2;
        }
        break;
    }
    outputs_wipe(d.outputs);
    json_object_put(d.outputs);
    if (rc < 0 && !j->lost && j->p->status != 409) {
        /* the outputs could not be kept (secrets unavailable, ...): the step runs again later */
        const char *detail = arena_strdup(r->arena, j->p->detail);
        problem_init(j->p);
        return job_fail(j, idx, arena_printf(r->arena, "step %s: its outputs could not be kept: %s", s->name, detail), true) < 0
                   ? -1 : 1;
    }
    return rc;
}

/* ---- a job -------------------------------------------------------------------------------------- */

static int job_run(struct runner *r, long long id, struct problem *p)
{
    struct job j;
    memset(&j, 0, sizeof(j));
    j.r = r;
    j.id = id;
    j.p = p;
    j.beat_at = monotime_s();
    struct db_value v[2] = { DB_INTV(id), DB_TEXTV(r->lease_owner) };
    struct db_result q, steps;
    if (db_query(r->db, r->arena,
                 "SELECT j.kind, j.attempts, j.max_attempts, r.id, r.uid, r.team, r.environment, r.entity_ref, r.parameters, "
                 "r.requester, r.template_version_id, j.cancel_requested, r.name, "
                 "(SELECT q.requester_id FROM provision_requests q WHERE q.id = r.request_id) "
                 "FROM jobs j JOIN resources r ON r.id = j.resource_id WHERE j.id = ? AND j.lease_owner = ? AND "
                 "j.state = 'running'", v, 2, &q, p) < 0)
        return -1;
    if (q.nrows == 0)
        return 0;   /* no longer ours */
    j.kind = db_cell(&q, 0, 0);
    j.attempts = atoi(db_cell(&q, 0, 1));
    j.max_attempts = atoi(db_cell(&q, 0, 2));
    j.resource_id = atoll(db_cell(&q, 0, 3));
    j.uid = db_cell(&q, 0, 4);
    j.team = db_cell(&q, 0, 5);
    j.environment = db_cell(&q, 0, 6);
    j.entity = db_cell(&q, 0, 7);
    j.values = json_tokener_parse(db_cell(&q, 0, 8));
    j.requester = db_cell(&q, 0, 9);
    j.version_id = atoll(db_cell(&q, 0, 10));
    j.cancelled = strcmp(db_cell(&q, 0, 11), "0") != 0;
    j.name = db_cell(&q, 0, 12);
    j.requester_id = db_cell(&q, 0, 13);
    int rc = 0;
    if (j.cancelled) {   /* cancelled while it waited, or after its runner died */
        rc = job_fail(&j, -1, "cancelled", false);
        goto done;
    }
    if (!j.values) {
        rc = job_fail(&j, -1, "the resource's parameters cannot be read", false);
        goto done;
    }
    if (j.attempts > j.max_attempts) {   /* its last runners died in it */
        rc = job_fail(&j, -1, arena_printf(r->arena, "gave up after %d attempts (the runner stopped)", j.max_attempts), false);
        goto done;
    }
    if (!(j.t = jobs_template(r, j.version_id, p))) {
        const char *why = arena_strdup(r->arena, p->detail);
        problem_init(p);
        rc = job_fail(&j, -1, why, true);
        goto done;
    }
    job_logf(&j, "attempt %d of %d by %s", j.attempts, j.max_attempts, r->name);
    struct db_value jid = DB_INTV(id);
    if (db_query(r->db, r->arena, "SELECT idx, state FROM job_steps WHERE job_id = ? ORDER BY idx", &jid, 1, &steps, p) < 0) {
        rc = -1;
        goto done;
    }
    bool deprovision = strcmp(j.kind, "deprovision") == 0;
    const struct template_step *list = deprovision ? j.t->deprovision : j.t->steps;
    size_t n = deprovision ? j.t->ndeprovision : j.t->nsteps;
    for (size_t i = 0; i < steps.nrows; i++) {
        int idx = atoi(db_cell(&steps, i, 0));
        if (strcmp(db_cell(&steps, i, 1), "succeeded") == 0 || idx < 0 || (size_t)idx >= n)
            continue;
        if (heartbeat(&j, false) < 0) {
            rc = j.lost ? 0 : job_fail(&j, idx, "cancelled", false);
            goto done;
        }
        int s = step_run(&j, idx, &list[idx], i + 1 == steps.nrows);
        if (s != 0) {
            rc = s < 0 && !j.lost ? -1 : 0;
            goto done;
        }
    }
    rc = job_succeed(&j);   /* (no step was left to run) */
done:
    if (rc < 0 && j.lost) {
        problem_init(p);
        rc = 0;
    }
    json_object_put(j.values);
    for (size_t i = 0; i < j.nsecrets; i++)
        sodium_free(j.secrets[i]);
    return rc;
}

/* ---- claiming ----------------------------------------------------------------------------------- */

/* Take up to max due jobs under this process's lease: queued ones first, then those whose
 * runner's lease ran out. Each SELECT walks jobs_due in order and stops at what it takes. */
static int claim(struct runner *r, long long *ids, int max, struct problem *p)
{
    static const char *const sql[2] = {
        "SELECT id FROM jobs WHERE state = 'queued' AND due_at <= UTC_TIMESTAMP(6) ORDER BY due_at LIMIT ? "
        "FOR UPDATE SKIP LOCKED",
        "SELECT id FROM jobs WHERE state = 'running' AND due_at <= UTC_TIMESTAMP(6) ORDER BY due_at LIMIT ? "
        "FOR UPDATE SKIP LOCKED",
    };
    int n = 0;
    if (db_begin(r->db, p) < 0)
        return -1;
    for (int k = 0; k < 2 && n < max; k++) {
        struct db_value lim = DB_INTV(max - n);
        struct db_result q;
        if (db_query(r->db, r->arena, sql[k], &lim, 1, &q, p) < 0)
            return db_abort(r->db);
        for (size_t i = 0; i < q.nrows; i++)
            ids[n++] = atoll(db_cell(&q, i, 0));
    }
    for (int i = 0; i < n; i++)
        if (provision_job_claim(r->db, r->arena, ids[i], r->lease_owner, r->cfg->runner_lease_seconds, p) < 0)
            return db_abort(r->db);
    if (db_commit(r->db, p) < 0)
        return -1;
    return n;
}

int jobs_due(struct runner *r, struct problem *p)
{
    struct db_result q;
    if (db_query(r->db, r->arena, "SELECT (SELECT 1 FROM jobs WHERE state = 'queued' AND due_at <= UTC_TIMESTAMP(6) LIMIT 1) "
                                  "OR (SELECT 1 FROM jobs WHERE state = 'running' AND due_at <= UTC_TIMESTAMP(6) LIMIT 1)",
                 NULL, 0, &q, p) < 0)
        return -1;
    return db_cell(&q, 0, 0) && strcmp(db_cell(&q, 0, 0), "1") == 0;
}

int jobs_drain(struct runner *r, double deadline, struct problem *p)
{
    long long ids[JOB_BATCH_MAX];
    int done = 0;
    int batch = r->cfg->runner_batch < JOB_BATCH_MAX ? r->cfg->runner_batch : JOB_BATCH_MAX;
    while (!*r->stopping && (deadline == 0 || monotime_s() < deadline)) {
        int n = claim(r, ids, batch, p);
        arena_reset(r->arena);
        if (n <= 0)
            return n < 0 ? -1 : done;
        for (int i = 0; i < n; i++) {
            if (*r->stopping || (deadline && monotime_s() >= deadline)) {
                /* the rest go back at once rather than waiting for the lease to run out */
                if (provision_job_release(r->db, r->arena, ids[i], r->lease_owner, p) < 0)
                    return -1;
                continue;
            }
            if (job_run(r, ids[i], p) < 0) {
                fprintf(stderr, "portico-runner: job %lld: %s%s%s\n", ids[i], p->detail, p->internal[0] ? ": " : "",
                        p->internal);
                if (db_in_transaction(r->db))
                    db_abort(r->db);
                problem_init(p);
            }
            arena_reset(r->arena);
            done++;
        }
    }
    return done;
}
