/*
 * config: one file of `key = value` lines, then environment overrides.
 *
 * Format: one setting per line; `#` starts a comment line; blank lines are ignored;
 * whitespace around key and value is trimmed; a value may be wrapped in double quotes to
 * keep leading or trailing spaces. Unknown keys and out-of-range numbers are errors, so a
 * typo never silently falls back to a default. Every key can be overridden by the
 * environment variable PORTICO_<KEY> in upper case (db_host -> PORTICO_DB_HOST).
 * PORTICO_CONFIG names the file; without it, CONFIG_DEFAULT_PATH is read if it exists.
 *
 * The table in config.c is the single source of the keys, their defaults and their docs:
 * `portico-admin config` prints it, and README's reference is made from that output.
 */
#ifndef PORTICO_CONFIG_H
#define PORTICO_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The build passes $(sysconfdir)/portico/portico.conf (Makefile.am), which the installed units
 * name too; this is that path for the default prefix. */
#ifndef CONFIG_DEFAULT_PATH
#define CONFIG_DEFAULT_PATH "/usr/local/etc/portico/portico.conf"
#endif

struct config {
    /* database, as the handlers see it */
    char db_socket[256];
    char db_host[256];
    int db_port;
    char db_name[65];
    char db_user[81];
    char db_password[256];
    int db_connect_timeout;
    int db_read_timeout;
    int db_write_timeout;
    /* database, as portico-admin sees it (migrations, grants) */
    char admin_db_user[81];
    char admin_db_password[256];
    char app_db_host[256];          /* host part of the handlers' account, for CREATE USER */
    /* HTTP */
    long body_max_bytes;
    int json_max_depth;
    int check_answers;
    long cicd_hook_max_bytes;
    int cicd_hook_per_minute;
    int cicd_hook_burst;
    long cicd_report_max_bytes;
    int cicd_deploy_allow_loopback, cicd_deploy_allow_private;
    int cicd_deploy_settle_hours;
    int retry_after;
    /* sessions and logins */
    int session_idle_seconds;
    int session_absolute_seconds;
    int login_max_failures;
    int login_max_failures_address;
    int login_max_failures_account;
    int login_device_days;
    int login_lockout_seconds;
    /* rate limits (0: off) */
    int ratelimit_per_minute;
    int ratelimit_anonymous_per_minute;
    int ratelimit_burst;
    /* catalog */
    long catalog_import_max_bytes;
    char catalog_location_roots[1024];
    int catalog_sync_seconds;
    int catalog_orphan_guard_percent;
    int catalog_instance_ttl_seconds;
    int catalog_deregister_seconds;
    /* secrets */
    char master_key_file[1024];
    int secret_versions_default;
    /* runner */
    int runner_poll_seconds;
    int runner_job_poll_ms;
    int runner_max_seconds;
    char runner_lock_file[512];
    int runner_batch;
    int runner_lease_seconds;
    int runner_max_attempts;
    int runner_backoff_seconds;
    int runner_backoff_max_seconds;
    /* provisioning */
    char provision_notify_before[256];
    char provision_mariadb_socket[256];
    char provision_mariadb_host[256];
    int provision_mariadb_port;
    char provision_mariadb_user[81];
    char provision_mariadb_password[256];
    char provision_mariadb_user_host[256];
    char provision_mariadb_prefix[17];
    char provision_git_root[512];
    char provision_git_skeletons[512];
    char provision_git_archive[512];
    char provision_exec_root[512];
    char provision_exec_programs[1024];
    char provision_example_programs[512];
    int provision_exec_cpu_seconds;
    int provision_exec_memory_mb;
    int provision_exec_file_mb;
    int provision_exec_processes;
    int provision_webhook_allow_loopback;
    int provision_webhook_allow_private;
    int provision_step_timeout_seconds;
    /* logging */
    char log_file[512];
    /* health checks */
    int health_allow_loopback, health_allow_private;
    /* metrics */
    char metrics_dir[512];
    char metrics_allow[1024];
    /* alerts and dashboards */
    char prometheus_url[512];
    char prometheus_entity_label[64];
    int prometheus_timeout_seconds;
    int alert_webhook_allow_loopback, alert_webhook_allow_private;
    char public_url[512];
    char path[512];                 /* the file that was read; "" if none */
    char area[32];                  /* the area whose "<area>.<key>" settings apply; "" for none */
    bool area_pass;                 /* (while reading: the pass that applies the area's settings) */
};

/* Fill c with the defaults. */
void config_defaults(struct config *c);

/* Defaults, then the file at path (NULL: $PORTICO_CONFIG, else the default path if it
 * exists), then environment overrides. Returns 0, or -1 with a message in err. */
int config_load(struct config *c, const char *path, char *err, size_t errlen);

/* config_load for one area (a handler: "iam", "auth", ...): its "<area>.<key> = value" lines
 * and PORTICO_<AREA>_<KEY> variables then override the general settings, for the keys that may
 * be set per area (the rate limits). Other areas' lines are checked but not applied. */
int config_load_area(struct config *c, const char *path, const char *area, char *err, size_t errlen);

/* Apply one `key`=`value`; origin names where it came from, for the message. */
int config_set(struct config *c, const char *key, const char *value, const char *origin,
               char *err, size_t errlen);

/* Print every key with its default and documentation, as a commented config file. */
void config_print_reference(FILE *out);

#endif
