/*
 * arena: bump allocation in chunks. Large requests get a chunk of their own so that a
 * single big body does not waste a whole ordinary chunk.
 */
#include "arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16
#define ARENA_DEFAULT_CHUNK (16 * 1024)

struct arena_chunk {
    struct arena_chunk *next;
    size_t size;  /* usable bytes in data */
    size_t used;
    _Alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena_deferred {
    struct arena_deferred *next;
    void (*fn)(void *);
    void *p;
};

/* What was deferred, run now (newest first); its records are in the arena, which goes next. */
static void arena_run_deferred(struct arena *a)
{
    struct arena_deferred *d = a->deferred;
    a->deferred = NULL;
    for (; d; d = d->next)
        d->fn(d->p);
}

int arena_defer(struct arena *a, void (*fn)(void *), void *p)
{
    struct arena_deferred *d = arena_alloc(a, sizeof(*d));
    if (!d) {
        fn(p);
        return -1;
    }
    *d = (struct arena_deferred){ a->deferred, fn, p };
    a->deferred = d;
    return 0;
}

void arena_init(struct arena *a, size_t chunk_size)
{
    a->head = NULL;
    a->deferred = NULL;
    a->chunk_size = chunk_size ? chunk_size : ARENA_DEFAULT_CHUNK;
    a->total = 0;
}

void arena_reset(struct arena *a)
{
    struct arena_chunk *c, *keep = NULL;

    arena_run_deferred(a);
    /* Keep the oldest ordinary chunk: the common request then needs no malloc at all. It is
     * not always the last one: large blocks are linked behind the chunk that was current. */
    for (c = a->head; c; c = c->next)
        if (c->size == a->chunk_size)
            keep = c;
    c = a->head;
    while (c) {
        struct arena_chunk *next = c->next;
        if (c != keep)
            free(c);
        c = next;
    }
    if (keep) {
        keep->used = 0;
        keep->next = NULL;
    }
    a->head = keep;
    a->total = 0;
}

void arena_free(struct arena *a)
{
    arena_run_deferred(a);
    struct arena_chunk *c = a->head;
    while (c) {
        struct arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
    a->total = 0;
}

static struct arena_chunk *arena_chunk_new(size_t size)
{
    if (size > SIZE_MAX - sizeof(struct arena_chunk))
        return NULL;
    struct arena_chunk *c = malloc(sizeof(*c) + size);
    if (!c)
        return NULL;
    c->size = size;
    c->used = 0;
    c->next = NULL;
    return c;
}

void *arena_alloc(struct arena *a, size_t n)
{
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX - ARENA_ALIGN)
        return NULL;
    n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);

    struct arena_chunk *c = a->head;
    if (c && c->size - c->used >= n) {
        void *p = c->data + c->used;
        c->used += n;
        a->total += n;
        return p;
    }
    if (n > a->chunk_size / 4) {
        /* A large block gets its own chunk, linked behind the current one so the current
         * chunk's free space is still used by later small allocations. */
        struct arena_chunk *big = arena_chunk_new(n);
        if (!big)
            return NULL;
        big->used = n;
        if (c) {
            big->next = c->next;
            c->next = big;
        } else {
            a->head = big;
        }
        a->total += n;
        return big->data;
    }
    c = arena_chunk_new(a->chunk_size);
    if (!c)
        return NULL;
    c->next = a->head;
    a->head = c;
    c->used = n;
    a->total += n;
    return c->data;
}

void *arena_calloc(struct arena *a, size_t n, size_t sz)
{
    if (sz && n > SIZE_MAX / sz)
        return NULL;
    void *p = arena_alloc(a, n * sz);
    if (p)
        memset(p, 0, n * sz);
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = arena_alloc(a, len + 1);
    if (!p)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return arena_strndup(a, s, SIZE_MAX);
}

char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int len = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (len < 0)
        return NULL;
    char *p = arena_alloc(a, (size_t)len + 1);
    if (!p)
        return NULL;
    vsnprintf(p, (size_t)len + 1, fmt, ap);
    return p;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}
