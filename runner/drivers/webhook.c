/* webhook: being written */
#include "runner/drivers/driver.h"
static int apply_webhook(struct driver_run *d) { return driver_fail(d, "not yet"); }
const struct driver driver_webhook = { "webhook", NULL, apply_webhook };
