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

#include "lib/authz.h"

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
    json_object *components = json_object_new_object();
    json_object_object_add(components, "schemas", schemas);
    json_object_object_add(components, "responses", responses);
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
        if (json_object_array_length(params))
            json_object_object_add(op, "parameters", params);
        else
            json_object_put(params);

        if (json_object_object_get_ex(r, "json_body", &body) && json_object_get_boolean(body))
            json_object_object_add(op, "requestBody", json_tokener_parse(
                "{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"type\":\"object\"}}}}"));

        json_object *resp = json_object_new_object();
        json_object_object_add(resp, "200", json_tokener_parse(
            "{\"description\":\"OK\",\"content\":{\"application/json\":{\"schema\":{\"type\":\"object\"}}}}"));
        json_object_object_add(resp, "default", problem_ref());
        json_object_object_add(op, "responses", resp);
        json_object_object_add(item, m, op);
    }
    return 0;
}
