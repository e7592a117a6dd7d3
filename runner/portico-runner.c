/*
 * portico-runner: the work that does not belong in a request. cron starts a pass every minute
 * (`portico-runner --once`, the default); on a dedicated server it can stay (`--loop`).
 *
 * A pass: deregister instances whose heartbeats stopped long enough ago, sync every catalog
 * location that is due, notify the owners of resources about to expire and queue the
 * deprovisioning of expired ones, then drain the provisioning queue (runner/jobs.c). With
 * --once it drains for at most --max-seconds (runner_max_seconds, 55) and exits, holding a lock
 * (runner_lock_file) so that passes on one host never overlap — passes on other hosts run side
 * by side. With --loop it keeps going: an idle runner looks for due jobs every runner_job_poll_ms
 * and at the catalog every runner_poll_seconds. Work is claimed with row locks (FOR UPDATE SKIP
 * LOCKED), so any number of runners on any number of hosts can run at once and none does the
 * same work twice. Outcomes are recorded where the API shows them and in the audit log;
 * progress lines go to standard error (cron mails them, or the service manager logs them).
 *
 *   portico-runner [--config FILE] [--once [--max-seconds N] | --loop | --passes N]
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "runner.h"
#include "lib/monotime.h"

#define PASS_LOCATIONS_MAX 100   /* locations synced in one pass before the next deregistration round */

static volatile sig_atomic_t stopping;
static volatile int stop_flag;   /* what struct runner watches (set with stopping) */

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
    stop_flag = 1;
}

/* The catalog's due work and the resources' expiry; the number of things done, or -1 when
 * the database failed. */
static int upkeep(struct runner *r)
{
    struct problem p;
    int done = 0, rc;
    problem_init(&p);
    rc = runner_heartbeat(r, &p);
    arena_reset(r->arena);
    if (rc < 0) {
        fprintf(stderr, "portico-runner: %s%s%s\n", p.detail, p.internal[0] ? ": " : "", p.internal);
        return -1;
    }
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
    if (rc >= 0) {
        problem_init(&p);
        rc = expiry_pass(r, &p);
        arena_reset(r->arena);
        if (rc > 0)
            done += rc;
    }
    if (rc < 0) {
        fprintf(stderr, "portico-runner: %s%s%s\n", p.detail, p.internal[0] ? ": " : "", p.internal);
        return -1;
    }
    return done;
}

static int drain(struct runner *r, double deadline)
{
    struct problem p;
    problem_init(&p);
    int rc = jobs_drain(r, deadline, &p);
    arena_reset(r->arena);
    if (rc < 0)
        fprintf(stderr, "portico-runner: jobs: %s%s%s\n", p.detail, p.internal[0] ? ": " : "", p.internal);
    problem_init(&p);
    int k = deploys_drain(r, deadline, &p);
    arena_reset(r->arena);
    if (k < 0)
        fprintf(stderr, "portico-runner: deploys: %s%s%s\n", p.detail, p.internal[0] ? ": " : "", p.internal);
    problem_init(&p);
    int h = health_pass(r, deadline, &p);
    arena_reset(r->arena);
    if (h < 0) {
        fprintf(stderr, "portico-runner: health checks: %s%s%s\n", p.detail, p.internal[0] ? ": " : "", p.internal);
        if (db_in_transaction(r->db))
            db_abort(r->db);
    }
    problem_init(&p);
    int a = alerts_pass(r, deadline, &p);
    arena_reset(r->arena);
    if (a < 0) {
        fprintf(stderr, "portico-runner: alerts: %s%s%s\n", p.detail, p.internal[0] ? ": " : "", p.internal);
        if (db_in_transaction(r->db))
            db_abort(r->db);
    }
    return rc < 0 || k < 0 || h < 0 || a < 0 ? -1 : rc + k + h + a;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: portico-runner [--config FILE] [--once [--max-seconds N] | --loop | --passes N]\n"
               "  --once (the default, for cron every minute): the catalog's and the resources' due work, then\n"
               "    provisioning jobs and deploys until none is due or --max-seconds (runner_max_seconds) have passed; a lock\n"
               "    (runner_lock_file) makes a second pass on this host exit at once while one runs.\n"
               "  --loop: keep going (systemd); --passes N: N rounds of the loop, then exit (tests).\n"
               "  The configuration file is --config FILE, else $PORTICO_CONFIG, else the default.\n");
}

/* The --once lock: 1 held, 0 another pass holds it, -1 it cannot be made. Kept until exit. */
static int lock_once(const struct config *cfg)
{
    char path[600];
    if (cfg->runner_lock_file[0])
        snprintf(path, sizeof(path), "%s", cfg->runner_lock_file);
    else
        snprintf(path, sizeof(path), "/tmp/portico-runner.%ld.lock", (long)getuid());
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        fprintf(stderr, "portico-runner: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        close(fd);
        return errno == EWOULDBLOCK ? 0 : -1;
    }
    return 1;   /* the descriptor stays open: the lock lasts as long as the process */
}

int main(int argc, char **argv)
{
    const char *config_path = NULL;
    bool loop = false;
    long passes = 1, max_seconds = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            config_path = argv[++i];
        } else if (strcmp(argv[i], "--once") == 0) {
            loop = false;
            passes = 1;
        } else if (strcmp(argv[i], "--max-seconds") == 0 && i + 1 < argc) {
            max_seconds = strtol(argv[++i], NULL, 10);
            if (max_seconds < 1 || max_seconds > 86400) {
                fprintf(stderr, "portico-runner: --max-seconds is 1 to 86400\n");
                return 2;
            }
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
    if (sodium_init() < 0) {
        fprintf(stderr, "portico-runner: libsodium did not start\n");
        return 1;
    }
    if (!loop) {
        int held = lock_once(&cfg);
        if (held == 0) {
            fprintf(stderr, "portico-runner: another pass is running on this host; this one stops\n");
            return 0;
        }
        if (held < 0)
            return 1;
        if (!max_seconds)
            max_seconds = cfg.runner_max_seconds;
    }
    gethostname(host, sizeof(host) - 1);
    char name[128], owner[160];
    unsigned char nonce[6];
    char hex[13];
    randombytes_buf(nonce, sizeof(nonce));
    sodium_bin2hex(hex, sizeof(hex), nonce, sizeof(nonce));
    snprintf(name, sizeof(name), "portico-runner@%s:%ld", host, (long)getpid());
    snprintf(owner, sizeof(owner), "%s:%s", name, hex);
    struct sigaction sa = { 0 };
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (metrics_open_runner(cfg.metrics_dir, err, sizeof(err)) < 0)
        fprintf(stderr, "portico-runner: %s (running uncounted)\n", err);
    static struct arena arena;
    arena_init(&arena, 1 << 20);
    struct runner r = { &cfg, db_new(&cfg, DB_ROLE_APP), &arena, name, owner, &stop_flag, NULL, NULL };
    if (!r.db) {
        fprintf(stderr, "portico-runner: out of memory\n");
        return 1;
    }
    int status = 0;
    if (!loop) {
        double deadline = monotime_s() + (double)max_seconds;
        int a = upkeep(&r);
        int b = drain(&r, deadline);
        status = a < 0 || b < 0;
    } else {
        double upkeep_at = 0;
        for (long n = 0; !stopping && (passes == 0 || n < passes); n++) {
            int did = 0, rc = 0;
            if (monotime_s() >= upkeep_at || passes) {
                rc = upkeep(&r);
                upkeep_at = monotime_s() + cfg.runner_poll_seconds;
                did += rc > 0 ? rc : 0;
            }
            int d = drain(&r, 0);
            did += d > 0 ? d : 0;
            status = rc < 0 || d < 0;
            if (passes && n + 1 >= passes)
                break;
            /* idle: look for due jobs often (cheaply), for the catalog's work at its pace */
            for (double until = monotime_s() + cfg.runner_poll_seconds; !did && !stopping && monotime_s() < until;) {
                struct timespec ts = { cfg.runner_job_poll_ms / 1000, (long)(cfg.runner_job_poll_ms % 1000) * 1000000L };
                nanosleep(&ts, NULL);
                struct problem p;
                problem_init(&p);
                int due = jobs_due(&r, &p);
                if (due == 0)
                    due = deploys_due(&r, &p);
                if (due == 0)
                    due = health_due(&r, &p);
                if (due == 0)
                    due = alerts_due(&r, &p);
                arena_reset(r.arena);
                if (due != 0)
                    break;   /* work, or a database to find out about */
            }
        }
    }
    runner_free(&r);
    db_free(r.db);
    arena_free(r.arena);
    return status;
}
