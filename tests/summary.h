/*
 * Every test program appends "passed failed" to $PORTICO_TEST_SUMMARY, so that dev.sh can
 * end a run with one total line across unit, database, browser and integration suites.
 */
#ifndef PORTICO_TEST_SUMMARY_H
#define PORTICO_TEST_SUMMARY_H

#include <stdio.h>
#include <stdlib.h>

static inline void test_summary_write(unsigned passed, unsigned failed)
{
    const char *path = getenv("PORTICO_TEST_SUMMARY");
    FILE *f = path ? fopen(path, "a") : NULL;
    if (f) {
        fprintf(f, "%u %u\n", passed, failed);
        fclose(f);
    }
}

#endif
