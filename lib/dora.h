/*
 * dora: the DORA figures' arithmetic, without a database. Durations (a lead time, a time to
 * restore, a pipeline's run) are counted in buckets that grow by 2% (bucket 0: no time; bucket
 * b >= 1: [1.02^(b-1), 1.02^b) seconds), so a day's durations of a team fold into a few hundred
 * counters however many there are, and a median or p90 over 90 days is read from at most a
 * few thousand (cgi-bin/cicd_rollup.c keeps them, sql/0029). A bucket stands for its geometric
 * middle: within 1% of any duration in it. Percentiles interpolate between the ranks around the
 * wanted one, as PERCENTILE_CONT does over the values themselves.
 *
 * The bucket of a value is also computed in SQL by the rebuild (sql/0029, DORA_BUCKET_SQL's
 * formula); which bucket a value at a boundary falls in may differ by one between the two, and
 * does not matter: a row's bucket is stored with it, and taking it away uses the stored one.
 */
#ifndef PORTICO_DORA_H
#define PORTICO_DORA_H

#include <stddef.h>

#include "arena.h"
#include "db.h"

#define DORA_GROWTH 1.02
#define DORA_BUCKETS 1200          /* 1.02^1199 s is far past any duration kept */

/* The bucket of a duration in seconds (0 for none or negative). */
int dora_bucket(long long seconds);

/* The duration bucket b stands for. */
double dora_bucket_value(int bucket);

/* The p-th (0..1) percentile of a histogram: n[i] counts in bucket[i], buckets ascending,
 * len of them. -1 when it counts nothing. */
double dora_percentile(const int *bucket, const long long *n, size_t len, double p);

/* A window's rows of one scope (cicd_dora_days): the environment's deployment metrics (1-5) and
 * the runs' (6-8), each (metric, bucket) summed over the days. Values: scope, environment, days - 1. */
#define DORA_WINDOW_SQL                                                                                                \
    "SELECT metric, bucket, SUM(n) FROM cicd_dora_days WHERE scope = ? AND ((environment = ? AND metric <= 5) OR "    \
    "(environment = '' AND metric >= 6)) AND day >= UTC_DATE() - INTERVAL ? DAY GROUP BY metric, bucket "              \
    "HAVING SUM(n) <> 0 ORDER BY metric, bucket"

/* The figures of a window: counts, and the percentiles of its durations (-1: nothing measured). */
struct dora_figures {
    long long changes, deployments, failures, lead_measured, restore_measured, runs, run_failures;
    double lead_median, lead_p90, restore_median, run_median;
};

/* From DORA_WINDOW_SQL's rows, given as arrays: metric[i], bucket[i], n[i], in its order. */
void dora_figures_of(const int *metric, const int *bucket, const long long *n, size_t rows, struct dora_figures *f);

/* From DORA_WINDOW_SQL's answer q itself (its arrays in a): 0, or -1 out of memory. */
int dora_figures_of_result(struct arena *a, const struct db_result *q, struct dora_figures *f);

#endif
