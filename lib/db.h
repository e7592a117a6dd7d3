/*
 * db: MariaDB through Connector/C, with prepared statements only.
 *
 * One struct db per process, kept across FastCGI requests. It connects lazily, so a handler
 * starts while the database is down and serves again as soon as it is back, without a
 * restart. Statements are prepared once per connection and cached by their SQL text (which
 * is always a static string next to the function that runs it), so a request costs one
 * round trip per query. Auto-reconnect in the driver is off: a query that finds the
 * connection gone (2006/2013) reconnects and is retried once here, and only outside a
 * transaction, where a retry cannot apply half of one; a whole transaction that meets a deadlock
 * runs again through db_run_transaction. When the server cannot be reached
 * the problem is 503 with Retry-After. Result values are copied into the request arena.
 */
#ifndef PORTICO_DB_H
#define PORTICO_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "arena.h"
#include "config.h"
#include "problem.h"

struct db;

/* The most values one statement may bind (MariaDB allows 65,535). */
#define DB_PARAMS_MAX 4096
#define DB_PARAMS_MAX_TEXT "4096"

enum db_role { DB_ROLE_APP, DB_ROLE_ADMIN };

enum db_type { DB_NULL, DB_INT, DB_TEXT };

/* A bound parameter. Build with the DB_INT/DB_TEXT/DB_BLOB/DB_NULLV macros. */
struct db_value {
    enum db_type type;
    long long i;
    const char *s;
    size_t len;
};

#define DB_INTV(x) ((struct db_value){ .type = DB_INT, .i = (x) })
#define DB_TEXTV(x) ((struct db_value){ .type = DB_TEXT, .s = (x), .len = strlen(x) })
#define DB_BLOBV(p, n) ((struct db_value){ .type = DB_TEXT, .s = (p), .len = (n) })
#define DB_NULLV ((struct db_value){ .type = DB_NULL })
/* text, or SQL NULL for a NULL pointer */
static inline struct db_value db_text_or_null(const char *s)
{
    return s ? (struct db_value){ .type = DB_TEXT, .s = s, .len = strlen(s) } : (struct db_value){ .type = DB_NULL };
}
#define DB_OPTV(x) db_text_or_null(x)

/* A DATETIME(6) column as RFC 3339 UTC in a SELECT ("2026-11-27T05:47:03.312601Z"); the
 * second spelling is for SQL text that goes through printf first. */
#define DB_RFC3339(col) "DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%s.%fZ')"
#define DB_RFC3339_PRINTF(col) "DATE_FORMAT(" col ", '%%Y-%%m-%%dT%%H:%%i:%%s.%%fZ')"

struct db_cell {
    const char *s;    /* NUL-terminated copy in the arena; NULL for SQL NULL */
    size_t len;
};

struct db_result {
    size_t ncols, nrows;
    const char **names;        /* column names */
    struct db_cell *cells;     /* nrows * ncols, row-major */
    unsigned long long affected;
    unsigned long long insert_id;
};

/* A handle for cfg, as the handlers (DB_ROLE_APP) or portico-admin (DB_ROLE_ADMIN) connect.
 * No connection is made yet. NULL only when out of memory. */
struct db *db_new(const struct config *cfg, enum db_role role);
void db_free(struct db *db);

/* Connect now if not connected. 503 (Retry-After) when the server cannot be reached. */
int db_connect(struct db *db, struct problem *p);

/* Run one statement with bound parameters. With out, rows are copied into the arena. */
int db_query(struct db *db, struct arena *a, const char *sql, const struct db_value *params,
             size_t nparams, struct db_result *out, struct problem *p);

/* Run several statements as one text (migrations only: no parameters, admin only). */
int db_exec_script(struct db *db, const char *sql, struct problem *p);

/* Transactions. db_end_request rolls back one left open (a handler bug, logged). */
int db_begin(struct db *db, struct problem *p);
int db_commit(struct db *db, struct problem *p);
int db_rollback(struct db *db, struct problem *p);
bool db_in_transaction(const struct db *db);

/* True for the failures that re-running the whole transaction may cure: a deadlock (1213, which
 * rolled it back) or a lock wait timeout (1205). */
bool db_error_is_retryable(unsigned err);

/* Run body(ctx, p) as one whole transaction: begin, body, commit (when body left it open; a body
 * may commit itself, as audit_commit does). When it fails on a deadlock or a lock wait timeout,
 * it is rolled back and run again from its begin, up to DB_TX_ATTEMPTS times in all, after a short
 * jittered pause (a few milliseconds, doubling); p is cleared before each new attempt, so body
 * must read what it decides on inside the transaction. 0, or -1 with p set. */
#define DB_TX_ATTEMPTS 6
int db_run_transaction(struct db *db, struct problem *p, int (*body)(void *ctx, struct problem *p), void *ctx);

/* Which transaction is open on this handle: a number no other transaction of this process has
 * (whatever the handle), or 0 when none is open. */
unsigned long long db_transaction(const struct db *db);
/* Roll back after a failure that is already in a problem (whose report it must not replace);
 * returns -1, so failure paths read `return db_abort(db);`. */
int db_abort(struct db *db);
bool db_end_request(struct db *db);

/* Text of n bytes as a LIKE pattern that matches it anywhere ("%text%") or at the start
 * ("text%"), its wildcards and '!' escaped by '!': use it with ESCAPE '!', which means the same
 * whatever the SQL mode. NULL when out of memory. */
const char *db_like(struct arena *a, const char *text, size_t n, bool anywhere);

/* Cell (row, col) of a result: the text, or NULL for SQL NULL or out of range. */
const char *db_cell(const struct db_result *r, size_t row, size_t col);

/* Error number of the last failure (0 if none); for callers that map 1062 to 409 etc. */
unsigned db_errno(const struct db *db);

/* True for the client errors that mean the server is gone or unreachable. */
bool db_error_is_connection(unsigned err);

#endif
