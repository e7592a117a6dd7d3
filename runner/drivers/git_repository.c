/*
 * git_repository: a bare repository <provision_git_root>/<name>.git, optionally seeded from a
 * skeleton directory whose text files have their {{parameter}} placeholders filled.
 *
 * Ownership is a marker file "portico-resource" in the repository holding the resource's uid:
 * a repository is made in a hidden temporary directory, marked, then renamed into place, so a
 * crash never leaves an unmarked repository that would later be refused. Seeding happens only
 * while the repository has no commits (a retry after a crash seeds once). Remove archives the
 * repository (tar.gz) when asked, renames it aside, then deletes the tree; a repository that is
 * gone is success, one marked for another uid is refused. git and tar are run with execve
 * (lib/subprocess), a small fixed environment, in a process group the step can stop.
 * Arguments: name (required), skeleton, description; remove: archive ("true"/"false").
 * Outputs: path, url (file://), name, default_branch.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runner/drivers/driver.h"
#include "lib/monotime.h"
#include "lib/subprocess.h"

#define GIT_MARKER "portico-resource"
#define GIT_BRANCH "main"
#define GIT_NAME_MAX 100
#define GIT_DESCRIPTION_MAX 1000
#define GIT_WALK_DEPTH 64
#define GIT_SKELETON_FILE_MAX (16 * 1024 * 1024)
#define GIT_LINE_MAX 1000

/* One step's work: its environment, deadline and heartbeat. */
struct git_work {
    struct driver_run *d;
    char *envp[16];
    const char *git, *tar;
    double deadline, last_alive;
    int timeout;
    bool stopped;
};

/* The heartbeat, at most once a second: -1 when the job must stop (d->error says so). */
static int git_alive(struct git_work *w)
{
    double now = monotime_s();
    if (w->stopped)
        return -1;
    if (now - w->last_alive < 1)
        return 0;
    w->last_alive = now;
    if (w->d->alive && w->d->alive(w->d) < 0) {
        w->stopped = true;
        return driver_fail(w->d, "stopped: the job no longer runs here (cancelled, or its lease was lost)");
    }
    return 0;
}

static const char *find_program(const char *const candidates[])
{
    for (size_t i = 0; candidates[i]; i++)
        if (access(candidates[i], X_OK) == 0)
            return candidates[i];
    return NULL;
}

/* git's and tar's output, a line at a time into the job log (when log_output). */
struct git_lines {
    struct git_work *w;
    bool log_output;
    size_t len;
    char line[GIT_LINE_MAX + 1];
};

static int git_line_output(void *ctx, enum subprocess_stream stream, const char *bytes, size_t n)
{
    struct git_lines *g = ctx;
    (void)stream;
    if (!bytes) {   /* the end: a last unterminated line */
        g->line[g->len] = '\0';
        if (g->log_output && g->len)
            g->w->d->log(g->w->d, "stderr", g->line);
        g->len = 0;
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (bytes[i] == '\n' || g->len == GIT_LINE_MAX) {
            g->line[g->len] = '\0';
            if (g->log_output)
                g->w->d->log(g->w->d, "stderr", g->line);
            g->len = 0;
            if (bytes[i] == '\n')
                continue;
        }
        g->line[g->len++] = bytes[i] ? bytes[i] : '?';
    }
    return 0;
}

static int git_alive_cb(void *ctx)
{
    return git_alive(((struct git_lines *)ctx)->w);
}

/* Run argv (argv[0] an absolute path) in cwd; its output goes to the job log. Returns its exit
 * status (0..255), or -1 with d->error (could not start, timed out, stopped, killed). */
static int git_run(struct git_work *w, const char *cwd, const char *const argv[], bool log_output)
{
    struct driver_run *d = w->d;
    struct git_lines lines = { .w = w, .log_output = log_output };
    double left = w->deadline - monotime_s();
    struct subprocess_spec spec = {
        .program = argv[0], .argv = (char *const *)argv, .envp = w->envp, .cwd = cwd, .merge_stderr = true,
        .timeout = left > 0.001 ? left : 0.001,   /* a group of its own: a timeout stops all of it */
        .on_output = git_line_output, .alive = git_alive_cb, .ctx = &lines,
    };
    struct subprocess_result r;
    if (subprocess_run(&spec, &r) < 0)
        return driver_fail(d, "cannot run %s: %s", argv[0], strerror(r.start_errno));
    if (r.stopped || w->stopped)
        return -1;   /* git_alive said why */
    if (r.timed_out) {
        driver_fail(d, "timed out after %d s", w->timeout);
        return -1;
    }
    if (WIFSIGNALED(r.status))
        return driver_fail(d, "%s was killed by signal %d", argv[0], WTERMSIG(r.status));
    if (WEXITSTATUS(r.status) == 127)   /* the child's exec failed (lib/subprocess) */
        return driver_fail(d, "cannot run %s", argv[0]);
    return WEXITSTATUS(r.status);
}

/* Run argv and fail the step unless it exits 0. */
static int git_must(struct git_work *w, const char *cwd, const char *const argv[], const char *what)
{
    int rc = git_run(w, cwd, argv, true);
    if (rc > 0)
        return driver_fail(w->d, "%s failed (exit status %d)", what, rc);
    return rc;
}

/* ---- names ------------------------------------------------------------------------------------ */


static bool repo_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > GIT_NAME_MAX || strstr(s, ".."))
        return false;
    if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' || s[i] == '-'))
            return false;
    return true;
}

static bool skeleton_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > GIT_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
            return false;
    return true;
}

/* Placeholder values: names, skeletons and descriptions are all one line of text; which
 * argument a value lands in is checked strictly in apply, before anything is done. */
static const char *git_escape(struct arena *a, const char *value, void *ctx)
{
    (void)a;
    (void)ctx;
    size_t n = strlen(value);
    if (n > GIT_DESCRIPTION_MAX)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)value[i] < 0x20 || value[i] == 0x7f)
            return NULL;
    return value;
}

/* ---- files ------------------------------------------------------------------------------------ */

/* The uid in a repository's marker: NULL with errno ENOENT when there is none. */
static const char *marker_read(struct arena *a, const char *repo)
{
    char *path = arena_printf(a, "%s/" GIT_MARKER, repo);
    FILE *f = path ? fopen(path, "re") : NULL;
    if (!f)
        return NULL;
    char buf[64] = "";
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    return arena_strdup(a, buf);
}

static int file_write(const char *path, const char *text, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0)
        return -1;
    for (size_t done = 0; done < len;) {
        ssize_t n = write(fd, text + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        done += (size_t)n;
    }
    return close(fd);
}

/* Remove name under the directory parent and everything below it, never following a symlink. */
static int tree_remove_at(struct git_work *w, int parent, const char *name, int depth)
{
    if (unlinkat(parent, name, 0) == 0 || errno == ENOENT)
        return 0;
    if (errno != EISDIR && errno != EPERM)
        return -1;
    if (depth > GIT_WALK_DEPTH) {
        errno = ELOOP;
        return -1;
    }
    int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    if (!dir) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    int rc = 0;
    for (struct dirent *e; rc == 0 && (e = readdir(dir));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        rc = tree_remove_at(w, dirfd(dir), e->d_name, depth + 1);
        if (rc == 0 && git_alive(w) < 0)
            rc = -1;
    }
    closedir(dir);
    if (rc < 0)
        return -1;
    return unlinkat(parent, name, AT_REMOVEDIR) == 0 || errno == ENOENT ? 0 : -1;
}

static int tree_remove(struct git_work *w, const char *path)
{
    return tree_remove_at(w, AT_FDCWD, path, 0);
}

/* Hidden leftovers of this resource in the root (".new-", ".work-", ".gone-" + uid), from a run
 * that crashed: removed before anything else. */
static int leftovers_remove(struct git_work *w, const char *root)
{
    struct driver_run *d = w->d;
    DIR *dir = opendir(root);
    if (!dir)
        return driver_fail(d, "cannot read %s: %s", root, strerror(errno));
    const char *prefixes[] = { ".new-", ".work-", ".gone-" };
    int rc = 0;
    for (struct dirent *e; rc == 0 && (e = readdir(dir));)
        for (size_t i = 0; i < 3; i++) {
            size_t pl = strlen(prefixes[i]);
            if (strncmp(e->d_name, prefixes[i], pl) == 0 && strncmp(e->d_name + pl, d->resource_uid, 16) == 0 &&
                e->d_name[pl + 16] == '-') {
                char *path = arena_printf(d->arena, "%s/%s", root, e->d_name);
                if (!path || tree_remove(w, path) < 0)
                    rc = w->stopped ? -1 : driver_fail(d, "cannot remove the leftover %s: %s", e->d_name, strerror(errno));
            }
        }
    closedir(dir);
    return rc;
}

/* Text worth filling: has a placeholder and no NUL byte (git's own test for binary). */
static bool is_template_text(const char *buf, size_t len)
{
    return memchr(buf, '\0', len) == NULL && memmem(buf, len, "{{", 2) != NULL;
}

/* The text with each {{name}} that names a request parameter replaced by its value (written as
 * template_render writes values). Anything else between braces stays as it is: skeletons hold
 * CI files whose own syntax is ${{ ... }}. NULL when out of memory. */
static char *placeholders_fill(struct arena *a, const char *text, json_object *values)
{
    size_t cap = strlen(text) + 1, len = 0;
    char *out = arena_alloc(a, cap);
    for (const char *s = text; out && *s;) {
        const char *piece = s, *value = NULL;
        size_t n = 1;
        if (s[0] == '{' && s[1] == '{') {
            size_t k = 2;
            while ((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z') || (s[k] >= '0' && s[k] <= '9') || s[k] == '_')
                k++;
            json_object *v;
            char name[64];
            if (k > 2 && k - 2 < sizeof(name) && s[k] == '}' && s[k + 1] == '}') {
                memcpy(name, s + 2, k - 2);
                name[k - 2] = '\0';
                if (values && json_object_object_get_ex(values, name, &v)) {
                    value = json_object_is_type(v, json_type_string) ? json_object_get_string(v)
                                                                     : json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
                    n = k + 2;
                }
            }
        }
        if (value)
            piece = value;
        size_t plen = value ? strlen(value) : 1;
        if (len + plen + 1 > cap) {
            size_t bigger = (len + plen + 1) * 2;
            char *grown = arena_alloc(a, bigger);
            if (grown)
                memcpy(grown, out, len);
            out = grown;
            cap = bigger;
            if (!out)
                break;
        }
        memcpy(out + len, piece, plen);
        len += plen;
        s += n;
    }
    if (out)
        out[len] = '\0';
    return out;
}

static int skeleton_file_copy(struct git_work *w, const char *from, const char *to, const char *rel, mode_t mode)
{
    struct driver_run *d = w->d;
    int fd = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        if (fd >= 0)
            close(fd);
        return driver_fail(d, "skeleton file %s cannot be read: %s", rel, strerror(errno));
    }
    if (st.st_size > GIT_SKELETON_FILE_MAX) {
        close(fd);
        return driver_fail(d, "skeleton file %s is larger than %d MiB", rel, GIT_SKELETON_FILE_MAX / (1024 * 1024));
    }
    size_t len = (size_t)st.st_size;
    char *buf = arena_alloc(d->arena, len + 1);
    size_t got = 0;
    while (buf && got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (!buf || got != len)
        return driver_fail(d, "skeleton file %s cannot be read", rel);
    buf[len] = '\0';
    const char *text = buf;
    if (is_template_text(buf, len)) {
        if (!(text = placeholders_fill(d->arena, buf, d->values)))
            return driver_fail(d, "out of memory");
        len = strlen(text);
    }
    if (file_write(to, text, len, (mode & 0111) ? 0755 : 0644) < 0)
        return driver_fail(d, "cannot write %s: %s", rel, strerror(errno));
    return 0;
}

/* Copy the skeleton directory from into to: directories and regular files; symlinks and a
 * skeleton's own .git are left out (a link could point anywhere on this host). */
static int skeleton_copy(struct git_work *w, const char *from, const char *to, const char *rel, int depth)
{
    struct driver_run *d = w->d;
    if (depth > GIT_WALK_DEPTH)
        return driver_fail(d, "skeleton is nested too deeply");
    DIR *dir = opendir(from);
    if (!dir)
        return driver_fail(d, "skeleton directory %s cannot be read: %s", rel[0] ? rel : ".", strerror(errno));
    int rc = 0;
    for (struct dirent *e; rc == 0 && (e = readdir(dir));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 || strcmp(e->d_name, ".git") == 0)
            continue;
        char *src = arena_printf(d->arena, "%s/%s", from, e->d_name);
        char *dst = arena_printf(d->arena, "%s/%s", to, e->d_name);
        char *sub = arena_printf(d->arena, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
        struct stat st;
        if (!src || !dst || !sub) {
            rc = driver_fail(d, "out of memory");
        } else if (lstat(src, &st) < 0) {
            rc = driver_fail(d, "skeleton entry %s cannot be read: %s", sub, strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            if (mkdir(dst, 0755) < 0)
                rc = driver_fail(d, "cannot make %s: %s", sub, strerror(errno));
            else
                rc = skeleton_copy(w, src, dst, sub, depth + 1);
        } else if (S_ISREG(st.st_mode)) {
            rc = skeleton_file_copy(w, src, dst, sub, st.st_mode);
        } else {
            driver_logf(d, "skeleton entry %s is not a file or directory; left out", sub);
        }
        if (rc == 0 && git_alive(w) < 0)
            rc = -1;
    }
    closedir(dir);
    return rc;
}

/* ---- the steps -------------------------------------------------------------------------------- */

/* Make the marked bare repository at repo (hidden, then renamed into place). 0 made, 1 someone
 * else's appeared meanwhile (the caller checks again), -1 failed. */
static int repo_create(struct git_work *w, const char *root, const char *repo)
{
    struct driver_run *d = w->d;
    char *tmp = arena_printf(d->arena, "%s/.new-%s-XXXXXX", root, d->resource_uid);
    if (!tmp || !mkdtemp(tmp))
        return driver_fail(d, "cannot make a temporary directory in %s: %s", root, strerror(errno));
    const char *init[] = { w->git, "init", "--quiet", "--bare", "--initial-branch=" GIT_BRANCH, tmp, NULL };
    char *marker = arena_printf(d->arena, "%s/" GIT_MARKER, tmp);
    char *uid_line = arena_printf(d->arena, "%s\n", d->resource_uid);
    int rc = chmod(tmp, 0755) < 0 ? driver_fail(d, "cannot set the repository's mode: %s", strerror(errno)) : 0;
    if (rc == 0)
        rc = git_must(w, NULL, init, "git init");
    if (rc == 0 && (!marker || !uid_line || file_write(marker, uid_line, strlen(uid_line), 0644) < 0))
        rc = driver_fail(d, "cannot write the repository's marker: %s", strerror(errno));
    if (rc == 0 && rename(tmp, repo) < 0) {
        if (errno == EEXIST || errno == ENOTEMPTY)
            rc = 1;
        else
            rc = driver_fail(d, "cannot move the new repository into place: %s", strerror(errno));
    }
    if (rc != 0)
        tree_remove(w, tmp);
    return rc;
}

/* Whether the repository has a commit on any branch. -1 failed. */
static int repo_has_commits(struct git_work *w, const char *repo)
{
    char *git_dir = arena_printf(w->d->arena, "--git-dir=%s", repo);
    const char *argv[] = { w->git, git_dir, "rev-parse", "--quiet", "--verify", "HEAD", NULL };
    int rc = git_dir ? git_run(w, NULL, argv, false) : driver_fail(w->d, "out of memory");
    if (rc < 0)
        return -1;
    if (rc == 0)
        return 1;
    /* HEAD names main; a push may have made another branch only */
    char *probe = arena_printf(w->d->arena, "%s/refs/heads", repo);
    DIR *dir = probe ? opendir(probe) : NULL;
    bool any = false;
    for (struct dirent *e; dir && (e = readdir(dir));)
        if (e->d_name[0] != '.')
            any = true;
    if (dir)
        closedir(dir);
    char *packed = arena_printf(w->d->arena, "%s/packed-refs", repo);
    struct stat st;
    if (packed && stat(packed, &st) == 0 && st.st_size > 0)
        any = true;
    return any ? 1 : 0;
}

static int repo_seed(struct git_work *w, const char *root, const char *repo, const char *skeleton)
{
    struct driver_run *d = w->d;
    char *src = arena_printf(d->arena, "%s/%s", d->cfg->provision_git_skeletons, skeleton);
    char *work = arena_printf(d->arena, "%s/.work-%s-XXXXXX", root, d->resource_uid);
    struct stat st;
    if (!src || !work)
        return driver_fail(d, "out of memory");
    if (lstat(src, &st) < 0 || !S_ISDIR(st.st_mode))
        return driver_fail(d, "there is no skeleton %s", skeleton);
    if (!mkdtemp(work))
        return driver_fail(d, "cannot make a temporary directory in %s: %s", root, strerror(errno));
    char *tree = arena_printf(d->arena, "%s/tree", work);
    char *message = arena_printf(d->arena, "Initial commit from the skeleton %s", skeleton);
    int rc = tree && message ? 0 : driver_fail(d, "out of memory");
    if (rc == 0 && mkdir(tree, 0700) < 0)
        rc = driver_fail(d, "cannot make the work tree: %s", strerror(errno));
    if (rc == 0)
        rc = skeleton_copy(w, src, tree, "", 0);
    const char *init[] = { w->git, "init", "--quiet", "--initial-branch=" GIT_BRANCH, ".", NULL };
    const char *add[] = { w->git, "add", "--all", ".", NULL };
    const char *commit[] = { w->git, "commit", "--quiet", "--allow-empty", "--no-verify", "-m", message, NULL };
    const char *push[] = { w->git, "push", "--quiet", repo, "HEAD:refs/heads/" GIT_BRANCH, NULL };
    if (rc == 0)
        rc = git_must(w, tree, init, "git init of the work tree");
    if (rc == 0)
        rc = git_must(w, tree, add, "git add");
    if (rc == 0)
        rc = git_must(w, tree, commit, "git commit");
    if (rc == 0)
        rc = git_must(w, tree, push, "git push");
    if (tree_remove(w, work) < 0 && rc == 0)
        driver_logf(d, "the temporary work tree %s could not be removed", work);
    if (rc == 0)
        driver_logf(d, "seeded from the skeleton %s", skeleton);
    return rc;
}

static int git_work_init(struct git_work *w, struct driver_run *d)
{
    memset(w, 0, sizeof(*w));
    w->d = d;
    w->timeout = d->timeout_seconds > 0 ? d->timeout_seconds : d->cfg->provision_step_timeout_seconds;
    w->last_alive = monotime_s();
    w->deadline = w->last_alive + w->timeout;
    static const char *const gits[] = { "/usr/bin/git", "/usr/local/bin/git", NULL };
    static const char *const tars[] = { "/usr/bin/tar", "/bin/tar", "/usr/local/bin/tar", NULL };
    w->git = find_program(gits);
    w->tar = find_program(tars);
    if (!w->git)
        return driver_fail(d, "git is not installed in /usr/bin or /usr/local/bin");
    /* no global or system git configuration: the same result on every host */
    const char *fixed[] = {
        "PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C", "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
        "GIT_TERMINAL_PROMPT=0", "GIT_AUTHOR_NAME=Portico", "GIT_AUTHOR_EMAIL=portico@localhost",
        "GIT_COMMITTER_NAME=Portico", "GIT_COMMITTER_EMAIL=portico@localhost",
    };
    size_t k = 0;
    for (; k < sizeof(fixed) / sizeof(fixed[0]); k++)
        w->envp[k] = (char *)fixed[k];
    w->envp[k++] = arena_printf(d->arena, "HOME=%s", d->cfg->provision_git_root);
    w->envp[k] = NULL;
    if (!w->envp[k - 1])
        return driver_fail(d, "out of memory");
    return 0;
}

static int git_repository_remove(struct git_work *w, const char *root, const char *name, const char *repo)
{
    struct driver_run *d = w->d;
    const struct config *cfg = d->cfg;
    const char *archive_arg = driver_arg(d, "archive");
    bool archive = cfg->provision_git_archive[0] != '\0';
    if (archive_arg && strcmp(archive_arg, "true") == 0)
        archive = true;
    else if (archive_arg && strcmp(archive_arg, "false") == 0)
        archive = false;
    else if (archive_arg && archive_arg[0])
        return driver_fail(d, "archive must be \"true\" or \"false\"");
    if (archive && !cfg->provision_git_archive[0])
        return driver_fail(d, "an archive was asked for but provision_git_archive is empty");

    struct stat st;
    if (lstat(repo, &st) < 0 && errno == ENOENT) {
        driver_logf(d, "the repository %s is already gone", name);
        return 0;
    }
    const char *owner = marker_read(d->arena, repo);
    if (!owner || strcmp(owner, d->resource_uid) != 0)
        return driver_fail(d, "the repository %s exists and is not this resource's", name);
    if (archive) {
        if (!w->tar)
            return driver_fail(d, "tar is not installed in /usr/bin or /usr/local/bin");
        if (mkdir(cfg->provision_git_archive, 0750) < 0 && errno != EEXIST)
            return driver_fail(d, "cannot make the archive directory: %s", strerror(errno));
        char *final = arena_printf(d->arena, "%s/%s-%s.tar.gz", cfg->provision_git_archive, name, d->resource_uid);
        char *partial = arena_printf(d->arena, "%s/.%s-%s.tar.gz.partial", cfg->provision_git_archive, name, d->resource_uid);
        char *member = arena_printf(d->arena, "%s.git", name);
        if (!final || !partial || !member)
            return driver_fail(d, "out of memory");
        const char *tar[] = { w->tar, "--create", "--gzip", "--file", partial, "--directory", root, "--", member, NULL };
        int rc = git_must(w, NULL, tar, "tar");
        if (rc == 0 && rename(partial, final) < 0)
            rc = driver_fail(d, "cannot move the archive into place: %s", strerror(errno));
        if (rc != 0) {
            unlink(partial);
            return -1;
        }
        driver_logf(d, "archived as %s", final);
    }
    /* aside first, so a crash halfway never leaves a half-deleted repository under its name */
    char *gone = arena_printf(d->arena, "%s/.gone-%s-%s", root, d->resource_uid, name);
    if (!gone)
        return driver_fail(d, "out of memory");
    if (rename(repo, gone) < 0)
        return driver_fail(d, "cannot move the repository aside: %s", strerror(errno));
    if (tree_remove(w, gone) < 0)
        return w->stopped ? -1 : driver_fail(d, "cannot remove the repository: %s", strerror(errno));
    driver_logf(d, "removed the repository %s", name);
    return 0;
}

static int git_repository_apply(struct driver_run *d)
{
    const struct config *cfg = d->cfg;
    const char *root = cfg->provision_git_root;
    if (!root[0])
        return driver_fail(d, "the git_repository driver is off (provision_git_root is empty)");
    if (!driver_uid_ok(d->resource_uid))
        return driver_fail(d, "the resource uid is not 16 hexadecimal digits");
    const char *name = driver_arg(d, "name");
    if (!name || !name[0])
        return driver_fail(d, "the argument name is required");
    size_t nl = strlen(name);
    if (nl > 4 && strcmp(name + nl - 4, ".git") == 0)
        name = arena_strndup(d->arena, name, nl - 4);
    if (!name || !repo_name_ok(name))
        return driver_fail(d, "the repository name must be [a-z0-9][a-z0-9._-]{0,99} without \"..\"");
    const char *skeleton = driver_arg(d, "skeleton");
    if (skeleton && !skeleton[0])
        skeleton = NULL;
    if (skeleton && !skeleton_name_ok(skeleton))
        return driver_fail(d, "the skeleton name must be [a-z0-9_-]+");
    if (skeleton && !cfg->provision_git_skeletons[0])
        return driver_fail(d, "a skeleton was named but provision_git_skeletons is empty");
    const char *description = driver_arg(d, "description");
    if (description && !git_escape(d->arena, description, NULL))
        return driver_fail(d, "the description must be one line of at most %d bytes", GIT_DESCRIPTION_MAX);

    struct git_work w;
    if (git_work_init(&w, d) < 0)
        return -1;
    struct stat st;
    if (stat(root, &st) < 0 || !S_ISDIR(st.st_mode))
        return driver_fail(d, "provision_git_root %s is not a directory", root);
    if (leftovers_remove(&w, root) < 0)
        return -1;
    char *repo = arena_printf(d->arena, "%s/%s.git", root, name);
    if (!repo)
        return driver_fail(d, "out of memory");
    if (d->remove)
        return git_repository_remove(&w, root, name, repo);

    for (int tries = 0;; tries++) {
        if (lstat(repo, &st) == 0) {
            const char *owner = marker_read(d->arena, repo);
            if (!S_ISDIR(st.st_mode) || !owner || strcmp(owner, d->resource_uid) != 0)
                return driver_fail(d, "the repository %s exists and is not this resource's", name);
            break;
        }
        if (errno != ENOENT || tries > 0)
            return driver_fail(d, "cannot read %s: %s", repo, strerror(errno));
        int rc = repo_create(&w, root, repo);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            driver_logf(d, "created the bare repository %s", name);
            break;
        }
    }
    if (description) {
        char *path = arena_printf(d->arena, "%s/description", repo);
        char *text = arena_printf(d->arena, "%s\n", description);
        if (!path || !text || file_write(path, text, strlen(text), 0644) < 0)
            return driver_fail(d, "cannot write the repository's description");
    }
    if (skeleton) {
        int has = repo_has_commits(&w, repo);
        if (has < 0)
            return -1;
        if (has == 0 && repo_seed(&w, root, repo, skeleton) < 0)
            return -1;
    }
    char *url = arena_printf(d->arena, "file://%s", repo);
    if (!url)
        return driver_fail(d, "out of memory");
    json_object_object_add(d->outputs, "path", json_object_new_string(repo));
    json_object_object_add(d->outputs, "url", json_object_new_string(url));
    json_object_object_add(d->outputs, "name", json_object_new_string(name));
    json_object_object_add(d->outputs, "default_branch", json_object_new_string(GIT_BRANCH));
    return 0;
}

const struct driver driver_git_repository = { "git_repository", git_escape, git_repository_apply };
