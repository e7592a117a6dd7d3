/*
 * metrics: counters and histograms a process keeps in a file of its own, summed at scrape.
 *
 * Every process of a host (each FastCGI child of each area, each pass of the runner) owns one
 * slot file, `<metrics_dir>/<area>-<slot>.m`, held with an exclusive flock(2) while it lives
 * and mapped into its memory: counting is a store into that map, no system call. When the
 * process ends the file stays, and the next process of the area that finds the slot free takes
 * it over, counts and all, so the sums a scrape makes never go down when a process restarts (as
 * Prometheus' multi-process clients do, but with as many files as processes ever ran at once,
 * not one per pid ever seen). A file names its series (an exposition line's name and labels)
 * before their values, so a scrape (metrics_scrape.c) needs no route table, and files a build
 * with other routes left are summed by name with the rest. A file whose series differ from the
 * process's (a new build) is rewritten when taken over, keeping the counts of the series both
 * know.
 *
 * With metrics_dir empty (or the file impossible to make) every call here does nothing.
 */
#ifndef PORTICO_METRICS_H
#define PORTICO_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

#define METRICS_SLOTS_MAX 256            /* slot files per area: processes alive at once */
#define METRICS_FILE_MAX (8u << 20)      /* a file larger is not one of ours */

/* One HTTP route, as it is counted: its method and its pattern ("/api/v1/catalog/entities/{ref}"). */
struct metrics_route {
    const char *method, *pattern;
};

/* Take a slot file for a handler of area with these routes (counted by index; one more series
 * set counts requests that matched none). 0, or -1 with err (metrics stay off). */
int metrics_open_http(const char *dir, const char *area, const struct metrics_route *routes, size_t nroutes,
                      char *err, size_t errlen);

/* The same for the runner: jobs by kind and outcome, their durations, retries, lease expiries. */
int metrics_open_runner(const char *dir, char *err, size_t errlen);

/* Give the slot up (its counts stay in the file for the next process). */
void metrics_close(void);

/* Is a slot file held by this process? */
bool metrics_on(void);

/* A request answered with status after us microseconds; route is its index in the table given
 * to metrics_open_http, or nroutes for one that matched none. */
void metrics_request(size_t route, int status, long long us);

/* A database statement that took us microseconds; failed when it was refused or lost. */
void metrics_db(long long us, bool failed);

enum metrics_event {
    METRICS_RATELIMIT_REFUSED,   /* a 429 of the per-caller limits */
    METRICS_LOGIN_FAILED,        /* a login refused: wrong username or password */
    METRICS_LOGIN_THROTTLED,     /* a login refused unread: too many failures from there */
    METRICS_SECRET_REVEALED,     /* a secret's value shown (secrets.reveal, an output's reveal) */
    METRICS_LEASE_EXPIRED,       /* the runner took over a job whose runner's lease ran out */
    METRICS_EVENTS
};
void metrics_event(enum metrics_event e);

/* A job's attempt ended: kind "provision" or "deprovision"; outcome "succeeded", "failed",
 * "cancelled" or "retried" (failed, to be tried again); after us microseconds. */
void metrics_job(const char *kind, const char *outcome, long long us);

/* ---- the scrape (metrics_scrape.c) ------------------------------------------------------- */

/* A family a scrape adds from elsewhere (the database, the build): its name, type ("gauge"), help
 * and lines ("name{labels} value\n" each, all of this family). */
struct metrics_extra {
    const char *name, *type, *help, *lines;
};

/* The sum of every slot file in dir, with the extra families after, as Prometheus text format
 * 0.0.4 (openmetrics false) or OpenMetrics 1.0.0 (with its "# EOF"), in a; processes alive per
 * area as the gauge portico_processes. NULL with err when dir cannot be read. */
char *metrics_scrape(struct arena *a, const char *dir, bool openmetrics, const struct metrics_extra *extra,
                     size_t nextra, size_t *len, char *err, size_t errlen);

/* The areas that have slot files in dir and how many processes of each hold theirs now (for the
 * status page), in name order: up to max names into areas (in a), their counts into alive. -1 when dir cannot
 * be read, else how many. */
int metrics_processes(struct arena *a, const char *dir, const char **areas, int *alive, int max);

/* ---- shared by the two halves -------------------------------------------------------------- */

#define METRICS_MAGIC "PORTMTR1"

/* The head of a slot file; the names (one "family\tkind\tsample{labels}\n" per series, kind c: a
 * count, u: microseconds shown as seconds) follow it, then the values (uint64, 8-aligned). */
struct metrics_head {
    char magic[8];
    uint32_t nseries;
    uint32_t names_len;
    uint64_t layout;        /* FNV-1a of the names */
    uint32_t values_off;
    int32_t pid;            /* the last process that held it */
    char area[32];
};

uint64_t metrics_hash(const char *s, size_t n);

/* A slot is held with an open-file-description lock (F_OFD_SETLK) on its whole file, released
 * with the descriptor (the process's end): true when taken. Unlike flock(2), another process can
 * ask whether it is held (F_OFD_GETLK) without taking it, so counting the live processes never
 * makes a starting one pass its slot by. */
bool metrics_slot_lock(int fd);

/* 1 held by a process (not through fd), 0 free, -1 cannot tell. */
int metrics_slot_held(int fd);

#endif
