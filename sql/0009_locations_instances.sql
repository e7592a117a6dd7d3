-- 0009: where catalog entities come from, and where services run.
--
-- A location is a catalog-info.yaml the runner re-reads on a schedule: a file on disk, a file in
-- a git repository on disk (read from a committed revision, not the working tree), or an
-- http(s) URL. Entities it wrote carry its id; one that disappears from the file becomes an
-- orphan (orphaned_at set): listed, deletable, brought back if it reappears. A sync that would
-- orphan more than the allowed share of a location's entities changes nothing until someone
-- confirms it (confirm_removals), so an empty or broken upstream never empties the catalog.
CREATE TABLE catalog_locations (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  type VARCHAR(8) NOT NULL,                    -- file, git, url
  target VARCHAR(1000) NOT NULL,               -- absolute path, repository directory, or URL
  path VARCHAR(255) NOT NULL DEFAULT '',       -- git: the file inside the repository
  revision VARCHAR(100) NOT NULL DEFAULT '',   -- git: branch, tag or commit ('' = HEAD)
  team VARCHAR(63) NULL,                       -- entities must be owned by this team (NULL: any)
  on_orphan VARCHAR(8) NOT NULL DEFAULT 'keep',-- keep (orphans stay, listed) or delete
  interval_seconds INT UNSIGNED NOT NULL,
  next_sync_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  pending_removals INT UNSIGNED NOT NULL DEFAULT 0, -- removals the guard held back at the last sync
  confirm_removals INT UNSIGNED NOT NULL DEFAULT 0, -- removals the next sync may make past the guard
  status VARCHAR(16) NOT NULL DEFAULT 'pending', -- pending, ok, guarded, error
  message TEXT NOT NULL,
  last_sync_at DATETIME(6) NULL,
  last_added INT UNSIGNED NOT NULL DEFAULT 0,
  last_changed INT UNSIGNED NOT NULL DEFAULT 0,
  last_removed INT UNSIGNED NOT NULL DEFAULT 0,
  registered_by VARCHAR(200) NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  UNIQUE KEY catalog_locations_target (type, target(255), path(200)),
  KEY catalog_locations_due (next_sync_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE entities
  ADD COLUMN location_id BIGINT UNSIGNED NULL,
  ADD COLUMN orphaned_at DATETIME(6) NULL,
  ADD KEY entities_location (location_id, orphaned_at),
  ADD CONSTRAINT entities_location FOREIGN KEY (location_id) REFERENCES catalog_locations (id) ON DELETE SET NULL;

-- Discovery: the running instances of an entity, per environment. An instance is passing while
-- its last heartbeat is younger than its TTL, critical after; the runner deregisters it once it
-- has been critical for deregister_seconds. Health is computed when read, never stored stale.
CREATE TABLE instances (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  entity_id BIGINT UNSIGNED NOT NULL,
  environment VARCHAR(63) NOT NULL,
  instance VARCHAR(128) NOT NULL,              -- the caller's name for it: host:port, pod name
  url VARCHAR(1000) NOT NULL,
  version VARCHAR(100) NOT NULL DEFAULT '',
  region VARCHAR(63) NOT NULL DEFAULT '',
  metadata TEXT NOT NULL,                      -- JSON object of strings
  ttl_seconds INT UNSIGNED NOT NULL,
  deregister_seconds INT UNSIGNED NOT NULL,
  last_heartbeat DATETIME(6) NOT NULL,
  expires_at DATETIME(6) NOT NULL,             -- last_heartbeat + ttl: critical after
  registered_by VARCHAR(200) NOT NULL,
  registered_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  UNIQUE KEY instances_name (entity_id, environment, instance),
  KEY instances_expiry (expires_at),
  CONSTRAINT instances_entity FOREIGN KEY (entity_id) REFERENCES entities (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CALL portico_grant('SELECT, INSERT, UPDATE, DELETE', 'catalog_locations');
CALL portico_grant('SELECT, INSERT, UPDATE, DELETE', 'instances');
