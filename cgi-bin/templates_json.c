/*
 * templates_json: a template version as the API shows it (templates_json), and what changed from
 * one version to another, by name (templates_changes). No database, no request: values only.
 */
#include <string.h>

#include "templates.h"

static json_object *strings_json(const char *const *s, size_t n)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(a, json_object_new_string(s[i]));
    return a;
}

static json_object *param_json(const struct template_param *p)
{
    static const char *const types[] = { "string", "integer", "boolean", "enum", "secret-ref" };
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(p->name));
    json_object_object_add(o, "type", json_object_new_string(types[p->type]));
    json_object_object_add(o, "label", json_string_or_null(p->label));
    json_object_object_add(o, "help", json_string_or_null(p->help));
    json_object_object_add(o, "required", json_object_new_boolean(p->required));
    json_object_object_add(o, "names_resource", json_object_new_boolean(p->names_resource));
    json_object_object_add(o, "pattern", json_string_or_null(p->pattern));
    json_object_object_add(o, "min", p->has_min ? json_object_new_int64(p->min) : NULL);
    json_object_object_add(o, "max", p->has_max ? json_object_new_int64(p->max) : NULL);
    json_object_object_add(o, "default", json_string_or_null(p->def));
    json_object_object_add(o, "choices", strings_json(p->choices, p->nchoices));
    return o;
}

static json_object *step_json(const struct template_step *s)
{
    json_object *o = json_object_new_object(), *args = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(s->name));
    json_object_object_add(o, "driver", json_object_new_string(s->driver));
    json_object_object_add(o, "timeout_seconds", s->timeout_seconds ? json_object_new_int(s->timeout_seconds) : NULL);
    for (size_t i = 0; i < s->nargs; i++)
        json_object_object_add(args, s->args[i].name, json_object_new_string(s->args[i].value));
    json_object_object_add(o, "args", args);
    json_object_object_add(o, "program", json_string_or_null(s->program));
    json_object_object_add(o, "argv", strings_json(s->argv, s->nargv));
    return o;
}

static json_object *output_json(struct arena *a, const struct template_output *out)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(out->name));
    json_object_object_add(o, "from", json_object_new_string(arena_printf(a, "%s.%s", out->step, out->field)));
    json_object_object_add(o, "secret", json_object_new_boolean(out->secret));
    return o;
}

static json_object *policy_json(const struct template *t)
{
    json_object *o = json_object_new_object(), *approvals = json_object_new_array(), *ttl = NULL;
    json_object_object_add(o, "environments", strings_json(t->environments, t->nenvironments));
    json_object_object_add(o, "requester_role", json_string_or_null(t->requester_role));
    for (size_t i = 0; i < t->napprovals; i++) {
        json_object *a = json_object_new_object();
        json_object_object_add(a, "environment", json_object_new_string(t->approvals[i].environment));
        json_object_object_add(a, "count", json_object_new_int(t->approvals[i].count));
        json_object_object_add(a, "role", json_object_new_string(t->approvals[i].role));
        json_object_array_add(approvals, a);
    }
    json_object_object_add(o, "approvals", approvals);
    if (t->ttl_max_days) {
        ttl = json_object_new_object();
        json_object_object_add(ttl, "default_days", json_object_new_int(t->ttl_default_days));
        json_object_object_add(ttl, "max_days", json_object_new_int(t->ttl_max_days));
    }
    json_object_object_add(o, "ttl", ttl);
    return o;
}

static json_object *steps_json(const struct template_step *s, size_t n)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(a, step_json(&s[i]));
    return a;
}

json_object *templates_json(struct arena *a, const struct template *t)
{
    json_object *o = json_object_new_object(), *params = json_object_new_array(), *outputs = json_object_new_array();
    json_object_object_add(o, "title", json_object_new_string(t->title));
    json_object_object_add(o, "description", json_object_new_string(t->description ? t->description : ""));
    json_object_object_add(o, "owner_team", json_object_new_string(t->owner_team));
    json_object_object_add(o, "tags", strings_json(t->tags, t->ntags));
    for (size_t i = 0; i < t->nparams; i++)
        json_object_array_add(params, param_json(&t->params[i]));
    json_object_object_add(o, "parameters", params);
    json_object_object_add(o, "policy", policy_json(t));
    json_object_object_add(o, "steps", steps_json(t->steps, t->nsteps));
    for (size_t i = 0; i < t->noutputs; i++)
        json_object_array_add(outputs, output_json(a, &t->outputs[i]));
    json_object_object_add(o, "outputs", outputs);
    json_object_object_add(o, "deprovision", steps_json(t->deprovision, t->ndeprovision));
    return o;
}

/* ---- two versions compared ------------------------------------------------------------------------------------- */

/* {added: [names], removed: [names], changed: [names]} of two named lists, compared as JSON. */
typedef json_object *(*item_json_fn)(struct arena *a, const void *items, size_t i, const char **name);

static json_object *changes_of(struct arena *a, item_json_fn fn, const void *x, size_t nx, const void *y, size_t ny)
{
    json_object *added = json_object_new_array(), *removed = json_object_new_array(), *changed = json_object_new_array();
    for (size_t i = 0; i < nx; i++) {
        const char *name, *other;
        json_object *xi = fn(a, x, i, &name);
        bool found = false;
        for (size_t k = 0; k < ny && !found; k++) {
            json_object *yk = fn(a, y, k, &other);
            if ((found = strcmp(name, other) == 0) && !json_object_equal(xi, yk))
                json_object_array_add(changed, json_object_new_string(name));
            json_object_put(yk);
        }
        if (!found)
            json_object_array_add(removed, json_object_new_string(name));
        json_object_put(xi);
    }
    for (size_t k = 0; k < ny; k++) {
        const char *name, *other;
        json_object_put(fn(a, y, k, &name));
        bool found = false;
        for (size_t i = 0; i < nx && !found; i++) {
            json_object_put(fn(a, x, i, &other));
            found = strcmp(name, other) == 0;
        }
        if (!found)
            json_object_array_add(added, json_object_new_string(name));
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "added", added);
    json_object_object_add(o, "removed", removed);
    json_object_object_add(o, "changed", changed);
    return o;
}

static json_object *param_item(struct arena *a, const void *items, size_t i, const char **name)
{
    (void)a;
    const struct template_param *p = &((const struct template_param *)items)[i];
    *name = p->name;
    return param_json(p);
}

static json_object *step_item(struct arena *a, const void *items, size_t i, const char **name)
{
    (void)a;
    const struct template_step *s = &((const struct template_step *)items)[i];
    *name = s->name;
    return step_json(s);
}

static json_object *output_item(struct arena *a, const void *items, size_t i, const char **name)
{
    const struct template_output *o = &((const struct template_output *)items)[i];
    *name = o->name;
    return output_json(a, o);
}

/* {parameters, steps, outputs, deprovision: {added, removed, changed}, policy_changed} from ta to tb. */
json_object *templates_changes(struct arena *a, const struct template *ta, const struct template *tb)
{
    json_object *changes = json_object_new_object(), *pa = policy_json(ta), *pb = policy_json(tb);
    json_object_object_add(changes, "parameters", changes_of(a, param_item, ta->params, ta->nparams, tb->params, tb->nparams));
    json_object_object_add(changes, "steps", changes_of(a, step_item, ta->steps, ta->nsteps, tb->steps, tb->nsteps));
    json_object_object_add(changes, "outputs", changes_of(a, output_item, ta->outputs, ta->noutputs, tb->outputs, tb->noutputs));
    json_object_object_add(changes, "deprovision",
                           changes_of(a, step_item, ta->deprovision, ta->ndeprovision, tb->deprovision, tb->ndeprovision));
    json_object_object_add(changes, "policy_changed", json_object_new_boolean(!json_object_equal(pa, pb)));
    json_object_put(pa);
    json_object_put(pb);
    return changes;
}
