/*
 * audit: canonical content, the hash chain, append and verify.
 *
 * Canonical content (version 1): "portico-audit-v1;" then, in this order, occurred_at,
 * actor_type, actor_id, actor_name, action, target_type, target_id, outcome, remote_addr,
 * user_agent, request_id, details; each field as "<byte length>:<bytes>;" or "~;" for NULL.
 * Length prefixes make the encoding unambiguous whatever the values contain.
 * hash = hex(SHA-256(prev_hash_hex || canonical)).
 */
#include "audit.h"

#include "http.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void hash_field(crypto_hash_sha256_state *st, const char *v)
{
    char len[24];
    if (!v) {
        crypto_hash_sha256_update(st, (const unsigned char *)"~;", 2);
        return;
    }
    size_t n = strlen(v);
    int l = snprintf(len, sizeof(len), "%zu:", n);
    crypto_hash_sha256_update(st, (const unsigned char *)len, (unsigned long long)l);
    crypto_hash_sha256_update(st, (const unsigned char *)v, n);
    crypto_hash_sha256_update(st, (const unsigned char *)";", 1);
}

void audit_hash(const char *prev_hash, const char *occurred_at, const struct audit_event *ev,
                char out[AUDIT_HASH_HEX])
{
    crypto_hash_sha256_state st;
    unsigned char h[crypto_hash_sha256_BYTES];
    static const char tag[] = "portico-audit-v1;";

    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)prev_hash, strlen(prev_hash));
    crypto_hash_sha256_update(&st, (const unsigned char *)tag, sizeof(tag) - 1);
    const char *fields[] = { occurred_at, ev->actor_type, ev->actor_id, ev->actor_name, ev->action,
                             ev->target_type, ev->target_id, ev->outcome, ev->remote_addr,
                             ev->user_agent, ev->request_id, ev->details };
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        hash_field(&st, fields[i]);
    crypto_hash_sha256_final(&st, h);
    sodium_bin2hex(out, AUDIT_HASH_HEX, h, sizeof(h));
}

static const char sql_head_lock[] = "SELECT last_id, hash FROM audit_head WHERE id = 1 FOR UPDATE";
static const char sql_insert[] =
    "INSERT INTO audit_events (occurred_at, actor_type, actor_id, actor_name, action, target_type, "
    "target_id, outcome, remote_addr, user_agent, request_id, details, prev_hash, hash) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_head_move[] = "UPDATE audit_head SET last_id = ?, hash = ? WHERE id = 1";

static struct db_value text_or_null(const char *s)
{
    return s ? DB_TEXTV(s) : DB_NULLV;
}

int audit_append(struct db *db, struct arena *a, const struct audit_event *ev, struct problem *p)
{
    if (!db_in_transaction(db))
        return problem_set(p, 500, "internal", "an audit record must be written inside the change's transaction");
    if (!ev->actor_type || !ev->action || !ev->outcome)
        return problem_set(p, 500, "internal", "an audit record needs actor_type, action and outcome");

    /* Bound every field to its column (and to valid UTF-8) before hashing, so what is stored
     * is exactly what was hashed, whatever a client sent. */
    struct audit_event e = *ev;
    e.actor_id = http_utf8_clamp(a, ev->actor_id, 64);
    e.actor_name = http_utf8_clamp(a, ev->actor_name, 255);
    e.action = http_utf8_clamp(a, ev->action, 100);
    e.target_type = http_utf8_clamp(a, ev->target_type, 64);
    e.target_id = http_utf8_clamp(a, ev->target_id, 255);
    e.outcome = http_utf8_clamp(a, ev->outcome, 16);
    e.remote_addr = http_utf8_clamp(a, ev->remote_addr, 64);
    e.user_agent = http_utf8_clamp(a, ev->user_agent, 512);
    e.request_id = http_utf8_clamp(a, ev->request_id, 64);
    ev = &e;

    /* The head is locked by the first record of a transaction; the following ones in the same
     * transaction (an import's thousands) know it already: we hold its lock and moved it. */
    static struct {
        const struct db *db;
        unsigned long long tx;
        char hash[AUDIT_HASH_HEX];
    } known;
    const char *prev;
    unsigned long long tx = db_transaction(db);
    if (known.db == db && known.tx == tx && tx != 0) {
        prev = arena_strdup(a, known.hash);
    } else {
        struct db_result head;
        if (db_query(db, a, sql_head_lock, NULL, 0, &head, p) < 0)
            return -1;
        prev = db_cell(&head, 0, 1);
        if (!prev)
            return problem_set(p, 500, "internal", "the audit chain head is missing");
        prev = arena_strdup(a, prev);
    }
    known.db = NULL;   /* until this record is in and the head moved */

    struct timespec ts;
    struct tm tm;
    char when[32], hash[AUDIT_HASH_HEX];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(when, sizeof(when), "%04d-%02d-%02d %02d:%02d:%02d.%06ld", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000);
    audit_hash(prev, when, ev, hash);

    struct db_value v[14] = {
        DB_TEXTV(when), DB_TEXTV(ev->actor_type), text_or_null(ev->actor_id), text_or_null(ev->actor_name),
        DB_TEXTV(ev->action), text_or_null(ev->target_type), text_or_null(ev->target_id), DB_TEXTV(ev->outcome),
        text_or_null(ev->remote_addr), text_or_null(ev->user_agent), text_or_null(ev->request_id),
        text_or_null(ev->details), DB_TEXTV(prev), DB_TEXTV(hash),
    };
    struct db_result ins;
    if (db_query(db, a, sql_insert, v, 14, &ins, p) < 0)
        return -1;
    struct db_value mv[2] = { DB_INTV((long long)ins.insert_id), DB_TEXTV(hash) };
    if (db_query(db, a, sql_head_move, mv, 2, NULL, p) < 0)
        return -1;
    known.db = db;
    known.tx = tx;
    memcpy(known.hash, hash, sizeof(known.hash));
    return 0;
}

int audit_commit(struct db *db, struct arena *a, const struct audit_event *ev, struct problem *p)
{
    if (audit_append(db, a, ev, p) < 0 || db_commit(db, p) < 0)
        return db_abort(db);
    return 0;
}

static const char sql_walk[] =
    "SELECT id, DATE_FORMAT(occurred_at, '%Y-%m-%d %H:%i:%s.%f'), actor_type, actor_id, actor_name, action, "
    "target_type, target_id, outcome, remote_addr, user_agent, request_id, details, prev_hash, hash "
    "FROM audit_events WHERE id > ? ORDER BY id LIMIT 1000";
static const char sql_head[] = "SELECT last_id, hash FROM audit_head WHERE id = 1";

int audit_verify(struct db *db, unsigned long long *broken_id, unsigned long long *checked,
                 struct problem *p)
{
    struct arena a;
    char prev[AUDIT_HASH_HEX], computed[AUDIT_HASH_HEX];
    unsigned long long after = 0;
    int rc = 0;

    arena_init(&a, 0);
    memset(prev, '0', 64);
    prev[64] = '\0';
    *broken_id = 0;
    *checked = 0;
    for (;;) {
        struct db_result r;
        struct db_value from = DB_INTV((long long)after);
        arena_reset(&a);
        if (db_query(db, &a, sql_walk, &from, 1, &r, p) < 0) {
            rc = -1;
            goto out;
        }
        for (size_t i = 0; i < r.nrows; i++) {
            unsigned long long id = strtoull(db_cell(&r, i, 0), NULL, 10);
            struct audit_event ev = {
                .actor_type = db_cell(&r, i, 2), .actor_id = db_cell(&r, i, 3),
                .actor_name = db_cell(&r, i, 4), .action = db_cell(&r, i, 5),
                .target_type = db_cell(&r, i, 6), .target_id = db_cell(&r, i, 7),
                .outcome = db_cell(&r, i, 8), .remote_addr = db_cell(&r, i, 9),
                .user_agent = db_cell(&r, i, 10), .request_id = db_cell(&r, i, 11),
                .details = db_cell(&r, i, 12),
            };
            const char *stored_prev = db_cell(&r, i, 13), *stored = db_cell(&r, i, 14);
            audit_hash(prev, db_cell(&r, i, 1), &ev, computed);
            (*checked)++;
            if (!stored_prev || strcmp(stored_prev, prev) != 0 || !stored || strcmp(stored, computed) != 0) {
                *broken_id = id;
                rc = 1;
                goto out;
            }
            memcpy(prev, stored, AUDIT_HASH_HEX);
            after = id;
        }
        if (r.nrows < 1000)
            break;
    }
    /* The head must name the last event: a deleted tail shows up here. */
    struct db_result h;
    arena_reset(&a);
    if (db_query(db, &a, sql_head, NULL, 0, &h, p) < 0) {
        rc = -1;
        goto out;
    }
    if (!db_cell(&h, 0, 0) || strtoull(db_cell(&h, 0, 0), NULL, 10) != after ||
        strcmp(db_cell(&h, 0, 1), prev) != 0) {
        *broken_id = db_cell(&h, 0, 0) ? strtoull(db_cell(&h, 0, 0), NULL, 10) : after;
        if (*broken_id == 0)
            *broken_id = after ? after : 1;
        rc = 1;
    }
out:
    arena_free(&a);
    return rc;
}

struct audit_event audit_admin_event(const char *action, const char *target_type, const char *target_id,
                                     const char *details)
{
    const char *os_user = getenv("SUDO_USER") ? getenv("SUDO_USER") : getenv("USER");
    return (struct audit_event){ .actor_type = "admin-tool", .actor_name = os_user, .action = action,
                                 .target_type = target_type, .target_id = target_id, .outcome = "success",
                                 .details = details };
}
