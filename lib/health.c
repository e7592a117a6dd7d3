/*
 * health: the damping, and the forms of a check's settings.
 */
#include "health.h"

#include <stdlib.h>
#include <string.h>

static const char *const names[] = { "passing", "warning", "critical" };

const char *health_status_name(enum health_status s)
{
    return (unsigned)s < 3 ? names[s] : "critical";
}

bool health_status_parse(const char *s, enum health_status *out)
{
    for (int i = 0; s && i < 3; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (enum health_status)i;
            return true;
        }
    return false;
}

bool health_next(struct health_state *s, enum health_status result, unsigned success_before_passing,
                 unsigned failures_before_critical)
{
    enum health_status was = s->status;
    bool first = s->results == 0;
    s->results++;
    if (result == HEALTH_PASSING) {
        s->ok_streak++;
        s->fail_streak = 0;
        if (first || s->ok_streak >= (success_before_passing ? success_before_passing : 1))
            s->status = HEALTH_PASSING;
    } else {
        s->fail_streak++;
        s->ok_streak = 0;
        /* once failing, a warning and a critical result move it at once between the two */
        if (first || s->status != HEALTH_PASSING || s->fail_streak >= (failures_before_critical ? failures_before_critical : 1))
            s->status = result;
    }
    return s->status != was;
}

bool health_tcp_target_ok(const char *t)
{
    const char *colon = strrchr(t, ':');
    if (!colon || colon == t || strlen(t) > 255)
        return false;
    const char *host_end = colon;
    if (t[0] == '[') {
        if (colon[-1] != ']' || colon - t < 3)
            return false;
        for (const char *p = t + 1; p < colon - 1; p++)
            if (!strchr("0123456789abcdefABCDEF:.", *p))
                return false;
    } else {
        for (const char *p = t; p < host_end; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '-'))
                return false;
    }
    char *end;
    long port = strtol(colon + 1, &end, 10);
    return colon[1] >= '0' && colon[1] <= '9' && !*end && port >= 1 && port <= 65535;
}
