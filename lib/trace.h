/*
 * trace: W3C Trace Context (traceparent: 00-<trace-id>-<parent-id>-<flags>). A request that
 * brings a valid traceparent continues that trace; one that does not (or brings a malformed
 * one, which the specification says to ignore) starts a trace. Each request, job attempt and
 * outbound call is a span of its own in it. The trace is written into the request's log line,
 * kept on the jobs and deploys the request made, and sent on by the runner's drivers.
 */
#ifndef PORTICO_TRACE_H
#define PORTICO_TRACE_H

#include <stdbool.h>

#define TRACE_HEADER_LEN 55   /* "00-" 32 "-" 16 "-" 2 */

struct trace {
    char trace_id[33];   /* 32 lower-case hex digits, not all zero */
    char span_id[17];    /* this span's: 16 hex digits */
    char parent_id[17];  /* the caller's span ("" when this span began the trace) */
    char flags[3];       /* "01": sampled */
};

/* Is header a traceparent this implementation continues (version 00, or a later version whose
 * first four fields have the same form; ids not all zero; lower-case hex)? */
bool trace_parse(const char *header, struct trace *t);

/* t continues header (when it parses) or starts a trace; either way with a new span of its own. */
void trace_begin(struct trace *t, const char *header);

/* A child span of parent (an outbound call, a job's attempt): same trace, parent's span as its
 * parent, a new span. */
void trace_child(struct trace *t, const struct trace *parent);

/* A child span (into t) of the span traceparent names: for work carried on from a kept or received
 * header. false, t untouched, when it does not parse. */
bool trace_child_of(struct trace *t, const char *traceparent);

/* t as a traceparent header value into buf (at least TRACE_HEADER_LEN + 1 bytes). */
void trace_header(const struct trace *t, char *buf);

/* Where work queued for later (a job, a deploy) came from: the request and its span, kept with
 * the work so that it can be found from the request and carries the trace on. */
struct trace_origin {
    const char *request_id;              /* NULL: none (the runner's own work) */
    char traceparent[TRACE_HEADER_LEN + 1];
};

#endif
