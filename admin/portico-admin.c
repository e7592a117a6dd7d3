/*
 * portico-admin: the operator's tool. Wiring only: the work is in lib/ and admin/migrate.c.
 *
 *   portico-admin migrate [--status] [--sql-dir DIR] [--create-database]
 *   portico-admin config            print every setting with its default and meaning
 *   portico-admin config --path     the configuration file it would read
 *   portico-admin version | --version | -V
 *
 * The configuration file is the handlers' one (PORTICO_CONFIG or --config FILE); the tool
 * connects as admin_db_user.
 */
#include "build.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/examples.h"
#include "admin/migrate.h"
#include "admin/openapi.h"
#include "admin/keys.h"
#include "admin/secrets_io.h"
#include "admin/seed.h"
#include "lib/account.h"
#include "lib/team_group.h"
#include "lib/audit.h"
#include "lib/authz.h"
#include "lib/password.h"
#include "lib/token.h"
#include "lib/config.h"
#include "lib/db.h"
#include "lib/problem.h"
#include "lib/schema_version.h"

#ifndef PORTICO_SQL_DIR
#define PORTICO_SQL_DIR "/usr/local/share/portico/sql"
#endif

static void usage(FILE *out)
{
    fprintf(out,
            "usage: portico-admin [--config FILE] COMMAND [options]\n"
            "\n"
            "commands:\n"
            "  migrate [--sql-dir DIR] [--create-database]\n"
            "                                    apply pending database migrations (first creating\n"
            "                                    the database when asked)\n"
            "  migrate --status [--sql-dir DIR]  list migrations and their state (exit 1 if any pending)\n"
            "  audit verify                      check the audit log's hash chain (exit 1: broken)\n"
            "  create-admin [--username NAME] [--email ADDR] [--password-stdin] [--if-missing]\n"
            "                                    create a user with the global admin role; the password\n"
            "                                    is read from stdin or generated and printed once\n"
            "  create-user NAME [--role ROLE] [--email ADDR] [--password-stdin]\n"
            "                                    create a user, with a global role if one is named\n"
            "  reset-password USER               a temporary password (printed once) that USER (a username\n"
            "                                    or email) must change at the first login; ends their sessions\n"
            "  sync-team-groups                  give every team its Group in the catalog, or bring it in step\n"
            "                                    (Groups written by hand or from a location are left alone)\n"
            "  seed --entities N [--replace]     a generated catalog of N entities (namespace seed, kept if\n"
            "                                    one of that size is there) with teams, for benchmarks\n"
            "  init-master-key [--if-missing]    write the master key file (master_key_file) that seals\n"
            "                                    secrets; never overwrites one\n"
            "  rotate-master-key [--prune]       add a new master key, wrap every secret's data key again\n"
            "                                    under it while serving, drop old keys no longer used\n"
            "                                    (--prune: only drop the unused ones)\n"
            "  secrets export FILE | import FILE a backup of every secret, sealed under the master key;\n"
            "                                    import adds the paths not there yet\n"
            "  templates install-examples [--dir DIR]\n"
            "                                    publish the example templates (or DIR's *.xml) for the\n"
            "                                    team platform, made when missing; what is there stays\n"
            "  config                            print every setting, its default and its meaning\n"
            "  config --path                     print the configuration file it reads (as below)\n"
            "  openapi ROUTES.json...            the OpenAPI document from handlers' --routes output\n"
            "  version, --version, -V            print the name, the version and the schema it expects\n"
            "\n"
            "The configuration file is --config FILE, else $PORTICO_CONFIG, else %s.\n"
            "Migrations are read from --sql-dir, else $PORTICO_SQL_DIR, else %s.\n",
            CONFIG_DEFAULT_PATH, PORTICO_SQL_DIR);
}

static int fail(const struct problem *p)
{
    fprintf(stderr, "portico-admin: %s\n", p->detail[0] ? p->detail : "failed");
    if (p->internal[0])
        fprintf(stderr, "portico-admin: %s\n", p->internal);
    return 2;
}

/* CREATE DATABASE IF NOT EXISTS for cfg->db_name, connected without a default database. */
static int database_create(const struct config *cfg, struct problem *p)
{
    static struct config nodb;
    char sql[256], quoted[2 * sizeof(cfg->db_name) + 3];
    size_t q = 0;

    /* The name comes from the operator's configuration; quote it as an identifier anyway. */
    quoted[q++] = '`';
    for (const char *s = cfg->db_name; *s; s++) {
        if (*s == '`')
            quoted[q++] = '`';
        quoted[q++] = *s;
    }
    quoted[q++] = '`';
    quoted[q] = '\0';
    snprintf(sql, sizeof(sql), "CREATE DATABASE IF NOT EXISTS %s CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci", quoted);

    nodb = *cfg;
    nodb.db_name[0] = '\0';
    struct db *db = db_new(&nodb, DB_ROLE_ADMIN);
    if (!db)
        return problem_set(p, 500, "internal", "out of memory");
    int rc = db_exec_script(db, sql, p);
    db_free(db);
    return rc;
}

static int cmd_migrate(const struct config *cfg, int argc, char **argv)
{
    bool status = false, create = false;
    const char *dir = getenv("PORTICO_SQL_DIR");
    if (!dir || !*dir)
        dir = PORTICO_SQL_DIR;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--status") == 0) {
            status = true;
        } else if (strcmp(argv[i], "--create-database") == 0) {
            create = true;
        } else if (strcmp(argv[i], "--sql-dir") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else {
            fprintf(stderr, "portico-admin migrate: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    struct db *db = db_new(cfg, DB_ROLE_ADMIN);
    struct problem p;
    problem_init(&p);
    if (!db) {
        fprintf(stderr, "portico-admin: out of memory\n");
        return 2;
    }
    if (create && database_create(cfg, &p) < 0) {
        db_free(db);
        return fail(&p);
    }
    int rc = status ? migrate_status(db, dir, stdout, &p) : migrate_apply(db, cfg, dir, stdout, &p);
    db_free(db);
    if (rc < 0)
        return fail(&p);
    return rc;
}

static int cmd_audit_verify(const struct config *cfg)
{
    struct problem p;
    unsigned long long broken, checked;
    problem_init(&p);
    struct db *db = db_new(cfg, DB_ROLE_ADMIN);
    if (!db)
        return 2;
    int rc = audit_verify(db, &broken, &checked, &p);
    db_free(db);
    if (rc < 0)
        return fail(&p);
    if (rc == 1) {
        printf("audit chain BROKEN at event %llu (%llu events checked before it)\n", broken, checked ? checked - 1 : 0);
        return 1;
    }
    printf("audit chain intact: %llu events\n", checked);
    return 0;
}

static const char sql_admin_exists[] =
    "SELECT u.username FROM role_bindings b JOIN users u ON u.id = b.subject_id "
    "WHERE b.subject_type = 'user' AND b.role = 'admin' AND b.scope_type = 'global' "
    "AND u.disabled_at IS NULL ORDER BY u.id LIMIT 1";
static const char sql_user_insert[] =
    "INSERT INTO users (username, email, display_name, kind, password_hash, password_changed_at) "
    "VALUES (?, ?, 'Administrator', 'human', ?, UTC_TIMESTAMP(6))";
static const char sql_bind_role[] =
    "INSERT INTO role_bindings (subject_type, subject_id, role, scope_type, scope_id) "
    "VALUES ('user', ?, ?, 'global', '')";

/* create-admin and create-user: a user with a global role (none for create-user without
 * --role); the password from stdin or generated and printed once. */
static int cmd_create_user(const struct config *cfg, const char *role, int argc, char **argv)
{
    const char *username = "admin", *email = NULL;
    bool from_stdin = false, if_missing = false;
    char pw[PASSWORD_MAX_LEN + 2], why[128], hash[PASSWORD_HASH_MAX];

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--username") == 0 && i + 1 < argc)
            username = argv[++i];
        else if (strcmp(argv[i], "--email") == 0 && i + 1 < argc)
            email = argv[++i];
        else if (strcmp(argv[i], "--password-stdin") == 0)
            from_stdin = true;
        else if (strcmp(argv[i], "--if-missing") == 0 && role && strcmp(role, "admin") == 0)
            if_missing = true;
        else if (strcmp(argv[i], "--role") == 0 && i + 1 < argc)
            role = argv[++i];
        else {
            fprintf(stderr, "portico-admin: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (role && !authz_role_has(NULL, role, "catalog.entity.read")) {
        fprintf(stderr, "portico-admin: unknown role %s (viewer, developer, maintainer, admin)\n", role);
        return 2;
    }
    if (!*username || strlen(username) > 64) {
        fprintf(stderr, "portico-admin create-admin: the username must be 1 to 64 characters\n");
        return 2;
    }
    struct problem p;
    struct arena a;
    struct db_result r;
    problem_init(&p);
    arena_init(&a, 0);
    struct db *db = db_new(cfg, DB_ROLE_ADMIN);
    int rc = 2;
    if (!db)
        goto out;
    if (if_missing) {
        if (db_query(db, &a, sql_admin_exists, NULL, 0, &r, &p) < 0) {
            rc = fail(&p);
            goto out;
        }
        if (r.nrows) {
            printf("an administrator exists already: %s\n", db_cell(&r, 0, 0));
            rc = 0;
            goto out;
        }
    }
    if (from_stdin) {
        if (!fgets(pw, sizeof(pw), stdin)) {
            fprintf(stderr, "portico-admin create-admin: no password on standard input\n");
            goto out;
        }
        pw[strcspn(pw, "\r\n")] = '\0';
    } else if (token_new(pw, sizeof(pw), "", 18) < 0) {
        fprintf(stderr, "portico-admin create-admin: no randomness\n");
        goto out;
    }
    if (password_check_policy(pw, strlen(pw), why, sizeof(why)) < 0) {
        fprintf(stderr, "portico-admin create-admin: the password %s\n", why);
        goto out;
    }
    if (password_hash(pw, strlen(pw), &password_default, hash) < 0) {
        fprintf(stderr, "portico-admin create-admin: hashing failed\n");
        goto out;
    }
    struct db_value uv[3] = { DB_TEXTV(username), email ? DB_TEXTV(email) : DB_NULLV, DB_TEXTV(hash) };
    struct db_result ins;
    if (db_begin(db, &p) < 0 || db_query(db, &a, sql_user_insert, uv, 3, &ins, &p) < 0) {
        if (db_errno(db) == 1062)
            snprintf(p.detail, sizeof(p.detail), "a user named %s (or with that email) exists already", username);
        db_rollback(db, &p);
        rc = fail(&p);
        goto out;
    }
    struct db_value bv[2] = { DB_INTV((long long)ins.insert_id), DB_TEXTV(role ? role : "") };
    char uid[24];
    snprintf(uid, sizeof(uid), "%llu", ins.insert_id);
    struct audit_event ev = audit_admin_event("iam.user.create", "user", uid,
                                              arena_printf(&a, "{\"role\":\"%s\",\"scope\":\"global\",\"via\":\"portico-admin\"}",
                                                           role ? role : ""));
    if ((role && db_query(db, &a, sql_bind_role, bv, 2, NULL, &p) < 0) || audit_append(db, &a, &ev, &p) < 0 ||
        db_commit(db, &p) < 0) {
        db_rollback(db, &p);
        rc = fail(&p);
        goto out;
    }
    printf("created %s %s\n", role && strcmp(role, "admin") == 0 ? "administrator" : "user", username);
    if (!from_stdin)
        printf("password: %s\n(shown once: store it now)\n", pw);
    rc = 0;
out:
    sodium_memzero(pw, sizeof(pw));
    db_free(db);
    arena_free(&a);
    return rc;
}

static const char sql_user_by_login[] = "SELECT id, username FROM users WHERE username = ? OR email = ? LIMIT 1";

/* The operator's way back for a forgotten password (the admin's own included): lib/account's
 * reset, audited as portico-admin. */
static int cmd_reset_password(const struct config *cfg, int argc, char **argv)
{
    if (argc != 1 || argv[0][0] == '-' || strlen(argv[0]) > 254) {
        fprintf(stderr, "portico-admin reset-password: name one user (username or email)\n");
        return 2;
    }
    struct problem p;
    struct arena a;
    struct db_result r;
    char temp[ACCOUNT_TEMP_PASSWORD_MAX] = "";
    long long sessions = 0;
    problem_init(&p);
    arena_init(&a, 0);
    struct db *db = db_new(cfg, DB_ROLE_ADMIN);
    int rc = 2;
    struct db_value v[2] = { DB_TEXTV(argv[0]), DB_TEXTV(argv[0]) };
    if (!db)
        goto out;
    if (db_query(db, &a, sql_user_by_login, v, 2, &r, &p) < 0) {
        rc = fail(&p);
        goto out;
    }
    if (r.nrows == 0) {
        fprintf(stderr, "portico-admin reset-password: no user %s\n", argv[0]);
        goto out;
    }
    const char *uid = db_cell(&r, 0, 0), *name = db_cell(&r, 0, 1);
    struct audit_event ev = audit_admin_event("iam.user.password_reset", "user", uid,
                                              arena_printf(&a, "{\"username\":\"%s\",\"via\":\"portico-admin\","
                                                               "\"must_change_password\":true}", name));
    if (db_begin(db, &p) < 0 || account_password_reset(db, &a, atoll(uid), temp, &sessions, &p) < 0 ||
        audit_append(db, &a, &ev, &p) < 0 || db_commit(db, &p) < 0) {
        db_rollback(db, &p);
        rc = fail(&p);
        goto out;
    }
    printf("reset the password of %s (%lld session(s) ended)\n", name, sessions);
    printf("temporary password: %s\n(shown once: it must be changed at the first login)\n", temp);
    rc = 0;
out:
    sodium_memzero(temp, sizeof(temp));
    db_free(db);
    arena_free(&a);
    return rc;
}

/* Teams made before their Groups were (migration 0019), or Groups deleted by hand: each team's
 * Group written as lib/team_group keeps it, in one transaction. */
static int cmd_sync_team_groups(const struct config *cfg)
{
    struct problem p;
    struct arena a;
    struct db_result r;
    problem_init(&p);
    arena_init(&a, 0);
    struct db *db = db_new(cfg, DB_ROLE_ADMIN);
    int rc = 2;
    size_t kept = 0, foreign = 0, none = 0;
    if (!db)
        goto out;
    if (db_begin(db, &p) < 0 || db_query(db, &a, "SELECT name FROM teams ORDER BY name", NULL, 0, &r, &p) < 0) {
        db_rollback(db, &p);
        rc = fail(&p);
        goto out;
    }
    struct audit_event actor = audit_admin_event("", "entity", NULL, NULL);
    for (size_t i = 0; i < r.nrows; i++) {
        enum team_group_state st;
        if (team_group_sync(db, &a, &actor, db_cell(&r, i, 0), &st, &p) < 0) {
            db_rollback(db, &p);
            rc = fail(&p);
            goto out;
        }
        kept += st == TEAM_GROUP_KEPT;
        foreign += st == TEAM_GROUP_FOREIGN;
        none += st == TEAM_GROUP_NONE;
    }
    if (db_commit(db, &p) < 0) {
        rc = fail(&p);
        goto out;
    }
    printf("%zu team(s): %zu Group(s) kept in step, %zu left alone (written by hand or from a location), %zu without one "
           "(not a catalog name)\n", r.nrows, kept, foreign, none);
    rc = 0;
out:
    db_free(db);
    arena_free(&a);
    return rc;
}

static int cmd_openapi(int argc, char **argv)
{
    char err[256];
    json_object *doc = openapi_document_new(PACKAGE_VERSION);
    for (int i = 0; i < argc; i++) {
        json_object *routes = json_object_from_file(argv[i]);
        if (!routes || openapi_add_routes(doc, routes, err, sizeof(err)) < 0) {
            fprintf(stderr, "portico-admin openapi: %s: %s\n", argv[i], routes ? err : "not JSON");
            json_object_put(routes);
            json_object_put(doc);
            return 2;
        }
        json_object_put(routes);
    }
    openapi_document_done(doc);
    puts(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(doc);
    return 0;
}

int main(int argc, char **argv)
{
    const char *config_path = NULL;
    int i = 1;

    if (i + 1 < argc && strcmp(argv[i], "--config") == 0) {
        config_path = argv[i + 1];
        i += 2;
    }
    if (i >= argc) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[i++];
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("portico-admin %s (schema %d)\n", PACKAGE_VERSION, PORTICO_SCHEMA_VERSION);
        return 0;
    }
    if (strcmp(cmd, "config") == 0 && i < argc && strcmp(argv[i], "--path") == 0) {
        /* the lookup of config_load: --config, else $PORTICO_CONFIG, else the built-in path */
        const char *env = getenv("PORTICO_CONFIG");
        puts(config_path ? config_path : env && *env ? env : CONFIG_DEFAULT_PATH);
        return 0;
    }
    if (strcmp(cmd, "config") == 0) {
        config_print_reference(stdout);
        return 0;
    }
    if (strcmp(cmd, "openapi") == 0)
        return cmd_openapi(argc - i, argv + i);
    if (sodium_init() < 0) {
        fprintf(stderr, "portico-admin: libsodium failed to initialise\n");
        return 2;
    }
    static struct config cfg;
    char err[512];
    if (config_load(&cfg, config_path, err, sizeof(err)) < 0) {
        fprintf(stderr, "portico-admin: %s\n", err);
        return 2;
    }
    if (strcmp(cmd, "migrate") == 0)
        return cmd_migrate(&cfg, argc - i, argv + i);
    if (strcmp(cmd, "create-admin") == 0)
        return cmd_create_user(&cfg, "admin", argc - i, argv + i);
    if (strcmp(cmd, "create-user") == 0) {
        if (i >= argc || argv[i][0] == '-') {
            fprintf(stderr, "portico-admin create-user: name the user\n");
            return 2;
        }
        char *uargv[16];
        int uargc = 0;
        uargv[uargc++] = "--username";
        uargv[uargc++] = argv[i];
        for (int k = i + 1; k < argc && uargc < 15; k++)
            uargv[uargc++] = argv[k];
        return cmd_create_user(&cfg, NULL, uargc, uargv);
    }
    if (strcmp(cmd, "sync-team-groups") == 0)
        return cmd_sync_team_groups(&cfg);
    if (strcmp(cmd, "reset-password") == 0)
        return cmd_reset_password(&cfg, argc - i, argv + i);
    if (strcmp(cmd, "seed") == 0)
        return cmd_seed(&cfg, argc - i, argv + i);
    if (strcmp(cmd, "init-master-key") == 0)
        return cmd_init_master_key(&cfg, argc - i, argv + i);
    if (strcmp(cmd, "rotate-master-key") == 0)
        return cmd_rotate_master_key(&cfg, argc - i, argv + i);
    if (strcmp(cmd, "secrets") == 0)
        return cmd_secrets(&cfg, argc - i, argv + i);
    if (strcmp(cmd, "templates") == 0)
        return cmd_templates(&cfg, argc - i, argv + i);
    if (strcmp(cmd, "audit") == 0 && i < argc && strcmp(argv[i], "verify") == 0)
        return cmd_audit_verify(&cfg);

    fprintf(stderr, "portico-admin: unknown command %s\n", cmd);
    usage(stderr);
    return 2;
}
