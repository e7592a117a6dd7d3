/*
 * libFuzzer harness: what issue 17 reads from outside — a traceparent header (lib/trace), an
 * address list and an address (lib/addrlist), a metrics slot file as the scrape reads it from
 * metrics_dir (lib/metrics_scrape: a file there is written by other processes, so it is input),
 * log lines searched (lib/log's log_search), and a developer's PromQL scoped to an entity
 * (lib/promql: what it passes, scoped again under a probe label, must gain no more probe matchers
 * than it had entity matchers — a selector that escaped the first scoping would). The first byte
 * picks which.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/addrlist.h"
#include "lib/arena.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/promql.h"
#include "lib/trace.h"

static char dir[64];

static void each(const char *line, size_t len, void *ctx)
{
    size_t *n = ctx;
    *n += len + (line[0] != 0);
}

static size_t count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static void write_file(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(data, 1, size, f);
        fclose(f);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (!dir[0]) {
        snprintf(dir, sizeof(dir), "/tmp/portico-fuzz-observe-%d", (int)getpid());
        mkdir(dir, 0700);
    }
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    switch (data[0] % 5) {
    case 0: {
        struct trace t, c;
        char h[TRACE_HEADER_LEN + 1];
        if (trace_parse(text, &t)) {
            trace_child(&c, &t);
            trace_header(&c, h);
            if (!trace_parse(h, &t))
                abort();   /* what we write, we read */
        }
        break;
    }
    case 1: {
        char bad[64];
        char *nl = strchr(text, '\n');
        const char *addr = nl ? nl + 1 : "127.0.0.1";
        if (nl)
            *nl = '\0';
        (void)addrlist_valid(text, bad, sizeof(bad));
        (void)addrlist_match(text, addr);
        break;
    }
    case 2: {
        char path[128];
        snprintf(path, sizeof(path), "%s/fuzz-0.m", dir);
        write_file(path, data + 1, size - 1);
        struct arena a;
        arena_init(&a, 0);
        size_t len;
        char err[256];
        (void)metrics_scrape(&a, dir, size % 2 == 0, NULL, 0, &len, err, sizeof(err));
        const char *areas[8];
        int alive[8];
        (void)metrics_processes(&a, dir, areas, alive, 8);
        arena_free(&a);
        break;
    }
    case 4: {
        struct arena a;
        arena_init(&a, 0);
        const char *out, *again, *why;
        if (promql_scope(&a, text, "portico_entity", "x", &out, &why) == 0) {
            if (promql_scope(&a, out, "zq_probe", "y", &again, &why) < 0)
                abort();   /* what it wrote, it reads */
            if (count(again, "zq_probe=\"y\"") - count(out, "zq_probe=\"y\"") > count(out, "portico_entity=\"x\""))
                abort();   /* a selector of out had no matcher */
        }
        arena_free(&a);
        break;
    }
    default: {
        char path[128];
        snprintf(path, sizeof(path), "%s/log", dir);
        write_file(path, data + 1, size - 1);
        const char *needles[2] = { "\"request_id\":\"", "a" };
        size_t n = 0;
        (void)log_search(path, needles, 2, (size % 64) + 1, 100, each, &n);
        (void)log_search(path, needles, 1, 1 << 20, 3, each, &n);
        break;
    }
    }
    free(text);
    return 0;
}
