/*
 * password: hashing, verifying and policy for account passwords.
 *
 * Passwords are stored as the standard Argon2id encoded string
 * ($argon2id$v=19$m=...,t=...,p=...$salt$hash), so the parameters travel with each hash and
 * can be raised later: password_needs_rehash tells the login path when a stored hash is
 * weaker than the current parameters. Only Argon2id (version 19) is ever accepted. For
 * unknown users the login path calls password_verify_dummy, which costs what a verify costs,
 * so "no such user" and "wrong password" cannot be told apart by timing.
 * Passwords are byte strings: lengths are counted in bytes, not characters.
 */
#ifndef PORTICO_PASSWORD_H
#define PORTICO_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PASSWORD_MIN_LEN 12
#define PASSWORD_MAX_LEN 1024
#define PASSWORD_HASH_MAX 160          /* buffer size for an encoded hash */

struct password_params {
    uint32_t m_kib;  /* memory, KiB */
    uint32_t t;      /* passes */
    uint32_t p;      /* lanes */
};

/* Argon2id m=19456 KiB (19 MiB), t=2, p=1. */
extern const struct password_params password_default;

/* Hash pw (len bytes) with Argon2id, a 16-byte random salt and a 32-byte tag, into out as the
 * standard encoded string. pp NULL means password_default. Returns 0, or -1 (out is then
 * empty) when the parameters are invalid or memory runs out. */
int password_hash(const char *pw, size_t len, const struct password_params *pp,
                  char out[PASSWORD_HASH_MAX]);

/* True when pw matches encoded, whatever parameters encoded names. Only "$argon2id$v=19$"
 * hashes are accepted; anything else, malformed input and NULL are false. */
bool password_verify(const char *encoded, const char *pw, size_t len);

/* True when encoded uses weaker parameters than pp (m, t or p lower; pp NULL means
 * password_default) or is not a well-formed argon2id hash: rehash on the next login. */
bool password_needs_rehash(const char *encoded, const struct password_params *pp);

/* Costs what a verify costs and always fails: call it for unknown users. It verifies against
 * a fixed internal hash made with password_default on the first call (so that first call
 * costs about twice as much). */
void password_verify_dummy(const char *pw, size_t len);

/* Policy: PASSWORD_MIN_LEN..PASSWORD_MAX_LEN bytes (so a password of multibyte characters
 * needs fewer characters: four 4-byte emoji are 16 bytes and pass), valid UTF-8 (no
 * overlong forms, surrogates or code points above U+10FFFF), no NUL byte. Returns 0, or -1
 * with a short reason for the user in why (why may be NULL). */
int password_check_policy(const char *pw, size_t len, char *why, size_t whylen);

#endif
