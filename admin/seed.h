/*
 * portico-admin seed: a generated catalog for demos and benchmarks (see seed.c).
 */
#ifndef PORTICO_ADMIN_SEED_H
#define PORTICO_ADMIN_SEED_H

#include "lib/config.h"

int cmd_seed(const struct config *cfg, int argc, char **argv);

#endif
