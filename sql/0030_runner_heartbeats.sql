-- 0030: each runner process says it is alive (runner/runner.c's runner_heartbeat, at every
-- upkeep: each pass of a cron runner, each runner_poll_seconds of a looping one), so the status
-- page (GET /api/v1/system/status) tells a runner that stopped from a queue with nothing in it.
-- Rows not seen for a day are deleted by the next heartbeat.
CREATE TABLE runner_heartbeats (
  name VARCHAR(160) NOT NULL PRIMARY KEY,      -- portico-runner@host:pid
  host VARCHAR(64) NOT NULL,
  started_at DATETIME(6) NOT NULL,
  seen_at DATETIME(6) NOT NULL,
  KEY runner_heartbeats_seen (seen_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CALL portico_grant('SELECT, INSERT, UPDATE, DELETE', 'runner_heartbeats');
