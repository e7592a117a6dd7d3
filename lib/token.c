/*
 * token: random tokens in unpadded base64url (libsodium), their SHA-256, constant-time
 * comparison, and the shape check that rejects junk before any lookup.
 */
#include "token.h"

#include <sodium.h>
#include <string.h>

#define TOKEN_MIN_BYTES 16
#define TOKEN_MAX_BYTES 64
#define VARIANT sodium_base64_VARIANT_URLSAFE_NO_PADDING

/* Characters of the unpadded encoding of n bytes: 4 per 3 bytes, 2 or 3 for the rest. */
static size_t encoded_chars(size_t n)
{
    return sodium_base64_ENCODED_LEN(n, VARIANT) - 1;
}

int token_new(char *out, size_t outlen, const char *prefix, size_t nbytes)
{
    unsigned char raw[TOKEN_MAX_BYTES];

    if (!out || outlen == 0)
        return -1;
    out[0] = '\0';
    if (!prefix || nbytes < TOKEN_MIN_BYTES || nbytes > TOKEN_MAX_BYTES)
        return -1;
    size_t plen = strlen(prefix);
    if (outlen <= plen || outlen - plen < encoded_chars(nbytes) + 1)
        return -1;
    if (sodium_init() < 0)
        return -1;
    randombytes_buf(raw, nbytes);
    memcpy(out, prefix, plen);
    sodium_bin2base64(out + plen, outlen - plen, raw, nbytes, VARIANT);
    sodium_memzero(raw, sizeof(raw));
    return 0;
}

void token_sha256_hex(const char *s, size_t len, char out[TOKEN_HASH_HEX])
{
    unsigned char h[crypto_hash_sha256_BYTES];

    crypto_hash_sha256(h, (const unsigned char *)(s ? s : ""), s ? len : 0);
    sodium_bin2hex(out, TOKEN_HASH_HEX, h, sizeof(h));
    sodium_memzero(h, sizeof(h));
}

bool token_equal(const char *a, const char *b)
{
    if (!a || !b)
        return false;
    size_t n = strlen(a);
    if (strlen(b) != n)
        return false;
    return sodium_memcmp(a, b, n) == 0;
}

/* The 6-bit value of a base64url character, or -1. */
static int b64url_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

bool token_shape_ok(const char *s, size_t len, const char *prefix, size_t nbytes)
{
    if (!s || !prefix || nbytes < TOKEN_MIN_BYTES || nbytes > TOKEN_MAX_BYTES)
        return false;
    size_t plen = strlen(prefix), n = encoded_chars(nbytes);
    if (len != plen + n || memcmp(s, prefix, plen) != 0)
        return false;
    int v = 0;
    for (size_t i = plen; i < len; i++)
        if ((v = b64url_value((unsigned char)s[i])) < 0)
            return false;
    /* the last character carries 2 (one byte left over) or 4 (two) unused bits, always 0 */
    static const int unused_mask[3] = { 0, 0x0F, 0x03 };
    return (v & unused_mask[nbytes % 3]) == 0;
}
