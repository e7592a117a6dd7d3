/*
 * log: one JSON line per request, to a configured file (opened once, O_APPEND, so lines
 * from many processes do not interleave) or to standard error, which every web server
 * sends to its error log. This is the one module of lib/ that writes output: the log is
 * its whole purpose. Values are JSON-escaped; nothing secret is ever passed in.
 */
#ifndef PORTICO_LOG_H
#define PORTICO_LOG_H

struct log_request {
    const char *request_id;
    const char *method;
    const char *path;
    int status;
    double duration_ms;
    const char *actor;        /* NULL when unknown */
    const char *remote_addr;
    const char *error;        /* internal explanation of a failure; NULL when none */
};

/* Use file (NULL or "": standard error). Returns 0, or -1 when the file cannot be opened,
 * in which case standard error is used. */
int log_open(const char *file);

/* Write the request's line. */
void log_request_write(const struct log_request *r);

/* A line for something that is not a request (start-up failure, configuration). */
void log_event(const char *level, const char *message);

/* Current time as RFC 3339 UTC with milliseconds, e.g. 2026-11-26T18:00:00.123Z. */
void log_time_rfc3339(char *buf, unsigned long len);

#endif
