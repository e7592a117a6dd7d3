/*
 * cicd: signatures, times and each provider's payloads (lib/cicd.h). A table per provider maps
 * its words for a state onto Portico's; each event type has one reader that fills the model.
 */
#include "cicd.h"

#include <ctype.h>
#include <stddef.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const provider_names[CICD_PROVIDERS] = { "github", "gitlab", "jenkins", "circleci", "generic" };

int cicd_provider_parse(const char *word)
{
    for (int i = 0; word && i < CICD_PROVIDERS; i++)
        if (strcmp(word, provider_names[i]) == 0)
            return i;
    return -1;
}

const char *cicd_provider_name(enum cicd_provider p)
{
    return p < CICD_PROVIDERS ? provider_names[p] : "?";
}

/* ---- signatures --------------------------------------------------------------------------------- */

static void hmac_parts(const char *secret, const void *a, size_t alen, const void *b, size_t blen, char out[65])
{
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, a, alen);
    if (blen)
        crypto_auth_hmacsha256_update(&st, b, blen);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(out, 65, mac, sizeof(mac));
    sodium_memzero(&st, sizeof(st));
}

void cicd_hmac_hex(const char *secret, const void *text, size_t len, char out[65])
{
    hmac_parts(secret, text, len, NULL, 0, out);
}

/* hex (64 digits, either case) equals want (lower case), in constant time */
static bool hex_equal(const char *hex, size_t n, const char want[65])
{
    char low[64];
    if (n != 64)
        return false;
    for (size_t i = 0; i < 64; i++)
        low[i] = (char)tolower((unsigned char)hex[i]);
    return sodium_memcmp(low, want, 64) == 0;
}

static bool prefixed_ok(const char *header, const char *prefix, const char want[65])
{
    size_t pn = strlen(prefix);
    return header && strncmp(header, prefix, pn) == 0 && hex_equal(header + pn, strlen(header + pn), want);
}

bool cicd_signature_ok(enum cicd_provider provider, const struct cicd_headers *h, const char *secret,
                       const char *body, size_t len, time_t now, const char **why)
{
    char want[65];
    if (!secret || strlen(secret) != CICD_SECRET_HEX || strspn(secret, "0123456789abcdef") != CICD_SECRET_HEX)
        return *why = "the integration's secret is not one Portico made: make the integration again", false;
    switch (provider) {
    case CICD_GITHUB:
        if (!h->github_signature)
            return *why = "no X-Hub-Signature-256 header", false;
        cicd_hmac_hex(secret, body, len, want);
        if (!prefixed_ok(h->github_signature, "sha256=", want))
            return *why = "X-Hub-Signature-256 does not match the body", false;
        return true;
    case CICD_GITLAB: {
        if (!h->gitlab_token)
            return *why = "no X-Gitlab-Token header", false;
        /* a token, not a signature: compared as hashes, so its length says nothing either */
        unsigned char a[crypto_hash_sha256_BYTES], b[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(a, (const unsigned char *)h->gitlab_token, strlen(h->gitlab_token));
        crypto_hash_sha256(b, (const unsigned char *)secret, strlen(secret));
        if (sodium_memcmp(a, b, sizeof(a)) != 0)
            return *why = "X-Gitlab-Token is not the integration's secret", false;
        return true;
    }
    case CICD_CIRCLECI: {
        if (!h->circleci_signature)
            return *why = "no circleci-signature header", false;
        cicd_hmac_hex(secret, body, len, want);
        /* "v1=<hex>", possibly several (during a rotation), comma-separated */
        bool ok = false;
        for (const char *s = h->circleci_signature; *s;) {
            size_t n = strcspn(s, ",");
            if (n > 3 && strncmp(s, "v1=", 3) == 0)
                ok |= hex_equal(s + 3, n - 3, want);
            s += n + (s[n] == ',');
            while (*s == ' ')
                s++;
        }
        if (!ok)
            return *why = "circleci-signature does not match the body", false;
        return true;
    }
    case CICD_JENKINS:
    case CICD_GENERIC: {
        const char *ts = h->portico_timestamp;
        if (!h->portico_signature || !ts)
            return *why = "no X-Portico-Signature and X-Portico-Timestamp headers", false;
        char *end;
        long long t = strtoll(ts, &end, 10);
        if (end == ts || *end || strlen(ts) > 12)
            return *why = "X-Portico-Timestamp is not unix seconds", false;
        if (t < (long long)now - CICD_SKEW_SECONDS || t > (long long)now + CICD_SKEW_SECONDS)
            return *why = "X-Portico-Timestamp is more than 5 minutes from now", false;
        char head[24];
        int hn = snprintf(head, sizeof(head), "%s.", ts);
        hmac_parts(secret, head, (size_t)hn, body, len, want);
        if (!prefixed_ok(h->portico_signature, "sha256=", want))
            return *why = "X-Portico-Signature does not match the timestamp and body", false;
        return true;
    }
    default:
        return *why = "unknown provider", false;
    }
}

/* ---- times ------------------------------------------------------------------------------------- */

bool cicd_time(const char *in, char out[20])
{
    int y, mo, d, h, mi, s, used = 0;
    char sep;
    out[0] = '\0';
    if (!in || sscanf(in, "%4d-%2d-%2d%c%2d:%2d:%2d%n", &y, &mo, &d, &sep, &h, &mi, &s, &used) != 7 ||
        (sep != 'T' && sep != ' ') || used != 19)
        return false;
    const char *z = in + used;
    if (*z == '.')
        for (z++; isdigit((unsigned char)*z); z++)
            ;
    long off = 0;
    if (strcmp(z, "Z") == 0 || strcmp(z, " UTC") == 0 || strcmp(z, "+00:00") == 0) {
        off = 0;
    } else {
        if (*z == ' ')
            z++;
        int oh, om;
        char sign = *z;
        bool colon = strlen(z) == 6 && sscanf(z + 1, "%2d:%2d", &oh, &om) == 2;
        bool bare = !colon && strlen(z) == 5 && sscanf(z + 1, "%2d%2d", &oh, &om) == 2;
        if ((sign != '+' && sign != '-') || (!colon && !bare))
            return false;
        if (oh < 0 || om < 0 || oh > 14 || om > 59)
            return false;
        off = (sign == '+' ? 1 : -1) * (oh * 3600L + om * 60L);
    }
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        return false;
    struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = s };
    time_t t = timegm(&tm);
    if (tm.tm_mday != d)   /* 31 February: timegm moved it */
        return false;
    t -= off;
    struct tm u;
    if (!gmtime_r(&t, &u))
        return false;
    if (strftime(out, 20, "%Y-%m-%d %H:%M:%S", &u) != 19) {   /* past year 9999 */
        out[0] = '\0';
        return false;
    }
    return true;
}

/* ---- payloads ---------------------------------------------------------------------------------- */

/* The member at a dotted path ("workflow_run.head_sha"), or NULL. */
static json_object *at(json_object *o, const char *path)
{
    char key[64];
    while (o && *path) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof(key))
            return NULL;
        memcpy(key, path, n);
        key[n] = '\0';
        if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &o))
            return NULL;
        path += n + (path[n] == '.');
    }
    return o;
}

static const char *str(json_object *o, const char *path)
{
    json_object *v = at(o, path);
    return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* A string, or a whole number as text (providers' ids are either). */
static const char *id_text(struct arena *a, json_object *o, const char *path)
{
    json_object *v = at(o, path);
    if (json_object_is_type(v, json_type_int))
        return arena_printf(a, "%lld", (long long)json_object_get_int64(v));
    return json_object_is_type(v, json_type_string) && json_object_get_string_len(v) > 0 ? json_object_get_string(v) : NULL;
}

/* s is at most max bytes (and printable ASCII, when ascii) */
static bool fits(const char *s, size_t max, bool ascii)
{
    size_t n = strlen(s);
    if (n > max)
        return false;
    for (size_t i = 0; ascii && i < n; i++)
        if (s[i] < 0x21 || s[i] > 0x7e)
            return false;
    return true;
}

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

/* word -> Portico's word and rank, from a provider's table */
struct state_word { const char *word, *status; int rank; };

static bool state_map(const struct state_word *t, const char *word, struct cicd_event *ev)
{
    for (; word && t->word; t++)
        if (strcmp(t->word, word) == 0) {
            ev->status = t->status;
            ev->rank = t->rank;
            return true;
        }
    return false;
}

static const struct state_word github_conclusions[] = {
    { "success", "success", 3 }, { "neutral", "success", 3 }, { "cancelled", "cancelled", 3 },
    { "skipped", "cancelled", 3 }, { "stale", "cancelled", 3 }, { "failure", "failure", 3 },
    { "timed_out", "failure", 3 }, { "action_required", "failure", 3 }, { "startup_failure", "failure", 3 },
    { NULL, NULL, 0 },
};
static const struct state_word github_progress[] = {
    { "queued", "queued", 1 }, { "requested", "queued", 1 }, { "waiting", "queued", 1 }, { "pending", "queued", 1 },
    { "in_progress", "running", 2 }, { NULL, NULL, 0 },
};
static const struct state_word github_deploy[] = {
    { "pending", "pending", 1 }, { "queued", "pending", 1 }, { "waiting", "pending", 1 }, { "in_progress", "running", 2 },
    { "success", "success", 3 }, { "failure", "failure", 3 }, { "error", "failure", 3 }, { NULL, NULL, 0 },
};
static const struct state_word gitlab_runs[] = {
    { "created", "queued", 1 }, { "waiting_for_resource", "queued", 1 }, { "preparing", "queued", 1 },
    { "pending", "queued", 1 }, { "scheduled", "queued", 1 }, { "manual", "queued", 1 }, { "running", "running", 2 },
    { "success", "success", 3 }, { "failed", "failure", 3 }, { "canceled", "cancelled", 3 }, { "skipped", "cancelled", 3 },
    { NULL, NULL, 0 },
};
static const struct state_word gitlab_deploy[] = {
    { "created", "pending", 1 }, { "blocked", "pending", 1 }, { "running", "running", 2 }, { "success", "success", 3 },
    { "failed", "failure", 3 }, { "canceled", "cancelled", 3 }, { NULL, NULL, 0 },
};
static const struct state_word circleci_states[] = {
    { "success", "success", 3 }, { "failed", "failure", 3 }, { "error", "failure", 3 }, { "unauthorized", "failure", 3 },
    { "infrastructure_fail", "failure", 3 }, { "timedout", "failure", 3 }, { "canceled", "cancelled", 3 },
    { "not_run", "cancelled", 3 }, { "running", "running", 2 }, { "on_hold", "queued", 1 }, { NULL, NULL, 0 },
};
static const struct state_word generic_runs[] = {
    { "queued", "queued", 1 }, { "running", "running", 2 }, { "success", "success", 3 }, { "failure", "failure", 3 },
    { "cancelled", "cancelled", 3 }, { NULL, NULL, 0 },
};
static const struct state_word generic_deploy[] = {
    { "pending", "pending", 1 }, { "running", "running", 2 }, { "success", "success", 3 }, { "failure", "failure", 3 },
    { "cancelled", "cancelled", 3 }, { NULL, NULL, 0 },
};

static void time_into(const char *in, char out[20])
{
    if (!cicd_time(in, out))
        out[0] = '\0';
}

/* "refs/heads/main" -> "main"; a tag or anything else as sent */
static const char *branch_of(const char *ref)
{
    if (ref && strncmp(ref, "refs/heads/", 11) == 0)
        return ref + 11;
    return or_empty(ref);
}

static int need(const char *v, const char *what, const char **why)
{
    if (v)
        return 0;
    *why = what;
    return -1;
}

static void commit_add(struct cicd_event *ev, const char *sha, const char *when)
{
    if (!sha || ev->ncommits == CICD_COMMITS_MAX || strlen(sha) > 64)
        return;
    struct cicd_commit *c = &ev->commits[ev->ncommits];
    if (!cicd_time(when, c->time))
        return;
    c->sha = sha;
    ev->ncommits++;
}

static void commits_from(struct cicd_event *ev, json_object *list, const char *sha_key, const char *time_key)
{
    for (size_t i = 0; json_object_is_type(list, json_type_array) && i < json_object_array_length(list); i++) {
        json_object *c = json_object_array_get_idx(list, i);
        commit_add(ev, str(c, sha_key), str(c, time_key));
    }
}

static int ignore(struct cicd_event *ev, const char *why)
{
    ev->kind = CICD_IGNORED;
    ev->why = why;
    return 0;
}

/* GitHub: workflow_run and check_run share their words; so do deployment and its statuses */
static int github_run(json_object *r, bool check, struct arena *a, struct cicd_event *ev, const char **why)
{
    const char *id = id_text(a, r, "id"), *status = str(r, "status");
    if (need(id, "the run has no id", why) < 0 || need(status, "the run has no status", why) < 0)
        return -1;
    ev->kind = CICD_RUN;
    if (check) {
        ev->key = arena_printf(a, "check:%s", id);
        ev->branch = or_empty(str(r, "check_suite.head_branch"));
        time_into(str(r, "started_at"), ev->started_at);
        time_into(str(r, "completed_at"), ev->finished_at);
    } else {
        const char *attempt = id_text(a, r, "run_attempt");
        ev->key = arena_printf(a, "%s:%s", id, attempt ? attempt : "1");
        ev->branch = or_empty(str(r, "head_branch"));
        time_into(str(r, "run_started_at") ? str(r, "run_started_at") : str(r, "created_at"), ev->started_at);
        if (strcmp(status, "completed") == 0)
            time_into(str(r, "updated_at"), ev->finished_at);
    }
    ev->name = or_empty(str(r, "name"));
    ev->commit = or_empty(str(r, "head_sha"));
    ev->url = or_empty(str(r, "html_url"));
    bool known = strcmp(status, "completed") == 0 ? state_map(github_conclusions, str(r, "conclusion"), ev)
                                                  : state_map(github_progress, status, ev);
    if (!known)
        return *why = "the run's status or conclusion is not one GitHub sends", -1;
    if (ev->rank < 3)
        ev->finished_at[0] = '\0';
    return 0;
}

static int github_deployment(json_object *payload, const char *state, struct arena *a, struct cicd_event *ev,
                             const char **why)
{
    json_object *d = at(payload, "deployment");
    const char *id = id_text(a, d, "id"), *env = str(d, "environment");
    if (need(id, "deployment.id is missing", why) < 0 || need(env, "deployment.environment is missing", why) < 0)
        return -1;
    if (state && strcmp(state, "inactive") == 0)
        return ignore(ev, "an inactive deployment (one a later one replaced) changes nothing");
    ev->kind = CICD_DEPLOYMENT;
    ev->key = id;
    ev->environment = env;
    ev->version = or_empty(str(d, "ref"));
    ev->commit = or_empty(str(d, "sha"));
    ev->actor = or_empty(str(d, "creator.login"));
    time_into(str(d, "created_at"), ev->started_at);
    if (!state_map(github_deploy, state ? state : "pending", ev))
        return *why = "deployment_status.state is not one GitHub sends", -1;
    json_object *s = at(payload, "deployment_status");
    ev->url = or_empty(str(s, "target_url") && *str(s, "target_url") ? str(s, "target_url") : str(s, "log_url"));
    if (ev->rank == 3)
        time_into(str(s, "created_at") ? str(s, "created_at") : str(s, "updated_at"), ev->finished_at);
    return 0;
}

static int github_read(const char *event, json_object *p, struct arena *a, struct cicd_event *ev, const char **why)
{
    if (strcmp(event, "workflow_run") == 0)
        return github_run(at(p, "workflow_run"), false, a, ev, why);
    if (strcmp(event, "check_run") == 0)
        return github_run(at(p, "check_run"), true, a, ev, why);
    if (strcmp(event, "deployment") == 0)
        return github_deployment(p, NULL, a, ev, why);
    if (strcmp(event, "deployment_status") == 0)
        return github_deployment(p, str(p, "deployment_status.state"), a, ev, why);
    if (strcmp(event, "push") == 0) {
        ev->kind = CICD_PUSH;
        ev->branch = branch_of(str(p, "ref"));
        commits_from(ev, at(p, "commits"), "id", "timestamp");
        if (ev->ncommits == 0 && at(p, "head_commit"))
            commit_add(ev, str(p, "head_commit.id"), str(p, "head_commit.timestamp"));
        return 0;
    }
    if (strcmp(event, "pull_request") == 0) {
        json_object *pr = at(p, "pull_request");
        json_object *merged = at(pr, "merged");
        if (!str(p, "action") || strcmp(str(p, "action"), "closed") != 0 || !json_object_get_boolean(merged))
            return ignore(ev, "a pull request counts once it is merged");
        /* the merge commit counts from when the change was proposed: the pull request's opening */
        ev->kind = CICD_PUSH;
        ev->branch = or_empty(str(pr, "base.ref"));
        commit_add(ev, str(pr, "merge_commit_sha"), str(pr, "created_at"));
        return 0;
    }
    return ignore(ev, "an event type Portico does not read");
}

static int gitlab_read(const char *event, json_object *p, struct arena *a, struct cicd_event *ev, const char **why)
{
    if (strcmp(event, "Pipeline Hook") == 0) {
        json_object *o = at(p, "object_attributes");
        const char *id = id_text(a, o, "id");
        if (need(id, "object_attributes.id is missing", why) < 0)
            return -1;
        ev->kind = CICD_RUN;
        ev->key = id;
        ev->name = str(o, "name") ? str(o, "name") : "pipeline";
        ev->branch = or_empty(str(o, "ref"));
        ev->commit = or_empty(str(o, "sha"));
        ev->url = str(o, "url") ? str(o, "url")
                 : str(p, "project.web_url") ? arena_printf(a, "%s/-/pipelines/%s", str(p, "project.web_url"), id) : "";
        if (!state_map(gitlab_runs, str(o, "status"), ev))
            return *why = "object_attributes.status is not one GitLab sends", -1;
        time_into(str(o, "created_at"), ev->started_at);
        if (ev->rank == 3)
            time_into(str(o, "finished_at"), ev->finished_at);
        return 0;
    }
    if (strcmp(event, "Job Hook") == 0) {
        const char *id = id_text(a, p, "build_id");
        if (need(id, "build_id is missing", why) < 0)
            return -1;
        ev->kind = CICD_RUN;
        ev->key = arena_printf(a, "job:%s", id);
        ev->name = or_empty(str(p, "build_name"));
        ev->branch = or_empty(str(p, "ref"));
        ev->commit = or_empty(str(p, "sha"));
        ev->url = str(p, "repository.homepage") ? arena_printf(a, "%s/-/jobs/%s", str(p, "repository.homepage"), id) : "";
        if (!state_map(gitlab_runs, str(p, "build_status"), ev))
            return *why = "build_status is not one GitLab sends", -1;
        time_into(str(p, "build_started_at"), ev->started_at);
        if (ev->rank == 3)
            time_into(str(p, "build_finished_at"), ev->finished_at);
        return 0;
    }
    if (strcmp(event, "Deployment Hook") == 0) {
        const char *id = id_text(a, p, "deployment_id"), *env = str(p, "environment");
        if (need(id, "deployment_id is missing", why) < 0 || need(env, "environment is missing", why) < 0)
            return -1;
        ev->kind = CICD_DEPLOYMENT;
        ev->key = id;
        ev->environment = env;
        ev->version = or_empty(str(p, "ref"));
        /* the full commit is the last segment of commit_url; short_sha otherwise */
        const char *cu = str(p, "commit_url"), *slash = cu ? strrchr(cu, '/') : NULL;
        ev->commit = slash && strlen(slash + 1) >= 7 ? slash + 1 : or_empty(str(p, "short_sha"));
        ev->actor = or_empty(str(p, "user.username"));
        ev->url = or_empty(str(p, "deployable_url"));
        if (!state_map(gitlab_deploy, str(p, "status"), ev))
            return *why = "status is not one GitLab sends", -1;
        time_into(str(p, "status_changed_at"), ev->rank == 3 ? ev->finished_at : ev->started_at);
        return 0;
    }
    if (strcmp(event, "Push Hook") == 0 || strcmp(event, "Tag Push Hook") == 0) {
        ev->kind = CICD_PUSH;
        ev->branch = branch_of(str(p, "ref"));
        commits_from(ev, at(p, "commits"), "id", "timestamp");
        return 0;
    }
    if (strcmp(event, "Merge Request Hook") == 0) {
        json_object *o = at(p, "object_attributes");
        if (!str(o, "action") || strcmp(str(o, "action"), "merge") != 0)
            return ignore(ev, "a merge request counts once it is merged");
        ev->kind = CICD_PUSH;
        ev->branch = or_empty(str(o, "target_branch"));
        commit_add(ev, str(o, "merge_commit_sha"), str(o, "created_at"));
        return 0;
    }
    return ignore(ev, "an event type Portico does not read");
}

static int circleci_read(const char *event, json_object *p, struct arena *a, struct cicd_event *ev, const char **why)
{
    bool job = strcmp(event, "job-completed") == 0;
    if (!job && strcmp(event, "workflow-completed") != 0)
        return ignore(ev, "an event type Portico does not read");
    json_object *w = at(p, "workflow"), *o = job ? at(p, "job") : w;
    const char *id = id_text(a, o, "id");
    if (need(id, job ? "job.id is missing" : "workflow.id is missing", why) < 0)
        return -1;
    ev->kind = CICD_RUN;
    ev->key = arena_printf(a, "%s:%s", job ? "job" : "wf", id);
    ev->name = or_empty(str(o, "name"));
    ev->branch = or_empty(str(p, "pipeline.vcs.branch"));
    ev->commit = or_empty(str(p, "pipeline.vcs.revision"));
    ev->url = or_empty(str(w, "url"));
    if (!state_map(circleci_states, str(o, "status"), ev))
        return *why = "the status is not one CircleCI sends", -1;
    time_into(job ? str(o, "started_at") : str(o, "created_at"), ev->started_at);
    if (ev->rank == 3)
        time_into(str(o, "stopped_at"), ev->finished_at);
    return 0;
}

/* Jenkins (its Notification plugin or a pipeline step) and anything else: Portico's own shape,
 * {"type": "run"|"deployment"|"push", ...} (docs/cicd.md) */
static int generic_read(const char *event, json_object *p, struct arena *a, struct cicd_event *ev, const char **why)
{
    const char *type = str(p, "type") ? str(p, "type") : event;
    if (type && strcmp(type, "push") == 0) {
        ev->kind = CICD_PUSH;
        ev->branch = or_empty(str(p, "branch"));
        commits_from(ev, at(p, "commits"), "sha", "time");
        return 0;
    }
    bool deploy = type && strcmp(type, "deployment") == 0;
    if (!deploy && !(type && strcmp(type, "run") == 0))
        return ignore(ev, "a type Portico does not read (run, deployment or push)");
    const char *id = id_text(a, p, "id");
    if (need(id, "id is missing", why) < 0)
        return -1;
    ev->kind = deploy ? CICD_DEPLOYMENT : CICD_RUN;
    ev->key = id;
    ev->name = or_empty(str(p, "name"));
    ev->branch = or_empty(str(p, "branch"));
    ev->commit = or_empty(str(p, "commit"));
    ev->url = or_empty(str(p, "url"));
    ev->environment = str(p, "environment");
    ev->version = or_empty(str(p, "version"));
    ev->actor = or_empty(str(p, "actor"));
    if (deploy && need(ev->environment, "environment is missing", why) < 0)
        return -1;
    if (!state_map(deploy ? generic_deploy : generic_runs, str(p, "status"), ev))
        return *why = deploy ? "status must be pending, running, success, failure or cancelled"
                             : "status must be queued, running, success, failure or cancelled", -1;
    time_into(str(p, "started_at"), ev->started_at);
    if (ev->rank == 3)
        time_into(str(p, "finished_at"), ev->finished_at);
    (void)a;
    return 0;
}

int cicd_event_read(enum cicd_provider provider, const struct cicd_headers *h, json_object *payload,
                    struct arena *a, struct cicd_event *ev, const char **why)
{
    memset(ev, 0, sizeof(*ev));
    *why = NULL;
    if (!json_object_is_type(payload, json_type_object))
        return *why = "the payload is not a JSON object", -1;
    const char *event = NULL;
    int rc;
    switch (provider) {
    case CICD_GITHUB:
        event = h->github_event;
        ev->delivery = h->github_delivery;
        break;
    case CICD_GITLAB:
        event = h->gitlab_event;
        ev->delivery = h->gitlab_delivery ? h->gitlab_delivery : h->gitlab_event_uuid;
        break;
    case CICD_CIRCLECI:
        event = h->circleci_event ? h->circleci_event : str(payload, "type");
        ev->delivery = str(payload, "id");
        break;
    default:
        event = h->portico_event ? h->portico_event : str(payload, "type");
        ev->delivery = h->portico_delivery;
        break;
    }
    if (!event || !*event)
        return *why = "the delivery does not say its event type", -1;
    ev->event = event;
    switch (provider) {
    case CICD_GITHUB: rc = github_read(event, payload, a, ev, why); break;
    case CICD_GITLAB: rc = gitlab_read(event, payload, a, ev, why); break;
    case CICD_CIRCLECI: rc = circleci_read(event, payload, a, ev, why); break;
    default: rc = generic_read(event, payload, a, ev, why); break;
    }
    if (rc == 0 && ev->kind != CICD_IGNORED && ev->kind != CICD_PUSH && (!ev->key || !fits(ev->key, 100, true)))
        return *why = "the run's or deployment's id is missing, longer than 100 characters or not ASCII", -1;
    if (rc == 0 && ev->kind != CICD_IGNORED) {
        static const struct { size_t off, max; bool ascii; const char *what; } limits[] = {
            { offsetof(struct cicd_event, name), 200, false, "the run's name is longer than 200 bytes" },
            { offsetof(struct cicd_event, branch), 255, false, "the branch is longer than 255 bytes" },
            { offsetof(struct cicd_event, commit), 64, true, "the commit is longer than 64 characters or not ASCII" },
            { offsetof(struct cicd_event, url), 1000, false, "the URL is longer than 1000 bytes" },
            { offsetof(struct cicd_event, environment), 63, false, "the environment is longer than 63 bytes" },
            { offsetof(struct cicd_event, version), 100, false, "the version is longer than 100 bytes" },
            { offsetof(struct cicd_event, actor), 200, false, "the actor is longer than 200 bytes" },
        };
        for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
            const char *v = *(const char *const *)((const char *)ev + limits[i].off);
            if (v && !fits(v, limits[i].max, limits[i].ascii))
                return *why = limits[i].what, -1;
        }
        for (size_t i = 0; i < ev->ncommits; i++)
            if (!fits(ev->commits[i].sha, 64, true))
                return *why = "a commit is longer than 64 characters or not ASCII", -1;
    }
    if (ev->delivery && !fits(ev->delivery, 100, true))
        ev->delivery = NULL;   /* not one the table keeps: the body's digest stands for it */
    return rc;
}

/* ---- deploys ----------------------------------------------------------------------------------- */

const char *cicd_deploy_api_default(enum cicd_provider p)
{
    switch (p) {
    case CICD_GITHUB: return "https://api.github.com";
    case CICD_GITLAB: return "https://gitlab.com";
    case CICD_CIRCLECI: return "https://circleci.com";
    default: return NULL;
    }
}

bool cicd_deploy_url_ok(const char *url, const char **why)
{
    static const char *const local[] = { "http://127.0.0.1", "http://localhost", "http://[::1]" };
    size_t n = url ? strlen(url) : 0;
    const char *rest = NULL;
    *why = NULL;
    if (n == 0 || n > 500)
        return *why = "is 1 to 500 characters", false;
    for (const unsigned char *c = (const unsigned char *)url; *c; c++)
        if (*c <= 0x20 || *c >= 0x7f || *c == '\\')
            return *why = "has a space, a control character, a backslash or a non-ASCII character", false;
    if (strncasecmp(url, "https://", 8) == 0)
        rest = url + 8;
    for (size_t i = 0; !rest && i < sizeof(local) / sizeof(local[0]); i++) {
        size_t k = strlen(local[i]);
        if (strncasecmp(url, local[i], k) == 0 && (url[k] == '\0' || url[k] == ':' || url[k] == '/'))
            rest = url + 7;
    }
    if (!rest)
        return *why = "must be https (http only to 127.0.0.1, ::1 or localhost)", false;
    size_t authority = strcspn(rest, "/?#");
    if (authority == 0)
        return *why = "has no host", false;
    if (memchr(rest, '@', authority))
        return *why = "carries credentials, which would reach logs: give the credential apart", false;
    if (strchr(url, '?') || strchr(url, '#'))
        return *why = "has a query or a fragment: a deploy's URL is a base (or, generic, the whole address) without", false;
    return true;
}

/* Segments of [A-Za-z0-9._-] (none "." or ".."), split by '/'; their number within min..max. */
static bool path_ok(const char *t, int min, int max)
{
    int n = 0;
    size_t len = strlen(t);
    if (len == 0 || len > 300)
        return false;
    for (const char *s = t; *s;) {
        size_t k = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");
        if (k == 0 || (k == 1 && s[0] == '.') || (k == 2 && s[0] == '.' && s[1] == '.'))
            return false;
        n++;
        s += k;
        if (*s == '/' && s[1])
            s++;
        else if (*s)
            return false;
    }
    return n >= min && n <= max;
}

bool cicd_deploy_target_ok(enum cicd_provider p, const char *target, const char **why)
{
    *why = NULL;
    switch (p) {
    case CICD_GITHUB:
        return path_ok(target ? target : "", 3, 3) || (*why = "is owner/repository/workflow (its file name or id)", false);
    case CICD_GITLAB:
        return path_ok(target ? target : "", 1, 20) || (*why = "is the project's id or its path, group/project", false);
    case CICD_JENKINS:
        return path_ok(target ? target : "", 1, 20) || (*why = "is the job's path, folder/job", false);
    case CICD_CIRCLECI:
        return path_ok(target ? target : "", 3, 3) || (*why = "is the project slug, vcs/organization/repository", false);
    default:
        return !target || !*target || (*why = "a generic integration has no target: its URL is the whole address", false);
    }
}

bool cicd_version_ok(const char *v)
{
    size_t n = v ? strlen(v) : 0;
    if (n == 0 || n > 100 || !((v[0] >= 'a' && v[0] <= 'z') || (v[0] >= 'A' && v[0] <= 'Z') || (v[0] >= '0' && v[0] <= '9')))
        return false;
    return strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+/-") == n;
}
