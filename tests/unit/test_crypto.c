/*
 * crypto: a sealed value opens with its associated data and nothing else; one flipped byte in
 * the value, either nonce, the wrapped key or the associated data fails with an integrity
 * error; a key the keyring lacks is named as such; rotation wraps again without touching the
 * value; the keyring file is refused when others may read it or when it is malformed.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/crypto.h"
#include "tests/unit/suites.h"

static char dir[64], path[128];

static int setup(void)
{
    if (crypto_init() < 0)
        return 1;
    snprintf(dir, sizeof(dir), "/tmp/portico-crypto-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof(path), "%s/master.key", dir);
    return 0;
}

static int teardown(void)
{
    unlink(path);
    rmdir(dir);
    return 0;
}

static struct crypto_keyring *fresh_ring(void)
{
    char id[CRYPTO_KEY_ID_MAX + 1], err[CRYPTO_ERR_MAX];
    struct crypto_keyring *k = NULL;
    unlink(path);
    CU_ASSERT_EQUAL_FATAL(crypto_keyfile_create(path, id, err), 0);
    CU_ASSERT_EQUAL_FATAL(crypto_keyring_load(path, &k, err), 0);
    CU_ASSERT_STRING_EQUAL(crypto_keyring_current(k), id);
    CU_ASSERT_EQUAL(strncmp(id, "mk-", 3), 0);
    return k;
}

static void test_round_trip(void)
{
    struct crypto_keyring *k = fresh_ring();
    static const char ad[] = "team/payments/prod/stripe-key\0" "3";
    const char *values[] = { "sk_live_canary", "" };
    for (size_t i = 0; i < 2; i++) {
        struct crypto_sealed s;
        size_t len = strlen(values[i]);
        CU_ASSERT_EQUAL_FATAL(crypto_seal(k, ad, sizeof(ad), values[i], len, &s), CRYPTO_OK);
        CU_ASSERT_EQUAL(s.ct_len, len + CRYPTO_TAG_BYTES);
        CU_ASSERT_STRING_EQUAL(s.key_id, crypto_keyring_current(k));
        if (len)
            CU_ASSERT_PTR_NULL(memmem(s.ct, s.ct_len, values[i], len));   /* not in clear */
        char out[64] = "junk";
        CU_ASSERT_EQUAL(crypto_open(k, ad, sizeof(ad), &s, out), CRYPTO_OK);
        CU_ASSERT_EQUAL(memcmp(out, values[i], len), 0);
        crypto_sealed_free(&s);
    }
    /* 64 KiB of every byte value */
    size_t big = 65536;
    unsigned char *v = malloc(big), *o = malloc(big);
    for (size_t i = 0; i < big; i++)
        v[i] = (unsigned char)(i * 7);
    struct crypto_sealed s;
    CU_ASSERT_EQUAL_FATAL(crypto_seal(k, ad, sizeof(ad), v, big, &s), CRYPTO_OK);
    CU_ASSERT_EQUAL(crypto_open(k, ad, sizeof(ad), &s, o), CRYPTO_OK);
    CU_ASSERT_EQUAL(memcmp(v, o, big), 0);
    crypto_sealed_free(&s);
    free(v);
    free(o);
    crypto_keyring_free(k);
}

static void test_tampering_fails(void)
{
    struct crypto_keyring *k = fresh_ring();
    static const char ad[] = "team/payments/prod/stripe-key\0" "1";
    static const char value[] = "a value of some length";
    struct crypto_sealed s;
    char out[sizeof(value)];
    CU_ASSERT_EQUAL_FATAL(crypto_seal(k, ad, sizeof(ad), value, sizeof(value), &s), CRYPTO_OK);
    /* every byte of the value, both nonces and the wrapped key, flipped in turn */
    unsigned char *parts[] = { s.ct, s.nonce, s.wrapped };
    size_t lens[] = { s.ct_len, sizeof(s.nonce), sizeof(s.wrapped) };
    int failures = 0, tries = 0;
    for (size_t p = 0; p < 3; p++)
        for (size_t i = 0; i < lens[p]; i++) {
            parts[p][i] ^= 0x01;
            memset(out, 'x', sizeof(out));
            failures += crypto_open(k, ad, sizeof(ad), &s, out) == CRYPTO_INTEGRITY;
            tries++;
            parts[p][i] ^= 0x01;
            for (size_t j = 0; j < sizeof(out); j++)
                CU_ASSERT_EQUAL_FATAL(out[j], 0);   /* never garbage: zeroed */
        }
    CU_ASSERT_EQUAL(failures, tries);
    /* the associated data: another path (a row moved), another version, one bit off */
    static const char moved[] = "team/payments/prod/other-key\0" "1", version[] = "team/payments/prod/stripe-key\0" "2";
    CU_ASSERT_EQUAL(crypto_open(k, moved, sizeof(moved), &s, out), CRYPTO_INTEGRITY);
    CU_ASSERT_EQUAL(crypto_open(k, version, sizeof(version), &s, out), CRYPTO_INTEGRITY);
    char flipped[sizeof(ad)];
    memcpy(flipped, ad, sizeof(ad));
    flipped[0] ^= 0x20;
    CU_ASSERT_EQUAL(crypto_open(k, flipped, sizeof(flipped), &s, out), CRYPTO_INTEGRITY);
    /* intact, it still opens */
    CU_ASSERT_EQUAL(crypto_open(k, ad, sizeof(ad), &s, out), CRYPTO_OK);
    CU_ASSERT_STRING_EQUAL(out, value);
    /* a key id the keyring lacks */
    memcpy(s.key_id, "mk-elsewhere", 13);
    CU_ASSERT_EQUAL(crypto_open(k, ad, sizeof(ad), &s, out), CRYPTO_UNKNOWN_KEY);
    crypto_sealed_free(&s);
    /* another keyring's key of the same id does not open it either */
    struct crypto_keyring *other = fresh_ring();
    CU_ASSERT_EQUAL_FATAL(crypto_seal(other, ad, sizeof(ad), value, sizeof(value), &s), CRYPTO_OK);
    char err[CRYPTO_ERR_MAX];
    struct crypto_keyring *third = fresh_ring();
    snprintf(s.key_id, sizeof(s.key_id), "%s", crypto_keyring_current(third));
    CU_ASSERT_EQUAL(crypto_open(third, ad, sizeof(ad), &s, out), CRYPTO_INTEGRITY);
    (void)err;
    crypto_sealed_free(&s);
    crypto_keyring_free(other);
    crypto_keyring_free(third);
    crypto_keyring_free(k);
}

static void test_rotation(void)
{
    struct crypto_keyring *k = fresh_ring();
    char old_id[CRYPTO_KEY_ID_MAX + 1], new_id[CRYPTO_KEY_ID_MAX + 1], err[CRYPTO_ERR_MAX], out[16];
    snprintf(old_id, sizeof(old_id), "%s", crypto_keyring_current(k));
    static const char ad[] = "p\0" "1";
    struct crypto_sealed a, b;
    CU_ASSERT_EQUAL_FATAL(crypto_seal(k, ad, sizeof(ad), "first", 6, &a), CRYPTO_OK);
    CU_ASSERT_EQUAL_FATAL(crypto_seal(k, ad, sizeof(ad), "second", 7, &b), CRYPTO_OK);
    crypto_keyring_free(k);

    CU_ASSERT_EQUAL_FATAL(crypto_keyfile_add(path, new_id, err), 0);
    CU_ASSERT_EQUAL_FATAL(crypto_keyring_load(path, &k, err), 0);
    CU_ASSERT_STRING_EQUAL(crypto_keyring_current(k), new_id);
    CU_ASSERT_EQUAL(crypto_keyring_size(k), 2);
    CU_ASSERT_TRUE(crypto_keyring_has(k, old_id));
    /* the old key still opens what it sealed; rewrapping moves a row to the new key only */
    CU_ASSERT_EQUAL(crypto_open(k, ad, sizeof(ad), &a, out), CRYPTO_OK);
    unsigned char before[CRYPTO_NONCE_BYTES + 16];
    memcpy(before, a.nonce, CRYPTO_NONCE_BYTES);
    memcpy(before + CRYPTO_NONCE_BYTES, a.ct, 16);
    CU_ASSERT_EQUAL(crypto_rewrap(k, ad, sizeof(ad), &a), CRYPTO_OK);
    CU_ASSERT_STRING_EQUAL(a.key_id, new_id);
    CU_ASSERT_EQUAL(memcmp(before, a.nonce, CRYPTO_NONCE_BYTES), 0);
    CU_ASSERT_EQUAL(memcmp(before + CRYPTO_NONCE_BYTES, a.ct, 16), 0);
    CU_ASSERT_EQUAL(crypto_open(k, ad, sizeof(ad), &a, out), CRYPTO_OK);
    CU_ASSERT_STRING_EQUAL(out, "first");
    crypto_keyring_free(k);

    /* pruning keeps the keys still in use and drops the rest; the current one always stays */
    size_t dropped = 9;
    const char *in_use[] = { old_id };
    CU_ASSERT_EQUAL(crypto_keyfile_keep(path, in_use, 1, &dropped, err), 0);
    CU_ASSERT_EQUAL(dropped, 0);
    CU_ASSERT_EQUAL(crypto_keyfile_keep(path, NULL, 0, &dropped, err), 0);
    CU_ASSERT_EQUAL(dropped, 1);
    CU_ASSERT_EQUAL_FATAL(crypto_keyring_load(path, &k, err), 0);
    CU_ASSERT_EQUAL(crypto_keyring_size(k), 1);
    CU_ASSERT_STRING_EQUAL(crypto_keyring_current(k), new_id);
    CU_ASSERT_EQUAL(crypto_open(k, ad, sizeof(ad), &a, out), CRYPTO_OK);
    CU_ASSERT_EQUAL(crypto_open(k, ad, sizeof(ad), &b, out), CRYPTO_UNKNOWN_KEY);   /* not rewrapped in time */
    crypto_sealed_free(&a);
    crypto_sealed_free(&b);
    crypto_keyring_free(k);
}

static void write_file(const char *text, mode_t mode)
{
    unlink(path);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

static void test_keyring_file_refusals(void)
{
    char err[CRYPTO_ERR_MAX], id[CRYPTO_KEY_ID_MAX + 1];
    struct crypto_keyring *k = (void *)1;
    unlink(path);
    CU_ASSERT_EQUAL(crypto_keyring_load(path, &k, err), -1);
    CU_ASSERT_PTR_NULL(k);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot be opened"));
    CU_ASSERT_EQUAL(crypto_keyring_load("", &k, err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "master_key_file"));
    static const char good[] = "# comment\nmk-a AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";
    write_file(good, 0644);
    CU_ASSERT_EQUAL(crypto_keyring_load(path, &k, err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "may be read by any user"));
    write_file(good, 0640);
    CU_ASSERT_EQUAL_FATAL(crypto_keyring_load(path, &k, err), 0);
    CU_ASSERT_STRING_EQUAL(crypto_keyring_current(k), "mk-a");
    crypto_keyring_free(k);
    const char *bad[][2] = {
        { "mk-a AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\nmk-a AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "twice" },
        { "mk-a AAECAwQF\n", "not 32 bytes" },
        { "mk a AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "not 32 bytes" },
        { "m/k AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "id" },
        { "# nothing\n\n", "no key" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        write_file(bad[i][0], 0600);
        CU_ASSERT_EQUAL(crypto_keyring_load(path, &k, err), -1);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i][1]));
        CU_ASSERT_PTR_NULL(strstr(err, "AAEC"));    /* a key's bytes never in a message */
    }
    /* an existing file is never overwritten by create */
    write_file(good, 0640);
    CU_ASSERT_EQUAL(crypto_keyfile_create(path, id, err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "exists"));
    struct stat st;
    unlink(path);
    CU_ASSERT_EQUAL_FATAL(crypto_keyfile_create(path, id, err), 0);
    CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0640);
}

void suite_crypto(void)
{
    CU_pSuite s = CU_add_suite("crypto", setup, teardown);
    CU_add_test(s, "seal and open: values of 0 bytes to 64 KiB, never in clear", test_round_trip);
    CU_add_test(s, "a flipped byte anywhere, a moved row, another key: refused, output zeroed", test_tampering_fails);
    CU_add_test(s, "rotation: a new key seals, the old opens until pruned, rewrap keeps the value", test_rotation);
    CU_add_test(s, "the keyring file: missing, readable by others, malformed, never overwritten", test_keyring_file_refusals);
}
