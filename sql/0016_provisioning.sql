-- 0016: self-service provisioning: templates and their versions, requests and approvals,
-- resources with an expiry, the job queue the runner drains (steps, logs), and the inbox.
--
-- A template's versions move draft -> published -> deprecated; a published version's XML never
-- changes (the handler refuses, and resources name the version they were made from). A job is a
-- list of steps, each with its own state, so a retry resumes at the step that failed. A job is
-- due when due_at has passed: for a queued job that is when it may (again) run, for a running
-- one when its runner's lease ends, so one index finds both new work and work whose runner died.
CREATE TABLE templates (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(63) NOT NULL,
  owner_team VARCHAR(63) NOT NULL,
  trusted TINYINT(1) NOT NULL DEFAULT 0,          -- an administrator allowed exec steps with a shell
  created_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  created_by VARCHAR(200) NOT NULL,
  UNIQUE KEY templates_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE template_versions (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  template_id BIGINT UNSIGNED NOT NULL,
  version VARCHAR(16) NOT NULL,                   -- x.y.z
  version_order BIGINT NOT NULL,                  -- x * 10^8 + y * 10^4 + z: "latest" sorts by it
  state VARCHAR(12) NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'published', 'deprecated')),
  title VARCHAR(200) NOT NULL,
  description TEXT NOT NULL,
  tags VARCHAR(2000) NOT NULL DEFAULT '',          -- space separated, for the gallery's search
  xml MEDIUMTEXT NOT NULL,
  scan TEXT NULL CHECK (scan IS NULL OR JSON_VALID(scan)),   -- the last scan's findings
  created_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  created_by VARCHAR(200) NOT NULL,
  updated_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  published_at DATETIME(6) NULL,
  published_by VARCHAR(200) NULL,
  deprecated_at DATETIME(6) NULL,
  UNIQUE KEY template_versions_version (template_id, version),
  KEY template_versions_order (template_id, state, version_order),
  CONSTRAINT template_versions_template FOREIGN KEY (template_id) REFERENCES templates (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE provision_requests (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  requester_id BIGINT UNSIGNED NOT NULL,
  requester VARCHAR(200) NOT NULL,                -- username, as shown
  idempotency_key VARCHAR(200) NULL,
  request_hash CHAR(64) CHARACTER SET ascii NULL, -- the body's SHA-256: the same key with another body is 422
  template_version_id BIGINT UNSIGNED NOT NULL,
  environment VARCHAR(63) NOT NULL,
  team VARCHAR(63) NOT NULL,                      -- the owning team (an entity's owner's team)
  entity_ref VARCHAR(160) NULL,
  parameters TEXT NOT NULL CHECK (JSON_VALID(parameters)),
  ttl_days INT NOT NULL,
  state VARCHAR(20) NOT NULL CHECK (state IN ('pending_approval', 'approved', 'rejected', 'cancelled')),
  approvals_needed INT NOT NULL DEFAULT 0,
  approval_role VARCHAR(63) NULL,
  resource_id BIGINT UNSIGNED NULL,
  created_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  decided_at DATETIME(6) NULL,
  UNIQUE KEY provision_requests_idempotency (requester_id, idempotency_key),
  KEY provision_requests_state (state, id),
  KEY provision_requests_requester (requester_id, id),
  CONSTRAINT provision_requests_version FOREIGN KEY (template_version_id) REFERENCES template_versions (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE provision_approvals (
  request_id BIGINT UNSIGNED NOT NULL,
  approver_id BIGINT UNSIGNED NOT NULL,
  approver VARCHAR(200) NOT NULL,
  decision VARCHAR(8) NOT NULL CHECK (decision IN ('approve', 'reject')),
  comment VARCHAR(2000) NOT NULL DEFAULT '',
  created_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  PRIMARY KEY (request_id, approver_id),
  CONSTRAINT provision_approvals_request FOREIGN KEY (request_id) REFERENCES provision_requests (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE resources (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  uid CHAR(16) CHARACTER SET ascii NOT NULL,      -- the stable id drivers key their work by
  request_id BIGINT UNSIGNED NULL,
  template_version_id BIGINT UNSIGNED NOT NULL,
  environment VARCHAR(63) NOT NULL,
  team VARCHAR(63) NOT NULL,
  entity_ref VARCHAR(160) NULL,
  requester VARCHAR(200) NOT NULL,
  parameters TEXT NOT NULL CHECK (JSON_VALID(parameters)),
  outputs TEXT NOT NULL DEFAULT '{}' CHECK (JSON_VALID(outputs)),   -- plain values; secret ones as their path
  state VARCHAR(20) NOT NULL CHECK (state IN ('provisioning', 'ready', 'failed', 'deprovisioning', 'deprovisioned',
                                              'deprovision_failed')),
  expires_at DATETIME(6) NOT NULL,
  notified_before INT NOT NULL DEFAULT 0,         -- the smallest lead time (seconds) already notified; 0: none
  created_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  UNIQUE KEY resources_uid (uid),
  KEY resources_team (team, id),
  KEY resources_expiry (state, expires_at),
  KEY resources_entity (entity_ref),
  CONSTRAINT resources_version FOREIGN KEY (template_version_id) REFERENCES template_versions (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE resource_events (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  resource_id BIGINT UNSIGNED NOT NULL,
  at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  actor VARCHAR(200) NOT NULL,
  event VARCHAR(40) NOT NULL,
  detail VARCHAR(2000) NOT NULL DEFAULT '',
  KEY resource_events_resource (resource_id, id),
  CONSTRAINT resource_events_resource FOREIGN KEY (resource_id) REFERENCES resources (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE jobs (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  resource_id BIGINT UNSIGNED NOT NULL,
  kind VARCHAR(12) NOT NULL CHECK (kind IN ('provision', 'deprovision')),
  state VARCHAR(12) NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  due_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),   -- queued: when it may run; running: when the lease ends
  lease_owner VARCHAR(160) NULL,
  attempts INT NOT NULL DEFAULT 0,
  max_attempts INT NOT NULL DEFAULT 5,
  cancel_requested TINYINT(1) NOT NULL DEFAULT 0,
  last_error VARCHAR(2000) NULL,
  created_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  started_at DATETIME(6) NULL,
  finished_at DATETIME(6) NULL,
  KEY jobs_due (state, due_at),
  KEY jobs_resource (resource_id, id),
  CONSTRAINT jobs_resource FOREIGN KEY (resource_id) REFERENCES resources (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE job_steps (
  job_id BIGINT UNSIGNED NOT NULL,
  idx INT NOT NULL,
  name VARCHAR(63) NOT NULL,
  driver VARCHAR(63) NOT NULL,
  state VARCHAR(12) NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'succeeded', 'failed', 'skipped')),
  attempts INT NOT NULL DEFAULT 0,
  outputs TEXT NULL CHECK (outputs IS NULL OR JSON_VALID(outputs)),  -- plain fields; secret ones as their path
  error VARCHAR(2000) NULL,
  started_at DATETIME(6) NULL,
  finished_at DATETIME(6) NULL,
  PRIMARY KEY (job_id, idx),
  CONSTRAINT job_steps_job FOREIGN KEY (job_id) REFERENCES jobs (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A line's number is its id: increasing, unique whoever writes it (a runner that lost its lease
-- without knowing adds lines of what it did; it never takes another's number).
CREATE TABLE job_logs (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  job_id BIGINT UNSIGNED NOT NULL,
  at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  stream VARCHAR(8) NOT NULL,                     -- runner | stdout | stderr
  line VARCHAR(4000) NOT NULL,
  KEY job_logs_job (job_id, id),
  CONSTRAINT job_logs_job FOREIGN KEY (job_id) REFERENCES jobs (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The portal's inbox: a notice for one user.
CREATE TABLE notifications (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT UNSIGNED NOT NULL,
  kind VARCHAR(40) NOT NULL,
  subject VARCHAR(400) NOT NULL,
  link VARCHAR(400) NOT NULL DEFAULT '',
  created_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  read_at DATETIME(6) NULL,
  KEY notifications_user (user_id, id),
  CONSTRAINT notifications_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CALL portico_grant('SELECT, INSERT, UPDATE', 'templates');
CALL portico_grant('SELECT, INSERT, UPDATE, DELETE', 'template_versions');
CALL portico_grant('SELECT, INSERT, UPDATE', 'provision_requests');
CALL portico_grant('SELECT, INSERT', 'provision_approvals');
CALL portico_grant('SELECT, INSERT, UPDATE', 'resources');
CALL portico_grant('SELECT, INSERT', 'resource_events');
CALL portico_grant('SELECT, INSERT, UPDATE', 'jobs');
CALL portico_grant('SELECT, INSERT, UPDATE', 'job_steps');
CALL portico_grant('SELECT, INSERT', 'job_logs');
CALL portico_grant('SELECT, INSERT, UPDATE', 'notifications');
