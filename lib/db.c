/*
 * db: Connector/C prepared statements, a per-connection statement cache, lazy connection,
 * the one statement retry that is safe, and whole transactions run again after a deadlock.
 */
#include "db.h"

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "metrics.h"
#include "monotime.h"

#define DB_STMT_CACHE 96
#define DB_COL_BUF 256  /* first guess per column; longer values are fetched again */

struct db_stmt_slot {
    char *sql;          /* the slot's own copy: a caller's text may be built per request */
    MYSQL_STMT *stmt;
};

struct db {
    const struct config *cfg;
    enum db_role role;
    MYSQL *conn;
    bool in_tx;
    unsigned long long tx_seq;   /* the open transaction's number, unique in the process */
    unsigned last_errno;
    char last_error[200];
    struct db_stmt_slot cache[DB_STMT_CACHE];
    size_t evict;  /* next slot to reuse when the cache is full */
};

const char *db_like(struct arena *a, const char *text, size_t n, bool anywhere)
{
    char *out = arena_alloc(a, 2 * n + 3), *o = out;
    if (!out)
        return NULL;
    if (anywhere)
        *o++ = '%';
    for (size_t i = 0; i < n; i++) {
        if (text[i] == '%' || text[i] == '_' || text[i] == '!')
            *o++ = '!';
        *o++ = text[i];
    }
    *o++ = '%';
    *o = '\0';
    return out;
}

bool db_error_is_connection(unsigned err)
{
    switch (err) {
    case CR_CONNECTION_ERROR:    /* 2002 */
    case CR_CONN_HOST_ERROR:     /* 2003 */
    case CR_UNKNOWN_HOST:        /* 2005 */
    case CR_SERVER_GONE_ERROR:   /* 2006 */
    case CR_SERVER_LOST:         /* 2013 */
    case CR_SERVER_LOST_EXTENDED:/* 2055 */
    case ER_CON_COUNT_ERROR:     /* 1040 */
    case ER_SERVER_SHUTDOWN:     /* 1053 */
    case ER_CONNECTION_KILLED:   /* 1927 */
    case 4031:                   /* ER_CLIENT_INTERACTION_TIMEOUT: idle connection closed */
        return true;
    default:
        return false;
    }
}

struct db *db_new(const struct config *cfg, enum db_role role)
{
    struct db *db = calloc(1, sizeof(*db));
    if (!db)
        return NULL;
    db->cfg = cfg;
    db->role = role;
    return db;
}

/* A statement's text may hold what could not be bound (a provisioning driver's generated
 * password: MariaDB takes none as a parameter there): wiped before it is freed. */
static void sql_free(char *sql)
{
    if (sql) {
        explicit_bzero(sql, strlen(sql));
        free(sql);
    }
}

static void db_disconnect(struct db *db)
{
    for (size_t i = 0; i < DB_STMT_CACHE; i++) {
        if (db->cache[i].stmt)
            mysql_stmt_close(db->cache[i].stmt);
        sql_free(db->cache[i].sql);
        db->cache[i].stmt = NULL;
        db->cache[i].sql = NULL;
    }
    db->evict = 0;
    if (db->conn)
        mysql_close(db->conn);
    db->conn = NULL;
    db->in_tx = false;
}

void db_free(struct db *db)
{
    if (!db)
        return;
    db_disconnect(db);
    free(db);
}

unsigned db_errno(const struct db *db)
{
    return db->last_errno;
}

bool db_in_transaction(const struct db *db)
{
    return db->in_tx;
}

static void db_record(struct db *db, unsigned err, const char *msg)
{
    db->last_errno = err;
    snprintf(db->last_error, sizeof(db->last_error), "%s", msg ? msg : "");
}

/* Turn the last error into the problem: 503 for an unreachable server, 500 otherwise. */
static int db_fail(struct db *db, struct problem *p)
{
    if (db_error_is_connection(db->last_errno) || !db->conn) {
        problem_set(p, 503, "database-unavailable", "the database is unavailable; try again shortly");
        p->retry_after = db->cfg->retry_after;
    } else {
        problem_set(p, 500, "database-error", "the database could not complete the request");
    }
    problem_internal(p, "mariadb %u: %s", db->last_errno, db->last_error);
    return -1;
}

int db_connect(struct db *db, struct problem *p)
{
    if (db->conn)
        return 0;
    const struct config *c = db->cfg;
    MYSQL *m = mysql_init(NULL);
    if (!m) {
        db_record(db, CR_OUT_OF_MEMORY, "mysql_init failed");
        return db_fail(db, p);
    }
    unsigned int ct = (unsigned)c->db_connect_timeout, rt = (unsigned)c->db_read_timeout,
                 wt = (unsigned)c->db_write_timeout;
    /* portico-admin's work (a migration over a large table, a seed) may take minutes: its
     * connection waits up to an hour for an answer; the handlers keep their short timeout */
    if (db->role == DB_ROLE_ADMIN && rt < 3600)
        rt = 3600;
    my_bool off = 0;
    mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
    mysql_optionsv(m, MYSQL_OPT_READ_TIMEOUT, &rt);
    mysql_optionsv(m, MYSQL_OPT_WRITE_TIMEOUT, &wt);
    mysql_optionsv(m, MYSQL_OPT_RECONNECT, &off);
    mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    mysql_optionsv(m, MYSQL_INIT_COMMAND, "SET time_zone = '+00:00'");

    const char *user = db->role == DB_ROLE_ADMIN ? c->admin_db_user : c->db_user;
    const char *pass = db->role == DB_ROLE_ADMIN ? c->admin_db_password : c->db_password;
    const char *host = c->db_host[0] ? c->db_host : NULL;
    const char *sock = c->db_host[0] ? NULL : c->db_socket;
    unsigned long flags = db->role == DB_ROLE_ADMIN ? CLIENT_MULTI_STATEMENTS : 0;

    if (!mysql_real_connect(m, host, user, pass[0] ? pass : NULL, c->db_name,
                            (unsigned)c->db_port, sock, flags)) {
        db_record(db, mysql_errno(m), mysql_error(m));
        mysql_close(m);
        /* Whatever the reason (down, wrong password, no database), the handler cannot serve:
         * the client sees 503, the log says why. */
        problem_set(p, 503, "database-unavailable", "the database is unavailable; try again shortly");
        p->retry_after = c->retry_after;
        problem_internal(p, "connect: mariadb %u: %s", db->last_errno, db->last_error);
        return -1;
    }
    db->conn = m;
    db->in_tx = false;
    return 0;
}

static MYSQL_STMT *db_stmt_get(struct db *db, const char *sql)
{
    /* by text, never by address: a statement built in a request's arena may reuse the address
     * of another request's different one */
    for (size_t i = 0; i < DB_STMT_CACHE; i++)
        if (db->cache[i].sql && strcmp(db->cache[i].sql, sql) == 0)
            return db->cache[i].stmt;

    MYSQL_STMT *st = mysql_stmt_init(db->conn);
    if (!st) {
        db_record(db, mysql_errno(db->conn), mysql_error(db->conn));
        return NULL;
    }
    char *copy = strdup(sql);
    if (!copy || mysql_stmt_prepare(st, sql, (unsigned long)strlen(sql))) {
        if (copy)
            db_record(db, mysql_stmt_errno(st), mysql_stmt_error(st));
        else
            db_record(db, 0, "out of memory");
        sql_free(copy);
        mysql_stmt_close(st);
        return NULL;
    }
    struct db_stmt_slot *slot = NULL;
    for (size_t i = 0; i < DB_STMT_CACHE && !slot; i++)
        if (!db->cache[i].stmt)
            slot = &db->cache[i];
    if (!slot) {
        slot = &db->cache[db->evict];
        db->evict = (db->evict + 1) % DB_STMT_CACHE;
        mysql_stmt_close(slot->stmt);
        sql_free(slot->sql);
    }
    slot->sql = copy;
    slot->stmt = st;
    return st;
}

static int db_stmt_fail(struct db *db, MYSQL_STMT *st)
{
    db_record(db, mysql_stmt_errno(st), mysql_stmt_error(st));
    return -1;
}

/* Fetch every row of st into out. */
static int db_fetch_all(struct db *db, MYSQL_STMT *st, MYSQL_RES *meta, struct arena *a,
                        struct db_result *out)
{
    size_t ncols = mysql_num_fields(meta);
    MYSQL_FIELD *fields = mysql_fetch_fields(meta);

    if (mysql_stmt_store_result(st))
        return db_stmt_fail(db, st);
    out->ncols = ncols;
    out->nrows = (size_t)mysql_stmt_num_rows(st);
    out->names = arena_calloc(a, ncols ? ncols : 1, sizeof(char *));
    out->cells = arena_calloc(a, (out->nrows ? out->nrows : 1) * (ncols ? ncols : 1), sizeof(struct db_cell));
    MYSQL_BIND *bind = arena_calloc(a, ncols ? ncols : 1, sizeof(MYSQL_BIND));
    unsigned long *lens = arena_calloc(a, ncols ? ncols : 1, sizeof(unsigned long));
    my_bool *nulls = arena_calloc(a, ncols ? ncols : 1, sizeof(my_bool));
    char *bufs = arena_alloc(a, (ncols ? ncols : 1) * DB_COL_BUF);
    if (!out->names || !out->cells || !bind || !lens || !nulls || !bufs) {
        mysql_stmt_free_result(st);
        db_record(db, CR_OUT_OF_MEMORY, "out of memory");
        return -1;
    }
    for (size_t c = 0; c < ncols; c++) {
        out->names[c] = arena_strdup(a, fields[c].name);
        bind[c].buffer_type = MYSQL_TYPE_STRING;
        bind[c].buffer = bufs + c * DB_COL_BUF;
        bind[c].buffer_length = DB_COL_BUF;
        bind[c].length = &lens[c];
        bind[c].is_null = &nulls[c];
    }
    if (mysql_stmt_bind_result(st, bind)) {
        mysql_stmt_free_result(st);
        return db_stmt_fail(db, st);
    }
    for (size_t r = 0;; r++) {
        int rc = mysql_stmt_fetch(st);
        if (rc == MYSQL_NO_DATA)
            break;
        if (rc == 1 || r >= out->nrows) {
            db_stmt_fail(db, st);
            mysql_stmt_free_result(st);
            return -1;
        }
        for (size_t c = 0; c < ncols; c++) {
            struct db_cell *cell = &out->cells[r * ncols + c];
            if (nulls[c]) {
                cell->s = NULL;
                cell->len = 0;
                continue;
            }
            char *v = arena_alloc(a, lens[c] + 1);
            if (!v) {
                mysql_stmt_free_result(st);
                db_record(db, CR_OUT_OF_MEMORY, "out of memory");
                return -1;
            }
            if (lens[c] > DB_COL_BUF) {
                MYSQL_BIND one = { 0 };
                unsigned long got = 0;
                one.buffer_type = MYSQL_TYPE_STRING;
                one.buffer = v;
                one.buffer_length = lens[c] + 1;
                one.length = &got;
                if (mysql_stmt_fetch_column(st, &one, (unsigned)c, 0)) {
                    db_stmt_fail(db, st);
                    mysql_stmt_free_result(st);
                    return -1;
                }
            } else {
                memcpy(v, bind[c].buffer, lens[c]);
            }
            v[lens[c]] = '\0';
            cell->s = v;
            cell->len = lens[c];
        }
    }
    mysql_stmt_free_result(st);
    return 0;
}

static int db_query_once(struct db *db, struct arena *a, const char *sql,
                         const struct db_value *params, size_t nparams, struct db_result *out)
{
    MYSQL_STMT *st = db_stmt_get(db, sql);
    if (!st)
        return -1;
    if (mysql_stmt_param_count(st) != nparams) {
        db_record(db, CR_INVALID_PARAMETER_NO, "parameter count does not match the statement");
        return -1;
    }
    /* most statements bind a few values: those stay on the stack; a long IN list or a batch of
     * rows takes its binds from the request's arena */
    MYSQL_BIND small[32], *bind = small;
    unsigned long small_lens[32], *lens = small_lens;
    if (nparams > DB_PARAMS_MAX) {
        db_record(db, CR_INVALID_PARAMETER_NO, "more than " DB_PARAMS_MAX_TEXT " parameters");
        return -1;
    }
    if (nparams > 32) {
        bind = arena_alloc(a, nparams * sizeof(*bind));
        lens = arena_alloc(a, nparams * sizeof(*lens));
        if (!bind || !lens) {
            db_record(db, CR_OUT_OF_MEMORY, "out of memory for the parameters");
            return -1;
        }
    }
    memset(bind, 0, sizeof(bind[0]) * (nparams ? nparams : 1));
    for (size_t i = 0; i < nparams; i++) {
        switch (params[i].type) {
        case DB_NULL:
            bind[i].buffer_type = MYSQL_TYPE_NULL;
            break;
        case DB_INT:
            bind[i].buffer_type = MYSQL_TYPE_LONGLONG;
            bind[i].buffer = (void *)&params[i].i;
            break;
        case DB_TEXT:
            lens[i] = (unsigned long)params[i].len;
            bind[i].buffer_type = MYSQL_TYPE_STRING;
            bind[i].buffer = (void *)params[i].s;
            bind[i].buffer_length = lens[i];
            bind[i].length = &lens[i];
            break;
        }
    }
    if (nparams && mysql_stmt_bind_param(st, bind))
        return db_stmt_fail(db, st);
    if (mysql_stmt_execute(st))
        return db_stmt_fail(db, st);

    MYSQL_RES *meta = mysql_stmt_result_metadata(st);
    int rc = 0;
    if (meta) {
        if (out) {
            rc = db_fetch_all(db, st, meta, a, out);
        } else {
            mysql_stmt_free_result(st);
        }
        mysql_free_result(meta);
    } else if (out) {
        out->ncols = out->nrows = 0;
        out->names = NULL;
        out->cells = NULL;
    }
    if (rc == 0 && out) {
        out->affected = (unsigned long long)mysql_stmt_affected_rows(st);
        out->insert_id = (unsigned long long)mysql_stmt_insert_id(st);
    }
    return rc;
}

int db_query(struct db *db, struct arena *a, const char *sql, const struct db_value *params,
             size_t nparams, struct db_result *out, struct problem *p)
{
    for (int attempt = 0;; attempt++) {
        if (db_connect(db, p) < 0)
            return -1;
        db->last_errno = 0;
        long long t0 = monotime_us();
        int rc = db_query_once(db, a, sql, params, nparams, out);
        metrics_db(monotime_us() - t0, rc != 0);
        if (rc == 0)
            return 0;
        if (!db_error_is_connection(db->last_errno))
            return db_fail(db, p);
        bool was_in_tx = db->in_tx;
        db_disconnect(db);
        /* Outside a transaction the statement did not happen or happened whole: retry once.
         * Inside one, the transaction is gone with the connection: the caller must fail. */
        if (was_in_tx || attempt > 0)
            return db_fail(db, p);
    }
}

int db_exec_script(struct db *db, const char *sql, struct problem *p)
{
    if (db_connect(db, p) < 0)
        return -1;
    if (mysql_real_query(db->conn, sql, (unsigned long)strlen(sql))) {
        db_record(db, mysql_errno(db->conn), mysql_error(db->conn));
        goto fail;
    }
    for (;;) {
        MYSQL_RES *res = mysql_store_result(db->conn);
        if (res)
            mysql_free_result(res);
        else if (mysql_field_count(db->conn)) {
            db_record(db, mysql_errno(db->conn), mysql_error(db->conn));
            goto fail;
        }
        int more = mysql_next_result(db->conn);
        if (more < 0)
            break;
        if (more > 0) {
            db_record(db, mysql_errno(db->conn), mysql_error(db->conn));
            goto fail;
        }
    }
    return 0;
fail:
    db_fail(db, p);
    /* The admin tool shows the server's message: it is the operator who reads it. */
    snprintf(p->detail, sizeof(p->detail), "mariadb %u: %s", db->last_errno, db->last_error);
    if (db_error_is_connection(db->last_errno))
        db_disconnect(db);
    return -1;
}

static int db_simple(struct db *db, const char *sql, struct problem *p)
{
    if (mysql_real_query(db->conn, sql, (unsigned long)strlen(sql))) {
        db_record(db, mysql_errno(db->conn), mysql_error(db->conn));
        bool conn = db_error_is_connection(db->last_errno);
        if (conn)
            db_disconnect(db);
        return db_fail(db, p);
    }
    return 0;
}

unsigned long long db_transaction(const struct db *db)
{
    return db->in_tx ? db->tx_seq : 0;
}

int db_begin(struct db *db, struct problem *p)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        if (db_connect(db, p) < 0)
            return -1;
        if (db_simple(db, "START TRANSACTION", p) == 0) {
            static unsigned long long begun;   /* process-wide: no two transactions share a number */
            db->in_tx = true;
            db->tx_seq = ++begun;
            return 0;
        }
        /* Nothing has happened yet, so a lost connection is safe to retry here. */
        if (!db_error_is_connection(db->last_errno))
            return -1;
        problem_init(p);
    }
    return db_fail(db, p);
}

bool db_error_is_retryable(unsigned err)
{
    return err == ER_LOCK_DEADLOCK || err == ER_LOCK_WAIT_TIMEOUT;
}

int db_run_transaction(struct db *db, struct problem *p, int (*body)(void *ctx, struct problem *p), void *ctx)
{
    for (int attempt = 1;; attempt++) {
        if (db_begin(db, p) < 0)
            return -1;
        db->last_errno = 0;   /* what this attempt's statements fail with, if any */
        int rc = body(ctx, p);
        if (rc == 0 && db->in_tx)
            rc = db_commit(db, p);
        if (rc == 0)
            return 0;
        unsigned err = db->last_errno;
        db_abort(db);
        if (!db_error_is_retryable(err) || attempt == DB_TX_ATTEMPTS)
            return -1;
        /* 2^attempt ms and up to as much again, so the ones that met do not meet again */
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long ms = 1L << attempt, jitter = (long)(((unsigned long)now.tv_nsec ^ (unsigned long)getpid() * 2654435761u) %
                                                 (unsigned long)(ms * 1000));
        struct timespec pause = { 0, (ms * 1000 + jitter) * 1000 };
        nanosleep(&pause, NULL);
        problem_init(p);
    }
}

int db_commit(struct db *db, struct problem *p)
{
    if (!db->conn || !db->in_tx)
        return problem_set(p, 500, "database-error", "commit without a transaction");
    db->in_tx = false;
    return db_simple(db, "COMMIT", p);
}

int db_rollback(struct db *db, struct problem *p)
{
    if (!db->conn || !db->in_tx)
        return 0;
    db->in_tx = false;
    return db_simple(db, "ROLLBACK", p);
}

int db_abort(struct db *db)
{
    struct problem ignore;
    problem_init(&ignore);
    db_rollback(db, &ignore);
    return -1;
}

bool db_end_request(struct db *db)
{
    if (!db || !db->in_tx)
        return false;
    db_abort(db);
    return true;
}

const char *db_cell(const struct db_result *r, size_t row, size_t col)
{
    if (row >= r->nrows || col >= r->ncols)
        return NULL;
    return r->cells[row * r->ncols + col].s;
}
