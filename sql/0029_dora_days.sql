-- 0029: the DORA figures kept by day (cgi-bin/cicd_rollup.c, lib/dora), so that a team's 90 days
-- are read from a few thousand counters rather than from each of its deployments and runs.
--
-- Each deployment and run keeps what it counts for — the day (UTC) it finished on, whether as a
-- success or a change failure, its lead time's and time to restore's buckets (lib/dora: 2% wide),
-- a run's duration's — and cicd_dora_days holds the sums, for three scopes: the entity
-- ('e:<ref>'), its integration's team ('t:<team>') and the platform ('p:'). When what a row counts
-- for changes (it finished, a rollback came, its commit's time arrived, the next success came
-- after a failure), the handler takes its old counts away and adds its new ones, in the
-- delivery's transaction. cicd_dora_rebuild() makes all of it again from the rows (this
-- migration runs it; so may an operator, and the benchmark after writing its history directly).
--
-- A duration's bucket (lib/dora.c's dora_bucket): 0 for none, else 1 + floor(log_1.02(seconds)),
-- at most 1199 — written out where it is used: a stored function would need SUPER where the
-- binary log is on, which shared hosting does not give.
--
-- A change failure: a deployment that failed, or that a later one rolled back, or whose next
-- successful deployment there is a hotfix (its version says "hotfix").
--
-- metric: 1 finished changes, 2 successes, 3 change failures, 4 lead time buckets, 5 time to
-- restore buckets (on the failure's day), 6 finished runs, 7 failed runs, 8 run duration buckets
-- (successful runs); counters have bucket 0. Runs count in environment ''.
ALTER TABLE cicd_deployments
  ADD COLUMN team VARCHAR(63) NOT NULL DEFAULT '',
  ADD COLUMN dora_day DATE NULL,
  ADD COLUMN dora_ok TINYINT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN dora_failed TINYINT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN dora_lead SMALLINT UNSIGNED NULL,
  ADD COLUMN dora_restore SMALLINT UNSIGNED NULL,
  ADD KEY cicd_deployments_commit (entity_ref, commit_sha);

ALTER TABLE cicd_runs
  ADD COLUMN team VARCHAR(63) NOT NULL DEFAULT '',
  ADD COLUMN dora_day DATE NULL,
  ADD COLUMN dora_failed TINYINT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN dora_duration SMALLINT UNSIGNED NULL;

CREATE TABLE cicd_dora_days (
  scope VARCHAR(170) NOT NULL,
  environment VARCHAR(63) NOT NULL,
  metric TINYINT UNSIGNED NOT NULL,
  day DATE NOT NULL,
  bucket SMALLINT UNSIGNED NOT NULL,
  n INT NOT NULL,
  PRIMARY KEY (scope, environment, metric, day, bucket)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per entity, locked first by each delivery that may recount more than its own row (a
-- deployment, a push): the recounts read other rows (the success that restores a failure, the
-- hotfix after a success, a commit's deployments), so two such deliveries of one entity go one
-- after the other, the second seeing what the first wrote.
CREATE TABLE cicd_dora_locks (
  entity_ref VARCHAR(160) NOT NULL PRIMARY KEY
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CALL portico_grant('SELECT, INSERT, UPDATE, DELETE', 'cicd_dora_days');
CALL portico_grant('SELECT, INSERT, UPDATE, DELETE', 'cicd_dora_locks');

CREATE OR REPLACE PROCEDURE cicd_dora_rebuild()
  SQL SECURITY INVOKER
  COMMENT 'Portico: every deployment''s and run''s DORA counts, and cicd_dora_days, made again from the rows'
BEGIN
  -- one transaction: readers see the old sums until the new ones are whole, and deliveries wait
  -- for it (run it when they are few: on 100,000 deployments it takes tens of seconds)
  START TRANSACTION;
  UPDATE cicd_deployments d JOIN cicd_integrations i ON i.id = d.integration_id SET d.team = i.team;
  UPDATE cicd_runs x JOIN cicd_integrations i ON i.id = x.integration_id SET x.team = i.team;
  UPDATE cicd_deployments d
    LEFT JOIN (SELECT DISTINCT rollback_of AS id FROM cicd_deployments WHERE rollback_of IS NOT NULL) rb ON rb.id = d.id
    LEFT JOIN (SELECT id, LEAD(version) OVER (PARTITION BY entity_ref, environment ORDER BY finished_at, id) AS next_version
               FROM cicd_deployments WHERE status = 'success' AND finished_at IS NOT NULL) nx ON nx.id = d.id
    LEFT JOIN cicd_commits k ON k.entity_ref = d.entity_ref AND k.sha = d.commit_sha AND d.commit_sha <> ''
    SET d.dora_day = IF(d.status IN ('success', 'failure') AND d.finished_at IS NOT NULL, DATE(d.finished_at), NULL),
        d.dora_ok = (d.status = 'success' AND d.finished_at IS NOT NULL),
        d.dora_failed = (d.finished_at IS NOT NULL AND (d.status = 'failure' OR (d.status = 'success' AND
                         (rb.id IS NOT NULL OR COALESCE(nx.next_version LIKE '%hotfix%', 0))))),
        d.dora_lead = IF(d.status = 'success' AND d.finished_at IS NOT NULL AND k.sha IS NOT NULL,
                         IF(TIMESTAMPDIFF(SECOND, k.committed_at, d.finished_at) <= 0, 0, LEAST(1199, 1 + FLOOR(LN(TIMESTAMPDIFF(SECOND, k.committed_at, d.finished_at)) / LN(1.02)))), NULL),
        d.dora_restore = NULL;
  -- a failure's restore: the entity's next success there, in (finished_at, id) order
  UPDATE cicd_deployments d JOIN (
      SELECT w.id, w.next_ok FROM (
        SELECT id, status, MIN(IF(status = 'success', finished_at, NULL)) OVER (PARTITION BY entity_ref, environment
               ORDER BY finished_at, id ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS next_ok
        FROM cicd_deployments WHERE status IN ('success', 'failure') AND finished_at IS NOT NULL) w
      WHERE w.status = 'failure' AND w.next_ok IS NOT NULL) f ON f.id = d.id
    SET d.dora_restore = IF(TIMESTAMPDIFF(SECOND, d.finished_at, f.next_ok) <= 0, 0, LEAST(1199, 1 + FLOOR(LN(TIMESTAMPDIFF(SECOND, d.finished_at, f.next_ok)) / LN(1.02))));
  UPDATE cicd_runs
    SET dora_day = IF(status IN ('success', 'failure') AND finished_at IS NOT NULL, DATE(finished_at), NULL),
        dora_failed = (status = 'failure' AND finished_at IS NOT NULL),
        dora_duration = IF(status = 'success' AND finished_at IS NOT NULL AND started_at IS NOT NULL,
                           IF(TIMESTAMPDIFF(SECOND, started_at, finished_at) <= 0, 0, LEAST(1199, 1 + FLOOR(LN(TIMESTAMPDIFF(SECOND, started_at, finished_at)) / LN(1.02)))), NULL);
  DELETE FROM cicd_dora_days;
  -- each row once per scope: its entity, its team, the platform
  INSERT INTO cicd_dora_days (scope, environment, metric, day, bucket, n)
    SELECT CASE s.k WHEN 1 THEN CONCAT('e:', q.entity_ref) WHEN 2 THEN CONCAT('t:', q.team) ELSE 'p:' END AS scope,
           q.environment, q.metric, q.day, q.bucket, SUM(q.cnt) FROM (
      SELECT entity_ref, team, environment, 1 AS metric, dora_day AS day, 0 AS bucket, 1 AS cnt FROM cicd_deployments WHERE dora_day IS NOT NULL
      UNION ALL SELECT entity_ref, team, environment, 2, dora_day, 0, 1 FROM cicd_deployments WHERE dora_day IS NOT NULL AND dora_ok = 1
      UNION ALL SELECT entity_ref, team, environment, 3, dora_day, 0, 1 FROM cicd_deployments WHERE dora_day IS NOT NULL AND dora_failed = 1
      UNION ALL SELECT entity_ref, team, environment, 4, dora_day, dora_lead, 1 FROM cicd_deployments WHERE dora_day IS NOT NULL AND dora_lead IS NOT NULL
      UNION ALL SELECT entity_ref, team, environment, 5, dora_day, dora_restore, 1 FROM cicd_deployments WHERE dora_day IS NOT NULL AND dora_restore IS NOT NULL
      UNION ALL SELECT entity_ref, team, '', 6, dora_day, 0, 1 FROM cicd_runs WHERE dora_day IS NOT NULL
      UNION ALL SELECT entity_ref, team, '', 7, dora_day, 0, 1 FROM cicd_runs WHERE dora_day IS NOT NULL AND dora_failed = 1
      UNION ALL SELECT entity_ref, team, '', 8, dora_day, dora_duration, 1 FROM cicd_runs WHERE dora_day IS NOT NULL AND dora_duration IS NOT NULL
    ) q CROSS JOIN (SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3) s
    GROUP BY scope, q.environment, q.metric, q.day, q.bucket;
  COMMIT;
END;

CALL cicd_dora_rebuild();
