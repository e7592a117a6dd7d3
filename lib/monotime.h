/*
 * monotime: the monotonic clock, for durations and deadlines only (never a date: the database's
 * clock dates everything that is stored). One helper for the request timer, session memos,
 * rate-limit leases, location fetches, the runner's passes and its drivers' timeouts.
 */
#ifndef PORTICO_MONOTIME_H
#define PORTICO_MONOTIME_H

/* Microseconds since an arbitrary start (CLOCK_MONOTONIC). */
long long monotime_us(void);

/* The same in seconds. */
double monotime_s(void);

#endif
