/*
 * cicd: what CI/CD providers send, understood without a database — each provider's way of
 * signing a delivery, and its payloads read into one model (a pipeline run, a deployment, the
 * commits of a push). cgi-bin/cicd.c stores what this reads; the fuzzers call it directly.
 *
 *   provider  signature (over the body's exact bytes)                delivery id       event
 *   github    X-Hub-Signature-256: sha256=<hex HMAC-SHA256>          X-GitHub-Delivery X-GitHub-Event
 *   gitlab    X-Gitlab-Token: the secret itself                      Idempotency-Key,  X-Gitlab-Event
 *                                                                    X-Gitlab-Event-UUID
 *   circleci  circleci-signature: v1=<hex HMAC-SHA256>[,v1=...]      the body's "id"   circleci-event-type
 *   jenkins,  X-Portico-Signature: sha256=<hex HMAC-SHA256 of         X-Portico-Delivery X-Portico-Event
 *   generic   "<timestamp>.<body>">, X-Portico-Timestamp: unix seconds, within 5 minutes
 *
 * Every comparison is in constant time. Statuses become one vocabulary: a run is queued,
 * running, success, failure or cancelled; a deployment pending, running, success, failure or
 * cancelled. Times become UTC "YYYY-MM-DD HH:MM:SS" (RFC 3339 with any offset, GitLab's
 * "2026-12-03 10:00:00 UTC" and "... +0200").
 */
#ifndef PORTICO_CICD_H
#define PORTICO_CICD_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "arena.h"

enum cicd_provider { CICD_GITHUB, CICD_GITLAB, CICD_JENKINS, CICD_CIRCLECI, CICD_GENERIC, CICD_PROVIDERS };

#define CICD_SKEW_SECONDS 300   /* jenkins and generic: a timestamp further off is refused */
#define CICD_COMMITS_MAX 100    /* commits kept from one push */
#define CICD_SECRET_HEX 64      /* a webhook secret: 32 random bytes, in hex */

/* "github" ... "generic", or -1 for a word that is none. */
int cicd_provider_parse(const char *word);
const char *cicd_provider_name(enum cicd_provider p);

/* The headers a delivery's check reads (NULL: absent). */
struct cicd_headers {
    const char *github_signature, *github_delivery, *github_event;
    const char *gitlab_token, *gitlab_delivery, *gitlab_event_uuid, *gitlab_event;
    const char *circleci_signature, *circleci_event;
    const char *portico_signature, *portico_timestamp, *portico_delivery, *portico_event;
};

/* Is the delivery signed with secret as provider signs? now: the time to judge a timestamp by.
 * false with why (for the log and the 401's detail, never the secret). */
bool cicd_signature_ok(enum cicd_provider provider, const struct cicd_headers *h, const char *secret,
                       const char *body, size_t len, time_t now, const char **why);

/* The HMAC-SHA256 of text under secret, in hex (65 bytes with its NUL): what a sender signs. */
void cicd_hmac_hex(const char *secret, const void *text, size_t len, char out[65]);

enum cicd_kind { CICD_IGNORED, CICD_RUN, CICD_DEPLOYMENT, CICD_PUSH };

struct cicd_commit {
    const char *sha;
    char time[20];              /* UTC, "YYYY-MM-DD HH:MM:SS" */
};

/* One event read from a payload; strings point into the payload (or the arena). */
struct cicd_event {
    enum cicd_kind kind;
    const char *event;          /* the provider's event type, as sent */
    const char *delivery;       /* the delivery id, from the headers or the body */
    const char *why;            /* CICD_IGNORED: why (an event type not read, a merge request not merged) */
    /* a run or a deployment */
    const char *key;            /* the provider's id of it, within the integration ("1234:2": run 1234, attempt 2) */
    const char *name;           /* a run: the workflow or job */
    const char *branch;
    const char *commit;
    const char *status;         /* the vocabulary above */
    int rank;                   /* 1 waiting, 2 running, 3 finished */
    char started_at[20], finished_at[20];   /* "" when not known */
    const char *url;
    /* a deployment */
    const char *environment, *version, *actor;
    /* a push: its commits, and those a merge brought */
    struct cicd_commit commits[CICD_COMMITS_MAX];
    size_t ncommits;
};

/* Read a delivery's payload (the parsed body) for provider and its headers. 0 with ev filled
 * (CICD_IGNORED with ev->why for what is not read), -1 with why when the payload is not the
 * shape its event says (a 422). */
int cicd_event_read(enum cicd_provider provider, const struct cicd_headers *h, json_object *payload,
                    struct arena *a, struct cicd_event *ev, const char **why);

/* ---- deploys: where a provider is asked to run one (runner/drivers/deploy_*.c) ----
 *
 *   provider  api (default)            target                          credential
 *   github    https://api.github.com   owner/repo/workflow (file or id) a token (Bearer)
 *   gitlab    https://gitlab.com       the project's id or path         a pipeline trigger token
 *   jenkins   (its URL)                the job's path, folder/job       the user's API token
 *   circleci  https://circleci.com     the project slug, gh/org/repo    a personal API token
 *   generic   (the URL to POST to)     (none)                           the HMAC secret it checks
 */

/* The provider's API by default, or NULL when it has none (jenkins, generic: it is given). */
const char *cicd_deploy_api_default(enum cicd_provider p);

/* Is url where a deploy may be sent: https, or http to 127.0.0.1, ::1 or localhost only; no
 * credentials, spaces or control characters in it; at most 500 bytes? The runner checks the
 * address it connects to as well. false with why. */
bool cicd_deploy_url_ok(const char *url, const char **why);

/* Is target one for provider (the table above)? false with why. NULL or "" is one for generic. */
bool cicd_deploy_target_ok(enum cicd_provider p, const char *target, const char **why);

/* A version to deploy: 1 to 100 of [A-Za-z0-9._+/-], starting with a letter or a digit. */
bool cicd_version_ok(const char *v);

/* A provider's time as UTC "YYYY-MM-DD HH:MM:SS" in out; false when it is not one. */
bool cicd_time(const char *in, char out[20]);

#endif
