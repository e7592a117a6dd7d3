/*
 * template_examples: the stock templates Portico ships (share/templates/, compiled in: a MariaDB
 * database, a git repository, an API token made by an exec step, a webhook, a noop trial), and
 * installing them for the team platform. The one piece of code behind `portico-admin templates
 * install-examples`, `./dev.sh up` and the gallery's POST /api/v1/templates/examples.
 *
 * Installing changes nothing that is there: a version of the same name and number, in any state,
 * is left as it is, and so is a template of that name another team owns. What is new is stored
 * as published (the scan is run first and must find nothing), each change audited in the one
 * transaction of the whole install. So a second install changes nothing.
 */
#ifndef PORTICO_TEMPLATE_EXAMPLES_H
#define PORTICO_TEMPLATE_EXAMPLES_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "audit.h"
#include "db.h"
#include "problem.h"

#define TEMPLATE_EXAMPLES_TEAM "platform"
#define TEMPLATE_EXAMPLES_MAX 32
/* In an example's XML, where the programs of its exec steps are (provision_example_programs). */
#define TEMPLATE_EXAMPLES_PROGRAMS "@EXAMPLE_PROGRAMS@"

struct template_example {
    const char *file;   /* "mariadb-database.xml" */
    const char *xml;
};

/* Where the examples' exec programs are: configured (provision_example_programs), else where
 * this build installs them (<libexecdir>/portico/exec). */
const char *template_examples_programs(const char *configured);

/* The set this build ships, in file-name order; *n: how many. */
const struct template_example *template_examples(size_t *n);

struct template_example_result {
    const char *file, *name, *version;
    const char *outcome;   /* "installed", "present" (that version is there) or "kept" (another team's name) */
};

/* Install n examples in one transaction (the caller's db has none open): the team platform is
 * made first when it is missing and make_team (else 409 no-platform-team), TEMPLATE_EXAMPLES_PROGRAMS
 * is replaced by programs_dir, and each change is audited as *as says who made it (actor,
 * address, request id; action, target and details are set here). results: room for n (filled in
 * list order, strings in a); *installed: how many were new; *team_made: whether the team was. An
 * example that does not parse or does not pass the scan stops the whole install (422, naming its
 * file). */
int template_examples_install(struct db *db, struct arena *a, const struct template_example *list, size_t n,
                              const char *programs_dir, bool make_team, const struct audit_event *as,
                              struct template_example_result *results, size_t *installed, bool *team_made,
                              struct problem *p);

#endif
