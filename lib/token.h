/*
 * token: random bearer secrets (API tokens, session ids) and what is stored instead of them.
 *
 * A token is a prefix ("ptc_" for API tokens, "" for session ids) followed by the unpadded
 * base64url encoding of 16..64 random bytes. Only its SHA-256 (hex) is stored; a presented
 * token is first checked for shape (token_shape_ok, so junk never reaches the database),
 * then hashed and looked up, and hashes are compared with token_equal.
 */
#ifndef PORTICO_TOKEN_H
#define PORTICO_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#define TOKEN_HASH_HEX 65

/* Write prefix followed by the unpadded base64url encoding of nbytes random bytes (nbytes
 * 16..64) into out, which holds outlen bytes. strlen(prefix) + 4*ceil(nbytes/3) + 1 is always
 * enough (the exact need is strlen(prefix) + ceil(4*nbytes/3) + 1). Returns 0, or -1 (out is
 * then empty) for a bad nbytes, a NULL prefix or a short buffer. E.g.
 * token_new(buf, sizeof buf, "ptc_", 32) for API tokens, token_new(buf, sizeof buf, "", 32)
 * for session ids (both 43 characters after the prefix). */
int token_new(char *out, size_t outlen, const char *prefix, size_t nbytes);

/* Hex SHA-256 of s (len bytes): what is stored instead of the token. */
void token_sha256_hex(const char *s, size_t len, char out[TOKEN_HASH_HEX]);

/* Constant-time comparison of two NUL-terminated strings of equal length (false if the
 * lengths differ or either is NULL; only the length can leak). */
bool token_equal(const char *a, const char *b);

/* True when s (len bytes) has the shape of a token made by token_new with that prefix and
 * nbytes: the right length, the prefix, only base64url characters, and a last character
 * whose unused bits are zero. Not constant-time: the shape is not secret. */
bool token_shape_ok(const char *s, size_t len, const char *prefix, size_t nbytes);

#endif
