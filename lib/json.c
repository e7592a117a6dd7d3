/*
 * json: json-c with a depth-limited, UTF-8-validating tokener.
 */
#include "json.h"

#include <errno.h>
#include <string.h>

#include "utf8.h"

json_object *json_parse(const char *buf, size_t len, int max_depth, struct problem *p)
{
    if (len > 0x7fffffff) {
        problem_set(p, 413, "body-too-large", "the JSON document is too large");
        return NULL;
    }
    const char *nul = memchr(buf, '\0', len);
    if (nul) {
        /* JSON text never holds a raw NUL (it is escaped as \u0000); json-c would stop there */
        problem_set(p, 400, "malformed-json", "malformed JSON at byte %zu: a NUL byte", (size_t)(nul - buf));
        return NULL;
    }
    if (!utf8_valid((const unsigned char *)buf, len)) {
        problem_set(p, 400, "malformed-json", "the body is not valid UTF-8");
        return NULL;
    }
    json_tokener *tok = json_tokener_new_ex(max_depth);
    if (!tok) {
        problem_set(p, 500, "out-of-memory", "out of memory");
        return NULL;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *obj = json_tokener_parse_ex(tok, buf, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t used = json_tokener_get_parse_end(tok);
    if (jerr == json_tokener_continue) {
        /* A number or literal at the very end ("42", "true") is complete only once the
         * tokener sees the end of the input: give it the terminating NUL. */
        obj = json_tokener_parse_ex(tok, "", 1);
        jerr = json_tokener_get_error(tok);
        used = len;
    }
    /* the tokener's buffer held the strings it read (a secret's value among them): wiped */
    if (tok->pb && tok->pb->buf)
        explicit_bzero(tok->pb->buf, (size_t)tok->pb->size);
    json_tokener_free(tok);

    if (!obj && jerr == json_tokener_success) {
        /* a literal null parses to NULL with success: a body of "null" is no document */
        problem_set(p, 400, "malformed-json", "the body is JSON null");
        return NULL;
    }
    if (jerr != json_tokener_success) {
        json_object_put(obj);
        if (jerr == json_tokener_error_depth)
            problem_set(p, 400, "malformed-json", "the JSON nests deeper than %d levels", max_depth);
        else if (jerr == json_tokener_continue || jerr == json_tokener_error_parse_eof)
            problem_set(p, 400, "malformed-json", "the JSON ends too early");
        else
            problem_set(p, 400, "malformed-json", "malformed JSON at byte %zu: %s", used,
                        json_tokener_error_desc(jerr));
        return NULL;
    }
    for (size_t i = used; i < len; i++) {
        if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n' && buf[i] != '\r') {
            json_object_put(obj);
            problem_set(p, 400, "malformed-json", "unexpected data after the JSON value at byte %zu", i);
            return NULL;
        }
    }
    return obj;
}

json_object *json_parse_object(const char *buf, size_t len, int max_depth, struct problem *p)
{
    json_object *obj = json_parse(buf, len, max_depth, p);
    if (obj && !json_object_is_type(obj, json_type_object)) {
        json_object_put(obj);
        problem_set(p, 422, "validation", "the body must be a JSON object");
        return NULL;
    }
    return obj;
}

bool json_fields_ok(const struct problem *p)
{
    return p->nfields == 0 && p->status == 0;
}

json_object *json_string_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

const char *json_str(json_object *obj, const char *name, const char *def)
{
    json_object *v;
    return json_object_object_get_ex(obj, name, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v) : def;
}

long long json_num(json_object *obj, const char *name, long long def)
{
    json_object *v;
    return json_object_object_get_ex(obj, name, &v) && json_object_is_type(v, json_type_int)
               ? (long long)json_object_get_int64(v) : def;
}

bool json_flag(json_object *obj, const char *name, bool def)
{
    json_object *v;
    return json_object_object_get_ex(obj, name, &v) && json_object_is_type(v, json_type_boolean)
               ? json_object_get_boolean(v) : def;
}
