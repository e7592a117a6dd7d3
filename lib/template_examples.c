/*
 * template_examples: the stock templates and their installation (template_examples.h).
 */
#include "template_examples.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "team_group.h"
#include "template.h"

#include "lib/template_examples_data.h"

#define TAGS_MAX 2000   /* template_versions.tags */

#ifndef PORTICO_EXAMPLE_PROGRAMS_DIR
#define PORTICO_EXAMPLE_PROGRAMS_DIR "/usr/local/libexec/portico/exec"
#endif

const char *template_examples_programs(const char *configured)
{
    return configured && *configured ? configured : PORTICO_EXAMPLE_PROGRAMS_DIR;
}

const struct template_example *template_examples(size_t *n)
{
    *n = sizeof(template_examples_data) / sizeof(template_examples_data[0]);
    return template_examples_data;
}

/* xml with every TEMPLATE_EXAMPLES_PROGRAMS replaced by dir, in the arena. */
static char *programs_filled(struct arena *a, const char *xml, const char *dir)
{
    const char *mark = TEMPLATE_EXAMPLES_PROGRAMS;
    size_t ml = strlen(mark);
    char *out = arena_strdup(a, "");
    for (const char *s = xml, *hit; out; s = hit + ml) {
        if (!(hit = strstr(s, mark)))
            return arena_printf(a, "%s%s", out, s);
        out = arena_printf(a, "%s%.*s%s", out, (int)(hit - s), s, dir);
    }
    return NULL;
}

static int audited(struct db *db, struct arena *a, const struct audit_event *as, const char *action, const char *type,
                   const char *target, const char *details, struct problem *p)
{
    struct audit_event ev = *as;
    ev.action = action;
    ev.outcome = "success";
    ev.target_type = type;
    ev.target_id = target;
    ev.details = details;
    return audit_append(db, a, &ev, p);
}

/* The team the examples belong to: there, or made (when make_team). Inside the transaction. */
static int team_ensure(struct db *db, struct arena *a, bool make_team, const struct audit_event *as, bool *made,
                       struct problem *p)
{
    struct db_value name = DB_TEXTV(TEMPLATE_EXAMPLES_TEAM);
    struct db_result r;
    *made = false;
    if (db_query(db, a, "SELECT id FROM teams WHERE name = ? FOR UPDATE", &name, 1, &r, p) < 0)
        return -1;
    if (r.nrows)
        return 0;
    if (!make_team)
        return problem_set(p, 409, "no-platform-team", "the example templates belong to the team %s, which does not exist: "
                                                       "an administrator installs them (and so makes the team)",
                           TEMPLATE_EXAMPLES_TEAM);
    struct db_value v[2] = { name, DB_TEXTV("Platform") };
    if (db_query(db, a, "INSERT INTO teams (name, display_name, parent_id) VALUES (?, ?, NULL)", v, 2, &r, p) < 0)
        return -1;
    long long id = (long long)r.insert_id;
    struct db_value c[2] = { DB_INTV(id), DB_INTV(id) };
    if (db_query(db, a, "INSERT INTO team_closure (ancestor_id, descendant_id, depth) VALUES (?, ?, 0)", c, 2, NULL, p) < 0 ||
        audited(db, a, as, "iam.team.create", "team", TEMPLATE_EXAMPLES_TEAM,
                "{\"parent\":null,\"via\":\"template-examples\"}", p) < 0)
        return -1;
    /* a team is shown as its Group in the catalog (lib/team_group) */
    enum team_group_state group;
    if (team_group_sync(db, a, as, TEMPLATE_EXAMPLES_TEAM, &group, p) < 0)
        return -1;
    *made = true;
    return 0;
}

/* One example, inside the transaction: parsed and scanned (nothing stored when it fails), then
 * stored as published unless its version is there or its name is another team's. */
static int example_install(struct db *db, struct arena *a, const struct template_example *e, const char *programs_dir,
                           const char *actor, const struct audit_event *as, struct template_example_result *res,
                           struct problem *p)
{
    const char *xml = programs_filled(a, e->xml, programs_dir);
    struct template *t = arena_calloc(a, 1, sizeof(*t));
    if (!xml || !t)
        return problem_set(p, 500, "internal", "out of memory");
    struct problem why;
    problem_init(&why);
    if (template_parse(xml, strlen(xml), a, t, &why) < 0) {
        const char *first = why.nfields ? arena_printf(a, "%s: %s", why.fields[0].field, why.fields[0].message) : why.detail;
        return problem_set(p, 422, "bad-example", "the example %s is not a template Portico can read: %s", e->file, first);
    }
    json_object *report = json_object_new_array();
    size_t findings = template_scan(t, false, report);
    const char *finding = findings ? json_object_get_string(json_object_object_get(json_object_array_get_idx(report, 0), "message"))
                                   : NULL;
    finding = finding ? arena_strdup(a, finding) : NULL;
    json_object_put(report);
    if (findings)
        return problem_set(p, 422, "scan-failed", "the example %s does not pass the scan: %s", e->file, finding);
    if (strcmp(t->owner_team, TEMPLATE_EXAMPLES_TEAM) != 0)
        return problem_set(p, 422, "bad-example", "the example %s belongs to team %s, not %s", e->file, t->owner_team,
                           TEMPLATE_EXAMPLES_TEAM);
    const char *tags = "";
    for (size_t i = 0; i < t->ntags; i++)
        tags = arena_printf(a, "%s%s%s", tags, i ? " " : "", t->tags[i]);
    if (strlen(tags) > TAGS_MAX)
        return problem_set(p, 422, "bad-example", "the example %s has more tags than fit", e->file);
    res->file = e->file;
    res->name = t->name;
    res->version = t->version;

    struct db_value name = DB_TEXTV(t->name);
    struct db_value add[3] = { name, DB_TEXTV(TEMPLATE_EXAMPLES_TEAM), DB_TEXTV(actor) };
    struct db_result r;
    if (db_query(db, a, "INSERT INTO templates (name, owner_team, created_by) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE id = id",
                 add, 3, &r, p) < 0)
        return -1;
    bool new_template = r.affected == 1;
    if (db_query(db, a, "SELECT id, owner_team FROM templates WHERE name = ? FOR UPDATE", &name, 1, &r, p) < 0)
        return -1;
    if (r.nrows != 1)
        return problem_set(p, 409, "conflict", "%s changed meanwhile: try again", t->name);
    if (strcmp(db_cell(&r, 0, 1), TEMPLATE_EXAMPLES_TEAM) != 0) {
        res->outcome = "kept";   /* the name is another team's template: theirs stays */
        return 0;
    }
    long long tid = atoll(db_cell(&r, 0, 0));
    struct db_value vv[2] = { DB_INTV(tid), DB_TEXTV(t->version) };
    if (db_query(db, a, "SELECT 1 FROM template_versions WHERE template_id = ? AND version = ?", vv, 2, &r, p) < 0)
        return -1;
    if (r.nrows) {
        res->outcome = "present";   /* in whatever state: an existing version is not replaced */
        return 0;
    }
    char at[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
    const char *scan = arena_printf(a, "{\"findings\":[],\"scanned_at\":\"%s\"}", at);
    struct db_value v[10] = { DB_INTV(tid), DB_TEXTV(t->version), DB_INTV(template_version_order(t->version)),
                              DB_TEXTV(t->title), DB_TEXTV(t->description ? t->description : ""), DB_TEXTV(tags),
                              DB_TEXTV(xml), DB_TEXTV(scan), DB_TEXTV(actor), DB_TEXTV(actor) };
    const char *target = arena_printf(a, "%s@%s", t->name, t->version);
    if (db_query(db, a, "INSERT INTO template_versions (template_id, version, version_order, title, description, tags, xml, "
                        "scan, created_by, state, published_at, published_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'published', "
                        "UTC_TIMESTAMP(6), ?)", v, 10, NULL, p) < 0 ||
        audited(db, a, as, "templates.create", "template", target,
                arena_printf(a, "{\"owner_team\":\"%s\",\"new_template\":%s,\"findings\":0,\"via\":\"template-examples\"}",
                             TEMPLATE_EXAMPLES_TEAM, new_template ? "true" : "false"), p) < 0 ||
        audited(db, a, as, "templates.publish", "template", target, "{\"via\":\"template-examples\"}", p) < 0)
        return -1;
    res->outcome = "installed";
    return 0;
}

int template_examples_install(struct db *db, struct arena *a, const struct template_example *list, size_t n,
                              const char *programs_dir, bool make_team, const struct audit_event *as,
                              struct template_example_result *results, size_t *installed, bool *team_made,
                              struct problem *p)
{
    const char *actor = as->actor_name ? as->actor_name : as->actor_id ? as->actor_id : as->actor_type;
    *installed = 0;
    *team_made = false;
    if (n > TEMPLATE_EXAMPLES_MAX)
        return problem_set(p, 422, "bad-example", "at most %d examples at once", TEMPLATE_EXAMPLES_MAX);
    if (db_begin(db, p) < 0)
        return -1;
    if (team_ensure(db, a, make_team, as, team_made, p) < 0) {
        db_abort(db);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        memset(&results[i], 0, sizeof(results[i]));
        if (example_install(db, a, &list[i], programs_dir, actor, as, &results[i], p) < 0) {
            db_abort(db);
            *installed = 0;
            *team_made = false;
            return -1;
        }
        *installed += strcmp(results[i].outcome, "installed") == 0;
    }
    if (db_commit(db, p) < 0) {
        *installed = 0;
        *team_made = false;
        return -1;
    }
    return 0;
}
