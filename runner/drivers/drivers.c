/*
 * drivers: the table of drivers (their helpers: driver_run.c).
 */
#include <string.h>

#include "runner/drivers/driver.h"

static const struct driver *const drivers[] = {
    &driver_mariadb_database, &driver_git_repository, &driver_exec, &driver_webhook, &driver_noop,
};

const struct driver *driver_find(const char *name)
{
    for (size_t i = 0; name && i < sizeof(drivers) / sizeof(drivers[0]); i++)
        if (strcmp(drivers[i]->name, name) == 0)
            return drivers[i];
    return NULL;
}
