/* dora: durations in 2% buckets, and percentiles over them (dora.h). */
#include <math.h>
#include <stdlib.h>

#include "dora.h"

int dora_bucket(long long seconds)
{
    if (seconds <= 0)
        return 0;
    int b = 1 + (int)floor(log((double)seconds) / log(DORA_GROWTH));
    return b < DORA_BUCKETS ? b : DORA_BUCKETS - 1;
}

double dora_bucket_value(int bucket)
{
    if (bucket <= 0)
        return 0;
    return pow(DORA_GROWTH, (double)bucket - 0.5);
}

/* The value at 0-based rank r of the histogram's values. */
static double at_rank(const int *bucket, const long long *n, size_t len, long long r)
{
    long long seen = 0;
    for (size_t i = 0; i < len; i++) {
        seen += n[i] > 0 ? n[i] : 0;
        if (r < seen)
            return dora_bucket_value(bucket[i]);
    }
    return len ? dora_bucket_value(bucket[len - 1]) : 0;
}

double dora_percentile(const int *bucket, const long long *n, size_t len, double p)
{
    long long total = 0;
    for (size_t i = 0; i < len; i++)
        total += n[i] > 0 ? n[i] : 0;
    if (total == 0)
        return -1;
    double r = p * (double)(total - 1);
    long long lo = (long long)floor(r), hi = (long long)ceil(r);
    double a = at_rank(bucket, n, len, lo), b = at_rank(bucket, n, len, hi);
    return a + (b - a) * (r - (double)lo);
}

void dora_figures_of(const int *metric, const int *bucket, const long long *n, size_t rows, struct dora_figures *f)
{
    long long sum[9] = { 0 };
    size_t from[10] = { 0 };
    for (size_t i = 0; i < rows; i++)
        if (metric[i] >= 1 && metric[i] <= 8)
            sum[metric[i]] += n[i];
    /* where each metric's rows start (rows are in metric order) */
    for (int m = 1, i = 0; m <= 9; m++) {
        while ((size_t)i < rows && metric[i] < m)
            i++;
        from[m] = (size_t)i;
    }
#define HIST(m) bucket + from[m], n + from[m], from[(m) + 1] - from[m]
    f->changes = sum[1];
    f->deployments = sum[2];
    f->failures = sum[3];
    f->lead_measured = sum[4];
    f->restore_measured = sum[5];
    f->runs = sum[6];
    f->run_failures = sum[7];
    f->lead_median = dora_percentile(HIST(4), 0.5);
    f->lead_p90 = dora_percentile(HIST(4), 0.9);
    f->restore_median = dora_percentile(HIST(5), 0.5);
    f->run_median = dora_percentile(HIST(8), 0.5);
#undef HIST
}

int dora_figures_of_result(struct arena *a, const struct db_result *q, struct dora_figures *f)
{
    int *metric = arena_calloc(a, q->nrows + 1, sizeof(*metric)), *bucket = arena_calloc(a, q->nrows + 1, sizeof(*bucket));
    long long *n = arena_calloc(a, q->nrows + 1, sizeof(*n));
    if (!metric || !bucket || !n)
        return -1;
    for (size_t i = 0; i < q->nrows; i++) {
        metric[i] = atoi(db_cell(q, i, 0));
        bucket[i] = atoi(db_cell(q, i, 1));
        n[i] = atoll(db_cell(q, i, 2));
    }
    dora_figures_of(metric, bucket, n, q->nrows, f);
    return 0;
}
