/*
 * migrate: the migration runner used by `portico-admin migrate`.
 */
#include "admin/migrate.h"

#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/arena.h"

#define MIGRATE_MAX 1000
#define MIGRATE_MAX_BYTES (4 * 1024 * 1024)
#define MIGRATE_LOCK_SECONDS 120

struct migration {
    int version;
    char name[200];
    char checksum[65];
    char *sql;             /* file contents */
    /* from the table */
    bool applied;
    char applied_checksum[65];
    char applied_at[40];
};

static const char sql_bootstrap[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INT UNSIGNED NOT NULL PRIMARY KEY,"
    " name VARCHAR(200) NOT NULL,"
    " checksum CHAR(64) NOT NULL,"
    " applied_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),"
    " applied_by VARCHAR(200) NOT NULL"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
static const char sql_lock[] = "SELECT GET_LOCK(CONCAT('portico.migrate.', DATABASE()), ?)";
static const char sql_unlock[] = "SELECT RELEASE_LOCK(CONCAT('portico.migrate.', DATABASE()))";
static const char sql_applied[] =
    "SELECT version, checksum, DATE_FORMAT(applied_at, '%Y-%m-%dT%H:%i:%sZ') FROM schema_migrations ORDER BY version";
static const char sql_record[] =
    "INSERT INTO schema_migrations (version, name, checksum, applied_by) VALUES (?, ?, ?, ?)";
static const char sql_set_db[] = "SET @portico_db = DATABASE()";
static const char sql_set_user[] = "SET @portico_app_user = ?";
static const char sql_set_host[] = "SET @portico_app_host = ?";
static const char sql_set_password[] = "SET @portico_app_password = ?";

static int cmp_migration(const void *a, const void *b)
{
    return ((const struct migration *)a)->version - ((const struct migration *)b)->version;
}

/* NNNN_lowercase_name.sql */
static bool migration_name_ok(const char *n)
{
    size_t len = strlen(n);
    if (len < 10 || strcmp(n + len - 4, ".sql") != 0 || n[4] != '_')
        return false;
    for (int i = 0; i < 4; i++)
        if (n[i] < '0' || n[i] > '9')
            return false;
    for (size_t i = 5; i < len - 4; i++)
        if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= '0' && n[i] <= '9') || n[i] == '_'))
            return false;
    return true;
}

static char *file_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(MIGRATE_MAX_BYTES + 1);
    size_t n = buf ? fread(buf, 1, MIGRATE_MAX_BYTES + 1, f) : 0;
    fclose(f);
    if (!buf || n > MIGRATE_MAX_BYTES) {
        free(buf);
        errno = EFBIG;
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static void checksum_hex(const char *data, size_t len, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)data, len);
    sodium_bin2hex(out, 65, h, sizeof(h));
}

static void migrations_free(struct migration *m, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(m[i].sql);
    free(m);
}

/* Read dir into a sorted array. */
static int migrations_load(const char *dir, struct migration **out, size_t *count, struct problem *p)
{
    DIR *d = opendir(dir);
    if (!d)
        return problem_set(p, 500, "migrate", "cannot open %s: %s", dir, strerror(errno));
    struct migration *m = calloc(MIGRATE_MAX, sizeof(*m));
    size_t n = 0;
    struct dirent *e;
    int rc = 0;
    while (m && (e = readdir(d))) {
        if (e->d_name[0] == '.' || strcmp(e->d_name + (strlen(e->d_name) > 4 ? strlen(e->d_name) - 4 : 0), ".sql") != 0)
            continue;
        if (!migration_name_ok(e->d_name)) {
            rc = problem_set(p, 500, "migrate", "%s: migration files are named NNNN_lowercase_name.sql", e->d_name);
            break;
        }
        if (n == MIGRATE_MAX) {
            rc = problem_set(p, 500, "migrate", "more than %d migrations", MIGRATE_MAX);
            break;
        }
        char path[4096];
        size_t len;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        m[n].version = atoi(e->d_name);
        snprintf(m[n].name, sizeof(m[n].name), "%s", e->d_name);
        m[n].sql = file_read(path, &len);
        if (!m[n].sql) {
            rc = problem_set(p, 500, "migrate", "cannot read %s: %s", path, strerror(errno));
            break;
        }
        checksum_hex(m[n].sql, len, m[n].checksum);
        n++;
    }
    closedir(d);
    if (!m)
        return problem_set(p, 500, "migrate", "out of memory");
    if (rc < 0) {
        migrations_free(m, MIGRATE_MAX); /* calloc'd: unused entries hold NULL */
        return -1;
    }
    qsort(m, n, sizeof(*m), cmp_migration);
    for (size_t i = 1; i < n; i++) {
        if (m[i].version == m[i - 1].version) {
            problem_set(p, 500, "migrate", "%s and %s have the same number", m[i - 1].name, m[i].name);
            migrations_free(m, n);
            return -1;
        }
    }
    *out = m;
    *count = n;
    return 0;
}

/* Mark which migrations the table says are applied. Rows with no file are reported. */
static int migrations_match(struct db *db, struct arena *a, struct migration *m, size_t n,
                            FILE *out, struct problem *p)
{
    struct db_result r;
    if (db_query(db, a, sql_applied, NULL, 0, &r, p) < 0)
        return -1;
    for (size_t row = 0; row < r.nrows; row++) {
        int v = atoi(db_cell(&r, row, 0));
        bool found = false;
        for (size_t i = 0; i < n; i++) {
            if (m[i].version == v) {
                m[i].applied = true;
                snprintf(m[i].applied_checksum, sizeof(m[i].applied_checksum), "%s", db_cell(&r, row, 1));
                snprintf(m[i].applied_at, sizeof(m[i].applied_at), "%s", db_cell(&r, row, 2));
                found = true;
            }
        }
        if (!found && out)
            fprintf(out, "%04d  (no file)  applied %s: the database is newer than these files\n", v, db_cell(&r, row, 2));
    }
    return 0;
}

static int migrate_prepare(struct db *db, struct arena *a, const char *dir, struct migration **m,
                           size_t *n, FILE *out, struct problem *p)
{
    if (db_query(db, a, sql_bootstrap, NULL, 0, NULL, p) < 0)
        return -1;
    if (migrations_load(dir, m, n, p) < 0)
        return -1;
    if (migrations_match(db, a, *m, *n, out, p) < 0) {
        migrations_free(*m, *n);
        return -1;
    }
    return 0;
}

int migrate_status(struct db *db, const char *dir, FILE *out, struct problem *p)
{
    struct arena a;
    struct migration *m;
    size_t n;
    int rc = 0;

    arena_init(&a, 0);
    if (migrate_prepare(db, &a, dir, &m, &n, out, p) < 0) {
        arena_free(&a);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const char *state = "pending";
        if (m[i].applied)
            state = strcmp(m[i].applied_checksum, m[i].checksum) == 0 ? "applied" : "CHANGED since applied";
        if (!m[i].applied || strcmp(state, "applied") != 0)
            rc = 1;
        fprintf(out, "%04d  %-40s %s%s%s\n", m[i].version, m[i].name, state,
                m[i].applied ? " " : "", m[i].applied ? m[i].applied_at : "");
    }
    migrations_free(m, n);
    arena_free(&a);
    return rc;
}

static int migrate_session_vars(struct db *db, struct arena *a, const struct config *cfg, struct problem *p)
{
    struct db_value v;
    if (db_query(db, a, sql_set_db, NULL, 0, NULL, p) < 0)
        return -1;
    v = DB_TEXTV(cfg->db_user);
    if (db_query(db, a, sql_set_user, &v, 1, NULL, p) < 0)
        return -1;
    v = DB_TEXTV(cfg->app_db_host);
    if (db_query(db, a, sql_set_host, &v, 1, NULL, p) < 0)
        return -1;
    v = DB_TEXTV(cfg->db_password);
    return db_query(db, a, sql_set_password, &v, 1, NULL, p);
}

int migrate_apply(struct db *db, const struct config *cfg, const char *dir, FILE *out, struct problem *p)
{
    struct arena a;
    struct migration *m = NULL;
    size_t n = 0, applied = 0;
    struct db_result r;
    int rc = -1;

    arena_init(&a, 0);
    struct db_value timeout = DB_INTV(MIGRATE_LOCK_SECONDS);
    if (db_query(db, &a, sql_lock, &timeout, 1, &r, p) < 0)
        goto out;
    if (!db_cell(&r, 0, 0) || strcmp(db_cell(&r, 0, 0), "1") != 0) {
        problem_set(p, 409, "migrate", "another portico-admin migrate held the lock for %d s", MIGRATE_LOCK_SECONDS);
        goto out;
    }
    /* Read what is applied only now, under the lock: a run that waited sees the other's work. */
    if (migrate_prepare(db, &a, dir, &m, &n, NULL, p) < 0)
        goto unlock;
    for (size_t i = 0; i < n; i++) {
        if (m[i].applied && strcmp(m[i].applied_checksum, m[i].checksum) != 0) {
            problem_set(p, 409, "migrate", "%s changed after it was applied; add a new migration instead", m[i].name);
            goto unlock;
        }
    }
    char who[300], host[256] = "";
    gethostname(host, sizeof(host) - 1);
    snprintf(who, sizeof(who), "%s@%s", cfg->admin_db_user, host);
    for (size_t i = 0; i < n; i++) {
        if (m[i].applied)
            continue;
        if (migrate_session_vars(db, &a, cfg, p) < 0)
            goto unlock;
        fprintf(out, "applying %s ... ", m[i].name);
        fflush(out);
        if (db_exec_script(db, m[i].sql, p) < 0) {
            fprintf(out, "failed\n");
            char detail[sizeof(p->detail)];
            snprintf(detail, sizeof(detail), "%s", p->detail);
            snprintf(p->detail, sizeof(p->detail), "%s: %s", m[i].name, detail);
            goto unlock;
        }
        struct db_value rec[4] = { DB_INTV(m[i].version), DB_TEXTV(m[i].name), DB_TEXTV(m[i].checksum), DB_TEXTV(who) };
        if (db_query(db, &a, sql_record, rec, 4, NULL, p) < 0) {
            fprintf(out, "failed to record\n");
            goto unlock;
        }
        fprintf(out, "done\n");
        applied++;
    }
    if (applied)
        fprintf(out, "%zu migration(s) applied\n", applied);
    else
        fprintf(out, "nothing to do: the schema is up to date\n");
    rc = 0;
unlock:;
    struct problem ignore;
    problem_init(&ignore);
    db_query(db, &a, sql_unlock, NULL, 0, &r, &ignore);
out:
    if (m)
        migrations_free(m, n);
    arena_free(&a);
    return rc;
}
