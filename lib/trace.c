/*
 * trace: parsing by the W3C Trace Context rules, ids from libsodium's generator.
 */
#include "trace.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static bool hex_field(const char *s, size_t n)
{
    bool nonzero = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
        nonzero |= c != '0';
    }
    return nonzero;
}

bool trace_parse(const char *h, struct trace *t)
{
    if (!h)
        return false;
    size_t n = strlen(h);
    /* version: two hex digits, ff is forbidden; 00 is exactly 55 characters, later versions at
     * least that with a '-' after the flags when longer */
    if (n < TRACE_HEADER_LEN || !((h[0] >= '0' && h[0] <= '9') || (h[0] >= 'a' && h[0] <= 'f')) ||
        !((h[1] >= '0' && h[1] <= '9') || (h[1] >= 'a' && h[1] <= 'f')) || (h[0] == 'f' && h[1] == 'f'))
        return false;
    bool v00 = h[0] == '0' && h[1] == '0';
    if ((v00 && n != TRACE_HEADER_LEN) || (!v00 && n > TRACE_HEADER_LEN && h[TRACE_HEADER_LEN] != '-'))
        return false;
    if (h[2] != '-' || h[35] != '-' || h[52] != '-' || !hex_field(h + 3, 32) || !hex_field(h + 36, 16))
        return false;
    char f0 = h[53], f1 = h[54];
    if (!((f0 >= '0' && f0 <= '9') || (f0 >= 'a' && f0 <= 'f')) || !((f1 >= '0' && f1 <= '9') || (f1 >= 'a' && f1 <= 'f')))
        return false;
    memcpy(t->trace_id, h + 3, 32);
    t->trace_id[32] = '\0';
    memcpy(t->parent_id, h + 36, 16);
    t->parent_id[16] = '\0';
    t->flags[0] = f0;
    t->flags[1] = f1;
    t->flags[2] = '\0';
    return true;
}

/* Ids without a system call each (every request takes one, as request ids do, lib/app.c): a key
 * drawn once per process, and SipHash of a counter under it. */
static void random_hex(char *out, size_t digits)
{
    static unsigned char key[crypto_shorthash_KEYBYTES];
    static uint64_t counter;
    static bool keyed;
    if (!keyed) {
        randombytes_buf(key, sizeof(key));
        keyed = true;
    }
    unsigned char b[16];
    do {
        for (size_t i = 0; i < digits / 2; i += crypto_shorthash_BYTES) {
            uint64_t n = ++counter;
            crypto_shorthash(b + i, (const unsigned char *)&n, sizeof(n), key);
        }
        sodium_bin2hex(out, digits + 1, b, digits / 2);
    } while (!hex_field(out, digits));   /* all zero is invalid (one chance in 2^64 or more) */
}

void trace_begin(struct trace *t, const char *header)
{
    if (!trace_parse(header, t)) {
        random_hex(t->trace_id, 32);
        t->parent_id[0] = '\0';
        memcpy(t->flags, "01", 3);
    }
    random_hex(t->span_id, 16);
}

void trace_child(struct trace *t, const struct trace *parent)
{
    memcpy(t->trace_id, parent->trace_id, sizeof(t->trace_id));
    memcpy(t->parent_id, parent->span_id, sizeof(t->parent_id));
    memcpy(t->flags, parent->flags, sizeof(t->flags));
    random_hex(t->span_id, 16);
}

bool trace_child_of(struct trace *t, const char *traceparent)
{
    struct trace from;
    if (!trace_parse(traceparent, &from))
        return false;
    memcpy(from.span_id, from.parent_id, sizeof(from.span_id));   /* the named span is the parent */
    trace_child(t, &from);
    return true;
}

void trace_header(const struct trace *t, char *buf)
{
    /* only the flags this version defines (sampled) go on: unknown ones are set to zero */
    bool sampled = (t->flags[1] >= '0' && t->flags[1] <= '9' ? t->flags[1] - '0' : t->flags[1] - 'a' + 10) & 1;
    snprintf(buf, TRACE_HEADER_LEN + 1, "00-%.32s-%.16s-%s", t->trace_id, t->span_id, sampled ? "01" : "00");
}
