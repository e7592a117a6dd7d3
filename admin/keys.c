/*
 * portico-admin init-master-key: writes the keyring file (master_key_file) with one new key,
 * mode 0640; never overwrites one.
 *
 * portico-admin rotate-master-key: puts a new key first in the keyring (the handlers see the
 * changed file on their next secrets request and seal with it), wraps every data key again
 * under it, a row per short transaction while the portal keeps serving, passes once more after
 * a pause for writes that began under the old key, then drops the old keys no row uses any more
 * (a key still in use stays, and is named). Values are never decrypted: only data keys are.
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

static int rewrap_all(struct db *db, struct arena *a, const struct crypto_keyring *k, size_t *total, struct problem *p)
{
    size_t done;
    do {
        arena_reset(a);
        if (secrets_rewrap(db, a, k, REWRAP_BATCH, &done, p) < 0)
            return -1;
        *total += done;
    } while (done == REWRAP_BATCH);
    return 0;
}

int cmd_rotate_master_key(const struct config *cfg, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    char id[CRYPTO_KEY_ID_MAX + 1], err[CRYPTO_ERR_MAX];
    struct problem p;
    problem_init(&p);
    if (crypto_keyfile_add(cfg->master_key_file, id, err) < 0) {
        fprintf(stderr, "portico-admin: %s\n", err);
        return 2;
    }
    printf("new master key %s is first in %s\n", id, cfg->master_key_file);
    struct crypto_keyring *k;
    if (crypto_keyring_load(cfg->master_key_file, &k, err) < 0) {
        fprintf(stderr, "portico-admin: %s\n", err);
        return 2;
    }
    struct db *db = db_new(cfg, DB_ROLE_ADMIN);
    struct arena a;
    arena_init(&a, 0);
    size_t total = 0, dropped = 0;
    int rc = 2;
    /* again after a pause: a write that read the keyring before it changed seals under the old key */
    if (!db || rewrap_all(db, &a, k, &total, &p) < 0 || (sleep(2), rewrap_all(db, &a, k, &total, &p)) < 0)
        goto out;
    printf("wrapped %zu data keys again under %s\n", total, id);
    struct db_result r;
    if (db_query(db, &a, "SELECT DISTINCT master_key_id FROM secret_versions WHERE destroyed_at IS NULL", NULL, 0, &r, &p) < 0)
        goto out;
    const char **used = arena_calloc(&a, r.nrows + 1, sizeof(*used));
    for (size_t i = 0; used && i < r.nrows; i++) {
        used[i] = db_cell(&r, i, 0);
        if (strcmp(used[i], id) != 0)
            printf("key %s is still in use: kept (run rotate-master-key again later)\n", used[i]);
    }
    if (!used || crypto_keyfile_keep(cfg->master_key_file, used, r.nrows, &dropped, err) < 0) {
        fprintf(stderr, "portico-admin: %s\n", used ? err : "out of memory");
        goto out;
    }
    printf("dropped %zu old key(s) no version uses\n", dropped);
    struct audit_event ev = audit_admin_event("secrets.rotate-master-key", "master-key", id,
                                              arena_printf(&a, "{\"rewrapped\":%zu,\"dropped\":%zu}", total, dropped));
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
