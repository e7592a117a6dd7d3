/*
 * textdiff: a change with its context, the same text (no hunk), texts without a last newline,
 * and the coarse diff past the table's bound (every old line out, every new one in).
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "lib/textdiff.h"
#include "tests/unit/suites.h"

static void test_hunks(void)
{
    struct arena a;
    arena_init(&a, 0);
    CU_ASSERT_STRING_EQUAL(textdiff_unified(&a, "f", "a\nb\nc\n", "t", "a\nx\nc\n"),
                           "--- f\n+++ t\n@@ -1,3 +1,3 @@\n a\n-b\n+x\n c\n");
    CU_ASSERT_STRING_EQUAL(textdiff_unified(&a, "f", "same\n", "t", "same\n"), "--- f\n+++ t\n");
    CU_ASSERT_STRING_EQUAL(textdiff_unified(&a, "f", "a", "t", "a\nb"), "--- f\n+++ t\n@@ -1,1 +1,2 @@\n a\n+b\n");
    /* far apart changes make two hunks, each with 3 lines of context */
    const char *from = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", *to = "x\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\ny\n";
    const char *d = textdiff_unified(&a, "f", from, "t", to);
    CU_ASSERT_PTR_NOT_NULL(strstr(d, "@@ -1,4 +1,4 @@\n-1\n+x\n 2\n 3\n 4\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(d, "@@ -9,4 +9,4 @@\n 9\n 10\n 11\n-12\n+y\n"));
    arena_free(&a);
}

static void test_coarse_past_the_bound(void)
{
    struct arena a;
    arena_init(&a, 0);
    enum { N = 1500 };   /* 1501 x 1501 cells > TEXTDIFF_CELLS_MAX */
    static char from[N * 8], to[N * 8];
    size_t f = 0, t = 0;
    for (int i = 0; i < N; i++) {
        f += (size_t)snprintf(from + f, sizeof(from) - f, "a%d\n", i);
        t += (size_t)snprintf(to + t, sizeof(to) - t, "b%d\n", i);
    }
    const char *d = textdiff_unified(&a, "f", from, "t", to);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    size_t minus = 0, plus = 0;
    for (const char *s = strchr(d, '@'); s && *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL) {
        minus += *s == '-';
        plus += *s == '+';
    }
    CU_ASSERT_EQUAL(minus, N);
    CU_ASSERT_EQUAL(plus, N);
    arena_free(&a);
}

void suite_textdiff(void)
{
    CU_pSuite s = CU_add_suite("textdiff", NULL, NULL);
    CU_add_test(s, "hunks with their context", test_hunks);
    CU_add_test(s, "past the table's bound the diff is coarse, and still right", test_coarse_past_the_bound);
}
