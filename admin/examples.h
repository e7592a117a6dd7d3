/*
 * portico-admin templates install-examples: the example templates (lib/template_examples), for
 * the team platform, which it makes when it is missing (see examples.c).
 */
#ifndef PORTICO_ADMIN_EXAMPLES_H
#define PORTICO_ADMIN_EXAMPLES_H

#include "lib/config.h"

/* portico-admin templates SUBCOMMAND ...: argv[0] is the subcommand. */
int cmd_templates(const struct config *cfg, int argc, char **argv);

#endif
