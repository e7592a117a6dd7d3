/*
 * token: made tokens have the prefix, the length and the alphabet promised, never repeat,
 * and pass the shape check that junk fails; the stored hash is plain SHA-256 hex; equality
 * wants equal lengths.
 */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "lib/token.h"
#include "tests/unit/suites.h"

#define MANY 1000

static bool all_b64url(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_'))
            return false;
    return true;
}

static void test_prefix_and_length(void)
{
    char buf[128];
    CU_ASSERT_EQUAL_FATAL(token_new(buf, sizeof(buf), "ptc_", 32), 0);
    CU_ASSERT_EQUAL(strncmp(buf, "ptc_", 4), 0);
    CU_ASSERT_EQUAL(strlen(buf), 4 + 43);
    CU_ASSERT_TRUE(all_b64url(buf + 4));

    CU_ASSERT_EQUAL_FATAL(token_new(buf, sizeof(buf), "", 32), 0);
    CU_ASSERT_EQUAL(strlen(buf), 43);
    /* unpadded: 16 -> 22, 17 -> 23, 18 -> 24, 64 -> 86 characters */
    static const size_t nb[] = { 16, 17, 18, 64 }, want[] = { 22, 23, 24, 86 };
    for (size_t i = 0; i < 4; i++) {
        CU_ASSERT_EQUAL_FATAL(token_new(buf, sizeof(buf), "s_", nb[i]), 0);
        CU_ASSERT_EQUAL(strlen(buf), 2 + want[i]);
        CU_ASSERT_TRUE(token_shape_ok(buf, strlen(buf), "s_", nb[i]));
    }

    /* out of range, NULL prefix, short buffers: -1 and an empty buffer */
    CU_ASSERT_EQUAL(token_new(buf, sizeof(buf), "ptc_", 15), -1);
    CU_ASSERT_STRING_EQUAL(buf, "");
    CU_ASSERT_EQUAL(token_new(buf, sizeof(buf), "ptc_", 65), -1);
    CU_ASSERT_EQUAL(token_new(buf, sizeof(buf), NULL, 32), -1);
    CU_ASSERT_EQUAL(token_new(buf, 0, "ptc_", 32), -1);
    CU_ASSERT_EQUAL(token_new(buf, 4 + 43, "ptc_", 32), -1);
    CU_ASSERT_STRING_EQUAL(buf, "");
    CU_ASSERT_EQUAL(token_new(buf, 3, "ptc_", 32), -1);
    /* the documented size, and the exact one, are enough */
    CU_ASSERT_EQUAL(token_new(buf, 4 + 4 * ((32 + 2) / 3) + 1, "ptc_", 32), 0);
    CU_ASSERT_EQUAL(token_new(buf, 4 + 43 + 1, "ptc_", 32), 0);
    CU_ASSERT_EQUAL(strlen(buf), 4 + 43);
}

static int cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void test_unique_and_alphabet(void)
{
    static char toks[MANY][48];
    for (size_t i = 0; i < MANY; i++) {
        CU_ASSERT_EQUAL_FATAL(token_new(toks[i], sizeof(toks[i]), "ptc_", 32), 0);
        CU_ASSERT_TRUE(all_b64url(toks[i] + 4));
        CU_ASSERT_TRUE(token_shape_ok(toks[i], strlen(toks[i]), "ptc_", 32));
    }
    qsort(toks, MANY, sizeof(toks[0]), cmp);
    size_t dups = 0;
    for (size_t i = 1; i < MANY; i++)
        dups += strcmp(toks[i - 1], toks[i]) == 0;
    CU_ASSERT_EQUAL(dups, 0);
    /* over 1000 tokens every position takes many values: a stuck byte would show */
    for (size_t pos = 4; pos < 4 + 43; pos++) {
        bool seen[256] = { false };
        size_t distinct = 0;
        for (size_t i = 0; i < MANY; i++)
            if (!seen[(unsigned char)toks[i][pos]]) {
                seen[(unsigned char)toks[i][pos]] = true;
                distinct++;
            }
        CU_ASSERT_TRUE(distinct >= (pos == 4 + 42 ? 16 : 60)); /* the last carries 4 bits */
    }
}

static void test_sha256(void)
{
    char out[TOKEN_HASH_HEX];
    token_sha256_hex("abc", 3, out);
    CU_ASSERT_STRING_EQUAL(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    token_sha256_hex("", 0, out);
    CU_ASSERT_STRING_EQUAL(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    token_sha256_hex("abcd", 3, out); /* len counts, not the NUL */
    CU_ASSERT_STRING_EQUAL(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_equal(void)
{
    CU_ASSERT_TRUE(token_equal("ptc_abcDEF", "ptc_abcDEF"));
    CU_ASSERT_TRUE(token_equal("", ""));
    CU_ASSERT_FALSE(token_equal("ptc_abcDEF", "ptc_abcDEG"));
    CU_ASSERT_FALSE(token_equal("Xtc_abcDEF", "ptc_abcDEF"));
    CU_ASSERT_FALSE(token_equal("ptc_abc", "ptc_abcDEF"));
    CU_ASSERT_FALSE(token_equal("ptc_abcDEF", "ptc_abc"));
    CU_ASSERT_FALSE(token_equal("", "a"));
    CU_ASSERT_FALSE(token_equal(NULL, "a"));
    CU_ASSERT_FALSE(token_equal("a", NULL));
}

static void test_shape(void)
{
    char t[64], s[64];
    CU_ASSERT_EQUAL_FATAL(token_new(t, sizeof(t), "ptc_", 32), 0);
    size_t n = strlen(t);
    CU_ASSERT_TRUE(token_shape_ok(t, n, "ptc_", 32));

    CU_ASSERT_FALSE(token_shape_ok(t, n, "ptk_", 32));       /* wrong prefix */
    CU_ASSERT_FALSE(token_shape_ok(t + 4, n - 4, "ptc_", 32)); /* no prefix */
    CU_ASSERT_FALSE(token_shape_ok(t, n, "", 32));           /* prefix where none belongs */
    CU_ASSERT_FALSE(token_shape_ok(t, n - 1, "ptc_", 32));   /* one short */
    memcpy(s, t, n);
    s[n] = 'A';
    CU_ASSERT_FALSE(token_shape_ok(s, n + 1, "ptc_", 32));   /* one long */
    CU_ASSERT_FALSE(token_shape_ok(t, n, "ptc_", 33));       /* other size */
    CU_ASSERT_FALSE(token_shape_ok("", 0, "ptc_", 32));
    CU_ASSERT_FALSE(token_shape_ok("", 0, "", 32));
    CU_ASSERT_FALSE(token_shape_ok(NULL, 0, "", 32));
    CU_ASSERT_FALSE(token_shape_ok(t, n, NULL, 32));
    CU_ASSERT_FALSE(token_shape_ok(t, n, "ptc_", 8));

    /* characters outside base64url, anywhere after the prefix */
    static const char junk[] = { '+', '/', '=', ' ', '.', '\0', '\n', '\xc3' };
    static const size_t at[] = { 4, 20, 46 };
    for (size_t j = 0; j < sizeof(junk); j++)
        for (size_t k = 0; k < 3; k++) {
            memcpy(s, t, n + 1);
            s[at[k]] = junk[j];
            CU_ASSERT_FALSE(token_shape_ok(s, n, "ptc_", 32));
        }

    /* 32 bytes end in a character with 2 unused bits; 'A' (0) and 'E' (4) fit, 'B' does not */
    memcpy(s, t, n + 1);
    s[n - 1] = 'E';
    CU_ASSERT_TRUE(token_shape_ok(s, n, "ptc_", 32));
    s[n - 1] = 'B';
    CU_ASSERT_FALSE(token_shape_ok(s, n, "ptc_", 32));

    /* session ids: no prefix */
    CU_ASSERT_EQUAL_FATAL(token_new(t, sizeof(t), "", 32), 0);
    CU_ASSERT_TRUE(token_shape_ok(t, strlen(t), "", 32));
    CU_ASSERT_FALSE(token_shape_ok(t, strlen(t), "ptc_", 32));
}

void suite_token(void)
{
    CU_pSuite s = CU_add_suite("token", NULL, NULL);
    CU_add_test(s, "prefix and length", test_prefix_and_length);
    CU_add_test(s, "1000 tokens: unique, base64url only", test_unique_and_alphabet);
    CU_add_test(s, "sha256 hex", test_sha256);
    CU_add_test(s, "constant-time equality", test_equal);
    CU_add_test(s, "shape check", test_shape);
}
