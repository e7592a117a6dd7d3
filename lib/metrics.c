/*
 * metrics: the recording half — a slot file taken, its series laid out, counts stored into its
 * map. The scrape is metrics_scrape.c.
 */
#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bucket bounds in microseconds, and as the le labels say them. */
static const long long http_bounds[] = { 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 10000000 };
static const char *const http_le[] = { "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "10.0" };
#define HTTP_NB (sizeof(http_bounds) / sizeof(http_bounds[0]) + 1)   /* and +Inf */
static const long long job_bounds[] = { 100000, 500000, 1000000, 5000000, 10000000, 30000000, 60000000, 300000000,
                                        900000000, 3600000000LL };
static const char *const job_le[] = { "0.1", "0.5", "1.0", "5.0", "10.0", "30.0", "60.0", "300.0", "900.0", "3600.0" };
#define JOB_NB (sizeof(job_bounds) / sizeof(job_bounds[0]) + 1)

static const char *const classes[] = { "1xx", "2xx", "3xx", "4xx", "5xx" };
static const char *const job_kinds[] = { "provision", "deprovision" };
static const char *const job_outcomes[] = { "succeeded", "failed", "cancelled", "retried" };
#define NKINDS 2
#define NOUTCOMES 4

/* A route's series: the five classes, then the histogram's buckets (cumulative), its sum (us) and
 * count. The database's: buckets, sum, count, errors. A job kind's: outcomes, buckets, sum, count. */
#define ROUTE_SERIES (5 + HTTP_NB + 2)
#define DB_SERIES (HTTP_NB + 3)
#define KIND_SERIES (NOUTCOMES + JOB_NB + 2)

#define NONE ((size_t)-1)

static struct {
    int fd;
    uint64_t *v;
    void *map;
    size_t map_len;
    size_t nseries;
    size_t nroutes;
    size_t http, db, kinds;    /* first index of each block; NONE: absent */
    size_t event[METRICS_EVENTS];
} m = { .fd = -1, .http = NONE, .db = NONE, .kinds = NONE };

bool metrics_slot_lock(int fd)
{
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
    return fcntl(fd, F_OFD_SETLK, &fl) == 0;
}

int metrics_slot_held(int fd)
{
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
    if (fcntl(fd, F_OFD_GETLK, &fl) < 0)
        return -1;
    return fl.l_type != F_UNLCK;
}

uint64_t metrics_hash(const char *s, size_t n)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

/* ---- the layout: names, one line per series ------------------------------------------------- */

struct layout {
    char *names;
    size_t len, cap, n;
    bool oom;
};

static void lay_raw(struct layout *l, const char *s, size_t n)
{
    if (l->oom)
        return;
    if (l->len + n + 1 > l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16384;
        while (cap < l->len + n + 1)
            cap *= 2;
        char *p = realloc(l->names, cap);
        if (!p) {
            l->oom = true;
            return;
        }
        l->names = p;
        l->cap = cap;
    }
    memcpy(l->names + l->len, s, n);
    l->len += n;
    l->names[l->len] = '\0';
}

static void lay_str(struct layout *l, const char *s)
{
    lay_raw(l, s, strlen(s));
}

/* A label value, escaped as the exposition formats want (\\, \", \n). */
static void lay_value(struct layout *l, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            lay_raw(l, "\\", 1);
        if (*v == '\n')
            lay_str(l, "\\n");
        else
            lay_raw(l, v, 1);
    }
}

/* One series: family, kind, sample name, labels (name, value pairs, NULL-ended), and an le last
 * when given. Returns its index. */
static size_t lay_series(struct layout *l, const char *family, char kind, const char *sample, const char *const *labels,
                         const char *le)
{
    char k[3] = { '\t', kind, '\t' };
    lay_str(l, family);
    lay_raw(l, k, 3);
    lay_str(l, sample);
    if ((labels && labels[0]) || le) {
        lay_raw(l, "{", 1);
        int i = 0;
        for (; labels && labels[i]; i += 2) {
            if (i)
                lay_raw(l, ",", 1);
            lay_str(l, labels[i]);
            lay_raw(l, "=\"", 2);
            lay_value(l, labels[i + 1]);
            lay_raw(l, "\"", 1);
        }
        if (le) {
            lay_str(l, i ? ",le=\"" : "le=\"");
            lay_str(l, le);
            lay_raw(l, "\"", 1);
        }
        lay_raw(l, "}", 1);
    }
    lay_raw(l, "\n", 1);
    return l->n++;
}

/* A histogram's series: nb - 1 bounded buckets, +Inf, _sum, _count. Returns the first index. */
static size_t lay_histogram(struct layout *l, const char *family, const char *const *labels, const char *const *le, size_t nb)
{
    char name[128];
    size_t first = l->n;
    snprintf(name, sizeof(name), "%s_bucket", family);
    for (size_t b = 0; b < nb; b++)
        lay_series(l, family, 'c', name, labels, b + 1 < nb ? le[b] : "+Inf");
    snprintf(name, sizeof(name), "%s_sum", family);
    lay_series(l, family, 'u', name, labels, NULL);
    snprintf(name, sizeof(name), "%s_count", family);
    lay_series(l, family, 'c', name, labels, NULL);
    return first;
}

/* ---- the slot file -------------------------------------------------------------------------- */

static size_t values_off(size_t names_len)
{
    return (sizeof(struct metrics_head) + names_len + 7) & ~(size_t)7;
}

/* The value of each of our series that the old file (its bytes) also names, into v. */
static void carry_over(const char *old, size_t old_len, const struct layout *l, uint64_t *v)
{
    const struct metrics_head *h = (const void *)old;
    if (old_len < sizeof(*h) || memcmp(h->magic, METRICS_MAGIC, 8) != 0 || h->names_len > old_len ||
        values_off(h->names_len) + (size_t)h->nseries * 8 > old_len)
        return;
    const uint64_t *ov = (const void *)(old + values_off(h->names_len));
    struct line { const char *s; size_t n; } *lines = malloc(((size_t)h->nseries + 1) * sizeof(*lines));
    if (!lines)
        return;
    size_t nold = 0;
    for (const char *p = old + sizeof(*h), *end = p + h->names_len; p < end && nold < h->nseries;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            break;
        lines[nold].s = p;
        lines[nold++].n = (size_t)(nl - p) + 1;
        p = nl + 1;
    }
    /* both lists are mostly in one order: look where the last match left off, then everywhere */
    const char *mine = l->names;
    for (size_t i = 0, next = 0; i < l->n; i++) {
        size_t len = (size_t)(strchr(mine, '\n') - mine) + 1;
        for (size_t k = 0; k < nold; k++) {
            size_t j = (next + k) % nold;
            if (lines[j].n == len && memcmp(lines[j].s, mine, len) == 0) {
                v[i] = ov[j];
                next = j + 1;
                break;
            }
        }
        mine += len;
    }
    free(lines);
}

static int slot_write(const char *tmp, const char *path, const char *area, const struct layout *l, const char *old,
                      size_t old_len, int *fd_out)
{
    size_t off = values_off(l->len), size = off + l->n * 8;
    char *buf = calloc(1, size);
    if (!buf)
        return -1;
    struct metrics_head *h = (void *)buf;
    memcpy(h->magic, METRICS_MAGIC, 8);
    h->nseries = (uint32_t)l->n;
    h->names_len = (uint32_t)l->len;
    h->layout = metrics_hash(l->names, l->len);
    h->values_off = (uint32_t)off;
    h->pid = (int32_t)getpid();
    snprintf(h->area, sizeof(h->area), "%s", area);
    memcpy(buf + sizeof(*h), l->names, l->len);
    if (old)
        carry_over(old, old_len, l, (uint64_t *)(buf + off));
    int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0660);
    if (fd < 0) {
        free(buf);
        return -1;
    }
    /* ours before anyone can find it under its name */
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(fd, buf + done, size - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    free(buf);
    if (done != size || !metrics_slot_lock(fd) || rename(tmp, path) < 0) {
        close(fd);
        unlink(tmp);
        return -1;
    }
    *fd_out = fd;
    return 0;
}

/* Take the first free slot of area whose file has, or is made to have, layout l. */
static int slot_take(const char *dir, const char *area, const struct layout *l, char *err, size_t errlen)
{
    char path[1024], tmp[1024];
    uint64_t layout = metrics_hash(l->names, l->len);
    size_t size = values_off(l->len) + l->n * 8;
    for (int slot = 0; slot < METRICS_SLOTS_MAX; slot++) {
        snprintf(path, sizeof(path), "%s/%s-%d.m", dir, area, slot);
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0660);
        if (fd < 0) {
            snprintf(err, errlen, "metrics: cannot open %s: %s", path, strerror(errno));
            return -1;
        }
        struct stat a, b;
        if (!metrics_slot_lock(fd) || fstat(fd, &a) < 0 || stat(path, &b) < 0 || a.st_ino != b.st_ino) {
            close(fd);   /* another process's, or replaced while we locked it */
            continue;
        }
        struct metrics_head h;
        bool same = (size_t)a.st_size == size && pread(fd, &h, sizeof(h), 0) == (ssize_t)sizeof(h) &&
                    memcmp(h.magic, METRICS_MAGIC, 8) == 0 && h.layout == layout && h.nseries == l->n &&
                    h.names_len == l->len;
        if (!same) {
            /* new, or another build's: rewritten whole under the slot's lock, keeping what both name */
            char *old = NULL;
            size_t old_len = a.st_size > 0 && a.st_size <= (off_t)METRICS_FILE_MAX ? (size_t)a.st_size : 0;
            if (old_len && (old = malloc(old_len)) && pread(fd, old, old_len, 0) != (ssize_t)old_len) {
                free(old);
                old = NULL;
            }
            snprintf(tmp, sizeof(tmp), "%s/.%s-%d.tmp", dir, area, slot);
            int nfd;
            int rc = slot_write(tmp, path, area, l, old, old ? old_len : 0, &nfd);
            free(old);
            close(fd);
            if (rc < 0) {
                snprintf(err, errlen, "metrics: cannot write %s: %s", path, strerror(errno));
                return -1;
            }
            fd = nfd;
        } else {
            h.pid = (int32_t)getpid();
            if (pwrite(fd, &h.pid, sizeof(h.pid), offsetof(struct metrics_head, pid)) < 0) {
                /* only the note of who held it last */
            }
        }
        void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED) {
            snprintf(err, errlen, "metrics: cannot map %s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        m.fd = fd;
        m.map = map;
        m.map_len = size;
        m.v = (uint64_t *)((char *)map + values_off(l->len));
        m.nseries = l->n;
        return 0;
    }
    snprintf(err, errlen, "metrics: all %d slots of %s in %s are held", METRICS_SLOTS_MAX, area, dir);
    return -1;
}

static void reset_indices(void)
{
    m.http = m.db = m.kinds = NONE;
    m.nroutes = 0;
    for (int e = 0; e < METRICS_EVENTS; e++)
        m.event[e] = NONE;
}

/* The series every process has: its statements, and the events of its area. */
static void lay_common(struct layout *l, const char *area)
{
    const char *labels[] = { "area", area, NULL };
    m.db = lay_histogram(l, "portico_db_query_duration_seconds", labels, http_le, HTTP_NB);
    lay_series(l, "portico_db_errors_total", 'c', "portico_db_errors_total", labels, NULL);
    m.event[METRICS_RATELIMIT_REFUSED] =
        lay_series(l, "portico_ratelimit_refusals_total", 'c', "portico_ratelimit_refusals_total", labels, NULL);
}

static int finish(const char *dir, const char *area, struct layout *l, char *err, size_t errlen)
{
    int rc = -1;
    if (l->oom)
        snprintf(err, errlen, "metrics: out of memory");
    else
        rc = slot_take(dir, area, l, err, errlen);
    free(l->names);
    if (rc < 0)
        reset_indices();
    return rc;
}

static bool area_ok(const char *area)
{
    size_t n = strlen(area);
    return n > 0 && n < 32 && strspn(area, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

int metrics_open_http(const char *dir, const char *area, const struct metrics_route *routes, size_t nroutes,
                      char *err, size_t errlen)
{
    metrics_close();
    if (!dir || !*dir)
        return 0;
    if (!area_ok(area)) {
        snprintf(err, errlen, "metrics: area %s is not a name", area);
        return -1;
    }
    struct layout l = { 0 };
    m.http = 0;
    m.nroutes = nroutes;
    for (size_t r = 0; r <= nroutes; r++) {
        const char *method = r < nroutes ? routes[r].method : "-";
        const char *pattern = r < nroutes ? routes[r].pattern : "unmatched";
        for (int k = 0; k < 5; k++) {
            const char *labels[] = { "area", area, "method", method, "route", pattern, "code", classes[k], NULL };
            lay_series(&l, "portico_http_requests_total", 'c', "portico_http_requests_total", labels, NULL);
        }
        const char *labels[] = { "area", area, "method", method, "route", pattern, NULL };
        lay_histogram(&l, "portico_http_request_duration_seconds", labels, http_le, HTTP_NB);
    }
    lay_common(&l, area);
    if (strcmp(area, "auth") == 0) {
        const char *failed[] = { "area", area, "reason", "credentials", NULL };
        const char *throttled[] = { "area", area, "reason", "throttled", NULL };
        m.event[METRICS_LOGIN_FAILED] =
            lay_series(&l, "portico_login_refusals_total", 'c', "portico_login_refusals_total", failed, NULL);
        m.event[METRICS_LOGIN_THROTTLED] =
            lay_series(&l, "portico_login_refusals_total", 'c', "portico_login_refusals_total", throttled, NULL);
    }
    if (strcmp(area, "secrets") == 0) {
        const char *labels[] = { "area", area, NULL };
        m.event[METRICS_SECRET_REVEALED] =
            lay_series(&l, "portico_secret_reveals_total", 'c', "portico_secret_reveals_total", labels, NULL);
    }
    return finish(dir, area, &l, err, errlen);
}

int metrics_open_runner(const char *dir, char *err, size_t errlen)
{
    metrics_close();
    if (!dir || !*dir)
        return 0;
    struct layout l = { 0 };
    m.kinds = 0;
    for (int k = 0; k < NKINDS; k++) {
        for (int o = 0; o < NOUTCOMES; o++) {
            const char *labels[] = { "kind", job_kinds[k], "outcome", job_outcomes[o], NULL };
            lay_series(&l, "portico_runner_jobs_total", 'c', "portico_runner_jobs_total", labels, NULL);
        }
        const char *labels[] = { "kind", job_kinds[k], NULL };
        lay_histogram(&l, "portico_runner_job_duration_seconds", labels, job_le, JOB_NB);
    }
    m.event[METRICS_LEASE_EXPIRED] =
        lay_series(&l, "portico_runner_lease_expiries_total", 'c', "portico_runner_lease_expiries_total", NULL, NULL);
    lay_common(&l, "runner");
    return finish(dir, "runner", &l, err, errlen);
}

void metrics_close(void)
{
    if (m.map)
        munmap(m.map, m.map_len);
    if (m.fd >= 0)
        close(m.fd);   /* and with it the lock */
    m.fd = -1;
    m.map = NULL;
    m.v = NULL;
    m.nseries = 0;
    reset_indices();
}

bool metrics_on(void)
{
    return m.v != NULL;
}

/* ---- counting -------------------------------------------------------------------------------- */

/* A reader may be summing this file as it changes: each value is stored whole. */
static inline void add(size_t i, uint64_t n)
{
    __atomic_store_n(&m.v[i], m.v[i] + n, __ATOMIC_RELAXED);
}

static void observe(size_t first, const long long *bounds, size_t nb, long long us)
{
    if (us < 0)
        us = 0;
    /* cumulative: every bucket whose bound the value is within, then +Inf, _sum, _count */
    size_t b = 0;
    while (b < nb - 1 && us > bounds[b])
        b++;
    for (; b < nb; b++)
        add(first + b, 1);
    add(first + nb, (uint64_t)us);
    add(first + nb + 1, 1);
}

void metrics_request(size_t route, int status, long long us)
{
    if (!m.v || m.http == NONE || route > m.nroutes)
        return;
    size_t base = m.http + route * ROUTE_SERIES;
    int k = status / 100 - 1;
    if (k >= 0 && k < 5)
        add(base + (size_t)k, 1);
    observe(base + 5, http_bounds, HTTP_NB, us);
}

void metrics_db(long long us, bool failed)
{
    if (!m.v || m.db == NONE)
        return;
    observe(m.db, http_bounds, HTTP_NB, us);
    if (failed)
        add(m.db + DB_SERIES - 1, 1);
}

void metrics_event(enum metrics_event e)
{
    if (m.v && e < METRICS_EVENTS && m.event[e] != NONE)
        add(m.event[e], 1);
}

void metrics_job(const char *kind, const char *outcome, long long us)
{
    if (!m.v || m.kinds == NONE)
        return;
    int k = 0, o = 0;
    while (k < NKINDS && strcmp(job_kinds[k], kind) != 0)
        k++;
    while (o < NOUTCOMES && strcmp(job_outcomes[o], outcome) != 0)
        o++;
    if (k == NKINDS || o == NOUTCOMES)
        return;
    size_t base = m.kinds + (size_t)k * KIND_SERIES;
    add(base + (size_t)o, 1);
    observe(base + NOUTCOMES, job_bounds, JOB_NB, us);
}
