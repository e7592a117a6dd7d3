/*
 * config: the key table and the parser. Keys, types, bounds and docs live in one table.
 */
#include "config.h"

#include "addrlist.h"
#include "promql.h"

#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>


enum config_type { CFG_STR, CFG_INT, CFG_LONG };

struct config_key {
    const char *name;
    enum config_type type;
    size_t offset;
    size_t size;        /* for strings: buffer size */
    const char *def;
    long min, max;      /* for numbers */
    const char *doc;
    bool per_area;      /* may also be set for one area: "<area>.<key> = value" */
};

#define STR(f, d, doc) { #f, CFG_STR, offsetof(struct config, f), sizeof(((struct config *)0)->f), d, 0, 0, doc, false }
#define INT(f, d, lo, hi, doc) { #f, CFG_INT, offsetof(struct config, f), sizeof(int), d, lo, hi, doc, false }
#define INTA(f, d, lo, hi, doc) { #f, CFG_INT, offsetof(struct config, f), sizeof(int), d, lo, hi, doc, true }
#define LNG(f, d, lo, hi, doc) { #f, CFG_LONG, offsetof(struct config, f), sizeof(long), d, lo, hi, doc, false }

static const struct config_key config_keys[] = {
    STR(db_socket, "/run/mysqld/mysqld.sock", "MariaDB unix socket; used when db_host is empty"),
    STR(db_host, "", "MariaDB host for TCP; empty means the unix socket"),
    INT(db_port, "3306", 1, 65535, "MariaDB TCP port"),
    STR(db_name, "portico", "database name"),
    STR(db_user, "portico_app", "the handlers' database account (least privilege; made by the migrations)"),
    STR(db_password, "", "password of db_user"),
    INT(db_connect_timeout, "3", 1, 60, "seconds to wait for a database connection"),
    INT(db_read_timeout, "10", 1, 600, "seconds to wait for a database answer"),
    INT(db_write_timeout, "10", 1, 600, "seconds to wait while sending to the database"),
    STR(admin_db_user, "root", "portico-admin's database account (migrations, grants)"),
    STR(admin_db_password, "", "password of admin_db_user; empty for unix-socket authentication"),
    STR(app_db_host, "localhost", "host part of the handlers' account that the migrations create ('%' for any)"),
    LNG(body_max_bytes, "1048576", 1024, 64L * 1024 * 1024, "largest request body accepted; larger answers 413. Keep the web server's limit (FcgidMaxRequestLen, LimitRequestBody) at or above it"),
    INT(json_max_depth, "32", 2, 256, "deepest nesting of arrays and objects accepted in a JSON body"),
    LNG(cicd_hook_max_bytes, "1048576", 1024, 64L * 1024 * 1024, "largest CI/CD delivery accepted (POST /api/v1/cicd/hooks/{id}); larger answers 413"),
    INT(cicd_hook_per_minute, "6000", 0, 10000000, "authentic deliveries one CI/CD integration may make a minute (GCRA, beside the per-address limit); past it 429 with Retry-After; 0: no limit"),
    INT(cicd_hook_burst, "600", 1, 1000000, "deliveries one CI/CD integration may make at once, above its pace"),
    INT(cicd_deploy_allow_loopback, "0", 0, 1, "1: deploys may call a provider on this machine (a loopback address); off by default, as provision_webhook_allow_loopback"),
    INT(cicd_deploy_allow_private, "0", 0, 1, "1: deploys may call a provider on a private or link-local network (a Jenkins or GitLab inside the company)"),
    INT(cicd_deploy_settle_hours, "24", 1, 8760, "a deploy the provider took (triggered) and reported no deployment of in this many hours is failed, said so"),
    LNG(cicd_report_max_bytes, "8388608", 1024, 8L * 1024 * 1024, "largest JUnit or SARIF upload accepted (POST /api/v1/cicd/runs/{id}/junit, /sarif); larger answers 413"),
    INT(check_answers, "0", 0, 1, "development and test stacks: 1 checks every successful JSON answer against the shape its route declares (docs/openapi.json says the same) and answers 500 answer-shape on a mismatch; 0 in production"),
    INT(retry_after, "5", 1, 3600, "seconds sent in Retry-After when the database is unavailable"),
    INT(session_idle_seconds, "1800", 60, 86400, "a session unused this long ends (idle expiry)"),
    INT(session_absolute_seconds, "43200", 300, 2592000, "a session ends this long after login, however used (absolute expiry)"),
    INT(login_max_failures, "5", 1, 100, "failed logins of one account from one address (or one known device) before that pair is refused for a while"),
    INT(login_max_failures_account, "100", 1, 100000, "failed logins of one account from unknown devices and addresses, all together, before those are refused for a while (known ones still log in)"),
    INT(login_device_days, "90", 1, 3650, "a browser that logged in (device cookie) and the address it came from are known to the account this long after their last login"),
    INT(login_max_failures_address, "50", 1, 10000, "failed logins from one address (any account) before its logins are refused for a while"),
    INT(login_lockout_seconds, "30", 1, 3600, "first refusal period after too many failures; it doubles with each further failure, up to an hour"),
    INTA(ratelimit_per_minute, "600", 0, 10000000, "API requests a minute per user or token (0: no limit)"),
    INTA(ratelimit_anonymous_per_minute, "300", 0, 10000000, "API requests a minute per address without credentials (0: no limit)"),
    INTA(ratelimit_burst, "60", 1, 100000, "requests a caller may make at once before the per-minute pace applies"),
    LNG(catalog_import_max_bytes, "33554432", 1024, 64L * 1024 * 1024, "largest catalog import (POST /catalog/import) accepted; the web server's limit must allow it too"),
    STR(catalog_location_roots, "", "directories (separated by ':') under which file and git catalog locations may be registered; empty: only http(s) locations"),
    INT(catalog_sync_seconds, "300", 10, 86400, "how often the runner re-reads a catalog location, unless it was registered with its own interval"),
    INT(catalog_orphan_guard_percent, "20", 0, 100, "a location sync that would orphan or delete more than this share of the location's entities waits for a confirmation"),
    INT(catalog_instance_ttl_seconds, "30", 1, 86400, "an instance whose last heartbeat is older than this (unless it registered its own TTL) turns critical"),
    INT(catalog_deregister_seconds, "600", 1, 604800, "the runner deregisters an instance this long after it turned critical (unless it registered its own)"),
    INT(runner_poll_seconds, "5", 1, 3600, "with --loop, how often the runner looks at the catalog's due work (locations, instances) when idle"),
    INT(runner_job_poll_ms, "200", 10, 60000, "with --loop, how often an idle runner looks for due provisioning jobs (milliseconds)"),
    INT(runner_max_seconds, "55", 1, 86400, "a pass without --loop (cron, every minute) drains the queue for at most this long, then exits"),
    STR(runner_lock_file, "", "the lock a pass without --loop holds so that passes on one host never overlap; empty: /tmp/portico-runner.<uid>.lock"),
    INT(runner_batch, "8", 1, 100, "jobs a runner claims at once"),
    INT(runner_lease_seconds, "30", 5, 3600, "a claimed job is the runner's this long, renewed by its heartbeat; a job whose runner died runs again after it"),
    INT(runner_max_attempts, "5", 1, 100, "attempts of a job before it is failed"),
    INT(runner_backoff_seconds, "10", 1, 3600, "the wait before a job's first retry; it doubles with each attempt (with jitter) up to runner_backoff_max_seconds"),
    INT(runner_backoff_max_seconds, "600", 1, 86400, "the longest wait between a job's attempts"),
    STR(provision_notify_before, "172800,7200", "seconds before a resource expires at which its owners are notified in the portal (comma separated)"),
    STR(provision_mariadb_socket, "", "mariadb_database driver: the target server's unix socket (used when provision_mariadb_host is empty)"),
    STR(provision_mariadb_host, "", "mariadb_database driver: the target server's host for TCP"),
    INT(provision_mariadb_port, "3306", 1, 65535, "mariadb_database driver: the target server's TCP port"),
    STR(provision_mariadb_user, "", "mariadb_database driver: the account that creates databases and users (CREATE, DROP, CREATE USER and GRANT OPTION on the prefixed databases); empty: the driver is off"),
    STR(provision_mariadb_password, "", "password of provision_mariadb_user"),
    STR(provision_mariadb_user_host, "%", "mariadb_database driver: the host part of the users it creates"),
    STR(provision_mariadb_prefix, "p_", "mariadb_database driver: every database and user it makes starts with this"),
    STR(provision_git_root, "", "git_repository driver: the directory bare repositories are made in; empty: the driver is off"),
    STR(provision_git_skeletons, "", "git_repository driver: the directory holding skeleton directories a template may name"),
    STR(provision_git_archive, "", "git_repository driver: where a removed repository is archived (a .tar.gz) first; empty: none"),
    STR(provision_exec_root, "", "exec driver: the directory holding one working directory per resource; empty: the driver is off"),
    STR(provision_exec_programs, "", "exec driver: the programs a template may run, and directories whose programs it may run (separated by ':'); choose them as code you trust: an interpreter given code in its arguments is a shell"),
    STR(provision_example_programs, "", "the directory of the example templates' programs (portico-new-token), written into their exec steps when they are installed; empty: where Portico installs them (<libexecdir>/portico/exec). List it in provision_exec_programs too"),
    INT(provision_exec_cpu_seconds, "600", 1, 86400, "exec driver: CPU seconds a program may use (RLIMIT_CPU)"),
    INT(provision_exec_memory_mb, "2048", 16, 1048576, "exec driver: address space of a program, MiB (RLIMIT_AS)"),
    INT(provision_exec_file_mb, "1024", 1, 1048576, "exec driver: largest file a program may write, MiB (RLIMIT_FSIZE)"),
    INT(provision_exec_processes, "64", 1, 100000, "exec driver: processes the runner's user may have while a program runs (RLIMIT_NPROC)"),
    INT(provision_webhook_allow_loopback, "0", 0, 1, "webhook driver: 1 lets a webhook reach this host itself (127.0.0.0/8, ::1, 0.0.0.0; http is allowed only there); 0 refuses them, whatever the URL's host resolves to, since a template's URL would otherwise reach the host's own services"),
    INT(provision_webhook_allow_private, "0", 0, 1, "webhook driver: 1 lets a webhook reach private, shared and link-local addresses (10/8, 172.16/12, 192.168/16, 100.64/10, 169.254/16 with cloud metadata services, fc00::/7, fe80::/10); 0 refuses them"),
    INT(provision_step_timeout_seconds, "900", 1, 86400, "a step that names no timeout-seconds is stopped after this long"),
    STR(master_key_file, "", "the master keys that encrypt secrets (portico-admin init-master-key writes it): outside the document root, readable by the handlers' user only; empty: secrets answer 503"),
    INT(secret_versions_default, "10", 1, 100, "versions a secret keeps unless it sets its own max_versions (the oldest go first)"),
    STR(log_file, "", "file for the JSON request log; empty means standard error (the web server's error log)"),
    INT(health_allow_loopback, "0", 0, 1, "health checks: 1 lets an http or tcp check reach this host itself (127.0.0.0/8, ::1); 0 refuses them"),
    INT(health_allow_private, "1", 0, 1, "health checks: 1 (the default: checks are of internal services) lets them reach private addresses (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7); 0 refuses them. Link-local addresses (169.254/16 where cloud metadata answers, fe80::/10) are always refused: a check's body_contains would tell what they hold"),
    STR(metrics_dir, "", "directory where every process of this host keeps its counters (one file each, summed by GET /api/v1/system/metrics): writable by the handlers' and the runner's users, outside the document root; empty: no metrics"),
    STR(metrics_allow, "", "addresses that may scrape GET /api/v1/system/metrics without a credential, separated by spaces or commas: exact IPv4 or IPv6 addresses or CIDR blocks (10.0.0.0/8); others need system.metrics.read"),
    STR(prometheus_url, "", "the Prometheus that alert rules (kind promql) and dashboards' panels query, http:// or https:// (a path prefix allowed, e.g. https://prom.internal/prometheus); the runner and the monitor area call it. Empty: promql rules and panels answer 503"),
    STR(prometheus_entity_label, "portico_entity", "the label that carries a series' entity ref (component:default/web) in that Prometheus, set by its relabelling: every selector of a developer's expression is given label=\"<the entity's ref>\", so a team reads only its entities' series"),
    INT(prometheus_timeout_seconds, "10", 1, 60, "how long a query to prometheus_url may take"),
    INT(alert_webhook_allow_loopback, "0", 0, 1, "alert receivers: 1 lets a receiver's webhook reach this host itself (127.0.0.0/8, ::1; http is allowed only there); 0 refuses them"),
    INT(alert_webhook_allow_private, "0", 0, 1, "alert receivers: 1 lets a receiver's webhook reach private addresses (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7); 0 refuses them. Link-local and cloud metadata addresses are always refused"),
    STR(public_url, "", "the portal's address as people reach it (https://portico.example.com): alert notices link to it; empty: their links are paths"),
};

#define NKEYS (sizeof(config_keys) / sizeof(config_keys[0]))

static const struct config_key *config_key_find(const char *name)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(config_keys[i].name, name) == 0)
            return &config_keys[i];
    return NULL;
}

static int config_apply(struct config *c, const struct config_key *k, const char *value,
                        const char *origin, char *err, size_t errlen)
{
    char *base = (char *)c + k->offset;

    if (k->type == CFG_STR) {
        size_t len = strlen(value);
        if (len >= k->size) {
            snprintf(err, errlen, "%s: %s is longer than %zu characters", origin, k->name, k->size - 1);
            return -1;
        }
        char bad[64];
        if (strcmp(k->name, "metrics_allow") == 0 && !addrlist_valid(value, bad, sizeof(bad))) {
            snprintf(err, errlen, "%s: metrics_allow: \"%s\" is not an IP address or CIDR block", origin, bad);
            return -1;
        }
        if (strcmp(k->name, "prometheus_url") == 0 && *value && strncmp(value, "http://", 7) != 0 &&
            strncmp(value, "https://", 8) != 0) {
            snprintf(err, errlen, "%s: prometheus_url must be an http:// or https:// URL", origin);
            return -1;
        }
        if (strcmp(k->name, "prometheus_entity_label") == 0 && !promql_label_ok(value)) {
            snprintf(err, errlen, "%s: prometheus_entity_label: \"%s\" is not a label name ([a-zA-Z_][a-zA-Z0-9_]*, "
                                  "not starting with __)", origin, value);
            return -1;
        }
        memcpy(base, value, len + 1);
        return 0;
    }
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno || end == value || *end != '\0' || !isdigit((unsigned char)value[0])) {
        snprintf(err, errlen, "%s: %s must be a whole number, not \"%s\"", origin, k->name, value);
        return -1;
    }
    if (v < k->min || v > k->max) {
        snprintf(err, errlen, "%s: %s must be between %ld and %ld", origin, k->name, k->min, k->max);
        return -1;
    }
    if (k->type == CFG_INT)
        *(int *)(void *)base = (int)v;
    else
        *(long *)(void *)base = v;
    return 0;
}

/* "<area>.<key>": the area part is a name ([a-z]+) and key one that may be set per area. */
static const struct config_key *config_area_key(const char *key, char *area, size_t arealen)
{
    const char *dot = strchr(key, '.');
    size_t n = dot ? (size_t)(dot - key) : 0;
    if (n == 0 || n >= arealen)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (key[i] < 'a' || key[i] > 'z')
            return NULL;
    const struct config_key *k = config_key_find(dot + 1);
    if (!k || !k->per_area)
        return NULL;
    memcpy(area, key, n);
    area[n] = '\0';
    return k;
}

int config_set(struct config *c, const char *key, const char *value, const char *origin,
               char *err, size_t errlen)
{
    const struct config_key *k = config_key_find(key);
    char area[sizeof(c->area)];
    if (!k && strchr(key, '.')) {
        k = config_area_key(key, area, sizeof(area));
        if (!k) {
            snprintf(err, errlen, "%s: \"%s\" is not a setting that can be made for one area", origin, key);
            return -1;
        }
        /* Another area's setting is checked, not applied; this area's wins over the general
         * one wherever it stands in the file (config_load applies it last). */
        struct config scratch;
        return config_apply(c->area[0] && strcmp(area, c->area) == 0 && c->area_pass ? c : &scratch, k, value,
                            origin, err, errlen);
    }
    if (!k) {
        snprintf(err, errlen, "%s: unknown setting \"%s\"", origin, key);
        return -1;
    }
    if (c->area_pass)
        return 0;
    return config_apply(c, k, value, origin, err, errlen);
}

void config_defaults(struct config *c)
{
    char err[256];
    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < NKEYS; i++)
        (void)config_apply(c, &config_keys[i], config_keys[i].def, "default", err, sizeof(err));
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static int config_read_file(struct config *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char line[1024], origin[600];
    int lineno = 0, rc = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        snprintf(origin, sizeof(origin), "%s:%d", path, lineno);
        if (!strchr(line, '\n') && !feof(f)) {
            snprintf(err, errlen, "%s: line longer than %zu characters", origin, sizeof(line) - 2);
            rc = -1;
            break;
        }
        char *s = trim(line);
        if (*s == '\0' || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, errlen, "%s: expected key = value", origin);
            rc = -1;
            break;
        }
        *eq = '\0';
        char *key = trim(s), *value = trim(eq + 1);
        size_t vlen = strlen(value);
        if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
            value[vlen - 1] = '\0';
            value++;
        }
        if (config_set(c, key, value, origin, err, errlen) < 0) {
            rc = -1;
            break;
        }
    }
    fclose(f);
    return rc;
}

static int config_apply_env(struct config *c, const char *prefix, bool per_area, char *err, size_t errlen)
{
    for (size_t i = 0; i < NKEYS; i++) {
        if (per_area && !config_keys[i].per_area)
            continue;
        char var[128];
        size_t n = (size_t)snprintf(var, sizeof(var), "PORTICO_%s", prefix);
        for (const char *k = config_keys[i].name; *k && n < sizeof(var) - 1; k++)
            var[n++] = (char)toupper((unsigned char)*k);
        var[n] = '\0';
        const char *v = getenv(var);
        if (v && config_apply(c, &config_keys[i], v, var, err, errlen) < 0)
            return -1;
    }
    return 0;
}

int config_load_area(struct config *c, const char *path, const char *area, char *err, size_t errlen)
{
    config_defaults(c);
    if (area)
        snprintf(c->area, sizeof(c->area), "%s", area);
    if (!path || !*path)
        path = getenv("PORTICO_CONFIG");
    if ((!path || !*path) && access(CONFIG_DEFAULT_PATH, R_OK) == 0)
        path = CONFIG_DEFAULT_PATH;
    /* general settings (file, then environment), then this area's (file, then environment):
     * an area's setting wins over a general one wherever each was made */
    if (path && *path) {
        if (config_read_file(c, path, err, errlen) < 0)
            return -1;
        snprintf(c->path, sizeof(c->path), "%s", path);
    }
    if (config_apply_env(c, "", false, err, errlen) < 0)
        return -1;
    if (!c->area[0])
        return 0;
    if (path && *path) {
        c->area_pass = true;
        int rc = config_read_file(c, path, err, errlen);
        c->area_pass = false;
        if (rc < 0)
            return -1;
    }
    char prefix[sizeof(c->area) + 1];
    size_t n = 0;
    for (const char *s = c->area; *s; s++)
        prefix[n++] = (char)toupper((unsigned char)*s);
    prefix[n++] = '_';
    prefix[n] = '\0';
    return config_apply_env(c, prefix, true, err, errlen);
}

int config_load(struct config *c, const char *path, char *err, size_t errlen)
{
    return config_load_area(c, path, NULL, err, errlen);
}

void config_print_reference(FILE *out)
{
    fprintf(out, "# Portico configuration: key = value; every key can be overridden by the\n"
                 "# environment variable PORTICO_<KEY>. Defaults are shown. Keys marked \"per area\"\n"
                 "# may also be set for one area (one handler: auth, iam, audit, ...) as\n"
                 "# <area>.<key> = value, or PORTICO_<AREA>_<KEY>, which wins over the general value.\n");
    for (size_t i = 0; i < NKEYS; i++) {
        const struct config_key *k = &config_keys[i];
        fprintf(out, "\n# %s", k->doc);
        if (k->type != CFG_STR)
            fprintf(out, " (%ld..%ld)", k->min, k->max);
        if (k->per_area)
            fprintf(out, "; per area");
        fprintf(out, "\n%s = %s\n", k->name, k->def);
    }
}
