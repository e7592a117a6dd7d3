/*
 * What the CI/CD integration suites share (http_cicd.c makes them; http_cicd_deploys.c uses
 * them): a team with its component, a maintainer and a developer of it, an integration, and
 * the HMAC a provider signs with — libsodium's, not lib/cicd's, so the server is checked against
 * the providers' rules rather than against itself.
 */
#ifndef PORTICO_TEST_CICD_FIXTURE_H
#define PORTICO_TEST_CICD_FIXTURE_H

struct cicd_fixture {
    char acookie[256], acsrf[128], mc[256], mx[128], dc[256], dx[128];
    char team[64], entity[160], enc[200];
};

/* The team ci<tag><pid>, its component <team>-web, its maintainer <team>-lead and developer
 * <team>-dev, logged in; the administrator logged in too. */
void cicd_fixture(struct cicd_fixture *f, const char *tag);

/* An integration of provider called name, made by the maintainer: its id; its secret into secret. */
long long cicd_integration(struct cicd_fixture *f, const char *provider, const char *name, char secret[65]);

/* A generic delivery of event with body to integration id, signed with secret as the generic
 * scheme says ("<timestamp>.<body>"): its status (said on stderr when not 200). */
long cicd_deliver(long long id, const char *secret, const char *event, const char *delivery, const char *body);

/* The hex HMAC-SHA256 of a (then b, when not NULL) under key. */
void cicd_test_hmac(const char *key, const char *a, const char *b, char out[65]);

#endif
