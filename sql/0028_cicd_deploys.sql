-- 0028: deploys and rollbacks asked from Portico (cgi-bin/cicd_deploys.c, runner/deploys.c). An
-- integration may be set up to deploy: where the provider's API is (deploy_api), what it runs
-- there (deploy_target: a workflow, a project, a job, a pipeline's project, a URL), the ref it
-- runs, and its credential, kept in the secrets store under the entity (deploy_secret_path),
-- never here; deploy_approvals: [{environment, count, role}], as a template's approvals.
--
-- A deploy waits for its approvals (pending_approval), then for the runner (queued), which
-- triggers the provider under a lease (triggering) and records what it answered (triggered).
-- The provider's own deployment event, when it comes through the inbound hooks, settles it
-- (succeeded or failed) and is tied to it (deployment_id); a rollback's deployment gets its
-- rollback_of from it. The gates it passed (or an admin's override of them) are kept with it.
ALTER TABLE cicd_integrations
  ADD COLUMN deploy_api VARCHAR(500) NULL,
  ADD COLUMN deploy_target VARCHAR(300) NULL,
  ADD COLUMN deploy_ref VARCHAR(255) NULL,
  ADD COLUMN deploy_user VARCHAR(100) NULL,
  ADD COLUMN deploy_secret_path VARCHAR(300) NULL,
  ADD COLUMN deploy_approvals TEXT NULL CHECK (deploy_approvals IS NULL OR JSON_VALID(deploy_approvals));

CREATE TABLE cicd_deploys (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  integration_id BIGINT UNSIGNED NOT NULL,
  entity_ref VARCHAR(160) NOT NULL,
  team VARCHAR(63) NOT NULL,
  environment VARCHAR(63) NOT NULL,
  version VARCHAR(100) NOT NULL,
  commit_sha VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  rollback_of BIGINT UNSIGNED NULL,
  requester_id BIGINT UNSIGNED NOT NULL,
  requester VARCHAR(200) NOT NULL,
  idempotency_key VARCHAR(200) NULL,
  request_hash CHAR(64) CHARACTER SET ascii NULL, -- the body's SHA-256: the same key with another body is 422
  reason VARCHAR(500) NOT NULL,
  state VARCHAR(16) NOT NULL CHECK (state IN ('pending_approval', 'queued', 'triggering', 'triggered', 'succeeded',
                                              'failed', 'rejected', 'cancelled')),
  approvals_needed INT NOT NULL,
  approval_role VARCHAR(63) NULL,
  gates TEXT NOT NULL CHECK (JSON_VALID(gates)),
  override_by VARCHAR(200) NULL,
  override_reason VARCHAR(500) NULL,
  attempts INT NOT NULL DEFAULT 0,
  max_attempts INT NOT NULL DEFAULT 5,
  due_at DATETIME(6) NOT NULL,
  lease_owner VARCHAR(160) NULL,
  error VARCHAR(2000) NULL,
  provider_ref VARCHAR(500) NULL,
  deployment_id BIGINT UNSIGNED NULL,
  unsure TINYINT UNSIGNED NOT NULL DEFAULT 0,   -- failed without knowing: the provider may have started it
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  KEY cicd_deploys_due (state, due_at),
  KEY cicd_deploys_entity (entity_ref, id),
  KEY cicd_deploys_match (entity_ref, environment, version, state),
  KEY cicd_deploys_requester (requester_id, state),
  KEY cicd_deploys_team (team, state),
  KEY cicd_deploys_deployment (deployment_id),
  UNIQUE KEY cicd_deploys_idempotency (requester_id, idempotency_key),
  CONSTRAINT cicd_deploys_integration FOREIGN KEY (integration_id) REFERENCES cicd_integrations (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE cicd_deploy_approvals (
  deploy_id BIGINT UNSIGNED NOT NULL,
  approver_id BIGINT UNSIGNED NOT NULL,
  approver VARCHAR(200) NOT NULL,
  decision VARCHAR(8) NOT NULL CHECK (decision IN ('approve', 'reject')),
  comment VARCHAR(2000) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  PRIMARY KEY (deploy_id, approver_id),
  CONSTRAINT cicd_deploy_approvals_deploy FOREIGN KEY (deploy_id) REFERENCES cicd_deploys (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CALL portico_grant('SELECT, INSERT, UPDATE, DELETE', 'cicd_deploys');
CALL portico_grant('SELECT, INSERT', 'cicd_deploy_approvals');
