/*
 * trace: W3C traceparent parsing as the specification's rules say, continuing a trace or
 * starting one, child spans, and the header written back.
 */
#include <CUnit/CUnit.h>
#include <sodium.h>
#include <string.h>

#include "lib/trace.h"
#include "tests/unit/suites.h"

static void test_parse(void)
{
    struct trace t;
    CU_ASSERT_TRUE(trace_parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", &t));
    CU_ASSERT_STRING_EQUAL(t.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    CU_ASSERT_STRING_EQUAL(t.parent_id, "00f067aa0ba902b7");
    CU_ASSERT_STRING_EQUAL(t.flags, "01");
    /* a later version: its first fields are read, what follows a '-' is left */
    CU_ASSERT_TRUE(trace_parse("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-what-comes", &t));
    static const char *const bad[] = {
        NULL, "", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",             /* no flags */
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",                    /* 00 is exactly 55 */
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",                      /* version ff */
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",                      /* zero trace */
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",                      /* zero parent */
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",                      /* upper case */
        "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",                      /* misplaced dash */
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",                      /* flags not hex */
        "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",                     /* later version, no dash */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CU_ASSERT_FALSE(trace_parse(bad[i], &t));
}

static void test_begin_child_header(void)
{
    CU_ASSERT_FATAL(sodium_init() >= 0);
    struct trace t, u, child;
    char h[TRACE_HEADER_LEN + 1];
    /* continued: the caller's trace, its span the parent, a span of our own */
    trace_begin(&t, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    CU_ASSERT_STRING_EQUAL(t.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    CU_ASSERT_STRING_EQUAL(t.parent_id, "00f067aa0ba902b7");
    CU_ASSERT_EQUAL(strlen(t.span_id), 16);
    CU_ASSERT_STRING_NOT_EQUAL(t.span_id, t.parent_id);
    trace_header(&t, h);
    CU_ASSERT_EQUAL(strlen(h), TRACE_HEADER_LEN);
    CU_ASSERT_TRUE(trace_parse(h, &u));   /* what we send, we read */
    CU_ASSERT_STRING_EQUAL(u.parent_id, t.span_id);
    /* malformed or absent: a new trace, no parent */
    trace_begin(&t, "garbage");
    CU_ASSERT_EQUAL(strlen(t.trace_id), 32);
    CU_ASSERT_STRING_EQUAL(t.parent_id, "");
    trace_begin(&u, NULL);
    CU_ASSERT_STRING_NOT_EQUAL(t.trace_id, u.trace_id);
    /* a child: same trace, the parent's span as its parent */
    trace_child(&child, &t);
    CU_ASSERT_STRING_EQUAL(child.trace_id, t.trace_id);
    CU_ASSERT_STRING_EQUAL(child.parent_id, t.span_id);
    CU_ASSERT_STRING_NOT_EQUAL(child.span_id, t.span_id);
}

void suite_trace(void)
{
    CU_pSuite s = CU_add_suite("trace", NULL, NULL);
    CU_add_test(s, "traceparent: valid, later versions, and every malformed form refused", test_parse);
    CU_add_test(s, "continue or start a trace; child spans; the header written back", test_begin_child_header);
}
