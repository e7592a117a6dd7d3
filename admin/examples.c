/*
 * portico-admin templates install-examples [--dir DIR]: the example templates this build ships
 * (compiled in from share/templates/), or the *.xml files of DIR, published for the team platform
 * (made when it is missing) through lib/template_examples, the code the gallery's button runs
 * too. Idempotent: what is there stays as it is, so a second run changes nothing. Audited as the
 * operating-system user who ran it.
 */
#include "admin/examples.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/audit.h"
#include "lib/db.h"
#include "lib/template.h"
#include "lib/template_examples.h"

static int name_cmp(const void *x, const void *y)
{
    return strcmp(((const struct template_example *)x)->file, ((const struct template_example *)y)->file);
}

/* The *.xml files of dir, in name order, read into a. -1 (said on stderr) when one cannot be. */
static int examples_read(struct arena *a, const char *dir, struct template_example *out, size_t *n)
{
    DIR *d = opendir(dir);
    *n = 0;
    if (!d) {
        fprintf(stderr, "portico-admin templates: cannot read the directory %s\n", dir);
        return -1;
    }
    int rc = 0;
    for (struct dirent *e; rc == 0 && (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".xml") != 0 || e->d_name[0] == '.')
            continue;
        if (*n == TEMPLATE_EXAMPLES_MAX) {
            fprintf(stderr, "portico-admin templates: %s holds more than %d templates\n", dir, TEMPLATE_EXAMPLES_MAX);
            rc = -1;
            break;
        }
        const char *path = arena_printf(a, "%s/%s", dir, e->d_name);
        FILE *f = path ? fopen(path, "r") : NULL;
        char *buf = arena_alloc(a, TEMPLATE_XML_MAX + 1);
        size_t got = f && buf ? fread(buf, 1, TEMPLATE_XML_MAX + 1, f) : 0;
        if (!f || !buf || ferror(f) || got > TEMPLATE_XML_MAX) {
            fprintf(stderr, "portico-admin templates: %s cannot be read, or is larger than %d bytes\n", path ? path : dir,
                    TEMPLATE_XML_MAX);
            rc = -1;
        } else {
            buf[got] = '\0';
            out[(*n)++] = (struct template_example){ arena_strdup(a, e->d_name), buf };
        }
        if (f)
            fclose(f);
    }
    closedir(d);
    qsort(out, *n, sizeof(*out), name_cmp);
    return rc;
}

static int install_examples(const struct config *cfg, int argc, char **argv)
{
    const char *dir = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else {
            fprintf(stderr, "portico-admin templates install-examples: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    struct arena a;
    struct problem p;
    arena_init(&a, 0);
    problem_init(&p);
    static struct template_example files[TEMPLATE_EXAMPLES_MAX];
    const struct template_example *list;
    size_t n = 0, installed = 0;
    bool made = false;
    int rc = 2;
    struct db *db = NULL;
    if (dir) {
        if (examples_read(&a, dir, files, &n) < 0)
            goto out;
        list = files;
    } else {
        list = template_examples(&n);
    }
    struct template_example_result *res = arena_calloc(&a, n ? n : 1, sizeof(*res));
    struct audit_event as = audit_admin_event("templates.examples", NULL, NULL, NULL);
    if (!res || !(db = db_new(cfg, DB_ROLE_ADMIN)))
        goto out;
    if (template_examples_install(db, &a, list, n, template_examples_programs(cfg->provision_example_programs), true, &as,
                                  res, &installed, &made, &p) < 0) {
        fprintf(stderr, "portico-admin: %s\n", p.detail[0] ? p.detail : "the examples could not be installed");
        if (p.internal[0])
            fprintf(stderr, "portico-admin: %s\n", p.internal);
        goto out;
    }
    if (made)
        printf("made the team %s\n", TEMPLATE_EXAMPLES_TEAM);
    for (size_t i = 0; i < n; i++)
        printf("%-9s %s %s%s\n", res[i].outcome, res[i].name, res[i].version,
               strcmp(res[i].outcome, "present") == 0 ? " (there already: left as it is)"
               : strcmp(res[i].outcome, "kept") == 0  ? " (another team's template of that name: left alone)"
                                                      : "");
    if (installed)
        printf("%zu of %zu example templates installed for the team %s\n", installed, n, TEMPLATE_EXAMPLES_TEAM);
    else
        printf("nothing to install: the %zu example templates are there\n", n);
    rc = 0;
out:
    db_free(db);
    arena_free(&a);
    return rc;
}

int cmd_templates(const struct config *cfg, int argc, char **argv)
{
    if (argc > 0 && strcmp(argv[0], "install-examples") == 0)
        return install_examples(cfg, argc - 1, argv + 1);
    fprintf(stderr, "portico-admin templates: install-examples [--dir DIR]\n");
    return 2;
}
