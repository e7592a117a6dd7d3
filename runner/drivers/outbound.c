/* outbound: one HTTP request from the runner (outbound.h). */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "runner/drivers/outbound.h"
#include "lib/trace.h"

struct outbound {
    struct driver_run *d;
    struct outbound_places places;
    CURL *curl;                /* one handle: its cookies last for the session */
    bool plain_http;           /* this request is http: loopback only */
    const char *refused;       /* why an address was not connected to (the last one) */
    time_t last_alive;
    bool stopped;
    struct outbound_answer *an;   /* the answer being read */
    size_t answer_max;            /* its bytes kept */
};

/* The answer's first answer_max bytes are kept; the rest is read and dropped. */
static size_t outbound_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct outbound *o = userdata;
    struct outbound_answer *an = o->an;
    size_t n = size * nmemb, k = 0;
    if (an->body && an->len < o->answer_max) {
        k = n < o->answer_max - an->len ? n : o->answer_max - an->len;
        memcpy(an->body + an->len, data, k);
        an->len += k;
        an->body[an->len] = '\0';
    }
    if (k < n)
        an->truncated = true;
    return n;
}

/* The Location header, kept (a Jenkins build's queue item). */
static size_t outbound_header(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct outbound *o = userdata;
    size_t n = size * nmemb;
    if (n > 9 && strncasecmp(data, "Location:", 9) == 0) {
        const char *v = data + 9;
        size_t k = n - 9;
        while (k && (*v == ' ' || *v == '\t'))
            v++, k--;
        while (k && (v[k - 1] == '\r' || v[k - 1] == '\n' || v[k - 1] == ' '))
            k--;
        if (k < sizeof(o->an->location)) {
            memcpy(o->an->location, v, k);
            o->an->location[k] = '\0';
        }
    }
    return n;
}

enum outbound_place { PLACE_PUBLIC, PLACE_LOOPBACK, PLACE_PRIVATE, PLACE_LINK_LOCAL, PLACE_NEVER };

static enum outbound_place outbound_place_v4(const unsigned char *b)
{
    if (b[0] == 127 || b[0] == 0)                                     /* 0.0.0.0 reaches this host too */
        return PLACE_LOOPBACK;
    if ((b[0] == 169 && b[1] == 254) || (b[0] == 100 && b[1] == 100 && b[2] == 100 && b[3] == 200))
        return PLACE_LINK_LOCAL;   /* where cloud metadata services answer (link-local; Alibaba's 100.100.100.200) */
    if (b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168) ||
        (b[0] == 100 && (b[1] & 0xc0) == 64))
        return PLACE_PRIVATE;
    if (b[0] >= 224)                                                  /* multicast, reserved, broadcast */
        return PLACE_NEVER;
    return PLACE_PUBLIC;
}

/* Where an address is: this host, a private network, nowhere a webhook goes, or public. */
static enum outbound_place outbound_place(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return outbound_place_v4((const unsigned char *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr);
    if (sa->sa_family != AF_INET6)
        return PLACE_NEVER;
    const struct in6_addr *a6 = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    const unsigned char *b = a6->s6_addr;
    if (IN6_IS_ADDR_V4MAPPED(a6) || IN6_IS_ADDR_V4COMPAT(a6))
        return outbound_place_v4(b + 12);
    if (IN6_IS_ADDR_LOOPBACK(a6) || IN6_IS_ADDR_UNSPECIFIED(a6))
        return PLACE_LOOPBACK;
    static const unsigned char aws_metadata[16] = { 0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54 };
    if ((b[0] == 0xfe && (b[1] & 0xc0) == 0x80) || memcmp(b, aws_metadata, 16) == 0)
        return PLACE_LINK_LOCAL;                                      /* fe80::/10; fd00:ec2::254 (AWS's metadata) */
    if ((b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0))
        return PLACE_PRIVATE;                                         /* fc00::/7, fec0::/10 */
    if (b[0] == 0xff)
        return PLACE_NEVER;
    return PLACE_PUBLIC;
}

/* libcurl's socket opener: every address it would connect to (after resolving, for each try)
 * passes here first, so the check is on the address, not on the URL's text. */
static curl_socket_t outbound_socket(void *userdata, curlsocktype purpose, struct curl_sockaddr *address)
{
    struct outbound *call = userdata;
    const struct outbound_places *pl = &call->places;
    (void)purpose;
    enum outbound_place place = outbound_place(&address->addr);
    if (place == PLACE_LOOPBACK && !pl->loopback)
        call->refused = arena_printf(call->d->arena, "the url's host is this machine (a loopback address), which this "
                                     "platform does not allow (%s)", pl->loopback_setting);
    else if (place == PLACE_LINK_LOCAL && (!pl->private_ || pl->no_link_local))
        call->refused = arena_printf(call->d->arena, "the url's host is a link-local or cloud metadata address, which %s", pl->no_link_local ? "is never checked"
                                     : arena_printf(call->d->arena, "this platform does not allow (%s)", pl->private_setting));
    else if (place == PLACE_PRIVATE && !pl->private_)
        call->refused = arena_printf(call->d->arena, "the url's host is on a private or link-local network, which this "
                                     "platform does not allow (%s)", pl->private_setting);
    else if (place == PLACE_NEVER)
        call->refused = "the url's host is a multicast or reserved address";
    else if (call->plain_http && place != PLACE_LOOPBACK && !pl->http_anywhere)
        call->refused = "the url is http but its host is not a loopback address: only https leaves this machine";
    else
        return socket(address->family, address->socktype, address->protocol);
    return CURL_SOCKET_BAD;
}

/* libcurl's progress callback: the heartbeat, about once a second; non-zero aborts. */
static int outbound_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    struct outbound *call = userdata;
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
 * the text says; outbound_socket checks the addresses. Fills shown with scheme://host,
 * all of it the log and errors get: a path or query may hold a token (chat webhooks do). */
int outbound_url_check(struct driver_run *d, struct outbound_places places, const char *url, char *shown,
                       size_t shown_len)
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
    else if (strcasecmp(scheme, "https") != 0 && !(strcasecmp(scheme, "http") == 0 && (loopback || places.http_anywhere)))
        rc = driver_fail(d, "the url must be https (http only to 127.0.0.1, ::1 or localhost)");
    else if (loopback && !places.loopback)
        rc = driver_fail(d, "the url's host is this machine (a loopback address), which this platform does not allow "
                            "(%s)", places.loopback_setting);
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


struct outbound_places outbound_webhook_places(const struct config *cfg)
{
    return (struct outbound_places){ cfg->provision_webhook_allow_loopback != 0, cfg->provision_webhook_allow_private != 0,
                                     "provision_webhook_allow_loopback", "provision_webhook_allow_private", false, false };
}

struct outbound_places outbound_deploy_places(const struct config *cfg)
{
    return (struct outbound_places){ cfg->cicd_deploy_allow_loopback != 0, cfg->cicd_deploy_allow_private != 0,
                                     "cicd_deploy_allow_loopback", "cicd_deploy_allow_private", false, false };
}

struct outbound_places outbound_health_places(const struct config *cfg)
{
    return (struct outbound_places){ cfg->health_allow_loopback != 0, cfg->health_allow_private != 0,
                                     "health_allow_loopback", "health_allow_private", true, true };
}

struct outbound_places outbound_alert_places(const struct config *cfg)
{
    return (struct outbound_places){ cfg->alert_webhook_allow_loopback != 0, cfg->alert_webhook_allow_private != 0,
                                     "alert_webhook_allow_loopback", "alert_webhook_allow_private", false, true };
}

struct outbound_places outbound_prometheus_places(void)
{
    return (struct outbound_places){ true, true, "prometheus_url", "prometheus_url", true, true };
}

struct outbound *outbound_open(struct driver_run *d, struct outbound_places places)
{
    struct outbound *o = arena_calloc(d->arena, 1, sizeof(*o));
    if (!o || !(o->curl = curl_easy_init()))
        return NULL;
    o->d = d;
    o->places = places;
    curl_easy_setopt(o->curl, CURLOPT_COOKIEFILE, "");   /* cookies kept in memory, for the session */
    return o;
}

void outbound_close(struct outbound *o)
{
    if (o && o->curl)
        curl_easy_cleanup(o->curl);
}

int outbound_send(struct outbound *o, const struct outbound_request *rq, struct outbound_answer *an)
{
    struct driver_run *d = o->d;
    char shown[300];
    memset(an, 0, sizeof(*an));
    if (outbound_url_check(d, o->places, rq->url, shown, sizeof(shown)) < 0) {
        an->refused = true;
        return -1;
    }
    o->answer_max = rq->answer_max ? rq->answer_max : OUTBOUND_ANSWER_MAX;
    an->body = arena_alloc(d->arena, o->answer_max + 1);
    if (!an->body)
        return driver_fail(d, "out of memory");
    an->body[0] = '\0';
    struct curl_slist *headers = NULL;
    for (size_t i = 0; i < OUTBOUND_HEADERS_MAX && rq->headers[i]; i++) {
        struct curl_slist *h = curl_slist_append(headers, rq->headers[i]);
        if (!h) {
            curl_slist_free_all(headers);
            return driver_fail(d, "out of memory");
        }
        headers = h;
    }
    /* the call is a span of the attempt's trace: the system called can carry it on */
    struct trace call;
    if (d->traceparent && trace_child_of(&call, d->traceparent)) {
        char line[16 + TRACE_HEADER_LEN];
        memcpy(line, "traceparent: ", 13);
        trace_header(&call, line + 13);
        struct curl_slist *h = curl_slist_append(headers, line);
        if (!h) {
            curl_slist_free_all(headers);
            return driver_fail(d, "out of memory");
        }
        headers = h;
    }
    CURL *curl = o->curl;
    o->plain_http = strncasecmp(rq->url, "http:", 5) == 0;
    o->refused = NULL;
    o->stopped = false;
    o->last_alive = time(NULL);
    o->an = an;
    long timeout = rq->timeout > 0 ? rq->timeout : d->timeout_seconds > 0 ? d->timeout_seconds
                                                                        : d->cfg->provision_step_timeout_seconds;
    curl_easy_setopt(curl, CURLOPT_URL, rq->url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    if (rq->timeout_ms > 0) {
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, rq->timeout_ms);
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, rq->timeout_ms);
    } else {
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout * 1000);
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (timeout < 30 ? timeout : 30L) * 1000);
    }
    curl_easy_setopt(curl, CURLOPT_CONNECT_ONLY, rq->connect_only ? 1L : 0L);
    if (strcmp(rq->method, "GET") == 0) {
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, NULL);
    } else {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, rq->method);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)(rq->body ? rq->body_len : 0));
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_USERPWD, rq->userpwd);
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "portico-runner");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, outbound_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, o);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, outbound_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, o);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, outbound_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, o);
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, outbound_socket);
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, o);
    driver_logf(d, "%s %s", rq->method, shown);
    CURLcode res = curl_easy_perform(curl);
    long sent = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &an->status);
    curl_easy_getinfo(curl, CURLINFO_REQUEST_SIZE, &sent);
    an->sent = sent > 0;
    an->refused = o->refused != NULL && !an->sent;   /* another address of the host may have taken it */
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(curl, CURLOPT_USERPWD, NULL);
    curl_slist_free_all(headers);
    if (o->stopped)
        return driver_fail(d, "stopped: the job no longer runs here (cancelled, or its lease was lost)");
    if (res == CURLE_OPERATION_TIMEDOUT && rq->timeout_ms > 0)
        return driver_fail(d, "timed out after %ld ms", rq->timeout_ms);
    if (res == CURLE_OPERATION_TIMEDOUT)
        return driver_fail(d, "timed out after %ld s", timeout);
    if (res != CURLE_OK && o->refused)
        return driver_fail(d, "%s", o->refused);
    if (res != CURLE_OK)
        return driver_fail(d, "the request to %s failed: %s", shown, curl_easy_strerror(res));
    driver_logf(d, "answered %ld", an->status);
    return 0;
}

int outbound_once(struct driver_run *d, struct outbound_places places, const struct outbound_request *rq,
                  struct outbound_answer *an)
{
    struct outbound *o = outbound_open(d, places);
    if (!o)
        return driver_fail(d, "out of memory");
    int rc = outbound_send(o, rq, an);
    outbound_close(o);
    return rc;
}
