-- 0006: rate limits (GCRA). One row per caller key holding its theoretical arrival time in
-- microseconds. MEMORY: the state is shared by every process and host that uses this server,
-- costs no disk write, and may be lost on a restart (which only forgives a little).
CREATE TABLE rate_limits (
  k VARCHAR(160) NOT NULL PRIMARY KEY,
  tat BIGINT NOT NULL
) ENGINE=MEMORY;

CALL portico_grant('SELECT, INSERT, UPDATE, DELETE', 'rate_limits');
