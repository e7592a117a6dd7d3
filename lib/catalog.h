/*
 * catalog: the rules of catalog entities, as Backstage writes them (`backstage.io/v1alpha1`),
 * without the database: kinds, names and refs, a document's validation with the path of every
 * bad field, and the relations its spec declares (each kept in both directions by the caller).
 *
 * A ref is `[kind:][namespace/]name`; the kind defaults from where the ref stands (spec.owner is
 * a Group, spec.system a System, ...) and the namespace is the entity's own. Refs compare without case:
 * the canonical text is lower-case, "component:default/payments".
 */
#ifndef PORTICO_CATALOG_H
#define PORTICO_CATALOG_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "problem.h"

#define CATALOG_NAME_MAX 63
#define CATALOG_REF_MAX (16 + 1 + CATALOG_NAME_MAX + 1 + CATALOG_NAME_MAX)
#define CATALOG_TAGS_MAX 50            /* per entity (the message in lib/catalog.c says 50) */
#define CATALOG_RELATIONS_MAX 256      /* per entity: a spec that declares more is refused */

struct catalog_ref {
    char kind[16];                     /* canonical spelling: "Component", "API", ... */
    char ns[CATALOG_NAME_MAX + 1];
    char name[CATALOG_NAME_MAX + 1];
    char text[CATALOG_REF_MAX + 1];    /* "component:default/payments" */
};

struct catalog_relation {
    const char *type;                  /* "ownedBy", "dependsOn", ... (from this entity) */
    const char *inverse;               /* "ownerOf", "dependencyOf", ... (from the target) */
    struct catalog_ref target;
};

struct catalog_entity {
    struct catalog_ref ref;
    const char *title, *description;   /* "" when absent */
    const char *type, *lifecycle;      /* spec.type, spec.lifecycle; "" when absent */
    const char *owner;                 /* the owner's ref text, or NULL */
    struct catalog_relation *relations;
    size_t nrelations;
};

/* The canonical spelling of a kind ("component" -> "Component"), or NULL for an unknown one. */
const char *catalog_kind(const char *kind);

/* Names: [A-Za-z0-9] runs joined by single '-', '_' or '.', at most 63. Namespaces: lower-case
 * DNS labels ([a-z0-9] runs joined by single '-'), at most 63. */
bool catalog_name_ok(const char *s);
bool catalog_namespace_ok(const char *s);

/* Parse a ref; default_kind (NULL: the ref must name one) and default_ns (NULL: "default") fill
 * what it leaves out. 0, or -1 with *why set. */
int catalog_ref_parse(const char *text, const char *default_kind, const char *default_ns, struct catalog_ref *out,
                      const char **why);

/* Validate an entity document (apiVersion, kind, metadata, spec) and read what the catalog
 * indexes: every error goes into p as a field error named by its path ("metadata/name",
 * "spec/dependsOn/2"); returns 0, or -1 (422 in p). Strings point into doc or a. */
int catalog_entity_read(json_object *doc, struct arena *a, struct catalog_entity *out, struct problem *p);

/* Search terms: the runs of a text between ASCII spaces and punctuation (bytes of UTF-8
 * characters stay in their word), ASCII letters lower-cased, at most CATALOG_TERM_MAX bytes
 * (longer runs are left out). Adds to out[*n] the terms not already there, up to max; the terms
 * live in a. Search looks words up in the entity_terms table as prefixes of these. */
#define CATALOG_TERM_MAX 63
#define CATALOG_TERMS_MAX 200          /* per entity */
void catalog_terms(const char *text, struct arena *a, const char **out, size_t *n, size_t max);

#endif
