-- 0027: what a pipeline uploads about its run (cgi-bin/cicd_reports.c, lib/cicd_report). A run's
-- test report (JUnit) is its counts and its failing tests, replaced by a later upload for the
-- same run. Security findings (SARIF) belong to the entity, one row per fingerprint: open while
-- the latest run of its tool reports it, fixed when a later run of that tool does not (the
-- runs' times decide, so uploads that arrive out of order leave the same state).
CREATE TABLE cicd_test_reports (
  run_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  entity_ref VARCHAR(160) NOT NULL,
  commit_sha VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  tests INT UNSIGNED NOT NULL,
  failures INT UNSIGNED NOT NULL,
  errors INT UNSIGNED NOT NULL,
  skipped INT UNSIGNED NOT NULL,
  duration_ms BIGINT UNSIGNED NOT NULL,
  uploaded_by VARCHAR(200) NOT NULL,
  uploaded_at DATETIME(6) NOT NULL,
  KEY cicd_test_reports_commit (entity_ref, commit_sha),
  CONSTRAINT cicd_test_reports_run FOREIGN KEY (run_id) REFERENCES cicd_runs (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE cicd_test_failures (
  run_id BIGINT UNSIGNED NOT NULL,
  idx SMALLINT UNSIGNED NOT NULL,
  suite VARCHAR(300) NOT NULL,
  classname VARCHAR(300) NOT NULL,
  name VARCHAR(300) NOT NULL,
  kind VARCHAR(7) NOT NULL CHECK (kind IN ('failure', 'error')),
  message VARCHAR(1000) NOT NULL,
  PRIMARY KEY (run_id, idx),
  CONSTRAINT cicd_test_failures_report FOREIGN KEY (run_id) REFERENCES cicd_test_reports (run_id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE cicd_findings (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  entity_ref VARCHAR(160) NOT NULL,
  fingerprint CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  tool VARCHAR(100) NOT NULL,
  rule VARCHAR(300) NOT NULL,
  severity VARCHAR(8) NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low')),
  message VARCHAR(1000) NOT NULL,
  uri VARCHAR(300) NOT NULL,
  line INT UNSIGNED NULL,
  state VARCHAR(5) NOT NULL CHECK (state IN ('open', 'fixed')),
  first_run_id BIGINT UNSIGNED NOT NULL,
  last_run_id BIGINT UNSIGNED NOT NULL,
  last_run_at DATETIME(6) NOT NULL,        -- the latest reporting run's time
  fixed_run_at DATETIME(6) NULL,           -- the time of the run that no longer reported it
  first_seen_at DATETIME(6) NOT NULL,
  fixed_at DATETIME(6) NULL,
  UNIQUE KEY cicd_findings_fingerprint (entity_ref, fingerprint),
  KEY cicd_findings_open (entity_ref, state, severity),
  KEY cicd_findings_tool (entity_ref, tool, state)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The latest run of each tool that uploaded for the entity (its time): a finding a late upload
-- of an older run reports, which that later run did not, is fixed as of it, whatever the order
-- the logs came in. A tool is its driver's name and, when the log gives one, its
-- automationDetails.id (one CodeQL analysis per language, say).
CREATE TABLE cicd_finding_tools (
  entity_ref VARCHAR(160) NOT NULL,
  tool VARCHAR(100) NOT NULL,
  last_run_at DATETIME(6) NOT NULL,
  PRIMARY KEY (entity_ref, tool)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CALL portico_grant('SELECT, INSERT, UPDATE, DELETE', 'cicd_finding_tools');
CALL portico_grant('SELECT, INSERT, UPDATE, DELETE', 'cicd_test_reports');
CALL portico_grant('SELECT, INSERT, UPDATE, DELETE', 'cicd_test_failures');
CALL portico_grant('SELECT, INSERT, UPDATE, DELETE', 'cicd_findings');
