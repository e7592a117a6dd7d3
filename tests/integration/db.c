/*
 * Integration suite for lib/db against the real MariaDB of the test stack: prepared
 * statements with every parameter type, NULLs, long values, the statement cache,
 * transactions, the one safe retry after a lost connection, and the refusal to retry
 * inside a transaction. Works in a scratch database that it creates and drops.
 *
 * Environment: PORTICO_CONFIG (the stack's configuration; admin_db_user is used),
 * PORTICO_TEST_SUMMARY (file to append "passed failed" to).
 */
#include <CUnit/Basic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/arena.h"
#include "lib/audit.h"
#include "lib/config.h"
#include "lib/db.h"
#include "lib/problem.h"
#include "lib/authz.h"
#include "lib/ratelimit.h"
#include "lib/secrets.h"
#include "tests/summary.h"

#define SCRATCH_DB "portico_dbtest"

static struct config cfg;   /* the scratch database, as admin */
static struct arena arena;

static int suite_init(void)
{
    char err[512];
    struct config nodb;
    struct problem p;

    if (config_load(&cfg, NULL, err, sizeof(err)) < 0) {
        fprintf(stderr, "db-tests: %s\n", err);
        return -1;
    }
    nodb = cfg;
    nodb.db_name[0] = '\0';
    problem_init(&p);
    struct db *db = db_new(&nodb, DB_ROLE_ADMIN);
    int rc = db_exec_script(db, "DROP DATABASE IF EXISTS " SCRATCH_DB "; CREATE DATABASE " SCRATCH_DB, &p);
    db_free(db);
    if (rc < 0) {
        fprintf(stderr, "db-tests: %s / %s\n", p.detail, p.internal);
        return -1;
    }
    snprintf(cfg.db_name, sizeof(cfg.db_name), "%s", SCRATCH_DB);
    arena_init(&arena, 0);
    return 0;
}

static int suite_clean(void)
{
    struct config nodb = cfg;
    struct problem p;
    nodb.db_name[0] = '\0';
    problem_init(&p);
    struct db *db = db_new(&nodb, DB_ROLE_ADMIN);
    db_exec_script(db, "DROP DATABASE IF EXISTS " SCRATCH_DB, &p);
    db_free(db);
    arena_free(&arena);
    return 0;
}

static struct db *admin(void)
{
    return db_new(&cfg, DB_ROLE_ADMIN);
}

static void test_params_and_results(void)
{
    struct db *db = admin();
    struct problem p;
    struct db_result r;
    problem_init(&p);
    CU_ASSERT_EQUAL_FATAL(db_exec_script(db, "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, "
                                             "n BIGINT NULL, s VARCHAR(4000) NULL, b VARBINARY(100) NULL)", &p), 0);
    static const char ins[] = "INSERT INTO t (n, s, b) VALUES (?, ?, ?)";
    char longtext[3000];
    memset(longtext, 'x', sizeof(longtext) - 1);
    longtext[sizeof(longtext) - 1] = '\0';
    longtext[0] = 'L';
    const char bin[] = { 'a', '\0', 'b', '\'' };
    struct db_value v1[3] = { DB_INTV(-9007199254740993LL), DB_TEXTV("h\xc3\xa9llo ' \" \\ ;"), DB_BLOBV(bin, sizeof(bin)) };
    CU_ASSERT_EQUAL(db_query(db, &arena, ins, v1, 3, &r, &p), 0);
    CU_ASSERT_EQUAL(r.affected, 1);
    CU_ASSERT_EQUAL(r.insert_id, 1);
    struct db_value v2[3] = { DB_NULLV, DB_TEXTV(longtext), DB_NULLV };
    CU_ASSERT_EQUAL(db_query(db, &arena, ins, v2, 3, &r, &p), 0);
    CU_ASSERT_EQUAL(r.insert_id, 2);

    static const char sel[] = "SELECT id, n, s, b FROM t WHERE id >= ? ORDER BY id";
    struct db_value from = DB_INTV(1);
    CU_ASSERT_EQUAL_FATAL(db_query(db, &arena, sel, &from, 1, &r, &p), 0);
    CU_ASSERT_EQUAL_FATAL(r.nrows, 2);
    CU_ASSERT_EQUAL(r.ncols, 4);
    CU_ASSERT_STRING_EQUAL(r.names[2], "s");
    CU_ASSERT_STRING_EQUAL(db_cell(&r, 0, 1), "-9007199254740993");
    CU_ASSERT_STRING_EQUAL(db_cell(&r, 0, 2), "h\xc3\xa9llo ' \" \\ ;");
    CU_ASSERT_EQUAL(r.cells[0 * 4 + 3].len, sizeof(bin));
    CU_ASSERT_EQUAL(memcmp(db_cell(&r, 0, 3), bin, sizeof(bin)), 0);
    CU_ASSERT_PTR_NULL(db_cell(&r, 1, 1));          /* SQL NULL */
    CU_ASSERT_PTR_NULL(db_cell(&r, 1, 3));
    CU_ASSERT_STRING_EQUAL(db_cell(&r, 1, 2), longtext); /* longer than the first fetch buffer */
    CU_ASSERT_EQUAL(r.cells[1 * 4 + 2].len, strlen(longtext));
    CU_ASSERT_PTR_NULL(db_cell(&r, 2, 0));          /* out of range */

    /* wrong parameter count is an error, not a crash */
    problem_init(&p);
    CU_ASSERT_EQUAL(db_query(db, &arena, sel, NULL, 0, &r, &p), -1);
    CU_ASSERT_EQUAL(p.status, 500);
    /* a failing statement is a 500 with the reason kept for the log only */
    problem_init(&p);
    CU_ASSERT_EQUAL(db_query(db, &arena, "SELECT * FROM no_such_table", NULL, 0, &r, &p), -1);
    CU_ASSERT_EQUAL(p.status, 500);
    CU_ASSERT_PTR_NULL(strstr(p.detail, "no_such_table"));
    CU_ASSERT_PTR_NOT_NULL(strstr(p.internal, "no_such_table"));
    CU_ASSERT_EQUAL(db_errno(db), 1146);
    db_free(db);
}

static void test_statement_cache(void)
{
    /* more distinct statements than the cache holds: evictions keep every one working */
    struct db *db = admin();
    struct problem p;
    struct db_result r;
    static char sql[80][64];
    problem_init(&p);
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 80; i++) {
            snprintf(sql[i], sizeof(sql[i]), "SELECT %d + ?", i);
            struct db_value v = DB_INTV(round);
            CU_ASSERT_EQUAL_FATAL(db_query(db, &arena, sql[i], &v, 1, &r, &p), 0);
            CU_ASSERT_EQUAL(atoi(db_cell(&r, 0, 0)), i + round);
        }
        arena_reset(&arena);
    }
    /* one buffer, different statements (as a request's arena gives a later request the same
     * address): the cache must go by the text, not the address */
    char buf[64];
    snprintf(buf, sizeof(buf), "SELECT 40");
    CU_ASSERT_EQUAL_FATAL(db_query(db, &arena, buf, NULL, 0, &r, &p), 0);
    snprintf(buf, sizeof(buf), "SELECT 1 + ?");
    struct db_value one = DB_INTV(1);
    CU_ASSERT_EQUAL_FATAL(db_query(db, &arena, buf, &one, 1, &r, &p), 0);
    CU_ASSERT_STRING_EQUAL(db_cell(&r, 0, 0), "2");
    db_free(db);
}

static void test_transactions(void)
{
    struct db *db = admin();
    struct problem p;
    struct db_result r;
    problem_init(&p);
    CU_ASSERT_EQUAL_FATAL(db_exec_script(db, "CREATE TABLE tx (k VARCHAR(10) PRIMARY KEY) ENGINE=InnoDB", &p), 0);
    static const char ins[] = "INSERT INTO tx (k) VALUES (?)";
    static const char count[] = "SELECT COUNT(*) FROM tx";
    struct db_value a = DB_TEXTV("a"), b = DB_TEXTV("b"), c = DB_TEXTV("c");

    CU_ASSERT_EQUAL(db_begin(db, &p), 0);
    CU_ASSERT_TRUE(db_in_transaction(db));
    CU_ASSERT_EQUAL(db_query(db, &arena, ins, &a, 1, NULL, &p), 0);
    CU_ASSERT_EQUAL(db_rollback(db, &p), 0);
    CU_ASSERT_FALSE(db_in_transaction(db));
    CU_ASSERT_EQUAL(db_query(db, &arena, count, NULL, 0, &r, &p), 0);
    CU_ASSERT_STRING_EQUAL(db_cell(&r, 0, 0), "0");

    CU_ASSERT_EQUAL(db_begin(db, &p), 0);
    CU_ASSERT_EQUAL(db_query(db, &arena, ins, &b, 1, NULL, &p), 0);
    CU_ASSERT_EQUAL(db_commit(db, &p), 0);
    CU_ASSERT_EQUAL(db_query(db, &arena, count, NULL, 0, &r, &p), 0);
    CU_ASSERT_STRING_EQUAL(db_cell(&r, 0, 0), "1");

    /* a duplicate key is reported with its number, so callers can answer 409 */
    problem_init(&p);
    CU_ASSERT_EQUAL(db_query(db, &arena, ins, &b, 1, NULL, &p), -1);
    CU_ASSERT_EQUAL(db_errno(db), 1062);

    /* a transaction left open by a handler is rolled back at the end of the request */
    problem_init(&p);
    CU_ASSERT_EQUAL(db_begin(db, &p), 0);
    CU_ASSERT_EQUAL(db_query(db, &arena, ins, &c, 1, NULL, &p), 0);
    CU_ASSERT_TRUE(db_end_request(db));
    CU_ASSERT_FALSE(db_end_request(db));
    CU_ASSERT_EQUAL(db_query(db, &arena, count, NULL, 0, &r, &p), 0);
    CU_ASSERT_STRING_EQUAL(db_cell(&r, 0, 0), "1");
    /* commit without a transaction is a programming error, reported */
    problem_init(&p);
    CU_ASSERT_EQUAL(db_commit(db, &p), -1);
    db_free(db);
}

/* Kill victim's connection from another one. */
static void kill_connection(struct db *victim)
{
    struct problem p;
    struct db_result r;
    char sql[64];
    problem_init(&p);
    CU_ASSERT_EQUAL_FATAL(db_query(victim, &arena, "SELECT CONNECTION_ID()", NULL, 0, &r, &p), 0);
    snprintf(sql, sizeof(sql), "KILL CONNECTION %s", db_cell(&r, 0, 0));
    struct db *killer = admin();
    CU_ASSERT_EQUAL(db_exec_script(killer, sql, &p), 0);
    db_free(killer);
    usleep(100000);
}

static void test_retry_after_lost_connection(void)
{
    struct db *db = admin();
    struct problem p;
    struct db_result r;
    problem_init(&p);
    CU_ASSERT_EQUAL_FATAL(db_query(db, &arena, "SELECT CONNECTION_ID()", NULL, 0, &r, &p), 0);
    const char *before = arena_strdup(&arena, db_cell(&r, 0, 0));
    kill_connection(db);
    /* outside a transaction: reconnect and retry once, invisibly */
    CU_ASSERT_EQUAL(db_query(db, &arena, "SELECT CONNECTION_ID()", NULL, 0, &r, &p), 0);
    CU_ASSERT_EQUAL(p.status, 0);
    CU_ASSERT_STRING_NOT_EQUAL(db_cell(&r, 0, 0), before);
    db_free(db);
}

static void test_no_retry_inside_transaction(void)
{
    struct db *db = admin();
    struct problem p;
    problem_init(&p);
    CU_ASSERT_EQUAL_FATAL(db_begin(db, &p), 0);
    kill_connection(db);
    /* inside one, the transaction is gone: the caller must fail, with a 503 */
    CU_ASSERT_EQUAL(db_query(db, &arena, "SELECT 1", NULL, 0, NULL, &p), -1);
    CU_ASSERT_EQUAL(p.status, 503);
    CU_ASSERT_TRUE(p.retry_after > 0);
    CU_ASSERT_FALSE(db_in_transaction(db));
    /* and the handle works again for the next request */
    problem_init(&p);
    CU_ASSERT_EQUAL(db_query(db, &arena, "SELECT 1", NULL, 0, NULL, &p), 0);
    db_free(db);
}

static void test_unreachable(void)
{
    struct config bad = cfg;
    struct problem p;
    snprintf(bad.db_socket, sizeof(bad.db_socket), "/nonexistent/mysqld.sock");
    bad.db_host[0] = '\0';
    problem_init(&p);
    struct db *db = db_new(&bad, DB_ROLE_APP);
    CU_ASSERT_EQUAL(db_query(db, &arena, "SELECT 1", NULL, 0, NULL, &p), -1);
    CU_ASSERT_EQUAL(p.status, 503);
    CU_ASSERT_STRING_EQUAL(p.type, "database-unavailable");
    CU_ASSERT_EQUAL(p.retry_after, cfg.retry_after);
    CU_ASSERT_PTR_NOT_NULL(strstr(p.internal, "2002"));
    db_free(db);

    /* wrong credentials: also 503 to the client, the reason in the log */
    bad = cfg;
    snprintf(bad.db_user, sizeof(bad.db_user), "portico_nobody");
    snprintf(bad.db_password, sizeof(bad.db_password), "wrong");
    problem_init(&p);
    db = db_new(&bad, DB_ROLE_APP);
    CU_ASSERT_EQUAL(db_connect(db, &p), -1);
    CU_ASSERT_EQUAL(p.status, 503);
    CU_ASSERT_PTR_NOT_NULL(strstr(p.internal, "1045"));
    db_free(db);
}

/* ---- audit: on the stack's own database, appended as the handlers' account ---------------- */

static struct config stack;   /* the stack's database as configured */

static int audit_init(void)
{
    char err[512];
    return config_load(&stack, NULL, err, sizeof(err)) < 0 ? -1 : 0;
}

/* Run portico-admin audit verify; returns its exit status, output into out. */
static int verify_cli(char *out, size_t len)
{
    const char *admin = getenv("PORTICO_TEST_ADMIN");
    char cmd[1024];
    if (!admin)
        return -1;
    snprintf(cmd, sizeof(cmd), "%s audit verify 2>&1", admin);
    FILE *f = popen(cmd, "r");
    if (!f)
        return -1;
    size_t n = fread(out, 1, len - 1, f);
    out[n] = '\0';
    int st = pclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int append_one(struct db *db, const char *action, const char *details, bool commit)
{
    struct problem p;
    problem_init(&p);
    struct audit_event ev = { .actor_type = "user", .actor_id = "7", .actor_name = "tester",
                              .action = action, .target_type = "test", .target_id = "t-1",
                              .outcome = "success", .remote_addr = "127.0.0.1",
                              .user_agent = "db-tests", .request_id = "req-1", .details = details };
    if (db_begin(db, &p) < 0)
        return -1;
    if (audit_append(db, &arena, &ev, &p) < 0) {
        db_rollback(db, &p);
        return -1;
    }
    return commit ? db_commit(db, &p) : db_rollback(db, &p);
}

static void test_audit_append_and_verify(void)
{
    struct db *app = db_new(&stack, DB_ROLE_APP), *root = db_new(&stack, DB_ROLE_ADMIN);
    struct problem p;
    struct db_result r;
    char out[1024];
    problem_init(&p);

    /* outside a transaction: refused */
    struct audit_event ev = { .actor_type = "user", .action = "x", .outcome = "success" };
    CU_ASSERT_EQUAL(audit_append(app, &arena, &ev, &p), -1);
    CU_ASSERT_EQUAL(p.status, 500);

    CU_ASSERT_EQUAL(db_query(root, &arena, "SELECT COUNT(*) FROM audit_events", NULL, 0, &r, &p), 0);
    long before = atol(db_cell(&r, 0, 0));
    CU_ASSERT_EQUAL(append_one(app, "test.one", "{\"n\":1}", true), 0);
    CU_ASSERT_EQUAL(append_one(app, "test.two", NULL, true), 0);
    CU_ASSERT_EQUAL(append_one(app, "test.rolled-back", NULL, false), 0);
    CU_ASSERT_EQUAL(append_one(app, "test.three", "{\"quote\":\"a;b:c\"}", true), 0);
    CU_ASSERT_EQUAL(db_query(root, &arena, "SELECT COUNT(*), MAX(id) FROM audit_events", NULL, 0, &r, &p), 0);
    CU_ASSERT_EQUAL(atol(db_cell(&r, 0, 0)), before + 3); /* the rolled-back one left nothing */
    const char *last = arena_strdup(&arena, db_cell(&r, 0, 1));

    CU_ASSERT_EQUAL(verify_cli(out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "intact"));

    /* the handlers' account can append but never rewrite or erase */
    problem_init(&p);
    CU_ASSERT_EQUAL(db_query(app, &arena, "UPDATE audit_events SET action = 'forged' WHERE id = 1", NULL, 0, NULL, &p), -1);
    CU_ASSERT_EQUAL(db_errno(app), 1142);
    problem_init(&p);
    CU_ASSERT_EQUAL(db_query(app, &arena, "DELETE FROM audit_events", NULL, 0, NULL, &p), -1);
    CU_ASSERT_EQUAL(db_errno(app), 1142);

    /* tampering as database root is found, at the right event */
    char sql[256];
    problem_init(&p);
    CU_ASSERT_EQUAL(db_query(root, &arena, "SELECT id FROM audit_events WHERE action = 'test.two' ORDER BY id DESC LIMIT 1", NULL, 0, &r, &p), 0);
    const char *victim = arena_strdup(&arena, db_cell(&r, 0, 0));
    snprintf(sql, sizeof(sql), "UPDATE audit_events SET outcome = 'failure' WHERE id = %s", victim);
    CU_ASSERT_EQUAL(db_exec_script(root, sql, &p), 0);
    CU_ASSERT_EQUAL(verify_cli(out, sizeof(out)), 1);
    char want[64];
    snprintf(want, sizeof(want), "BROKEN at event %s ", victim);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
    snprintf(sql, sizeof(sql), "UPDATE audit_events SET outcome = 'success' WHERE id = %s", victim);
    CU_ASSERT_EQUAL(db_exec_script(root, sql, &p), 0);
    CU_ASSERT_EQUAL(verify_cli(out, sizeof(out)), 0);

    /* deleting the newest event is found through the head */
    problem_init(&p);
    CU_ASSERT_EQUAL(db_query(root, &arena, "SELECT * FROM audit_events WHERE id = (SELECT MAX(id) FROM audit_events)", NULL, 0, &r, &p), 0);
    snprintf(sql, sizeof(sql), "CREATE TEMPORARY TABLE keep AS SELECT * FROM audit_events WHERE id = %s; "
                               "DELETE FROM audit_events WHERE id = %s", last, last);
    CU_ASSERT_EQUAL(db_exec_script(root, sql, &p), 0);
    CU_ASSERT_EQUAL(verify_cli(out, sizeof(out)), 1);
    CU_ASSERT_EQUAL(db_exec_script(root, "INSERT INTO audit_events SELECT * FROM keep; DROP TEMPORARY TABLE keep", &p), 0);
    CU_ASSERT_EQUAL(verify_cli(out, sizeof(out)), 0);

    db_free(app);
    db_free(root);
}

/* Rate limits with leases, on the stack's real table, as two processes would take them: never
 * more than the allowance goes through, a busy key is served mostly from leases, and a lease
 * costs the caller at most its own size. 600 a minute, burst 16: leases of up to 2 cells. */
static void test_ratelimit_leases(void)
{
    struct db *app = db_new(&stack, DB_ROLE_APP);
    struct ratelimit_leases *one = ratelimit_leases_new(), *two = ratelimit_leases_new();
    struct problem p;
    char key[64];
    problem_init(&p);
    snprintf(key, sizeof(key), "dbtest:lease:%d", (int)getpid());
    int allowed = 0, from_lease = 0, refused = 0;
    for (int i = 0; i < 40; i++) {
        struct ratelimit_result r;
        CU_ASSERT_EQUAL_FATAL(ratelimit_take(app, &arena, i % 2 ? one : two, key, 600, 16, &r, &p), 0);
        if (r.allowed) {
            allowed++;
            from_lease += r.leased;
        } else {
            refused++;
            CU_ASSERT_TRUE(r.retry_after >= 1 && r.retry_after <= 2);
        }
    }
    /* the burst (plus the cells earned while the loop ran, 10 a second), less what the two
     * leases hold */
    CU_ASSERT_TRUE(allowed <= 18);
    CU_ASSERT_TRUE(allowed >= 16 - 2 * 2);
    CU_ASSERT_TRUE(from_lease > 0);
    CU_ASSERT_EQUAL(allowed + refused, 40);
    /* a quiet caller is counted exactly: without leases, one cell per request */
    snprintf(key, sizeof(key), "dbtest:exact:%d", (int)getpid());
    allowed = 0;
    for (int i = 0; i < 20; i++) {
        struct ratelimit_result r;
        CU_ASSERT_EQUAL_FATAL(ratelimit_take(app, &arena, NULL, key, 60, 16, &r, &p), 0);
        allowed += r.allowed;
        CU_ASSERT_FALSE(r.leased);
    }
    CU_ASSERT_TRUE(allowed == 16 || allowed == 17);
    ratelimit_leases_free(one);
    ratelimit_leases_free(two);
    db_free(app);
}

/* The per-request reads never wait for a change in progress: while an IAM change holds the
 * epoch row (from its bump to its commit), a rate limit and the epoch read go through. */
static void test_epoch_read_does_not_wait(void)
{
    struct db *app = db_new(&stack, DB_ROLE_APP), *root = db_new(&stack, DB_ROLE_ADMIN);
    struct problem p;
    problem_init(&p);
    long long before = 0, during = 0, after = 0;
    CU_ASSERT_EQUAL_FATAL(authz_epoch_read(app, &arena, &before, &p), 0);
    CU_ASSERT_EQUAL_FATAL(db_begin(root, &p), 0);
    CU_ASSERT_EQUAL_FATAL(authz_epoch_bump(root, &arena, &p), 0);
    struct ratelimit_result rl;
    char key[64];
    snprintf(key, sizeof(key), "dbtest:nowait:%d", (int)getpid());
    /* db_read_timeout bounds a wait: a blocked statement would fail here, not hang */
    CU_ASSERT_EQUAL(ratelimit_take(app, &arena, NULL, key, 60, 10, &rl, &p), 0);
    CU_ASSERT_TRUE(rl.allowed);
    CU_ASSERT_EQUAL(authz_epoch_read(app, &arena, &during, &p), 0);
    CU_ASSERT_EQUAL(during, before);          /* the change is not committed yet */
    CU_ASSERT_EQUAL_FATAL(db_commit(root, &p), 0);
    CU_ASSERT_EQUAL(authz_epoch_read(app, &arena, &after, &p), 0);
    CU_ASSERT_TRUE(after > before);
    db_free(app);
    db_free(root);
}

/* ---- secrets: rows sealed by lib/secrets, then moved or altered in the database --------------- */

static void test_secret_rows_moved_or_altered(void)
{
    struct db *app = db_new(&stack, DB_ROLE_APP), *root = db_new(&stack, DB_ROLE_ADMIN);
    struct problem p;
    char err[CRYPTO_ERR_MAX], a[128], b[128];
    struct crypto_keyring *k;
    problem_init(&p);
    CU_ASSERT_EQUAL_FATAL(crypto_init(), 0);
    CU_ASSERT_EQUAL_FATAL(crypto_keyring_load(stack.master_key_file, &k, err), 0);
    snprintf(a, sizeof(a), "team/dbtest-%d/prod/a", (int)getpid());
    snprintf(b, sizeof(b), "team/dbtest-%d/prod/b", (int)getpid());
    const char *paths[2] = { a, b }, *values[2] = { "value of a", "value of b" };
    for (int i = 0; i < 2; i++) {
        struct secret_path sp;
        const char *why;
        int version;
        CU_ASSERT_EQUAL_FATAL(secret_path_parse(paths[i], &sp, &why), 0);
        CU_ASSERT_EQUAL_FATAL(db_begin(app, &p), 0);
        CU_ASSERT_EQUAL_FATAL(secrets_write(app, &arena, k, &sp, NULL, values[i], strlen(values[i]), -1, 0, 10, "db-tests",
                                            &version, &p), 0);
        CU_ASSERT_EQUAL_FATAL(db_commit(app, &p), 0);
        CU_ASSERT_EQUAL(version, 1);
    }
    unsigned char *v;
    size_t len;
    int got;
    CU_ASSERT_EQUAL_FATAL(secrets_reveal(app, &arena, k, b, 0, &v, &len, &got, &p), 0);
    CU_ASSERT_EQUAL(len, strlen(values[1]));
    CU_ASSERT_EQUAL(memcmp(v, values[1], len), 0);
    secrets_value_free(v, len);
    /* a's sealed row copied over b's: b no longer opens (it is bound to a's path) */
    struct db_value pv[2] = { DB_TEXTV(a), DB_TEXTV(b) };
    CU_ASSERT_EQUAL_FATAL(db_query(root, &arena, "UPDATE secret_versions vb JOIN secrets sb ON sb.id = vb.secret_id AND sb.path = ? "
                                                 "JOIN secret_versions va JOIN secrets sa ON sa.id = va.secret_id AND sa.path = ? "
                                                 "SET vb.master_key_id = va.master_key_id, vb.wrapped_key = va.wrapped_key, "
                                                 "vb.nonce = va.nonce, vb.ciphertext = va.ciphertext, vb.size = va.size",
                                   (struct db_value[]){ pv[1], pv[0] }, 2, NULL, &p), 0);
    problem_init(&p);
    CU_ASSERT_EQUAL(secrets_reveal(app, &arena, k, b, 0, &v, &len, &got, &p), -1);
    CU_ASSERT_EQUAL(p.status, 500);
    CU_ASSERT_STRING_EQUAL(p.type, "integrity");
    CU_ASSERT_PTR_NULL(strstr(p.detail, "value of"));
    /* one byte of a's ciphertext flipped */
    problem_init(&p);
    CU_ASSERT_EQUAL(secrets_reveal(app, &arena, k, a, 0, &v, &len, &got, &p), 0);
    secrets_value_free(v, len);
    CU_ASSERT_EQUAL_FATAL(db_query(root, &arena, "UPDATE secret_versions v JOIN secrets s ON s.id = v.secret_id AND s.path = ? "
                                                 "SET v.ciphertext = CONCAT(CHAR(ASCII(LEFT(v.ciphertext, 1)) ^ 1), "
                                                 "SUBSTRING(v.ciphertext, 2))", &pv[0], 1, NULL, &p), 0);
    CU_ASSERT_EQUAL(secrets_reveal(app, &arena, k, a, 0, &v, &len, &got, &p), -1);
    CU_ASSERT_EQUAL(p.status, 500);
    /* another keyring (a wrong master key file): 503, not garbage */
    char other[256], id[CRYPTO_KEY_ID_MAX + 1];
    snprintf(other, sizeof(other), "/tmp/portico-dbtest-%d.key", (int)getpid());
    unlink(other);
    struct crypto_keyring *wrong;
    CU_ASSERT_EQUAL_FATAL(crypto_keyfile_create(other, id, err), 0);
    CU_ASSERT_EQUAL_FATAL(crypto_keyring_load(other, &wrong, err), 0);
    problem_init(&p);
    CU_ASSERT_EQUAL_FATAL(db_begin(app, &p), 0);
    struct secret_path sp;
    const char *why;
    int version;
    CU_ASSERT_EQUAL_FATAL(secret_path_parse(a, &sp, &why), 0);
    CU_ASSERT_EQUAL_FATAL(secrets_write(app, &arena, k, &sp, NULL, "v2", 2, 1, 0, 10, "db-tests", &version, &p), 0);
    CU_ASSERT_EQUAL_FATAL(db_commit(app, &p), 0);
    CU_ASSERT_EQUAL(secrets_reveal(app, &arena, wrong, a, 0, &v, &len, &got, &p), -1);
    CU_ASSERT_EQUAL(p.status, 503);
    unlink(other);
    /* tidy: the rows go with their secrets */
    CU_ASSERT_EQUAL(db_query(root, &arena, "DELETE FROM secrets WHERE path IN (?, ?)", pv, 2, NULL, &p), 0);
    crypto_keyring_free(wrong);
    crypto_keyring_free(k);
    db_free(app);
    db_free(root);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    CU_pSuite s = CU_add_suite("db (MariaDB)", suite_init, suite_clean);
    CU_add_test(s, "parameters of every type, NULLs, long values", test_params_and_results);
    CU_add_test(s, "more statements than the cache holds", test_statement_cache);
    CU_add_test(s, "begin, commit, rollback, left open", test_transactions);
    CU_add_test(s, "lost connection: one invisible retry", test_retry_after_lost_connection);
    CU_add_test(s, "lost connection inside a transaction: 503, no retry", test_no_retry_inside_transaction);
    CU_add_test(s, "unreachable or refused: 503 with Retry-After", test_unreachable);
    CU_pSuite au = CU_add_suite("audit log (MariaDB)", audit_init, NULL);
    CU_add_test(au, "append in the transaction, verify, tamper, find", test_audit_append_and_verify);
    CU_add_test(au, "rate limits: leases never let more through than the allowance", test_ratelimit_leases);
    CU_add_test(au, "rate limit and epoch reads do not wait for an open change", test_epoch_read_does_not_wait);
    CU_add_test(au, "secrets: a row moved to another path, a flipped byte, another master key", test_secret_rows_moved_or_altered);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_tests_failed(), run = CU_get_number_of_tests_run();
    /* a suite whose set-up failed counts as failed */
    if (CU_get_number_of_suites_failed())
        failed++;
    test_summary_write(run >= failed ? run - failed : 0, failed);
    int rc = (failed || CU_get_error() || run == 0) ? 1 : 0;
    CU_cleanup_registry();
    return rc;
}
