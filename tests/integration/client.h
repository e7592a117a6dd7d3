/*
 * client: what the integration suites share: HTTP requests through libcurl against the stack
 * dev.sh started, answers and their headers, problem documents, logins, users, and a few
 * commands (portico-admin, the database as root, one runner pass).
 */
#ifndef PORTICO_TEST_CLIENT_H
#define PORTICO_TEST_CLIENT_H

#include <CUnit/Basic.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

extern const char *base_url;   /* PORTICO_TEST_URL */
extern const char *server;     /* PORTICO_TEST_SERVER */
/* When set, requests leave from this loopback address (127.0.0.2, ...): another client, as the
 * stack sees it (REMOTE_ADDR). */
extern const char *client_address;

struct resp {
    long status;
    char *body;
    size_t len;
    char headers[16384];
    size_t hlen;
    size_t raw_len;   /* raw_request: every byte the server sent, status line and headers too */
};

/* The canary: once a secret's value is known, every answer but a reveal's is searched for it. */
extern char canary_watch[80];
extern int canary_leaks;

void resp_free(struct resp *r);

int request(const char *method, const char *path, const char *ctype, const char *body,
                   long body_len, const char *const *extra, struct resp *r);

/* Send bytes as they are on a new connection to the stack (no client library in between: for
 * requests a client would not send), close our side, read until the server closes. With a
 * status line: status, headers and body (chunks joined) as request() fills them; without one,
 * status 0 and body every byte received (none when the server closed without answering). */
int raw_request(const void *data, size_t len, struct resp *r);

/* Value of header name in r (trimmed), or NULL. */
const char *header(const struct resp *r, const char *name, char *buf, size_t len);

bool header_is(const struct resp *r, const char *name, const char *prefix);

const char *jstr(json_object *o, const char *key);

long long jint(json_object *o, const char *key);

/* Assert r is a problem+json document with that status; return it parsed (caller puts). */
json_object *assert_problem(const struct resp *r, long status, const char *type_slug);

/* Problems made by the handler carry request_id, equal to the X-Request-Id header. */
void assert_request_id(const struct resp *r, json_object *problem);

/* Run a shell command; returns its exit status, output into out (may be NULL). */
int run(const char *cmd, char *out, size_t outlen);

/* Read one key of the stack's configuration file. */
int config_value(const char *key, char *out, size_t len);

/* Log in; on success fill cookie ("portico_session=...") and csrf. Returns the status. */
long login(const char *user, const char *password, char *cookie, size_t clen, char *csrf, size_t xlen);

const char *admin_password(void);

/* Run SQL as the database's root (the test plays the attacker or the clock). */
int as_root(const char *sql);

/* A number the database's root reads (a COUNT(*)), or -1. */
long long root_number(const char *sql);

/* The value r's Set-Cookie gives cookie name ("name=value", up to ';'), or "" if none. */
const char *set_cookie(const struct resp *r, const char *name, char *out, size_t len);

/* Create a user with a global role through portico-admin; the password is name + a suffix. */
int make_user(const char *name, const char *role);

long get_as(const char *cookie, const char *path, struct resp *r);

/* POST JSON with the session's cookie and CSRF token. */
long post_session(const char *cookie, const char *csrf, const char *method, const char *path,
                         const char *body, struct resp *r);

long get_bearer(const char *token, const char *path, struct resp *r);

long long created_id(struct resp *r);

/* A request with the session's cookie and CSRF token and, when not NULL, If-Match. */
long session_req(const char *cookie, const char *csrf, const char *method, const char *path, const char *body,
                        const char *if_match, struct resp *r);

/* A person the administrator makes (its session is opened once, on first use): username name,
 * email name@example.org, password name + "-password-1"; bound as role on team (team NULL: a
 * global binding) unless role is NULL; a member of team when member; then logged in into cookie
 * and csrf. id (may be NULL) gets the user's id. 0, or -1 (the reason on stderr). */
int person_make(const char *name, const char *role, const char *team, bool member, char *cookie, size_t clen, char *csrf,
                size_t xlen, long long *id);

/* A JSON member by path ("a/b/0/c": objects by key, arrays by index), or NULL. */
json_object *jpath(json_object *o, const char *path);

/* One pass of the runner against the test stack (the runner is not left running in tests). */
int runner_pass(char *out, size_t outlen);

json_object *get_json(const char *cookie, const char *path, long *status);

/* A suite program's start: base_url and server from the environment, curl and the CUnit
 * registry ready. 0, or the exit status to leave with (2) after saying why. */
int client_start(const char *program);

/* Run the registered suites verbosely, append "passed failed" to PORTICO_TEST_SUMMARY, clean up:
 * the exit status (1 on any failure, or when nothing ran). */
int client_finish(void);

/* A Component's document as JSON (in buf): its name and owner, and the ref it dependsOn. */
const char *component_json(char *buf, size_t len, const char *name, const char *owner, const char *depends);

#endif
