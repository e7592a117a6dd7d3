/*
 * shapes: the API's named shapes (lib/shape.h), the members of its answers and bodies that more
 * than one route shares. The API document lists each under components.schemas; a route row names
 * one by its upper-case name. Keep a member's words here in step with the handler that writes it:
 * a test stack checks every answer against its route's shape (check_answers).
 */
#include "shape.h"

#include <string.h>

struct named { const char *name, *spec; };

static const struct named shapes[] = {
    /* app_status: {"status": "deleted"} */
    { "Status", "status:string" },
    /* a health check (cgi-bin/health.c) */
    { "HealthCheck", "id:int entity:string environment?:string instance?:string name:string kind:string target:string "
                     "interval_seconds:int timeout_ms:int expect_status?:int body_contains?:string max_latency_ms?:int "
                     "ttl_seconds?:int success_before_passing:int failures_before_critical:int status:string "
                     "output:string checked_at?:string changed_at:string due_at:string team:string created_by:string "
                     "created_at:string" },
    /* alerts and dashboards (cgi-bin/monitor.c) */
    { "AlertRule", "id:int entity:string team:string name:string kind:string metric?:string environment?:string "
                   "expr?:string op?:string threshold:number window_seconds:int for_seconds:int interval_seconds:int "
                   "repeat_seconds:int severity:string summary:string enabled:bool state:string value?:number "
                   "error?:string pending_since?:string firing_since?:string acked_by?:string acked_at?:string "
                   "ack_comment?:string evaluated_at?:string due_at:string created_by:string created_at:string "
                   "updated_at:string" },
    { "AlertReceiver", "id:int team:string name:string format:string url_shown:string min_severity:string "
                       "created_by:string created_at:string sent:int queued:int failed:int last_error?:string" },
    { "AlertSilence", "id:int team:string entity?:string rule?:int starts_at:string ends_at:string comment:string "
                      "created_by:string created_at:string active:bool" },
    { "Dashboard", "entity:string panels:[{title:string query:string unit?:string}] updated_at?:string prometheus:bool" },
    /* the audit log (cgi-bin/audit.c) */
    { "AuditEvent", "id:int time:string actor_type:string actor_id?:string actor_name?:string action:string "
                    "target_type?:string target_id?:string outcome:string remote_addr?:string user_agent?:string "
                    "request_id?:string details?:any hash:string" },
    { "Activity", "id:int time:string actor_type:string actor_name?:string action:string target_type?:string "
                  "target_id?:string outcome:string team?:string" },
    /* API tokens (lib/apitoken): a request, a token as listed, and once with its secret */
    { "TokenRequest", "name:string(1..100) scopes:[string](1..64) expires_in_days:int(1..365) "
                      "secret_paths?:[string(1..300)](1..16)" },
    { "Token", "id:int name:string prefix:string scopes:[string] created_at:string expires_at:string "
               "last_used_at?:string revoked_at?:string secret_paths?:[string]" },
    { "TokenCreated", "id:int name:string prefix:string scopes:[string] created_at:string expires_at:string "
                      "last_used_at?:string revoked_at?:string secret_paths?:[string] token:string" },
    /* a role binding as it applies to a caller: which role, where, through what */
    { "Grant", "role:string scope_type:string scope_id:string via:string" },
    /* the catalog: an entity as written (Backstage's format, members beyond these kept), as stored */
    { "Entity", "apiVersion:string kind:string metadata:{name:string namespace?:string title?:string "
                "description?:string labels?:map(string) annotations?:map(string) tags?:[string] "
                "links?:[{url:string ...}] ...} spec?:object ..." },
    { "EntityRecord", "ref:string version:int entity:Entity location?:int orphaned_at?:string "
                      "maps_to?:{team?:string kept_by_portico:bool users:[{member:string username:string id:int}]}" },
    { "Location", "id:int type:string target:string path:string revision:string team?:string on_orphan:string "
                  "interval_seconds:int status:string message:string pending_removals:int confirm_removals:int "
                  "last_added:int last_changed:int last_removed:int last_sync_at?:string next_sync_at?:string "
                  "registered_by:string created_at:string entities:int orphans:int" },
    { "Instance", "environment:string instance:string url:string version:string region:string metadata:object "
                  "ttl_seconds:int deregister_seconds:int status:string last_heartbeat:string expires_at:string "
                  "registered_at:string registered_by:string" },
    /* people */
    { "Role", "name:string description:string builtin:bool permissions:[string]" },
    { "Policy", "id:int name:string description:string permission:string conditions:map(string) "
                "require_role?:string require_owner:bool" },
    { "User", "id:int username:string email?:string display_name:string kind:string disabled_at?:string "
              "created_at:string password_changed_at?:string must_change_password:bool" },
    { "Member", "id:int username:string display_name:string kind:string added_at:string" },
    { "Binding", "id:int subject_type:string subject?:string role:string scope_type:string scope_id:string builtin:bool" },
    { "TeamGroup", "ref:string state:string" },
    /* provisioning */
    { "RequestState", "id:int state:string resource_id?:int job_id?:int approvals_needed:int approval_role?:string" },
    { "RequestLine", "id:int template:string version:string environment:string team:string entity?:string "
                     "requester:string state:string approvals_needed:int approvals:int approval_role?:string "
                     "resource_id?:int parameters?:object created_at:string name:string" },
    /* secrets */
    { "ManagedBy", "resource:int name:string" },
    { "SecretMeta", "path:string scope:string team:string entity?:string environment:string name:string "
                    "max_versions:int current_version:int created_at:string updated_at:string created_by:string "
                    "managed_by?:ManagedBy entity_gone?:bool" },
    /* templates */
    { "Scan", "findings:[string] scanned_at:string" },
    { "VersionState", "name:string version:string state:string scan?:Scan" },
    { "Changes", "added:[string] removed:[string] changed:[any]" },
};

const char *shape_named(const char *name)
{
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
        if (strcmp(shapes[i].name, name) == 0)
            return shapes[i].spec;
    return NULL;
}

const char *shape_each(size_t i, const char **spec)
{
    if (i >= sizeof(shapes) / sizeof(shapes[0]))
        return NULL;
    *spec = shapes[i].spec;
    return shapes[i].name;
}
