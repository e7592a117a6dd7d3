/*
 * portico-admin secrets export FILE | import FILE: a backup of every secret and version.
 *
 * The export holds the rows as they are stored (each version still sealed under its own data
 * key), gathered in one JSON document that is itself sealed under the current master key
 * (lib/crypto, associated data "portico-secrets-export-1"): without the keyring the file shows
 * neither values nor paths. Import opens it with the keyring, adds the secrets whose paths are
 * not there yet (one transaction; a path that exists is kept as it is), wraps each version's
 * data key again under the current master key (which also proves the keyring opens it), and
 * is audited. No value is decrypted either way.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admin/secrets_io.h"
#include "lib/audit.h"
#include "lib/crypto.h"
#include "lib/db.h"
#include "lib/secrets.h"

#define EXPORT_AD "portico-secrets-export-1"
#define EXPORT_MAX (1L << 30)

static bool b64_failed;   /* an encoding ran out of memory: the export is not written */

static json_object *b64(const char *p, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *s = malloc(cap);
    if (!s) {
        b64_failed = true;
        return NULL;
    }
    sodium_bin2base64(s, cap, (const unsigned char *)p, n, sodium_base64_VARIANT_ORIGINAL);
    json_object *o = json_object_new_string(s);
    free(s);
    return o;
}

/* base64 of a JSON string field into a malloc'd buffer; -1 when absent or malformed */
static int unb64(json_object *o, const char *key, unsigned char **out, size_t *len)
{
    json_object *v;
    *out = NULL;
    *len = 0;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return -1;
    size_t n = (size_t)json_object_get_string_len(v);
    if (!(*out = malloc(n + 1)))
        return -1;
    if (sodium_base642bin(*out, n + 1, json_object_get_string(v), n, NULL, len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
        free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

static const char *str(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static long long num(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

static int export_to(const struct config *cfg, const struct crypto_keyring *k, const char *file)
{
    struct problem p;
    problem_init(&p);
    struct db *db = db_new(cfg, DB_ROLE_ADMIN);
    struct arena a;
    arena_init(&a, 0);
    struct db_result s, v;
    int rc = 2;
    if (!db || db_begin(db, &p) < 0)
        goto out;
    /* one snapshot of both tables */
    if (db_query(db, &a, "SELECT id, path, scope_type, team, entity_ref, environment, name, max_versions, current_version, "
                         "created_at, created_by FROM secrets ORDER BY id", NULL, 0, &s, &p) < 0 ||
        db_query(db, &a, "SELECT secret_id, version, master_key_id, wrapped_key, nonce, ciphertext, size, created_at, "
                         "created_by, deleted_at, destroyed_at FROM secret_versions ORDER BY secret_id, version",
                 NULL, 0, &v, &p) < 0 ||
        db_rollback(db, &p) < 0)
        goto out;
    json_object *doc = json_object_new_object(), *list = json_object_new_array();
    json_object_object_add(doc, "format", json_object_new_string("portico-secrets-1"));
    json_object_object_add(doc, "secrets", list);
    static const char *const scols[] = { "id", "path", "scope_type", "team", "entity_ref", "environment", "name",
                                         "max_versions", "current_version", "created_at", "created_by" };
    static const char *const vcols[] = { "secret_id", "version", "master_key_id", "wrapped_key", "nonce", "ciphertext",
                                         "size", "created_at", "created_by", "deleted_at", "destroyed_at" };
    size_t at = 0, nversions = 0;
    for (size_t i = 0; i < s.nrows; i++) {
        json_object *o = json_object_new_object(), *vs = json_object_new_array();
        for (size_t c = 1; c < sizeof(scols) / sizeof(scols[0]); c++)
            json_object_object_add(o, scols[c], db_cell(&s, i, c) ? json_object_new_string(db_cell(&s, i, c)) : NULL);
        const char *id = db_cell(&s, i, 0);
        for (; at < v.nrows && strcmp(db_cell(&v, at, 0), id) == 0; at++, nversions++) {
            json_object *e = json_object_new_object();
            for (size_t c = 1; c < sizeof(vcols) / sizeof(vcols[0]); c++) {
                const char *cell = db_cell(&v, at, c);
                bool binary = c >= 3 && c <= 5;
                json_object_object_add(e, vcols[c], !cell ? NULL : binary ? b64(cell, v.cells[at * v.ncols + c].len)
                                                                          : json_object_new_string(cell));
            }
            json_object_array_add(vs, e);
        }
        json_object_object_add(o, "versions", vs);
        json_object_array_add(list, o);
    }
    size_t len;
    const char *text = json_object_to_json_string_length(doc, JSON_C_TO_STRING_PLAIN, &len);
    struct crypto_sealed env;
    if (crypto_seal(k, EXPORT_AD, sizeof(EXPORT_AD), text, len, &env) != CRYPTO_OK) {
        json_object_put(doc);
        snprintf(p.detail, sizeof(p.detail), "the export could not be sealed");
        goto out;
    }
    json_object_put(doc);
    json_object *file_doc = json_object_new_object();
    json_object_object_add(file_doc, "format", json_object_new_string(EXPORT_AD));
    json_object_object_add(file_doc, "key_id", json_object_new_string(env.key_id));
    json_object_object_add(file_doc, "wrapped", b64((const char *)env.wrapped, sizeof(env.wrapped)));
    json_object_object_add(file_doc, "nonce", b64((const char *)env.nonce, sizeof(env.nonce)));
    json_object_object_add(file_doc, "ciphertext", b64((const char *)env.ct, env.ct_len));
    crypto_sealed_free(&env);
    if (b64_failed) {
        json_object_put(file_doc);
        snprintf(p.detail, sizeof(p.detail), "out of memory while encoding the export: nothing was written");
        goto out;
    }
    const char *out_text = json_object_to_json_string_ext(file_doc, JSON_C_TO_STRING_PLAIN);
    int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    size_t out_len = strlen(out_text);
    if (fd < 0 || write(fd, out_text, out_len) != (ssize_t)out_len || write(fd, "\n", 1) != 1 || fsync(fd) < 0) {
        snprintf(p.detail, sizeof(p.detail), "%.200s cannot be written (it must not exist yet): %s", file, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(file);
        }
        json_object_put(file_doc);
        goto out;
    }
    close(fd);
    json_object_put(file_doc);
    struct audit_event ev = audit_admin_event("secrets.export", "secrets", NULL,
                                              arena_printf(&a, "{\"secrets\":%zu,\"versions\":%zu}", s.nrows, nversions));
    if (db_begin(db, &p) < 0 || audit_commit(db, &a, &ev, &p) < 0)
        goto out;
    printf("exported %zu secrets (%zu versions) to %s, sealed under master key %s\n", s.nrows, nversions, file,
           crypto_keyring_current(k));
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "portico-admin: %s\n", p.detail[0] ? p.detail : "export failed");
    arena_free(&a);
    db_free(db);
    return rc;
}

/* The inner document of an export file, opened with the keyring (caller puts); NULL with why. */
static json_object *export_open(const struct crypto_keyring *k, const char *file, const char **why)
{
    FILE *f = fopen(file, "r");
    json_object *doc = NULL, *inner = NULL;
    *why = "cannot be read";
    if (!f)
        return NULL;
    struct stat st;
    char *text = NULL;
    if (fstat(fileno(f), &st) == 0 && st.st_size > 0 && st.st_size < EXPORT_MAX && (text = malloc((size_t)st.st_size + 1)) &&
        fread(text, 1, (size_t)st.st_size, f) == (size_t)st.st_size) {
        text[st.st_size] = 0;
        doc = json_tokener_parse(text);
    }
    fclose(f);
    free(text);
    struct crypto_sealed env = { 0 };
    unsigned char *w = NULL, *n = NULL;
    size_t wl, nl;
    const char *kid = doc ? str(doc, "key_id") : NULL;
    if (!doc || !str(doc, "format") || strcmp(str(doc, "format"), EXPORT_AD) != 0 || !kid || strlen(kid) > CRYPTO_KEY_ID_MAX ||
        unb64(doc, "wrapped", &w, &wl) < 0 || wl != sizeof(env.wrapped) || unb64(doc, "nonce", &n, &nl) < 0 ||
        nl != sizeof(env.nonce) || unb64(doc, "ciphertext", &env.ct, &env.ct_len) < 0 || env.ct_len < CRYPTO_TAG_BYTES) {
        *why = "is not a Portico secrets export";
    } else {
        snprintf(env.key_id, sizeof(env.key_id), "%s", kid);
        memcpy(env.wrapped, w, wl);
        memcpy(env.nonce, n, nl);
        char *plain = sodium_malloc(env.ct_len - CRYPTO_TAG_BYTES + 1);
        enum crypto_status cs = plain ? crypto_open(k, EXPORT_AD, sizeof(EXPORT_AD), &env, plain) : CRYPTO_FAILED;
        if (cs == CRYPTO_OK) {
            plain[env.ct_len - CRYPTO_TAG_BYTES] = 0;
            inner = json_tokener_parse(plain);
            *why = inner ? NULL : "holds no readable document";
        } else {
            *why = crypto_status_text(cs);
        }
        if (plain)
            sodium_free(plain);
    }
    free(w);
    free(n);
    crypto_sealed_free(&env);
    json_object_put(doc);
    return inner;
}

static int import_from(const struct config *cfg, const struct crypto_keyring *k, const char *file)
{
    const char *why;
    json_object *doc = export_open(k, file, &why), *list;
    if (!doc) {
        fprintf(stderr, "portico-admin: %s %s\n", file, why);
        return 2;
    }
    struct problem p;
    problem_init(&p);
    struct db *db = db_new(cfg, DB_ROLE_ADMIN);
    struct arena a;
    arena_init(&a, 0);
    size_t added = 0, kept = 0, versions = 0;
    int rc = 2;
    if (!json_object_object_get_ex(doc, "secrets", &list) || !json_object_is_type(list, json_type_array)) {
        snprintf(p.detail, sizeof(p.detail), "the export holds no list of secrets");
        goto out;
    }
    if (!db || db_begin(db, &p) < 0)
        goto out;
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *o = json_object_array_get_idx(list, i), *vs;
        const char *path = str(o, "path");
        struct secret_path sp;
        if (!path || secret_path_parse(path, &sp, &why) < 0) {
            snprintf(p.detail, sizeof(p.detail), "secret %zu of the export has no valid path", i);
            goto abort;
        }
        struct db_value pv = DB_TEXTV(path);
        struct db_result r, ins;
        if (db_query(db, &a, "SELECT id FROM secrets WHERE path = ? FOR UPDATE", &pv, 1, &r, &p) < 0)
            goto abort;
        if (r.nrows) {
            kept++;
            continue;
        }
        const char *team = str(o, "team"), *ent = str(o, "entity_ref"), *by = str(o, "created_by");
        struct db_value sv[10] = { pv, DB_TEXTV(sp.entity ? "entity" : "team"), team ? DB_TEXTV(team) : DB_NULLV,
                                   ent ? DB_TEXTV(ent) : DB_NULLV, DB_TEXTV(sp.environment), DB_TEXTV(sp.name),
                                   DB_INTV(atoll(str(o, "max_versions") ? str(o, "max_versions") : "10")),
                                   DB_INTV(atoll(str(o, "current_version") ? str(o, "current_version") : "0")),
                                   DB_TEXTV(by ? by : "import"),
                                   DB_TEXTV(str(o, "created_at") ? str(o, "created_at") : "1970-01-01 00:00:00") };
        if (db_query(db, &a, "INSERT INTO secrets (path, scope_type, team, entity_ref, environment, name, max_versions, "
                             "current_version, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     sv, 10, &ins, &p) < 0)
            goto abort;
        added++;
        if (!json_object_object_get_ex(o, "versions", &vs) || !json_object_is_type(vs, json_type_array))
            continue;
        for (size_t j = 0; j < json_object_array_length(vs); j++) {
            json_object *e = json_object_array_get_idx(vs, j);
            long long version = num(e, "version") ? num(e, "version") : atoll(str(e, "version") ? str(e, "version") : "0");
            struct crypto_sealed s = { 0 };
            unsigned char *w = NULL, *n = NULL;
            size_t wl = 0, nl = 0;
            bool destroyed = str(e, "destroyed_at") != NULL;
            const char *kid = str(e, "master_key_id");
            if (version < 1 || !kid || strlen(kid) > CRYPTO_KEY_ID_MAX || unb64(e, "wrapped_key", &w, &wl) < 0 ||
                wl != sizeof(s.wrapped) || unb64(e, "nonce", &n, &nl) < 0 || nl != sizeof(s.nonce) ||
                (!destroyed && unb64(e, "ciphertext", &s.ct, &s.ct_len) < 0)) {
                free(w);
                free(n);
                snprintf(p.detail, sizeof(p.detail), "%.200s: a version of the export is malformed", path);
                goto abort;
            }
            snprintf(s.key_id, sizeof(s.key_id), "%s", kid);
            memcpy(s.wrapped, w, wl);
            memcpy(s.nonce, n, nl);
            free(w);
            free(n);
            char ad[SECRET_PATH_MAX + 16];
            size_t adlen = (size_t)snprintf(ad, sizeof(ad), "%s", path) + 1;
            adlen += (size_t)snprintf(ad + adlen, sizeof(ad) - adlen, "%lld", version);
            enum crypto_status cs = destroyed ? CRYPTO_OK : crypto_rewrap(k, ad, adlen, &s);
            if (cs != CRYPTO_OK) {
                crypto_sealed_free(&s);
                snprintf(p.detail, sizeof(p.detail), "%.200s version %lld %s", path, version, crypto_status_text(cs));
                goto abort;
            }
            const char *vby = str(e, "created_by"), *del = str(e, "deleted_at");
            struct db_value vv[11] = { DB_INTV((long long)ins.insert_id), DB_INTV(version), DB_TEXTV(s.key_id),
                                       DB_BLOBV((const char *)s.wrapped, sizeof(s.wrapped)),
                                       DB_BLOBV((const char *)s.nonce, sizeof(s.nonce)),
                                       s.ct ? DB_BLOBV((const char *)s.ct, s.ct_len) : DB_NULLV,
                                       DB_INTV(atoll(str(e, "size") ? str(e, "size") : "0")), DB_TEXTV(vby ? vby : "import"),
                                       del ? DB_TEXTV(del) : DB_NULLV,
                                       destroyed ? DB_TEXTV(str(e, "destroyed_at")) : DB_NULLV,
                                       DB_TEXTV(str(e, "created_at") ? str(e, "created_at") : "1970-01-01 00:00:00") };
            int q = db_query(db, &a, "INSERT INTO secret_versions (secret_id, version, master_key_id, wrapped_key, nonce, "
                                     "ciphertext, size, created_by, deleted_at, destroyed_at, created_at) "
                                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", vv, 11, NULL, &p);
            crypto_sealed_free(&s);
            if (q < 0)
                goto abort;
            versions++;
        }
    }
    struct audit_event ev = audit_admin_event("secrets.import", "secrets", NULL,
                                              arena_printf(&a, "{\"added\":%zu,\"kept\":%zu,\"versions\":%zu}", added,
                                                           kept, versions));
    if (audit_commit(db, &a, &ev, &p) < 0)
        goto out;
    printf("imported %zu secrets (%zu versions); %zu paths already there were kept as they are\n", added, versions, kept);
    rc = 0;
    goto out;
abort:
    db_abort(db);
out:
    if (rc)
        fprintf(stderr, "portico-admin: %s\n", p.detail[0] ? p.detail : "import failed");
    json_object_put(doc);
    arena_free(&a);
    db_free(db);
    return rc;
}

int cmd_secrets(const struct config *cfg, int argc, char **argv)
{
    if (argc != 2 || (strcmp(argv[0], "export") != 0 && strcmp(argv[0], "import") != 0)) {
        fprintf(stderr, "usage: portico-admin secrets export FILE | import FILE\n");
        return 2;
    }
    char err[CRYPTO_ERR_MAX];
    struct crypto_keyring *k;
    if (crypto_keyring_load(cfg->master_key_file, &k, err) < 0) {
        fprintf(stderr, "portico-admin: %s\n", err);
        return 2;
    }
    int rc = strcmp(argv[0], "export") == 0 ? export_to(cfg, k, argv[1]) : import_from(cfg, k, argv[1]);
    crypto_keyring_free(k);
    return rc;
}
