/*
 * arena: the request arena. Everything a request needs is allocated here and freed at
 * once when the request ends (arena_reset), so a FastCGI process that serves a million
 * requests does not grow. Not thread-safe: one arena per request.
 */
#ifndef PORTICO_ARENA_H
#define PORTICO_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena_chunk;
struct arena_deferred;

struct arena {
    struct arena_chunk *head;  /* newest chunk first */
    size_t chunk_size;         /* size of ordinary chunks */
    size_t total;              /* bytes handed out since the last reset, for limits and tests */
    struct arena_deferred *deferred;   /* what arena_defer asked for, newest first */
};

/* Prepare an empty arena whose ordinary chunks are chunk_size bytes (0: 16 KiB). */
void arena_init(struct arena *a, size_t chunk_size);

/* Free every chunk but the first, which is kept for the next request. */
void arena_reset(struct arena *a);

/* Free everything. The arena may be initialised again afterwards. */
void arena_free(struct arena *a);

/* Call fn(p) when the arena is next reset or freed, before its memory goes (the newest first):
 * what a request holds outside the arena (a json-c value) is released with it. 0, or -1 when
 * out of memory, having called fn(p) at once. */
int arena_defer(struct arena *a, void (*fn)(void *), void *p);

/* Aligned memory that lives until the next reset; NULL only when malloc fails. */
void *arena_alloc(struct arena *a, size_t n);

/* Zeroed array of n elements of size sz; NULL on overflow or when malloc fails. */
void *arena_calloc(struct arena *a, size_t n, size_t sz);

/* Copies of strings, NUL-terminated. arena_strndup copies at most n bytes. */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);

/* printf into the arena. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap);

#endif
