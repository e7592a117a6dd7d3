/*
 * catalog: kinds, names, refs, entity validation and the relations a spec declares.
 */
#include "catalog.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "json.h"

static const char *const kinds[] = { "Component", "API", "Resource", "System", "Domain", "Group", "User", "Location", NULL };

const char *catalog_kind(const char *kind)
{
    for (int i = 0; kind && kinds[i]; i++)
        if (strcasecmp(kind, kinds[i]) == 0)
            return kinds[i];
    return NULL;
}

/* Runs of allowed characters joined by single separators, at most CATALOG_NAME_MAX. */
static bool runs_ok(const char *s, bool lower_only, const char *separators)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > CATALOG_NAME_MAX)
        return false;
    bool after_sep = true;   /* the first character may not be a separator */
    for (const char *c = s; *c; c++) {
        bool alnum = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || (!lower_only && *c >= 'A' && *c <= 'Z');
        if (alnum) {
            after_sep = false;
        } else if (strchr(separators, *c) && *c) {
            if (after_sep)
                return false;
            after_sep = true;
        } else {
            return false;
        }
    }
    return !after_sep;
}

bool catalog_name_ok(const char *s)
{
    return runs_ok(s, false, "-_.");
}

bool catalog_namespace_ok(const char *s)
{
    return runs_ok(s, true, "-");
}

static void lower_copy(char *dst, const char *src)
{
    for (; *src; src++)
        *dst++ = (char)tolower((unsigned char)*src);
    *dst = '\0';
}

int catalog_ref_parse(const char *text, const char *default_kind, const char *default_ns, struct catalog_ref *out,
                      const char **why)
{
    memset(out, 0, sizeof(*out));
    if (!text || !*text || strlen(text) > CATALOG_REF_MAX) {
        *why = "is not a ref ([kind:][namespace/]name)";
        return -1;
    }
    const char *colon = strchr(text, ':'), *rest = colon ? colon + 1 : text;
    const char *slash = strchr(rest, '/');
    char kind[17] = "";
    if (colon) {
        size_t n = (size_t)(colon - text);
        if (n >= sizeof(kind)) {
            *why = "names a kind Portico does not know";
            return -1;
        }
        memcpy(kind, text, n);
        kind[n] = '\0';
    }
    const char *k = colon ? catalog_kind(kind) : default_kind;
    if (!k) {
        *why = colon ? "names a kind Portico does not know" : "must name its kind (kind:namespace/name)";
        return -1;
    }
    char ns[CATALOG_NAME_MAX + 2] = "";
    if (slash) {
        size_t n = (size_t)(slash - rest);
        if (n > CATALOG_NAME_MAX) {
            *why = "has a namespace longer than 63 characters";
            return -1;
        }
        memcpy(ns, rest, n);
        ns[n] = '\0';
        lower_copy(ns, ns);   /* refs compare without case, the namespace's too */
    } else {
        snprintf(ns, sizeof(ns), "%s", default_ns ? default_ns : "default");
    }
    const char *name = slash ? slash + 1 : rest;
    if (!catalog_namespace_ok(ns)) {
        *why = "has a namespace that is not letters and digits joined by single '-'";
        return -1;
    }
    if (!catalog_name_ok(name)) {
        *why = "has a name that is not letters and digits joined by single '-', '_' or '.' (at most 63)";
        return -1;
    }
    snprintf(out->kind, sizeof(out->kind), "%s", k);
    snprintf(out->ns, sizeof(out->ns), "%s", ns);
    snprintf(out->name, sizeof(out->name), "%s", name);
    char lk[sizeof(out->kind)], ln[sizeof(out->ns)], lname[sizeof(out->name)];
    lower_copy(lk, out->kind);
    lower_copy(ln, out->ns);
    lower_copy(lname, out->name);
    snprintf(out->text, sizeof(out->text), "%s:%s/%s", lk, ln, lname);
    return 0;
}

/* ---- documents --------------------------------------------------------------------------- */

/* The spec fields that declare relations: on which kinds, the kind a bare ref means, whether the
 * field is a list, and the relation from this entity and back. */
struct relation_field {
    const char *field;
    const char *kinds;         /* space-separated kinds it belongs to */
    const char *default_kind;  /* NULL: the ref must name its kind */
    bool list;
    const char *type, *inverse;
};

static const struct relation_field relation_fields[] = {
    { "owner", " Component API Resource System Domain ", "Group", false, "ownedBy", "ownerOf" },
    { "system", " Component API Resource ", "System", false, "partOf", "hasPart" },
    { "domain", " System ", "Domain", false, "partOf", "hasPart" },
    { "subcomponentOf", " Component ", "Component", false, "partOf", "hasPart" },
    { "dependsOn", " Component Resource ", NULL, true, "dependsOn", "dependencyOf" },
    { "dependencyOf", " Component Resource ", NULL, true, "dependencyOf", "dependsOn" },
    { "providesApis", " Component ", "API", true, "providesApi", "apiProvidedBy" },
    { "consumesApis", " Component ", "API", true, "consumesApi", "apiConsumedBy" },
    { "parent", " Group ", "Group", false, "childOf", "parentOf" },
    { "children", " Group ", "Group", true, "parentOf", "childOf" },
    { "members", " Group ", "User", true, "hasMember", "memberOf" },
    { "memberOf", " User ", "Group", true, "memberOf", "hasMember" },
};
#define NFIELDS (sizeof(relation_fields) / sizeof(relation_fields[0]))

static bool kind_in(const char *kinds_list, const char *kind)
{
    char key[20];
    snprintf(key, sizeof(key), " %s ", kind);
    return strstr(kinds_list, key) != NULL;
}

/* An optional string member of obj of at most max bytes; "" when absent. */
static const char *opt_string(struct arena *a, json_object *obj, const char *member, const char *path, size_t max,
                              struct problem *p)
{
    json_object *v;
    if (!json_object_object_get_ex(obj, member, &v) || json_object_is_type(v, json_type_null))
        return "";
    if (!json_object_is_type(v, json_type_string) || (size_t)json_object_get_string_len(v) > max) {
        problem_field(p, arena_printf(a, "%s/%s", path, member), "must be a string of at most %zu characters", max);
        return "";
    }
    return json_object_get_string(v);
}

/* labels and annotations: an object of short keys and string values. */
static void check_map(struct arena *a, json_object *meta, const char *member, size_t max_value, struct problem *p)
{
    json_object *m;
    if (!json_object_object_get_ex(meta, member, &m) || json_object_is_type(m, json_type_null))
        return;
    if (!json_object_is_type(m, json_type_object) || json_object_object_length(m) > 100) {
        problem_field(p, arena_printf(a, "metadata/%s", member), "must be an object of at most 100 strings");
        return;
    }
    json_object_object_foreach(m, key, val) {
        if (strlen(key) > 253 || !json_object_is_type(val, json_type_string) ||
            (size_t)json_object_get_string_len(val) > max_value)
            problem_field(p, arena_printf(a, "metadata/%s/%.64s", member, key),
                          "must be a string of at most %zu characters under a key of at most 253", max_value);
    }
}

static void check_tags_links(struct arena *a, json_object *meta, struct problem *p)
{
    json_object *tags, *links;
    if (json_object_object_get_ex(meta, "tags", &tags) && !json_object_is_type(tags, json_type_null)) {
        size_t n = json_object_is_type(tags, json_type_array) ? json_object_array_length(tags) : 0;
        if (!json_object_is_type(tags, json_type_array) || n > CATALOG_TAGS_MAX)
            problem_field(p, "metadata/tags", "must be a list of at most 50 tags");
        for (size_t i = 0; i < n && n <= CATALOG_TAGS_MAX; i++) {
            json_object *t = json_object_array_get_idx(tags, i);
            const char *s = json_object_is_type(t, json_type_string) ? json_object_get_string(t) : NULL;
            bool ok = s && *s && strlen(s) <= CATALOG_NAME_MAX;
            for (const char *c = s; ok && *c; c++)
                ok = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || strchr("-:+#", *c);
            if (!ok)
                problem_field(p, arena_printf(a, "metadata/tags/%zu", i),
                              "must be lower-case letters, digits and '-', ':', '+', '#' (at most 63)");
        }
    }
    if (json_object_object_get_ex(meta, "links", &links) && !json_object_is_type(links, json_type_null)) {
        size_t n = json_object_is_type(links, json_type_array) ? json_object_array_length(links) : 0;
        if (!json_object_is_type(links, json_type_array) || n > 50)
            problem_field(p, "metadata/links", "must be a list of at most 50 links");
        for (size_t i = 0; i < n && n <= 50; i++) {
            json_object *l = json_object_array_get_idx(links, i), *url;
            const char *u = json_object_object_get_ex(l, "url", &url) && json_object_is_type(url, json_type_string)
                                ? json_object_get_string(url) : NULL;
            if (!json_object_is_type(l, json_type_object) || !u || strlen(u) > 2048 ||
                (strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0))
                problem_field(p, arena_printf(a, "metadata/links/%zu/url", i), "must be an http(s) URL of at most 2048 characters");
        }
    }
}

static void add_relation(struct arena *a, struct catalog_entity *e, const struct relation_field *f, const char *text,
                         const char *path, struct problem *p)
{
    const char *why;
    struct catalog_ref target;
    if (catalog_ref_parse(text, f->default_kind, e->ref.ns, &target, &why) < 0) {
        problem_field(p, path, "%s", why);
        return;
    }
    if (e->nrelations == CATALOG_RELATIONS_MAX) {
        problem_field(p, path, "is past the %d relations an entity may declare", CATALOG_RELATIONS_MAX);
        return;
    }
    struct catalog_relation *r = &e->relations[e->nrelations++];
    r->type = f->type;
    r->inverse = f->inverse;
    r->target = target;
    if (strcmp(f->field, "owner") == 0)
        e->owner = arena_strdup(a, target.text);
}

static void read_relations(struct arena *a, json_object *spec, struct catalog_entity *e, struct problem *p)
{
    for (size_t i = 0; i < NFIELDS; i++) {
        const struct relation_field *f = &relation_fields[i];
        json_object *v;
        if (!kind_in(f->kinds, e->ref.kind) || !json_object_object_get_ex(spec, f->field, &v) ||
            json_object_is_type(v, json_type_null))
            continue;
        const char *path = arena_printf(a, "spec/%s", f->field);
        if (!f->list) {
            if (!json_object_is_type(v, json_type_string))
                problem_field(p, path, "must be a ref");
            else
                add_relation(a, e, f, json_object_get_string(v), path, p);
            continue;
        }
        if (!json_object_is_type(v, json_type_array)) {
            problem_field(p, path, "must be a list of refs");
            continue;
        }
        for (size_t k = 0; k < json_object_array_length(v); k++) {
            json_object *item = json_object_array_get_idx(v, k);
            const char *ipath = arena_printf(a, "%s/%zu", path, k);
            if (!json_object_is_type(item, json_type_string))
                problem_field(p, ipath, "must be a ref");
            else
                add_relation(a, e, f, json_object_get_string(item), ipath, p);
        }
    }
}

int catalog_entity_read(json_object *doc, struct arena *a, struct catalog_entity *out, struct problem *p)
{
    memset(out, 0, sizeof(*out));
    out->title = out->description = out->type = out->lifecycle = "";
    if (!json_object_is_type(doc, json_type_object))
        return problem_set(p, 422, "validation", "an entity must be an object with apiVersion, kind, metadata and spec");
    json_object *api, *kind, *meta, *spec = NULL, *name, *ns;
    const char *apiv = json_object_object_get_ex(doc, "apiVersion", &api) && json_object_is_type(api, json_type_string)
                           ? json_object_get_string(api) : NULL;
    if (!apiv || (strcmp(apiv, "backstage.io/v1alpha1") != 0 && strcmp(apiv, "backstage.io/v1beta1") != 0))
        problem_field(p, "apiVersion", "must be backstage.io/v1alpha1 (or v1beta1)");
    const char *k = json_object_object_get_ex(doc, "kind", &kind) && json_object_is_type(kind, json_type_string)
                        ? catalog_kind(json_object_get_string(kind)) : NULL;
    if (!k)
        problem_field(p, "kind", "must be one of Component, API, Resource, System, Domain, Group, User, Location");
    if (!json_object_object_get_ex(doc, "metadata", &meta) || !json_object_is_type(meta, json_type_object)) {
        problem_field(p, "metadata", "must be an object with at least a name");
        return json_fields_ok(p) ? 0 : -1;
    }
    const char *n = json_object_object_get_ex(meta, "name", &name) && json_object_is_type(name, json_type_string)
                        ? json_object_get_string(name) : NULL;
    const char *nsv = json_object_object_get_ex(meta, "namespace", &ns) && json_object_is_type(ns, json_type_string)
                          ? json_object_get_string(ns) : "default";
    if (!catalog_name_ok(n))
        problem_field(p, "metadata/name", "must be letters and digits joined by single '-', '_' or '.' (at most 63)");
    if (!catalog_namespace_ok(nsv) || (json_object_object_get_ex(meta, "namespace", &ns) &&
                                       !json_object_is_type(ns, json_type_string) && !json_object_is_type(ns, json_type_null)))
        problem_field(p, "metadata/namespace", "must be lower-case letters and digits joined by '-' (at most 63)");
    out->title = opt_string(a, meta, "title", "metadata", 200, p);
    out->description = opt_string(a, meta, "description", "metadata", 4000, p);
    check_map(a, meta, "labels", CATALOG_NAME_MAX, p);
    check_map(a, meta, "annotations", 4096, p);
    check_tags_links(a, meta, p);
    if (json_object_object_get_ex(doc, "spec", &spec) && !json_object_is_type(spec, json_type_object) &&
        !json_object_is_type(spec, json_type_null))
        problem_field(p, "spec", "must be an object");
    if (!k || !catalog_name_ok(n) || !catalog_namespace_ok(nsv))
        return json_fields_ok(p) ? 0 : -1;

    const char *why;
    char text[CATALOG_REF_MAX + 1];
    snprintf(text, sizeof(text), "%s:%s/%s", k, nsv, n);
    if (catalog_ref_parse(text, NULL, NULL, &out->ref, &why) < 0)
        problem_field(p, "metadata/name", "%s", why);
    out->relations = arena_calloc(a, CATALOG_RELATIONS_MAX, sizeof(*out->relations));
    if (!out->relations)
        return problem_set(p, 500, "internal", "out of memory");
    if (json_object_is_type(spec, json_type_object)) {
        out->type = opt_string(a, spec, "type", "spec", CATALOG_NAME_MAX, p);
        out->lifecycle = opt_string(a, spec, "lifecycle", "spec", CATALOG_NAME_MAX, p);
        read_relations(a, spec, out, p);
    }
    /* what owns it must be said (Backstage requires it of these kinds) */
    if (!out->owner && kind_in(relation_fields[0].kinds, k) && !(spec && json_object_object_get_ex(spec, "owner", NULL)))
        problem_field(p, "spec/owner", "is required for a %s", k);
    return json_fields_ok(p) ? 0 : -1;
}

void catalog_terms(const char *text, struct arena *a, const char **out, size_t *n, size_t max)
{
    char word[CATALOG_TERM_MAX + 1];
    size_t len = 0;
    bool too_long = false;
    for (const char *s = text ? text : "";; s++) {
        unsigned char ch = (unsigned char)*s;
        bool in = ch >= 0x80 || (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
        if (in) {
            if (len < CATALOG_TERM_MAX)
                word[len++] = (char)(ch >= 'A' && ch <= 'Z' ? ch | 0x20 : ch);
            else
                too_long = true;
            continue;
        }
        if (len && !too_long && *n < max) {
            word[len] = '\0';
            size_t k = 0;
            while (k < *n && strcmp(out[k], word) != 0)
                k++;
            if (k == *n) {
                const char *t = arena_strdup(a, word);
                if (t)
                    out[(*n)++] = t;
            }
        }
        len = 0;
        too_long = false;
        if (!ch)
            break;
    }
}
