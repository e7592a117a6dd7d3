/*
 * promql: each vector selector of an expression given the entity's matcher (promql.h).
 *
 * One pass over the bytes, copying them to the output; what is not a selector is copied as it
 * is. It knows whether an operand or an operator comes next, as PromQL's grammar does: where an
 * operand is expected every word is a selector (keywords too: PromQL reads `sum(by)` as a metric
 * called by) unless it is an aggregation or a function followed by its arguments, a binary
 * operator's modifier in its place, or inf/nan; after an operand only and, or, unless, atan2, a
 * grouping and offset may stand, and any other word is refused. Label lists after by, without,
 * on, ignoring, group_left and group_right are labels, not selectors, and are copied.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "promql.h"

/* keywords of PromQL's lexer (where an operand is expected, PromQL reads most as a metric's name) */
static const char *const keywords[] = { "and", "or", "unless", "atan2", "bool", "offset", NULL };
/* binary operators spelt as words */
static const char *const binary_keywords[] = { "and", "or", "unless", "atan2", NULL };
/* keywords followed by a label list */
static const char *const groupings[] = { "by", "without", "on", "ignoring", "group_left", "group_right", NULL };
/* aggregation operators: keywords too (a metric cannot be called sum) */
static const char *const aggregations[] = { "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count",
                                            "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio",
                                            NULL };

static bool word_in(const char *w, size_t n, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strlen(list[i]) == n && strncasecmp(w, list[i], n) == 0)
            return true;
    return false;
}

static bool ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

static bool ident_char(char c)
{
    return ident_start(c) || (c >= '0' && c <= '9');
}

bool promql_label_ok(const char *name)
{
    if (!name || !*name || strlen(name) > 63 || !ident_start(*name) || *name == ':' || strncmp(name, "__", 2) == 0)
        return false;
    for (const char *c = name; *c; c++)
        if (!ident_char(*c) || *c == ':')
            return false;
    return true;
}

struct scoper {
    const char *s;          /* the expression */
    size_t i, n;
    char *out;
    size_t o, cap;
    const char *label, *matcher;   /* the label, and `label="value"` */
    int selectors;
    const char *why;
    bool operand;           /* an operand is expected next (else an operator) */
    enum { MOD_NONE, MOD_AFTER_OP, MOD_AFTER_BOOL, MOD_AFTER_MATCHING } mod;   /* a binary operator's modifiers so far */
};

static void put(struct scoper *z, const char *b, size_t n)
{
    if (z->o + n < z->cap) {
        memcpy(z->out + z->o, b, n);
        z->o += n;
    } else if (!z->why) {
        z->why = "the expression is too long once scoped";
    }
}

static void skip_space(struct scoper *z)
{
    while (z->i < z->n && strchr(" \t\r\n", z->s[z->i]))
        put(z, z->s + z->i++, 1);
}

/* The next byte that is not white space (comments are not skipped here: a '#' is not a word). */
static char peek(const struct scoper *z)
{
    size_t j = z->i;
    while (j < z->n && strchr(" \t\r\n", z->s[j]))
        j++;
    return j < z->n ? z->s[j] : '\0';
}

/* The word starting at the next non-space byte, its length (0: none). */
static size_t peek_word(const struct scoper *z, const char **w)
{
    size_t j = z->i;
    while (j < z->n && strchr(" \t\r\n", z->s[j]))
        j++;
    size_t k = j;
    if (k < z->n && ident_start(z->s[k]))
        while (k < z->n && ident_char(z->s[k]))
            k++;
    *w = z->s + j;
    return k - j;
}

/* A string literal at z->i, copied: "..." and '...' with backslash escapes, `...` raw. */
static int string_lit(struct scoper *z)
{
    char q = z->s[z->i];
    size_t j = z->i + 1;
    while (j < z->n && z->s[j] != q) {
        if (z->s[j] == '\n' && q != '`')
            break;
        j += z->s[j] == '\\' && q != '`' && j + 1 < z->n ? 2 : 1;
    }
    if (j >= z->n || z->s[j] != q)
        return z->why = "a string is not closed", -1;
    put(z, z->s + z->i, j + 1 - z->i);
    z->i = j + 1;
    return 0;
}

/* A label list after a grouping keyword: ( name, name, ... ), copied. */
static int label_list(struct scoper *z)
{
    skip_space(z);
    if (z->i >= z->n || z->s[z->i] != '(')
        return 0;   /* not a list: what follows is read as usual (and Prometheus will say) */
    size_t j = z->i + 1;
    while (j < z->n && z->s[j] != ')') {
        char c = z->s[j];
        if (!ident_char(c) && !strchr(" \t\r\n,", c))
            return z->why = "a label list holds only label names", -1;
        j++;
    }
    if (j >= z->n)
        return z->why = "a label list is not closed", -1;
    put(z, z->s + z->i, j + 1 - z->i);
    z->i = j + 1;
    return 0;
}

/* Matchers between braces, at z->i ('{'): copied, checked, the entity's matcher added. */
static int matchers(struct scoper *z)
{
    put(z, "{", 1);
    z->i++;
    bool any = false;
    for (;;) {
        skip_space(z);
        if (z->i >= z->n)
            return z->why = "a selector's braces are not closed", -1;
        if (z->s[z->i] == '}')
            break;
        /* name op "value" */
        size_t k = z->i;
        if (!ident_start(z->s[k]) || z->s[k] == ':')
            return z->why = "a selector's matcher starts with a label name", -1;
        while (k < z->n && ident_char(z->s[k]) && z->s[k] != ':')
            k++;
        if (k - z->i == strlen(z->label) && strncmp(z->s + z->i, z->label, k - z->i) == 0)
            return z->why = "the expression may not choose the entity's label: it is added to every selector", -1;
        put(z, z->s + z->i, k - z->i);
        z->i = k;
        skip_space(z);
        size_t opn = z->i + 1 < z->n && (z->s[z->i + 1] == '=' || z->s[z->i + 1] == '~') &&
                     (z->s[z->i] == '!' || (z->s[z->i] == '=' && z->s[z->i + 1] == '~')) ? 2
                     : z->i < z->n && z->s[z->i] == '=' ? 1 : 0;
        if (!opn)
            return z->why = "a matcher is name, one of = != =~ !~, and a string", -1;
        put(z, z->s + z->i, opn);
        z->i += opn;
        skip_space(z);
        if (z->i >= z->n || !strchr("\"'`", z->s[z->i]))
            return z->why = "a matcher's value is a string", -1;
        if (string_lit(z) < 0)
            return -1;
        any = true;
        skip_space(z);
        if (z->i < z->n && z->s[z->i] == ',') {
            put(z, ",", 1);
            z->i++;
            continue;
        }
        if (z->i < z->n && z->s[z->i] == '}')
            break;
        return z->why = "matchers are separated by commas (or between them is refused)", -1;
    }
    /* after a trailing comma, none is needed */
    size_t back = z->o;
    while (back > 0 && strchr(" \t\r\n", z->out[back - 1]))
        back--;
    if (any && z->out[back - 1] != ',')
        put(z, ",", 1);
    put(z, z->matcher, strlen(z->matcher));
    put(z, "}", 1);
    z->i++;
    return 0;
}

/* A range or subquery's brackets: durations and ':' only, copied. */
static int brackets(struct scoper *z)
{
    size_t j = z->i + 1;
    while (j < z->n && z->s[j] != ']') {
        char c = z->s[j];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || strchr(" :._", c)))
            return z->why = "a range holds durations only", -1;
        j++;
    }
    if (j >= z->n)
        return z->why = "a range's bracket is not closed", -1;
    put(z, z->s + z->i, j + 1 - z->i);
    z->i = j + 1;
    return 0;
}

static int selector(struct scoper *z)
{
    if (++z->selectors > PROMQL_SELECTORS_MAX)
        return z->why = "the expression has more than 64 selectors", -1;
    if (peek(z) == '{') {
        skip_space(z);
        return matchers(z);
    }
    put(z, "{", 1);
    put(z, z->matcher, strlen(z->matcher));
    put(z, "}", 1);
    return 0;
}

/* Refused as a function's name: info() joins target_info's series, which carry no entity label. */
static const char *const unscoped_functions[] = { "info", NULL };
/* whole words PromQL reads as numbers */
static const char *const number_words[] = { "inf", "nan", NULL };

/*
 * A word where an operand is expected. Any word not followed by '(' is a selector, whatever it
 * spells: PromQL takes a keyword there as a metric's name (sum(by), rate(offset[5m])), so
 * nothing is left unscoped for being a keyword. What may stand before an operand instead: an
 * aggregation with its arguments or grouping, a function's name, and after a binary operator its
 * modifiers, in their order (bool, on/ignoring (...), group_left/group_right [(...)]).
 */
static int operand_word(struct scoper *z, const char *w, size_t len)
{
    const char *next;
    size_t nl = peek_word(z, &next);
    bool call = peek(z) == '(';
    if (z->mod == MOD_AFTER_OP && len == 4 && strncasecmp(w, "bool", 4) == 0) {
        z->mod = MOD_AFTER_BOOL;
        return 0;
    }
    if ((z->mod == MOD_AFTER_OP || z->mod == MOD_AFTER_BOOL) && call &&
        ((len == 2 && strncasecmp(w, "on", 2) == 0) || (len == 8 && strncasecmp(w, "ignoring", 8) == 0))) {
        z->mod = MOD_AFTER_MATCHING;
        return label_list(z);
    }
    if (z->mod == MOD_AFTER_MATCHING &&
        ((len == 10 && strncasecmp(w, "group_left", 10) == 0) || (len == 11 && strncasecmp(w, "group_right", 11) == 0))) {
        z->mod = MOD_NONE;
        return label_list(z);
    }
    z->mod = MOD_NONE;
    if (word_in(w, len, number_words)) {
        z->operand = false;
        return 0;
    }
    if (word_in(w, len, aggregations) && (call || (nl && word_in(next, nl, groupings)))) {
        if (!call) {   /* sum by (a) (...): the grouping and its list, then the arguments */
            skip_space(z);
            put(z, z->s + z->i, nl);
            z->i += nl;
            if (label_list(z) < 0)
                return -1;
        }
        return 0;
    }
    if (call) {
        if (word_in(w, len, keywords) || word_in(w, len, groupings) || word_in(w, len, aggregations))
            return z->why = "a keyword stands where a function's name or a selector is expected", -1;
        if (word_in(w, len, unscoped_functions))
            return z->why = "info() reads series without the entity's label: it is refused", -1;
        return 0;   /* a function's name (an unknown one is Prometheus' error) */
    }
    z->operand = false;
    return selector(z);
}

/* A word after an operand: only a binary operator's keyword, a grouping after an aggregation's
 * arguments, or offset. */
static int operator_word(struct scoper *z, const char *w, size_t len)
{
    if (word_in(w, len, binary_keywords)) {
        z->operand = true;
        z->mod = MOD_AFTER_OP;
        return 0;
    }
    if ((len == 2 && strncasecmp(w, "by", 2) == 0) || (len == 7 && strncasecmp(w, "without", 7) == 0)) {
        if (peek(z) != '(')
            return z->why = "by and without are followed by a list of labels", -1;
        return label_list(z);
    }
    if (len == 6 && strncasecmp(w, "offset", 6) == 0) {
        z->operand = true;   /* a duration follows (a word there is read as a selector, and refused by Prometheus) */
        z->mod = MOD_NONE;
        return 0;
    }
    return z->why = "a word follows an expression where an operator is expected", -1;
}

static int word(struct scoper *z)
{
    size_t k = z->i;
    while (k < z->n && ident_char(z->s[k]))
        k++;
    const char *w = z->s + z->i;
    size_t len = k - z->i;
    put(z, w, len);
    z->i = k;
    return z->operand ? operand_word(z, w, len) : operator_word(z, w, len);
}

int promql_scope(struct arena *a, const char *expr, const char *label, const char *value, const char **out,
                 const char **why)
{
    *out = NULL;
    *why = NULL;
    if (!expr || !*expr)
        return *why = "the expression is empty", -1;
    if (strlen(expr) > PROMQL_MAX)
        return *why = "the expression is longer than 2000 bytes", -1;
    if (!promql_label_ok(label))
        return *why = "the entity's label is not a label name", -1;
    /* the value as a PromQL string: \ and " escaped */
    size_t vl = strlen(value);
    char *q = arena_alloc(a, 2 * vl + 1);
    if (!q)
        return *why = "out of memory", -1;
    size_t m = 0;
    for (const char *c = value; *c; c++) {
        if (*c == '\\' || *c == '"')
            q[m++] = '\\';
        q[m++] = *c == '\n' ? ' ' : *c;
    }
    q[m] = '\0';
    struct scoper z = { .s = expr, .n = strlen(expr), .label = label, .matcher = arena_printf(a, "%s=\"%s\"", label, q) };
    if (!z.matcher)
        return *why = "out of memory", -1;
    z.cap = z.n + 1 + (PROMQL_SELECTORS_MAX + 1) * (strlen(z.matcher) + 3);
    z.out = arena_alloc(a, z.cap);
    if (!z.out)
        return *why = "out of memory", -1;
    z.operand = true;
    while (z.i < z.n && !z.why) {
        char c = z.s[z.i];
        if (c == '#') {
            while (z.i < z.n && z.s[z.i] != '\n')
                z.i++;   /* a comment: left out */
            continue;
        }
        if (strchr(" \t\r\n", c)) {
            put(&z, z.s + z.i++, 1);
            continue;
        }
        if (ident_start(c)) {
            word(&z);
            continue;
        }
        bool was_operand = z.operand;
        z.operand = false;   /* after most tokens an operator is expected */
        z.mod = MOD_NONE;
        if (c == '"' || c == '\'' || c == '`') {
            string_lit(&z);
        } else if (c == '{') {
            if (++z.selectors > PROMQL_SELECTORS_MAX)
                z.why = "the expression has more than 64 selectors";
            else
                matchers(&z);
        } else if (c == '[') {
            brackets(&z);
        } else if ((c >= '0' && c <= '9') || (c == '.' && z.i + 1 < z.n && z.s[z.i + 1] >= '0' && z.s[z.i + 1] <= '9')) {
            /* a number or a duration: digits, letters, dots, an exponent's sign (not ':': an
             * identifier may begin with one, and is read as one) */
            size_t k = z.i;
            while (k < z.n && ((ident_char(z.s[k]) && z.s[k] != ':') || z.s[k] == '.' ||
                               ((z.s[k] == '+' || z.s[k] == '-') && (z.s[k - 1] == 'e' || z.s[k - 1] == 'E') &&
                                !(z.s[z.i] == '0' && z.i + 1 < z.n && (z.s[z.i + 1] == 'x' || z.s[z.i + 1] == 'X')))))
                k++;
            put(&z, z.s + z.i, k - z.i);
            z.i = k;
        } else if (c == ')') {
            put(&z, z.s + z.i++, 1);
        } else if (c == '(' || c == ',' || c == '@') {
            put(&z, z.s + z.i++, 1);
            z.operand = true;
        } else if (strchr("+-*/%^=!<>", c)) {
            /* an operator: == != <= >= as one; after an operand it is binary (its modifiers may
             * follow), else unary */
            size_t k = z.i + 1;
            if (strchr("=!<>", c) && k < z.n && z.s[k] == '=')
                k++;
            put(&z, z.s + z.i, k - z.i);
            z.i = k;
            z.operand = true;
            if (!was_operand)
                z.mod = MOD_AFTER_OP;
        } else {
            z.why = arena_printf(a, "byte %zu ('%c') is not PromQL's", z.i + 1, c >= 32 && c < 127 ? c : '?');
        }
    }
    if (z.why)
        return *why = z.why, -1;
    z.out[z.o] = '\0';
    if (z.out[strspn(z.out, " \t\r\n")] == '\0')
        return *why = "the expression is empty (comments and spaces only)", -1;
    *out = z.out;
    return 0;
}
