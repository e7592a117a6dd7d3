/*
 * job_log: a job's log (job_logs). Lines are redacted of every secret value the job handled,
 * kept in memory for at most LOG_FLUSH_SECONDS (LOG_BUFFER_LINES at most) and written in one
 * statement; the table numbers them, so a runner that lost its lease unknowingly adds lines of
 * what it did, never over another's.
 */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/http.h"
#include "lib/monotime.h"
#include "runner/job.h"

/* A value the job handles as a secret: sealed if it is an output, redacted from the log when it
 * has 4 characters or more (shorter would redact ordinary words). Past SECRETS_MAX values, every
 * output of the job is taken for a secret. */
void job_secret(struct job *j, const char *value)
{
    size_t n = value ? strlen(value) : 0;
    if (n == 0)
        return;
    if (j->nsecrets == SECRETS_MAX) {
        j->secrets_overflow = true;
        return;
    }
    for (size_t i = 0; i < j->nsecrets; i++)
        if (j->secret_len[i] == n && memcmp(j->secrets[i], value, n) == 0)
            return;
    char *copy = sodium_malloc(n + 1);
    if (!copy)
        return;
    memcpy(copy, value, n + 1);
    j->secrets[j->nsecrets] = copy;
    j->secret_len[j->nsecrets++] = n;
}

/* line with every secret replaced by "[redacted]", in the arena (the search goes on after
 * each replacement: a secret that is part of "[redacted]" is not found in it again). */
char *job_redact(struct job *j, const char *line)
{
    static const char mark[] = "[redacted]";
    char *out = arena_strdup(j->r->arena, line);
    for (size_t i = 0; out && i < j->nsecrets; i++) {
        if (j->secret_len[i] < 4)
            continue;
        size_t from = 0;
        char *hit;
        while (out && (hit = strstr(out + from, j->secrets[i]))) {
            size_t at = (size_t)(hit - out);
            char *next = arena_printf(j->r->arena, "%.*s%s%s", (int)at, out, mark, hit + j->secret_len[i]);
            explicit_bzero(out, strlen(out));
            out = next;
            from = at + sizeof(mark) - 1;
        }
    }
    return out ? out : arena_strdup(j->r->arena, "[a line that could not be redacted]");
}

int job_log_flush(struct job *j)
{
    static const char *const sql[LOG_BUFFER_LINES + 1] = { NULL,
#define ROWS1 "INSERT INTO job_logs (job_id, stream, line) VALUES (?, ?, ?)"
        ROWS1, ROWS1 ", (?, ?, ?)", ROWS1 ", (?, ?, ?), (?, ?, ?)", ROWS1 ", (?, ?, ?), (?, ?, ?), (?, ?, ?)",
#define ROWS5 ROWS1 ", (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?)"
        ROWS5, ROWS5 ", (?, ?, ?)", ROWS5 ", (?, ?, ?), (?, ?, ?)", ROWS5 ", (?, ?, ?), (?, ?, ?), (?, ?, ?)",
#define ROWS9 ROWS5 ", (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?)"
        ROWS9, ROWS9 ", (?, ?, ?)", ROWS9 ", (?, ?, ?), (?, ?, ?)", ROWS9 ", (?, ?, ?), (?, ?, ?), (?, ?, ?)",
#define ROWS13 ROWS9 ", (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?)"
        ROWS13, ROWS13 ", (?, ?, ?)", ROWS13 ", (?, ?, ?), (?, ?, ?)", ROWS13 ", (?, ?, ?), (?, ?, ?), (?, ?, ?)",
    };
    if (j->nbuf == 0 || j->lost)
        return 0;
    struct db_value v[LOG_BUFFER_LINES * 3];
    for (size_t i = 0; i < j->nbuf; i++) {
        v[i * 3] = (struct db_value)DB_INTV(j->id);
        v[i * 3 + 1] = (struct db_value)DB_TEXTV(j->buf[i].stream);
        v[i * 3 + 2] = (struct db_value)DB_TEXTV(j->buf[i].line);
    }
    /* lines are numbered by the table (job_logs.id): a runner that lost its lease unknowingly
     * adds lines of what it did, never over another's */
    int rc = db_query(j->r->db, j->r->arena, sql[j->nbuf], v, j->nbuf * 3, NULL, j->p);
    j->nbuf = 0;
    return rc;
}

void job_log(struct job *j, const char *stream, const char *line)
{
    if (j->nbuf == LOG_BUFFER_LINES && job_log_flush(j) < 0)
        return;
    if (j->nbuf == 0)
        j->buffered_at = monotime_s();
    snprintf(j->buf[j->nbuf].stream, sizeof(j->buf[j->nbuf].stream), "%s", stream);
    /* redacted whole, then cut (on a character) and made valid UTF-8 for the column */
    j->buf[j->nbuf++].line = http_utf8_clamp(j->r->arena, job_redact(j, line), LOG_LINE_MAX);
    /* outside a transaction, lines that waited long enough go now */
    if (!db_in_transaction(j->r->db) && monotime_s() - j->buffered_at >= LOG_FLUSH_SECONDS)
        job_log_flush(j);
}

void job_logf(struct job *j, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    job_log(j, "runner", line);
}
