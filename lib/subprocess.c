/*
 * subprocess: one program run and watched (see subprocess.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monotime.h"
#include "subprocess.h"

extern char **environ;

#define CHUNK 4096
#define ROUNDS 16   /* reads per stream per wake-up: a program that never stops writing cannot keep
                     * the watch from its timeout and heartbeat */

static void child_say(const char *what)
{
    ssize_t ignored = write(2, what, strlen(what));
    (void)ignored;
}

/* In the child, between fork and exec: async-signal-safe calls only. */
__attribute__((noreturn)) static void child(const struct subprocess_spec *s, pid_t parent, int in, int out, int err)
{
    if (s->own_session)
        setsid();
    else
        setpgid(0, 0);
    if (s->die_with_parent) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)   /* the parent died before PDEATHSIG was armed */
            _exit(127);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* an ignored signal stays ignored across exec: give the program the defaults */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < 32; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            sigaction(sig, &dfl, NULL);
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
        _exit(127);
    if (close_range(3, ~0U, 0) < 0)
        for (int fd = 3; fd < 65536; fd++)
            close(fd);
    const struct rlimit *lim[] = { s->cpu, s->as, s->fsize, s->nproc, s->core };
    static const int res[] = { RLIMIT_CPU, RLIMIT_AS, RLIMIT_FSIZE, RLIMIT_NPROC, RLIMIT_CORE };
    for (size_t i = 0; i < sizeof(res) / sizeof(res[0]); i++)
        if (lim[i] && setrlimit(res[i], lim[i]) < 0) {
            child_say("portico: the limits could not be set\n");
            _exit(126);
        }
    if (s->cwd && chdir(s->cwd) < 0) {
        child_say("portico: cannot enter the working directory\n");
        _exit(126);
    }
    char *const *envp = s->envp ? s->envp : environ;
    if (s->search)
        execvpe(s->program, s->argv, envp);
    else
        execve(s->program, s->argv, envp);
    child_say("portico: exec failed\n");
    _exit(127);
}

static void kill_group(pid_t pid, int sig)
{
    /* before the child's setsid or setpgid its group does not exist yet: then the child itself */
    if (kill(-pid, sig) < 0)
        kill(pid, sig);
}

/* The end of a stream: closed, and on_output told (with no bytes). */
static void stream_end(const struct subprocess_spec *s, int *fd, enum subprocess_stream stream, bool cut)
{
    close(*fd);
    *fd = -1;
    if (s->on_output && !cut)
        s->on_output(s->ctx, stream, NULL, 0);
}

/* Read what a stream has (a bounded amount); -1 at its end (closed here), 1 when on_output asked
 * to stop, else 0. After a stop (cut) what comes is read and dropped. */
static int drain_some(const struct subprocess_spec *s, int *fd, enum subprocess_stream stream, bool cut)
{
    char chunk[CHUNK];
    for (int round = 0; round < ROUNDS; round++) {
        ssize_t n = read(*fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (n <= 0) {
            stream_end(s, fd, stream, cut);
            return -1;
        }
        int stop = s->on_output && !cut ? s->on_output(s->ctx, stream, chunk, (size_t)n) : 0;
        explicit_bzero(chunk, (size_t)n);   /* a program's output may hold secrets */
        if (stop)
            return 1;
    }
    return 0;
}

int subprocess_run(const struct subprocess_spec *s, struct subprocess_result *r)
{
    memset(r, 0, sizeof(*r));
    int in = open("/dev/null", O_RDONLY | O_CLOEXEC), out[2] = { -1, -1 }, err[2] = { -1, -1 };
    if (in < 0 || pipe2(out, O_CLOEXEC) < 0 || (!s->merge_stderr && pipe2(err, O_CLOEXEC) < 0)) {
        r->start_errno = errno ? errno : EIO;
        if (in >= 0)
            close(in);
        for (int i = 0; i < 2; i++) {
            if (out[i] >= 0)
                close(out[i]);
            if (err[i] >= 0)
                close(err[i]);
        }
        return -1;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0)
        child(s, parent, in, out[1], s->merge_stderr ? out[1] : err[1]);
    int fork_errno = errno;
    close(in);
    close(out[1]);
    if (err[1] >= 0)
        close(err[1]);
    if (pid < 0) {
        close(out[0]);
        if (err[0] >= 0)
            close(err[0]);
        r->start_errno = fork_errno;
        return -1;
    }
    if (!s->own_session)
        setpgid(pid, pid);   /* either side may come first; both agree */
    if (s->started)
        s->started(s->ctx);
    int fds[2] = { out[0], err[0] };
    static const enum subprocess_stream names[2] = { SUBPROCESS_STDOUT, SUBPROCESS_STDERR };
    for (int i = 0; i < 2; i++)
        if (fds[i] >= 0)
            fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);

    double start = monotime_s(), last_alive = start, term_at = 0, exited_at = 0;
    double drain = s->drain > 0 ? s->drain : 2, every = s->alive_every > 0 ? s->alive_every : 1;
    bool exited = false, killing = false;
    for (;;) {
        struct pollfd pfd[2];
        int which[2];
        nfds_t n = 0;
        for (int i = 0; i < 2; i++)
            if (fds[i] >= 0) {
                pfd[n] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
                which[n++] = i;
            }
        if (exited && n == 0)
            break;
        if (poll(n ? pfd : NULL, n, 200) > 0)
            for (nfds_t k = 0; k < n; k++)
                if (pfd[k].revents && drain_some(s, &fds[which[k]], names[which[k]], r->cut) > 0 && !r->cut) {
                    r->cut = true;
                    killing = true;
                    if (!exited)   /* once reaped, its pid may be another process's */
                        kill_group(pid, SIGKILL);
                }
        double now = monotime_s();
        if (!exited) {
            /* seen but not reaped yet, so its pid (and group id) cannot be reused meanwhile */
            siginfo_t info = { 0 };
            int seen = waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT);
            if (seen == 0 && info.si_pid == pid) {
                kill(-pid, SIGKILL);   /* what it left running in its group ends with it */
                while (waitpid(pid, &r->status, 0) < 0 && errno == EINTR)
                    ;
                exited = true;
                exited_at = now;
            } else if (seen < 0 && errno == ECHILD) {
                exited = true;
                exited_at = now;
            }
        }
        if (exited) {
            /* something outside the group still holds the pipes: stop reading */
            if (now - exited_at > drain)
                for (int i = 0; i < 2; i++)
                    if (fds[i] >= 0)
                        stream_end(s, &fds[i], names[i], r->cut);
            continue;
        }
        if (!killing && !r->timed_out && s->timeout > 0 && now - start >= s->timeout) {
            r->timed_out = true;
            term_at = now;
            killing = s->term_grace <= 0;
            kill_group(pid, s->term_grace > 0 ? SIGTERM : SIGKILL);
        }
        if (r->timed_out && !killing && now - term_at >= s->term_grace) {
            killing = true;
            kill_group(pid, SIGKILL);
        }
        if (!killing && !r->stopped && s->alive && now - last_alive >= every) {
            last_alive = now;
            if (s->alive(s->ctx) < 0) {
                r->stopped = true;
                killing = true;
                kill_group(pid, SIGKILL);
            }
        }
    }
    return 0;
}
