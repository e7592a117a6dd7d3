/*
 * arena: alignment, chunking, large blocks, reset, the string helpers and overflow checks.
 */
#include <CUnit/CUnit.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "lib/arena.h"
#include "tests/unit/suites.h"

static bool aligned16(const void *p)
{
    return ((uintptr_t)p & 15u) == 0;
}

static void test_alloc_alignment(void)
{
    struct arena a;
    arena_init(&a, 0);
    for (size_t n = 0; n <= 100; n++) {
        unsigned char *p = arena_alloc(&a, n);
        CU_ASSERT_PTR_NOT_NULL(p);
        CU_ASSERT(aligned16(p));
        if (p && n)
            memset(p, 0xab, n);
    }
    /* Zero bytes still gives a distinct, usable pointer. */
    void *z1 = arena_alloc(&a, 0), *z2 = arena_alloc(&a, 0);
    CU_ASSERT_PTR_NOT_NULL(z1);
    CU_ASSERT_PTR_NOT_NULL(z2);
    CU_ASSERT_PTR_NOT_EQUAL(z1, z2);
    /* Every helper's result is aligned too. */
    CU_ASSERT(aligned16(arena_strdup(&a, "x")));
    CU_ASSERT(aligned16(arena_printf(&a, "%d", 7)));
    CU_ASSERT(aligned16(arena_calloc(&a, 3, 5)));
    arena_free(&a);
}

static void test_many_allocs_across_chunks(void)
{
    struct arena a;
    enum { N = 2000 };
    static unsigned char *ptrs[N];
    arena_init(&a, 256);
    for (size_t i = 0; i < N; i++) {
        ptrs[i] = arena_alloc(&a, 24);
        CU_ASSERT_PTR_NOT_NULL_FATAL(ptrs[i]);
        CU_ASSERT(aligned16(ptrs[i]));
        memset(ptrs[i], (int)(i & 0xff), 24);
    }
    /* No block was overwritten by a later one. */
    size_t bad = 0;
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < 24; j++)
            if (ptrs[i][j] != (unsigned char)(i & 0xff))
                bad++;
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(a.total, (size_t)N * 32);
    arena_free(&a);
    CU_ASSERT_PTR_NULL(a.head);
    CU_ASSERT_EQUAL(a.total, 0);
}

static void test_large_alloc_own_chunk(void)
{
    struct arena a;
    arena_init(&a, 1024);
    char *small1 = arena_alloc(&a, 16);
    CU_ASSERT_PTR_NOT_NULL_FATAL(small1);
    /* A block that still fits in the current chunk goes there. */
    char *mid = arena_alloc(&a, 496);
    CU_ASSERT_PTR_EQUAL(mid, small1 + 16);
    /* 512 bytes are left. Larger than a quarter chunk and not fitting: a chunk of its own... */
    char *big = arena_alloc(&a, 600);
    CU_ASSERT_PTR_NOT_NULL_FATAL(big);
    CU_ASSERT(aligned16(big));
    CU_ASSERT((uintptr_t)big < (uintptr_t)small1 || (uintptr_t)big >= (uintptr_t)small1 + 1024);
    memset(big, 'B', 600);
    /* ...and the current chunk's free space is still used by small allocations. */
    char *small2 = arena_alloc(&a, 16);
    CU_ASSERT_PTR_EQUAL(small2, small1 + 512);
    /* Larger than a whole chunk works as well. */
    char *huge = arena_alloc(&a, 10000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(huge);
    memset(huge, 'H', 10000);
    char *small3 = arena_alloc(&a, 16);
    CU_ASSERT_PTR_EQUAL(small3, small1 + 528);
    CU_ASSERT_EQUAL(big[0], 'B');
    CU_ASSERT_EQUAL(big[599], 'B');
    CU_ASSERT_EQUAL(a.total, 16 + 496 + 608 + 16 + 10000 + 16);
    /* After reset the big chunks are gone and the ordinary one is kept for reuse. (Take a
     * block of the chunk's size first, so a chunk freed by mistake cannot come back from
     * malloc at the same address.) */
    arena_reset(&a);
    void *hold = malloc(1024 + 32);   /* the chunk header is 32 bytes on LP64 */
    CU_ASSERT_PTR_EQUAL(arena_alloc(&a, 16), small1);
    free(hold);
    arena_free(&a);
}

static void test_large_alloc_first(void)
{
    struct arena a;
    arena_init(&a, 1024);
    char *big = arena_alloc(&a, 5000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(big);
    memset(big, 'x', 5000);
    char *s1 = arena_alloc(&a, 32), *s2 = arena_alloc(&a, 32);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s2);
    CU_ASSERT_PTR_EQUAL(s2, s1 + 32);
    arena_reset(&a);
    CU_ASSERT_EQUAL(a.total, 0);
    char *after = arena_alloc(&a, 100);
    CU_ASSERT_PTR_NOT_NULL(after);
    arena_free(&a);
}

static void test_reset_keeps_working(void)
{
    struct arena a;
    arena_init(&a, 512);
    char *first = arena_alloc(&a, 16);
    CU_ASSERT_PTR_NOT_NULL_FATAL(first);
    for (int i = 0; i < 100; i++)
        CU_ASSERT_PTR_NOT_NULL(arena_alloc(&a, 100));
    CU_ASSERT_PTR_NOT_NULL(arena_alloc(&a, 4000));
    CU_ASSERT(a.total > 512);
    arena_reset(&a);
    CU_ASSERT_EQUAL(a.total, 0);
    CU_ASSERT_PTR_NOT_NULL(a.head);
    /* The first chunk is kept: the next request starts where the first one did. */
    char *again = arena_alloc(&a, 16);
    CU_ASSERT_PTR_EQUAL(again, first);
    for (int round = 0; round < 5; round++) {
        char *s = arena_strdup(&a, "still usable");
        CU_ASSERT_STRING_EQUAL(s ? s : "", "still usable");
        for (int i = 0; i < 50; i++)
            CU_ASSERT_PTR_NOT_NULL(arena_alloc(&a, 200));
        arena_reset(&a);
        CU_ASSERT_EQUAL(a.total, 0);
    }
    /* Reset of an empty arena, twice, and init after free. */
    arena_free(&a);
    arena_reset(&a);
    arena_reset(&a);
    CU_ASSERT_PTR_NULL(a.head);
    arena_init(&a, 0);
    CU_ASSERT_PTR_NOT_NULL(arena_alloc(&a, 1));
    arena_free(&a);
}

static void test_calloc(void)
{
    struct arena a;
    arena_init(&a, 256);
    /* Dirty the memory first, so zeroing is visible after reset. */
    memset(arena_alloc(&a, 200), 0xff, 200);
    arena_reset(&a);
    unsigned char *p = arena_calloc(&a, 10, 20);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    size_t nonzero = 0;
    for (size_t i = 0; i < 200; i++)
        nonzero += p[i] != 0;
    CU_ASSERT_EQUAL(nonzero, 0);
    CU_ASSERT_PTR_NOT_NULL(arena_calloc(&a, 0, 8));
    CU_ASSERT_PTR_NOT_NULL(arena_calloc(&a, 8, 0));
    arena_free(&a);
}

static void test_overflow_returns_null(void)
{
    struct arena a;
    arena_init(&a, 0);
    size_t before = a.total;
    /* n * sz overflows */
    CU_ASSERT_PTR_NULL(arena_calloc(&a, SIZE_MAX / 2 + 1, 2));
    CU_ASSERT_PTR_NULL(arena_calloc(&a, SIZE_MAX, SIZE_MAX));
    CU_ASSERT_PTR_NULL(arena_calloc(&a, (SIZE_MAX >> 4) + 1, 16));
    /* sizes that overflow when rounded up to the alignment */
    CU_ASSERT_PTR_NULL(arena_alloc(&a, SIZE_MAX));
    CU_ASSERT_PTR_NULL(arena_alloc(&a, SIZE_MAX - 15));
    CU_ASSERT_EQUAL(a.total, before);
    /* printf output that cannot be produced (an invalid wide character) */
    wchar_t bad[] = { (wchar_t)0x110000, 0 };
    CU_ASSERT_PTR_NULL(arena_printf(&a, "x%lsy", bad));
    /* the arena still works afterwards */
    CU_ASSERT_PTR_NOT_NULL(arena_alloc(&a, 10));
    arena_free(&a);
}

static void test_strdup_strndup(void)
{
    struct arena a;
    arena_init(&a, 0);
    char src[] = "hello";
    char *d = arena_strdup(&a, src);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_PTR_NOT_EQUAL(d, src);
    src[0] = 'j';
    CU_ASSERT_STRING_EQUAL(d, "hello");

    char *n3 = arena_strndup(&a, "hello", 3);
    CU_ASSERT_PTR_NOT_NULL_FATAL(n3);
    CU_ASSERT_STRING_EQUAL(n3, "hel");
    char *n0 = arena_strndup(&a, "hello", 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(n0);
    CU_ASSERT_STRING_EQUAL(n0, "");
    char *nbig = arena_strndup(&a, "hi", SIZE_MAX);
    CU_ASSERT_PTR_NOT_NULL_FATAL(nbig);
    CU_ASSERT_STRING_EQUAL(nbig, "hi");
    /* strndup does not read past n bytes: the source need not be NUL-terminated */
    char unterminated[4] = { 'a', 'b', 'c', 'd' };
    char *u = arena_strndup(&a, unterminated, sizeof(unterminated));
    CU_ASSERT_PTR_NOT_NULL_FATAL(u);
    CU_ASSERT_STRING_EQUAL(u, "abcd");
    char *e = arena_strdup(&a, "");
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_STRING_EQUAL(e, "");
    arena_free(&a);
}

static void test_printf(void)
{
    struct arena a;
    arena_init(&a, 1024);
    char *s = arena_printf(&a, "%s-%d-%zu", "a", 42, (size_t)7);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_STRING_EQUAL(s, "a-42-7");
    /* output larger than a whole chunk */
    char *big = arena_printf(&a, "%5000d|", 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(big);
    CU_ASSERT_EQUAL(strlen(big), 5001);
    CU_ASSERT_EQUAL(big[4999], '1');
    CU_ASSERT_EQUAL(big[5000], '|');
    char *empty = arena_printf(&a, "%s", "");
    CU_ASSERT_PTR_NOT_NULL_FATAL(empty);
    CU_ASSERT_STRING_EQUAL(empty, "");
    arena_free(&a);
}

static void test_total_counter(void)
{
    struct arena a;
    arena_init(&a, 0);
    CU_ASSERT_EQUAL(a.total, 0);
    arena_alloc(&a, 1);    /* 16 */
    CU_ASSERT_EQUAL(a.total, 16);
    arena_alloc(&a, 17);   /* 32 */
    CU_ASSERT_EQUAL(a.total, 48);
    arena_alloc(&a, 32);   /* 32 */
    CU_ASSERT_EQUAL(a.total, 80);
    arena_strdup(&a, "abc");  /* 4 -> 16 */
    CU_ASSERT_EQUAL(a.total, 96);
    arena_alloc(&a, 20000);   /* a large block counts too */
    CU_ASSERT_EQUAL(a.total, 96 + 20000);
    arena_reset(&a);
    CU_ASSERT_EQUAL(a.total, 0);
    arena_alloc(&a, 5);
    CU_ASSERT_EQUAL(a.total, 16);
    arena_free(&a);
}

static char order[8];
static size_t norder;

static void note(void *p)
{
    if (norder < sizeof(order) - 1)
        order[norder++] = *(const char *)p;
}

static void test_defer(void)
{
    struct arena a;
    arena_init(&a, 0);
    static const char x = 'x', y = 'y', z = 'z';
    norder = 0;
    CU_ASSERT_EQUAL(arena_defer(&a, note, (void *)&x), 0);
    CU_ASSERT_EQUAL(arena_defer(&a, note, (void *)&y), 0);
    CU_ASSERT_EQUAL(norder, 0);               /* nothing runs before the reset */
    arena_reset(&a);
    order[norder] = '\0';
    CU_ASSERT_STRING_EQUAL(order, "yx");       /* the newest first */
    arena_reset(&a);                          /* each runs once */
    CU_ASSERT_EQUAL(norder, 2);
    CU_ASSERT_EQUAL(arena_defer(&a, note, (void *)&z), 0);
    arena_free(&a);                           /* freeing runs them too */
    order[norder] = '\0';
    CU_ASSERT_STRING_EQUAL(order, "yxz");
}

void suite_arena(void)
{
    CU_pSuite s = CU_add_suite("arena", NULL, NULL);
    CU_add_test(s, "alloc alignment is 16", test_alloc_alignment);
    CU_add_test(s, "many allocations across chunks", test_many_allocs_across_chunks);
    CU_add_test(s, "large allocations get their own chunk", test_large_alloc_own_chunk);
    CU_add_test(s, "large allocation into an empty arena", test_large_alloc_first);
    CU_add_test(s, "reset keeps the first chunk and keeps working", test_reset_keeps_working);
    CU_add_test(s, "calloc zeroes", test_calloc);
    CU_add_test(s, "overflow returns NULL", test_overflow_returns_null);
    CU_add_test(s, "strdup and strndup", test_strdup_strndup);
    CU_add_test(s, "printf", test_printf);
    CU_add_test(s, "total counter", test_total_counter);
    CU_add_test(s, "defer: run at reset and at free, newest first, once", test_defer);
}
