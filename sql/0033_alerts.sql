-- 0033: alerts developers define for their services, where they go, what silences them, what
-- happened, and the dashboards people arrange.
--
-- A rule watches one entity: its health checks, its failures (provisioning jobs, pipeline runs,
-- deployments) in a window, a DORA figure, or a PromQL expression the configured Prometheus
-- answers (scoped to the entity's series: lib/promql). The runner evaluates a rule when due
-- (runner/alerts.c): true → pending, true for for_seconds → firing, false → inactive (a firing rule
-- resolves). Each firing and resolving is kept (alert_events), notified in the portal to the rule's
-- team, and queued for the team's receivers (alert_deliveries: Slack-compatible JSON or the
-- Alertmanager webhook format, retried) unless a silence covers it.
CREATE TABLE alert_rules (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  entity_id BIGINT UNSIGNED NOT NULL,
  team VARCHAR(63) NOT NULL,                   -- the entity's owner when made: whom it notifies
  name VARCHAR(63) NOT NULL,
  kind VARCHAR(8) NOT NULL CHECK (kind IN ('health', 'failures', 'dora', 'promql')),
  metric VARCHAR(24) NULL,                     -- health: critical|warning; failures: jobs|pipelines|deploys;
                                               -- dora: deployment_frequency|lead_time|change_failure_rate|time_to_restore
  environment VARCHAR(63) NULL,                -- failures of deploys, dora: the environment (dora: production)
  expr VARCHAR(2000) NULL,                     -- promql: as written (scoped when evaluated)
  op VARCHAR(2) NULL CHECK (op IN ('>', '>=', '<', '<=', '==', '!=')),   -- NULL (promql only): any series
  threshold DOUBLE NOT NULL DEFAULT 0,
  window_seconds INT UNSIGNED NOT NULL DEFAULT 3600,
  for_seconds INT UNSIGNED NOT NULL DEFAULT 0,
  interval_seconds INT UNSIGNED NOT NULL DEFAULT 60,
  repeat_seconds INT UNSIGNED NOT NULL DEFAULT 0,   -- firing, unacknowledged: notify again after this; 0: never
  severity VARCHAR(8) NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  summary VARCHAR(300) NOT NULL DEFAULT '',
  enabled TINYINT(1) NOT NULL DEFAULT 1,
  state VARCHAR(8) NOT NULL DEFAULT 'inactive' CHECK (state IN ('inactive', 'pending', 'firing')),
  value DOUBLE NULL,                           -- the last evaluation's figure (NULL: none to measure)
  error VARCHAR(500) NULL,                     -- the last evaluation failed (Prometheus away): why
  pending_since DATETIME(6) NULL,
  firing_since DATETIME(6) NULL,
  notified_at DATETIME(6) NULL,
  acked_by VARCHAR(200) NULL,                  -- this firing acknowledged (cleared when it resolves)
  acked_at DATETIME(6) NULL,
  ack_comment VARCHAR(300) NULL,
  evaluated_at DATETIME(6) NULL,
  due_at DATETIME(6) NOT NULL,
  created_by VARCHAR(200) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  UNIQUE KEY alert_rules_name (entity_id, name),
  KEY alert_rules_due (enabled, due_at),
  KEY alert_rules_state (state, team),
  CONSTRAINT alert_rules_entity FOREIGN KEY (entity_id) REFERENCES entities (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- What happened to a rule: pending, firing, resolved, acknowledged, and whether a silence held its
-- notices back. Kept 90 days (the runner prunes).
CREATE TABLE alert_events (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  rule_id BIGINT UNSIGNED NOT NULL,
  at DATETIME(6) NOT NULL,
  event VARCHAR(12) NOT NULL CHECK (event IN ('pending', 'firing', 'resolved', 'acknowledged', 'repeated')),
  value DOUBLE NULL,
  actor VARCHAR(200) NOT NULL DEFAULT '',
  detail VARCHAR(500) NOT NULL DEFAULT '',
  silence_id BIGINT UNSIGNED NULL,             -- a silence held its notices back
  KEY alert_events_rule (rule_id, id),
  KEY alert_events_at (at),
  CONSTRAINT alert_events_rule FOREIGN KEY (rule_id) REFERENCES alert_rules (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Where a team's alerts go besides the portal: a webhook, its URL in the secrets store (a Slack
-- URL is a credential), of severity min_severity and above.
CREATE TABLE alert_receivers (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  team VARCHAR(63) NOT NULL,
  name VARCHAR(63) NOT NULL,
  format VARCHAR(12) NOT NULL CHECK (format IN ('slack', 'alertmanager')),
  url_secret_path VARCHAR(300) NOT NULL,
  url_shown VARCHAR(300) NOT NULL,             -- scheme://host only: what answers show
  min_severity VARCHAR(8) NOT NULL CHECK (min_severity IN ('info', 'warning', 'critical')),
  created_by VARCHAR(200) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY alert_receivers_name (team, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A silence holds back the notices of a team's alerts (all, one entity's, or one rule's) between
-- two times; expiring one ends it now (kept, for the history).
CREATE TABLE alert_silences (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  team VARCHAR(63) NOT NULL,
  entity_id BIGINT UNSIGNED NULL,
  rule_id BIGINT UNSIGNED NULL,
  starts_at DATETIME(6) NOT NULL,
  ends_at DATETIME(6) NOT NULL,
  comment VARCHAR(300) NOT NULL,
  created_by VARCHAR(200) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  KEY alert_silences_team (team, ends_at),
  CONSTRAINT alert_silences_entity FOREIGN KEY (entity_id) REFERENCES entities (id) ON DELETE CASCADE,
  CONSTRAINT alert_silences_rule FOREIGN KEY (rule_id) REFERENCES alert_rules (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A notice to a receiver, sent by the runner, retried with backoff until max attempts; the
-- payload is made when queued (what was true then).
CREATE TABLE alert_deliveries (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  receiver_id BIGINT UNSIGNED NOT NULL,
  event_id BIGINT UNSIGNED NOT NULL,
  payload MEDIUMTEXT NOT NULL,
  state VARCHAR(8) NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed')),
  attempts INT NOT NULL DEFAULT 0,
  due_at DATETIME(6) NOT NULL,
  status_code SMALLINT NULL,
  error VARCHAR(500) NULL,
  traceparent VARCHAR(55) NULL,
  created_at DATETIME(6) NOT NULL,
  sent_at DATETIME(6) NULL,
  KEY alert_deliveries_due (state, due_at),
  KEY alert_deliveries_event (event_id),
  CONSTRAINT alert_deliveries_receiver FOREIGN KEY (receiver_id) REFERENCES alert_receivers (id) ON DELETE CASCADE,
  CONSTRAINT alert_deliveries_event FOREIGN KEY (event_id) REFERENCES alert_events (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A person's dashboard of an entity: its panels (title, PromQL, unit) in their order.
CREATE TABLE dashboards (
  user_id BIGINT UNSIGNED NOT NULL,
  entity_id BIGINT UNSIGNED NOT NULL,
  panels TEXT NOT NULL CHECK (JSON_VALID(panels)),
  updated_at DATETIME(6) NOT NULL,
  PRIMARY KEY (user_id, entity_id),
  CONSTRAINT dashboards_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT dashboards_entity FOREIGN KEY (entity_id) REFERENCES entities (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CALL portico_grant('SELECT, INSERT, UPDATE, DELETE', 'alert_rules');
CALL portico_grant('SELECT, INSERT, UPDATE, DELETE', 'alert_events');
CALL portico_grant('SELECT, INSERT, UPDATE, DELETE', 'alert_receivers');
CALL portico_grant('SELECT, INSERT, UPDATE', 'alert_silences');
CALL portico_grant('SELECT, INSERT, UPDATE, DELETE', 'alert_deliveries');
CALL portico_grant('SELECT, INSERT, UPDATE, DELETE', 'dashboards');
