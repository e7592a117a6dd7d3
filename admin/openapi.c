/*
 * openapi: route rows -> OpenAPI 3.1 operations. Every operation lists the problem+json
 * answers it can give; path parameters come from the {name} segments. Beside the permission
 * (x-permission), the permission registry of lib/authz says who holds it: the least built-in
 * role (x-role) and whether only a global binding grants it (x-global-only), which the portal's
 * API reference shows.
 */
#include "admin/openapi.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lib/authn.h"
#include "lib/authz.h"
#include "lib/router.h"
#include "lib/shape.h"

static json_object *problem_ref(void)
{
    json_object *r = json_object_new_object();
    json_object_object_add(r, "$ref", json_object_new_string("#/components/responses/Problem"));
    return r;
}

json_object *openapi_document_new(const char *version)
{
    json_object *doc = json_object_new_object();
    json_object_object_add(doc, "openapi", json_object_new_string("3.1.0"));
    json_object *info = json_object_new_object();
    json_object_object_add(info, "title", json_object_new_string("Portico API"));
    json_object_object_add(info, "version", json_object_new_string(version));
    json_object_object_add(info, "description", json_object_new_string(
        "Portico's JSON API. Errors are RFC 9457 problem details (application/problem+json) "
        "with a request_id. Each operation names the permission it needs in x-permission (public: "
        "no identity; authenticated: any), the least built-in role holding it in x-role (roles nest: "
        "viewer, developer, maintainer, admin) and, in x-global-only, whether only a global binding "
        "grants it."));
    json_object_object_add(doc, "info", info);
    json_object_object_add(doc, "servers", json_tokener_parse(
        "[{\"url\":\"/\",\"description\":\"the host the portal is served from (the API is under /api/v1)\"}]"));
    /* who may call: a session (its changes carry the CSRF header) or an API token; public
     * operations say security: [] */
    json_object_object_add(doc, "security", json_tokener_parse("[{\"session\":[]},{\"bearer\":[]}]"));
    json_object_object_add(doc, "paths", json_object_new_object());

    json_object *problem = json_tokener_parse(
        "{\"type\":\"object\",\"required\":[\"type\",\"title\",\"status\"],\"properties\":{"
        "\"type\":{\"type\":\"string\",\"description\":\"urn:portico:problem:<slug>\"},"
        "\"title\":{\"type\":\"string\"},\"status\":{\"type\":\"integer\"},"
        "\"detail\":{\"type\":\"string\"},\"request_id\":{\"type\":\"string\"},"
        "\"errors\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
        "\"field\":{\"type\":\"string\"},\"message\":{\"type\":\"string\"}}}}}}");
    json_object *schemas = json_object_new_object();
    json_object_object_add(schemas, "Problem", problem);
    json_object *responses = json_tokener_parse(
        "{\"Problem\":{\"description\":\"An error, as problem details\",\"content\":{"
        "\"application/problem+json\":{\"schema\":{\"$ref\":\"#/components/schemas/Problem\"}}}}}");
    json_object *schemes = json_object_new_object(), *session = json_object_new_object(), *bearer = json_object_new_object();
    json_object_object_add(session, "type", json_object_new_string("apiKey"));
    json_object_object_add(session, "in", json_object_new_string("cookie"));
    json_object_object_add(session, "name", json_object_new_string(AUTHN_COOKIE));
    json_object_object_add(session, "description", json_object_new_string(
        "The session POST /api/v1/auth/login opens (HttpOnly, SameSite=Strict). A change (POST, PUT, PATCH, "
        "DELETE) made with it also sends the session's CSRF token in the " AUTHN_CSRF_HEADER " header."));
    json_object_object_add(bearer, "type", json_object_new_string("http"));
    json_object_object_add(bearer, "scheme", json_object_new_string("bearer"));
    json_object_object_add(bearer, "description", json_object_new_string(
        "An API token (POST /api/v1/auth/tokens, or an administrator's for a service account), good for the "
        "permissions its scopes name, within what its owner holds."));
    json_object_object_add(schemes, "session", session);
    json_object_object_add(schemes, "bearer", bearer);
    json_object *components = json_object_new_object();
    json_object_object_add(components, "schemas", schemas);
    json_object_object_add(components, "responses", responses);
    json_object_object_add(components, "securitySchemes", schemes);
    json_object_object_add(doc, "components", components);
    return doc;
}

/* The least built-in role that holds perm, or NULL (public, authenticated, a custom name). */
static const char *least_role(const char *perm)
{
    for (const char *const *r = authz_builtin_roles(); *r; r++)
        if (authz_role_has(NULL, *r, perm))
            return *r;
    return NULL;
}

static const char *str(json_object *o, const char *k)
{
    json_object *v;
    return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v) : NULL;
}

/* operationId: a verb (list or get for GET, by whether the path ends in a parameter; create for
 * POST, or the action a POST's last segment names after a parameter: approve, sync...; put,
 * delete, update) and the path's words after /api/v1, camel-cased: listCatalogEntities,
 * getIamUsers, approveProvisionRequests. A clash is the table's mistake (-1). */
static void operation_id(const char *method, const char *pattern, char *out, size_t len)
{
    char words[16][64];
    size_t nw = 0;
    bool last_param = false, literal_after_param = false, seen_param = false;
    for (const char *s = pattern; *s;) {
        while (*s == '/')
            s++;
        size_t n = strcspn(s, "/");
        if (n == 0)
            break;
        bool param = s[0] == '{';
        last_param = param;
        if (param) {
            seen_param = true;
        } else if (nw < 16 && n < 64 && !(nw == 0 && n == 3 && strncmp(s, "api", 3) == 0) &&
                   !(nw == 0 && n == 2 && strncmp(s, "v1", 2) == 0)) {
            memcpy(words[nw], s, n);
            words[nw++][n] = '\0';
            literal_after_param = seen_param;
        }
        s += n;
    }
    const char *verb;
    bool action = strcmp(method, "POST") == 0 && !last_param && literal_after_param && nw > 1;
    if (strcmp(method, "GET") == 0)
        verb = last_param ? "get" : "list";
    else if (strcmp(method, "POST") == 0)
        verb = action ? words[nw - 1] : "create";
    else if (strcmp(method, "PUT") == 0)
        verb = "put";
    else if (strcmp(method, "DELETE") == 0)
        verb = "delete";
    else
        verb = "update";
    size_t k = 0;
    bool up = false;
    for (const char *v = verb; *v && k + 1 < len; v++) {   /* password-reset: passwordReset */
        if (*v == '-' || *v == '_') {
            up = true;
            continue;
        }
        out[k++] = up ? (char)toupper((unsigned char)*v) : *v;
        up = false;
    }
    for (size_t i = 0; i < nw - (action ? 1 : 0); i++) {
        up = true;
        for (const char *w = words[i]; *w && k + 1 < len; w++) {
            if (*w == '-' || *w == '_' || *w == '.') {
                up = true;
                continue;
            }
            out[k++] = up ? (char)toupper((unsigned char)*w) : *w;
            up = false;
        }
    }
    out[k] = '\0';
}

/* The problem+json answers an operation can give, by what the route is. */
static void add_problems(json_object *resp, bool public, bool path_params, bool input, bool rate_limited)
{
    json_object_object_add(resp, "400", problem_ref());   /* a malformed query or path */
    if (!public) {
        json_object_object_add(resp, "401", problem_ref());
        json_object_object_add(resp, "403", problem_ref());
    }
    if (path_params)
        json_object_object_add(resp, "404", problem_ref());
    if (input)
        json_object_object_add(resp, "422", problem_ref());
    if (rate_limited)
        json_object_object_add(resp, "429", problem_ref());
    json_object_object_add(resp, "default", problem_ref());
}

/* The schema of a body or answer declared as spec (a shape, or a media type: its text) under
 * content, as media (or spec's media type). The schema, held by content; NULL when malformed. */
static json_object *content_schema(const char *spec, const char *media, json_object *content)
{
    json_object *schema, *mt = json_object_new_object();
    size_t n = strcspn(spec, " ");
    char type[96];
    if (router_media(spec)) {
        snprintf(type, sizeof(type), "%.*s", (int)(n < sizeof(type) ? n : sizeof(type) - 1), spec);
        media = type;
        schema = json_tokener_parse("{\"type\":\"string\"}");
    } else if (!(schema = shape_schema(spec))) {
        json_object_put(mt);
        return NULL;
    }
    json_object_object_add(mt, "schema", schema);
    json_object_object_add(content, media, mt);
    return schema;
}

/* The route's declared answer (lib/router.h) into responses: each status with its content. */
static int answer_add(json_object *resp, const char *answer)
{
    struct route r = { .answer = answer };
    int statuses[3];
    const char *spec;
    int n = router_answer(&r, statuses, &spec);
    if (n == 0)
        return -1;
    for (int i = 0; i < n; i++) {
        char code[8];
        json_object *o = json_object_new_object();
        snprintf(code, sizeof(code), "%d", statuses[i]);
        json_object_object_add(o, "description", json_object_new_string(
            statuses[i] == 201 ? "Created" : statuses[i] == 202 ? "Accepted" : statuses[i] == 204 ? "No content" : "OK"));
        if (spec) {
            json_object *content = json_object_new_object();
            json_object_object_add(o, "content", content);
            if (!content_schema(spec, "application/json", content)) {
                json_object_put(o);
                return -1;
            }
        }
        json_object_object_add(resp, code, o);
    }
    return 0;
}

/* A declared query parameter (lib/router.h) as an OpenAPI parameter. */
static json_object *query_param(const struct route_query *q)
{
    json_object *p = json_object_new_object(), *schema = json_object_new_object();
    json_object_object_add(p, "name", json_object_new_string(q->name));
    json_object_object_add(p, "in", json_object_new_string("query"));
    json_object_object_add(p, "required", json_object_new_boolean(0));
    switch (q->type) {
    case RQ_INT:
        json_object_object_add(schema, "type", json_object_new_string("integer"));
        json_object_object_add(schema, "minimum", json_object_new_int64(q->min));
        json_object_object_add(schema, "maximum", json_object_new_int64(q->max));
        if (q->has_def)
            json_object_object_add(schema, "default", json_object_new_int64(q->def));
        break;
    case RQ_STRING:
        json_object_object_add(schema, "type", json_object_new_string("string"));
        json_object_object_add(schema, "maxLength", json_object_new_int64(q->max));
        break;
    case RQ_BOOL:
        json_object_object_add(schema, "type", json_object_new_string("boolean"));
        break;
    case RQ_ENUM: {
        json_object *e = json_object_new_array();
        for (const char *s = q->choices; *s;) {
            size_t n = strcspn(s, "|");
            json_object_array_add(e, json_object_new_string_len(s, (int)n));
            s += n + (s[n] == '|');
        }
        json_object_object_add(schema, "type", json_object_new_string("string"));
        json_object_object_add(schema, "enum", e);
        break;
    }
    case RQ_CURSOR:
        json_object_object_add(schema, "type", json_object_new_string("string"));
        json_object_object_add(p, "description", json_object_new_string(
            "where the page starts: the next_cursor of the page before, given back as it came"));
        break;
    }
    json_object_object_add(p, "schema", schema);
    return p;
}

int openapi_add_routes(json_object *doc, json_object *routes, char *err, size_t errlen)
{
    json_object *paths;
    if (!json_object_is_type(routes, json_type_array) || !json_object_object_get_ex(doc, "paths", &paths)) {
        snprintf(err, errlen, "a route table is a JSON array");
        return -1;
    }
    for (size_t i = 0; i < json_object_array_length(routes); i++) {
        json_object *r = json_object_array_get_idx(routes, i), *body;
        const char *method = str(r, "method"), *path = str(r, "path"), *perm = str(r, "permission");
        const char *summary = str(r, "summary"), *desc = str(r, "description");
        if (!method || !path || !perm || !summary) {
            snprintf(err, errlen, "route %zu lacks method, path, permission or summary", i);
            return -1;
        }
        /* OpenAPI names a {rest*} of the path as {rest} */
        char key[512];
        size_t kn = 0;
        for (const char *s = path; *s && kn < sizeof(key) - 1; s++)
            if (!(*s == '*' && s[1] == '}'))
                key[kn++] = *s;
        key[kn] = 0;
        const char *pattern = path;
        path = key;
        json_object *item;
        if (!json_object_object_get_ex(paths, path, &item)) {
            item = json_object_new_object();
            json_object_object_add(paths, path, item);
        }
        char m[16], area[64] = "";
        size_t k;
        for (k = 0; method[k] && k < sizeof(m) - 1; k++)
            m[k] = (char)tolower((unsigned char)method[k]);
        m[k] = '\0';
        if (sscanf(path, "/api/v1/%63[a-z]", area) != 1)
            snprintf(area, sizeof(area), "other");

        json_object *op = json_object_new_object();
        char id[160];
        operation_id(method, pattern, id, sizeof(id));
        json_object *ids;
        if (!json_object_object_get_ex(doc, "x-operation-ids", &ids)) {
            ids = json_object_new_object();
            json_object_object_add(doc, "x-operation-ids", ids);
        }
        if (json_object_object_get_ex(ids, id, NULL)) {
            snprintf(err, errlen, "%s %s: operationId %s is another operation's too", method, pattern, id);
            json_object_put(op);
            return -1;
        }
        json_object_object_add(ids, id, NULL);
        json_object_object_add(op, "operationId", json_object_new_string(id));
        json_object *tags = json_object_new_array();
        json_object_array_add(tags, json_object_new_string(area));
        json_object_object_add(op, "tags", tags);
        json_object_object_add(op, "summary", json_object_new_string(summary));
        if (desc)
            json_object_object_add(op, "description", json_object_new_string(desc));
        json_object_object_add(op, "x-permission", json_object_new_string(perm));
        const char *role = least_role(perm);
        if (role) {
            json_object_object_add(op, "x-role", json_object_new_string(role));
            json_object_object_add(op, "x-global-only", json_object_new_boolean(authz_permission_global(perm)));
        }

        json_object *params = json_object_new_array();
        for (const char *s = strchr(pattern, '{'); s; s = strchr(s + 1, '{')) {
            const char *e = strchr(s, '}');
            if (!e)
                break;
            bool rest = e[-1] == '*';
            json_object *p = json_object_new_object();
            json_object_object_add(p, "name", json_object_new_string_len(s + 1, (int)(e - s - 1 - rest)));
            json_object_object_add(p, "in", json_object_new_string("path"));
            if (rest)
                json_object_object_add(p, "description", json_object_new_string("the rest of the path: one or more "
                                                                                "segments, slashes included"));
            json_object_object_add(p, "required", json_object_new_boolean(1));
            json_object_object_add(p, "schema", json_tokener_parse("{\"type\":\"string\"}"));
            json_object_array_add(params, p);
        }
        bool path_params = json_object_array_length(params) > 0;
        const char *query = str(r, "query");
        if (query) {
            struct route_query q;
            size_t at = 0;
            int rc;
            while ((rc = router_query_next(query, &at, &q, err, errlen)) == 1)
                json_object_array_add(params, query_param(&q));
            if (rc < 0) {
                json_object_put(params);
                json_object_put(op);
                return -1;
            }
        }
        if (json_object_array_length(params))
            json_object_object_add(op, "parameters", params);
        else
            json_object_put(params);

        bool json_body = json_object_object_get_ex(r, "json_body", &body) && json_object_get_boolean(body);
        bool optional = json_object_object_get_ex(r, "json_body_optional", &body) && json_object_get_boolean(body);
        const char *body_spec = str(r, "body");
        if (body_spec) {
            json_object *rb = json_object_new_object(), *content = json_object_new_object();
            json_object *schema = content_schema(body_spec, "application/json", content);
            if (!schema) {
                snprintf(err, errlen, "%s %s: body %s is malformed", method, pattern, body_spec);
                json_object_put(rb);
                json_object_put(content);
                json_object_put(op);
                return -1;
            }
            json_object_object_add(rb, "required", json_object_new_boolean(!optional));
            json_object_object_add(rb, "content", content);
            json_object_object_add(op, "requestBody", rb);
        }
        bool public = strcmp(perm, PERM_PUBLIC) == 0;
        if (public)
            json_object_object_add(op, "security", json_object_new_array());
        json_object *limited = NULL;
        bool rate_limited = !(json_object_object_get_ex(r, "rate_limited", &limited) && !json_object_get_boolean(limited));

        json_object *resp = json_object_new_object();
        if (answer_add(resp, str(r, "answer")) < 0) {
            snprintf(err, errlen, "%s %s: answer %s is malformed", method, pattern, str(r, "answer") ? str(r, "answer") : "(none)");
            json_object_put(resp);
            json_object_put(op);
            return -1;
        }
        add_problems(resp, public, path_params, json_body || optional || query, rate_limited);
        json_object_object_add(op, "responses", resp);
        json_object_object_add(item, m, op);
    }
    return 0;
}

void openapi_document_done(json_object *doc)
{
    /* the named shapes, under components.schemas beside Problem */
    json_object *components, *schemas;
    if (json_object_object_get_ex(doc, "components", &components) &&
        json_object_object_get_ex(components, "schemas", &schemas)) {
        const char *spec, *name;
        for (size_t i = 0; (name = shape_each(i, &spec)); i++)
            json_object_object_add(schemas, name, shape_schema(spec));
    }
    json_object_object_del(doc, "x-operation-ids");
}
