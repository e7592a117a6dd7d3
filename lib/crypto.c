/*
 * crypto: envelope encryption for secrets (see crypto.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"

#define KEYFILE_MAX 16384
#define AD_MAX 1024

struct crypto_key {
    char id[CRYPTO_KEY_ID_MAX + 1];
    unsigned char key[CRYPTO_KEY_BYTES];
};

struct crypto_keyring {
    size_t n;
    struct crypto_key keys[CRYPTO_KEYS_MAX];    /* [0] seals */
    struct stat st;                             /* of the file as it was read (fstat) */
};

int crypto_init(void)
{
    return sodium_init() < 0 ? -1 : 0;
}

static bool id_ok(const char *s, size_t n)
{
    if (n == 0 || n > CRYPTO_KEY_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '-' || s[i] == '_' || s[i] == '.'))
            return false;
    return true;
}

/* The file's text into guarded memory (zeroed when freed); -1 with err. */
static char *keyfile_read(const char *path, struct stat *read_st, char err[CRYPTO_ERR_MAX])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        snprintf(err, CRYPTO_ERR_MAX, "the master key file %s cannot be opened: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    char *text = NULL;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, CRYPTO_ERR_MAX, "the master key file %s is not a regular file", path);
    } else if (st.st_mode & S_IRWXO) {
        snprintf(err, CRYPTO_ERR_MAX, "the master key file %s may be read by any user: make it 0640 or 0600 "
                                      "(chmod o-rwx)", path);
    } else if (st.st_size > KEYFILE_MAX) {
        snprintf(err, CRYPTO_ERR_MAX, "the master key file %s is larger than a keyring can be", path);
    } else if (!(text = sodium_malloc(KEYFILE_MAX + 1))) {
        snprintf(err, CRYPTO_ERR_MAX, "no memory for the master keys");
    } else {
        *read_st = st;
        size_t len = 0;
        ssize_t r;
        while (len < KEYFILE_MAX && (r = read(fd, text + len, KEYFILE_MAX - len)) != 0) {
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0) {
                snprintf(err, CRYPTO_ERR_MAX, "the master key file %s cannot be read: %s", path, strerror(errno));
                sodium_free(text);
                text = NULL;
                break;
            }
            len += (size_t)r;
        }
        if (text)
            text[len] = 0;
    }
    close(fd);
    return text;
}

int crypto_keyring_load(const char *path, struct crypto_keyring **out, char err[CRYPTO_ERR_MAX])
{
    *out = NULL;
    err[0] = 0;
    if (!path || !*path) {
        snprintf(err, CRYPTO_ERR_MAX, "no master key file is configured (master_key_file)");
        return -1;
    }
    struct stat st;
    char *text = keyfile_read(path, &st, err);
    if (!text)
        return -1;
    struct crypto_keyring *k = sodium_malloc(sizeof(*k));
    if (!k) {
        sodium_free(text);
        snprintf(err, CRYPTO_ERR_MAX, "no memory for the master keys");
        return -1;
    }
    memset(k, 0, sizeof(*k));
    int line = 0;
    for (char *s = text, *eol; *s && !err[0]; s = *eol ? eol + 1 : eol) {
        eol = s + strcspn(s, "\n");
        line++;
        size_t len = (size_t)(eol - s);
        if (len == 0 || s[0] == '#')
            continue;
        size_t idlen = strcspn(s, " \n");
        const char *b64 = s + idlen + 1;
        size_t b64len = s + idlen < eol ? (size_t)(eol - b64) : 0;
        size_t klen = 0;
        if (k->n == CRYPTO_KEYS_MAX)
            snprintf(err, CRYPTO_ERR_MAX, "the master key file %s holds more than %d keys", path, CRYPTO_KEYS_MAX);
        else if (!id_ok(s, idlen))
            snprintf(err, CRYPTO_ERR_MAX, "the master key file %s, line %d: a key's id is 1 to %d letters, digits, "
                                          "'-', '_' or '.'", path, line, CRYPTO_KEY_ID_MAX);
        else if (sodium_base642bin(k->keys[k->n].key, CRYPTO_KEY_BYTES, b64, b64len, NULL, &klen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
                 klen != CRYPTO_KEY_BYTES)
            snprintf(err, CRYPTO_ERR_MAX, "the master key file %s, line %d: the key is not %d bytes in base64", path, line,
                     CRYPTO_KEY_BYTES);
        else {
            memcpy(k->keys[k->n].id, s, idlen);
            for (size_t i = 0; i < k->n; i++)
                if (strcmp(k->keys[i].id, k->keys[k->n].id) == 0)
                    snprintf(err, CRYPTO_ERR_MAX, "the master key file %s, line %d: the id %s is there twice", path, line,
                             k->keys[i].id);
            k->n++;
        }
    }
    sodium_free(text);
    if (!err[0] && k->n == 0)
        snprintf(err, CRYPTO_ERR_MAX, "the master key file %s holds no key", path);
    if (err[0]) {
        sodium_free(k);
        return -1;
    }
    k->st = st;
    sodium_mprotect_readonly(k);
    *out = k;
    return 0;
}

bool crypto_keyring_is_file(const struct crypto_keyring *k, const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && st.st_dev == k->st.st_dev && st.st_ino == k->st.st_ino &&
           st.st_mtim.tv_sec == k->st.st_mtim.tv_sec && st.st_mtim.tv_nsec == k->st.st_mtim.tv_nsec &&
           st.st_ctim.tv_sec == k->st.st_ctim.tv_sec && st.st_ctim.tv_nsec == k->st.st_ctim.tv_nsec;
}

void crypto_keyring_free(struct crypto_keyring *k)
{
    if (k)
        sodium_free(k);
}

const char *crypto_keyring_current(const struct crypto_keyring *k)
{
    return k->keys[0].id;
}

size_t crypto_keyring_size(const struct crypto_keyring *k)
{
    return k->n;
}

const char *crypto_keyring_id(const struct crypto_keyring *k, size_t i)
{
    return i < k->n ? k->keys[i].id : NULL;
}

static const struct crypto_key *key_find(const struct crypto_keyring *k, const char *id)
{
    for (size_t i = 0; i < k->n; i++)
        if (strcmp(k->keys[i].id, id) == 0)
            return &k->keys[i];
    return NULL;
}

bool crypto_keyring_has(const struct crypto_keyring *k, const char *id)
{
    return key_find(k, id) != NULL;
}

/* The associated data of each layer, domain-separated: "portico-value\0<ad>" for the value,
 * "portico-key\0<master key id>\0<ad>" for the wrapped data key. */
static size_t ad_build(unsigned char out[AD_MAX], const char *label, const char *key_id, const void *ad, size_t adlen)
{
    size_t n = 0, l = strlen(label) + 1, kl = key_id ? strlen(key_id) + 1 : 0;
    if (l + kl + adlen > AD_MAX)
        return 0;
    memcpy(out, label, l);
    n += l;
    if (key_id) {
        memcpy(out + n, key_id, kl);
        n += kl;
    }
    memcpy(out + n, ad, adlen);
    return n + adlen;
}

static enum crypto_status wrap(const struct crypto_key *mk, const void *ad, size_t adlen, const unsigned char *dk,
                               unsigned char wrapped[CRYPTO_WRAPPED_BYTES])
{
    unsigned char a[AD_MAX];
    size_t alen = ad_build(a, "portico-key", mk->id, ad, adlen);
    if (!alen)
        return CRYPTO_FAILED;
    randombytes_buf(wrapped, CRYPTO_NONCE_BYTES);
    crypto_aead_xchacha20poly1305_ietf_encrypt(wrapped + CRYPTO_NONCE_BYTES, NULL, dk, CRYPTO_KEY_BYTES, a, alen, NULL,
                                               wrapped, mk->key);
    return CRYPTO_OK;
}

static enum crypto_status unwrap(const struct crypto_keyring *k, const void *ad, size_t adlen, const struct crypto_sealed *s,
                                 unsigned char *dk)
{
    const struct crypto_key *mk = key_find(k, s->key_id);
    if (!mk)
        return CRYPTO_UNKNOWN_KEY;
    unsigned char a[AD_MAX];
    size_t alen = ad_build(a, "portico-key", mk->id, ad, adlen);
    if (!alen)
        return CRYPTO_FAILED;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(dk, NULL, NULL, s->wrapped + CRYPTO_NONCE_BYTES,
                                                   CRYPTO_KEY_BYTES + CRYPTO_TAG_BYTES, a, alen, s->wrapped, mk->key) != 0)
        return CRYPTO_INTEGRITY;
    return CRYPTO_OK;
}

enum crypto_status crypto_seal(const struct crypto_keyring *k, const void *ad, size_t adlen, const void *value, size_t len,
                               struct crypto_sealed *out)
{
    memset(out, 0, sizeof(*out));
    unsigned char a[AD_MAX], dk[CRYPTO_KEY_BYTES];
    size_t alen = ad_build(a, "portico-value", NULL, ad, adlen);
    if (!alen || !(out->ct = malloc(len + CRYPTO_TAG_BYTES)))
        return CRYPTO_FAILED;
    out->ct_len = len + CRYPTO_TAG_BYTES;
    snprintf(out->key_id, sizeof(out->key_id), "%s", k->keys[0].id);
    crypto_aead_xchacha20poly1305_ietf_keygen(dk);
    randombytes_buf(out->nonce, sizeof(out->nonce));
    crypto_aead_xchacha20poly1305_ietf_encrypt(out->ct, NULL, value, len, a, alen, NULL, out->nonce, dk);
    enum crypto_status st = wrap(&k->keys[0], ad, adlen, dk, out->wrapped);
    sodium_memzero(dk, sizeof(dk));
    if (st != CRYPTO_OK)
        crypto_sealed_free(out);
    return st;
}

enum crypto_status crypto_open(const struct crypto_keyring *k, const void *ad, size_t adlen, const struct crypto_sealed *in,
                               void *value)
{
    unsigned char a[AD_MAX], dk[CRYPTO_KEY_BYTES];
    size_t alen = ad_build(a, "portico-value", NULL, ad, adlen);
    if (!alen || in->ct_len < CRYPTO_TAG_BYTES)
        return CRYPTO_FAILED;
    enum crypto_status st = unwrap(k, ad, adlen, in, dk);
    if (st == CRYPTO_OK && crypto_aead_xchacha20poly1305_ietf_decrypt(value, NULL, NULL, in->ct, in->ct_len, a, alen,
                                                                      in->nonce, dk) != 0)
        st = CRYPTO_INTEGRITY;
    sodium_memzero(dk, sizeof(dk));
    if (st != CRYPTO_OK)
        sodium_memzero(value, in->ct_len - CRYPTO_TAG_BYTES);
    return st;
}

enum crypto_status crypto_rewrap(const struct crypto_keyring *k, const void *ad, size_t adlen, struct crypto_sealed *s)
{
    unsigned char dk[CRYPTO_KEY_BYTES], wrapped[CRYPTO_WRAPPED_BYTES];
    enum crypto_status st = unwrap(k, ad, adlen, s, dk);
    if (st == CRYPTO_OK && (st = wrap(&k->keys[0], ad, adlen, dk, wrapped)) == CRYPTO_OK) {
        memcpy(s->wrapped, wrapped, sizeof(wrapped));
        snprintf(s->key_id, sizeof(s->key_id), "%s", k->keys[0].id);
    }
    sodium_memzero(dk, sizeof(dk));
    return st;
}

void crypto_sealed_free(struct crypto_sealed *s)
{
    free(s->ct);
    s->ct = NULL;
    s->ct_len = 0;
}

const char *crypto_status_text(enum crypto_status st)
{
    switch (st) {
    case CRYPTO_OK:
        return "ok";
    case CRYPTO_UNKNOWN_KEY:
        return "sealed under a master key this keyring does not hold";
    case CRYPTO_INTEGRITY:
        return "fails its integrity check (altered, moved to another path or version, or another key of that id)";
    case CRYPTO_FAILED:
        break;
    }
    return "could not be processed";
}

/* ---- the keyring file ------------------------------------------------------------------------ */

/* Writes keys (ids and bytes, [0] first) to path through a new file renamed over it; the old
 * file's owner and group are kept where this process may. */
/* The directory of path to disk, so that a rename survives a crash before the database's
 * commits that rely on the new key. */
static int dir_sync(const char *path, char err[CRYPTO_ERR_MAX])
{
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        dir[1] = 0;
    else if (slash)
        *slash = 0;
    else
        snprintf(dir, sizeof(dir), ".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = fd >= 0 && fsync(fd) == 0 ? 0 : -1;
    if (fd >= 0)
        close(fd);
    if (rc < 0)
        snprintf(err, CRYPTO_ERR_MAX, "the directory of %.200s cannot be synced: %s", path, strerror(errno));
    return rc;
}

/* One change of the key file at a time (portico-admin runs on any host): an exclusive lock on
 * "<path>.lock", held until keyfile_unlock. -1 with err. */
static int keyfile_lock(const char *path, char err[CRYPTO_ERR_MAX])
{
    char lock[4096];
    snprintf(lock, sizeof(lock), "%s.lock", path);
    int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0 || flock(fd, LOCK_EX) < 0) {
        snprintf(err, CRYPTO_ERR_MAX, "%.200s cannot be locked: %s", lock, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static void keyfile_unlock(int fd)
{
    if (fd >= 0)
        close(fd);
}

/* exclusive: the file must not exist yet (link, not rename). */
static int keyfile_write(const char *path, const struct crypto_keyring *k, bool exclusive, char err[CRYPTO_ERR_MAX])
{
    size_t cap = 128 + k->n * (CRYPTO_KEY_ID_MAX + 64);
    char *text = sodium_malloc(cap), tmp[4096];
    if (!text) {
        snprintf(err, CRYPTO_ERR_MAX, "no memory for the master keys");
        return -1;
    }
    size_t len = (size_t)snprintf(text, cap, "# Portico master keys: the first seals; the others open what they sealed.\n");
    for (size_t i = 0; i < k->n; i++) {
        len += (size_t)snprintf(text + len, cap - len, "%s ", k->keys[i].id);
        sodium_bin2base64(text + len, cap - len, k->keys[i].key, CRYPTO_KEY_BYTES, sodium_base64_VARIANT_ORIGINAL);
        len += strlen(text + len);
        text[len++] = '\n';
    }
    snprintf(tmp, sizeof(tmp), "%s.new", path);
    unlink(tmp);   /* left by a crash: we hold the lock */
    int rc = -1, fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0640);
    struct stat old;
    if (fd < 0) {
        snprintf(err, CRYPTO_ERR_MAX, "%.200s cannot be created: %s", tmp, strerror(errno));
    } else {
        if (stat(path, &old) == 0 && fchown(fd, old.st_uid, old.st_gid) < 0 && fchown(fd, (uid_t)-1, old.st_gid) < 0) {
            /* not ours to give away: the new file is the caller's, as it would be on creation */
        }
        if (fchmod(fd, 0640) < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) < 0)
            snprintf(err, CRYPTO_ERR_MAX, "%.200s cannot be written: %s", tmp, strerror(errno));
        else if (exclusive ? link(tmp, path) < 0 : rename(tmp, path) < 0)
            snprintf(err, CRYPTO_ERR_MAX, "%.200s cannot become the key file: %s", tmp, strerror(errno));
        else
            rc = dir_sync(path, err);
        close(fd);
        unlink(tmp);   /* after a link, the key file's other name; after a rename, nothing */
    }
    sodium_free(text);
    return rc;
}

static void key_new(struct crypto_key *key)
{
    unsigned char r[4];
    char hex[9];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    randombytes_buf(r, sizeof(r));
    sodium_bin2hex(hex, sizeof(hex), r, sizeof(r));
    snprintf(key->id, sizeof(key->id), "mk-%04d%02d%02d-%.8s", (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100,
             tm.tm_mday % 100, hex);
    crypto_aead_xchacha20poly1305_ietf_keygen(key->key);
}

int crypto_keyfile_create(const char *path, char new_id[CRYPTO_KEY_ID_MAX + 1], char err[CRYPTO_ERR_MAX])
{
    err[0] = 0;
    int lock = keyfile_lock(path, err);
    if (lock < 0)
        return -1;
    struct crypto_keyring *k = access(path, F_OK) == 0 ? NULL : sodium_malloc(sizeof(*k));
    if (!k) {
        if (access(path, F_OK) == 0)
            snprintf(err, CRYPTO_ERR_MAX, "%.200s exists: a master key is never overwritten (rotate-master-key adds one)",
                     path);
        else
            snprintf(err, CRYPTO_ERR_MAX, "no memory for the master keys");
        keyfile_unlock(lock);
        return -1;
    }
    memset(k, 0, sizeof(*k));
    k->n = 1;
    key_new(&k->keys[0]);
    snprintf(new_id, CRYPTO_KEY_ID_MAX + 1, "%s", k->keys[0].id);
    int rc = keyfile_write(path, k, true, err);
    sodium_free(k);
    keyfile_unlock(lock);
    return rc;
}

/* The keyring of path, writable, for a change. */
static struct crypto_keyring *keyring_for_change(const char *path, char err[CRYPTO_ERR_MAX])
{
    struct crypto_keyring *old, *k;
    if (crypto_keyring_load(path, &old, err) < 0)
        return NULL;
    if (!(k = sodium_malloc(sizeof(*k)))) {
        crypto_keyring_free(old);
        snprintf(err, CRYPTO_ERR_MAX, "no memory for the master keys");
        return NULL;
    }
    memcpy(k, old, sizeof(*k));
    crypto_keyring_free(old);
    return k;
}

int crypto_keyfile_add(const char *path, char new_id[CRYPTO_KEY_ID_MAX + 1], char err[CRYPTO_ERR_MAX])
{
    int lock = keyfile_lock(path, err);
    struct crypto_keyring *k = lock < 0 ? NULL : keyring_for_change(path, err);
    if (!k) {
        keyfile_unlock(lock);
        return -1;
    }
    int rc = -1;
    if (k->n == CRYPTO_KEYS_MAX) {
        snprintf(err, CRYPTO_ERR_MAX, "the keyring holds %d keys already: drop the unused ones first "
                                      "(rotate-master-key --prune)", CRYPTO_KEYS_MAX);
    } else {
        memmove(&k->keys[1], &k->keys[0], k->n * sizeof(k->keys[0]));
        k->n++;
        key_new(&k->keys[0]);
        snprintf(new_id, CRYPTO_KEY_ID_MAX + 1, "%s", k->keys[0].id);
        rc = keyfile_write(path, k, false, err);
    }
    sodium_free(k);
    keyfile_unlock(lock);
    return rc;
}

int crypto_keyfile_keep(const char *path, const char *const *ids, size_t n, size_t *dropped, char err[CRYPTO_ERR_MAX])
{
    int lock = keyfile_lock(path, err);
    struct crypto_keyring *k = lock < 0 ? NULL : keyring_for_change(path, err);
    *dropped = 0;
    if (!k) {
        keyfile_unlock(lock);
        return -1;
    }
    size_t kept = 1;   /* the current key always */
    for (size_t i = 1; i < k->n; i++) {
        bool keep = false;
        for (size_t j = 0; j < n && !keep; j++)
            keep = strcmp(ids[j], k->keys[i].id) == 0;
        if (keep)
            k->keys[kept++] = k->keys[i];
    }
    *dropped = k->n - kept;
    sodium_memzero(&k->keys[kept], (k->n - kept) * sizeof(k->keys[0]));
    k->n = kept;
    int rc = *dropped ? keyfile_write(path, k, false, err) : 0;
    sodium_free(k);
    keyfile_unlock(lock);
    return rc;
}
