/*
 * problem: RFC 9457 problem details. Type URIs are URNs so they stay stable whatever host
 * Portico runs on; README lists every slug.
 */
#include "problem.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void problem_init(struct problem *p)
{
    p->status = 0;
    p->type = NULL;
    p->title = NULL;
    p->detail[0] = '\0';
    p->internal[0] = '\0';
    p->retry_after = 0;
    p->allow[0] = '\0';
    p->nfields = 0;
    p->permission = NULL;
    p->permission_text = NULL;
    p->scope_type[0] = p->scope_id[0] = p->owner_team[0] = p->needed[0] = '\0';
}

int problem_set(struct problem *p, int status, const char *type, const char *fmt, ...)
{
    p->status = status;
    p->type = type;
    p->title = NULL;
    p->permission = NULL;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->detail, sizeof(p->detail), fmt, ap);
        va_end(ap);
    } else {
        p->detail[0] = '\0';
    }
    return -1;
}

void problem_internal(struct problem *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->internal, sizeof(p->internal), fmt, ap);
    va_end(ap);
}

void problem_field(struct problem *p, const char *field, const char *fmt, ...)
{
    if (p->status != 422) {
        p->status = 422;
        p->type = "validation";
        p->title = NULL;
        snprintf(p->detail, sizeof(p->detail), "the request has invalid fields");
    }
    if (p->nfields == PROBLEM_MAX_FIELDS)
        return; /* enough to fix first; the rest show up on the next try */
    for (size_t i = 0; i < p->nfields; i++)
        if (strcmp(p->fields[i].field, field) == 0)
            return;
    struct problem_field *f = &p->fields[p->nfields++];
    snprintf(f->field, sizeof(f->field), "%s", field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof(f->message), fmt, ap);
    va_end(ap);
}

const char *http_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
    }
}

const char *problem_type_uri(const struct problem *p, char *buf, size_t len)
{
    if (!p->type || !*p->type)
        return "about:blank";
    snprintf(buf, len, "urn:portico:problem:%s", p->type);
    return buf;
}

json_object *problem_to_json(const struct problem *p, const char *request_id)
{
    char typebuf[128];
    int status = p->status ? p->status : 500;
    json_object *o = json_object_new_object();

    json_object_object_add(o, "type", json_object_new_string(problem_type_uri(p, typebuf, sizeof(typebuf))));
    json_object_object_add(o, "title", json_object_new_string(p->title ? p->title : http_reason(status)));
    json_object_object_add(o, "status", json_object_new_int(status));
    if (p->detail[0])
        json_object_object_add(o, "detail", json_object_new_string(p->detail));
    if (request_id)
        json_object_object_add(o, "request_id", json_object_new_string(request_id));
    if (p->nfields) {
        json_object *errs = json_object_new_array_ext((int)p->nfields);
        for (size_t i = 0; i < p->nfields; i++) {
            json_object *e = json_object_new_object();
            json_object_object_add(e, "field", json_object_new_string(p->fields[i].field));
            json_object_object_add(e, "message", json_object_new_string(p->fields[i].message));
            json_object_array_add(errs, e);
        }
        json_object_object_add(o, "errors", errs);
    }
    if (p->permission) {
        json_object_object_add(o, "permission", json_object_new_string(p->permission));
        if (p->permission_text)
            json_object_object_add(o, "permission_text", json_object_new_string(p->permission_text));
        if (p->scope_type[0]) {
            json_object *sc = json_object_new_object();
            json_object_object_add(sc, "type", json_object_new_string(p->scope_type));
            json_object_object_add(sc, "id", json_object_new_string(p->scope_id));
            if (p->owner_team[0])
                json_object_object_add(sc, "owner_team", json_object_new_string(p->owner_team));
            json_object_object_add(o, "scope", sc);
        }
        if (p->needed[0])
            json_object_object_add(o, "needed", json_object_new_string(p->needed));
    }
    return o;
}
