/*
 * textdiff: unified diffs of texts (textdiff.h).
 */
#include "textdiff.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lines {
    const char **s;
    size_t *len, n;
};

static int lines_split(struct arena *a, const char *text, struct lines *l)
{
    size_t n = 0, len = strlen(text);
    for (size_t i = 0; i < len; i++)
        n += text[i] == '\n';
    n += len && text[len - 1] != '\n';
    l->n = 0;
    l->s = arena_calloc(a, n + 1, sizeof(*l->s));
    l->len = arena_calloc(a, n + 1, sizeof(*l->len));
    if (!l->s || !l->len)
        return -1;
    for (const char *s = text; *s;) {
        size_t k = strcspn(s, "\n");
        l->s[l->n] = s;
        l->len[l->n++] = k;
        s += k + (s[k] == '\n');
    }
    return 0;
}

static bool line_eq(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
    return a->len[i] == b->len[j] && memcmp(a->s[i], b->s[j], a->len[i]) == 0;
}

struct op {
    char kind;        /* ' ', '-', '+' */
    size_t a, b;      /* lines of a and b before this one */
};

/* The edit script from a to b: the common head and tail, and between them the LCS when its
 * table is small enough (min(n, m) <= sqrt(TEXTDIFF_CELLS_MAX) fits 16 bits), else every old line
 * removed and every new one added. */
static struct op *edit_script(struct arena *a, const struct lines *x, const struct lines *y, size_t *nops)
{
    struct op *ops = arena_calloc(a, x->n + y->n + 1, sizeof(*ops));
    if (!ops)
        return NULL;
    size_t k = 0, head = 0, tail = 0;
    while (head < x->n && head < y->n && line_eq(x, head, y, head))
        head++;
    while (tail < x->n - head && tail < y->n - head && line_eq(x, x->n - 1 - tail, y, y->n - 1 - tail))
        tail++;
    size_t i = 0, j = 0;
    for (; i < head; i++, j++)
        ops[k++] = (struct op){ ' ', i, j };
    size_t n = x->n - head - tail, m = y->n - head - tail;
    unsigned short *L = NULL;
    if (n && m && (unsigned long long)(n + 1) * (m + 1) <= TEXTDIFF_CELLS_MAX)
        L = calloc((n + 1) * (m + 1), sizeof(*L));
    if (L) {
        /* L[r][s]: LCS length of x[head+r..] and y[head+s..] within the middle */
        for (size_t r = n; r-- > 0;)
            for (size_t s = m; s-- > 0;)
                L[r * (m + 1) + s] = line_eq(x, head + r, y, head + s)
                                         ? (unsigned short)(L[(r + 1) * (m + 1) + s + 1] + 1)
                                         : (L[(r + 1) * (m + 1) + s] >= L[r * (m + 1) + s + 1] ? L[(r + 1) * (m + 1) + s]
                                                                                               : L[r * (m + 1) + s + 1]);
        size_t r = 0, s = 0;
        while (r < n && s < m) {
            if (line_eq(x, head + r, y, head + s))
                ops[k++] = (struct op){ ' ', i++, j++ }, r++, s++;
            else if (L[(r + 1) * (m + 1) + s] >= L[r * (m + 1) + s + 1])
                ops[k++] = (struct op){ '-', i++, j }, r++;
            else
                ops[k++] = (struct op){ '+', i, j++ }, s++;
        }
        free(L);
    }
    while (i < x->n - tail)
        ops[k++] = (struct op){ '-', i++, j };
    while (j < y->n - tail)
        ops[k++] = (struct op){ '+', i, j++ };
    for (; i < x->n; i++, j++)
        ops[k++] = (struct op){ ' ', i, j };
    *nops = k;
    return ops;
}

struct buf {
    char *s;
    size_t len, cap;
    bool failed;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *ns = realloc(b->s, cap);
        if (!ns) {
            b->failed = true;
            return;
        }
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

const char *textdiff_unified(struct arena *a, const char *from_label, const char *from, const char *to_label,
                             const char *to)
{
    struct lines x, y;
    size_t nops;
    struct op *ops;
    if (lines_split(a, from, &x) < 0 || lines_split(a, to, &y) < 0 || !(ops = edit_script(a, &x, &y, &nops)))
        return NULL;
    struct buf b = { 0 };
    char line[256];
    buf_add(&b, line, (size_t)snprintf(line, sizeof(line), "--- %s\n+++ %s\n", from_label, to_label));
    for (size_t i = 0; i < nops;) {
        while (i < nops && ops[i].kind == ' ')
            i++;
        if (i == nops)
            break;
        /* a hunk: changes whose gaps are at most twice the context, with context around */
        size_t start = i > TEXTDIFF_CONTEXT ? i - TEXTDIFF_CONTEXT : 0, end = i + 1, j = i + 1;
        while (j < nops) {
            if (ops[j].kind != ' ') {
                end = ++j;
                continue;
            }
            size_t k = j;
            while (k < nops && ops[k].kind == ' ')
                k++;
            if (k == nops || k - j > 2 * TEXTDIFF_CONTEXT)
                break;
            j = k;
        }
        size_t stop = end + TEXTDIFF_CONTEXT < nops ? end + TEXTDIFF_CONTEXT : nops, na = 0, nb = 0;
        for (size_t k = start; k < stop; k++) {
            na += ops[k].kind != '+';
            nb += ops[k].kind != '-';
        }
        buf_add(&b, line, (size_t)snprintf(line, sizeof(line), "@@ -%zu,%zu +%zu,%zu @@\n", ops[start].a + (na > 0), na,
                                           ops[start].b + (nb > 0), nb));
        for (size_t k = start; k < stop; k++) {
            const char *s = ops[k].kind == '+' ? y.s[ops[k].b] : x.s[ops[k].a];
            size_t n = ops[k].kind == '+' ? y.len[ops[k].b] : x.len[ops[k].a];
            buf_add(&b, &ops[k].kind, 1);
            buf_add(&b, s, n);
            buf_add(&b, "\n", 1);
        }
        i = stop;
    }
    const char *out = b.failed || !b.s ? NULL : arena_strdup(a, b.s);
    free(b.s);
    return out;
}
