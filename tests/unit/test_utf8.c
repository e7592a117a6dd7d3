/*
 * utf8: Unicode's table 3-7, its edges on both sides, and sequences cut short.
 */
#include <CUnit/Basic.h>
#include <string.h>

#include "lib/utf8.h"
#include "tests/unit/suites.h"

static bool ok(const char *s)
{
    return utf8_valid((const unsigned char *)s, strlen(s));
}

static void test_utf8_well_formed(void)
{
    CU_ASSERT_TRUE(utf8_valid((const unsigned char *)"", 0));
    CU_ASSERT_TRUE(ok("plain ASCII"));
    CU_ASSERT_TRUE(ok("\xc2\x80"));                 /* U+0080, the first two-byte one */
    CU_ASSERT_TRUE(ok("\xdf\xbf"));                 /* U+07FF */
    CU_ASSERT_TRUE(ok("\xe0\xa0\x80"));             /* U+0800 */
    CU_ASSERT_TRUE(ok("\xed\x9f\xbf"));             /* U+D7FF, just below the surrogates */
    CU_ASSERT_TRUE(ok("\xee\x80\x80"));             /* U+E000, just above them */
    CU_ASSERT_TRUE(ok("\xef\xbf\xbf"));             /* U+FFFF */
    CU_ASSERT_TRUE(ok("\xf0\x90\x80\x80"));         /* U+10000 */
    CU_ASSERT_TRUE(ok("\xf4\x8f\xbf\xbf"));         /* U+10FFFF, the last */
    CU_ASSERT_TRUE(ok("Gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x92\xa9"));
    CU_ASSERT_TRUE(utf8_valid((const unsigned char *)"a\0b", 3));   /* NUL is a character */
}

static void test_utf8_ill_formed(void)
{
    CU_ASSERT_FALSE(ok("\x80"));                    /* a lone continuation byte */
    CU_ASSERT_FALSE(ok("\xc0\xaf"));                /* overlong '/' */
    CU_ASSERT_FALSE(ok("\xc1\xbf"));
    CU_ASSERT_FALSE(ok("\xe0\x9f\xbf"));            /* overlong U+07FF */
    CU_ASSERT_FALSE(ok("\xed\xa0\x80"));            /* U+D800 */
    CU_ASSERT_FALSE(ok("\xed\xbf\xbf"));            /* U+DFFF */
    CU_ASSERT_FALSE(ok("\xf0\x8f\xbf\xbf"));        /* overlong U+FFFF */
    CU_ASSERT_FALSE(ok("\xf4\x90\x80\x80"));        /* U+110000 */
    CU_ASSERT_FALSE(ok("\xf5\x80\x80\x80"));
    CU_ASSERT_FALSE(ok("\xff"));
    CU_ASSERT_FALSE(ok("\xc3"));                    /* cut short */
    CU_ASSERT_FALSE(ok("\xe2\x82"));
    CU_ASSERT_FALSE(ok("\xf0\x9f\x92"));
    CU_ASSERT_FALSE(ok("\xe2\x28\xa1"));            /* a bad second byte */
    CU_ASSERT_FALSE(ok("\xf0\x9f\x28\xa9"));        /* a bad third byte */
    CU_ASSERT_FALSE(ok("ok so far \xc3"));
}

static void test_utf8_seq_lengths(void)
{
    const unsigned char four[] = { 0xf0, 0x9f, 0x92, 0xa9 };
    CU_ASSERT_EQUAL(utf8_seq((const unsigned char *)"a", 1), 1);
    CU_ASSERT_EQUAL(utf8_seq((const unsigned char *)"\xc3\xbc", 2), 2);
    CU_ASSERT_EQUAL(utf8_seq((const unsigned char *)"\xe2\x82\xac", 3), 3);
    CU_ASSERT_EQUAL(utf8_seq(four, 4), 4);
    /* the bytes available bound the read: a sequence longer than n is none */
    CU_ASSERT_EQUAL(utf8_seq(four, 3), 0);
    CU_ASSERT_EQUAL(utf8_seq(four, 0), 0);
    CU_ASSERT_EQUAL(utf8_seq((const unsigned char *)"\xed\xa0\x80", 3), 0);
}

void suite_utf8(void)
{
    CU_pSuite s = CU_add_suite("utf8", NULL, NULL);
    CU_add_test(s, "well-formed: every edge of table 3-7", test_utf8_well_formed);
    CU_add_test(s, "ill-formed: overlong, surrogates, past U+10FFFF, cut short", test_utf8_ill_formed);
    CU_add_test(s, "sequence lengths, bounded by the bytes there are", test_utf8_seq_lengths);
}
