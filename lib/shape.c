/*
 * shape: one recursive walk over the declaration's text serves the check and the schema. The
 * text is read where the value is checked (a list reads its item's type once per item): lines
 * are a few hundred bytes and nothing is allocated. A named shape is only looked up while
 * parsing alone, so a shape may contain itself (a team's children).
 */
#include "shape.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define SHAPE_DEPTH 64
#define SHAPE_PATH 128   /* a member's JSON Pointer, cut past this */

struct run {
    bool answer;              /* strict: undeclared members are mismatches */
    struct problem *p;        /* request: field errors */
    char *err;                /* answer: the first mismatch; syntax: what is wrong */
    size_t errlen;
    bool failed, bad_syntax;
    int depth;
};

static void fail(struct run *r, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void fail(struct run *r, const char *path, const char *fmt, ...)
{
    char msg[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (r->answer) {
        if (!r->failed)
            snprintf(r->err, r->errlen, "%s: %s", path[0] ? path : "/", msg);
    } else {
        problem_field(r->p, path[0] == '/' ? path + 1 : path[0] ? path : "body", "%s", msg);
    }
    r->failed = true;
}

static const char *syntax(struct run *r, const char *at, const char *why)
{
    if (!r->bad_syntax && r->err)
        snprintf(r->err, r->errlen, "%s at \"%.24s\"", why, at);
    r->bad_syntax = true;
    return NULL;
}

/* s starts with the word w, not followed by a name character */
static bool word(const char *s, const char *w, const char **end)
{
    size_t n = strlen(w);
    if (strncmp(s, w, n) != 0 || isalnum((unsigned char)s[n]) || s[n] == '_')
        return false;
    *end = s + n;
    return true;
}

/* "(MIN..MAX)" or, with single_ok, "(MAX)" meaning 1..MAX; nothing leaves the bounds as given */
static const char *bounds(struct run *r, const char *s, long long *min, long long *max, bool single_ok)
{
    if (*s != '(')
        return s;
    long long a, b;
    int used = 0;
    if (sscanf(s, "(%lld..%lld)%n", &a, &b, &used) == 2 && used > 0) {
        if (a > b)
            return syntax(r, s, "bounds out of order");
        *min = a, *max = b;
        return s + used;
    }
    used = 0;
    if (single_ok && sscanf(s, "(%lld)%n", &b, &used) == 1 && used > 0 && b > 0) {
        *min = 1, *max = b;
        return s + used;
    }
    return syntax(r, s, "bounds are (MIN..MAX)");
}

static size_t name_len(const char *s)
{
    size_t n = 0;
    while (isalnum((unsigned char)s[n]) || s[n] == '_' || s[n] == '$' || s[n] == '-')
        n++;
    return n;
}

static bool starts_fields(const char *s)
{
    size_t n = name_len(s);
    return n > 0 && (s[n] == ':' || (s[n] == '?' && s[n + 1] == ':'));
}

static const char *type(struct run *r, const char *s, json_object *v, bool check, char *path, size_t pn);
static const char *fields(struct run *r, const char *s, char end, json_object *v, bool check, char *path, size_t pn);

/* path + "/name" or "/i" (a JSON Pointer, as the handlers name fields: "conditions/env"), within the buffer (cut when too long) */
static size_t path_push(char *path, size_t pn, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static size_t path_push(char *path, size_t pn, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(path + pn, SHAPE_PATH - pn, fmt, ap);
    va_end(ap);
    size_t end = pn + (n > 0 ? (size_t)n : 0);
    return end < SHAPE_PATH - 1 ? end : SHAPE_PATH - 1;
}

static bool enum_has(const char *words, size_t wn, json_object *v)
{
    const char *s = json_object_get_string(v);
    size_t sn = (size_t)json_object_get_string_len(v);
    if (memchr(s, '\0', sn))
        return false;   /* "keep\u0000x" is not the word keep */
    for (const char *w = words; w < words + wn;) {
        size_t n = strcspn(w, "|)");
        if (n == sn && strncmp(w, s, n) == 0)
            return true;
        w += n + 1;
    }
    return false;
}

static const char *type(struct run *r, const char *s, json_object *v, bool check, char *path, size_t pn)
{
    const char *e;
    if (++r->depth > SHAPE_DEPTH)
        return syntax(r, s, "nested too deeply");
    if (word(s, "string", &e)) {
        long long min = 0, max = LLONG_MAX;
        if (!(e = bounds(r, e, &min, &max, true)))
            return NULL;
        if (check) {
            if (!json_object_is_type(v, json_type_string)) {
                fail(r, path, "must be a string");
            } else {
                size_t len = (size_t)json_object_get_string_len(v);
                if (memchr(json_object_get_string(v), '\0', len))
                    fail(r, path, "must not contain NUL characters");
                else if ((long long)len < min || (long long)len > max)
                    fail(r, path, "must be %lld to %lld bytes long", min, max);
            }
        }
    } else if (word(s, "int", &e)) {
        long long min = LLONG_MIN, max = LLONG_MAX;
        if (!(e = bounds(r, e, &min, &max, false)))
            return NULL;
        if (check) {
            if (!json_object_is_type(v, json_type_int)) {
                fail(r, path, "must be a whole number");
            } else {
                long long n = (long long)json_object_get_int64(v);
                if (n < min || n > max)
                    fail(r, path, "must be between %lld and %lld", min, max);
            }
        }
    } else if (word(s, "number", &e)) {
        if (check && !json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
            fail(r, path, "must be a number");
    } else if (word(s, "bool", &e)) {
        if (check && !json_object_is_type(v, json_type_boolean))
            fail(r, path, "must be true or false");
    } else if (word(s, "enum", &e)) {
        const char *close = *e == '(' ? strchr(e, ')') : NULL;
        if (!close || close == e + 1)
            return syntax(r, s, "enum(a|b|c)");
        if (check) {
            if (!json_object_is_type(v, json_type_string) || !enum_has(e + 1, (size_t)(close - e - 1), v)) {
                char words[160];
                size_t k = 0;
                for (const char *w = e + 1; w < close && k + 3 < sizeof(words); w++)
                    if (*w == '|')
                        k += (size_t)snprintf(words + k, sizeof(words) - k, ", ");
                    else
                        words[k++] = *w;
                words[k < sizeof(words) ? k : sizeof(words) - 1] = '\0';
                fail(r, path, "must be one of %s", words);
            }
        }
        e = close + 1;
    } else if (word(s, "object", &e)) {
        if (check && !json_object_is_type(v, json_type_object))
            fail(r, path, "must be an object");
    } else if (word(s, "any", &e)) {
        (void)v;
    } else if (*s == '[') {
        const char *item = s + 1;
        if (!(e = type(r, item, NULL, false, path, pn)))
            return NULL;
        if (*e != ']')
            return syntax(r, e, "a list's type ends with ]");
        long long min = 0, max = LLONG_MAX;
        if (!(e = bounds(r, e + 1, &min, &max, false)))
            return NULL;
        if (check) {
            if (!json_object_is_type(v, json_type_array)) {
                fail(r, path, "must be a list");
            } else {
                size_t n = json_object_array_length(v);
                if ((long long)n < min || (long long)n > max)
                    fail(r, path, "must be a list of %lld to %lld items", min, max);
                for (size_t i = 0; i < n && !(r->answer && r->failed); i++) {
                    size_t at = path_push(path, pn, "/%zu", i);
                    type(r, item, json_object_array_get_idx(v, i), true, path, at);
                    path[pn] = '\0';
                }
            }
        }
    } else if (word(s, "map", &e)) {
        if (*e != '(')
            return syntax(r, e, "map(type)");
        const char *item = e + 1;
        if (!(e = type(r, item, NULL, false, path, pn)))
            return NULL;
        if (*e != ')')
            return syntax(r, e, "map(type) ends with )");
        e++;
        if (check) {
            if (!json_object_is_type(v, json_type_object)) {
                fail(r, path, "must be an object");
            } else {
                json_object_object_foreach(v, key, val) {
                    size_t at = path_push(path, pn, "/%s", key);
                    type(r, item, val, true, path, at);
                    path[pn] = '\0';
                    if (r->answer && r->failed)
                        break;
                }
            }
        }
    } else if (*s == '{') {
        if (!(e = fields(r, s + 1, '}', v, check, path, pn)))
            return NULL;
        e++;
    } else if (isupper((unsigned char)*s)) {
        size_t n = name_len(s);
        char name[64];
        if (n >= sizeof(name))
            return syntax(r, s, "a shape's name is too long");
        memcpy(name, s, n);
        name[n] = '\0';
        const char *spec = shape_named(name);
        if (!spec)
            return syntax(r, s, "no such shape");
        e = s + n;
        if (check) {
            const char *end = starts_fields(spec) ? fields(r, spec, '\0', v, true, path, pn) : type(r, spec, v, true, path, pn);
            if (!end)
                return NULL;
        }
    } else {
        return syntax(r, s, "unknown type");
    }
    r->depth--;
    return e;
}

/* The member named key of the fields at s (up to end), declared? */
static bool declared(struct run *r, const char *s, char end, const char *key)
{
    char path[SHAPE_PATH] = "";
    size_t kn = strlen(key);
    while (s && *s && *s != end) {
        while (*s == ' ')
            s++;
        if (strncmp(s, "...", 3) == 0)
            return true;   /* an open object: any other member may be there */
        size_t n = name_len(s);
        if (n == kn && strncmp(s, key, n) == 0)
            return true;
        s += n + (s[n] == '?');
        if (*s != ':')
            return false;
        s = type(r, s + 1, NULL, false, path, 0);
        while (s && *s == ' ')
            s++;
    }
    return false;
}

static const char *fields(struct run *r, const char *s, char end, json_object *v, bool check, char *path, size_t pn)
{
    const char *start = s;
    bool object = json_object_is_type(v, json_type_object);
    if (check && !object) {
        fail(r, path, "must be an object");
        check = false;
    }
    while (*s == ' ')
        s++;
    if (*s == end)
        return syntax(r, s, "an object declares at least one member");
    while (*s && *s != end) {
        if (strncmp(s, "...", 3) == 0) {   /* an open object: the last item */
            s += 3;
            if (*s != end)
                return syntax(r, s, "... ends an object's members");
            break;
        }
        size_t n = name_len(s);
        if (n == 0 || n >= 64)
            return syntax(r, s, "a member is name:type");
        char name[64];
        memcpy(name, s, n);
        name[n] = '\0';
        bool optional = s[n] == '?';
        s += n + optional;
        if (*s != ':')
            return syntax(r, s, "a member is name:type");
        s++;
        json_object *mv = NULL;
        bool present = check && json_object_object_get_ex(v, name, &mv) && !json_object_is_type(mv, json_type_null);
        size_t at = path_push(path, pn, "/%s", name);
        if (check && !present && !optional)
            fail(r, path, "is required");
        if (!(s = type(r, s, mv, present, path, at)))
            return NULL;
        path[pn] = '\0';
        if (*s != ' ' && *s != end && *s)
            return syntax(r, s, "members are separated by a space");
        while (*s == ' ')
            s++;
    }
    if (*s != end)
        return syntax(r, s, end ? "an object's members end with }" : "unexpected end");
    if (check) {
        json_object_object_foreach(v, key, val) {
            (void)val;
            if (!declared(r, start, end, key)) {
                size_t at = path_push(path, pn, "/%s", key);
                (void)at;
                fail(r, path, r->answer ? "is not declared" : "is not a known field");
                path[pn] = '\0';
            }
        }
    }
    return s;
}

/* spec, whole: fields or one type, and nothing after it */
static int run_spec(struct run *r, const char *spec, json_object *v, bool check)
{
    char path[SHAPE_PATH] = "";
    if (!spec || !*spec) {
        syntax(r, "", "empty");
        return -1;
    }
    const char *e = starts_fields(spec) ? fields(r, spec, '\0', v, check, path, 0) : type(r, spec, v, check, path, 0);
    if (e && *e)
        syntax(r, e, "unexpected text");
    return r->bad_syntax || r->failed ? -1 : 0;
}

int shape_spec_check(const char *spec, char *err, size_t errlen)
{
    struct run r = { .err = err, .errlen = errlen };
    return run_spec(&r, spec, NULL, false);
}

int shape_check_request(const char *spec, json_object *v, struct problem *p)
{
    char err[160];
    struct run r = { .p = p, .err = err, .errlen = sizeof(err) };
    int rc = run_spec(&r, spec, v, true);
    if (r.bad_syntax) {
        problem_set(p, 500, "internal", "the route's body declaration is malformed");
        problem_internal(p, "body shape: %s", err);
    }
    return rc;
}

int shape_check_answer(const char *spec, json_object *v, char *err, size_t errlen)
{
    struct run r = { .answer = true, .err = err, .errlen = errlen };
    return run_spec(&r, spec, v, true);
}

/* ---- JSON Schema ----------------------------------------------------------------------------- */

static const char *schema_type(const char *s, json_object **out);
static const char *schema_fields(const char *s, char end, json_object **out);

static void add_int(json_object *o, const char *k, long long n)
{
    json_object_object_add(o, k, json_object_new_int64(n));
}

static json_object *typed(const char *t)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "type", json_object_new_string(t));
    return o;
}

/* v or null: an optional member */
static json_object *or_null(json_object *s)
{
    json_object *t, *en;
    if (json_object_object_length(s) == 0)
        return s;   /* any value, null among them */
    if (json_object_object_get_ex(s, "type", &t) && json_object_is_type(t, json_type_string) &&
        !json_object_object_get_ex(s, "enum", &en)) {
        json_object *both = json_object_new_array();
        json_object_array_add(both, json_object_new_string(json_object_get_string(t)));
        json_object_array_add(both, json_object_new_string("null"));
        json_object_object_add(s, "type", both);
        return s;
    }
    json_object *any = json_object_new_array(), *o = json_object_new_object();
    json_object_array_add(any, s);
    json_object_array_add(any, typed("null"));
    json_object_object_add(o, "anyOf", any);
    return o;
}

static const char *schema_type(const char *s, json_object **out)
{
    struct run r = { 0 };
    const char *e;
    long long min = LLONG_MIN, max = LLONG_MAX;
    *out = NULL;
    if (word(s, "string", &e)) {
        min = 0;
        if (!(e = bounds(&r, e, &min, &max, true)))
            return NULL;
        *out = typed("string");
        if (min > 0)
            add_int(*out, "minLength", min);
        if (max != LLONG_MAX)
            add_int(*out, "maxLength", max);
    } else if (word(s, "int", &e)) {
        if (!(e = bounds(&r, e, &min, &max, false)))
            return NULL;
        *out = typed("integer");
        if (min != LLONG_MIN)
            add_int(*out, "minimum", min);
        if (max != LLONG_MAX)
            add_int(*out, "maximum", max);
    } else if (word(s, "number", &e)) {
        *out = typed("number");
    } else if (word(s, "bool", &e)) {
        *out = typed("boolean");
    } else if (word(s, "enum", &e)) {
        const char *close = *e == '(' ? strchr(e, ')') : NULL;
        if (!close)
            return NULL;
        json_object *words = json_object_new_array();
        for (const char *w = e + 1; w < close;) {
            size_t n = strcspn(w, "|)");
            json_object_array_add(words, json_object_new_string_len(w, (int)n));
            w += n + 1;
        }
        *out = typed("string");
        json_object_object_add(*out, "enum", words);
        e = close + 1;
    } else if (word(s, "object", &e)) {
        *out = typed("object");
    } else if (word(s, "any", &e)) {
        *out = json_object_new_object();
    } else if (*s == '[') {
        json_object *item;
        if (!(e = schema_type(s + 1, &item)) || *e != ']') {
            json_object_put(item);
            return NULL;
        }
        min = 0;
        if (!(e = bounds(&r, e + 1, &min, &max, false))) {
            json_object_put(item);
            return NULL;
        }
        *out = typed("array");
        json_object_object_add(*out, "items", item);
        if (min > 0)
            add_int(*out, "minItems", min);
        if (max != LLONG_MAX)
            add_int(*out, "maxItems", max);
    } else if (word(s, "map", &e) && *e == '(') {
        json_object *item;
        if (!(e = schema_type(e + 1, &item)) || *e != ')') {
            json_object_put(item);
            return NULL;
        }
        *out = typed("object");
        json_object_object_add(*out, "additionalProperties", item);
        e++;
    } else if (*s == '{') {
        if (!(e = schema_fields(s + 1, '}', out)))
            return NULL;
        e++;
    } else if (isupper((unsigned char)*s)) {
        size_t n = name_len(s);
        char ref[96];
        snprintf(ref, sizeof(ref), "#/components/schemas/%.*s", (int)n, s);
        *out = json_object_new_object();
        json_object_object_add(*out, "$ref", json_object_new_string(ref));
        e = s + n;
    } else {
        return NULL;
    }
    return e;
}

static const char *schema_fields(const char *s, char end, json_object **out)
{
    json_object *props = json_object_new_object(), *required = json_object_new_array();
    bool open = false;
    *out = typed("object");
    while (*s == ' ')
        s++;
    while (*s && *s != end) {
        if (strncmp(s, "...", 3) == 0) {
            s += 3;
            open = true;
            break;
        }
        size_t n = name_len(s);
        char name[64];
        if (n == 0 || n >= sizeof(name))
            goto bad;
        memcpy(name, s, n);
        name[n] = '\0';
        bool optional = s[n] == '?';
        s += n + optional;
        if (*s != ':')
            goto bad;
        json_object *t;
        if (!(s = schema_type(s + 1, &t)))
            goto bad;
        json_object_object_add(props, name, optional ? or_null(t) : t);
        if (!optional)
            json_object_array_add(required, json_object_new_string(name));
        while (*s == ' ')
            s++;
    }
    json_object_object_add(*out, "properties", props);
    if (!open)   /* a closed object: a member it does not declare is refused (a body) or a mismatch */
        json_object_object_add(*out, "additionalProperties", json_object_new_boolean(0));
    if (json_object_array_length(required))
        json_object_object_add(*out, "required", required);
    else
        json_object_put(required);
    return s;
bad:
    json_object_put(props);
    json_object_put(required);
    json_object_put(*out);
    *out = NULL;
    return NULL;
}

json_object *shape_schema(const char *spec)
{
    json_object *o = NULL;
    char err[8];
    if (!spec || shape_spec_check(spec, err, sizeof(err)) < 0)
        return NULL;
    if (!(starts_fields(spec) ? schema_fields(spec, '\0', &o) : schema_type(spec, &o))) {
        json_object_put(o);
        return NULL;
    }
    return o;
}
