/*
 * runner: what every part of portico-runner shares: the audit event it writes as, and the
 * parsed template versions it keeps (runner.h).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/crypto.h"
#include "lib/provision.h"
#include "runner/runner.h"

#define TEMPLATE_CACHE 16

struct audit_event runner_event(const struct runner *r, const char *action, const char *outcome)
{
    struct audit_event ev = { 0 };
    ev.actor_type = "runner";
    ev.actor_id = r->name;
    ev.actor_name = "portico-runner";
    ev.action = action;
    ev.outcome = outcome;
    return ev;
}

const char *runner_span(struct runner *r, const char *traceparent)
{
    struct trace span;
    char *out = arena_alloc(r->arena, TRACE_HEADER_LEN + 1);
    if (!out)
        return NULL;
    if (!trace_child_of(&span, traceparent))
        trace_begin(&span, NULL);
    trace_header(&span, out);
    return out;
}

int runner_heartbeat(struct runner *r, struct problem *p)
{
    char host[64] = "localhost";
    gethostname(host, sizeof(host) - 1);
    struct db_value v[2] = { DB_TEXTV(r->name), DB_TEXTV(host) };
    struct db_result q;
    if (db_query(r->db, r->arena,
                 "INSERT INTO runner_heartbeats (name, host, started_at, seen_at) "
                 "VALUES (?, ?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)) ON DUPLICATE KEY UPDATE seen_at = UTC_TIMESTAMP(6)",
                 v, 2, &q, p) < 0)
        return -1;
    return db_query(r->db, r->arena, "DELETE FROM runner_heartbeats WHERE seen_at < UTC_TIMESTAMP(6) - INTERVAL 1 DAY",
                    NULL, 0, &q, p);
}

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

const struct template *runner_template(struct runner *r, long long version_id, struct problem *p)
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

void runner_free(struct runner *r)
{
    for (size_t i = 0; r->templates && i < TEMPLATE_CACHE; i++)
        if (r->templates->e[i].t)
            arena_free(&r->templates->e[i].arena);
    free(r->templates);
    r->templates = NULL;
    crypto_keyring_free(r->ring);
    r->ring = NULL;
}
