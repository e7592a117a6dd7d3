/*
 * crypto: envelope encryption for secrets, with libsodium (XChaCha20-Poly1305, IETF).
 *
 * Each value is encrypted with a random data key of its own; the data key is encrypted
 * ("wrapped") by a master key of the keyring. Both carry the same associated data (for secrets:
 * the secret's path and version, lib/secrets), so a row copied to another path or version does
 * not open, and neither does one with a flipped byte anywhere: the value, either nonce, the
 * wrapped key or the associated data.
 *
 * The keyring is a file outside the document root, readable by the handlers' user only
 * (portico-admin init-master-key writes it): one key a line, "<id> <base64 of 32 bytes>", the
 * first line the current key, which seals; the others only open what they sealed until
 * portico-admin rotate-master-key has wrapped every data key again under the current one.
 * In memory the keys live in guarded, locked, read-only pages (sodium_malloc).
 */
#ifndef PORTICO_CRYPTO_H
#define PORTICO_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

#define CRYPTO_KEY_BYTES 32
#define CRYPTO_NONCE_BYTES 24
#define CRYPTO_TAG_BYTES 16
#define CRYPTO_WRAPPED_BYTES (CRYPTO_NONCE_BYTES + CRYPTO_KEY_BYTES + CRYPTO_TAG_BYTES)
#define CRYPTO_KEY_ID_MAX 32
#define CRYPTO_KEYS_MAX 16
#define CRYPTO_ERR_MAX 256

enum crypto_status {
    CRYPTO_OK = 0,
    CRYPTO_UNKNOWN_KEY = -1,    /* sealed under a master key the keyring does not hold */
    CRYPTO_INTEGRITY = -2,      /* altered, moved, or sealed under another key of that id */
    CRYPTO_FAILED = -3,         /* out of memory, or libsodium refused */
};

struct crypto_keyring;

/* What is stored for one value. ct is value || tag (len + CRYPTO_TAG_BYTES bytes). */
struct crypto_sealed {
    char key_id[CRYPTO_KEY_ID_MAX + 1];
    unsigned char wrapped[CRYPTO_WRAPPED_BYTES];    /* nonce || data key sealed by the master key */
    unsigned char nonce[CRYPTO_NONCE_BYTES];
    unsigned char *ct;
    size_t ct_len;
};

/* sodium_init, once; -1 when libsodium cannot start. */
int crypto_init(void);

/* Reads the keyring file. -1 with a message in err (never a key's bytes) when it is missing,
 * readable by others than its owner and group, or malformed. */
int crypto_keyring_load(const char *path, struct crypto_keyring **out, char err[CRYPTO_ERR_MAX]);
void crypto_keyring_free(struct crypto_keyring *k);
const char *crypto_keyring_current(const struct crypto_keyring *k);
size_t crypto_keyring_size(const struct crypto_keyring *k);
const char *crypto_keyring_id(const struct crypto_keyring *k, size_t i);
bool crypto_keyring_has(const struct crypto_keyring *k, const char *id);
/* Is the file at path still the one k was read from (device, inode, change and modification
 * times of the descriptor it was read through)? */
bool crypto_keyring_is_file(const struct crypto_keyring *k, const char *path);

/* Seals len bytes under a new data key wrapped by the current master key; out->ct is malloc'd
 * (crypto_sealed_free). */
enum crypto_status crypto_seal(const struct crypto_keyring *k, const void *ad, size_t adlen, const void *value, size_t len,
                               struct crypto_sealed *out);
/* Opens into value (in->ct_len - CRYPTO_TAG_BYTES bytes); on failure value is zeroed. */
enum crypto_status crypto_open(const struct crypto_keyring *k, const void *ad, size_t adlen, const struct crypto_sealed *in,
                               void *value);
/* Wraps s's data key again under the current master key (the value is untouched). */
enum crypto_status crypto_rewrap(const struct crypto_keyring *k, const void *ad, size_t adlen, struct crypto_sealed *s);
void crypto_sealed_free(struct crypto_sealed *s);
const char *crypto_status_text(enum crypto_status st);

/* The keyring file, for portico-admin: create it with one new key (refused if it exists);
 * put a new key first (new_id receives its id); keep only the keys named (the current key
 * always stays). Each writes a new file and renames it over the old one, mode 0640. */
int crypto_keyfile_create(const char *path, char new_id[CRYPTO_KEY_ID_MAX + 1], char err[CRYPTO_ERR_MAX]);
int crypto_keyfile_add(const char *path, char new_id[CRYPTO_KEY_ID_MAX + 1], char err[CRYPTO_ERR_MAX]);
int crypto_keyfile_keep(const char *path, const char *const *ids, size_t n, size_t *dropped, char err[CRYPTO_ERR_MAX]);

#endif
