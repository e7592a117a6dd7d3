/*
 * password: Argon2id hashing (libargon2), verification, rehash checks, the dummy verify for
 * unknown users, and the password policy.
 *
 * An encoded hash is accepted only in exactly this form, checked here before libargon2 sees
 * it: "$argon2id$v=19$m=<m>,t=<t>,p=<p>$<salt>$<tag>" where m, t and p are decimal without
 * sign or leading zeros and fit in 32 bits (t >= 1, 1 <= p <= 2^24-1, m >= 8p), and salt and
 * tag are unpadded standard base64 of 8..64 and 16..64 bytes. The same parser serves verify
 * and needs_rehash, so what one rejects the other never trusts.
 */
#include "password.h"

#include <argon2.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"

#define SALT_BYTES 16
#define TAG_BYTES 32

const struct password_params password_default = { .m_kib = 19456, .t = 2, .p = 1 };

/* --- the encoded form ---------------------------------------------------------------------- */

struct encoded_params {
    uint32_t m, t, p;
};

/* s past the literal lit, or NULL when s does not start with it. */
static const char *expect(const char *s, const char *lit)
{
    size_t n = strlen(lit);
    return strncmp(s, lit, n) == 0 ? s + n : NULL;
}

/* A decimal uint32 without sign or leading zeros; s past it, or NULL. */
static const char *parse_u32(const char *s, uint32_t *out)
{
    if (!s || *s < '0' || *s > '9')
        return NULL;
    if (s[0] == '0' && s[1] >= '0' && s[1] <= '9')
        return NULL;
    uint64_t v = 0;
    while (*s >= '0' && *s <= '9') {
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > UINT32_MAX)
            return NULL;
        s++;
    }
    *out = (uint32_t)v;
    return s;
}

static bool is_b64(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

/* Unpadded standard base64 decoding to min..max bytes, ending at '$' or the end of the
 * string; s past it, or NULL. (Non-zero trailing bits are left to libargon2's decoder.) */
static const char *parse_b64(const char *s, size_t min, size_t max)
{
    if (!s)
        return NULL;
    size_t n = 0;
    while (is_b64(s[n])) {
        n++;
        if (n > (max * 4 + 2) / 3)
            return NULL;
    }
    if (n % 4 == 1)
        return NULL;
    size_t bytes = n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
    if (bytes < min || bytes > max)
        return NULL;
    return s + n;
}

static int parse_encoded(const char *enc, struct encoded_params *ep)
{
    const char *s = expect(enc, "$argon2id$v=19$m=");
    s = parse_u32(s, &ep->m);
    s = s ? expect(s, ",t=") : NULL;
    s = parse_u32(s, &ep->t);
    s = s ? expect(s, ",p=") : NULL;
    s = parse_u32(s, &ep->p);
    s = s ? expect(s, "$") : NULL;
    s = parse_b64(s, 8, 64);
    s = s ? expect(s, "$") : NULL;
    s = parse_b64(s, 16, 64);
    if (!s || *s != '\0')
        return -1;
    if (ep->t < 1 || ep->p < 1 || ep->p > 0xFFFFFFu || ep->m / 8 < ep->p)
        return -1;
    return 0;
}

/* --- hashing and verifying ----------------------------------------------------------------- */

int password_hash(const char *pw, size_t len, const struct password_params *pp,
                  char out[PASSWORD_HASH_MAX])
{
    unsigned char salt[SALT_BYTES];

    if (!out)
        return -1;
    out[0] = '\0';
    if (!pp)
        pp = &password_default;
    if (!pw && len)
        return -1;
    if (sodium_init() < 0)
        return -1;
    randombytes_buf(salt, sizeof(salt));
    int rc = argon2id_hash_encoded(pp->t, pp->m_kib, pp->p, pw ? pw : "", len, salt, sizeof(salt),
                                   TAG_BYTES, out, PASSWORD_HASH_MAX);
    sodium_memzero(salt, sizeof(salt));
    if (rc != ARGON2_OK) {
        sodium_memzero(out, PASSWORD_HASH_MAX);
        return -1;
    }
    return 0;
}

bool password_verify(const char *encoded, const char *pw, size_t len)
{
    struct encoded_params ep;

    if (!encoded || (!pw && len) || parse_encoded(encoded, &ep) < 0)
        return false;
    return argon2id_verify(encoded, pw ? pw : "", len) == ARGON2_OK;
}

bool password_needs_rehash(const char *encoded, const struct password_params *pp)
{
    struct encoded_params ep;

    if (!pp)
        pp = &password_default;
    if (!encoded || parse_encoded(encoded, &ep) < 0)
        return true;
    return ep.m < pp->m_kib || ep.t < pp->t || ep.p < pp->p;
}

/* --- the dummy verify ---------------------------------------------------------------------- */

static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[PASSWORD_HASH_MAX];
static bool dummy_ok;

/* The hash of a random secret nobody knows, so nothing ever matches it. */
static void dummy_make(void)
{
    unsigned char secret[32];

    if (sodium_init() < 0)
        return;
    randombytes_buf(secret, sizeof(secret));
    dummy_ok = password_hash((const char *)secret, sizeof(secret), &password_default, dummy_hash) == 0;
    sodium_memzero(secret, sizeof(secret));
}

void password_verify_dummy(const char *pw, size_t len)
{
    if (!pw)
        len = 0;
    pw = pw ? pw : "";
    pthread_once(&dummy_once, dummy_make);
    if (dummy_ok) {
        (void)password_verify(dummy_hash, pw, len);
        return;
    }
    /* No dummy hash (memory ran out on the first call): spend the same work without one. */
    static const unsigned char salt[SALT_BYTES] = "portico-dummy-s";
    unsigned char tag[TAG_BYTES];
    (void)argon2id_hash_raw(password_default.t, password_default.m_kib, password_default.p, pw, len,
                            salt, sizeof(salt), tag, sizeof(tag));
    sodium_memzero(tag, sizeof(tag));
}

/* --- policy -------------------------------------------------------------------------------- */

static int refuse(char *why, size_t whylen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int refuse(char *why, size_t whylen, const char *fmt, ...)
{
    if (why && whylen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int password_check_policy(const char *pw, size_t len, char *why, size_t whylen)
{
    if (why && whylen)
        why[0] = '\0';
    if (!pw)
        return refuse(why, whylen, "is required");
    if (len < PASSWORD_MIN_LEN)
        return refuse(why, whylen, "must be at least %d characters", PASSWORD_MIN_LEN);
    if (len > PASSWORD_MAX_LEN)
        return refuse(why, whylen, "must be at most %d bytes", PASSWORD_MAX_LEN);
    if (memchr(pw, '\0', len))
        return refuse(why, whylen, "must not contain a NUL character");
    if (!utf8_valid((const unsigned char *)pw, len))
        return refuse(why, whylen, "must be valid UTF-8 text");
    return 0;
}
