/*
 * yamldoc: libyaml events to json-c values. A stack of open containers; a mapping alternates
 * key and value (keys must be scalars).
 */
#include "yamldoc.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define STACK_MAX 256

struct frame {
    json_object *container;   /* object or array */
    char *key;                /* mapping: the pending key, or NULL when a key is expected */
};

/* A plain scalar by YAML 1.2's core schema; quoted ones are strings. */
static json_object *scalar(const char *v, size_t len, bool plain)
{
    if (!plain)
        return json_object_new_string_len(v, (int)len);
    if (len == 0 || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0)
        return NULL;
    if (strcmp(v, "true") == 0 || strcmp(v, "True") == 0 || strcmp(v, "TRUE") == 0)
        return json_object_new_boolean(1);
    if (strcmp(v, "false") == 0 || strcmp(v, "False") == 0 || strcmp(v, "FALSE") == 0)
        return json_object_new_boolean(0);
    char *end;
    errno = 0;
    long long i = strtoll(v, &end, 10);
    if (*end == '\0' && errno == 0 && (v[0] == '-' || v[0] == '+' || (v[0] >= '0' && v[0] <= '9')))
        return json_object_new_int64(i);
    double d = strtod(v, &end);
    if (*end == '\0' && errno == 0 && strspn(v, "+-.0123456789eE") == len && strpbrk(v, "0123456789"))
        return json_object_new_double(d);
    return json_object_new_string_len(v, (int)len);
}

static int fail(struct problem *p, int status, const char *slug, const yaml_mark_t *m, const char *what)
{
    return problem_set(p, status, slug, "YAML line %zu, column %zu: %s", m->line + 1, m->column + 1, what);
}

/* Put v where the top frame wants it; takes v. */
static int place(struct frame *top, json_object *v, const yaml_mark_t *m, struct problem *p, json_object **doc)
{
    if (!top) {
        *doc = v;
        return 0;
    }
    if (json_object_is_type(top->container, json_type_array)) {
        json_object_array_add(top->container, v);
        return 0;
    }
    if (!top->key) {
        bool is_string = v && json_object_is_type(v, json_type_string);
        if (!v || !(is_string || json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_boolean) ||
                    json_object_is_type(v, json_type_double))) {
            json_object_put(v);
            return fail(p, 400, "malformed-yaml", m, "a mapping key must be a scalar");
        }
        top->key = strdup(json_object_get_string(v));
        json_object_put(v);
        return top->key ? 0 : problem_set(p, 500, "internal", "out of memory");
    }
    json_object_object_add(top->container, top->key, v);
    free(top->key);
    top->key = NULL;
    return 0;
}

json_object *yamldoc_parse(const char *buf, size_t len, const struct yamldoc_limits *lim, struct problem *p)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    struct frame stack[STACK_MAX];
    int depth = 0, max_depth = lim->max_depth < STACK_MAX ? lim->max_depth : STACK_MAX;
    size_t nodes = 0;
    json_object *docs = json_object_new_array(), *doc = NULL;
    bool done = false, ok = true;

    if (!yaml_parser_initialize(&parser)) {
        json_object_put(docs);
        problem_set(p, 500, "internal", "the YAML parser could not start");
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    while (!done && ok) {
        if (!yaml_parser_parse(&parser, &ev)) {
            fail(p, 400, "malformed-yaml", &parser.problem_mark, parser.problem ? parser.problem : "malformed");
            ok = false;
            break;
        }
        json_object *v = NULL;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            doc = NULL;
            break;
        case YAML_DOCUMENT_END_EVENT:
            if (doc) {
                if (json_object_array_length(docs) >= lim->max_documents) {
                    json_object_put(doc);
                    fail(p, 413, "too-large", &ev.start_mark, "more documents than an import may hold");
                    ok = false;
                } else {
                    json_object_array_add(docs, doc);
                }
            }
            doc = NULL;
            break;
        case YAML_ALIAS_EVENT:
            fail(p, 400, "malformed-yaml", &ev.start_mark, "aliases (*name) are not accepted");
            ok = false;
            break;
        case YAML_SCALAR_EVENT:
            if (++nodes > lim->max_nodes) {
                fail(p, 413, "too-large", &ev.start_mark, "more nodes than an import may hold");
                ok = false;
                break;
            }
            v = scalar((const char *)ev.data.scalar.value, ev.data.scalar.length,
                       ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !ev.data.scalar.tag);
            if (place(depth ? &stack[depth - 1] : NULL, v, &ev.start_mark, p, &doc) < 0)
                ok = false;
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            if (++nodes > lim->max_nodes || depth >= max_depth) {
                fail(p, 413, "too-large", &ev.start_mark,
                     depth >= max_depth ? "nested deeper than an import may be" : "more nodes than an import may hold");
                ok = false;
                break;
            }
            stack[depth].container = ev.type == YAML_SEQUENCE_START_EVENT ? json_object_new_array() : json_object_new_object();
            stack[depth].key = NULL;
            depth++;
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: {
            struct frame f = stack[--depth];
            free(f.key);
            if (place(depth ? &stack[depth - 1] : NULL, f.container, &ev.start_mark, p, &doc) < 0)
                ok = false;
            break;
        }
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    /* on failure, free what was being built: an open container is not yet in its parent */
    while (depth > 0) {
        struct frame f = stack[--depth];
        free(f.key);
        json_object_put(f.container);
    }
    yaml_parser_delete(&parser);
    if (!ok) {
        json_object_put(doc);
        json_object_put(docs);
        return NULL;
    }
    return docs;
}
