/*
 * portico-admin secrets export FILE | import FILE (see secrets_io.c).
 */
#ifndef PORTICO_ADMIN_SECRETS_IO_H
#define PORTICO_ADMIN_SECRETS_IO_H

#include "lib/config.h"

int cmd_secrets(const struct config *cfg, int argc, char **argv);

#endif
