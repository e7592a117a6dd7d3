-- 0002: the audit log. Every mutation, denial and login writes one row here, in the same
-- transaction as the change. Rows form a SHA-256 hash chain (lib/audit.c says how the
-- canonical content is built); `portico-admin audit verify` reports the first broken link.
-- The handlers may only read and append: no UPDATE or DELETE on events is granted.

CREATE TABLE audit_events (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  occurred_at DATETIME(6) NOT NULL,
  actor_type VARCHAR(16) NOT NULL,          -- user, token, runner, admin-tool, anonymous
  actor_id VARCHAR(64) NULL,
  actor_name VARCHAR(255) NULL,
  action VARCHAR(100) NOT NULL,             -- e.g. auth.login, catalog.entity.update
  target_type VARCHAR(64) NULL,
  target_id VARCHAR(255) NULL,
  outcome VARCHAR(16) NOT NULL,             -- success, failure, denied
  remote_addr VARCHAR(64) NULL,
  user_agent VARCHAR(512) NULL,
  request_id VARCHAR(64) NULL,
  details LONGTEXT NULL CHECK (details IS NULL OR JSON_VALID(details)),
  prev_hash CHAR(64) NOT NULL,
  hash CHAR(64) NOT NULL,
  KEY audit_by_time (occurred_at),
  KEY audit_by_actor (actor_type, actor_id, id),
  KEY audit_by_action (action, id),
  KEY audit_by_target (target_type, target_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row: the hash of the newest event. Appending locks it (SELECT ... FOR UPDATE), which
-- serialises writers so the chain has no forks, across processes and hosts.
CREATE TABLE audit_head (
  id TINYINT UNSIGNED NOT NULL PRIMARY KEY CHECK (id = 1),
  last_id BIGINT UNSIGNED NOT NULL,
  hash CHAR(64) NOT NULL
) ENGINE=InnoDB;
INSERT INTO audit_head (id, last_id, hash) VALUES (1, 0, REPEAT('0', 64));

CALL portico_grant('SELECT, INSERT', 'audit_events');
CALL portico_grant('SELECT, UPDATE', 'audit_head');
