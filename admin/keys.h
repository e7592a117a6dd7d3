/*
 * portico-admin init-master-key and rotate-master-key: the keyring that seals secrets (see
 * keys.c and lib/crypto.h).
 */
#ifndef PORTICO_ADMIN_KEYS_H
#define PORTICO_ADMIN_KEYS_H

#include "lib/config.h"

int cmd_init_master_key(const struct config *cfg, int argc, char **argv);
int cmd_rotate_master_key(const struct config *cfg, int argc, char **argv);

#endif
