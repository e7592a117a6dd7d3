/*
 * template: provisioning templates, read and checked (see template.h).
 */
#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "secret_path.h"
#include "template.h"
#include "lib/template_rng.h"

#define NS "urn:portico:template:1"

/* ---- the drivers ------------------------------------------------------------------------------ */

static const struct {
    const char *name;
    const char *secret_outputs[4];
} drivers[] = {
    { "mariadb_database", { "password", NULL } },
    { "git_repository", { NULL } },
    { "exec", { NULL } },
    { "webhook", { NULL } },
    { "noop", { NULL } },
};

bool template_driver_known(const char *driver)
{
    for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
        if (strcmp(drivers[i].name, driver) == 0)
            return true;
    return false;
}

bool template_driver_output_secret(const char *driver, const char *field)
{
    for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
        if (strcmp(drivers[i].name, driver) == 0)
            for (size_t k = 0; drivers[i].secret_outputs[k]; k++)
                if (strcmp(drivers[i].secret_outputs[k], field) == 0)
                    return true;
    return false;
}

/* ---- reading the document --------------------------------------------------------------------- */

struct schema_errors {
    struct problem *p;
    struct arena *a;
};

/* An element's path by local names, "/template/steps/step[2]" (a position where a name repeats
 * among siblings): xmlGetNodePath gives only stars for elements in a default namespace. */
static const char *element_path(struct arena *a, const xmlNode *n)
{
    if (!n || n->type != XML_ELEMENT_NODE)
        return "/";
    const char *path = "";
    for (int depth = 0; n && n->type == XML_ELEMENT_NODE && depth < 16; n = n->parent, depth++) {
        size_t pos = 1, same = 0;
        for (const xmlNode *s = n->parent ? n->parent->children : NULL; s; s = s->next)
            same += s->type == XML_ELEMENT_NODE && strcmp((const char *)s->name, (const char *)n->name) == 0;
        for (const xmlNode *s = n->prev; s; s = s->prev)
            pos += s->type == XML_ELEMENT_NODE && strcmp((const char *)s->name, (const char *)n->name) == 0;
        path = same > 1 ? arena_printf(a, "/%s[%zu]%s", (const char *)n->name, pos, path)
                        : arena_printf(a, "/%s%s", (const char *)n->name, path);
    }
    return path;
}

/* A schema error at its element's path: "/template/steps/step[2]: Element arg ...". */
static void schema_error(void *ctx, const xmlError *e)
{
    struct schema_errors *se = ctx;
    char msg[160];
    snprintf(msg, sizeof(msg), "%s", e->message ? e->message : "does not follow the template schema");
    msg[strcspn(msg, "\n")] = 0;
    problem_field(se->p, element_path(se->a, (const xmlNode *)e->node), "line %d: %s", e->line, msg);
}

static xmlRelaxNGPtr schema(void)
{
    static xmlRelaxNGPtr compiled;
    if (!compiled) {
        xmlRelaxNGParserCtxtPtr pc = xmlRelaxNGNewMemParserCtxt(template_rng, (int)strlen(template_rng));
        compiled = pc ? xmlRelaxNGParse(pc) : NULL;
        xmlRelaxNGFreeParserCtxt(pc);
    }
    return compiled;
}

static bool is(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->ns && strcmp((const char *)n->ns->href, NS) == 0 &&
           strcmp((const char *)n->name, name) == 0;
}

static const xmlNode *child(const xmlNode *n, const char *name)
{
    for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (is(c, name))
            return c;
    return NULL;
}

static const char *text(struct arena *a, const xmlNode *n)
{
    if (!n)
        return NULL;
    xmlChar *s = xmlNodeGetContent(n);
    const char *out = arena_strdup(a, s ? (const char *)s : "");
    xmlFree(s);
    return out;
}

static const char *attr(struct arena *a, const xmlNode *n, const char *name)
{
    xmlChar *s = n ? xmlGetNoNsProp(n, (const xmlChar *)name) : NULL;
    const char *out = s ? arena_strdup(a, (const char *)s) : NULL;
    xmlFree(s);
    return out;
}

static void read_step(struct arena *a, const xmlNode *n, struct template_step *s)
{
    s->name = attr(a, n, "name");
    s->driver = attr(a, n, "driver");
    const char *timeout = attr(a, n, "timeout-seconds");
    s->timeout_seconds = timeout ? atoi(timeout) : 0;
    s->program = text(a, child(n, "program"));
    for (const xmlNode *c = n->children; c; c = c->next)
        if (is(c, "arg") && s->nargs < TEMPLATE_ITEMS_MAX)
            s->args[s->nargs++] = (struct template_arg){ attr(a, c, "name"), text(a, c) };
    for (const xmlNode *c = child(n, "argv") ? child(n, "argv")->children : NULL; c; c = c->next)
        if (is(c, "item") && s->nargv < TEMPLATE_ITEMS_MAX)
            s->argv[s->nargv++] = text(a, c);
}

static void read_param(struct arena *a, const xmlNode *n, struct template_param *t)
{
    static const char *const types[] = { "string", "integer", "boolean", "enum", "secret-ref" };
    const char *type = attr(a, n, "type"), *min = attr(a, n, "min"), *max = attr(a, n, "max");
    t->name = attr(a, n, "name");
    for (size_t i = 0; i < 5; i++)
        if (type && strcmp(type, types[i]) == 0)
            t->type = (enum template_type)i;
    t->required = attr(a, n, "required") && strcmp(attr(a, n, "required"), "true") == 0;
    t->names_resource = attr(a, n, "names-resource") && strcmp(attr(a, n, "names-resource"), "true") == 0;
    t->pattern = attr(a, n, "pattern");
    t->def = attr(a, n, "default");
    t->has_min = min != NULL;
    t->has_max = max != NULL;
    t->min = min ? atoll(min) : 0;
    t->max = max ? atoll(max) : 0;
    t->label = text(a, child(n, "label"));
    t->help = text(a, child(n, "help"));
    for (const xmlNode *c = n->children; c; c = c->next)
        if (is(c, "choice") && t->nchoices < TEMPLATE_ITEMS_MAX)
            t->choices[t->nchoices++] = text(a, c);
}

static void read_template(struct arena *a, const xmlNode *root, struct template *t)
{
    memset(t, 0, sizeof(*t));
    t->name = attr(a, root, "name");
    t->version = attr(a, root, "version");
    t->title = text(a, child(root, "title"));
    t->description = text(a, child(root, "description"));
    t->owner_team = attr(a, child(root, "owner"), "team");
    for (const xmlNode *c = child(root, "tags") ? child(root, "tags")->children : NULL; c; c = c->next)
        if (is(c, "tag") && t->ntags < TEMPLATE_ITEMS_MAX)
            t->tags[t->ntags++] = text(a, c);
    for (const xmlNode *c = child(root, "parameters") ? child(root, "parameters")->children : NULL; c; c = c->next)
        if (is(c, "parameter") && t->nparams < TEMPLATE_ITEMS_MAX)
            read_param(a, c, &t->params[t->nparams++]);
    const xmlNode *policy = child(root, "policy");
    for (const xmlNode *c = child(policy, "environments") ? child(policy, "environments")->children : NULL; c; c = c->next)
        if (is(c, "environment") && t->nenvironments < TEMPLATE_ITEMS_MAX)
            t->environments[t->nenvironments++] = text(a, c);
    t->requester_role = attr(a, child(policy, "requesters"), "role");
    for (const xmlNode *c = policy ? policy->children : NULL; c; c = c->next)
        if (is(c, "approvals") && t->napprovals < TEMPLATE_ITEMS_MAX)
            t->approvals[t->napprovals++] = (struct template_approval){ attr(a, c, "environment"), attr(a, c, "role"),
                                                                        atoi(attr(a, c, "count")) };
    const xmlNode *ttl = child(policy, "ttl");
    t->ttl_default_days = ttl ? atoi(attr(a, ttl, "default-days")) : 0;
    t->ttl_max_days = ttl ? atoi(attr(a, ttl, "max-days")) : 0;
    for (const xmlNode *c = child(root, "steps")->children; c; c = c->next)
        if (is(c, "step") && t->nsteps < TEMPLATE_ITEMS_MAX)
            read_step(a, c, &t->steps[t->nsteps++]);
    for (const xmlNode *c = child(root, "deprovision") ? child(root, "deprovision")->children : NULL; c; c = c->next)
        if (is(c, "step") && t->ndeprovision < TEMPLATE_ITEMS_MAX)
            read_step(a, c, &t->deprovision[t->ndeprovision++]);
    for (const xmlNode *c = child(root, "outputs") ? child(root, "outputs")->children : NULL; c; c = c->next)
        if (is(c, "output") && t->noutputs < TEMPLATE_ITEMS_MAX) {
            struct template_output *o = &t->outputs[t->noutputs++];
            const char *from = attr(a, c, "from"), *dot = strchr(from, '.');
            o->name = attr(a, c, "name");
            o->step = arena_strndup(a, from, (size_t)(dot - from));
            o->field = dot + 1;
            o->secret = attr(a, c, "secret") && strcmp(attr(a, c, "secret"), "true") == 0;
        }
}

/* ---- the checks beyond the schema ------------------------------------------------------------- */

const struct template_param *template_param_find(const struct template *t, const char *name, size_t len)
{
    for (size_t i = 0; i < t->nparams; i++)
        if (strlen(t->params[i].name) == len && strncmp(t->params[i].name, name, len) == 0)
            return &t->params[i];
    return NULL;
}

int template_placeholders(const char *text, void (*fn)(void *ctx, const char *name, size_t len), void *ctx)
{
    for (const char *s = text ? strstr(text, "{{") : NULL; s; s = strstr(s, "{{")) {
        const char *e = strstr(s + 2, "}}");
        if (!e)
            return -1;
        size_t n = (size_t)(e - s - 2);
        if (n == 0 || strspn(s + 2, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n)
            return -1;
        fn(ctx, s + 2, n);
        s = e + 2;
    }
    return 0;
}

struct ph_check {
    const struct template *t;
    struct problem *p;
    struct arena *a;
    const char *where;
};

static void ph_declared(void *ctx, const char *name, size_t len)
{
    struct ph_check *c = ctx;
    if (!template_param_find(c->t, name, len))
        problem_field(c->p, c->where, "{{%.*s}} is not a parameter of the template", (int)len, name);
}

static void check_texts(struct ph_check *c, const char *where, const char *text)
{
    c->where = where;
    if (template_placeholders(text, ph_declared, c) < 0)
        problem_field(c->p, where, "a placeholder is {{name}}: lower-case letters, digits, '_' and '-'");
}

static void check_steps(struct ph_check *c, const char *list, const struct template_step *steps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct template_step *s = &steps[i];
        for (size_t k = 0; k < i; k++)
            if (strcmp(steps[k].name, s->name) == 0)
                problem_field(c->p, arena_printf(c->a, "%s/%zu/name", list, i), "repeats step %zu's name", k);
        check_texts(c, arena_printf(c->a, "%s/%zu/program", list, i), s->program);
        for (size_t k = 0; k < s->nargs; k++)
            check_texts(c, arena_printf(c->a, "%s/%zu/args/%s", list, i, s->args[k].name), s->args[k].value);
        for (size_t k = 0; k < s->nargv; k++)
            check_texts(c, arena_printf(c->a, "%s/%zu/argv/%zu", list, i, k), s->argv[k]);
        if (strcmp(s->driver, "exec") == 0 && !s->program)
            problem_field(c->p, arena_printf(c->a, "%s/%zu/program", list, i), "an exec step names its program");
    }
}

/* glibc's regcomp copies a repeated subtree once per count ("x{3}" is three copies, "x+" two:
 * "xx*"), so stacked or nested repetitions grow exponentially: "(a{255}){255}" and
 * "a++++++++++++++++" each cost gigabytes (found by fuzz_template). Counted as if every
 * repetition were nested: {m,n} counts max(m,n) (at most 255), + counts 2, and the product is at
 * most 1,000; a repetition may not follow another. */
static bool pattern_bounds_ok(const char *pattern)
{
    unsigned long product = 1;
    bool after_repeat = false, in_bracket = false;
    for (const char *s = pattern; *s; s++) {
        unsigned long count = 0;
        if (in_bracket) {
            if (*s == ']')
                in_bracket = false;
            after_repeat = false;
            continue;
        }
        if (*s == '\\' && s[1]) {
            s++;
            after_repeat = false;
            continue;
        }
        if (*s == '[') {
            in_bracket = true;
            if (s[1] == '^')
                s++;
            if (s[1] == ']')
                s++;   /* a leading ] is a member */
            after_repeat = false;
            continue;
        }
        if (*s == '*' || *s == '?')
            count = 1;
        else if (*s == '+')
            count = 2;
        else if (*s == '{' && s[1] >= '0' && s[1] <= '9') {
            char *end;
            unsigned long m = strtoul(s + 1, &end, 10), n = m;
            if (*end == ',')
                n = end[1] == '}' ? m : strtoul(end + 1, &end, 10);
            if (*end != '}' || m > 255 || n > 255)
                return false;
            count = n > m ? n : m;
            s = end;
        } else {
            after_repeat = false;
            continue;
        }
        if (after_repeat)
            return false;
        after_repeat = true;
        product *= count ? count : 1;
        if (product > 1000)
            return false;
    }
    return true;
}

static void check_param(struct arena *a, struct problem *p, const struct template_param *prm, size_t i)
{
    const char *where = arena_printf(a, "parameters/%zu", i);
    if (prm->pattern) {
        regex_t re;
        if (prm->type != TPARAM_STRING && prm->type != TPARAM_SECRET_REF)
            problem_field(p, arena_printf(a, "%s/pattern", where), "only string parameters have a pattern");
        else if (!pattern_bounds_ok(prm->pattern))
            problem_field(p, arena_printf(a, "%s/pattern", where), "repeats too much: no repetition after another, each "
                                                                   "{m,n} at most 255, all of them multiplied at most 1000");
        else if (regcomp(&re, arena_printf(a, "^(%s)$", prm->pattern), REG_EXTENDED | REG_NOSUB) != 0)
            problem_field(p, arena_printf(a, "%s/pattern", where), "is not a POSIX extended regular expression");
        else
            regfree(&re);
    }
    if ((prm->has_min || prm->has_max) && prm->type != TPARAM_INTEGER && prm->type != TPARAM_STRING)
        problem_field(p, where, "only integers (value) and strings (length) have min and max");
    if (prm->has_min && prm->has_max && prm->min > prm->max)
        problem_field(p, arena_printf(a, "%s/min", where), "is more than max");
    if ((prm->type == TPARAM_ENUM) != (prm->nchoices > 0))
        problem_field(p, where, prm->nchoices ? "only enum parameters have choices" : "an enum parameter lists its choices");
    if (prm->def && prm->type == TPARAM_SECRET_REF)
        problem_field(p, arena_printf(a, "%s/default", where), "a secret reference has no default");
    if (prm->names_resource && (prm->type == TPARAM_SECRET_REF || prm->type == TPARAM_BOOLEAN))
        problem_field(p, arena_printf(a, "%s/names-resource", where), "a name is a string, a number or a choice, "
                                                                      "not a secret reference or a yes/no");
}

int template_parse(const char *xml, size_t len, struct arena *a, struct template *t, struct problem *p)
{
    if (len > TEMPLATE_XML_MAX)
        return problem_set(p, 413, "too-large", "a template is at most %d bytes", TEMPLATE_XML_MAX);
    /* no DOCTYPE at all: no entity declarations to expand, nothing external to fetch */
    if (memmem(xml, len, "<!DOCTYPE", 9) || memmem(xml, len, "<!ENTITY", 8))
        return problem_set(p, 400, "malformed-xml", "a template has no DOCTYPE and declares no entities");
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt)
        return problem_set(p, 500, "internal", "out of memory");
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, xml, (int)len, "template.xml", NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
    if (!doc) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        char msg[160];
        snprintf(msg, sizeof(msg), "%s", e && e->message ? e->message : "not well-formed");
        msg[strcspn(msg, "\n")] = 0;
        problem_set(p, 400, "malformed-xml", "XML line %d, column %d: %s", e ? e->line : 0, e ? e->int2 : 0, msg);
        xmlFreeParserCtxt(ctxt);
        return -1;
    }
    xmlFreeParserCtxt(ctxt);
    int rc = -1;
    xmlRelaxNGPtr rng = schema();
    xmlRelaxNGValidCtxtPtr vc = rng ? xmlRelaxNGNewValidCtxt(rng) : NULL;
    struct schema_errors se = { p, a };
    if (!vc) {
        problem_set(p, 500, "internal", "the template schema could not be compiled");
        goto out;
    }
    xmlRelaxNGSetValidStructuredErrors(vc, (xmlStructuredErrorFunc)schema_error, &se);
    if (xmlRelaxNGValidateDoc(vc, doc) != 0) {
        if (p->nfields == 0)
            problem_set(p, 422, "validation", "the template does not follow the schema (urn:portico:template:1)");
        goto out;
    }
    read_template(a, xmlDocGetRootElement(doc), t);
    struct ph_check c = { t, p, a, NULL };
    for (size_t i = 0; i < t->nparams; i++) {
        check_param(a, p, &t->params[i], i);
        for (size_t k = 0; k < i; k++) {
            if (strcmp(t->params[k].name, t->params[i].name) == 0)
                problem_field(p, arena_printf(a, "parameters/%zu/name", i), "repeats parameter %zu's name", k);
            if (t->params[k].names_resource && t->params[i].names_resource)
                problem_field(p, arena_printf(a, "parameters/%zu/names-resource", i), "parameter %zu names the resource "
                                                                                     "already: one does", k);
        }
    }
    check_steps(&c, "steps", t->steps, t->nsteps);
    check_steps(&c, "deprovision", t->deprovision, t->ndeprovision);
    for (size_t i = 0; i < t->noutputs; i++) {
        bool found = false;
        for (size_t k = 0; k < t->nsteps && !found; k++)
            found = strcmp(t->steps[k].name, t->outputs[i].step) == 0;
        if (!found)
            problem_field(p, arena_printf(a, "outputs/%zu/from", i), "names no step (%s)", t->outputs[i].step);
    }
    if (t->ttl_default_days > t->ttl_max_days)
        problem_field(p, "policy/ttl/default-days", "is more than max-days");
    rc = json_fields_ok(p) ? 0 : -1;
out:
    xmlRelaxNGFreeValidCtxt(vc);
    xmlFreeDoc(doc);
    return rc;
}

/* ---- a request's values ----------------------------------------------------------------------- */

/* One value of prm (text as given, or JSON for integers and booleans): NULL when it is right,
 * else why not. *v receives the value to keep. */
static const char *value_check(struct arena *a, const struct template_param *prm, json_object *given, json_object **v)
{
    *v = NULL;
    switch (prm->type) {
    case TPARAM_INTEGER: {
        long long n;
        if (json_object_is_type(given, json_type_int))
            n = json_object_get_int64(given);
        else if (json_object_is_type(given, json_type_string) && *json_object_get_string(given) &&
                 strspn(json_object_get_string(given) + (json_object_get_string(given)[0] == '-'), "0123456789") ==
                     strlen(json_object_get_string(given)) - (json_object_get_string(given)[0] == '-') &&
                 strlen(json_object_get_string(given)) < 19)
            n = atoll(json_object_get_string(given));
        else
            return "must be a whole number";
        if ((prm->has_min && n < prm->min) || (prm->has_max && n > prm->max))
            return arena_printf(a, "must be from %lld to %lld", prm->has_min ? prm->min : -9223372036854775807LL,
                                prm->has_max ? prm->max : 9223372036854775807LL);
        *v = json_object_new_int64(n);
        return NULL;
    }
    case TPARAM_BOOLEAN:
        if (json_object_is_type(given, json_type_boolean))
            *v = json_object_new_boolean(json_object_get_boolean(given));
        else if (json_object_is_type(given, json_type_string) && (strcmp(json_object_get_string(given), "true") == 0 ||
                                                                   strcmp(json_object_get_string(given), "false") == 0))
            *v = json_object_new_boolean(strcmp(json_object_get_string(given), "true") == 0);
        else
            return "must be true or false";
        return NULL;
    default:
        break;
    }
    if (!json_object_is_type(given, json_type_string))
        return "must be text";
    const char *s = json_object_get_string(given);
    size_t len = strlen(s);
    if (prm->type == TPARAM_ENUM) {
        for (size_t i = 0; i < prm->nchoices; i++)
            if (strcmp(prm->choices[i], s) == 0) {
                *v = json_object_new_string(s);
                return NULL;
            }
        return "is not one of the choices";
    }
    if (len > 1000 || (prm->has_min && (long long)len < prm->min) || (prm->has_max && (long long)len > prm->max))
        return arena_printf(a, "must be %lld to %lld characters", prm->has_min ? prm->min : 0, prm->has_max ? prm->max : 1000);
    if (strlen(s) != (size_t)json_object_get_string_len(given) || strpbrk(s, "\r\n"))
        return "must be one line of text";
    if (prm->type == TPARAM_SECRET_REF) {
        struct secret_path sp;
        const char *why;
        if (secret_path_parse(s, &sp, &why) < 0)
            return why;
    }
    if (prm->pattern) {
        regex_t re;
        if (regcomp(&re, arena_printf(a, "^(%s)$", prm->pattern), REG_EXTENDED | REG_NOSUB) != 0)
            return "cannot be checked (the template's pattern does not compile)";
        int m = regexec(&re, s, 0, NULL, 0);
        regfree(&re);
        /* said in words: the parameter's help says what it takes; a regular expression is for
         * the template's author (GET the template shows it), not for the one who fills it in */
        if (m != 0)
            return prm->help ? arena_printf(a, "must be in the form the template asks for: %s", prm->help)
                             : "must match the format the template asks for";
    }
    *v = json_object_new_string(s);
    return NULL;
}

int template_values(const struct template *t, json_object *in, struct arena *a, json_object **out, struct problem *p)
{
    *out = NULL;
    if (in && !json_object_is_type(in, json_type_object)) {
        problem_field(p, "parameters", "must be an object of name: value");
        return -1;
    }
    json_object *o = json_object_new_object();
    if (in) {   /* (json-c's foreach reads the object's table: not for NULL) */
        json_object_object_foreach(in, key, val) {
            (void)val;
            if (!template_param_find(t, key, strlen(key)))
                problem_field(p, arena_printf(a, "parameters/%.64s", key), "is not a parameter of %s", t->name);
        }
    }
    for (size_t i = 0; i < t->nparams; i++) {
        const struct template_param *prm = &t->params[i];
        const char *where = arena_printf(a, "parameters/%s", prm->name);
        json_object *given = NULL, *v = NULL, *def = NULL;
        if (!in || !json_object_object_get_ex(in, prm->name, &given) || json_object_is_type(given, json_type_null)) {
            if (!prm->def) {
                if (prm->required)
                    problem_field(p, where, "is required");
                continue;
            }
            given = def = json_object_new_string(prm->def);
        }
        const char *why = value_check(a, prm, given, &v);
        json_object_put(def);
        if (why)
            problem_field(p, where, "%s", why);
        else
            json_object_object_add(o, prm->name, v);
    }
    if (!json_fields_ok(p)) {
        json_object_put(o);
        return -1;
    }
    *out = o;
    return 0;
}

/* ---- rendering -------------------------------------------------------------------------------- */

const char *template_render(struct arena *a, const char *text, json_object *values, template_escape_fn escape, void *ctx,
                            const char **why)
{
    const char *out = "";
    const char *s = text;
    for (const char *ph; (ph = strstr(s, "{{"));) {
        const char *e = strstr(ph + 2, "}}");
        if (!e) {
            *why = "a placeholder is not closed";
            return NULL;
        }
        char name[64];
        size_t n = (size_t)(e - ph - 2);
        json_object *v;
        if (n == 0 || n >= sizeof(name)) {
            *why = "a placeholder names no parameter";
            return NULL;
        }
        memcpy(name, ph + 2, n);
        name[n] = 0;
        if (!json_object_object_get_ex(values, name, &v)) {
            *why = arena_printf(a, "no value for {{%s}}", name);
            return NULL;
        }
        const char *value = json_object_is_type(v, json_type_string) ? json_object_get_string(v)
                                                                      : json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
        if (escape && !(value = escape(a, value, ctx))) {
            *why = arena_printf(a, "the value of {{%s}} cannot be used here", name);
            return NULL;
        }
        out = arena_printf(a, "%s%.*s%s", out, (int)(ph - s), s, value);
        s = e + 2;
    }
    return arena_printf(a, "%s%s", out, s);
}

long long template_version_order(const char *v)
{
    long long order = 0;
    for (int part = 0; part < 3; part++) {
        size_t n = strspn(v, "0123456789");
        if (n < 1 || n > 4 || v[n] != (part < 2 ? '.' : '\0'))
            return -1;
        order = order * 10000 + atoll(v);
        v += n + 1;
    }
    return order;
}
