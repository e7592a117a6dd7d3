-- 0020: the secrets a resource manages. The runner seals a resource's secret outputs (such as a
-- database's password) at team/<team>/<environment>/res-<uid>-<step>-<field> and records here
-- which resource they belong to: its requester may reveal them, the secrets API asks before a
-- plain write or delete of one, and its page says which resource keeps it.
ALTER TABLE secrets
  ADD COLUMN resource_id BIGINT UNSIGNED NULL AFTER created_by,
  ADD KEY secrets_resource (resource_id),
  ADD CONSTRAINT secrets_resource FOREIGN KEY (resource_id) REFERENCES resources (id) ON DELETE SET NULL;

-- Outputs sealed before this migration: their path carries the resource's uid.
UPDATE secrets s JOIN resources r
    ON s.scope_type = 'team' AND s.team = r.team AND s.environment = r.environment
   AND LEFT(s.name, 21) = CONCAT('res-', r.uid, '-')
   SET s.resource_id = r.id
 WHERE s.resource_id IS NULL;
