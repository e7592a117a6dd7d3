/*
 * portico-admin init-master-key: writes the keyring file (master_key_file) with one new key,
 * mode 0640; never overwrites one.
 *
 * portico-admin rotate-master-key [--prune]: puts a new key first in the keyring, makes it the
 * sealing key in the database (secret_keyring, which waits for writers in flight: they seal only
 * under the key named there, re-reading the keyring when it changed), wraps every data key
 * again under it, a row per short transaction while the portal keeps serving (one that will not
 * open is logged and keeps its key), then drops the old keys no version uses any more (a key
 * still in use stays, and is named). --prune does the last two steps only (after fixing what
 * would not open). Values are never decrypted: only data keys are.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin/keys.h"
#include "lib/audit.h"
#include "lib/crypto.h"
#include "lib/db.h"
#include "lib/secrets.h"

#define REWRAP_BATCH 500

int cmd_init_master_key(const struct config *cfg, int argc, char **argv)
{
    bool if_missing = argc > 0 && strcmp(argv[0], "--if-missing") == 0;
    char id[CRYPTO_KEY_ID_MAX + 1], err[CRYPTO_ERR_MAX];
    if (!cfg->master_key_file[0]) {
        fprintf(stderr, "portico-admin: set master_key_file in the configuration first (outside the document root)\n");
        return 2;
    }
    if (if_missing && access(cfg->master_key_file, F_OK) == 0) {
        printf("master key file %s exists: kept\n", cfg->master_key_file);
        return 0;
    }
    if (crypto_keyfile_create(cfg->master_key_file, id, err) < 0) {
        fprintf(stderr, "portico-admin: %s\n", err);
        return 2;
    }
    printf("created master key %s in %s (mode 0640: give its group to the handlers' user, e.g. "
           "chgrp www-data, and keep a copy offline: without it no secret can be read)\n", id, cfg->master_key_file);
    return 0;
}

static int rewrap_all(struct db *db, struct arena *a, const struct crypto_keyring *k, size_t *total, size_t *failed,
                      struct problem *p)
{
    size_t done;
    long long after[2] = { 0, 0 };
    do {
        arena_reset(a);
        if (secrets_rewrap(db, a, k, REWRAP_BATCH, after, &done, failed, p) < 0)
            return -1;
        *total += done;
    } while (done > 0);
    return 0;
}

/* Drop from the keyring the keys no kept version uses (the current one always stays). */
static int prune(const struct config *cfg, struct db *db, struct arena *a, const char *current, size_t *dropped,
                 struct problem *p)
{
    char err[CRYPTO_ERR_MAX];
    struct db_result r;
    if (db_query(db, a, "SELECT DISTINCT master_key_id FROM secret_versions WHERE destroyed_at IS NULL", NULL, 0, &r, p) < 0)
        return -1;
    const char **used = arena_calloc(a, r.nrows + 1, sizeof(*used));
    if (!used)
        return problem_set(p, 500, "internal", "out of memory");
    for (size_t i = 0; i < r.nrows; i++) {
        used[i] = db_cell(&r, i, 0);
        if (strcmp(used[i], current) != 0)
            printf("key %s is still in use: kept\n", used[i]);
    }
    if (crypto_keyfile_keep(cfg->master_key_file, used, r.nrows, dropped, err) < 0)
        return problem_set(p, 500, "internal", "%s", err);
    printf("dropped %zu old key(s) no version uses\n", *dropped);
    return 0;
}

int cmd_rotate_master_key(const struct config *cfg, int argc, char **argv)
{
    bool prune_only = argc > 0 && strcmp(argv[0], "--prune") == 0;
    char id[CRYPTO_KEY_ID_MAX + 1], err[CRYPTO_ERR_MAX];
    struct problem p;
    problem_init(&p);
    struct db *db = db_new(cfg, DB_ROLE_ADMIN);
    struct arena a;
    arena_init(&a, 0);
    struct crypto_keyring *k = NULL;
    size_t total = 0, failed = 0, dropped = 0;
    int rc = 2;
    /* the database first: a rotation that cannot reach it adds no key */
    if (!db || db_connect(db, &p) < 0)
        goto out;
    if (!prune_only) {
        if (crypto_keyfile_add(cfg->master_key_file, id, err) < 0) {
            snprintf(p.detail, sizeof(p.detail), "%s", err);
            goto out;
        }
        printf("new master key %s is first in %s\n", id, cfg->master_key_file);
    }
    if (crypto_keyring_load(cfg->master_key_file, &k, err) < 0) {
        snprintf(p.detail, sizeof(p.detail), "%s", err);
        goto out;
    }
    snprintf(id, sizeof(id), "%s", crypto_keyring_current(k));
    /* the database's word for the sealing key: waits for writers in flight (they read it in
     * share mode); from here on every new version is sealed under the new key */
    struct db_value kv = DB_TEXTV(id);
    if (db_begin(db, &p) < 0 ||
        db_query(db, &a, "INSERT INTO secret_keyring (id, current_key_id) VALUES (1, ?) "
                         "ON DUPLICATE KEY UPDATE current_key_id = VALUES(current_key_id)", &kv, 1, NULL, &p) < 0 ||
        db_commit(db, &p) < 0)
        goto out;
    if (rewrap_all(db, &a, k, &total, &failed, &p) < 0)
        goto out;
    printf("wrapped %zu data keys again under %s", total, id);
    if (failed)
        printf("; %zu version(s) would not open and keep their key (see the log)", failed);
    printf("\n");
    if (prune(cfg, db, &a, id, &dropped, &p) < 0)
        goto out;
    struct audit_event ev = audit_admin_event(prune_only ? "secrets.prune-master-keys" : "secrets.rotate-master-key",
                                              "master-key", id,
                                              arena_printf(&a, "{\"rewrapped\":%zu,\"failed\":%zu,\"dropped\":%zu}",
                                                           total, failed, dropped));
    if (db_begin(db, &p) < 0 || audit_commit(db, &a, &ev, &p) < 0)
        goto out;
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "portico-admin: %s\n", p.detail[0] ? p.detail : "rotation failed");
    arena_free(&a);
    db_free(db);
    crypto_keyring_free(k);
    return rc;
}
