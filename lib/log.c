/*
 * log: JSON lines built with json-c (for escaping) and written with one write(2).
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int log_fd = 2;

int log_open(const char *file)
{
    if (log_fd > 2)
        close(log_fd);
    log_fd = 2;
    if (!file || !*file)
        return 0;
    int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
        return -1;
    log_fd = fd;
    return 0;
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
    line[off++] = '}';
    line[off++] = '\n';
    ssize_t w;
    do {
        w = write(log_fd, line, off);
    } while (w < 0 && errno == EINTR);
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
