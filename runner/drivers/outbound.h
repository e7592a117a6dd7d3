/*
 * outbound: one HTTP request from the runner to another system (libcurl), as the webhook and
 * the deploy drivers make them. What it guarantees, whoever calls it:
 *
 *   - https anywhere; plain http only to a loopback address; no user or password in the URL
 *     (URLs reach logs); the log and errors name scheme://host only (a path may hold a token)
 *   - every address a connection is opened to is checked after resolution: loopback and
 *     private (and link-local) addresses only where the caller's settings allow them (the
 *     webhook driver: provision_webhook_allow_loopback, _private; deploys:
 *     cicd_deploy_allow_loopback, _private), multicast and reserved never
 *   - TLS verified, redirects not followed, the whole exchange within the timeout, the runner's
 *     heartbeat (d->alive) about once a second, which stops the request when the job must stop
 *   - the answer kept up to OUTBOUND_ANSWER_MAX bytes, or the request's answer_max (the rest read
 *     and dropped, truncated set), never logged
 */
#ifndef PORTICO_OUTBOUND_H
#define PORTICO_OUTBOUND_H

#include <stdbool.h>
#include <stddef.h>

#include "runner/drivers/driver.h"

#define OUTBOUND_ANSWER_MAX 65536
#define OUTBOUND_HEADERS_MAX 8

struct outbound_request {
    const char *method;                 /* GET, POST, PUT, PATCH, DELETE */
    const char *url;
    const char *headers[OUTBOUND_HEADERS_MAX];   /* "Name: value"; NULL-terminated if fewer */
    const char *body;                   /* NULL: none */
    size_t body_len;
    const char *userpwd;                /* "user:password" for HTTP basic authentication, or NULL */
    long timeout;                       /* seconds; 0: the step timeout of the configuration */
    long timeout_ms;                    /* when given, in place of timeout */
    bool connect_only;                  /* connect and stop there (a TCP check): no request is sent */
    size_t answer_max;                  /* the answer's bytes kept; 0: OUTBOUND_ANSWER_MAX */
};

struct outbound_answer {
    long status;                        /* 0 when no answer came */
    char *body;                         /* in d->arena, NUL-terminated (at most answer_max) */
    bool truncated;                     /* more came than answer_max: the rest was dropped */
    size_t len;
    char location[512];                 /* its Location header, or "" */
    bool sent;                          /* the request went out (an answer may be lost, not the request) */
    bool refused;                       /* never sent: the URL or the address is not one it may go to */
};

/* Where requests may go besides public addresses, and the settings that say so (for errors). */
struct outbound_places {
    bool loopback, private_;
    const char *loopback_setting, *private_setting;
    bool http_anywhere;                 /* plain http wherever the places allow (health checks of internal services) */
    bool no_link_local;                 /* link-local (169.254/16, fe80::/10) refused even where private is allowed */
};

/* The webhook driver's places (provision_webhook_allow_*), the deploys' (cicd_deploy_allow_*) and
 * the health checks' (health_allow_*, plain http anywhere they allow). */
struct outbound_places outbound_webhook_places(const struct config *cfg);
struct outbound_places outbound_deploy_places(const struct config *cfg);
struct outbound_places outbound_health_places(const struct config *cfg);

/* The alert receivers' (alert_webhook_allow_*), and the configured Prometheus' (the platform
 * team's own setting: loopback and private networks allowed, plain http anywhere). */
struct outbound_places outbound_alert_places(const struct config *cfg);
struct outbound_places outbound_prometheus_places(void);

/* An outbound session: requests made through one share cookies (Jenkins ties a crumb to one). */
struct outbound;

struct outbound *outbound_open(struct driver_run *d, struct outbound_places places);
void outbound_close(struct outbound *o);

/* Is url one a request may go to (the rules above, from its text; the addresses are checked
 * when connecting)? 0 with shown (scheme://host) filled, or -1 with d->error. */
int outbound_url_check(struct driver_run *d, struct outbound_places places, const char *url, char *shown,
                       size_t shown_len);

/* Send rq: 0 with the answer (any status), or -1 with d->error (refused address, timeout, the
 * job stopped, the connection failed). Logs "METHOD scheme://host" and the status. */
int outbound_send(struct outbound *o, const struct outbound_request *rq, struct outbound_answer *an);

/* The same on a session of its own. */
int outbound_once(struct driver_run *d, struct outbound_places places, const struct outbound_request *rq,
                  struct outbound_answer *an);

#endif
