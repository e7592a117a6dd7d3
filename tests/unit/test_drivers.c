/*
 * drivers: exec runs a program without a shell, with only the declared environment, under its
 * limits and timeout, and reads outputs and secrets from its stdout; git_repository makes one
 * marked bare repository however often it runs, seeds it from a skeleton with placeholders
 * filled, refuses another resource's, archives and removes; webhook sends its JSON with an
 * Idempotency-Key to a one-shot server and fails on a non-2xx answer; every driver's escape and
 * name checks refuse what it may not use. mariadb_database needs a server: only its names here.
 */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runner/drivers/driver.h"
#include "tests/loopback.h"
#include "tests/unit/suites.h"

#define UID_A "0123456789abcdef"
#define UID_B "fedcba9876543210"

static char tmp[256];
static char skeletons[4096];
static struct config cfg;
static struct arena a;

/* What the runner's services saw. */
struct capture {
    char log[65536];
    size_t log_len;
    char secrets[8][256];
    size_t nsecrets;
    int alive_calls;
    bool alive_stop;
};

static struct capture cap;

static void capture_log(struct driver_run *d, const char *stream, const char *line)
{
    struct capture *c = d->ctx;
    int n = snprintf(c->log + c->log_len, sizeof(c->log) - c->log_len, "%s: %s\n", stream, line);
    if (n > 0 && (size_t)n < sizeof(c->log) - c->log_len)
        c->log_len += (size_t)n;
}

static int capture_alive(struct driver_run *d)
{
    struct capture *c = d->ctx;
    c->alive_calls++;
    return c->alive_stop ? -1 : 0;
}

static void capture_secret(struct driver_run *d, const char *value)
{
    struct capture *c = d->ctx;
    if (c->nsecrets < 8)
        snprintf(c->secrets[c->nsecrets++], sizeof(c->secrets[0]), "%s", value);
}

/* A fresh run of a step for uid; the caller adds arguments. */
static void run_init(struct driver_run *d, const char *uid)
{
    memset(d, 0, sizeof(*d));
    memset(&cap, 0, sizeof(cap));
    arena_reset(&a);
    d->cfg = &cfg;
    d->arena = &a;
    d->resource_uid = uid;
    d->team = "payments";
    d->environment = "dev";
    d->step_name = "create";
    d->values = json_object_new_object();
    d->outputs = json_object_new_object();
    d->log = capture_log;
    d->alive = capture_alive;
    d->secret = capture_secret;
    d->ctx = &cap;
}

static void run_done(struct driver_run *d)
{
    json_object_put(d->values);
    json_object_put(d->outputs);
    json_object_put(d->env);
}

static void arg_add(struct driver_run *d, const char *name, const char *value)
{
    d->arg_names[d->nargs] = name;
    d->arg_values[d->nargs++] = value;
}

static const char *output(struct driver_run *d, const char *name)
{
    json_object *v;
    return json_object_object_get_ex(d->outputs, name, &v) ? json_object_get_string(v) : NULL;
}

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int setup(void)
{
    arena_init(&a, 0);
    snprintf(tmp, sizeof(tmp), "/tmp/portico-drivers-XXXXXX");
    if (!mkdtemp(tmp))
        return -1;
    config_defaults(&cfg);
    snprintf(cfg.provision_exec_root, sizeof(cfg.provision_exec_root), "%s/exec", tmp);
    snprintf(cfg.provision_git_root, sizeof(cfg.provision_git_root), "%s/git", tmp);
    snprintf(cfg.provision_git_archive, sizeof(cfg.provision_git_archive), "%s/archive", tmp);
    mkdir(cfg.provision_exec_root, 0700);
    mkdir(cfg.provision_git_root, 0700);
    /* the programs these tests run (a deployment lists its own, not these) */
    snprintf(cfg.provision_exec_programs, sizeof(cfg.provision_exec_programs), "/bin:/usr/bin");
    /* the fixtures beside this file, wherever the build tree is */
    char here[4096];
    snprintf(here, sizeof(here), "%s", __FILE__);
    snprintf(skeletons, sizeof(skeletons), "%s/../fixtures/skeletons", dirname(here));
    char *real = realpath(skeletons, NULL);
    if (real) {
        snprintf(cfg.provision_git_skeletons, sizeof(cfg.provision_git_skeletons), "%s", real);
        free(real);
    }
    return 0;
}

static int teardown(void)
{
    nftw(tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    arena_free(&a);
    return 0;
}

/* ---- exec ------------------------------------------------------------------------------------- */

static int exec_run(struct driver_run *d, const char *program, const char *const argv[])
{
    d->program = program;
    for (d->nargv = 0; argv && argv[d->nargv]; d->nargv++)
        d->argv[d->nargv] = argv[d->nargv];
    return driver_exec.apply(d);
}

/* Only what provision_exec_programs names runs, however the path is spelled. */
static void test_exec_programs_allowed(void)
{
    struct driver_run d;
    char saved[sizeof(cfg.provision_exec_programs)];
    snprintf(saved, sizeof(saved), "%s", cfg.provision_exec_programs);
    snprintf(cfg.provision_exec_programs, sizeof(cfg.provision_exec_programs), "/bin/echo:/nonexistent");
    const char *argv[] = { "-c", "echo no", NULL };
    static const char *const refused[] = { "/usr/bin/env", "/bin/sh", "/usr/bin/../bin/sh", "/bin/../usr/bin/python3" };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        run_init(&d, UID_A);
        CU_ASSERT_EQUAL(exec_run(&d, refused[i], argv), -1);
        CU_ASSERT_PTR_NULL(strstr(cap.log, "stdout: no"));
        run_done(&d);
    }
    run_init(&d, UID_A);
    CU_ASSERT_EQUAL(exec_run(&d, "/bin/sh", argv), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.error, "provision_exec_programs"));
    run_done(&d);
    run_init(&d, UID_A);
    const char *hello[] = { "hello", NULL };
    CU_ASSERT_EQUAL(exec_run(&d, "/usr/bin/../bin/echo", hello), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(cap.log, "stdout: hello\n"));
    run_done(&d);
    snprintf(cfg.provision_exec_programs, sizeof(cfg.provision_exec_programs), "%s", saved);
}

static void test_exec_logs_lines(void)
{
    struct driver_run d;
    run_init(&d, UID_A);
    const char *argv[] = { "hello", "world", NULL };
    CU_ASSERT_EQUAL(exec_run(&d, "/bin/echo", argv), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(cap.log, "stdout: hello world\n"));
    run_done(&d);

    run_init(&d, UID_A);
    const char *err[] = { "/nonexistent/file", NULL };
    CU_ASSERT_EQUAL(exec_run(&d, "/bin/ls", err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(cap.log, "stderr: /bin/ls: cannot access"));
    CU_ASSERT_PTR_NOT_NULL(strstr(d.error, "exited with status 2"));
    run_done(&d);
}

static void test_exec_no_shell(void)
{
    struct driver_run d;
    run_init(&d, UID_A);
    const char *argv[] = { "%s\\n", "$(id) ; rm -rf x `id` | cat > y", NULL };
    CU_ASSERT_EQUAL(exec_run(&d, "/usr/bin/printf", argv), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(cap.log, "stdout: $(id) ; rm -rf x `id` | cat > y\n"));
    CU_ASSERT_PTR_NULL(strstr(cap.log, "uid="));
    run_done(&d);
}

static void test_exec_environment_only_declared(void)
{
    struct driver_run d;
    setenv("PORTICO_DRIVERS_TEST_LEAK", "leaked", 1);
    run_init(&d, UID_A);
    d.step_name = "setup";
    d.env = json_object_new_object();
    json_object_object_add(d.env, "GREETING", json_object_new_string("hi there"));
    json_object_object_add(d.env, "PATH", json_object_new_string("/tmp/evil"));
    CU_ASSERT_EQUAL(exec_run(&d, "/usr/bin/env", NULL), 0);
    char workdir[512], expect[4096];
    snprintf(workdir, sizeof(workdir), "%s/" UID_A, cfg.provision_exec_root);
    snprintf(expect, sizeof(expect),
             "stdout: GREETING=hi there\nstdout: PATH=/usr/local/bin:/usr/bin:/bin\nstdout: HOME=%s\n"
             "stdout: PORTICO_RESOURCE_UID=" UID_A "\nstdout: PORTICO_STEP=setup\nstdout: PORTICO_ACTION=apply\n",
             workdir);
    CU_ASSERT_PTR_NOT_NULL(strstr(cap.log, expect));
    size_t lines = 0;
    for (const char *s = cap.log; (s = strstr(s, "stdout: ")); s++)
        lines++;
    CU_ASSERT_EQUAL(lines, 6);   /* nothing else */
    CU_ASSERT_PTR_NULL(strstr(cap.log, "LEAK"));
    CU_ASSERT_PTR_NULL(strstr(cap.log, "/tmp/evil"));
    struct stat st;
    CU_ASSERT_EQUAL(stat(workdir, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0700);
    run_done(&d);

    /* a remove step says so; the working directory is the program's */
    run_init(&d, UID_A);
    d.remove = true;
    CU_ASSERT_EQUAL(exec_run(&d, "/usr/bin/env", NULL), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(cap.log, "stdout: PORTICO_ACTION=remove\n"));
    run_done(&d);
    run_init(&d, UID_A);
    CU_ASSERT_EQUAL(exec_run(&d, "/bin/pwd", NULL), 0);
    snprintf(expect, sizeof(expect), "stdout: %s\n", workdir);
    CU_ASSERT_PTR_NOT_NULL(strstr(cap.log, expect));
    run_done(&d);
    unsetenv("PORTICO_DRIVERS_TEST_LEAK");
}

static void test_exec_timeout_kills(void)
{
    struct driver_run d;
    run_init(&d, UID_A);
    d.timeout_seconds = 1;
    const char *argv[] = { "30", NULL };
    double start = seconds_now();
    CU_ASSERT_EQUAL(exec_run(&d, "/bin/sleep", argv), -1);
    CU_ASSERT(seconds_now() - start < 4);
    CU_ASSERT_STRING_EQUAL(d.error, "timed out after 1 s");
    run_done(&d);
}

static void test_exec_file_size_limit(void)
{
    struct driver_run d;
    run_init(&d, UID_A);
    int saved = cfg.provision_exec_file_mb;
    cfg.provision_exec_file_mb = 1;
    const char *argv[] = { "if=/dev/zero", "of=big", "bs=65536", "count=64", NULL };   /* 4 MiB */
    CU_ASSERT_EQUAL(exec_run(&d, "/bin/dd", argv), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.error, "killed by signal 25"));   /* SIGXFSZ */
    char big[512];
    struct stat st;
    snprintf(big, sizeof(big), "%s/" UID_A "/big", cfg.provision_exec_root);
    CU_ASSERT_EQUAL(stat(big, &st), 0);
    CU_ASSERT(st.st_size <= 1024 * 1024);
    unlink(big);
    cfg.provision_exec_file_mb = saved;
    run_done(&d);
}

static void test_exec_failures(void)
{
    struct driver_run d;
    run_init(&d, UID_A);
    CU_ASSERT_EQUAL(exec_run(&d, "/bin/false", NULL), -1);
    CU_ASSERT_STRING_EQUAL(d.error, "exited with status 1");
    run_done(&d);

    run_init(&d, UID_A);
    CU_ASSERT_EQUAL(exec_run(&d, "/nonexistent/program", NULL), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.error, "not an executable regular file"));
    run_done(&d);

    run_init(&d, UID_A);
    CU_ASSERT_EQUAL(exec_run(&d, "echo", NULL), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.error, "absolute path"));
    run_done(&d);

    run_init(&d, UID_A);
    CU_ASSERT_EQUAL(exec_run(&d, "/etc", NULL), -1);   /* a directory */
    run_done(&d);

    /* off without a root */
    run_init(&d, UID_A);
    char saved[sizeof(cfg.provision_exec_root)];
    memcpy(saved, cfg.provision_exec_root, sizeof(saved));
    cfg.provision_exec_root[0] = '\0';
    CU_ASSERT_EQUAL(exec_run(&d, "/bin/true", NULL), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.error, "off"));
    memcpy(cfg.provision_exec_root, saved, sizeof(saved));
    run_done(&d);
}

static void test_exec_outputs_and_secrets(void)
{
    struct driver_run d;
    run_init(&d, UID_A);
    const char *argv[] = {
        "::portico-output url=https://svc.example.com/x?a=b\n"
        "::portico-secret token=s3cr3t-Value\n"
        "::portico-output Bad=1\n"
        "::portico-secret bad name=hidden-Value\n"
        "plain line\n",
        NULL,
    };
    CU_ASSERT_EQUAL(exec_run(&d, "/usr/bin/printf", argv), 0);
    CU_ASSERT_STRING_EQUAL(output(&d, "url"), "https://svc.example.com/x?a=b");
    CU_ASSERT_STRING_EQUAL(output(&d, "token"), "s3cr3t-Value");
    CU_ASSERT_PTR_NULL(output(&d, "Bad"));
    CU_ASSERT_EQUAL(cap.nsecrets, 1);
    CU_ASSERT_STRING_EQUAL(cap.secrets[0], "s3cr3t-Value");
    CU_ASSERT_PTR_NOT_NULL(strstr(cap.log, "stdout: ::portico-output url=[set]\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(cap.log, "stdout: ::portico-secret token=[set]\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(cap.log, "stdout: plain line\n"));
    CU_ASSERT_PTR_NULL(strstr(cap.log, "s3cr3t"));
    CU_ASSERT_PTR_NULL(strstr(cap.log, "hidden-Value"));
    run_done(&d);

    /* stderr cannot set outputs */
    run_init(&d, UID_A);
    const char *err[] = { "::portico-output x=1", NULL };
    CU_ASSERT_EQUAL(exec_run(&d, "/bin/ls", err), -1);
    CU_ASSERT_PTR_NULL(output(&d, "x"));
    run_done(&d);
}

static void test_exec_long_lines_split(void)
{
    struct driver_run d;
    run_init(&d, UID_A);
    const char *argv[] = { "if=/dev/zero", "bs=9000", "count=1", "status=none", NULL };
    CU_ASSERT_EQUAL(exec_run(&d, "/bin/dd", argv), 0);
    /* 9000 bytes of NUL: logged as 4000 + 4000 + 1000, NULs made visible */
    size_t lines = 0;
    for (const char *s = cap.log; (s = strstr(s, "stdout: ")); s++)
        lines++;
    CU_ASSERT_EQUAL(lines, 3);
    run_done(&d);
}

static void test_exec_alive_stops(void)
{
    struct driver_run d;
    run_init(&d, UID_A);
    cap.alive_stop = true;
    d.timeout_seconds = 60;
    const char *argv[] = { "30", NULL };
    double start = seconds_now();
    CU_ASSERT_EQUAL(exec_run(&d, "/bin/sleep", argv), -1);
    CU_ASSERT(seconds_now() - start < 4);
    CU_ASSERT(cap.alive_calls >= 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.error, "stopped"));
    run_done(&d);
}

/* ---- git_repository --------------------------------------------------------------------------- */

static int git_step(const char *uid, bool remove, const char *name, const char *skeleton, const char *archive,
                    struct driver_run *d)
{
    run_init(d, uid);
    d->remove = remove;
    arg_add(d, "name", name);
    if (skeleton)
        arg_add(d, "skeleton", skeleton);
    if (archive)
        arg_add(d, "archive", archive);
    json_object_object_add(d->values, "name", json_object_new_string("billing"));
    return driver_git_repository.apply(d);
}

/* Run a program (no shell) and wait; its exit status. */
static int run_program(const char *const argv[])
{
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *file_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[8192];
    *len = fread(buf, 1, sizeof(buf) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static void test_git_apply_twice_one_repository(void)
{
    struct driver_run d;
    CU_ASSERT_EQUAL(git_step(UID_A, false, "plain", NULL, NULL, &d), 0);
    char repo[512], marker[600];
    snprintf(repo, sizeof(repo), "%s/plain.git", cfg.provision_git_root);
    snprintf(marker, sizeof(marker), "%s/portico-resource", repo);
    CU_ASSERT_STRING_EQUAL(output(&d, "path"), repo);
    CU_ASSERT_STRING_EQUAL(output(&d, "default_branch"), "main");
    CU_ASSERT_STRING_EQUAL(output(&d, "name"), "plain");
    run_done(&d);
    CU_ASSERT_EQUAL(git_step(UID_A, false, "plain", NULL, NULL, &d), 0);
    CU_ASSERT_STRING_EQUAL(output(&d, "path"), repo);
    run_done(&d);
    size_t len;
    const char *uid = file_read(marker, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(uid);
    CU_ASSERT_STRING_EQUAL(uid, UID_A "\n");
    /* nothing else in the root: no second repository, no leftovers */
    int entries = 0;
    char listing[512];
    snprintf(listing, sizeof(listing), "%s", cfg.provision_git_root);
    DIR *dir = opendir(listing);
    for (struct dirent *e; dir && (e = readdir(dir));)
        if (e->d_name[0] != '.' || (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")))
            entries++;
    if (dir)
        closedir(dir);
    CU_ASSERT_EQUAL(entries, 1);
    /* another resource may not have it */
    CU_ASSERT_EQUAL(git_step(UID_B, false, "plain", NULL, NULL, &d), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.error, "not this resource's"));
    run_done(&d);
    CU_ASSERT_EQUAL(git_step(UID_B, true, "plain", NULL, "false", &d), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.error, "not this resource's"));
    run_done(&d);
    struct stat st;
    CU_ASSERT_EQUAL(stat(marker, &st), 0);
}

static void test_git_skeleton_seeded_and_cloned(void)
{
    struct driver_run d;
    CU_ASSERT_STRING_NOT_EQUAL_FATAL(cfg.provision_git_skeletons, "");
    CU_ASSERT_EQUAL(git_step(UID_A, false, "billing-api", "service", NULL, &d), 0);
    if (d.error[0])
        fprintf(stderr, "\n    %s\n%s", d.error, cap.log);
    char url[600];
    snprintf(url, sizeof(url), "%s", output(&d, "url") ? output(&d, "url") : "");
    CU_ASSERT_STRING_EQUAL(url + strlen(url) - strlen("/billing-api.git"), "/billing-api.git");
    CU_ASSERT_EQUAL(strncmp(url, "file:///", 8), 0);
    run_done(&d);
    /* again: seeded once, not twice */
    CU_ASSERT_EQUAL(git_step(UID_A, false, "billing-api", "service", NULL, &d), 0);
    CU_ASSERT_PTR_NULL(strstr(cap.log, "seeded"));
    run_done(&d);

    char clone[512], path[700], fixture[4200];
    snprintf(clone, sizeof(clone), "%s/clone", tmp);
    const char *argv[] = { "/usr/bin/git", "clone", "--quiet", url, clone, NULL };
    CU_ASSERT_EQUAL_FATAL(run_program(argv), 0);
    size_t len;
    snprintf(path, sizeof(path), "%s/README.md", clone);
    const char *readme = file_read(path, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(readme);
    CU_ASSERT_EQUAL(strncmp(readme, "# billing\n", 10), 0);
    CU_ASSERT_PTR_NULL(strstr(readme, "{{name}}"));
    snprintf(path, sizeof(path), "%s/docs/index.md", clone);
    const char *index = file_read(path, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(index);
    CU_ASSERT_PTR_NOT_NULL(strstr(index, "# billing: documentation"));
    CU_ASSERT_PTR_NOT_NULL(strstr(index, "${{ github.sha }}"));
    CU_ASSERT_PTR_NOT_NULL(strstr(index, "{{not_a_parameter}}"));
    /* a binary file is copied as it is, placeholder and all */
    char copied[64], original[64];
    size_t copied_len, original_len;
    snprintf(path, sizeof(path), "%s/logo.bin", clone);
    const char *bin = file_read(path, &copied_len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bin);
    memcpy(copied, bin, copied_len < sizeof(copied) ? copied_len : sizeof(copied));
    snprintf(fixture, sizeof(fixture), "%s/service/logo.bin", cfg.provision_git_skeletons);
    bin = file_read(fixture, &original_len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bin);
    memcpy(original, bin, original_len < sizeof(original) ? original_len : sizeof(original));
    CU_ASSERT_EQUAL(copied_len, original_len);
    CU_ASSERT_EQUAL(memcmp(copied, original, copied_len < sizeof(copied) ? copied_len : sizeof(copied)), 0);
    nftw(clone, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_git_remove_archives_then_removes(void)
{
    struct driver_run d;
    CU_ASSERT_EQUAL(git_step(UID_A, false, "to-remove", NULL, NULL, &d), 0);
    run_done(&d);
    CU_ASSERT_EQUAL(git_step(UID_A, true, "to-remove", NULL, NULL, &d), 0);   /* archive: the default */
    run_done(&d);
    char repo[512], archive[600];
    snprintf(repo, sizeof(repo), "%s/to-remove.git", cfg.provision_git_root);
    snprintf(archive, sizeof(archive), "%s/to-remove-" UID_A ".tar.gz", cfg.provision_git_archive);
    struct stat st;
    CU_ASSERT_EQUAL(stat(repo, &st), -1);
    CU_ASSERT_EQUAL(stat(archive, &st), 0);
    const char *list[] = { "/usr/bin/tar", "--list", "--gzip", "--file", archive, "to-remove.git/portico-resource", NULL };
    CU_ASSERT_EQUAL(run_program(list), 0);
    /* gone is success */
    CU_ASSERT_EQUAL(git_step(UID_A, true, "to-remove", NULL, NULL, &d), 0);
    run_done(&d);
    /* without an archive when asked not to */
    CU_ASSERT_EQUAL(git_step(UID_B, false, "no-archive", NULL, NULL, &d), 0);
    run_done(&d);
    CU_ASSERT_EQUAL(git_step(UID_B, true, "no-archive", NULL, "false", &d), 0);
    run_done(&d);
    snprintf(archive, sizeof(archive), "%s/no-archive-" UID_B ".tar.gz", cfg.provision_git_archive);
    CU_ASSERT_EQUAL(stat(archive, &st), -1);
}

static void test_git_refuses_bad_names(void)
{
    const char *bad[] = { "../etc", "a/b", "Upper", ".hidden", "a..b", "-x", "", "a b", NULL };
    struct driver_run d;
    for (size_t i = 0; bad[i]; i++) {
        CU_ASSERT_EQUAL(git_step(UID_A, false, bad[i], NULL, NULL, &d), -1);
        run_done(&d);
    }
    CU_ASSERT_EQUAL(git_step(UID_A, false, "good", "../service", NULL, &d), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.error, "skeleton"));
    run_done(&d);
    CU_ASSERT_EQUAL(git_step(UID_A, false, "good", "missing", NULL, &d), -1);
    run_done(&d);
    /* nothing was made by the refused ones, only the marked "good" of the last try */
    struct stat st;
    char path[600];
    snprintf(path, sizeof(path), "%s/etc.git", cfg.provision_git_root);
    CU_ASSERT_EQUAL(stat(path, &st), -1);
    CU_ASSERT_PTR_NULL(driver_git_repository.escape(&a, "one\nline", NULL));
    CU_ASSERT_PTR_NOT_NULL(driver_git_repository.escape(&a, "billing-api", NULL));
}

/* ---- mariadb_database: names only ------------------------------------------------------------- */

static void test_mariadb_names(void)
{
    const struct driver *m = &driver_mariadb_database;
    CU_ASSERT_PTR_NOT_NULL(m->escape(&a, "billing_1", NULL));
    const char *bad[] = { "", "Billing", "a-b", "a;drop", "x`y", "a'b", "a b", "a%", "a\\_", NULL };
    for (size_t i = 0; bad[i]; i++)
        CU_ASSERT_PTR_NULL(m->escape(&a, bad[i], NULL));
    char longest[70];
    memset(longest, 'a', 65);
    longest[65] = '\0';
    CU_ASSERT_PTR_NULL(m->escape(&a, longest, NULL));

    struct driver_run d;
    snprintf(cfg.provision_mariadb_user, sizeof(cfg.provision_mariadb_user), "portico_provisioner");
    snprintf(cfg.provision_mariadb_socket, sizeof(cfg.provision_mariadb_socket), "%s/no-such.sock", tmp);
    /* with the prefix "p_": at most 30 (the user has the database's name) */
    memset(longest, 'a', 31);
    longest[31] = '\0';
    run_init(&d, UID_A);
    arg_add(&d, "database", longest);
    CU_ASSERT_EQUAL(m->apply(&d), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.error, "database name"));
    run_done(&d);
    /* the user is never chosen apart from the database (it would name someone else's) */
    run_init(&d, UID_A);
    arg_add(&d, "database", "billing");
    arg_add(&d, "user", "victim");
    CU_ASSERT_EQUAL(m->apply(&d), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.error, "named after the database"));
    run_done(&d);
    run_init(&d, UID_A);
    CU_ASSERT_EQUAL(m->apply(&d), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.error, "required"));
    run_done(&d);
    /* valid names get as far as the server (none here) */
    run_init(&d, UID_A);
    arg_add(&d, "database", "billing");
    CU_ASSERT_EQUAL(m->apply(&d), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.error, "cannot connect"));
    CU_ASSERT_EQUAL(cap.nsecrets, 0);
    run_done(&d);
    /* off without an account */
    cfg.provision_mariadb_user[0] = '\0';
    run_init(&d, UID_A);
    arg_add(&d, "database", "billing");
    CU_ASSERT_EQUAL(m->apply(&d), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.error, "off"));
    run_done(&d);
}

/* ---- webhook ---------------------------------------------------------------------------------- */

static void test_webhook_sends_and_checks(void)
{
    int port, fd;
    cfg.provision_webhook_allow_loopback = 1;   /* the servers here are on loopback */
    pid_t server = loopback_once(201, "{}", &port, &fd);
    CU_ASSERT_FATAL(server > 0);
    struct driver_run d;
    run_init(&d, UID_A);
    d.step_name = "notify";
    json_object_object_add(d.values, "name", json_object_new_string("billing"));
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", port);
    arg_add(&d, "url", url);
    CU_ASSERT_EQUAL(driver_webhook.apply(&d), 0);
    CU_ASSERT_STRING_EQUAL(output(&d, "status") ? output(&d, "status") : "", "201");
    static char req[16384];
    ssize_t n, got = 0;
    while ((n = read(fd, req + got, sizeof(req) - 1 - (size_t)got)) > 0)
        got += n;
    req[got > 0 ? got : 0] = '\0';
    close(fd);
    waitpid(server, NULL, 0);
    CU_ASSERT_EQUAL(strncmp(req, "POST /hook HTTP/1.1\r\n", 21), 0);
    CU_ASSERT_PTR_NOT_NULL(strcasestr(req, "Idempotency-Key: " UID_A "-notify-apply\r\n"));
    CU_ASSERT_PTR_NOT_NULL(strcasestr(req, "Content-Type: application/json\r\n"));
    char *body = strstr(req, "\r\n\r\n");
    json_object *sent = body ? json_tokener_parse(body + 4) : NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(sent);
    json_object *v, *params;
    CU_ASSERT(json_object_object_get_ex(sent, "resource_uid", &v) && strcmp(json_object_get_string(v), UID_A) == 0);
    CU_ASSERT(json_object_object_get_ex(sent, "action", &v) && strcmp(json_object_get_string(v), "apply") == 0);
    CU_ASSERT(json_object_object_get_ex(sent, "team", &v) && strcmp(json_object_get_string(v), "payments") == 0);
    CU_ASSERT(json_object_object_get_ex(sent, "environment", &v) && strcmp(json_object_get_string(v), "dev") == 0);
    CU_ASSERT(json_object_object_get_ex(sent, "parameters", &params) && json_object_object_get_ex(params, "name", &v) &&
              strcmp(json_object_get_string(v), "billing") == 0);
    json_object_put(sent);
    run_done(&d);

    /* a non-2xx answer fails with the status alone: the answer is not the requester's to read */
    server = loopback_once(500, "boom\x01 and more", &port, &fd);
    CU_ASSERT_FATAL(server > 0);
    run_init(&d, UID_A);
    d.remove = true;
    snprintf(url, sizeof(url), "http://localhost:%d/hook", port);
    arg_add(&d, "url", url);
    arg_add(&d, "method", "DELETE");
    CU_ASSERT_EQUAL(driver_webhook.apply(&d), -1);
    CU_ASSERT_STRING_EQUAL(d.error, "the webhook answered 500");
    while ((n = read(fd, req, sizeof(req) - 1)) > 0)
        req[n] = '\0';
    CU_ASSERT_EQUAL(strncmp(req, "DELETE /hook", 12), 0);
    close(fd);
    waitpid(server, NULL, 0);
    run_done(&d);
    cfg.provision_webhook_allow_loopback = 0;
}

/* Loopback and private addresses only where the settings allow them, checked on the address
 * connected to (a name or a spelling of 127.0.0.1 the text check does not know is caught). */
static void test_webhook_refuses_local_addresses(void)
{
    static const struct { const char *url; const char *why; int loopback, private_; } cases[] = {
        { "http://127.0.0.1:1/hook", "provision_webhook_allow_loopback", 0, 1 },
        { "https://localhost:1/hook", "provision_webhook_allow_loopback", 0, 1 },
        { "https://127.0.0.2:1/hook", "provision_webhook_allow_loopback", 0, 1 },
        { "https://[::ffff:127.0.0.1]:1/hook", "provision_webhook_allow_loopback", 0, 1 },
        { "https://0.0.0.0:1/hook", "provision_webhook_allow_loopback", 0, 1 },
        { "https://[::1]:1/hook", "provision_webhook_allow_loopback", 0, 1 },
        { "https://10.1.2.3:1/hook", "provision_webhook_allow_private", 1, 0 },
        { "https://172.20.0.1:1/hook", "provision_webhook_allow_private", 1, 0 },
        { "https://192.168.1.1:1/hook", "provision_webhook_allow_private", 1, 0 },
        { "https://169.254.169.254:1/latest", "provision_webhook_allow_private", 1, 0 },
        { "https://[fe80::1]:1/hook", "provision_webhook_allow_private", 1, 0 },
        { "https://[fd00::1]:1/hook", "provision_webhook_allow_private", 1, 0 },
        { "https://224.0.0.1:1/hook", "multicast", 1, 1 },
    };
    struct driver_run d;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cfg.provision_webhook_allow_loopback = cases[i].loopback;
        cfg.provision_webhook_allow_private = cases[i].private_;
        run_init(&d, UID_A);
        arg_add(&d, "url", cases[i].url);
        CU_ASSERT_EQUAL(driver_webhook.apply(&d), -1);
        if (!strstr(d.error, cases[i].why))
            fprintf(stderr, "\n    %s: %s\n", cases[i].url, d.error);
        CU_ASSERT_PTR_NOT_NULL(strstr(d.error, cases[i].why));
        run_done(&d);
    }
    /* http leaves the host only as https, even where private addresses are allowed */
    cfg.provision_webhook_allow_loopback = 1;
    cfg.provision_webhook_allow_private = 1;
    run_init(&d, UID_A);
    arg_add(&d, "url", "http://10.1.2.3:1/hook");
    CU_ASSERT_EQUAL(driver_webhook.apply(&d), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.error, "https"));
    run_done(&d);
    cfg.provision_webhook_allow_loopback = 0;
    cfg.provision_webhook_allow_private = 0;
}

static void test_webhook_refuses_urls(void)
{
    const char *bad[] = { "http://example.com/hook", "ftp://127.0.0.1/x", "https://user:pw@example.com/", "not a url", NULL };
    struct driver_run d;
    for (size_t i = 0; bad[i]; i++) {
        run_init(&d, UID_A);
        arg_add(&d, "url", bad[i]);
        CU_ASSERT_EQUAL(driver_webhook.apply(&d), -1);
        CU_ASSERT_PTR_NULL(strstr(d.error, "pw@"));
        run_done(&d);
    }
    run_init(&d, UID_A);
    arg_add(&d, "url", "https://127.0.0.1:1/");
    arg_add(&d, "method", "GET\r\nX-Evil: 1");
    CU_ASSERT_EQUAL(driver_webhook.apply(&d), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.error, "method"));
    run_done(&d);
    CU_ASSERT_STRING_EQUAL(driver_webhook.escape(&a, "a b/c?d=e&f", NULL), "a%20b%2Fc%3Fd%3De%26f");
    CU_ASSERT_STRING_EQUAL(driver_webhook.escape(&a, "billing-api_1.x~", NULL), "billing-api_1.x~");
}

void suite_drivers(void)
{
    CU_pSuite s = CU_add_suite("drivers", setup, teardown);
    CU_add_test(s, "exec: only the programs provision_exec_programs allows", test_exec_programs_allowed);
    CU_add_test(s, "exec: each line of output is logged", test_exec_logs_lines);
    CU_add_test(s, "exec: arguments reach the program literally, no shell", test_exec_no_shell);
    CU_add_test(s, "exec: the environment is only what was declared", test_exec_environment_only_declared);
    CU_add_test(s, "exec: the timeout kills the program", test_exec_timeout_kills);
    CU_add_test(s, "exec: RLIMIT_FSIZE stops a program writing past it", test_exec_file_size_limit);
    CU_add_test(s, "exec: a failing or missing program fails the step", test_exec_failures);
    CU_add_test(s, "exec: outputs and secret outputs, secrets registered and never logged", test_exec_outputs_and_secrets);
    CU_add_test(s, "exec: overlong lines are split at 4000 bytes", test_exec_long_lines_split);
    CU_add_test(s, "exec: alive() saying stop stops the program", test_exec_alive_stops);
    CU_add_test(s, "git_repository: apply twice makes one marked repository", test_git_apply_twice_one_repository);
    CU_add_test(s, "git_repository: a skeleton is seeded with placeholders filled", test_git_skeleton_seeded_and_cloned);
    CU_add_test(s, "git_repository: remove archives, then removes; gone is success", test_git_remove_archives_then_removes);
    CU_add_test(s, "git_repository: bad names are refused", test_git_refuses_bad_names);
    CU_add_test(s, "mariadb_database: names are validated", test_mariadb_names);
    CU_add_test(s, "webhook: sends JSON with an Idempotency-Key; non-2xx fails", test_webhook_sends_and_checks);
    CU_add_test(s, "webhook: only https (http to loopback), no credentials", test_webhook_refuses_urls);
    CU_add_test(s, "webhook: loopback and private addresses only where allowed, on the address", test_webhook_refuses_local_addresses);
}
