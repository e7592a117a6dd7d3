/*
 * deploy drivers: how the runner asks a CI/CD provider to deploy (runner/deploys.c calls them;
 * one file each: deploy_github.c, deploy_gitlab.c, deploy_jenkins.c, deploy_circleci.c,
 * deploy_generic.c). Each makes its provider's documented request through outbound.c, with the
 * integration's outbound credential, and passes Portico's deploy to the pipeline by the same
 * names everywhere:
 *
 *   github, circleci  inputs / pipeline parameters  portico_environment, portico_version,
 *                                                    portico_commit, portico_deploy
 *   gitlab, jenkins   variables / build parameters   PORTICO_ENVIRONMENT, PORTICO_VERSION,
 *                                                    PORTICO_COMMIT, PORTICO_DEPLOY
 *   generic           a signed JSON body             {deploy, entity, environment, version,
 *                                                    commit, rollback_of}
 *
 * The pipeline reports the deployment back through the inbound hooks, which settles the deploy.
 * A driver registers the credential with d->secret, never logs it or puts it in d->error, and
 * shows of the provider's answer only its status and its "message" (cut, plain text).
 */
#ifndef PORTICO_DEPLOY_DRIVER_H
#define PORTICO_DEPLOY_DRIVER_H

#include <stdbool.h>

#include "runner/drivers/driver.h"
#include "runner/drivers/outbound.h"

struct deploy_call {
    const char *api, *target, *ref, *user, *credential;   /* the integration's (lib/cicd.h's table) */
    long long deploy;                                       /* Portico's id of the deploy */
    const char *entity, *environment, *version, *commit;   /* commit "" when not known */
    long long rollback_of;                                  /* 0: not a rollback */
};

#define DEPLOY_OK 0
#define DEPLOY_RETRY (-1)     /* may work later: the provider was unreachable, busy or failing (5xx, 429) */
#define DEPLOY_REFUSED (-2)   /* will not work as it stands: the provider refused it (4xx), or it is misconfigured */
#define DEPLOY_UNSURE (-3)    /* sent, and no answer came: the provider may have started it (not tried again) */

struct deploy_driver {
    const char *provider;
    /* Ask the provider: DEPLOY_OK with d->outputs "ref" (the provider's id of what it started,
     * when it says), or DEPLOY_RETRY / DEPLOY_REFUSED with d->error. */
    int (*trigger)(struct driver_run *d, const struct deploy_call *call);
};

extern const struct deploy_driver deploy_github, deploy_gitlab, deploy_jenkins, deploy_circleci, deploy_generic;

/* The driver of provider, or NULL. */
const struct deploy_driver *deploy_driver_find(const char *provider);

/* s percent-encoded (RFC 3986 unreserved kept; '/' too when keep_slash), in d's arena. */
const char *deploy_escape(struct driver_run *d, const char *s, bool keep_slash);

/* The end of a trigger: DEPLOY_OK for a 2xx answer; otherwise the status (and the answer's JSON
 * "message", the credential taken out first, then cut and made plain) in d->error, DEPLOY_RETRY
 * for 408, 429 and 5xx, else DEPLOY_REFUSED. what: "GitHub", ... */
int deploy_answered(struct driver_run *d, const char *what, const struct outbound_answer *an, const char *credential);

/* The end of a trigger whose request failed (outbound_send's -1, d->error said why): DEPLOY_RETRY
 * when it never left (nothing resolved or connected), DEPLOY_REFUSED when it may not go there,
 * DEPLOY_UNSURE when it went out and its answer was lost (a timeout after sending): the provider
 * may have started the deploy, and a second one is worse than none. */
int deploy_unsent(struct driver_run *d, const struct outbound_answer *an);

/* d->outputs "ref" = ref, when there is one. */
void deploy_output(struct driver_run *d, const char *ref);

#endif
