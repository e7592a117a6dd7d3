/*
 * health: a health check's rules, shared by the handler that keeps checks and the runner that
 * runs them: statuses and their order, the bounds of a check's settings, and the damping that
 * turns a run's result into the check's status (Consul's success_before_passing and
 * failures_before_critical).
 */
#ifndef PORTICO_HEALTH_H
#define PORTICO_HEALTH_H

#include <stdbool.h>

#define HEALTH_INTERVAL_MIN 5
#define HEALTH_INTERVAL_MAX 86400
#define HEALTH_TIMEOUT_MS_MAX 10000
#define HEALTH_TTL_MAX 86400
#define HEALTH_STREAK_MAX 10
#define HEALTH_OUTPUT_MAX 500
#define HEALTH_KEEP_DAYS 7

/* A check's results older than HEALTH_KEEP_DAYS, a bounded batch of them (one parameter: the
 * check's id): run with each result recorded, by the handler (reports) and the runner (runs). */
#define HEALTH_PRUNE_SQL                                                                                               \
    "DELETE FROM health_results WHERE check_id = ? AND at < UTC_TIMESTAMP(6) - INTERVAL 7 DAY ORDER BY id LIMIT 500"

enum health_status { HEALTH_PASSING, HEALTH_WARNING, HEALTH_CRITICAL };

/* "passing", "warning", "critical". */
const char *health_status_name(enum health_status s);

/* The status named s; false when it is none. */
bool health_status_parse(const char *s, enum health_status *out);

/* A check's state between runs. */
struct health_state {
    enum health_status status;
    unsigned ok_streak, fail_streak;   /* results in a row that were passing / were not */
    unsigned long long results;        /* results so far */
};

/* The state after a run whose result is result: the counts move; the status becomes passing
 * after success_before_passing passing results in a row, or the result (warning, critical)
 * after failures_before_critical failing ones; the first result of a check counts at once.
 * Returns whether the status changed. */
bool health_next(struct health_state *s, enum health_status result, unsigned success_before_passing,
                 unsigned failures_before_critical);

/* Is target a TCP check's host:port (a name or an address, [v6]:port, a port 1..65535)? */
bool health_tcp_target_ok(const char *target);

#endif
