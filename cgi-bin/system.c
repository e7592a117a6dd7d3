/*
 * system: is Portico up? Liveness (no database), readiness (database reachable and the
 * schema migrated far enough for this build), the version, and an echo for checking that a
 * client or proxy passes JSON bodies through intact.
 */
#include "build.h"   /* autoconf: PACKAGE_VERSION */

#include <stdlib.h>

#include "lib/portico.h"
#include "lib/schema_version.h"

static int system_health(struct app_ctx *c)
{
    return app_status(c, 200, "ok");
}

static const char sql_schema_version[] = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";

static int system_ready(struct app_ctx *c)
{
    struct db_result r;
    if (db_query(c->db, c->arena, sql_schema_version, NULL, 0, &r, &c->problem) < 0)
        return -1;
    long current = db_cell(&r, 0, 0) ? strtol(db_cell(&r, 0, 0), NULL, 10) : 0;
    if (current < PORTICO_SCHEMA_VERSION) {
        c->problem.retry_after = c->cfg->retry_after;
        return problem_set(&c->problem, 503, "schema-outdated",
                           "the database schema is at migration %ld; this build needs %d: run portico-admin migrate",
                           current, PORTICO_SCHEMA_VERSION);
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_string("ready"));
    json_object *schema = json_object_new_object();
    json_object_object_add(schema, "current", json_object_new_int64(current));
    json_object_object_add(schema, "expected", json_object_new_int(PORTICO_SCHEMA_VERSION));
    json_object_object_add(o, "schema", schema);
    return app_json(c, 200, o);
}

static int system_version(struct app_ctx *c)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string("portico"));
    json_object_object_add(o, "version", json_object_new_string(PACKAGE_VERSION));
    json_object_object_add(o, "api", json_object_new_string("v1"));
    json_object_object_add(o, "schema", json_object_new_int(PORTICO_SCHEMA_VERSION));
    return app_json(c, 200, o);
}

static int system_echo(struct app_ctx *c)
{
    struct problem *p = &c->problem;

    const char *message = json_str(c->body, "message", NULL);
    long long repeat = json_num(c->body, "repeat", 1);
    if (!json_fields_ok(p))
        return -1;

    json_object *o = json_object_new_object();
    json_object_object_add(o, "message", json_object_new_string(message));
    json_object_object_add(o, "repeat", json_object_new_int64(repeat));
    json_object_object_add(o, "bytes", json_object_new_int64((int64_t)c->req.body_len));
    /* whether an Authorization header reached the handler (never its value): web server
     * configurations drop it unless told not to, and bearer tokens depend on it */
    json_object_object_add(o, "authorization", json_object_new_boolean(http_header(&c->req, "Authorization") != NULL));
    return app_json(c, 200, o);
}

static const struct route system_routes[] = {
    { "GET", "/api/v1/system/health", PERM_PUBLIC, system_health, ROUTE_NO_RATELIMIT,
      "Liveness", "200 while the handler process runs; does not touch the database.", NULL,
      NULL, "200 Status" },
    { "GET", "/api/v1/system/ready", PERM_PUBLIC, system_ready, ROUTE_NO_RATELIMIT,
      "Readiness", "200 when the database answers and its schema is at the migration this build "
                   "expects; 503 with Retry-After otherwise.", NULL,
      NULL, "200 status:string schema:{current:int expected:int}" },
    { "GET", "/api/v1/system/version", PERM_PUBLIC, system_version, ROUTE_NO_RATELIMIT,
      "Version", "Portico's version, the API version and the schema migration this build expects.", NULL,
      NULL, "200 name:string version:string api:string schema:int" },
    { "POST", "/api/v1/system/echo", PERM_PUBLIC, system_echo, ROUTE_BODY_JSON,
      "Echo a JSON body", "Validates {message: string (1..1000 bytes), repeat: integer 1..10} and "
                          "answers it back with the body's size and whether an Authorization header arrived (not "
                          "its value), to check that clients and proxies pass bodies and credentials intact.", NULL,
      "message:string(1..1000) repeat?:int(1..10)", "200 message:string repeat:int bytes:int authorization:bool" },
};

static const struct app system_app = { "system", system_routes, sizeof(system_routes) / sizeof(system_routes[0]), NULL };

int main(int argc, char **argv)
{
    return app_main(&system_app, argc, argv);
}
