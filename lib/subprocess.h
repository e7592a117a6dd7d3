/*
 * subprocess: run one program and watch it — its output as it comes, a timeout, a heartbeat —
 * the one way Portico starts another program (git for a catalog location, the git and exec
 * drivers). Never through a shell: argv is the program's argv.
 *
 * The child gets stdin from /dev/null, stdout and stderr on pipes (or both on one), no other
 * descriptor of the parent's, the signals' defaults and an empty mask, and a process group of its
 * own (a session with own_session), so that a timeout stops all of it and what it leaves running
 * in its group ends when it exits. Its output reaches on_output in chunks; a nonzero return stops
 * the program (a bound reached). The parent is single-threaded where this is used; the child does
 * only async-signal-safe calls between fork and exec.
 */
#ifndef PORTICO_SUBPROCESS_H
#define PORTICO_SUBPROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>

enum subprocess_stream { SUBPROCESS_STDOUT = 1, SUBPROCESS_STDERR = 2 };

struct subprocess_spec {
    const char *program;           /* an absolute path, or (search) a name looked up in PATH */
    bool search;
    char *const *argv;             /* argv[0] as the program should see it; NULL-terminated */
    char *const *envp;             /* NULL: the parent's environment */
    const char *cwd;               /* NULL: the parent's */
    bool merge_stderr;             /* stderr into stdout's pipe (one stream, in order) */
    bool own_session;              /* setsid (else a process group of its own) */
    bool die_with_parent;          /* PR_SET_PDEATHSIG: killed when the parent dies */
    const struct rlimit *cpu, *as, *fsize, *nproc, *core;   /* NULL: as the parent's */
    double timeout;                /* seconds from the start; 0: none */
    double term_grace;             /* at the timeout SIGTERM, SIGKILL this much later; 0: SIGKILL */
    double drain;                  /* after it exits, how long others may hold its pipes (0: 2 s) */
    double alive_every;            /* seconds between calls of alive (0: 1 s) */
    /* chunks of output, then (bytes NULL, n 0) the end of each stream; nonzero: stop the program
     * (its output went past a bound; what it writes after is not passed on) */
    int (*on_output)(void *ctx, enum subprocess_stream stream, const char *bytes, size_t n);
    /* in the parent, once the child has its copies of argv and envp (the caller may wipe them) */
    void (*started)(void *ctx);
    /* the heartbeat; negative: stop the program (the job no longer runs here) */
    int (*alive)(void *ctx);
    void *ctx;
};

struct subprocess_result {
    int status;                    /* waitpid's status, when it ran and was reaped */
    int start_errno;               /* nonzero: it did not start (pipes, fork or exec; exec: 127) */
    bool timed_out;                /* stopped at the timeout */
    bool stopped;                  /* stopped by alive */
    bool cut;                      /* stopped by on_output */
};

/* Run spec to its end. 0 when it ran (see r: its status, or why it was stopped), -1 when it
 * could not start (r->start_errno). The exit status of a program that exec could not run is 127. */
int subprocess_run(const struct subprocess_spec *spec, struct subprocess_result *r);

#endif
