/*
 * metrics: the scrape — every slot file of the directory read (files of one layout share one
 * parse of their names), summed by series name, and written family by family in Prometheus'
 * text format or OpenMetrics.
 */
#include "metrics.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The families a slot file may hold, in the order a scrape writes them. */
static const struct family {
    const char *name, *type, *help;
} families[] = {
    { "portico_http_requests_total", "counter", "HTTP requests answered, by area, route and status class." },
    { "portico_http_request_duration_seconds", "histogram", "Time from a request's arrival in the handler to its answer." },
    { "portico_db_query_duration_seconds", "histogram", "Time of each database statement, by the area that ran it." },
    { "portico_db_errors_total", "counter", "Database statements refused or lost (connection, deadlock, constraint)." },
    { "portico_ratelimit_refusals_total", "counter", "Requests refused 429 by the per-caller rate limits." },
    { "portico_login_refusals_total", "counter", "Logins refused: wrong credentials, locked out or rate limited." },
    { "portico_secret_reveals_total", "counter", "Secret values shown to a caller." },
    { "portico_runner_jobs_total", "counter", "Job attempts ended, by kind and outcome (retried: failed, to be tried again)." },
    { "portico_runner_job_duration_seconds", "histogram", "Time of each job attempt in the runner." },
    { "portico_runner_lease_expiries_total", "counter", "Jobs taken over after their runner's lease ran out." },
};
#define NFAMILIES (sizeof(families) / sizeof(families[0]))

struct series {
    const char *sample;     /* "name{labels}" */
    size_t len;
    int family;             /* -1: a family this build does not know */
    bool micro;
};

/* The files of one layout: their names parsed once, their values summed. */
struct group {
    uint64_t layout;
    uint32_t nseries, names_len, values_off;
    char area[32];
    struct series *series;
    uint64_t *sum;
    struct group *next;
};

struct area_count {
    char area[32];
    int alive;
    struct area_count *next;
};

struct buf {
    char *s;
    size_t len, cap;
    bool oom;
};

static void put(struct buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 65536;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static int family_index(const char *s, size_t n)
{
    for (size_t f = 0; f < NFAMILIES; f++)
        if (strlen(families[f].name) == n && memcmp(families[f].name, s, n) == 0)
            return (int)f;
    return -1;
}

/* A sample as the exposition formats have it: a metric name, then labels in braces whose values
 * are quoted with \\ and \" escaped (a file is written by another process: its text is checked,
 * never trusted into the scrape). */
static bool sample_ok(const char *s, size_t n)
{
    size_t i = 0;
    if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_' || s[0] == ':'))
        return false;
    while (i < n && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
                     s[i] == '_' || s[i] == ':'))
        i++;
    if (i == n)
        return true;
    if (s[i++] != '{')
        return false;
    while (i < n && s[i] != '}') {
        size_t name = i;
        while (i < n && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            i++;
        if (i == name || i + 1 >= n || s[i] != '=' || s[i + 1] != '"')
            return false;
        for (i += 2; i < n && s[i] != '"'; i++)
            if (s[i] == '\\' && ++i >= n)
                return false;
        if (i >= n)
            return false;
        i++;   /* the closing quote */
        if (i < n && s[i] == ',')
            i++;
    }
    return i + 1 == n && s[i] == '}';
}

static bool area_ok(const char *a)
{
    size_t n = strlen(a);
    return n > 0 && strspn(a, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

/* A group's names: "family\tkind\tsample\n" each. -1 when they are not in that form. */
static int group_parse(struct arena *a, struct group *g, char *names)
{
    g->series = arena_calloc(a, g->nseries ? g->nseries : 1, sizeof(*g->series));
    g->sum = arena_calloc(a, g->nseries ? g->nseries : 1, sizeof(*g->sum));
    if (!g->series || !g->sum)
        return -1;
    char *p = names, *end = names + g->names_len;
    for (uint32_t i = 0; i < g->nseries; i++) {
        char *t1 = memchr(p, '\t', (size_t)(end - p));
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!t1 || !nl || t1 > nl || t1 + 3 > nl || t1[2] != '\t')
            return -1;
        g->series[i].family = family_index(p, (size_t)(t1 - p));
        g->series[i].micro = t1[1] == 'u';
        g->series[i].sample = t1 + 3;
        g->series[i].len = (size_t)(nl - (t1 + 3));
        if (!sample_ok(g->series[i].sample, g->series[i].len))
            return -1;
        p = nl + 1;
    }
    return 0;
}

/* One file: its values added to its group's (made when it is the first of its layout). */
static int file_read(struct arena *a, int fd, struct group **groups, struct area_count **areas)
{
    struct stat st;
    struct metrics_head h;
    if (fstat(fd, &st) < 0 || st.st_size > (off_t)METRICS_FILE_MAX ||
        pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) || memcmp(h.magic, METRICS_MAGIC, 8) != 0 ||
        h.values_off < sizeof(h) + h.names_len || (off_t)h.values_off + (off_t)h.nseries * 8 > st.st_size)
        return 0;   /* not (yet) one of ours */
    h.area[sizeof(h.area) - 1] = '\0';
    if (!area_ok(h.area))
        return 0;
    struct group *g = *groups;
    while (g && !(g->layout == h.layout && g->nseries == h.nseries && g->names_len == h.names_len &&
                  g->values_off == h.values_off && strcmp(g->area, h.area) == 0))
        g = g->next;
    if (!g) {
        g = arena_calloc(a, 1, sizeof(*g));
        char *names = g ? arena_alloc(a, h.names_len + 1) : NULL;
        if (!names)
            return -1;
        if (pread(fd, names, h.names_len, sizeof(h)) != (ssize_t)h.names_len)
            return 0;
        g->layout = h.layout;
        g->nseries = h.nseries;
        g->names_len = h.names_len;
        g->values_off = h.values_off;
        memcpy(g->area, h.area, sizeof(g->area));
        if (metrics_hash(names, h.names_len) != h.layout || group_parse(a, g, names) < 0)
            return 0;
        g->next = *groups;
        *groups = g;
    }
    /* the values as their owner stores them, each read whole (a copy of the bytes could catch
     * a counter half-written) */
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    if (map != MAP_FAILED) {
        const uint64_t *v = (const uint64_t *)(const void *)((const char *)map + h.values_off);
        for (uint32_t i = 0; i < h.nseries; i++)
            g->sum[i] += __atomic_load_n(&v[i], __ATOMIC_RELAXED);
        munmap(map, (size_t)st.st_size);
    }
    /* held: a live process's (its exclusive lock keeps our shared one out) */
    struct area_count *c = *areas;
    while (c && strcmp(c->area, h.area) != 0)
        c = c->next;
    if (!c) {
        if (!(c = arena_calloc(a, 1, sizeof(*c))))
            return -1;
        memcpy(c->area, h.area, sizeof(c->area));
        c->next = *areas;
        *areas = c;
    }
    c->alive += metrics_slot_held(fd) == 1;
    return 0;
}

static int dir_read(struct arena *a, const char *dir, struct group **groups, struct area_count **areas, char *err,
                    size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "metrics: cannot read %s: %s", dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.' || n < 3 || strcmp(e->d_name + n - 2, ".m") != 0)
            continue;
        int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
            continue;   /* gone since the listing */
        rc = file_read(a, fd, groups, areas);
        close(fd);
    }
    closedir(d);
    if (rc < 0)
        snprintf(err, errlen, "metrics: out of memory");
    return rc;
}

/* ---- summing by name, and writing ----------------------------------------------------------- */

struct merged {
    const struct series *s;
    uint64_t value;
    size_t next;            /* the family's next series in first-seen order; 0: none (index + 1) */
};

static void value_put(struct buf *b, const struct series *s, uint64_t v)
{
    char num[48];
    int n = s->micro ? snprintf(num, sizeof(num), " %llu.%06llu\n", (unsigned long long)(v / 1000000),
                                (unsigned long long)(v % 1000000))
                     : snprintf(num, sizeof(num), " %llu\n", (unsigned long long)v);
    put(b, s->sample, s->len);
    put(b, num, (size_t)n);
}

static void family_head(struct buf *b, const char *name, const char *type, const char *help, bool openmetrics)
{
    size_t n = strlen(name);
    /* OpenMetrics names a counter's family without the _total its samples carry */
    if (openmetrics && strcmp(type, "counter") == 0 && n > 6 && strcmp(name + n - 6, "_total") == 0)
        n -= 6;
    puts_(b, "# HELP ");
    put(b, name, n);
    puts_(b, " ");
    puts_(b, help);
    puts_(b, "\n# TYPE ");
    put(b, name, n);
    puts_(b, " ");
    puts_(b, type);
    puts_(b, "\n");
}

char *metrics_scrape(struct arena *a, const char *dir, bool openmetrics, const struct metrics_extra *extra,
                     size_t nextra, size_t *len, char *err, size_t errlen)
{
    struct group *groups = NULL;
    struct area_count *areas = NULL;
    if (dir && *dir && dir_read(a, dir, &groups, &areas, err, errlen) < 0)
        return NULL;
    size_t total = 0;
    for (struct group *g = groups; g; g = g->next)
        total += g->nseries;
    /* an open-addressed table of sample names to merged entries */
    size_t cap = 64;
    while (cap < total * 2)
        cap *= 2;
    size_t *slots = arena_calloc(a, cap, sizeof(*slots));   /* merged index + 1; 0: empty */
    struct merged *mg = arena_calloc(a, total ? total : 1, sizeof(*mg));
    size_t nm = 0, head[NFAMILIES] = { 0 }, tail[NFAMILIES] = { 0 };
    if (!slots || !mg) {
        snprintf(err, errlen, "metrics: out of memory");
        return NULL;
    }
    for (struct group *g = groups; g; g = g->next)
        for (uint32_t i = 0; i < g->nseries; i++) {
            const struct series *s = &g->series[i];
            if (s->family < 0)
                continue;
            size_t h = (size_t)metrics_hash(s->sample, s->len) & (cap - 1);
            while (slots[h] && !(mg[slots[h] - 1].s->len == s->len && memcmp(mg[slots[h] - 1].s->sample, s->sample, s->len) == 0))
                h = (h + 1) & (cap - 1);
            if (slots[h]) {
                mg[slots[h] - 1].value += g->sum[i];
                continue;
            }
            mg[nm].s = s;
            mg[nm].value = g->sum[i];
            slots[h] = ++nm;
            int f = s->family;
            if (tail[f])
                mg[tail[f] - 1].next = nm;
            else
                head[f] = nm;
            tail[f] = nm;
        }
    struct buf b = { 0 };
    put(&b, "", 0);   /* an empty scrape is text too */
    for (size_t f = 0; f < NFAMILIES; f++) {
        if (!head[f])
            continue;
        family_head(&b, families[f].name, families[f].type, families[f].help, openmetrics);
        for (size_t k = head[f]; k; k = mg[k - 1].next)
            value_put(&b, mg[k - 1].s, mg[k - 1].value);
    }
    if (areas) {
        family_head(&b, "portico_processes", "gauge", "Processes holding a metrics slot now, by area.", openmetrics);
        for (struct area_count *c = areas; c; c = c->next) {
            char line[96];
            put(&b, line, (size_t)snprintf(line, sizeof(line), "portico_processes{area=\"%s\"} %d\n", c->area, c->alive));
        }
    }
    for (size_t i = 0; i < nextra; i++) {
        if (!extra[i].lines || !*extra[i].lines)
            continue;
        family_head(&b, extra[i].name, extra[i].type, extra[i].help, openmetrics);
        puts_(&b, extra[i].lines);
    }
    if (openmetrics)
        puts_(&b, "# EOF\n");
    if (b.oom || !b.s || arena_defer(a, free, b.s) < 0) {
        free(b.s);
        snprintf(err, errlen, "metrics: out of memory");
        return NULL;
    }
    *len = b.len;
    return b.s;
}

int metrics_processes(struct arena *a, const char *dir, const char **names, int *alive, int max)
{
    struct group *groups = NULL;
    struct area_count *areas = NULL;
    char err[256];
    if (!dir || !*dir)
        return 0;
    if (dir_read(a, dir, &groups, &areas, err, sizeof(err)) < 0)
        return -1;
    int n = 0;
    for (struct area_count *c = areas; c && n < max; c = c->next, n++) {
        /* in name order */
        int at = n;
        while (at > 0 && strcmp(names[at - 1], c->area) > 0) {
            names[at] = names[at - 1];
            alive[at] = alive[at - 1];
            at--;
        }
        names[at] = arena_strdup(a, c->area);
        alive[at] = c->alive;
    }
    return n;
}
