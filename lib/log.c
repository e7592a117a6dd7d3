/*
 * log: JSON lines built with json-c (for escaping) and written with one write(2).
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "monotime.h"

static int log_fd = 2;
static char log_path[1024];
static volatile sig_atomic_t reopen_asked;
static long long checked_at;

int log_open(const char *file)
{
    if (log_fd > 2)
        close(log_fd);
    log_fd = 2;
    log_path[0] = '\0';
    if (!file || !*file)
        return 0;
    int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
        return -1;
    log_fd = fd;
    snprintf(log_path, sizeof(log_path), "%s", file);
    checked_at = monotime_us();
    return 0;
}

void log_reopen(void)
{
    reopen_asked = 1;
}

/* Before a line: the file again when asked, or when its name no longer leads to it (rotated). */
static void log_check(void)
{
    if (!log_path[0])
        return;
    long long now = monotime_us();
    if (!reopen_asked && now - checked_at < 1000000)
        return;
    checked_at = now;
    bool again = reopen_asked;
    reopen_asked = 0;
    if (!again) {
        struct stat open_file, named;
        again = stat(log_path, &named) < 0 || fstat(log_fd, &open_file) < 0 || open_file.st_ino != named.st_ino ||
                open_file.st_dev != named.st_dev;
    }
    if (!again)
        return;
    int fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
        return;   /* keep writing where we were: a line in the old file beats none */
    if (log_fd > 2)
        close(log_fd);
    log_fd = fd;
}

void log_time_rfc3339(char *buf, unsigned long len)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

static void log_emit(json_object *o)
{
    log_check();
    size_t len;
    const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    /* Never cut a line: a cut line is not JSON. Escaping can make a path six times longer. */
    char stack[8192], *line = len < sizeof(stack) ? stack : malloc(len + 1);
    if (!line) {
        json_object_put(o);
        return;
    }
    memcpy(line, s, len);
    line[len++] = '\n';
    ssize_t w;
    do {
        w = write(log_fd, line, len);
    } while (w < 0 && errno == EINTR);
    if (line != stack)
        free(line);
    json_object_put(o);
}

static void add_str(json_object *o, const char *k, const char *v)
{
    if (v)
        json_object_object_add(o, k, json_object_new_string(v));
}

/* Append "key":"escaped value", to b (bounded); JSON string escaping by hand, because this
 * runs once per request and json-c would build and free a whole object for it. */
static size_t put_str(char *b, size_t off, size_t cap, const char *key, const char *v)
{
    static const char hex[] = "0123456789abcdef";
    if (!v || off + strlen(key) + 8 >= cap)
        return off;
    off += (size_t)snprintf(b + off, cap - off, "%s\"%s\":\"", off > 1 ? "," : "", key);
    for (const unsigned char *s = (const unsigned char *)v; *s && off + 8 < cap; s++) {
        if (*s == '"' || *s == '\\') {
            b[off++] = '\\';
            b[off++] = (char)*s;
        } else if (*s < 0x20 || *s == 0x7f) {
            off += (size_t)snprintf(b + off, cap - off, "\\u00%c%c", hex[*s >> 4], hex[*s & 15]);
        } else {
            b[off++] = (char)*s;
        }
    }
    b[off++] = '"';
    b[off] = '\0';
    return off;
}

void log_request_write(const struct log_request *r)
{
    char now[40], line[16384];
    size_t off = 1;
    log_check();
    log_time_rfc3339(now, sizeof(now));
    line[0] = '{';
    line[1] = '\0';
    off = put_str(line, off, sizeof(line) - 64, "time", now);
    off = put_str(line, off, sizeof(line) - 64, "request_id", r->request_id);
    off = put_str(line, off, sizeof(line) - 64, "method", r->method);
    off = put_str(line, off, sizeof(line) - 64, "path", r->path);
    long us = (long)(r->duration_ms * 1000.0 + 0.5);
    off += (size_t)snprintf(line + off, sizeof(line) - off, ",\"status\":%d,\"duration_ms\":%ld.%03ld",
                            r->status, us / 1000, us % 1000);
    off = put_str(line, off, sizeof(line) - 64, "actor", r->actor);
    off = put_str(line, off, sizeof(line) - 64, "remote_addr", r->remote_addr);
    off = put_str(line, off, sizeof(line) - 64, "error", r->error);
    if (r->trace_id && r->trace_id[0]) {
        off = put_str(line, off, sizeof(line) - 64, "trace_id", r->trace_id);
        off = put_str(line, off, sizeof(line) - 64, "span_id", r->span_id);
        if (r->parent_id && r->parent_id[0])
            off = put_str(line, off, sizeof(line) - 64, "parent_id", r->parent_id);
    }
    line[off++] = '}';
    line[off++] = '\n';
    ssize_t w;
    do {
        w = write(log_fd, line, off);
    } while (w < 0 && errno == EINTR);
}

long log_search(const char *file, const char *const *needles, size_t nneedles, size_t max_bytes, size_t limit,
                void (*each)(const char *line, size_t len, void *ctx), void *ctx)
{
    int fd = file && *file ? open(file, O_RDONLY | O_CLOEXEC) : -1;
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    size_t size = (size_t)st.st_size, n = size < max_bytes ? size : max_bytes;
    char *buf = malloc(n + 1);
    ssize_t got = buf ? pread(fd, buf, n, (off_t)(size - n)) : -1;
    close(fd);
    if (got < 0) {
        free(buf);
        return -1;
    }
    buf[got] = '\0';
    /* a start in the middle of a line: from the next one */
    char *p = buf, *end = buf + got;
    if (size > n) {
        char *nl = memchr(p, '\n', (size_t)got);
        p = nl ? nl + 1 : end;
    }
    size_t found = 0;
    while (p < end && found < limit) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            break;   /* a line still being written */
        *nl = '\0';
        for (size_t i = 0; i < nneedles; i++)
            if (needles[i] && *needles[i] && strstr(p, needles[i])) {
                each(p, (size_t)(nl - p), ctx);
                found++;
                break;
            }
        p = nl + 1;
    }
    free(buf);
    return (long)got;
}

void log_event(const char *level, const char *message)
{
    char now[40];
    log_time_rfc3339(now, sizeof(now));
    json_object *o = json_object_new_object();
    add_str(o, "time", now);
    add_str(o, "level", level);
    add_str(o, "message", message);
    log_emit(o);
}
