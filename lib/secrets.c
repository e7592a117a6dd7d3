/*
 * secrets: versioned, encrypted secrets (see secrets.h).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "secrets.h"

/* What a version is bound to: "<path>\0<version>". */
static size_t bind_ad(char out[SECRET_PATH_MAX + 16], const char *path, int version)
{
    size_t n = strlen(path);
    if (n > SECRET_PATH_MAX)
        return 0;   /* not a path this store writes: treated as failing its integrity check */
    memcpy(out, path, n + 1);
    return n + 1 + (size_t)snprintf(out + n + 1, 15, "%d", version);
}

static size_t cell_len(const struct db_result *r, size_t row, size_t col)
{
    return r->cells[row * r->ncols + col].len;
}

static int keyring_problem(struct problem *p, enum crypto_status st, const char *path, int version)
{
    char line[512];
    snprintf(line, sizeof(line), "secret %s version %d %s", path, version, crypto_status_text(st));
    log_event("error", line);
    if (st == CRYPTO_UNKNOWN_KEY)
        return problem_set(p, 503, "secrets-unavailable", "the master key that sealed this version is not in the "
                                                          "keyring; see the server's log");
    return problem_set(p, 500, "integrity", "this version fails its integrity check; see the server's log");
}

int secrets_scope(struct db *db, struct arena *a, const struct secret_path *sp, struct secret_scope *out,
                  struct problem *p)
{
    struct db_value path = DB_TEXTV(sp->text), ref = DB_TEXTV(sp->entity_ref);
    struct db_result s, e;
    memset(out, 0, sizeof(*out));
    if (db_query(db, a, "SELECT team FROM secrets WHERE path = ?", &path, 1, &s, p) < 0)
        return -1;
    out->exists = s.nrows == 1;
    if (!sp->entity) {
        out->team = arena_strdup(a, sp->team);
        return out->team ? 0 : problem_set(p, 500, "internal", "out of memory");
    }
    if (db_query(db, a, "SELECT owner_team FROM entities WHERE ref = ?", &ref, 1, &e, p) < 0)
        return -1;
    out->entity_known = e.nrows == 1;
    const char *owner = out->entity_known ? db_cell(&e, 0, 0) : NULL;
    if (!out->exists) {
        out->team = owner;
        return 0;
    }
    out->team = db_cell(&s, 0, 0);
    out->entity_gone = !out->entity_known || !owner != !out->team || (owner && strcmp(owner, out->team) != 0);
    return 0;
}

int secrets_write(struct db *db, struct arena *a, const struct crypto_keyring *k, const struct secret_path *sp,
                  const char *team, const void *value, size_t len, int cas, int max_versions, int default_versions,
                  const char *actor, int *version, struct problem *p)
{
    struct db_value path = DB_TEXTV(sp->text);
    struct db_result r;
    if (len > SECRET_VALUE_MAX)
        return problem_set(p, 413, "too-large", "a secret's value is at most %d bytes", SECRET_VALUE_MAX);
    /* seal only under the key the database says is current (0015): a rotation waits for us */
    if (db_query(db, a, "SELECT current_key_id FROM secret_keyring WHERE id = 1 LOCK IN SHARE MODE", NULL, 0, &r, p) < 0)
        return -1;
    if (r.nrows == 1 && strcmp(db_cell(&r, 0, 0), crypto_keyring_current(k)) != 0)
        return problem_set(p, 503, "keyring-stale", "the master key changed (now %s): read the keyring again",
                           db_cell(&r, 0, 0));
    if (db_query(db, a, "SELECT id, current_version, max_versions FROM secrets WHERE path = ? FOR UPDATE", &path, 1, &r, p) < 0)
        return -1;
    long long id;
    int current = 0, keep = max_versions > 0 ? max_versions : default_versions;
    if (r.nrows == 0) {
        if (cas > 0)
            return problem_set(p, 409, "conflict", "cas is %d but %s has no version yet (cas 0 creates it)", cas, sp->text);
        struct db_value v[8] = { path, DB_TEXTV(sp->entity ? "entity" : "team"), team ? DB_TEXTV(team) : DB_NULLV,
                                 sp->entity ? DB_TEXTV(sp->entity_ref) : DB_NULLV, DB_TEXTV(sp->environment),
                                 DB_TEXTV(sp->name), DB_INTV(keep), DB_TEXTV(actor) };
        struct db_result ins;
        if (db_query(db, a, "INSERT INTO secrets (path, scope_type, team, entity_ref, environment, name, max_versions, "
                            "created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", v, 8, &ins, p) < 0)
            return -1;
        id = (long long)ins.insert_id;
    } else {
        id = atoll(db_cell(&r, 0, 0));
        current = atoi(db_cell(&r, 0, 1));
        if (max_versions <= 0)
            keep = atoi(db_cell(&r, 0, 2));
        if (cas >= 0 && cas != current)
            return problem_set(p, 409, "conflict", "cas is %d but the current version of %s is %d: read it again",
                               cas, sp->text, current);
    }
    if (keep < 1)
        keep = 1;
    *version = current + 1;
    char ad[SECRET_PATH_MAX + 16];
    size_t adlen = bind_ad(ad, sp->text, *version);
    struct crypto_sealed s;
    if (!adlen || crypto_seal(k, ad, adlen, value, len, &s) != CRYPTO_OK)
        return problem_set(p, 500, "internal", "the value could not be sealed");
    struct db_value v[8] = { DB_INTV(id), DB_INTV(*version), DB_TEXTV(s.key_id),
                             DB_BLOBV((const char *)s.wrapped, sizeof(s.wrapped)),
                             DB_BLOBV((const char *)s.nonce, sizeof(s.nonce)), DB_BLOBV((const char *)s.ct, s.ct_len),
                             DB_INTV((long long)len), DB_TEXTV(actor) };
    int rc = db_query(db, a, "INSERT INTO secret_versions (secret_id, version, master_key_id, wrapped_key, nonce, "
                             "ciphertext, size, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", v, 8, NULL, p);
    crypto_sealed_free(&s);
    if (rc < 0)
        return -1;
    /* the last `keep` versions stay; older ones go for good */
    struct db_value u[4] = { DB_INTV(*version), DB_INTV(keep), DB_INTV(id), DB_INTV(*version - keep) };
    if (db_query(db, a, "UPDATE secrets SET current_version = ?, max_versions = ?, updated_at = UTC_TIMESTAMP(6) "
                        "WHERE id = ?", u, 3, NULL, p) < 0 ||
        db_query(db, a, "DELETE FROM secret_versions WHERE secret_id = ? AND version <= ?", &u[2], 2, NULL, p) < 0)
        return -1;
    return 0;
}

void secrets_value_free(unsigned char *value, size_t len)
{
    (void)len;
    if (value)
        sodium_free(value);   /* zeroes it */
}

int secrets_reveal(struct db *db, struct arena *a, const struct crypto_keyring *k, const char *path, int version,
                   unsigned char **value, size_t *len, int *got, struct problem *p)
{
    *value = NULL;
    *len = 0;
    struct db_value v[2] = { DB_TEXTV(path), DB_INTV(version) };
    struct db_result r;
    if (db_query(db, a, "SELECT v.version, v.master_key_id, v.wrapped_key, v.nonce, v.ciphertext, v.deleted_at IS NOT NULL, "
                        "v.destroyed_at IS NOT NULL FROM secrets s JOIN secret_versions v ON v.secret_id = s.id "
                        "WHERE s.path = ? AND v.version = IF(? = 0, s.current_version, ?)",
                 (struct db_value[]){ v[0], v[1], v[1] }, 3, &r, p) < 0)
        return -1;
    if (r.nrows == 0)
        return problem_set(p, 404, "not-found", version ? "%s has no version %d" : "%s has no version", path, version);
    *got = atoi(db_cell(&r, 0, 0));
    if (strcmp(db_cell(&r, 0, 6), "1") == 0 || !db_cell(&r, 0, 4))
        return problem_set(p, 410, "destroyed", "version %d of %s was destroyed", *got, path);
    if (strcmp(db_cell(&r, 0, 5), "1") == 0)
        return problem_set(p, 410, "deleted", "version %d of %s is deleted (undelete it to read it)", *got, path);
    struct crypto_sealed s = { 0 };
    if (cell_len(&r, 0, 2) != sizeof(s.wrapped) || cell_len(&r, 0, 3) != sizeof(s.nonce) ||
        cell_len(&r, 0, 4) < CRYPTO_TAG_BYTES || strlen(db_cell(&r, 0, 1)) > CRYPTO_KEY_ID_MAX)
        return keyring_problem(p, CRYPTO_INTEGRITY, path, *got);
    snprintf(s.key_id, sizeof(s.key_id), "%s", db_cell(&r, 0, 1));
    memcpy(s.wrapped, db_cell(&r, 0, 2), sizeof(s.wrapped));
    memcpy(s.nonce, db_cell(&r, 0, 3), sizeof(s.nonce));
    s.ct = (unsigned char *)db_cell(&r, 0, 4);
    s.ct_len = cell_len(&r, 0, 4);
    size_t n = s.ct_len - CRYPTO_TAG_BYTES;
    unsigned char *out = sodium_malloc(n + 1);
    if (!out)
        return problem_set(p, 500, "internal", "out of memory");
    char ad[SECRET_PATH_MAX + 16];
    size_t adlen = bind_ad(ad, path, *got);
    enum crypto_status st = adlen ? crypto_open(k, ad, adlen, &s, out) : CRYPTO_INTEGRITY;
    if (st != CRYPTO_OK) {
        sodium_free(out);
        return keyring_problem(p, st, path, *got);
    }
    out[n] = 0;
    *value = out;
    *len = n;
    return 0;
}

int secrets_destroy(struct db *db, struct arena *a, const char *path, bool *removed, struct problem *p)
{
    struct db_value v = DB_TEXTV(path);
    struct db_result r;
    if (db_query(db, a, "DELETE FROM secrets WHERE path = ?", &v, 1, &r, p) < 0)
        return -1;
    if (removed)
        *removed = r.affected > 0;
    return 0;
}

int secrets_versions_change(struct db *db, struct arena *a, const char *path, enum secret_change what, const int *versions,
                            size_t n, size_t *changed, struct problem *p)
{
    static const char *const sql[] = {
        [SECRET_DELETE] = "UPDATE secret_versions SET deleted_at = UTC_TIMESTAMP(6) WHERE secret_id = ? AND version = ? "
                          "AND deleted_at IS NULL AND destroyed_at IS NULL",
        [SECRET_UNDELETE] = "UPDATE secret_versions SET deleted_at = NULL WHERE secret_id = ? AND version = ? "
                            "AND deleted_at IS NOT NULL AND destroyed_at IS NULL",
        [SECRET_DESTROY] = "UPDATE secret_versions SET destroyed_at = UTC_TIMESTAMP(6), ciphertext = NULL, "
                           "wrapped_key = REPEAT(X'00', 72), nonce = REPEAT(X'00', 24) "
                           "WHERE secret_id = ? AND version = ? AND destroyed_at IS NULL",
    };
    struct db_value v = DB_TEXTV(path);
    struct db_result r;
    *changed = 0;
    if (db_query(db, a, "SELECT id FROM secrets WHERE path = ? FOR UPDATE", &v, 1, &r, p) < 0)
        return -1;
    if (r.nrows == 0)
        return problem_set(p, 404, "not-found", "no secret at %s", path);
    for (size_t i = 0; i < n; i++) {
        struct db_value q[2] = { DB_INTV(atoll(db_cell(&r, 0, 0))), DB_INTV(versions[i]) };
        struct db_result u;
        if (db_query(db, a, sql[what], q, 2, &u, p) < 0)
            return -1;
        *changed += (size_t)u.affected;
    }
    return 0;
}

int secrets_rewrap(struct db *db, struct arena *a, const struct crypto_keyring *k, size_t batch, long long after[2],
                   size_t *done, size_t *failed, struct problem *p)
{
    *done = 0;
    struct db_value cur = DB_TEXTV(crypto_keyring_current(k));
    for (size_t i = 0; i < batch; i++) {
        struct db_result r;
        struct db_value q[4] = { cur, DB_INTV(after[0]), DB_INTV(after[0]), DB_INTV(after[1]) };
        if (db_begin(db, p) < 0)
            return -1;
        if (db_query(db, a, "SELECT s.path, v.secret_id, v.version, v.master_key_id, v.wrapped_key FROM secret_versions v "
                            "JOIN secrets s ON s.id = v.secret_id WHERE v.master_key_id <> ? AND v.destroyed_at IS NULL "
                            "AND (v.secret_id > ? OR (v.secret_id = ? AND v.version > ?)) "
                            "ORDER BY v.secret_id, v.version LIMIT 1 FOR UPDATE", q, 4, &r, p) < 0)
            return db_abort(db);
        if (r.nrows == 0)
            return db_rollback(db, p);
        struct crypto_sealed s = { 0 };
        int version = atoi(db_cell(&r, 0, 2));
        after[0] = atoll(db_cell(&r, 0, 1));
        after[1] = version;
        char ad[SECRET_PATH_MAX + 16];
        size_t adlen = bind_ad(ad, db_cell(&r, 0, 0), version);
        enum crypto_status st = CRYPTO_INTEGRITY;
        if (adlen && cell_len(&r, 0, 4) == sizeof(s.wrapped) && strlen(db_cell(&r, 0, 3)) <= CRYPTO_KEY_ID_MAX) {
            snprintf(s.key_id, sizeof(s.key_id), "%s", db_cell(&r, 0, 3));
            memcpy(s.wrapped, db_cell(&r, 0, 4), sizeof(s.wrapped));
            st = crypto_rewrap(k, ad, adlen, &s);
        }
        if (st != CRYPTO_OK) {
            /* told (log), left under its key (which stays in the keyring), and passed over */
            struct problem ignored;
            problem_init(&ignored);
            keyring_problem(&ignored, st, db_cell(&r, 0, 0), version);
            (*failed)++;
            if (db_rollback(db, p) < 0)
                return -1;
            continue;
        }
        struct db_value u[4] = { DB_TEXTV(s.key_id), DB_BLOBV((const char *)s.wrapped, sizeof(s.wrapped)),
                                 DB_INTV(after[0]), DB_INTV(version) };
        if (db_query(db, a, "UPDATE secret_versions SET master_key_id = ?, wrapped_key = ? WHERE secret_id = ? AND version = ?",
                     u, 4, NULL, p) < 0)
            return db_abort(db);
        if (db_commit(db, p) < 0)
            return -1;
        (*done)++;
    }
    return 0;
}

const struct crypto_keyring *secrets_keyring(const char *path, struct crypto_keyring **ring, bool again, struct problem *p)
{
    if (*ring && !again && crypto_keyring_is_file(*ring, path))
        return *ring;
    char err[CRYPTO_ERR_MAX];
    struct crypto_keyring *k;
    if (crypto_keyring_load(path, &k, err) < 0) {
        log_event("error", err);
        p->retry_after = 60;
        problem_set(p, 503, "secrets-unavailable", "secrets are unavailable: the master key cannot be read; see the server's log");
        return NULL;
    }
    crypto_keyring_free(*ring);
    *ring = k;
    return *ring;
}
