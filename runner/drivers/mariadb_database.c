/* mariadb_database: being written */
#include "runner/drivers/driver.h"
static int apply_mariadb_database(struct driver_run *d) { return driver_fail(d, "not yet"); }
const struct driver driver_mariadb_database = { "mariadb_database", NULL, apply_mariadb_database };
