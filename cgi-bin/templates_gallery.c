/*
 * templates_gallery: the gallery (GET /templates: words, a tag, drafts for those who write them,
 * keyset pages) and the stock examples an administrator installs (POST /templates/examples).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/app.h"
#include "lib/authz.h"
#include "lib/db.h"
#include "lib/template_examples.h"
#include "templates.h"

#define QUERY_WORDS_MAX 8

/* ---- the gallery ------------------------------------------------------------------------------ */

/* Cursors are opaque to clients: base64url of "g1:<name>". */
/* A word for LIKE: '!' escapes the wildcards (and itself), whatever the SQL mode. */
static const char *like_word(struct arena *a, const char *w, size_t n)
{
    return db_like(a, w, n, true);
}

/* The row shown per template: its newest published version; with drafts, the newest draft of a
 * template that has none published. Only counts and ? marks are added to the SQL text. */
static const char sql_gallery[] =
    "SELECT t.name, t.owner_team, " TEMPLATE_TRUSTED("t") ", v.version, v.state, v.title, v.description, v.tags, "
    "       (SELECT COUNT(*) FROM template_versions n WHERE n.template_id = t.id) "
    "FROM templates t JOIN template_versions v ON v.id = "
    "  (SELECT x.id FROM template_versions x WHERE x.template_id = t.id AND (x.state = 'published' OR (? AND x.state = 'draft')) "
    "   ORDER BY x.state = 'published' DESC, x.version_order DESC LIMIT 1) "
    "WHERE (? IS NULL OR t.name > ?) AND (? IS NULL OR FIND_IN_SET(?, REPLACE(v.tags, ' ', ',')) > 0)";

/* GET /templates?q=&tag=&include=drafts&limit=&cursor= */
int templates_list(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    const char *q = http_query(&c->req, "q"), *tag = http_query(&c->req, "tag"), *include = http_query(&c->req, "include");
    long limit = app_limit(c);
    const char *after = app_cursor(c, "templates");
    if (include && strcmp(include, "drafts") != 0)
        problem_field(p, "include", "may only be drafts");
    if (tag && (strlen(tag) > 63 || strchr(tag, ',')))
        problem_field(p, "tag", "is a tag's name");
    if (q && strlen(q) > 200)
        problem_field(p, "q", "is at most 200 characters");
    if (!json_fields_ok(p))
        return -1;
    struct db_value v[6 + 4 * QUERY_WORDS_MAX];
    size_t nv = 0;
    v[nv++] = (struct db_value)DB_INTV(include != NULL);
    v[nv++] = after ? (struct db_value)DB_TEXTV(after) : DB_NULLV;
    v[nv++] = v[1];
    v[nv++] = tag && *tag ? (struct db_value)DB_TEXTV(tag) : DB_NULLV;
    v[nv++] = v[3];
    const char *sql = sql_gallery;
    size_t words = 0;
    for (const char *s = q ? q : ""; *(s += strspn(s, " \t")); words++) {
        size_t n = strcspn(s, " \t");
        if (words == QUERY_WORDS_MAX)
            return problem_field(p, "q", "has at most %d words", QUERY_WORDS_MAX), -1;
        const char *w = like_word(c->arena, s, n);
        if (!w)
            return problem_set(p, 500, "internal", "out of memory");
        sql = arena_printf(c->arena, "%s AND (t.name LIKE ? ESCAPE '!' OR v.title LIKE ? ESCAPE '!' OR "
                                     "v.description LIKE ? ESCAPE '!' OR v.tags LIKE ? ESCAPE '!')", sql);
        for (int k = 0; k < 4; k++)
            v[nv++] = (struct db_value)DB_TEXTV(w);
        s += n;
    }
    v[nv++] = (struct db_value)DB_INTV(limit + 1);
    struct db_result r;
    if (db_query(c->db, c->arena, arena_printf(c->arena, "%s ORDER BY t.name LIMIT ?", sql), v, nv, &r, p) < 0)
        return -1;
    bool more = r.nrows > (size_t)limit;
    size_t rows = more ? (size_t)limit : r.nrows;
    json_object *list = json_object_new_array();
    for (size_t i = 0; i < rows; i++) {
        json_object *o = json_object_new_object(), *latest = json_object_new_object(), *tags = json_object_new_array();
        json_object_object_add(o, "name", json_object_new_string(db_cell(&r, i, 0)));
        json_object_object_add(o, "owner_team", json_object_new_string(db_cell(&r, i, 1)));
        json_object_object_add(o, "trusted", json_object_new_boolean(strcmp(db_cell(&r, i, 2), "0") != 0));
        json_object_object_add(latest, "version", json_object_new_string(db_cell(&r, i, 3)));
        json_object_object_add(latest, "state", json_object_new_string(db_cell(&r, i, 4)));
        json_object_object_add(latest, "title", json_object_new_string(db_cell(&r, i, 5)));
        json_object_object_add(latest, "description", json_object_new_string(db_cell(&r, i, 6)));
        for (const char *s = db_cell(&r, i, 7); *(s += strspn(s, " "));) {
            size_t n = strcspn(s, " ");
            json_object_array_add(tags, json_object_new_string_len(s, (int)n));
            s += n;
        }
        json_object_object_add(latest, "tags", tags);
        json_object_object_add(o, "latest", latest);
        json_object_object_add(o, "versions", json_object_new_int(atoi(db_cell(&r, i, 8))));
        json_object_array_add(list, o);
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "templates", list);
    json_object_object_add(o, "next_cursor", more ? json_object_new_string(app_cursor_make(c, "templates", db_cell(&r, rows - 1, 0))) : NULL);
    return app_json(c, 200, o);
}

/* ---- the example templates ------------------------------------------------------------------- */

/* POST /templates/examples: the stock set (lib/template_examples, the same code as portico-admin
 * templates install-examples) for the team platform, which an administrator's install makes
 * when it is missing. What is there already stays as it is. */
int templates_examples_install(struct app_ctx *c)
{
    static const struct authz_resource nowhere = { NULL, NULL, NULL, NULL };
    struct authz_decision d;
    if (!app_may(c, "templates.template.publish", TEMPLATE_RESOURCE(TEMPLATE_EXAMPLES_TEAM), &d))
        return app_refuse(c, "templates.template.publish", TEMPLATE_RESOURCE(TEMPLATE_EXAMPLES_TEAM), &d);
    size_t n, installed;
    bool made;
    const struct template_example *list = template_examples(&n);
    struct template_example_result *res = arena_calloc(c->arena, n ? n : 1, sizeof(*res));
    if (!res)
        return problem_set(&c->problem, 500, "internal", "out of memory");
    struct audit_event as = app_audit_event(c, "templates.examples", "success");
    if (template_examples_install(c->db, c->arena, list, n, template_examples_programs(c->cfg->provision_example_programs),
                                  app_may(c, "iam.team.write", &nowhere, NULL), &as, res, &installed, &made,
                                  &c->problem) < 0)
        return -1;
    json_object *o = json_object_new_object(), *a = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "name", json_object_new_string(res[i].name));
        json_object_object_add(e, "version", json_object_new_string(res[i].version));
        json_object_object_add(e, "outcome", json_object_new_string(res[i].outcome));
        json_object_array_add(a, e);
    }
    json_object_object_add(o, "team", json_object_new_string(TEMPLATE_EXAMPLES_TEAM));
    json_object_object_add(o, "team_created", json_object_new_boolean(made));
    json_object_object_add(o, "installed", json_object_new_int((int)installed));
    json_object_object_add(o, "templates", a);
    return app_json(c, installed ? 201 : 200, o);
}
