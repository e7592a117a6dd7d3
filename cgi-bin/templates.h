/*
 * The templates handler's parts: templates.c (drafts, versions, publishing, trust, the route
 * table), templates_gallery.c (the gallery, the stock examples) and templates_json.c (a version as
 * JSON, two versions compared; values only): one binary, templates.fcgi. The parts call none of
 * templates.c.
 */
#ifndef PORTICO_CGI_TEMPLATES_H
#define PORTICO_CGI_TEMPLATES_H

#include <json-c/json.h>

#include "lib/app.h"
#include "lib/arena.h"
#include "lib/authz.h"
#include "lib/json.h"
#include "lib/template.h"

/* A template as authz sees it: its owner team's. */
#define TEMPLATE_RESOURCE(team) (&(struct authz_resource){ (team), NULL, NULL, "template" })

/* A version is trusted while the hash an administrator trusted is its XML's hash now. A template
 * is "trusted" (list, get) when its newest published version is. */
#define VERSION_TRUSTED(v) "(" v ".trusted_sha256 IS NOT NULL AND " v ".trusted_sha256 = SHA2(" v ".xml, 256))"
#define TEMPLATE_TRUSTED(t) "COALESCE((SELECT " VERSION_TRUSTED("lv") " FROM template_versions lv WHERE lv.template_id = " t \
    ".id AND lv.state = 'published' ORDER BY lv.version_order DESC LIMIT 1), 0)"

/* templates_gallery.c */
int templates_list(struct app_ctx *c);
int templates_examples_install(struct app_ctx *c);

/* templates_json.c */

/* The version t as the API shows it: title, description, owner_team, tags, parameters, policy,
 * steps, outputs, deprovision. */
json_object *templates_json(struct arena *a, const struct template *t);

/* What changed from ta to tb: {parameters, steps, outputs, deprovision: {added, removed, changed}
 * (names), policy_changed}. */
json_object *templates_changes(struct arena *a, const struct template *ta, const struct template *tb);

#endif
