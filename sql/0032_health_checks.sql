-- 0032: health checks of entities and their instances, as Consul has them: HTTP (status, a body
-- substring, a latency threshold), TCP (a connection) and TTL (a heartbeat the service sends).
-- The runner runs HTTP and TCP checks when due and marks a TTL check critical when its heartbeat
-- is late; each result is kept (health_results, a week) and moves the check's status only after
-- success_before_passing or failures_before_critical results in a row (flapping damped; a check's
-- first result counts at once).
CREATE TABLE health_checks (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  entity_id BIGINT UNSIGNED NOT NULL,
  environment VARCHAR(63) NULL,                -- with instance: the check of one instance
  instance VARCHAR(128) NULL,
  name VARCHAR(63) NOT NULL,
  kind VARCHAR(8) NOT NULL CHECK (kind IN ('http', 'tcp', 'ttl')),
  target VARCHAR(1000) NOT NULL DEFAULT '',    -- http: the URL; tcp: host:port; ttl: ''
  interval_seconds INT UNSIGNED NOT NULL,
  timeout_ms INT UNSIGNED NOT NULL,
  expect_status SMALLINT UNSIGNED NULL,        -- NULL: any 2xx
  body_contains VARCHAR(200) NULL,
  max_latency_ms INT UNSIGNED NULL,            -- slower than this: warning
  ttl_seconds INT UNSIGNED NULL,
  success_before_passing TINYINT UNSIGNED NOT NULL,
  failures_before_critical TINYINT UNSIGNED NOT NULL,
  status VARCHAR(8) NOT NULL DEFAULT 'critical' CHECK (status IN ('passing', 'warning', 'critical')),
  output VARCHAR(500) NOT NULL DEFAULT '',
  ok_streak INT UNSIGNED NOT NULL DEFAULT 0,
  fail_streak INT UNSIGNED NOT NULL DEFAULT 0,
  results BIGINT UNSIGNED NOT NULL DEFAULT 0,  -- how many it has had
  checked_at DATETIME(6) NULL,
  changed_at DATETIME(6) NOT NULL,
  due_at DATETIME(6) NOT NULL,                 -- http, tcp: the next run; ttl: when the heartbeat is late
  team VARCHAR(63) NOT NULL,                   -- the entity's owner when made (scopes the failing list)
  created_by VARCHAR(200) NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  -- a name is the entity's or one instance's: "live" may be on every instance
  scope VARCHAR(200) AS (CONCAT(COALESCE(environment, ''), '/', COALESCE(instance, ''))) PERSISTENT,
  UNIQUE KEY health_checks_name (entity_id, scope, name),
  KEY health_checks_due (kind, due_at),
  KEY health_checks_status (status, changed_at),
  KEY health_checks_instance (entity_id, environment, instance),
  CONSTRAINT health_checks_entity FOREIGN KEY (entity_id) REFERENCES entities (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE health_results (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  check_id BIGINT UNSIGNED NOT NULL,
  at DATETIME(6) NOT NULL,
  result VARCHAR(8) NOT NULL,                  -- what this run found
  status VARCHAR(8) NOT NULL,                  -- the check's status after it (damped)
  latency_ms INT UNSIGNED NULL,
  output VARCHAR(500) NOT NULL DEFAULT '',
  KEY health_results_check (check_id, id),
  KEY health_results_at (at),
  CONSTRAINT health_results_check FOREIGN KEY (check_id) REFERENCES health_checks (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CALL portico_grant('SELECT, INSERT, UPDATE, DELETE', 'health_checks');
CALL portico_grant('SELECT, INSERT, DELETE', 'health_results');
