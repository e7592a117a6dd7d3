/*
 * noop: a step that does nothing but say so. For trying a template's parameters, policy and
 * approvals before it provisions anything, and for measuring the runner itself (tests/bench).
 * Arguments: any; "message" is written to the job log. Outputs: "uid" (the resource's).
 */
#include "runner/drivers/driver.h"

static int noop_apply(struct driver_run *d)
{
    const char *message = driver_arg(d, "message");
    if (message)
        driver_logf(d, "%s", message);
    json_object_object_add(d->outputs, "uid", json_object_new_string(d->resource_uid));
    return 0;
}

const struct driver driver_noop = { "noop", NULL, noop_apply };
