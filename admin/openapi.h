/*
 * openapi: the API document, made from the route tables. Each handler prints its table with
 * `<area>.fcgi --routes`; `portico-admin openapi FILE...` turns those into one OpenAPI 3.1
 * document. The route row is the single source: nothing here is written by hand per route.
 */
#ifndef PORTICO_OPENAPI_H
#define PORTICO_OPENAPI_H

#include <json-c/json.h>

/* Add the routes of one `--routes` array to doc (made by openapi_document_new). */
int openapi_add_routes(json_object *doc, json_object *routes, char *err, size_t errlen);

/* A document with info, the problem schema and no paths yet. */
json_object *openapi_document_new(const char *version);

/* The document complete: the bookkeeping of openapi_add_routes (operationIds seen) goes. */
void openapi_document_done(json_object *doc);

#endif
