-- 0022: what the activity on a caller's things (GET /api/v1/audit/activity) reads from: the
-- requests and resources of a team, the resources a user requested, and the secrets of an entity,
-- each by an index (the events themselves are found through audit_by_target from these rows).
ALTER TABLE provision_requests ADD KEY provision_requests_team (team, id);
ALTER TABLE resources ADD KEY resources_requester (requester, id);
ALTER TABLE secrets ADD KEY secrets_entity (entity_ref);
