/*
 * mariadb_database: a database and a user that may use only it, on the target server named by
 * the provision_mariadb_* settings.
 *
 * Ownership is the database's comment, "portico:<uid>" (information_schema.SCHEMATA): a
 * database that exists with another comment is never touched. The user has the database's name
 * (a template cannot name another), so owning the database is owning its user. A user that
 * already exists when this run made the database is someone else's: the new (empty) database
 * is dropped again and the step fails. Each apply sets a fresh password.
 *
 * MariaDB (10.11) prepares all these statements but binds no parameter in them: identifiers are
 * validated ([a-z0-9_], within the length limits) and quoted with backticks, the comment holds
 * only the validated uid, and the password is generated from [A-Za-z0-9] so it can be written
 * into the statement; statements that carry it never put the server's error text in d->error.
 * In GRANT, "_" in a database name is a wildcard: it is escaped there, so the grant is exactly
 * this database (and stays within the provisioner's own `p\_%` grant).
 * Arguments: database (required; the user has the same name). Remove: DROP USER IF EXISTS,
 * DROP DATABASE IF EXISTS, when the database is gone or its comment names this uid (another
 * resource's database is left alone, and that is success: nothing of this resource is there).
 * Outputs: host, port, socket (when one is used), database, user, password (secret).
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "lib/db.h"
#include "runner/drivers/driver.h"

#define MARIADB_DATABASE_MAX 64    /* MariaDB's limits on the full names */
#define MARIADB_USER_MAX 32
#define MARIADB_PASSWORD_LEN 32
#define MARIADB_ER_DB_CREATE_EXISTS 1007
#define MARIADB_ER_CANNOT_USER 1396

static const char schema_comment_sql[] = "SELECT SCHEMA_COMMENT FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?";

static bool identifier_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n < 1 || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

/* The host part of the users: a name, an address or a pattern, never a quote. */
static bool user_host_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 255)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
              strchr("._%:-", s[i])))
            return false;
    return true;
}


/* A placeholder's value: only what a database or user name may hold (the exact limits, which
 * depend on the prefix and the argument, are checked in apply). */
static const char *mariadb_escape(struct arena *a, const char *value, void *ctx)
{
    (void)a;
    (void)ctx;
    return identifier_ok(value, MARIADB_DATABASE_MAX) ? value : NULL;
}

struct mariadb_target {
    struct driver_run *d;
    struct config *cfg;     /* the settings with the target's server and account as db_* */
    struct db *db;
};

/* One statement. quiet: it carries the password, so the server's error text stays out of
 * d->error (a syntax error would quote the statement). Returns 0, or -1 with d->error and
 * *err the server's error number. */
static int mariadb_run(struct mariadb_target *t, const char *what, const char *sql, const struct db_value *params,
                       size_t nparams, struct db_result *out, bool quiet, unsigned *err)
{
    struct problem p;
    problem_init(&p);
    *err = 0;
    if (db_query(t->db, t->d->arena, sql, params, nparams, out, &p) == 0)
        return 0;
    *err = db_errno(t->db);
    if (quiet)
        return driver_fail(t->d, "%s failed (mariadb error %u)", what, *err);
    return driver_fail(t->d, "%s failed: %s", what, p.internal);
}

/* The database's comment: 1 with *comment when it exists, 0 when it does not, -1 failed. */
static int schema_comment(struct mariadb_target *t, const char *database, const char **comment)
{
    struct db_value name = DB_TEXTV(database);
    struct db_result r;
    unsigned err;
    if (mariadb_run(t, "reading the database's comment", schema_comment_sql, &name, 1, &r, false, &err) < 0)
        return -1;
    if (r.nrows == 0)
        return 0;
    *comment = db_cell(&r, 0, 0) ? db_cell(&r, 0, 0) : "";
    return 1;
}

static int mariadb_alive(struct driver_run *d)
{
    if (d->alive && d->alive(d) < 0)
        return driver_fail(d, "stopped: the job no longer runs here (cancelled, or its lease was lost)");
    return 0;
}

/* A password of [A-Za-z0-9] only, so it can be written into CREATE/ALTER USER. */
static char *password_generate(struct arena *a)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    char *pw = arena_alloc(a, MARIADB_PASSWORD_LEN + 1);
    if (!pw || sodium_init() < 0)
        return NULL;
    for (size_t i = 0; i < MARIADB_PASSWORD_LEN; i++)
        pw[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
    pw[MARIADB_PASSWORD_LEN] = '\0';
    return pw;
}

/* A database name as GRANT reads it: "_" is a wildcard there unless escaped. */
static char *grant_pattern(struct arena *a, const char *database)
{
    char *out = arena_alloc(a, strlen(database) * 2 + 1), *o = out;
    if (!out)
        return NULL;
    for (const char *c = database; *c; c++) {
        if (*c == '_' || *c == '%')
            *o++ = '\\';
        *o++ = *c;
    }
    *o = '\0';
    return out;
}

static int mariadb_remove(struct mariadb_target *t, const char *database, const char *account, int exists, const char *comment,
                          const char *mine)
{
    struct driver_run *d = t->d;
    unsigned err;
    if (exists && strcmp(comment, mine) != 0) {
        /* never this resource's (its provisioning was refused): nothing of it to take away */
        driver_logf(d, "the database %s is not this resource's: left alone", database);
        return 0;
    }
    const char *drop_user = arena_printf(d->arena, "DROP USER IF EXISTS %s", account);
    const char *drop_db = arena_printf(d->arena, "DROP DATABASE IF EXISTS `%s`", database);
    if (!drop_user || !drop_db)
        return driver_fail(d, "out of memory");
    if (mariadb_run(t, "DROP USER", drop_user, NULL, 0, NULL, false, &err) < 0 || mariadb_alive(d) < 0)
        return -1;
    if (mariadb_run(t, "DROP DATABASE", drop_db, NULL, 0, NULL, false, &err) < 0)
        return -1;
    driver_logf(d, exists ? "dropped the database %s and its user" : "the database %s was already gone; its user is dropped",
                database);
    return 0;
}

static int mariadb_provision(struct mariadb_target *t, const char *database, const char *user, const char *account,
                             int exists, const char *comment, const char *mine)
{
    struct driver_run *d = t->d;
    unsigned err;
    bool created = false;
    if (exists && strcmp(comment, mine) != 0)
        return driver_fail(d, "the database %s exists and is not this resource's", database);
    if (!exists) {
        const char *create = arena_printf(d->arena, "CREATE DATABASE `%s` COMMENT '%s'", database, mine);
        if (!create)
            return driver_fail(d, "out of memory");
        if (mariadb_run(t, "CREATE DATABASE", create, NULL, 0, NULL, false, &err) == 0) {
            created = true;
            driver_logf(d, "created the database %s", database);
        } else if (err != MARIADB_ER_DB_CREATE_EXISTS) {
            return -1;
        } else if (schema_comment(t, database, &comment) < 0) {   /* made meanwhile: whose? */
            return -1;
        } else if (strcmp(comment, mine) != 0) {
            return driver_fail(d, "the database %s exists and is not this resource's", database);
        } else {
            d->error[0] = '\0';
        }
    }
    if (mariadb_alive(d) < 0)
        return -1;

    char *password = password_generate(d->arena);
    if (!password)
        return driver_fail(d, "cannot generate a password");
    if (d->secret)
        d->secret(d, password);
    char *create_user = arena_printf(d->arena, "CREATE USER %s IDENTIFIED BY '%s'", account, password);
    char *alter_user = arena_printf(d->arena, "ALTER USER %s IDENTIFIED BY '%s'", account, password);
    char *pattern = grant_pattern(d->arena, database);
    char *grant = pattern ? arena_printf(d->arena, "GRANT ALL PRIVILEGES ON `%s`.* TO %s", pattern, account) : NULL;
    int rc = 0;
    if (!create_user || !alter_user || !grant) {
        rc = driver_fail(d, "out of memory");
    } else if (mariadb_run(t, "CREATE USER", create_user, NULL, 0, NULL, true, &err) == 0) {
        driver_logf(d, "created the user %s", user);
    } else if (err != MARIADB_ER_CANNOT_USER) {
        rc = -1;
    } else if (created) {
        /* the user was there before this resource's database: someone else's */
        const char *drop_db = arena_printf(d->arena, "DROP DATABASE IF EXISTS `%s`", database);
        unsigned ignored;
        if (drop_db)
            mariadb_run(t, "DROP DATABASE", drop_db, NULL, 0, NULL, false, &ignored);
        rc = driver_fail(d, "the user %s exists and is not this resource's", user);
    } else if (mariadb_run(t, "ALTER USER", alter_user, NULL, 0, NULL, true, &err) < 0) {
        rc = -1;
    } else {
        d->error[0] = '\0';   /* the refused CREATE USER was expected */
        driver_logf(d, "set a new password for the user %s", user);
    }
    if (rc == 0 && mariadb_run(t, "GRANT", grant, NULL, 0, NULL, false, &err) < 0)
        rc = -1;
    if (create_user)
        explicit_bzero(create_user, strlen(create_user));
    if (alter_user)
        explicit_bzero(alter_user, strlen(alter_user));
    if (rc < 0)
        return -1;

    const struct config *cfg = d->cfg;
    bool by_socket = !cfg->provision_mariadb_host[0] && cfg->provision_mariadb_socket[0];
    char port[16];
    snprintf(port, sizeof(port), "%d", cfg->provision_mariadb_port);
    json_object_object_add(d->outputs, "host",
                           json_object_new_string(cfg->provision_mariadb_host[0] ? cfg->provision_mariadb_host : "localhost"));
    json_object_object_add(d->outputs, "port", json_object_new_string(port));
    if (by_socket)
        json_object_object_add(d->outputs, "socket", json_object_new_string(cfg->provision_mariadb_socket));
    json_object_object_add(d->outputs, "database", json_object_new_string(database));
    json_object_object_add(d->outputs, "user", json_object_new_string(user));
    json_object_object_add(d->outputs, "password", json_object_new_string(password));
    explicit_bzero(password, MARIADB_PASSWORD_LEN);
    return 0;
}

static int mariadb_apply(struct driver_run *d)
{
    const struct config *cfg = d->cfg;
    if (!cfg->provision_mariadb_user[0])
        return driver_fail(d, "the mariadb_database driver is off (provision_mariadb_user is empty)");
    if (!driver_uid_ok(d->resource_uid))
        return driver_fail(d, "the resource uid is not 16 hexadecimal digits");
    const char *prefix = cfg->provision_mariadb_prefix;
    size_t pl = strlen(prefix);
    if (pl && !identifier_ok(prefix, MARIADB_USER_MAX - 1))
        return driver_fail(d, "provision_mariadb_prefix must be [a-z0-9_]");
    if (!user_host_ok(cfg->provision_mariadb_user_host))
        return driver_fail(d, "provision_mariadb_user_host must be a host name, address or pattern");
    /* The user is named after its database, never chosen apart: the database's comment says
     * which resource owns it, and so whose the user of that name is (users carry no owner a
     * provisioner may read). Names under the prefix are Portico's alone. */
    const char *db_arg = driver_arg(d, "database");
    if (!db_arg || !db_arg[0])
        return driver_fail(d, "the argument database is required");
    if (driver_arg(d, "user"))
        return driver_fail(d, "the user is named after the database: the argument user is not taken");
    if (!identifier_ok(db_arg, MARIADB_USER_MAX - pl))
        return driver_fail(d, "the database name must be [a-z0-9_]{1,%zu} (its user has the same name)", MARIADB_USER_MAX - pl);
    const char *database = arena_printf(d->arena, "%s%s", prefix, db_arg);
    const char *user = database;
    const char *account = arena_printf(d->arena, "`%s`@`%s`", user, cfg->provision_mariadb_user_host);
    const char *mine = arena_printf(d->arena, "portico:%s", d->resource_uid);
    struct config *target = arena_alloc(d->arena, sizeof(*target));
    if (!database || !user || !account || !mine || !target)
        return driver_fail(d, "out of memory");

    /* the handlers' connection code, pointed at the target with the provisioner's account */
    *target = *cfg;
    snprintf(target->db_socket, sizeof(target->db_socket), "%s", cfg->provision_mariadb_socket);
    snprintf(target->db_host, sizeof(target->db_host), "%s", cfg->provision_mariadb_host);
    target->db_port = cfg->provision_mariadb_port;
    snprintf(target->db_user, sizeof(target->db_user), "%s", cfg->provision_mariadb_user);
    snprintf(target->db_password, sizeof(target->db_password), "%s", cfg->provision_mariadb_password);
    target->db_name[0] = '\0';
    struct mariadb_target t = { d, target, db_new(target, DB_ROLE_APP) };
    int rc = -1;
    struct problem p;
    problem_init(&p);
    if (!t.db) {
        driver_fail(d, "out of memory");
    } else if (db_connect(t.db, &p) < 0) {
        driver_fail(d, "cannot connect to the MariaDB target: %s", p.internal);
    } else {
        const char *comment = "";
        int exists = schema_comment(&t, database, &comment);
        if (exists >= 0 && mariadb_alive(d) == 0)
            rc = d->remove ? mariadb_remove(&t, database, account, exists, comment, mine)
                           : mariadb_provision(&t, database, user, account, exists, comment, mine);
    }
    db_free(t.db);
    explicit_bzero(target, sizeof(*target));
    return rc;
}

const struct driver driver_mariadb_database = { "mariadb_database", mariadb_escape, mariadb_apply };
