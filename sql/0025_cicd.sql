-- 0025: CI/CD (cgi-bin/cicd.c, lib/cicd). An integration ties a catalog entity to a provider's
-- webhooks; its secret lives in the secrets store (secret_path), never here. Deliveries are
-- remembered by the provider's delivery id, so one that comes twice changes nothing the second
-- time; an integration's counts are its deliveries' (a delivery writes no row of the
-- integration's, so concurrent ones do not queue on it). Pipeline runs and deployments are keyed by the provider's own id within the integration
-- and keep the furthest state seen (status_rank: queued/pending 1, running 2, finished 3), so
-- events that arrive out of order leave the same rows as in order. Commits keep their time,
-- for the lead time of a change.
CREATE TABLE cicd_integrations (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  entity_ref VARCHAR(160) NOT NULL,
  team VARCHAR(63) NOT NULL,
  provider VARCHAR(10) NOT NULL CHECK (provider IN ('github', 'gitlab', 'jenkins', 'circleci', 'generic')),
  name VARCHAR(63) NOT NULL,
  secret_path VARCHAR(300) NOT NULL,
  created_by VARCHAR(200) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY cicd_integrations_name (entity_ref, name),
  KEY cicd_integrations_team (team)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE cicd_deliveries (
  integration_id BIGINT UNSIGNED NOT NULL,
  delivery_id VARCHAR(100) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  event VARCHAR(64) NOT NULL,
  outcome VARCHAR(8) NOT NULL CHECK (outcome IN ('applied', 'ignored')),
  received_at DATETIME(6) NOT NULL,
  PRIMARY KEY (integration_id, delivery_id),
  KEY cicd_deliveries_received (integration_id, received_at),
  CONSTRAINT cicd_deliveries_integration FOREIGN KEY (integration_id) REFERENCES cicd_integrations (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE cicd_runs (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  integration_id BIGINT UNSIGNED NOT NULL,
  entity_ref VARCHAR(160) NOT NULL,
  run_key VARCHAR(100) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  name VARCHAR(200) NOT NULL,
  branch VARCHAR(255) NOT NULL,
  commit_sha VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  status VARCHAR(10) NOT NULL CHECK (status IN ('queued', 'running', 'success', 'failure', 'cancelled')),
  status_rank TINYINT UNSIGNED NOT NULL,
  started_at DATETIME(6) NULL,
  finished_at DATETIME(6) NULL,
  url VARCHAR(1000) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  UNIQUE KEY cicd_runs_key (integration_id, run_key),
  KEY cicd_runs_entity (entity_ref, id),
  KEY cicd_runs_finished (entity_ref, finished_at),
  KEY cicd_runs_integration_finished (integration_id, finished_at),
  CONSTRAINT cicd_runs_integration FOREIGN KEY (integration_id) REFERENCES cicd_integrations (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE cicd_deployments (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  integration_id BIGINT UNSIGNED NOT NULL,
  entity_ref VARCHAR(160) NOT NULL,
  deploy_key VARCHAR(100) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  environment VARCHAR(63) NOT NULL,
  version VARCHAR(100) NOT NULL,
  commit_sha VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  status VARCHAR(10) NOT NULL CHECK (status IN ('pending', 'running', 'success', 'failure', 'cancelled')),
  status_rank TINYINT UNSIGNED NOT NULL,
  actor VARCHAR(200) NOT NULL,
  rollback_of BIGINT UNSIGNED NULL,
  started_at DATETIME(6) NULL,
  finished_at DATETIME(6) NULL,
  url VARCHAR(1000) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  UNIQUE KEY cicd_deployments_key (integration_id, deploy_key),
  KEY cicd_deployments_entity (entity_ref, environment, id),
  KEY cicd_deployments_finished (entity_ref, environment, finished_at),
  KEY cicd_deployments_integration_finished (integration_id, environment, finished_at),
  CONSTRAINT cicd_deployments_integration FOREIGN KEY (integration_id) REFERENCES cicd_integrations (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE cicd_commits (
  entity_ref VARCHAR(160) NOT NULL,
  sha VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  committed_at DATETIME(6) NOT NULL,
  PRIMARY KEY (entity_ref, sha)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CALL portico_grant('SELECT, INSERT, UPDATE, DELETE', 'cicd_integrations');
CALL portico_grant('SELECT, INSERT, UPDATE, DELETE', 'cicd_deliveries');
CALL portico_grant('SELECT, INSERT, UPDATE, DELETE', 'cicd_runs');
CALL portico_grant('SELECT, INSERT, UPDATE, DELETE', 'cicd_deployments');
CALL portico_grant('SELECT, INSERT, UPDATE, DELETE', 'cicd_commits');
