/*
 * utf8: well-formed UTF-8 as Unicode's table 3-7 defines it: no overlong forms, no encoded
 * surrogates (U+D800..U+DFFF), nothing past U+10FFFF. json-c's own check lets those through; the
 * request parser, JSON bodies, the password policy and secrets' reveal all use this one.
 */
#ifndef PORTICO_UTF8_H
#define PORTICO_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Length (1..4) of the well-formed sequence that starts s, which holds n bytes; 0 when there is
 * none (n == 0, a bad lead or continuation byte, a sequence cut short by n, or one of the forms
 * above). */
size_t utf8_seq(const unsigned char *s, size_t n);

/* True when all n bytes of s are well-formed UTF-8 (NUL is a character like any other). */
bool utf8_valid(const unsigned char *s, size_t n);

#endif
