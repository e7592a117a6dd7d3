/*
 * exec: runs one program, never through a shell.
 *
 * The program (an absolute path to an executable regular file) gets d->argv as its arguments,
 * the working directory <provision_exec_root>/<uid> (0700, kept across steps so apply and remove
 * share it), and only the environment the step declares plus PATH, HOME and PORTICO_RESOURCE_UID,
 * PORTICO_STEP, PORTICO_ACTION. It runs in a session of its own under rlimits, with stdin from
 * /dev/null and no other descriptor of the runner's; it dies with the runner (PDEATHSIG).
 * Each line it writes (at most 4000 bytes) goes to the job log; a stdout line
 * "::portico-output name=value" sets an output, "::portico-secret name=value" a secret one.
 * It is stopped at the step's timeout (SIGTERM to its group, SIGKILL 5 s later) or when the
 * runner's heartbeat says stop; what it leaves running in its group is killed when it exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner/drivers/driver.h"
#include "lib/subprocess.h"

#define EXEC_LINE_MAX 4000
#define EXEC_KILL_GRACE_SECONDS 5
#define EXEC_DRAIN_SECONDS 2     /* after the program exits, how long a grandchild may hold its pipes */
#define EXEC_ALIVE_SECONDS 1
#define EXEC_LOG_LINES_MAX 10000   /* a job log is for reading: a flood stops being logged */

static const char output_directive[] = "::portico-output ";
static const char secret_directive[] = "::portico-secret ";

struct exec_stream {
    int fd;                       /* -1 once closed */
    const char *name;             /* "stdout" | "stderr" */
    bool is_stdout;
    bool discarding;              /* the rest of an overlong secret line: never logged */
    int logged;                   /* lines logged so far */
    size_t len;
    char buf[EXEC_LINE_MAX + 1];
};

static bool output_name_ok(const char *s, size_t n)
{
    if (n < 1 || n > 63 || s[0] < 'a' || s[0] > 'z')
        return false;
    for (size_t i = 1; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
            return false;
    return true;
}

/* A directive line: set the output (registering a secret first) and log it without its value. */
static void exec_directive(struct driver_run *d, const char *line, bool secret, bool complete)
{
    const char *directive = secret ? "::portico-secret" : "::portico-output";
    const char *name = line + (secret ? sizeof(secret_directive) : sizeof(output_directive)) - 1;
    const char *eq = strchr(name, '=');
    if (!complete || !eq || !output_name_ok(name, (size_t)(eq - name))) {
        /* a secret's value is never logged, not even when the line is malformed */
        if (secret)
            d->log(d, "stdout", "::portico-secret (malformed or longer than 4000 bytes; ignored, not logged)");
        else
            d->log(d, "stdout", line);
        return;
    }
    const char *value = eq + 1;
    char *field = arena_strndup(d->arena, name, (size_t)(eq - name));
    if (secret && d->secret)
        d->secret(d, value);
    if (field)
        json_object_object_add(d->outputs, field, json_object_new_string(value));
    char logged[128];
    snprintf(logged, sizeof(logged), "%s %s=[set]", directive, field ? field : "?");
    d->log(d, "stdout", logged);
}

/* One line of the program's output (complete: it ended with a newline or at EOF, not at the cap). */
static void exec_line(struct driver_run *d, struct exec_stream *s, bool complete)
{
    bool was_discarding = s->discarding;
    s->discarding = false;
    if (was_discarding) {
        s->discarding = !complete;
        goto wipe;
    }
    s->buf[s->len] = '\0';
    if (s->len && s->buf[s->len - 1] == '\r')
        s->buf[--s->len] = '\0';
    for (size_t i = 0; i < s->len; i++)
        if (s->buf[i] == '\0')
            s->buf[i] = '?';   /* a NUL would cut the logged line short */
    if (s->is_stdout && strncmp(s->buf, secret_directive, sizeof(secret_directive) - 1) == 0) {
        exec_directive(d, s->buf, true, complete);
        s->discarding = !complete;
    } else if (s->is_stdout && strncmp(s->buf, output_directive, sizeof(output_directive) - 1) == 0) {
        exec_directive(d, s->buf, false, complete);
    } else if (s->logged < EXEC_LOG_LINES_MAX) {
        d->log(d, s->name, s->buf);
        if (++s->logged == EXEC_LOG_LINES_MAX)
            driver_logf(d, "%s: more than %d lines; the rest is not logged", s->name, EXEC_LOG_LINES_MAX);
    }
wipe:
    explicit_bzero(s->buf, s->len);
    s->len = 0;
}

/* The program's output, a chunk at a time, split into lines (and at the end a last unterminated
 * one): each logged, or taken as a directive. */
struct exec_watch {
    struct driver_run *d;
    struct exec_stream streams[2];   /* stdout, stderr */
    char **envp;
};

static int exec_output(void *ctx, enum subprocess_stream stream, const char *bytes, size_t n)
{
    struct exec_watch *w = ctx;
    struct exec_stream *s = &w->streams[stream == SUBPROCESS_STDOUT ? 0 : 1];
    if (!bytes) {
        if (s->len || s->discarding)
            exec_line(w->d, s, true);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (bytes[i] == '\n') {
            exec_line(w->d, s, true);
            continue;
        }
        s->buf[s->len++] = bytes[i];
        if (s->len == EXEC_LINE_MAX)
            exec_line(w->d, s, false);
    }
    return 0;
}

/* The child has its copy: the environment's values (secrets among them) go from here. */
static void exec_started(void *ctx)
{
    struct exec_watch *w = ctx;
    for (char **e = w->envp; *e; e++)
        explicit_bzero(*e, strlen(*e));
}

static int exec_alive(void *ctx)
{
    struct exec_watch *w = ctx;
    return w->d->alive ? w->d->alive(w->d) : 0;
}

static bool env_name_ok(const char *s)
{
    if (!s[0] || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
        return false;
    for (const char *c = s; *c; c++)
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
            return false;
    return true;
}

static bool env_name_reserved(const char *s)
{
    /* the runner's PORTICO_PARAM_<NAME> (each parameter) pass; the other PORTICO_ names are the driver's */
    return strcmp(s, "PATH") == 0 || strcmp(s, "HOME") == 0 || strcmp(s, "TRACEPARENT") == 0 ||
           (strncmp(s, "PORTICO_", 8) == 0 && strncmp(s, "PORTICO_PARAM_", 14) != 0);
}

/* The program, resolved (no link, no ".."), when it is one of the entries of allowed (':'
 * separated) or inside one of them that is a directory; NULL otherwise. The template scan keeps
 * shells out; this keeps out everything the platform team did not choose: an interpreter given
 * code in its arguments (python3 -c, perl -e, awk, find -exec, env -i sh ...) is a shell too. */
static const char *program_allowed(struct arena *a, const char *allowed, const char *program)
{
    char real[PATH_MAX], entry[PATH_MAX], dir[PATH_MAX];
    if (!realpath(program, real))
        return NULL;
    for (const char *s = allowed; *s;) {
        size_t n = strcspn(s, ":");
        if (n > 0 && n < sizeof(entry)) {
            memcpy(entry, s, n);
            entry[n] = '\0';
            if (realpath(entry, dir)) {
                size_t dn = strlen(dir);
                if (strcmp(real, dir) == 0 || (strncmp(real, dir, dn) == 0 && (real[dn] == '/' || dn == 1)))
                    return arena_strdup(a, real);
            }
        }
        s += n + (s[n] == ':');
    }
    return NULL;
}


static char **exec_environment(struct driver_run *d, const char *workdir)
{
    size_t n = d->env ? (size_t)json_object_object_length(d->env) : 0;
    char **envp = arena_calloc(d->arena, n + 7, sizeof(char *));
    if (!envp)
        return NULL;
    size_t k = 0;
    if (d->env) {
        json_object_object_foreach(d->env, name, value) {
            if (!env_name_ok(name) || env_name_reserved(name)) {
                driver_logf(d, "environment variable %s is not passed (not a plain name, or one Portico sets)", name);
                continue;
            }
            const char *text = json_object_is_type(value, json_type_string) ? json_object_get_string(value)
                                                                           : json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN);
            envp[k++] = arena_printf(d->arena, "%s=%s", name, text);
        }
    }
    envp[k++] = arena_strdup(d->arena, "PATH=/usr/local/bin:/usr/bin:/bin");
    envp[k++] = arena_printf(d->arena, "HOME=%s", workdir);
    envp[k++] = arena_printf(d->arena, "PORTICO_RESOURCE_UID=%s", d->resource_uid);
    envp[k++] = arena_printf(d->arena, "PORTICO_STEP=%s", d->step_name ? d->step_name : "");
    envp[k++] = arena_printf(d->arena, "PORTICO_ACTION=%s", d->remove ? "remove" : "apply");
    if (d->traceparent)   /* the attempt's span, as OpenTelemetry's SDKs read it from the environment */
        envp[k++] = arena_printf(d->arena, "TRACEPARENT=%s", d->traceparent);
    for (size_t i = 0; i < k; i++)
        if (!envp[i])
            return NULL;
    return envp;
}

static struct rlimit rlimit_of(rlim_t v)
{
    return (struct rlimit){ v, v };
}

static int exec_apply(struct driver_run *d)
{
    const struct config *cfg = d->cfg;
    if (!cfg->provision_exec_root[0])
        return driver_fail(d, "the exec driver is off (provision_exec_root is empty)");
    if (!driver_uid_ok(d->resource_uid))
        return driver_fail(d, "the resource uid is not 16 hexadecimal digits");
    struct stat st;
    if (!d->program || d->program[0] != '/')
        return driver_fail(d, "the program must be an absolute path");
    if (stat(d->program, &st) < 0 || !S_ISREG(st.st_mode) || access(d->program, X_OK) < 0)
        return driver_fail(d, "the program %s is not an executable regular file", d->program);
    const char *real = program_allowed(d->arena, cfg->provision_exec_programs, d->program);
    if (!real)
        return driver_fail(d, "the program %s is not one provision_exec_programs allows", d->program);
    const char *declared = d->program;   /* argv[0]: the name the template gave */
    d->program = real;                    /* what runs is what was checked, whatever a link points at later */

    const char *workdir = arena_printf(d->arena, "%s/%s", cfg->provision_exec_root, d->resource_uid);
    if (!workdir)
        return driver_fail(d, "out of memory");
    if (mkdir(workdir, 0700) < 0 && errno != EEXIST)
        return driver_fail(d, "cannot make the working directory %s: %s", workdir, strerror(errno));
    if (lstat(workdir, &st) < 0 || !S_ISDIR(st.st_mode))
        return driver_fail(d, "the working directory %s is not a directory", workdir);

    char **argv = arena_calloc(d->arena, d->nargv + 2, sizeof(char *));
    char **envp = exec_environment(d, workdir);
    if (!argv || !envp)
        return driver_fail(d, "out of memory");
    argv[0] = (char *)declared;
    for (size_t i = 0; i < d->nargv; i++)
        argv[i + 1] = (char *)d->argv[i];

    int timeout = d->timeout_seconds > 0 ? d->timeout_seconds : cfg->provision_step_timeout_seconds;
    struct rlimit cpu = rlimit_of((rlim_t)cfg->provision_exec_cpu_seconds),
                  as = rlimit_of((rlim_t)cfg->provision_exec_memory_mb * 1024 * 1024),
                  fsize = rlimit_of((rlim_t)cfg->provision_exec_file_mb * 1024 * 1024),
                  nproc = rlimit_of((rlim_t)cfg->provision_exec_processes), core = rlimit_of(0);
    struct exec_watch *w = arena_calloc(d->arena, 1, sizeof(*w));
    if (!w)
        return driver_fail(d, "out of memory");
    w->d = d;
    w->envp = envp;
    w->streams[0].name = "stdout";
    w->streams[0].is_stdout = true;
    w->streams[1].name = "stderr";
    struct subprocess_spec spec = {
        .program = d->program, .argv = argv, .envp = envp, .cwd = workdir, .own_session = true,
        .die_with_parent = true, .cpu = &cpu, .as = &as, .fsize = &fsize, .nproc = &nproc, .core = &core,
        .timeout = timeout, .term_grace = EXEC_KILL_GRACE_SECONDS, .drain = EXEC_DRAIN_SECONDS,
        .alive_every = EXEC_ALIVE_SECONDS, .on_output = exec_output, .started = exec_started, .alive = exec_alive,
        .ctx = w,
    };
    driver_logf(d, "running %s (%zu argument%s)", d->program, d->nargv, d->nargv == 1 ? "" : "s");
    struct subprocess_result r;
    int started = subprocess_run(&spec, &r);
    for (int i = 0; i < 2; i++)
        explicit_bzero(w->streams[i].buf, sizeof(w->streams[i].buf));
    if (started < 0) {
        exec_started(w);
        return driver_fail(d, "cannot start the program: %s", strerror(r.start_errno));
    }
    if (r.stopped)
        return driver_fail(d, "stopped: the job no longer runs here (cancelled, or its lease was lost)");
    if (r.timed_out) {
        driver_logf(d, "timed out after %d s: the program was stopped", timeout);
        return driver_fail(d, "timed out after %d s", timeout);
    }
    if (WIFEXITED(r.status) && WEXITSTATUS(r.status) != 0)
        return driver_fail(d, "exited with status %d", WEXITSTATUS(r.status));
    if (WIFSIGNALED(r.status))
        return driver_fail(d, "killed by signal %d", WTERMSIG(r.status));
    return 0;
}

const struct driver driver_exec = { "exec", NULL, exec_apply };
