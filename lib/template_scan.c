/*
 * template_scan: the security scan publishing requires (template.h): unknown drivers, exec steps
 * that run a shell (seen through env and its options), exec arguments from parameters without a
 * pattern or choices, secrets flowing into plain outputs, webhooks that are not https or let a
 * placeholder choose where the runner connects.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "template.h"

/* ---- the scan --------------------------------------------------------------------------------- */

static void finding(json_object *report, size_t *n, const char *rule, const char *where, const char *what)
{
    json_object *f = json_object_new_object();
    json_object_object_add(f, "rule", json_object_new_string(rule));
    json_object_object_add(f, "where", json_object_new_string(where));
    json_object_object_add(f, "message", json_object_new_string(what));
    json_object_array_add(report, f);
    (*n)++;
}

static bool shell_named(const char *path)
{
    static const char *const shells[] = { "sh", "bash", "dash", "zsh", "ksh", "mksh", "csh", "tcsh", "fish", "busybox", NULL };
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    for (size_t i = 0; shells[i]; i++)
        if (strcmp(base, shells[i]) == 0)
            return true;
    return false;
}

#define ENV_WORDS_MAX 128

static bool env_runs_a_shell(const char *const *argv, size_t n, int depth);

/* env -S STRING: STRING split into words (spaces; quotes group; a backslash escapes) ahead of
 * the remaining arguments, read again as env's arguments (GNU env parses options in it too). */
static bool env_split_runs_a_shell(const char *split, const char *const *rest, size_t nrest, int depth)
{
    char buf[2048], *o = buf;
    const char *words[ENV_WORDS_MAX];
    size_t nwords = 0;
    if (strlen(split) >= sizeof(buf))
        return true;   /* too long to read: say it may be a shell */
    for (const char *s = split; *s;) {
        while (*s == ' ' || *s == '\t' || *s == '\n')
            s++;
        if (!*s)
            break;
        if (nwords == ENV_WORDS_MAX)
            return true;
        words[nwords++] = o;
        char quote = 0;
        for (; *s && (quote || (*s != ' ' && *s != '\t' && *s != '\n')); s++) {
            if (!quote && (*s == '\'' || *s == '"'))
                quote = *s;
            else if (quote && *s == quote)
                quote = 0;
            else if (*s == '\\' && s[1] && quote != '\'')
                *o++ = *++s;
            else
                *o++ = *s;
        }
        *o++ = '\0';
    }
    if (nwords + nrest > ENV_WORDS_MAX)
        return true;
    for (size_t i = 0; i < nrest; i++)
        words[nwords++] = rest[i];
    return env_runs_a_shell(words, nwords, depth + 1);
}

/* The long options of GNU env: 0 none, 1 a value (=value or the next argument), 2 an optional
 * =value. getopt_long takes an unambiguous prefix ("--split=" is --split-string). */
static int env_long_option(const char *arg, const char **value, bool *known)
{
    static const struct { const char *name; int value; } opts[] = {
        { "ignore-environment", 0 }, { "null", 0 }, { "debug", 0 }, { "list-signal-handling", 0 }, { "help", 0 },
        { "version", 0 }, { "unset", 1 }, { "chdir", 1 }, { "split-string", 1 }, { "block-signal", 2 },
        { "default-signal", 2 }, { "ignore-signal", 2 },
    };
    const char *eq = strchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    int found = -1, matches = 0;
    for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
        if (strncmp(opts[i].name, arg, len) == 0) {
            if (strlen(opts[i].name) == len) {
                found = (int)i;
                matches = 1;
                break;
            }
            found = (int)i;
            matches++;
        }
    *known = matches == 1;
    *value = eq ? eq + 1 : NULL;
    return *known ? opts[found].value : 0;
}

/* What env runs, read as GNU env reads its arguments: options (-i, -0, -v, -u NAME, -C DIR,
 * -S STRING, their long forms, --), then NAME=value assignments, then the program and its
 * arguments. True when that program is a shell (or env again running one), and when it cannot
 * be told with certainty (an unknown option, a placeholder naming the program): the scan errs
 * towards asking an administrator. */
static bool env_runs_a_shell(const char *const *argv, size_t n, int depth)
{
    if (depth > 8)
        return true;
    size_t i = 0;
    for (; i < n; i++) {
        const char *arg = argv[i], *split = NULL;
        if (strcmp(arg, "--") == 0) {
            i++;
            break;
        }
        if (arg[0] != '-' || strcmp(arg, "-") == 0) {
            if (strcmp(arg, "-") == 0)
                continue;   /* the old spelling of -i */
            break;
        }
        if (arg[1] == '-') {
            bool known;
            const char *value;
            int kind = env_long_option(arg + 2, &value, &known);
            if (!known)
                return true;
            if (kind == 1 && !value) {
                if (i + 1 == n)
                    return false;   /* env refuses to run */
                value = argv[++i];
            }
            if (strncmp(arg + 2, "split-string", strcspn(arg + 2, "=")) == 0 && kind == 1)
                split = value;
        } else {
            for (const char *c = arg + 1; *c; c++) {
                if (*c == 'i' || *c == '0' || *c == 'v')
                    continue;
                if (*c != 'u' && *c != 'C' && *c != 'S')
                    return true;
                const char *value = c[1] ? c + 1 : NULL;
                if (!value) {
                    if (i + 1 == n)
                        return false;
                    value = argv[++i];
                }
                if (*c == 'S')
                    split = value;
                break;
            }
        }
        if (split)
            return strstr(split, "{{") || env_split_runs_a_shell(split, argv + i + 1, n - i - 1, depth);
    }
    while (i < n && strchr(argv[i], '=') && argv[i][0] != '=')
        i++;   /* NAME=value */
    if (i == n)
        return false;   /* env alone prints the environment */
    if (strstr(argv[i], "{{"))
        return true;    /* the requester would name the program */
    const char *base = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];
    if (strcmp(base, "env") == 0)
        return env_runs_a_shell(argv + i + 1, n - i - 1, depth + 1);
    return shell_named(argv[i]);
}

static bool runs_a_shell(const struct template_step *s)
{
    const char *prog = s->program ? s->program : "", *base = strrchr(prog, '/');
    base = base ? base + 1 : prog;
    if (strstr(prog, "{{"))
        return true;    /* the requester would name the program */
    if (strcmp(base, "env") == 0)
        return env_runs_a_shell(s->argv, s->nargv, 0);
    return shell_named(prog);
}

struct unchecked {
    const struct template *t;
    json_object *report;
    size_t *n;
    const char *where;
    bool secret;          /* a secret reference reaches the step */
};

static void ph_unchecked(void *ctx, const char *name, size_t len)
{
    struct unchecked *u = ctx;
    const struct template_param *prm = template_param_find(u->t, name, len);
    if (!prm)
        return;
    if (prm->type == TPARAM_SECRET_REF)
        u->secret = true;
    if ((prm->type == TPARAM_STRING || prm->type == TPARAM_SECRET_REF) && !prm->pattern) {
        char what[200];
        snprintf(what, sizeof(what), "{{%s}} reaches a program's arguments with no pattern to bound it", prm->name);
        finding(u->report, u->n, "exec-unchecked-parameter", u->where, what);
    }
}

static void ph_secret(void *ctx, const char *name, size_t len)
{
    struct unchecked *u = ctx;
    const struct template_param *prm = template_param_find(u->t, name, len);
    if (prm && prm->type == TPARAM_SECRET_REF)
        u->secret = true;
}

static bool loopback_or_https(const char *url)
{
    if (strncmp(url, "https://", 8) == 0)
        return true;
    static const char *const loop[] = { "http://127.0.0.1", "http://localhost", "http://[::1]", NULL };
    for (size_t i = 0; loop[i]; i++) {
        size_t n = strlen(loop[i]);
        if (strncmp(url, loop[i], n) == 0 && (url[n] == '/' || url[n] == ':' || url[n] == '\0'))
            return true;
    }
    return false;
}

/* A placeholder in the url's scheme://host:port (or userinfo) part: a requester would choose
 * where the runner connects (another port of this host, another service). No "://": all of it
 * is. Values are percent-encoded, so a placeholder in the path cannot reach back into it. */
static bool placeholder_in_authority(const char *url)
{
    const char *sep = strstr(url, "://");
    const char *start = sep ? sep + 3 : url;
    size_t end = (size_t)(start - url) + strcspn(start, "/?#");
    const char *ph = strstr(url, "{{");
    return ph && (size_t)(ph - url) < end;
}

size_t template_scan(const struct template *t, bool trusted, json_object *report)
{
    size_t n = 0;
    char where[96];
    bool secret_step[TEMPLATE_ITEMS_MAX] = { false };
    const struct template_step *lists[2] = { t->steps, t->deprovision };
    size_t counts[2] = { t->nsteps, t->ndeprovision };
    for (size_t l = 0; l < 2; l++)
        for (size_t i = 0; i < counts[l]; i++) {
            const struct template_step *s = &lists[l][i];
            snprintf(where, sizeof(where), "%s/%zu (%s)", l ? "deprovision" : "steps", i, s->name);
            if (!template_driver_known(s->driver)) {
                char what[160];
                snprintf(what, sizeof(what), "no driver is called %s", s->driver);
                finding(report, &n, "unknown-driver", where, what);
            }
            struct unchecked u = { t, report, &n, where, false };
            if (strcmp(s->driver, "exec") == 0) {
                if (runs_a_shell(s) && !trusted)
                    finding(report, &n, "exec-shell", where, "runs a shell, which an administrator must allow by "
                                                             "marking the template trusted");
                template_placeholders(s->program, ph_unchecked, &u);
                for (size_t k = 0; k < s->nargv; k++)
                    template_placeholders(s->argv[k], ph_unchecked, &u);
                for (size_t k = 0; k < s->nargs; k++)
                    template_placeholders(s->args[k].value, ph_unchecked, &u);
            } else {
                for (size_t k = 0; k < s->nargs; k++)
                    template_placeholders(s->args[k].value, ph_secret, &u);
            }
            if (l == 0)
                secret_step[i] = u.secret;
            if (strcmp(s->driver, "webhook") == 0)
                for (size_t k = 0; k < s->nargs; k++)
                    if (strcmp(s->args[k].name, "url") == 0) {
                        if (!loopback_or_https(s->args[k].value))
                            finding(report, &n, "webhook-not-https", where, "a webhook URL is https (only loopback may be http)");
                        if (placeholder_in_authority(s->args[k].value))
                            finding(report, &n, "webhook-url-placeholder", where, "the url's scheme, host and port are the "
                                                                                  "template's: no placeholder before its path");
                    }
        }
    for (size_t i = 0; i < t->noutputs; i++) {
        const struct template_output *o = &t->outputs[i];
        if (o->secret)
            continue;
        for (size_t k = 0; k < t->nsteps; k++) {
            const struct template_step *s = &t->steps[k];
            if (strcmp(s->name, o->step) != 0)
                continue;
            /* a driver's secret output, or anything of a step a secret reaches */
            if (template_driver_output_secret(s->driver, o->field) || secret_step[k]) {
                snprintf(where, sizeof(where), "outputs/%zu (%s)", i, o->name);
                finding(report, &n, "secret-to-plain-output", where, "carries a secret but is not marked secret=\"true\"");
            }
        }
    }
    return n;
}
