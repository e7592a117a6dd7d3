/*
 * password: Argon2id hashes verify, carry the default parameters and a fresh salt; malformed
 * or non-argon2id hashes never verify; weaker hashes ask for a rehash; the dummy verify costs
 * about what a verify costs; the policy counts bytes and wants UTF-8 without NUL.
 * Each hash or verify costs tens of milliseconds, so the suite makes one default hash up
 * front and keeps the rest few.
 */
#include <CUnit/CUnit.h>
#include <argon2.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/password.h"
#include "tests/unit/suites.h"

static const char pw[] = "correct horse battery staple";
static char h_default[PASSWORD_HASH_MAX];

static int suite_init(void)
{
    return password_hash(pw, strlen(pw), &password_default, h_default) == 0 ? 0 : -1;
}

static bool verify_s(const char *encoded, const char *s)
{
    return password_verify(encoded, s, strlen(s));
}

static void test_hash_verify(void)
{
    CU_ASSERT_TRUE(verify_s(h_default, pw));
    CU_ASSERT_FALSE(verify_s(h_default, "correct horse battery stapl3"));
    CU_ASSERT_FALSE(password_verify(h_default, pw, strlen(pw) - 1)); /* a prefix is not enough */
}

static void test_encoded_form(void)
{
    static const char head[] = "$argon2id$v=19$m=19456,t=2,p=1$";
    CU_ASSERT_EQUAL(strncmp(h_default, head, sizeof(head) - 1), 0);
    /* 16-byte salt and 32-byte tag: 22 and 43 unpadded base64 characters */
    const char *salt = h_default + sizeof(head) - 1, *tag = strchr(salt, '$');
    CU_ASSERT_PTR_NOT_NULL_FATAL(tag);
    CU_ASSERT_EQUAL(tag - salt, 22);
    CU_ASSERT_EQUAL(strlen(tag + 1), 43);
    CU_ASSERT_PTR_NULL(strchr(salt, '=')); /* unpadded */
    CU_ASSERT_TRUE(strlen(h_default) < PASSWORD_HASH_MAX);
}

static void test_salted(void)
{
    char h2[PASSWORD_HASH_MAX];
    CU_ASSERT_EQUAL_FATAL(password_hash(pw, strlen(pw), NULL, h2), 0); /* NULL: the default */
    CU_ASSERT_STRING_NOT_EQUAL(h2, h_default);
    /* the salts differ, not only the tags */
    const char *s1 = strrchr(h_default, '$'), *s2 = strrchr(h2, '$');
    CU_ASSERT_EQUAL(s1 - h_default, s2 - h2);
    CU_ASSERT_NOT_EQUAL(memcmp(h_default, h2, (size_t)(s1 - h_default)), 0);
    CU_ASSERT_FALSE(password_needs_rehash(h2, &password_default));
}

static void test_malformed(void)
{
    static const char *bad[] = {
        "",
        "garbage",
        "$argon2id$",
        "$argon2id$v=19$m=19456,t=2,p=1$$",
        "$argon2id$v=16$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$argon2id$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$ARGON2ID$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$argon2d$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$argon2id$v=19$m=019456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$argon2id$v=19$m=99999999999,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$argon2id$v=19$m=-19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$argon2id$v=19$m= 19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$argon2id$v=19$m=19456,t=0,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$argon2id$v=19$m=19456,t=2,p=0$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$argon2id$v=19$m=7,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$argon2id$v=19$t=2,m=19456,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",      /* salt 4 bytes */
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA==$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaA",                          /* tag 4 bytes */
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g$",
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNh*HRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CU_ASSERT_FALSE(verify_s(bad[i], pw));
        CU_ASSERT_TRUE(password_needs_rehash(bad[i], &password_default));
    }
    CU_ASSERT_FALSE(password_verify(NULL, pw, strlen(pw)));
    CU_ASSERT_FALSE(password_verify(h_default, NULL, 3));
    CU_ASSERT_TRUE(password_needs_rehash(NULL, &password_default));

    /* every truncation of a real hash short of its tag is refused before any hashing */
    char cut[PASSWORD_HASH_MAX];
    size_t tag_at = (size_t)(strrchr(h_default, '$') - h_default) + 1;
    for (size_t n = 0; n <= tag_at + 20; n++) {
        memcpy(cut, h_default, n);
        cut[n] = '\0';
        CU_ASSERT_FALSE(verify_s(cut, pw));
        CU_ASSERT_TRUE(password_needs_rehash(cut, &password_default));
    }
    /* one character short, and one tag character changed: still no match */
    size_t len = strlen(h_default);
    memcpy(cut, h_default, len - 1);
    cut[len - 1] = '\0';
    CU_ASSERT_FALSE(verify_s(cut, pw));
    memcpy(cut, h_default, len + 1);
    cut[tag_at + 5] = cut[tag_at + 5] == 'A' ? 'B' : 'A';
    CU_ASSERT_FALSE(verify_s(cut, pw));

    /* a very long string of base64 characters */
    static char big[8192];
    memcpy(big, h_default, tag_at);
    memset(big + tag_at, 'A', sizeof(big) - tag_at - 1);
    CU_ASSERT_FALSE(verify_s(big, pw));
}

static void test_other_variant(void)
{
    /* a well-formed argon2i hash of the right password is still refused */
    char h_i[PASSWORD_HASH_MAX];
    static const unsigned char salt[16] = "0123456789abcde";
    CU_ASSERT_EQUAL_FATAL(argon2i_hash_encoded(1, 8192, 1, pw, strlen(pw), salt, sizeof(salt), 32, h_i,
                                               sizeof(h_i)), ARGON2_OK);
    CU_ASSERT_EQUAL(strncmp(h_i, "$argon2i$v=19$", 14), 0);
    CU_ASSERT_EQUAL(argon2i_verify(h_i, pw, strlen(pw)), ARGON2_OK); /* it is a good argon2i hash */
    CU_ASSERT_FALSE(verify_s(h_i, pw));
    CU_ASSERT_TRUE(password_needs_rehash(h_i, &password_default));
}

static void test_needs_rehash(void)
{
    CU_ASSERT_FALSE(password_needs_rehash(h_default, &password_default));
    CU_ASSERT_FALSE(password_needs_rehash(h_default, NULL));
    CU_ASSERT_FALSE(password_needs_rehash(h_default, &(struct password_params){ 8192, 1, 1 }));
    CU_ASSERT_TRUE(password_needs_rehash(h_default, &(struct password_params){ 65536, 2, 1 }));
    CU_ASSERT_TRUE(password_needs_rehash(h_default, &(struct password_params){ 19456, 3, 1 }));
    CU_ASSERT_TRUE(password_needs_rehash(h_default, &(struct password_params){ 19456, 2, 2 }));

    char h[PASSWORD_HASH_MAX];
    CU_ASSERT_EQUAL_FATAL(password_hash(pw, strlen(pw), &(struct password_params){ 8192, 2, 1 }, h), 0);
    CU_ASSERT_EQUAL(strncmp(h, "$argon2id$v=19$m=8192,t=2,p=1$", 30), 0);
    CU_ASSERT_TRUE(password_needs_rehash(h, &password_default));
    CU_ASSERT_TRUE(verify_s(h, pw)); /* older parameters still verify */

    CU_ASSERT_EQUAL_FATAL(password_hash(pw, strlen(pw), &(struct password_params){ 19456, 1, 1 }, h), 0);
    CU_ASSERT_TRUE(password_needs_rehash(h, &password_default));

    /* parameters libargon2 refuses make no hash */
    CU_ASSERT_EQUAL(password_hash(pw, strlen(pw), &(struct password_params){ 19456, 0, 1 }, h), -1);
    CU_ASSERT_STRING_EQUAL(h, "");
}

static double since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void test_dummy(void)
{
    static const char guess[] = "not the password at all";
    password_verify_dummy(guess, strlen(guess)); /* the first call makes the internal hash */
    password_verify_dummy(NULL, 0);

    struct timespec t0;
    double dummy = 0, real = 0;
    for (int i = 0; i < 3; i++) {
        clock_gettime(CLOCK_MONOTONIC, &t0);
        password_verify_dummy(guess, strlen(guess));
        dummy += since(&t0);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        CU_ASSERT_FALSE(verify_s(h_default, guess));
        real += since(&t0);
    }
    /* loose on purpose: the point is that the dummy does the work, not a precise match */
    CU_ASSERT_TRUE(dummy >= 0.3 * real);
    if (dummy < 0.3 * real)
        fprintf(stderr, "dummy verify %.1f ms against verify %.1f ms (3 runs)\n", dummy * 1e3, real * 1e3);
}

static int policy(const char *s, size_t len)
{
    char why[64];
    memset(why, 'x', sizeof(why));
    int rc = password_check_policy(s, len, why, sizeof(why));
    /* a refusal always says why; an acceptance leaves why empty */
    CU_ASSERT_TRUE(rc == 0 ? why[0] == '\0' : why[0] != '\0');
    return rc;
}

static void test_policy(void)
{
    char buf[PASSWORD_MAX_LEN + 2];
    char why[64];
    memset(buf, 'a', sizeof(buf));

    CU_ASSERT_EQUAL(password_check_policy(buf, 11, why, sizeof(why)), -1);
    CU_ASSERT_STRING_EQUAL(why, "must be at least 12 characters");
    CU_ASSERT_EQUAL(policy(buf, 12), 0);
    CU_ASSERT_EQUAL(policy(buf, PASSWORD_MAX_LEN), 0);
    CU_ASSERT_EQUAL(password_check_policy(buf, PASSWORD_MAX_LEN + 1, why, sizeof(why)), -1);
    CU_ASSERT_STRING_EQUAL(why, "must be at most 1024 bytes");
    CU_ASSERT_EQUAL(policy(NULL, 0), -1);
    CU_ASSERT_EQUAL(password_check_policy(buf, 3, NULL, 0), -1); /* why is optional */
    CU_ASSERT_EQUAL(password_check_policy(buf, 3, why, 5), -1);  /* and truncated to fit */
    CU_ASSERT_EQUAL(strlen(why), 4);

    /* embedded NUL */
    CU_ASSERT_EQUAL(password_check_policy("abcdefgh\0ijklmnop", 17, why, sizeof(why)), -1);
    CU_ASSERT_STRING_EQUAL(why, "must not contain a NUL character");

    /* invalid UTF-8, each padded to 12 bytes or more */
    static const char *bad_utf8[] = {
        "abcdefghijk\xff",          /* never valid */
        "abcdefghijk\x80",          /* stray continuation byte */
        "abcdefghijk\xc3",          /* truncated 2-byte sequence */
        "abcdefghij\xe2\x82",       /* truncated 3-byte sequence */
        "abcdefghij\xc0\xaf",       /* overlong '/' */
        "abcdefghi\xe0\x80\xaf",    /* overlong '/', 3 bytes */
        "abcdefghi\xed\xa0\x80",    /* surrogate U+D800 */
        "abcdefgh\xf4\x90\x80\x80", /* above U+10FFFF */
        "abcdefghij\xc3\x28",       /* continuation byte missing */
    };
    for (size_t i = 0; i < sizeof(bad_utf8) / sizeof(bad_utf8[0]); i++) {
        CU_ASSERT_EQUAL(password_check_policy(bad_utf8[i], strlen(bad_utf8[i]), why, sizeof(why)), -1);
        CU_ASSERT_STRING_EQUAL(why, "must be valid UTF-8 text");
    }

    /* lengths are bytes: 6 x "é" (2 bytes each) is 12 bytes and passes with 6 characters;
     * 5 x "é" plus one letter is 11 bytes and is refused; 3 four-byte emoji pass */
    CU_ASSERT_EQUAL(policy("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 12), 0);
    CU_ASSERT_EQUAL(policy("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9" "a", 11), -1);
    CU_ASSERT_EQUAL(policy("\xf0\x9f\x94\x91\xf0\x9f\x94\x91\xf0\x9f\x94\x91", 12), 0);
    static const char mixed[] = "p\xc3\xa4ssw\xc3\xb6rd \xe2\x82\xac\xe2\x82\xac"; /* 17 bytes, 12 characters */
    CU_ASSERT_EQUAL(strlen(mixed), 17);
    CU_ASSERT_EQUAL(policy(mixed, strlen(mixed)), 0);
    CU_ASSERT_EQUAL(policy(mixed, 11), -1); /* cut inside a character: short, and not UTF-8 */
}

void suite_password(void)
{
    CU_pSuite s = CU_add_suite("password", suite_init, NULL);
    CU_add_test(s, "hash then verify", test_hash_verify);
    CU_add_test(s, "encoded form has the default parameters", test_encoded_form);
    CU_add_test(s, "every hash has its own salt", test_salted);
    CU_add_test(s, "malformed hashes never verify", test_malformed);
    CU_add_test(s, "only argon2id is accepted", test_other_variant);
    CU_add_test(s, "weaker hashes need a rehash", test_needs_rehash);
    CU_add_test(s, "dummy verify costs like a verify", test_dummy);
    CU_add_test(s, "policy", test_policy);
}
