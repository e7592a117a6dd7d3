/* dora: durations in 2% buckets, and percentiles over them (dora.h). */
#include <math.h>

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
