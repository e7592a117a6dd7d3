/*
 * metrics: slot files taken by processes (children forked here, as FastCGI children are), their
 * counts kept over a restart and over another build's routes, summed at scrape in both formats;
 * address lists.
 */
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/addrlist.h"
#include "lib/arena.h"
#include "lib/metrics.h"
#include "tests/unit/suites.h"

static char dir[64];

static int suite_init(void)
{
    snprintf(dir, sizeof(dir), "/tmp/portico-metrics-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static void dir_empty(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[512];
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.' || e->d_name[1] == 'p') {
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            unlink(path);
        }
    if (d)
        closedir(d);
}

static int suite_clean(void)
{
    dir_empty();
    rmdir(dir);
    return 0;
}

static const struct metrics_route routes_ab[] = { { "GET", "/api/v1/x/a" }, { "POST", "/api/v1/x/b/{id}" } };
static const struct metrics_route routes_bc[] = { { "POST", "/api/v1/x/b/{id}" }, { "GET", "/api/v1/x/c" } };

/* The value of the sample named exactly name{labels} in text (-1: absent). */
static double sample(const char *text, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, name, n) == 0 && p[n] == ' ')
            return atof(p + n + 1);
    return -1;
}

static char *scrape(struct arena *a, bool om)
{
    size_t len;
    char err[256];
    char *t = metrics_scrape(a, dir, om, NULL, 0, &len, err, sizeof(err));
    if (!t)
        fprintf(stderr, "\n    scrape: %s\n", err);
    return t;
}

/* A child that takes a slot, counts n requests on route 1 (201, 40 ms) and one 503 on none, then
 * waits for a byte on hold (-1: none) before it exits. */
static pid_t child(const struct metrics_route *routes, int n, int hold)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    char err[256];
    if (metrics_open_http(dir, "x", routes, 2, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        _exit(1);
    }
    for (int i = 0; i < n; i++)
        metrics_request(1, 201, 40000);
    metrics_request(2, 503, 2000);
    metrics_db(1500, false);
    metrics_db(3000, true);
    char c;
    if (hold >= 0 && read(hold, &c, 1) < 0)
        _exit(1);
    metrics_close();
    _exit(0);
}

static void reap(pid_t pid)
{
    int st;
    CU_ASSERT_EQUAL(waitpid(pid, &st, 0), pid);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void test_processes_summed_and_kept(void)
{
    dir_empty();
    struct arena a;
    arena_init(&a, 0);
    int p1[2], p2[2];
    CU_ASSERT_FATAL(pipe(p1) == 0 && pipe(p2) == 0);
    pid_t x = child(routes_ab, 3, p1[0]), y = child(routes_ab, 4, p2[0]);
    usleep(200000);
    char *t = scrape(&a, false);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    /* two processes alive, two files, one sum */
    CU_ASSERT_EQUAL(sample(t, "portico_processes{area=\"x\"}"), 2);
    CU_ASSERT_EQUAL(sample(t, "portico_http_requests_total{area=\"x\",method=\"POST\",route=\"/api/v1/x/b/{id}\",code=\"2xx\"}"), 7);
    CU_ASSERT_EQUAL(sample(t, "portico_http_requests_total{area=\"x\",method=\"-\",route=\"unmatched\",code=\"5xx\"}"), 2);
    CU_ASSERT_EQUAL(sample(t, "portico_http_requests_total{area=\"x\",method=\"GET\",route=\"/api/v1/x/a\",code=\"2xx\"}"), 0);
    /* 40 ms: above 0.025, within 0.05; cumulative buckets */
    CU_ASSERT_EQUAL(sample(t, "portico_http_request_duration_seconds_bucket{area=\"x\",method=\"POST\",route=\"/api/v1/x/b/{id}\",le=\"0.025\"}"), 0);
    CU_ASSERT_EQUAL(sample(t, "portico_http_request_duration_seconds_bucket{area=\"x\",method=\"POST\",route=\"/api/v1/x/b/{id}\",le=\"0.05\"}"), 7);
    CU_ASSERT_EQUAL(sample(t, "portico_http_request_duration_seconds_bucket{area=\"x\",method=\"POST\",route=\"/api/v1/x/b/{id}\",le=\"+Inf\"}"), 7);
    CU_ASSERT_EQUAL(sample(t, "portico_http_request_duration_seconds_count{area=\"x\",method=\"POST\",route=\"/api/v1/x/b/{id}\"}"), 7);
    CU_ASSERT_DOUBLE_EQUAL(sample(t, "portico_http_request_duration_seconds_sum{area=\"x\",method=\"POST\",route=\"/api/v1/x/b/{id}\"}"), 0.28, 1e-9);
    CU_ASSERT_EQUAL(sample(t, "portico_db_query_duration_seconds_count{area=\"x\"}"), 4);
    CU_ASSERT_EQUAL(sample(t, "portico_db_errors_total{area=\"x\"}"), 2);
    /* one HELP and TYPE per family, before its samples */
    const char *h = strstr(t, "# TYPE portico_http_requests_total counter\n");
    CU_ASSERT_PTR_NOT_NULL(h);
    CU_ASSERT_PTR_NULL(h ? strstr(h + 1, "# TYPE portico_http_requests_total") : NULL);
    CU_ASSERT(h && h < strstr(t, "portico_http_requests_total{"));
    CU_ASSERT_PTR_NULL(strstr(t, "# EOF"));
    CU_ASSERT(write(p1[1], "x", 1) == 1 && write(p2[1], "x", 1) == 1);
    reap(x);
    reap(y);

    /* the processes are gone; their counts are not */
    arena_reset(&a);
    t = scrape(&a, false);
    CU_ASSERT_EQUAL(sample(t, "portico_processes{area=\"x\"}"), 0);
    CU_ASSERT_EQUAL(sample(t, "portico_http_requests_total{area=\"x\",method=\"POST\",route=\"/api/v1/x/b/{id}\",code=\"2xx\"}"), 7);

    /* a restarted process takes a free slot over and counts on from there: the sum only grows */
    reap(child(routes_ab, 5, -1));
    arena_reset(&a);
    t = scrape(&a, false);
    CU_ASSERT_EQUAL(sample(t, "portico_http_requests_total{area=\"x\",method=\"POST\",route=\"/api/v1/x/b/{id}\",code=\"2xx\"}"), 12);
    int files = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        files += e->d_name[0] != '.';
    closedir(d);
    CU_ASSERT_EQUAL(files, 2);   /* as many as were alive at once, not one per process */
    close(p1[0]);
    close(p1[1]);
    close(p2[0]);
    close(p2[1]);
    arena_free(&a);
}

static void test_other_build_kept_by_name(void)
{
    dir_empty();
    struct arena a;
    arena_init(&a, 0);
    reap(child(routes_ab, 2, -1));
    /* a build whose routes are b and c: b's counts carried over into the rewritten file, a's gone */
    reap(child(routes_bc, 0, -1));
    char *t = scrape(&a, false);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(sample(t, "portico_http_requests_total{area=\"x\",method=\"POST\",route=\"/api/v1/x/b/{id}\",code=\"2xx\"}"), 2);
    CU_ASSERT_EQUAL(sample(t, "portico_http_requests_total{area=\"x\",method=\"GET\",route=\"/api/v1/x/c\",code=\"2xx\"}"), 0);
    CU_ASSERT_EQUAL(sample(t, "portico_http_requests_total{area=\"x\",method=\"GET\",route=\"/api/v1/x/a\",code=\"2xx\"}"), -1);
    /* route 1 of this build is c: counted there */
    CU_ASSERT_EQUAL(sample(t, "portico_http_requests_total{area=\"x\",method=\"-\",route=\"unmatched\",code=\"5xx\"}"), 2);
    arena_free(&a);
}

static void test_openmetrics(void)
{
    dir_empty();
    struct arena a;
    arena_init(&a, 0);
    reap(child(routes_ab, 1, -1));
    struct metrics_extra extra[] = {
        { "portico_jobs", "gauge", "Jobs.", "portico_jobs{state=\"queued\"} 3\n" },
        { "portico_empty", "gauge", "Left out: no lines.", "" },
    };
    size_t len;
    char err[256];
    char *t = metrics_scrape(&a, dir, true, extra, 2, &len, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(strlen(t), len);
    /* a counter's family is named without _total, its samples with it; the text ends # EOF */
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "# TYPE portico_http_requests counter\n"));
    CU_ASSERT_PTR_NULL(strstr(t, "# TYPE portico_http_requests_total"));
    CU_ASSERT(len > 6 && strcmp(t + len - 6, "# EOF\n") == 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "# TYPE portico_jobs gauge\nportico_jobs{state=\"queued\"} 3\n# EOF\n"));
    CU_ASSERT_PTR_NULL(strstr(t, "portico_empty"));
    arena_free(&a);
}

static void test_off_and_faults(void)
{
    char err[256];
    /* no directory: nothing is counted, nothing fails */
    CU_ASSERT_EQUAL(metrics_open_http("", "x", routes_ab, 2, err, sizeof(err)), 0);
    CU_ASSERT_FALSE(metrics_on());
    metrics_request(0, 200, 10);
    metrics_event(METRICS_RATELIMIT_REFUSED);
    /* a directory that is not there, an area that is not a name */
    CU_ASSERT_EQUAL(metrics_open_http("/nonexistent/portico", "x", routes_ab, 2, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/portico"));
    CU_ASSERT_FALSE(metrics_on());
    CU_ASSERT_EQUAL(metrics_open_http(dir, "../x", routes_ab, 2, err, sizeof(err)), -1);
    struct arena a;
    arena_init(&a, 0);
    size_t len;
    CU_ASSERT_PTR_NULL(metrics_scrape(&a, "/nonexistent/portico", false, NULL, 0, &len, err, sizeof(err)));
    /* a file that is not ours, in the directory, is passed over */
    dir_empty();
    char path[512];
    snprintf(path, sizeof(path), "%s/junk-0.m", dir);
    FILE *f = fopen(path, "w");
    fputs("PORTMTR1 but nothing after it", f);
    fclose(f);
    CU_ASSERT_PTR_NOT_NULL(metrics_scrape(&a, dir, false, NULL, 0, &len, err, sizeof(err)));
    /* the runner's series */
    CU_ASSERT_EQUAL(metrics_open_runner(dir, err, sizeof(err)), 0);
    metrics_job("provision", "succeeded", 2000000);
    metrics_job("provision", "retried", 1000);
    metrics_job("nonsense", "succeeded", 1);
    metrics_event(METRICS_LEASE_EXPIRED);
    char *t = metrics_scrape(&a, dir, false, NULL, 0, &len, err, sizeof(err));
    CU_ASSERT_EQUAL(sample(t, "portico_runner_jobs_total{kind=\"provision\",outcome=\"succeeded\"}"), 1);
    CU_ASSERT_EQUAL(sample(t, "portico_runner_jobs_total{kind=\"provision\",outcome=\"retried\"}"), 1);
    CU_ASSERT_EQUAL(sample(t, "portico_runner_job_duration_seconds_bucket{kind=\"provision\",le=\"1.0\"}"), 1);
    CU_ASSERT_EQUAL(sample(t, "portico_runner_job_duration_seconds_bucket{kind=\"provision\",le=\"5.0\"}"), 2);
    CU_ASSERT_EQUAL(sample(t, "portico_runner_lease_expiries_total"), 1);
    CU_ASSERT_EQUAL(sample(t, "portico_processes{area=\"runner\"}"), 1);
    metrics_close();
    arena_free(&a);
}

/* A slot file as another process would leave it: area, names, and one value per name (n). */
static void file_make(const char *name, const char *area, const char *names, uint32_t n)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    struct metrics_head h;
    memset(&h, 0, sizeof(h));
    memcpy(h.magic, METRICS_MAGIC, 8);
    h.nseries = n;
    h.names_len = (uint32_t)strlen(names);
    h.layout = metrics_hash(names, h.names_len);
    h.values_off = (uint32_t)((sizeof(h) + h.names_len + 7) & ~(size_t)7);
    snprintf(h.area, sizeof(h.area), "%s", area);
    FILE *f = fopen(path, "wb");
    fwrite(&h, sizeof(h), 1, f);
    fwrite(names, 1, h.names_len, f);
    for (size_t pad = sizeof(h) + h.names_len; pad < h.values_off; pad++)
        fputc(0, f);
    for (uint32_t i = 0; i < n; i++) {
        uint64_t v = 7;
        fwrite(&v, 8, 1, f);
    }
    fclose(f);
}

/* A file's text reaches the scrape only in the exposition's forms: a bad area or sample, and the
 * file is passed over. */
static void test_files_checked(void)
{
    dir_empty();
    file_make("good-0.m", "good", "portico_db_errors_total\tc\tportico_db_errors_total{area=\"good\"}\n", 1);
    file_make("quote-0.m", "quote", "portico_db_errors_total\tc\tportico_db_errors_total{area=\"q\"x\"}\n", 1);
    file_make("eof-0.m", "eof", "portico_db_errors_total\tc\t# EOF\n", 1);
    file_make("area-0.m", "bad\"area", "portico_db_errors_total\tc\tportico_db_errors_total{area=\"a\"}\n", 1);
    struct arena a;
    arena_init(&a, 0);
    char *t = scrape(&a, true);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(sample(t, "portico_db_errors_total{area=\"good\"}"), 7);
    CU_ASSERT_PTR_NULL(strstr(t, "area=\"q\""));
    CU_ASSERT_PTR_NULL(strstr(t, "area=\"a\""));
    CU_ASSERT_PTR_NULL(strstr(t, "bad\"area"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "# EOF\n"));
    CU_ASSERT_PTR_NULL(strstr(strstr(t, "# EOF\n") + 1, "# EOF"));   /* once, at the end */
    arena_free(&a);
}

static void test_addrlist(void)
{
    char bad[64];
    const char *list = "127.0.0.1, 10.0.0.0/8 ::1 2001:db8::/32";
    CU_ASSERT_TRUE(addrlist_valid(list, bad, sizeof(bad)));
    CU_ASSERT_TRUE(addrlist_match(list, "127.0.0.1"));
    CU_ASSERT_FALSE(addrlist_match(list, "127.0.0.2"));
    CU_ASSERT_TRUE(addrlist_match(list, "10.255.1.2"));
    CU_ASSERT_FALSE(addrlist_match(list, "11.0.0.1"));
    CU_ASSERT_TRUE(addrlist_match(list, "::1"));
    CU_ASSERT_TRUE(addrlist_match(list, "::ffff:10.1.2.3"));   /* a dual-stack server's IPv4 caller */
    CU_ASSERT_TRUE(addrlist_match(list, "2001:db8:1::5"));
    CU_ASSERT_FALSE(addrlist_match(list, "2001:db9::5"));
    CU_ASSERT_FALSE(addrlist_match(list, "not an address"));
    CU_ASSERT_FALSE(addrlist_match(list, NULL));
    CU_ASSERT_FALSE(addrlist_match("", "127.0.0.1"));
    CU_ASSERT_TRUE(addrlist_match("0.0.0.0/0", "192.0.2.1"));
    CU_ASSERT_TRUE(addrlist_match("192.168.1.0/25", "192.168.1.127"));
    CU_ASSERT_FALSE(addrlist_match("192.168.1.0/25", "192.168.1.128"));
    CU_ASSERT_TRUE(addrlist_valid("", bad, sizeof(bad)));
    CU_ASSERT_FALSE(addrlist_valid("127.0.0.1 localhost", bad, sizeof(bad)));
    CU_ASSERT_STRING_EQUAL(bad, "localhost");
    CU_ASSERT_FALSE(addrlist_valid("10.0.0.0/33", bad, sizeof(bad)));
    CU_ASSERT_FALSE(addrlist_valid("10.0.0.0/-1", bad, sizeof(bad)));
    CU_ASSERT_FALSE(addrlist_valid("::/129", bad, sizeof(bad)));
    CU_ASSERT_FALSE(addrlist_valid("10.0.0.0/", bad, sizeof(bad)));
}

void suite_metrics(void)
{
    CU_pSuite s = CU_add_suite("metrics", suite_init, suite_clean);
    CU_add_test(s, "processes' files are summed, kept after they end, taken over on restart", test_processes_summed_and_kept);
    CU_add_test(s, "another build's file keeps the counts of the series both name", test_other_build_kept_by_name);
    CU_add_test(s, "OpenMetrics: family names, extra families, # EOF", test_openmetrics);
    CU_add_test(s, "off without a directory; faults; the runner's series", test_off_and_faults);
    CU_add_test(s, "another process's file: a bad area or sample is passed over", test_files_checked);
    CU_add_test(s, "address lists: IPv4, IPv6, blocks, mapped addresses, bad entries", test_addrlist);
}
