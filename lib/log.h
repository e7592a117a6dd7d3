/*
 * log: one JSON line per request, to a configured file (opened once, O_APPEND, so lines
 * from many processes do not interleave) or to standard error, which every web server
 * sends to its error log. This is the one module of lib/ that writes output: the log is
 * its whole purpose. Values are JSON-escaped; nothing secret is ever passed in.
 */
#ifndef PORTICO_LOG_H
#define PORTICO_LOG_H

#include <stddef.h>

struct log_request {
    const char *request_id;
    const char *method;
    const char *path;
    int status;
    double duration_ms;
    const char *actor;        /* NULL when unknown */
    const char *remote_addr;
    const char *error;        /* internal explanation of a failure; NULL when none */
    const char *trace_id;     /* W3C trace context (lib/trace.h): the trace, this request's span, */
    const char *span_id;      /* and the caller's span; NULL or "" when none */
    const char *parent_id;
};

/* Use file (NULL or "": standard error). Returns 0, or -1 when the file cannot be opened,
 * in which case standard error is used. */
int log_open(const char *file);

/* Open the file again before the next line (after it was rotated): safe in a signal handler
 * (SIGHUP, or SIGUSR2 through multiwatch, which forwards only that one). A file moved or removed
 * is also noticed without a signal: before a line, at most once a second, the name is checked
 * against the open file. */
void log_reopen(void);

/* Write the request's line. */
void log_request_write(const struct log_request *r);

/* The lines of file's last max_bytes (whole lines only) that hold any of the needles, oldest
 * first, to each (at most limit of them). Returns the bytes looked at, or -1 when the file
 * cannot be read. For "what happened to request X": this host's log only. */
long log_search(const char *file, const char *const *needles, size_t nneedles, size_t max_bytes, size_t limit,
                void (*each)(const char *line, size_t len, void *ctx), void *ctx);

/* A line for something that is not a request (start-up failure, configuration). */
void log_event(const char *level, const char *message);

/* Current time as RFC 3339 UTC with milliseconds, e.g. 2026-11-26T18:00:00.123Z. */
void log_time_rfc3339(char *buf, unsigned long len);

#endif
