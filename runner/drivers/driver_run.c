/*
 * driver_run: the helpers every driver uses, apart from the table of drivers, so what makes
 * outbound calls without being a driver (the monitor area's Prometheus queries) links only these.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "runner/drivers/driver.h"

const char *driver_arg(const struct driver_run *d, const char *name)
{
    for (size_t i = 0; i < d->nargs; i++)
        if (strcmp(d->arg_names[i], name) == 0)
            return d->arg_values[i];
    return NULL;
}

int driver_fail(struct driver_run *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->error, sizeof(d->error), fmt, ap);
    va_end(ap);
    return -1;
}

void driver_logf(struct driver_run *d, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (d->log)
        d->log(d, "runner", line);
}

bool driver_uid_ok(const char *uid)
{
    if (!uid || strlen(uid) != 16)
        return false;
    for (const char *c = uid; *c; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
            return false;
    return true;
}
