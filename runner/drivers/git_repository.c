/* git_repository: being written */
#include "runner/drivers/driver.h"
static int apply_git_repository(struct driver_run *d) { return driver_fail(d, "not yet"); }
const struct driver driver_git_repository = { "git_repository", NULL, apply_git_repository };
