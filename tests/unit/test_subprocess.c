/*
 * subprocess: output by stream and its end, exit status, a failed exec, the timeout (with and
 * without a grace a program may ignore), a heartbeat that stops it, a bound on output, and what a
 * program leaves running in its group.
 */
#include <CUnit/CUnit.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "lib/monotime.h"
#include "lib/subprocess.h"
#include "tests/unit/suites.h"

struct seen {
    char out[4096], err[4096];
    size_t nout, nerr;
    int ends;
    size_t cut_at;       /* 0: never ask to stop */
    int beats, stop_after;
    int after_cut;       /* chunks passed on after it asked to stop */
};

static int collect(void *ctx, enum subprocess_stream stream, const char *bytes, size_t n)
{
    struct seen *s = ctx;
    if (!bytes) {
        s->ends++;
        return 0;
    }
    char *buf = stream == SUBPROCESS_STDOUT ? s->out : s->err;
    size_t *len = stream == SUBPROCESS_STDOUT ? &s->nout : &s->nerr;
    if (s->cut_at && *len >= s->cut_at)
        s->after_cut++;
    size_t room = 4095 - *len;
    memcpy(buf + *len, bytes, n < room ? n : room);
    *len += n < room ? n : room;
    buf[*len] = '\0';
    return s->cut_at && *len >= s->cut_at;
}

static int beat(void *ctx)
{
    struct seen *s = ctx;
    return ++s->beats >= s->stop_after ? -1 : 0;
}

static int run_sh(const char *script, struct subprocess_spec *spec, struct subprocess_result *r, struct seen *s)
{
    static char *argv[4];
    argv[0] = "sh";
    argv[1] = "-c";
    argv[2] = (char *)script;
    argv[3] = NULL;
    spec->program = "/bin/sh";
    spec->argv = argv;
    spec->on_output = collect;
    spec->ctx = s;
    return subprocess_run(spec, r);
}

static void test_streams_and_status(void)
{
    struct subprocess_spec spec = { 0 };
    struct subprocess_result r;
    struct seen s = { 0 };
    CU_ASSERT_EQUAL(run_sh("echo out; echo err >&2; exit 3", &spec, &r, &s), 0);
    CU_ASSERT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 3);
    CU_ASSERT_STRING_EQUAL(s.out, "out\n");
    CU_ASSERT_STRING_EQUAL(s.err, "err\n");
    CU_ASSERT_EQUAL(s.ends, 2);   /* each stream's end, once */
    CU_ASSERT_FALSE(r.timed_out || r.stopped || r.cut);
    /* one stream, in order */
    struct subprocess_spec merged = { .merge_stderr = true };
    struct seen m = { 0 };
    CU_ASSERT_EQUAL(run_sh("echo a; echo b >&2; echo c", &merged, &r, &m), 0);
    CU_ASSERT_STRING_EQUAL(m.out, "a\nb\nc\n");
    CU_ASSERT_EQUAL(m.nerr, 0);
    CU_ASSERT_EQUAL(m.ends, 1);
}

static void test_exec_failure_and_search(void)
{
    char *argv[] = { "nope", NULL };
    struct seen s = { 0 };
    struct subprocess_spec spec = { .program = "/nonexistent/nope", .argv = argv, .on_output = collect, .ctx = &s };
    struct subprocess_result r;
    CU_ASSERT_EQUAL(subprocess_run(&spec, &r), 0);
    CU_ASSERT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 127);
    CU_ASSERT_PTR_NOT_NULL(strstr(s.err, "exec failed"));
    char *echo[] = { "echo", "found", NULL };
    struct seen e = { 0 };
    struct subprocess_spec found = { .program = "echo", .search = true, .argv = echo, .on_output = collect, .ctx = &e };
    CU_ASSERT_EQUAL(subprocess_run(&found, &r), 0);
    CU_ASSERT_STRING_EQUAL(e.out, "found\n");
}

static void test_timeouts(void)
{
    /* no grace: SIGKILL at the timeout */
    struct subprocess_spec spec = { .timeout = 1 };
    struct subprocess_result r;
    struct seen s = { 0 };
    double t0 = monotime_s();
    CU_ASSERT_EQUAL(run_sh("sleep 30", &spec, &r, &s), 0);
    CU_ASSERT_TRUE(r.timed_out);
    CU_ASSERT_TRUE(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGKILL);
    CU_ASSERT(monotime_s() - t0 < 3);
    /* a grace the program ignores: SIGTERM, then SIGKILL once it is over */
    /* (a heartbeat that gives up after 10 s keeps a regression from hanging the suite) */
    struct subprocess_spec graced = { .timeout = 1, .term_grace = 1, .alive = beat, .alive_every = 0.2 };
    struct seen g = { .stop_after = 50 };
    t0 = monotime_s();
    CU_ASSERT_EQUAL(run_sh("trap '' TERM; while :; do sleep 1; done", &graced, &r, &g), 0);
    CU_ASSERT_TRUE(r.timed_out);
    CU_ASSERT_FALSE(r.stopped);
    CU_ASSERT_TRUE(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGKILL);
    CU_ASSERT(monotime_s() - t0 < 5);
    /* one that stops at SIGTERM stops there */
    struct seen t = { .stop_after = 50 };
    CU_ASSERT_EQUAL(run_sh("sleep 30", &graced, &r, &t), 0);
    CU_ASSERT_TRUE(r.timed_out && WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGTERM);
}

static void test_heartbeat_bound_and_leftovers(void)
{
    /* the heartbeat says stop */
    struct seen s = { .stop_after = 2 };
    struct subprocess_spec spec = { .alive = beat, .alive_every = 0.2 };
    struct subprocess_result r;
    double t0 = monotime_s();
    CU_ASSERT_EQUAL(run_sh("sleep 30", &spec, &r, &s), 0);
    CU_ASSERT_TRUE(r.stopped);
    CU_ASSERT(monotime_s() - t0 < 3);
    /* output past a bound stops it, and nothing more is passed on */
    struct seen b = { .cut_at = 1000 };
    struct subprocess_spec bound = { 0 };
    t0 = monotime_s();
    CU_ASSERT_EQUAL(run_sh("while :; do echo yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy; done", &bound, &r, &b), 0);
    CU_ASSERT_TRUE(r.cut);
    CU_ASSERT(b.nout >= 1000);
    CU_ASSERT_EQUAL(b.after_cut, 0);
    CU_ASSERT(monotime_s() - t0 < 3);
    /* what it leaves in its group ends with it: the pipe it holds does not keep the run */
    struct seen l = { 0 };
    struct subprocess_spec left = { 0 };
    t0 = monotime_s();
    CU_ASSERT_EQUAL(run_sh("sleep 30 & echo started", &left, &r, &l), 0);
    CU_ASSERT_STRING_EQUAL(l.out, "started\n");
    CU_ASSERT(monotime_s() - t0 < 3);
}

void suite_subprocess(void)
{
    CU_pSuite s = CU_add_suite("subprocess", NULL, NULL);
    CU_add_test(s, "streams apart or merged, each end told once, the exit status", test_streams_and_status);
    CU_add_test(s, "a failed exec is status 127; a name looked up in PATH", test_exec_failure_and_search);
    CU_add_test(s, "timeouts: SIGKILL at once, or SIGTERM then SIGKILL past an ignored grace", test_timeouts);
    CU_add_test(s, "a heartbeat that says stop, a bound on output, leftovers in the group", test_heartbeat_bound_and_leftovers);
}
