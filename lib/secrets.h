/*
 * secrets: versioned, encrypted secrets (Vault's KV v2 semantics) on lib/crypto and lib/db.
 * The one way Portico reads or writes them: the secrets handler, the runner (provisioning
 * outputs, secrets a template asks for) and portico-admin (rotation, export).
 *
 * A path names a secret under a scope: "team/<team>/[<environment>/]<name>" or
 * "entity/<kind>/<namespace>/<entity>/[<environment>/]<name>". Each version is sealed with its
 * own data key and bound to "<path>\0<version>" (lib/crypto), so a row moved to another path
 * or version does not decrypt. Writes keep the last max_versions versions; delete and undelete
 * are soft, destroy removes a version's ciphertext for good. Values never reach a log, a
 * problem or an audit record from here; the buffers that held them are zeroed.
 */
#ifndef PORTICO_SECRETS_H
#define PORTICO_SECRETS_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "crypto.h"
#include "db.h"
#include "problem.h"
#include "secret_path.h"

#define SECRET_VALUE_MAX 65536
#define SECRET_VERSIONS_MAX 100

/* The keyring at path (master_key_file), kept in *ring: read on first use, and again when its
 * file is not the one read last or again is true. NULL with 503 secrets-unavailable (the reason
 * logged, not answered) when it cannot be read. */
const struct crypto_keyring *secrets_keyring(const char *path, struct crypto_keyring **ring, bool again, struct problem *p);

/* Who holds the secret at sp, as authorization asks. A secret's scope is the team stored with
 * it: a team scope's team; an entity's secret stays with the team that owned the entity when it
 * was written (and moves only when that team hands the live entity over: catalog_store), so a
 * deleted entity's secrets never pass to whoever makes an entity of the same name. A secret
 * not stored yet would be held by its team, or by the entity's owner now. */
struct secret_scope {
    const char *team;          /* the holding team (NULL: none known) */
    bool exists;               /* a secret is stored at the path */
    bool entity_known;         /* an entity scope's entity is in the catalog */
    bool entity_gone;          /* a stored entity secret whose entity is gone, or is now another
                                * team's: only its team holds it (bindings on the entity do not) */
};
int secrets_scope(struct db *db, struct arena *a, const struct secret_path *sp, struct secret_scope *out,
                  struct problem *p);

/* Writes a new version inside the caller's transaction, under a lock of the secret's row; a
 * new secret is created owned by team. cas < 0: none; 0: the secret must not have a version
 * yet; n: n must be its current version (else 409). max_versions 0 keeps the secret's (a new
 * one gets default_versions). *version: the version written. */
int secrets_write(struct db *db, struct arena *a, const struct crypto_keyring *k, const struct secret_path *sp,
                  const char *team, const void *value, size_t len, int cas, int max_versions, int default_versions,
                  const char *actor, int *version, struct problem *p);

/* Opens a version (0: the current one) into a guarded buffer the caller frees with
 * secrets_value_free. 404 when there is no such secret or version, 410 when it was deleted or
 * destroyed, 500 when it fails its integrity check (logged, never answered with bytes). */
int secrets_reveal(struct db *db, struct arena *a, const struct crypto_keyring *k, const char *path, int version,
                   unsigned char **value, size_t *len, int *got, struct problem *p);
void secrets_value_free(unsigned char *value, size_t len);

enum secret_change { SECRET_DELETE, SECRET_UNDELETE, SECRET_DESTROY };

/* Soft-deletes, undeletes or destroys the versions named (of the secret at path), inside the
 * caller's transaction. *changed: how many changed (a version already so is left alone). */
int secrets_versions_change(struct db *db, struct arena *a, const char *path, enum secret_change what, const int *versions,
                            size_t n, size_t *changed, struct problem *p);

/* Removes the secret at path and every version of it, for good (its versions go with its row,
 * sql/0013), inside the caller's transaction. *removed (may be NULL): whether there was one. */
int secrets_destroy(struct db *db, struct arena *a, const char *path, bool *removed, struct problem *p);

/* Rotation: wraps again, under the keyring's current key, up to batch data keys that are under
 * another, in the order of (secret, version) after `after` (which moves on; start at {0, 0});
 * each in its own short transaction. A version that will not open is logged, counted in
 * *failed and passed over (its key stays in use). *done: how many were wrapped again. A
 * writer seals only under the key secret_keyring names (0015), so set that first. */
int secrets_rewrap(struct db *db, struct arena *a, const struct crypto_keyring *k, size_t batch, long long after[2],
                   size_t *done, size_t *failed, struct problem *p);

#endif
