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

/* ---- emitting ----------------------------------------------------------------------------- */

struct sink {
    char *buf;
    size_t len, cap;
    bool failed;
};

static int sink_write(void *data, unsigned char *bytes, size_t size)
{
    struct sink *s = data;
    if (s->len + size + 1 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4096;
        while (cap < s->len + size + 1)
            cap *= 2;
        char *nb = realloc(s->buf, cap);
        if (!nb) {
            s->failed = true;
            return 0;
        }
        s->buf = nb;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, bytes, size);
    s->len += size;
    s->buf[s->len] = '\0';
    return 1;
}

static int emit_scalar(yaml_emitter_t *em, const char *text, bool plain_ok)
{
    yaml_event_t ev;
    if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text, (int)strlen(text), plain_ok, 1,
                                      plain_ok ? YAML_ANY_SCALAR_STYLE : YAML_DOUBLE_QUOTED_SCALAR_STYLE))
        return -1;
    return yaml_emitter_emit(em, &ev) ? 0 : -1;
}

static int emit_value(yaml_emitter_t *em, json_object *v, int depth)
{
    yaml_event_t ev;
    if (depth > 256)
        return -1;
    switch (json_object_get_type(v)) {
    case json_type_null:
        return emit_scalar(em, "null", true);
    case json_type_boolean:
    case json_type_int:
    case json_type_double:
        return emit_scalar(em, json_object_get_string(v), true);
    case json_type_string: {
        /* plain only when it reads back as this very string */
        const char *s = json_object_get_string(v);
        json_object *back = scalar(s, strlen(s), true);
        bool plain = back && json_object_is_type(back, json_type_string);
        json_object_put(back);
        return emit_scalar(em, s, plain);
    }
    case json_type_array:
        if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_ANY_SEQUENCE_STYLE) || !yaml_emitter_emit(em, &ev))
            return -1;
        for (size_t i = 0; i < json_object_array_length(v); i++)
            if (emit_value(em, json_object_array_get_idx(v, i), depth + 1) < 0)
                return -1;
        return yaml_sequence_end_event_initialize(&ev) && yaml_emitter_emit(em, &ev) ? 0 : -1;
    case json_type_object: {
        if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_ANY_MAPPING_STYLE) || !yaml_emitter_emit(em, &ev))
            return -1;
        json_object_object_foreach(v, key, val) {
            json_object *k = json_object_new_string(key);
            int rc = emit_value(em, k, depth + 1);
            json_object_put(k);
            if (rc < 0 || emit_value(em, val, depth + 1) < 0)
                return -1;
        }
        return yaml_mapping_end_event_initialize(&ev) && yaml_emitter_emit(em, &ev) ? 0 : -1;
    }
    }
    return -1;
}

int yamldoc_emit(json_object *docs, char **out, size_t *len, struct problem *p)
{
    yaml_emitter_t em;
    yaml_event_t ev;
    struct sink sink = { 0 };
    *out = NULL;
    *len = 0;
    if (!yaml_emitter_initialize(&em))
        return problem_set(p, 500, "internal", "the YAML emitter could not start");
    yaml_emitter_set_output(&em, sink_write, &sink);
    yaml_emitter_set_unicode(&em, 1);
    yaml_emitter_set_width(&em, -1);
    int rc = yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) && yaml_emitter_emit(&em, &ev) ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < json_object_array_length(docs); i++) {
        rc = yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 0) && yaml_emitter_emit(&em, &ev) ? 0 : -1;
        if (rc == 0)
            rc = emit_value(&em, json_object_array_get_idx(docs, i), 0);
        if (rc == 0)
            rc = yaml_document_end_event_initialize(&ev, 1) && yaml_emitter_emit(&em, &ev) ? 0 : -1;
    }
    if (rc == 0)
        rc = yaml_stream_end_event_initialize(&ev) && yaml_emitter_emit(&em, &ev) && yaml_emitter_flush(&em) ? 0 : -1;
    yaml_emitter_delete(&em);
    if (rc < 0 || sink.failed) {
        free(sink.buf);
        return problem_set(p, 500, "internal", "the YAML could not be written");
    }
    *out = sink.buf ? sink.buf : strdup("");
    *len = sink.len;
    return *out ? 0 : problem_set(p, 500, "internal", "out of memory");
}
