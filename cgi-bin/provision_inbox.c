/*
 * provision_inbox: what waits for the caller — requests it may decide on (GET
 * /provision/approvals) and its notifications (list, read one, read all).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision.h"

/* A row of the inbox's scan the caller may decide on: the role, checked as the decision will. */
static bool may_decide(struct app_ctx *c, const struct db_result *q, size_t i, void *ctx)
{
    (void)ctx;
    struct request_row rq;
    rq.id = atoll(db_cell(q, i, 0));
    rq.team = db_cell(q, i, 4);
    rq.entity = db_cell(q, i, 5);
    rq.environment = db_cell(q, i, 3);
    rq.approval_role = db_cell(q, i, 10);
    rq.requester_id = atoll(db_cell(q, i, 14));
    if (provision_approver_check(c, &rq) < 0) {
        problem_init(&c->problem);
        return false;
    }
    return true;
}

/* GET /provision/approvals: requests waiting that the caller may decide on, oldest first. The
 * approver's role is checked here as the decision will check it, so a page reads up to
 * INBOX_SCAN candidates after the cursor and may hold fewer than limit with more to come. */
#define INBOX_SCAN 500
int provision_approval_inbox(struct app_ctx *c)
{
    long limit = app_limit(c);
    long long cursor = app_cursor_id(c, "approvals");
    if (!json_fields_ok(&c->problem))
        return -1;
    struct db_value *v;
    size_t nv;
    const char *where = app_scope_where(c, "provision.request.approve", &v, &nv);
    if (!where)
        return -1;
    v[nv++] = (struct db_value)DB_INTV(c->who.user_id);
    v[nv++] = (struct db_value)DB_INTV(c->who.user_id);
    v[nv++] = (struct db_value)DB_INTV(cursor);
    v[nv++] = (struct db_value)DB_INTV(INBOX_SCAN);
    const char *sql = arena_printf(c->arena,
        "SELECT r.id, t.name AS template, tv.version, r.environment, r.team, r.entity_ref AS entity, r.requester, r.state, "
        "r.approvals_needed, (SELECT COUNT(*) FROM provision_approvals a WHERE a.request_id = r.id AND a.decision = 'approve') "
        "AS approvals, r.approval_role, r.parameters, " DB_RFC3339_PRINTF("r.created_at") " AS created_at, r.name, r.requester_id "
        "FROM provision_requests r JOIN template_versions tv ON tv.id = r.template_version_id "
        "JOIN templates t ON t.id = tv.template_id WHERE r.state = 'pending_approval' AND %s AND r.requester_id <> ? "
        "AND NOT EXISTS (SELECT 1 FROM provision_approvals a WHERE a.request_id = r.id AND a.approver_id = ?) "
        "AND r.id > ? ORDER BY r.id LIMIT ?", where);
    struct db_result q;
    if (db_query(c->db, c->arena, sql, v, nv, &q, &c->problem) < 0)
        return -1;
    return app_page_kept(c, NULL, "requests", &q, limit, INBOX_SCAN, 0, "issssnssiinjss", "approvals", may_decide, NULL);
}

/* ---- the inbox --------------------------------------------------------------------------------- */

int provision_notification_list(struct app_ctx *c)
{
    const char *unread = http_query(&c->req, "unread");
    long limit = app_limit(c);
    long long cursor = app_cursor_id(c, "notifications");
    if (unread && strcmp(unread, "true") != 0 && strcmp(unread, "false") != 0)
        problem_field(&c->problem, "unread", "must be true or false");
    if (!json_fields_ok(&c->problem))
        return -1;
    bool only_unread = unread && strcmp(unread, "true") == 0;
    struct db_value v[4] = { DB_INTV(c->who.user_id), DB_INTV(cursor), DB_INTV(cursor), DB_INTV(limit + 1) };
    struct db_result q, n;
    if (db_query(c->db, c->arena, only_unread
                     ? "SELECT id, kind, subject, link, " DB_RFC3339("created_at") " AS created_at, " DB_RFC3339("read_at") " AS read_at "
                       "FROM notifications WHERE user_id = ? AND read_at IS NULL AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?"
                     : "SELECT id, kind, subject, link, " DB_RFC3339("created_at") " AS created_at, " DB_RFC3339("read_at") " AS read_at "
                       "FROM notifications WHERE user_id = ? AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?",
                 v, 4, &q, &c->problem) < 0 ||
        db_query(c->db, c->arena, "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL", v, 1, &n,
                 &c->problem) < 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "unread", json_object_new_int64(atoll(db_cell(&n, 0, 0))));
    return app_page(c, o, "notifications", &q, limit, 0, "issssn", "notifications");
}

int provision_notification_read(struct app_ctx *c)
{
    struct db_value v[2] = { DB_INTV(app_path_id(c, "id")), DB_INTV(c->who.user_id) };
    struct db_result q;
    if (db_query(c->db, c->arena, "UPDATE notifications SET read_at = COALESCE(read_at, UTC_TIMESTAMP(6)) WHERE id = ? AND "
                                  "user_id = ?", v, 2, &q, &c->problem) < 0)
        return -1;
    if (q.affected == 0) {
        /* affected counts changed rows: tell "already read" from "not yours" */
        if (db_query(c->db, c->arena, "SELECT id FROM notifications WHERE id = ? AND user_id = ?", v, 2, &q, &c->problem) < 0)
            return -1;
        if (q.nrows == 0)
            return problem_set(&c->problem, 404, "not-found", "no such notification");
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_int64(v[0].i));
    json_object_object_add(o, "read", json_object_new_boolean(1));
    return app_json(c, 200, o);
}

/* POST /provision/notifications/read-all: every unread notice of the caller, up to up_to (the
 * newest the caller has seen: one that came after stays unread). Not audited, as marking one is
 * not: it changes the caller's own inbox only. */
int provision_notification_read_all(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    long long up_to = LLONG_MAX;
    if (c->body) {
        up_to = json_num(c->body, "up_to", LLONG_MAX);
        if (!json_fields_ok(p))
            return -1;
    }
    struct db_value v[2] = { DB_INTV(c->who.user_id), DB_INTV(up_to) };
    struct db_result q, n;
    if (db_query(c->db, c->arena, "UPDATE notifications SET read_at = UTC_TIMESTAMP(6) WHERE user_id = ? AND "
                                  "read_at IS NULL AND id <= ?", v, 2, &q, p) < 0 ||
        db_query(c->db, c->arena, "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL", v, 1, &n, p) < 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "read", json_object_new_int64((int64_t)q.affected));
    json_object_object_add(o, "unread", json_object_new_int64(atoll(db_cell(&n, 0, 0))));
    return app_json(c, 200, o);
}
