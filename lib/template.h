/*
 * template: provisioning templates (urn:portico:template:1), read and checked.
 *
 * A template is an XML document validated against share/template.rng (compiled in). It is
 * parsed by libxml2 with no network, no DTD loading and no entity expansion; a document with a
 * DOCTYPE at all is refused, so neither "billion laughs" nor external entities get a chance.
 * What a schema cannot say is checked here: placeholders ({{name}}) name declared parameters,
 * outputs name steps, parameters' own rules hold together (a pattern compiles, min <= max,
 * enum choices, a default that passes its own rules).
 *
 * The security scan (template_scan) is what publishing requires: no unknown driver; no exec
 * step that runs a shell unless an administrator marked the template trusted; no parameter in
 * an exec argument without a pattern or choices; no secret flowing into a non-secret output;
 * no webhook URL that is not https (loopback excepted), nor one with a placeholder in its
 * scheme, host or port (a requester would choose where the runner connects).
 */
#ifndef PORTICO_TEMPLATE_H
#define PORTICO_TEMPLATE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "problem.h"

#define TEMPLATE_XML_MAX (256 * 1024)
#define TEMPLATE_ITEMS_MAX 64          /* parameters, steps, args, outputs, ... of one kind */

enum template_type { TPARAM_STRING, TPARAM_INTEGER, TPARAM_BOOLEAN, TPARAM_ENUM, TPARAM_SECRET_REF };

struct template_param {
    const char *name, *label, *help, *pattern, *def;
    enum template_type type;
    bool required, has_min, has_max;
    bool names_resource;   /* its value names the resource (names-resource="true") */
    long long min, max;
    const char *choices[TEMPLATE_ITEMS_MAX];
    size_t nchoices;
};

struct template_arg {
    const char *name;    /* NULL for an exec argv item */
    const char *value;   /* with {{placeholders}} */
};

struct template_step {
    const char *name, *driver, *program;   /* program: exec steps */
    int timeout_seconds;                   /* 0: the driver's default */
    struct template_arg args[TEMPLATE_ITEMS_MAX];
    size_t nargs;
    const char *argv[TEMPLATE_ITEMS_MAX];
    size_t nargv;
};

struct template_approval {
    const char *environment, *role;
    int count;
};

struct template_output {
    const char *name, *step, *field;       /* from="<step>.<field>" */
    bool secret;
};

struct template {
    const char *name, *version, *title, *description, *owner_team;
    const char *tags[TEMPLATE_ITEMS_MAX];
    size_t ntags;
    struct template_param params[TEMPLATE_ITEMS_MAX];
    size_t nparams;
    const char *environments[TEMPLATE_ITEMS_MAX];   /* none: any */
    size_t nenvironments;
    const char *requester_role;                       /* NULL: anyone who may request */
    struct template_approval approvals[TEMPLATE_ITEMS_MAX];
    size_t napprovals;
    int ttl_default_days, ttl_max_days;               /* 0: none given */
    struct template_step steps[TEMPLATE_ITEMS_MAX], deprovision[TEMPLATE_ITEMS_MAX];
    size_t nsteps, ndeprovision;
    struct template_output outputs[TEMPLATE_ITEMS_MAX];
    size_t noutputs;
};

/* Parse and check a template (strings live in a). 400 "malformed-xml" with the line for XML that
 * is not well formed or has a DOCTYPE; 422 with field paths for what the schema or the checks
 * refuse. */
int template_parse(const char *xml, size_t len, struct arena *a, struct template *t, struct problem *p);

/* A version "x.y.z" (each 1..4 digits) as x * 10^8 + y * 10^4 + z, the order "latest" goes by
 * (template_versions.version_order); -1 when it is not one. */
long long template_version_order(const char *v);

/* A request's parameters checked against the template: each named parameter once, of its type,
 * within its pattern (whole value), min and max (an integer's value, a string's length) and
 * choices; defaults filled in; required ones present; none the template does not declare. A
 * secret reference is a secret path (lib/secrets); whether the requester may read it is the
 * caller's to check. 0 with *out (a new object: name -> value), or -1 with 422 field errors
 * "parameters/<name>". */
int template_values(const struct template *t, json_object *in, struct arena *a, json_object **out, struct problem *p);

/* The drivers Portico has, and which of a driver's outputs are secret. */
bool template_driver_known(const char *driver);
bool template_driver_output_secret(const char *driver, const char *field);

/* The parameter of t named by the len bytes at name; NULL when there is none. */
const struct template_param *template_param_find(const struct template *t, const char *name, size_t len);

/* Calls fn for each {{name}} of text; -1 at the first malformed placeholder. */
int template_placeholders(const char *text, void (*fn)(void *ctx, const char *name, size_t len), void *ctx);

/* The scan (template_scan.c): each finding an object {rule, where, message} added to report (a JSON array; the
 * templates API shows each as a line "<rule>: <where>: <message>").
 * Returns the number of findings (0: it may be published). trusted: an administrator allowed
 * exec steps that run a shell. */
size_t template_scan(const struct template *t, bool trusted, json_object *report);

/* Fill {{name}} placeholders of text with values (a JSON object of the request's parameters),
 * each passed through escape (NULL: as it is). NULL with why for an unknown name or no room. */
typedef const char *(*template_escape_fn)(struct arena *a, const char *value, void *ctx);
const char *template_render(struct arena *a, const char *text, json_object *values, template_escape_fn escape, void *ctx,
                            const char **why);

#endif
