/*
 * loopback: what the suites' HTTP servers on 127.0.0.1 share (a webhook receiver, a provider's
 * API, a deployer), each a child of the test that checks what the runner sends: a listening
 * socket on a port of the system's choosing, and one request read whole.
 */
#ifndef PORTICO_TEST_LOOPBACK_H
#define PORTICO_TEST_LOOPBACK_H

#include <stddef.h>

/* A socket listening on 127.0.0.1 at a free port (*port): its descriptor, or -1. */
int loopback_listen(int backlog, int *port);

/* One HTTP request from connection c into buf (NUL-terminated, at most cap - 1 bytes): its
 * head, then as many body bytes as its Content-Length says (or none). The bytes read. */
size_t loopback_read_request(int c, char *buf, size_t cap);

/* Where the body of the request in buf begins (after the blank line), or NULL. */
char *loopback_body(char *buf);

/* A one-shot HTTP server on 127.0.0.1 in a child: it answers one request status with answer, and
 * sends the request it got back through *request_fd (read it, then wait for the child). Its pid
 * (-1 when it could not start); *port its port. */
int loopback_once(int status, const char *answer, int *port, int *request_fd);

#endif
