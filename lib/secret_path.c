/*
 * secret_path: the paths secrets live at (see secret_path.h).
 */
#include <stdio.h>
#include <string.h>

#include "secret_path.h"

static bool segment_ok(const char *s, size_t n)
{
    if (n == 0 || n > SECRET_NAME_MAX || s[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '.' || s[i] == '_' || s[i] == '-'))
            return false;
    return true;
}

static void lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s | 0x20);
}

int secret_path_parse(const char *text, struct secret_path *sp, const char **why)
{
    memset(sp, 0, sizeof(*sp));
    const char *seg[8];
    size_t len[8], n = 0;
    if (!text || strlen(text) > SECRET_PATH_MAX) {
        *why = "a path is at most 300 characters";
        return -1;
    }
    for (const char *s = text; n < 8;) {
        size_t l = strcspn(s, "/");
        seg[n] = s;
        len[n++] = l;
        if (!s[l])
            break;
        s += l + 1;
    }
    for (size_t i = 0; i < n; i++)
        if (!segment_ok(seg[i], len[i])) {
            *why = "each segment of a path is 1 to 63 letters, digits, '.', '_' or '-' (not starting with '.')";
            return -1;
        }
    size_t at;
    if (n >= 3 && n <= 4 && len[0] == 4 && memcmp(seg[0], "team", 4) == 0) {
        memcpy(sp->team, seg[1], len[1]);
        at = 2;
    } else if (n >= 5 && n <= 6 && len[0] == 6 && memcmp(seg[0], "entity", 6) == 0) {
        char kind[SECRET_NAME_MAX + 1] = "";
        memcpy(kind, seg[1], len[1]);
        const char *k = catalog_kind(kind);
        if (!k) {
            *why = "an entity's kind is one of the catalog's (component, api, resource, system, ...)";
            return -1;
        }
        sp->entity = true;
        snprintf(sp->entity_ref, sizeof(sp->entity_ref), "%s:%.*s/%.*s", k, (int)len[2], seg[2], (int)len[3], seg[3]);
        lower(sp->entity_ref);   /* as the catalog spells refs */
        at = 4;
    } else {
        *why = "a path is team/<team>/[<environment>/]<name> or entity/<kind>/<namespace>/<entity>/[<environment>/]<name>";
        return -1;
    }
    if (n - at == 2) {
        memcpy(sp->environment, seg[at], len[at]);
        at++;
    }
    memcpy(sp->name, seg[at], len[at]);
    /* one spelling of a path: its scope (teams and refs are lower-case where they are made)
     * and environment lower-case, as authorization compares them; the name as given */
    lower(sp->team);
    lower(sp->environment);
    const char *env = sp->environment[0] ? sp->environment : "", *sep = sp->environment[0] ? "/" : "";
    if (sp->entity) {
        char ns_name[CATALOG_REF_MAX + 1];
        const char *colon = strchr(sp->entity_ref, ':');
        snprintf(ns_name, sizeof(ns_name), "%s", colon + 1);
        snprintf(sp->text, sizeof(sp->text), "entity/%.*s/%s/%s%s%s", (int)(colon - sp->entity_ref), sp->entity_ref, ns_name,
                 env, sep, sp->name);
    } else {
        snprintf(sp->text, sizeof(sp->text), "team/%s/%s%s%s", sp->team, env, sep, sp->name);
    }
    return 0;
}
