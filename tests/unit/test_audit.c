/*
 * audit: the chain hash is deterministic, depends on every field and on the previous hash,
 * and its encoding cannot be confused by values that contain the separators.
 */
#include <CUnit/CUnit.h>
#include <sodium.h>
#include <string.h>

#include "lib/audit.h"
#include "tests/unit/suites.h"

static const char zero[] = "0000000000000000000000000000000000000000000000000000000000000000";
static const char when[] = "2026-11-26 19:40:00.123456";

static struct audit_event sample(void)
{
    struct audit_event ev = {
        .actor_type = "user", .actor_id = "42", .actor_name = "ada", .action = "auth.login",
        .target_type = "user", .target_id = "42", .outcome = "success", .remote_addr = "127.0.0.1",
        .user_agent = "curl/8", .request_id = "abc", .details = "{\"method\":\"password\"}",
    };
    return ev;
}

static void test_deterministic(void)
{
    struct audit_event ev = sample();
    char a[AUDIT_HASH_HEX], b[AUDIT_HASH_HEX];
    audit_hash(zero, when, &ev, a);
    audit_hash(zero, when, &ev, b);
    CU_ASSERT_STRING_EQUAL(a, b);
    CU_ASSERT_EQUAL(strlen(a), 64);
    for (size_t i = 0; i < 64; i++)
        CU_ASSERT_TRUE((a[i] >= '0' && a[i] <= '9') || (a[i] >= 'a' && a[i] <= 'f'));
}

static void test_every_field_counts(void)
{
    struct audit_event base = sample();
    char h0[AUDIT_HASH_HEX], h[AUDIT_HASH_HEX];
    audit_hash(zero, when, &base, h0);

    const char **fields[] = { &base.actor_type, &base.actor_id, &base.actor_name, &base.action,
                              &base.target_type, &base.target_id, &base.outcome, &base.remote_addr,
                              &base.user_agent, &base.request_id, &base.details };
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        const char *saved = *fields[i];
        *fields[i] = "changed";
        audit_hash(zero, when, &base, h);
        CU_ASSERT_STRING_NOT_EQUAL(h, h0);
        *fields[i] = NULL; /* NULL differs from any string, even "" */
        audit_hash(zero, when, &base, h);
        CU_ASSERT_STRING_NOT_EQUAL(h, h0);
        *fields[i] = saved;
    }
    audit_hash(zero, "2026-11-26 19:40:00.123457", &base, h);
    CU_ASSERT_STRING_NOT_EQUAL(h, h0);
    audit_hash("1000000000000000000000000000000000000000000000000000000000000000", when, &base, h);
    CU_ASSERT_STRING_NOT_EQUAL(h, h0);
}

static void test_unambiguous(void)
{
    /* moving a separator between two fields must change the hash */
    struct audit_event a = sample(), b = sample();
    char ha[AUDIT_HASH_HEX], hb[AUDIT_HASH_HEX];
    a.actor_id = "4;2";
    a.actor_name = "x";
    b.actor_id = "4";
    b.actor_name = "2;x";
    audit_hash(zero, when, &a, ha);
    audit_hash(zero, when, &b, hb);
    CU_ASSERT_STRING_NOT_EQUAL(ha, hb);
    a.actor_id = "";
    b.actor_id = NULL;
    a.actor_name = b.actor_name = "x";
    audit_hash(zero, when, &a, ha);
    audit_hash(zero, when, &b, hb);
    CU_ASSERT_STRING_NOT_EQUAL(ha, hb);
}

static void test_known_vector(void)
{
    /* pins the version-1 encoding: changing it silently would break every stored chain */
    struct audit_event ev = { .actor_type = "admin-tool", .action = "x", .outcome = "success" };
    char h[AUDIT_HASH_HEX], want[AUDIT_HASH_HEX];
    const char *canon = "portico-audit-v1;1:t;10:admin-tool;~;~;1:x;~;~;7:success;~;~;~;~;";
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)zero, 64);
    crypto_hash_sha256_update(&st, (const unsigned char *)canon, strlen(canon));
    crypto_hash_sha256_final(&st, d);
    sodium_bin2hex(want, sizeof(want), d, sizeof(d));
    audit_hash(zero, "t", &ev, h);
    CU_ASSERT_STRING_EQUAL(h, want);
}

void suite_audit(void)
{
    CU_pSuite s = CU_add_suite("audit", NULL, NULL);
    CU_add_test(s, "hash is deterministic hex", test_deterministic);
    CU_add_test(s, "every field and the previous hash count", test_every_field_counts);
    CU_add_test(s, "encoding is unambiguous", test_unambiguous);
    CU_add_test(s, "version-1 encoding is pinned", test_known_vector);
}
