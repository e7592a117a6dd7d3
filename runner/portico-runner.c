/*
 * portico-runner: the work that does not belong in a request. cron starts it every minute
 * (`portico-runner`: one pass, then exit); on a dedicated server it can stay (`--loop`).
 *
 * A pass: deregister instances whose heartbeats stopped long enough ago, then sync every
 * catalog location that is due, one at a time. Work is claimed with row locks (FOR UPDATE SKIP
 * LOCKED) and rescheduled in the claim's transaction, so any number of runners on any number of
 * hosts can run at once and none does the same work twice. Outcomes are recorded where the API
 * shows them (a location's status and message) and in the audit log; progress lines go to
 * standard error (cron mails them, or the service manager logs them).
 *
 *   portico-runner [--config FILE] [--loop] [--passes N]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runner.h"

#define PASS_LOCATIONS_MAX 100   /* locations synced in one pass before the next deregistration round */

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

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

/* One pass; the number of things done, or -1 when the database failed. */
static int pass(struct runner *r)
{
    struct problem p;
    int done = 0, rc;
    problem_init(&p);
    while ((rc = catalog_deregister_expired(r, &p)) > 0 && !stopping)
        done += rc;
    arena_reset(r->arena);
    for (int i = 0; rc >= 0 && i < PASS_LOCATIONS_MAX && !stopping; i++) {
        problem_init(&p);
        rc = catalog_sync_next(r, &p);
        arena_reset(r->arena);
        if (rc <= 0)
            break;
        done++;
    }
    if (rc < 0) {
        fprintf(stderr, "portico-runner: %s%s%s\n", p.detail, p.internal[0] ? ": " : "", p.internal);
        return -1;
    }
    return done;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: portico-runner [--config FILE] [--loop] [--passes N]\n"
               "  One pass over the due work, then exit (for cron, every minute). --loop: keep going,\n"
               "  sleeping runner_poll_seconds when there was nothing to do; --passes N: stop after N.\n"
               "  The configuration file is --config FILE, else $PORTICO_CONFIG, else the default.\n");
}

int main(int argc, char **argv)
{
    const char *config_path = NULL;
    bool loop = false;
    long passes = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            config_path = argv[++i];
        } else if (strcmp(argv[i], "--loop") == 0) {
            loop = true;
            passes = 0;
        } else if (strcmp(argv[i], "--passes") == 0 && i + 1 < argc) {
            passes = strtol(argv[++i], NULL, 10);
            loop = true;
        } else if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    static struct config cfg;
    char err[512], host[64] = "localhost";
    if (config_load_area(&cfg, config_path, "runner", err, sizeof(err)) < 0) {
        fprintf(stderr, "portico-runner: %s\n", err);
        return 2;
    }
    gethostname(host, sizeof(host) - 1);
    char name[128];
    snprintf(name, sizeof(name), "portico-runner@%s:%ld", host, (long)getpid());
    struct sigaction sa = { 0 };
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    static struct arena arena;
    arena_init(&arena, 1 << 20);
    struct runner r = { &cfg, db_new(&cfg, DB_ROLE_APP), &arena, name };
    if (!r.db) {
        fprintf(stderr, "portico-runner: out of memory\n");
        return 1;
    }
    int status = 0;
    for (long n = 0; !stopping && (passes == 0 || n < passes); n++) {
        int done = pass(&r);
        status = done < 0;
        if (!loop)
            break;
        /* after a failure or an idle pass, wait; after work, look again at once */
        for (int s = 0; done <= 0 && s < cfg.runner_poll_seconds * 10 && !stopping && (passes == 0 || n + 1 < passes); s++) {
            struct timespec ts = { 0, 100 * 1000 * 1000 };
            nanosleep(&ts, NULL);
        }
    }
    db_free(r.db);
    arena_free(r.arena);
    return status;
}
