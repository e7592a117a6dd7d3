/*
 * webhook: tells another system about the step with one HTTP request (libcurl).
 *
 * Arguments: url (https; http only to 127.0.0.1, ::1 or localhost; no credentials in it, since
 * URLs reach logs), method (POST, PUT, PATCH or DELETE; POST by default). The body is JSON:
 * {resource_uid, step, action, team, environment, parameters}; the header
 * Idempotency-Key: <uid>-<step>-<action> lets the receiver ignore a retry. TLS is verified,
 * redirects are not followed, the step's timeout bounds the whole exchange. A 2xx answer is
 * success (output "status"); anything else fails with the status only: the answer is never
 * shown, since the requester would read what a service the template reaches says.
 * Placeholders in the URL are percent-encoded (the scan keeps them out of scheme, host and port).
 *
 * Every address a connection is opened to is checked, after resolution (so a name that
 * resolves to 127.0.0.1, or changes between a check and the connection, is caught): loopback
 * only with provision_webhook_allow_loopback, private and link-local only with
 * provision_webhook_allow_private, multicast and reserved never; plain http only to loopback.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "runner/drivers/driver.h"


/* A placeholder's value in a URL: everything but RFC 3986's unreserved characters encoded. */
static const char *webhook_escape(struct arena *a, const char *value, void *ctx)
{
    (void)ctx;
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(value);
    char *out = arena_alloc(a, n * 3 + 1), *o = out;
    if (!out)
        return NULL;
    for (const unsigned char *c = (const unsigned char *)value; *c; c++) {
        if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '.' ||
            *c == '_' || *c == '~') {
            *o++ = (char)*c;
        } else {
            *o++ = '%';
            *o++ = hex[*c >> 4];
            *o++ = hex[*c & 15];
        }
    }
    *o = '\0';
    return out;
}

struct webhook_call {
    struct driver_run *d;
    bool plain_http;           /* http: loopback only */
    const char *refused;       /* why an address was not connected to (the last one) */
    time_t last_alive;
    bool stopped;
};

/* The answer is read and dropped: only its status is used. */
static size_t webhook_answer(char *data, size_t size, size_t nmemb, void *userdata)
{
    (void)data, (void)userdata;
    return size * nmemb;
}

enum webhook_place { PLACE_PUBLIC, PLACE_LOOPBACK, PLACE_PRIVATE, PLACE_NEVER };

static enum webhook_place webhook_place_v4(const unsigned char *b)
{
    if (b[0] == 127 || b[0] == 0)                                     /* 0.0.0.0 reaches this host too */
        return PLACE_LOOPBACK;
    if (b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168) ||
        (b[0] == 100 && (b[1] & 0xc0) == 64) || (b[0] == 169 && b[1] == 254))
        return PLACE_PRIVATE;
    if (b[0] >= 224)                                                  /* multicast, reserved, broadcast */
        return PLACE_NEVER;
    return PLACE_PUBLIC;
}

/* Where an address is: this host, a private network, nowhere a webhook goes, or public. */
static enum webhook_place webhook_place(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return webhook_place_v4((const unsigned char *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr);
    if (sa->sa_family != AF_INET6)
        return PLACE_NEVER;
    const struct in6_addr *a6 = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    const unsigned char *b = a6->s6_addr;
    if (IN6_IS_ADDR_V4MAPPED(a6) || IN6_IS_ADDR_V4COMPAT(a6))
        return webhook_place_v4(b + 12);
    if (IN6_IS_ADDR_LOOPBACK(a6) || IN6_IS_ADDR_UNSPECIFIED(a6))
        return PLACE_LOOPBACK;
    if ((b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) || (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0))
        return PLACE_PRIVATE;                                         /* fc00::/7, fe80::/10, fec0::/10 */
    if (b[0] == 0xff)
        return PLACE_NEVER;
    return PLACE_PUBLIC;
}

/* libcurl's socket opener: every address it would connect to (after resolving, for each try)
 * passes here first, so the check is on the address, not on the URL's text. */
static curl_socket_t webhook_socket(void *userdata, curlsocktype purpose, struct curl_sockaddr *address)
{
    struct webhook_call *call = userdata;
    const struct config *cfg = call->d->cfg;
    (void)purpose;
    enum webhook_place place = webhook_place(&address->addr);
    if (place == PLACE_LOOPBACK && !cfg->provision_webhook_allow_loopback)
        call->refused = "the url's host is this machine (a loopback address), which this platform does not allow "
                        "(provision_webhook_allow_loopback)";
    else if (place == PLACE_PRIVATE && !cfg->provision_webhook_allow_private)
        call->refused = "the url's host is on a private or link-local network, which this platform does not allow "
                        "(provision_webhook_allow_private)";
    else if (place == PLACE_NEVER)
        call->refused = "the url's host is a multicast or reserved address";
    else if (call->plain_http && place != PLACE_LOOPBACK)
        call->refused = "the url is http but its host is not a loopback address: only https leaves this machine";
    else
        return socket(address->family, address->socktype, address->protocol);
    return CURL_SOCKET_BAD;
}

/* libcurl's progress callback: the heartbeat, about once a second; non-zero aborts. */
static int webhook_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    struct webhook_call *call = userdata;
    time_t now = time(NULL);
    if (now == call->last_alive)
        return 0;
    call->last_alive = now;
    if (call->d->alive && call->d->alive(call->d) < 0) {
        call->stopped = true;
        return 1;
    }
    return 0;
}

/* https anywhere, http to loopback only (when loopback is allowed), no user or password: what
 * the text says; webhook_socket checks the addresses. Fills shown with scheme://host,
 * all of it the log and errors get: a path or query may hold a token (chat webhooks do). */
static int webhook_url_check(struct driver_run *d, const char *url, char *shown, size_t shown_len)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *user = NULL, *password = NULL;
    int rc = 0;
    if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK || curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        rc = driver_fail(d, "the url is not a valid URL");
        goto done;
    }
    curl_url_get(u, CURLUPART_USER, &user, 0);
    curl_url_get(u, CURLUPART_PASSWORD, &password, 0);
    bool loopback = strcmp(host, "127.0.0.1") == 0 || strcmp(host, "[::1]") == 0 || strcasecmp(host, "localhost") == 0;
    if (user || password)
        rc = driver_fail(d, "the url carries credentials, which would reach logs; it is refused");
    else if (strcasecmp(scheme, "https") != 0 && !(strcasecmp(scheme, "http") == 0 && loopback))
        rc = driver_fail(d, "the url must be https (http only to 127.0.0.1, ::1 or localhost)");
    else if (loopback && !d->cfg->provision_webhook_allow_loopback)
        rc = driver_fail(d, "the url's host is this machine (a loopback address), which this platform does not allow "
                            "(provision_webhook_allow_loopback)");
    else
        snprintf(shown, shown_len, "%s://%s", scheme, host);
done:
    curl_free(scheme);
    curl_free(host);
    curl_free(user);
    curl_free(password);
    curl_url_cleanup(u);
    return rc;
}

static json_object *webhook_body(const struct driver_run *d)
{
    json_object *body = json_object_new_object();
    if (!body)
        return NULL;
    json_object_object_add(body, "resource_uid", json_object_new_string(d->resource_uid ? d->resource_uid : ""));
    json_object_object_add(body, "step", json_object_new_string(d->step_name ? d->step_name : ""));
    json_object_object_add(body, "action", json_object_new_string(d->remove ? "remove" : "apply"));
    json_object_object_add(body, "team", json_object_new_string(d->team ? d->team : ""));
    json_object_object_add(body, "environment", json_object_new_string(d->environment ? d->environment : ""));
    json_object_object_add(body, "parameters", d->values ? json_object_get(d->values) : json_object_new_object());
    return body;
}

static int webhook_apply(struct driver_run *d)
{
    const char *url = driver_arg(d, "url");
    const char *method = driver_arg(d, "method");
    if (!url || !url[0])
        return driver_fail(d, "the argument url is required");
    if (!method || !method[0])
        method = "POST";
    if (strcmp(method, "POST") != 0 && strcmp(method, "PUT") != 0 && strcmp(method, "PATCH") != 0 &&
        strcmp(method, "DELETE") != 0)
        return driver_fail(d, "the method must be POST, PUT, PATCH or DELETE");
    char shown[300];
    if (webhook_url_check(d, url, shown, sizeof(shown)) < 0)
        return -1;
    json_object *body = webhook_body(d);
    const char *action = d->remove ? "remove" : "apply";
    char *key_header = arena_printf(d->arena, "Idempotency-Key: %s-%s-%s", d->resource_uid, d->step_name ? d->step_name : "", action);
    const char *text = body ? json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN) : NULL;
    CURL *curl = curl_easy_init();
    struct curl_slist *headers = NULL;
    if (key_header)
        headers = curl_slist_append(headers, key_header);
    if (headers)
        headers = curl_slist_append(headers, "Content-Type: application/json");
    if (!body || !text || !curl || !headers) {
        json_object_put(body);
        curl_slist_free_all(headers);
        if (curl)
            curl_easy_cleanup(curl);
        return driver_fail(d, "out of memory");
    }
    struct webhook_call call = { .d = d, .plain_http = strncasecmp(url, "http:", 5) == 0, .last_alive = time(NULL) };
    long timeout = d->timeout_seconds > 0 ? d->timeout_seconds : d->cfg->provision_step_timeout_seconds;
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, timeout < 30 ? timeout : 30L);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, text);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(text));
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "portico-runner");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, webhook_answer);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &call);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, webhook_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &call);
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, webhook_socket);
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &call);
    driver_logf(d, "%s %s", method, shown);
    CURLcode res = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    json_object_put(body);

    if (call.stopped)
        return driver_fail(d, "stopped: the job no longer runs here (cancelled, or its lease was lost)");
    if (res == CURLE_OPERATION_TIMEDOUT)
        return driver_fail(d, "timed out after %ld s", timeout);
    if (res != CURLE_OK && call.refused)
        return driver_fail(d, "%s", call.refused);
    if (res != CURLE_OK)
        return driver_fail(d, "the request to %s failed: %s", shown, curl_easy_strerror(res));
    driver_logf(d, "answered %ld", status);
    if (status < 200 || status > 299)
        return driver_fail(d, "the webhook answered %ld", status);
    char status_text[16];
    snprintf(status_text, sizeof(status_text), "%ld", status);
    json_object_object_add(d->outputs, "status", json_object_new_string(status_text));
    return 0;
}

const struct driver driver_webhook = { "webhook", webhook_escape, webhook_apply };
