/*
 * job_outputs: the secrets a job's steps are given and the outputs they leave. A secret a
 * request names (a secret-ref parameter) is opened for an exec step only once its reveal is in
 * the audit log, under the requester (secrets.reveal, via the runner and the job). A step's
 * secret outputs are sealed in the secrets store at a path of the resource, recorded as the
 * resource's (provision_secret_managed), and kept as {"secret": path}.
 */
#include <json-c/json.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "lib/provision.h"
#include "lib/secrets.h"
#include "runner/drivers/driver.h"
#include "runner/job.h"

const struct crypto_keyring *job_keyring(struct job *j, bool again)
{
    return secrets_keyring(j->r->cfg->master_key_file, &j->r->ring, again, j->p);
}

/* A secret the request named, opened for its requester: audited as their reveal (the requester
 * is the actor: the request was let name it only if they may reveal it, cgi-bin/provision.c),
 * via this runner's job. */
static int audit_reveal(struct job *j, const char *path, int version, const char *param)
{
    struct runner *r = j->r;
    struct audit_event ev = runner_event(r, "secrets.reveal", "success");
    ev.actor_type = "user";
    ev.actor_id = j->requester_id;
    ev.actor_name = j->requester;
    ev.target_type = "secret";
    ev.target_id = path;
    json_object *d = json_object_new_object();
    json_object_object_add(d, "version", json_object_new_int(version));
    json_object_object_add(d, "via", json_object_new_string("runner"));
    json_object_object_add(d, "runner", json_object_new_string(r->name));
    json_object_object_add(d, "job", json_object_new_int64(j->id));
    json_object_object_add(d, "resource", json_object_new_int64(j->resource_id));
    json_object_object_add(d, "parameter", json_object_new_string(param));
    ev.details = arena_strdup(r->arena, json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN));
    json_object_put(d);
    if (!ev.details)
        return problem_set(j->p, 500, "internal", "out of memory");
    if (db_begin(r->db, j->p) < 0)
        return -1;
    return audit_commit(r->db, r->arena, &ev, j->p);
}

/* The environment an exec step gets: each parameter as PORTICO_PARAM_<NAME>, a secret
 * reference as the secret's value (opened here, redacted from the log). */
json_object *job_exec_env(struct job *j)
{
    json_object *env = json_object_new_object();
    for (size_t i = 0; i < j->t->nparams; i++) {
        const struct template_param *tp = &j->t->params[i];
        json_object *v;
        if (!json_object_object_get_ex(j->values, tp->name, &v) || json_object_is_type(v, json_type_null))
            continue;
        char name[96];
        int n = snprintf(name, sizeof(name), "PORTICO_PARAM_%s", tp->name);
        for (int k = 14; k < n; k++)
            name[k] = name[k] == '-' ? '_' : (char)(name[k] >= 'a' && name[k] <= 'z' ? name[k] - 32 : name[k]);
        const char *text = json_object_is_type(v, json_type_string) ? json_object_get_string(v)
                                                                     : json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
        if (tp->type == TPARAM_SECRET_REF) {
            const struct crypto_keyring *k = job_keyring(j, false);
            unsigned char *value;
            size_t len;
            int got;
            if (!k || secrets_reveal(j->r->db, j->r->arena, k, text, 0, &value, &len, &got, j->p) < 0) {
                json_object_put(env);
                return NULL;
            }
            if (audit_reveal(j, text, got, tp->name) < 0) {   /* opened only when it is on record */
                secrets_value_free(value, len);
                json_object_put(env);
                return NULL;
            }
            char *s = arena_alloc(j->r->arena, len + 1);
            if (s) {
                memcpy(s, value, len);
                s[len] = '\0';
                job_secret(j, s);
                json_object_object_add(env, name, json_object_new_string(s));
                explicit_bzero(s, len);
            }
            secrets_value_free(value, len);
            continue;
        }
        json_object_object_add(env, name, json_object_new_string(text));
    }
    return env;
}

/* Is field of step secret: the driver says so, a secret output takes it, or its value is one the
 * job was told to redact? */
static bool field_secret(struct job *j, const struct template_step *s, const char *field, const char *value)
{
    if (template_driver_output_secret(s->driver, field))
        return true;
    for (size_t i = 0; i < j->t->noutputs; i++)
        if (j->t->outputs[i].secret && strcmp(j->t->outputs[i].step, s->name) == 0 && strcmp(j->t->outputs[i].field, field) == 0)
            return true;
    for (size_t i = 0; value && i < j->nsecrets; i++)
        if (strcmp(j->secrets[i], value) == 0)
            return true;
    return j->secrets_overflow;
}

/* The step's outputs as stored: plain values as they are, secret ones sealed in the secrets
 * store (at a path of the resource, recorded as the resource's) and stored as {"secret": path}.
 * Inside the transaction. */
const char *job_outputs_store(struct job *j, const struct template_step *s, json_object *outputs)
{
    json_object *stored = json_object_new_object();
    size_t index = 0;
    json_object_object_foreach(outputs, field, val) {
        const char *text = json_object_get_string(val);
        index++;
        if (!field_secret(j, s, field, text)) {
            json_object_object_add(stored, field, json_object_new_string(text ? text : ""));
            continue;
        }
        const char *path = provision_output_path(j->r->arena, j->team, j->environment, j->uid,
                                                 arena_printf(j->r->arena, "%s-%s", s->name, field), index);
        struct secret_path sp;
        const char *why;
        const struct crypto_keyring *k = job_keyring(j, false);
        int version;
        if (secret_path_parse(path, &sp, &why) < 0) {
            problem_set(j->p, 500, "internal", "the output %s.%s has no place among secrets: %s", s->name, field, why);
            json_object_put(stored);
            return NULL;
        }
        if (!k || secrets_write(j->r->db, j->r->arena, k, &sp, j->team, text, strlen(text), -1, 0,
                                j->r->cfg->secret_versions_default, j->r->name, &version, j->p) < 0 ||
            provision_secret_managed(j->r->db, j->r->arena, sp.text, j->resource_id, j->p) < 0) {
            json_object_put(stored);
            return NULL;
        }
        json_object *ref = json_object_new_object();
        json_object_object_add(ref, "secret", json_object_new_string(sp.text));
        json_object_object_add(stored, field, ref);
    }
    const char *text = arena_strdup(j->r->arena, json_object_to_json_string_ext(stored, JSON_C_TO_STRING_PLAIN));
    json_object_put(stored);
    return text;
}

/* Wipe the string values of an object (a driver's outputs, an exec step's environment: secrets
 * among them) before it is freed. */
void job_outputs_wipe(json_object *outputs)
{
    if (!outputs)
        return;
    json_object_object_foreach(outputs, field, val) {
        (void)field;
        if (json_object_is_type(val, json_type_string))
            explicit_bzero((char *)json_object_get_string(val), (size_t)json_object_get_string_len(val));
    }
}

/* The resource's outputs (for a finished provision job): each template output from its step's
 * stored outputs. */
const char *job_resource_outputs(struct job *j)
{
    struct db_value v = DB_INTV(j->id);
    struct db_result q;
    if (db_query(j->r->db, j->r->arena, "SELECT name, outputs FROM job_steps WHERE job_id = ? ORDER BY idx", &v, 1, &q, j->p) < 0)
        return NULL;
    json_object *out = json_object_new_object();
    for (size_t i = 0; i < j->t->noutputs; i++) {
        const struct template_output *o = &j->t->outputs[i];
        for (size_t k = 0; k < q.nrows; k++) {
            if (strcmp(db_cell(&q, k, 0), o->step) != 0 || !db_cell(&q, k, 1))
                continue;
            json_object *so = json_tokener_parse(db_cell(&q, k, 1)), *val;
            if (so && json_object_object_get_ex(so, o->field, &val))
                json_object_object_add(out, o->name, json_object_get(val));
            json_object_put(so);
        }
    }
    const char *text = arena_strdup(j->r->arena, json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN));
    json_object_put(out);
    return text;
}
