-- 0013: secrets, versioned like Vault's KV v2, encrypted by lib/crypto (envelope encryption).
--
-- A secret lives at a path under a scope: a team ("team/<team>/[<environment>/]<name>") or a
-- catalog entity ("entity/<kind>/<namespace>/<entity>/[<environment>/]<name>"). The path is
-- what each version's ciphertext and wrapped data key are bound to (with the version number),
-- so a row copied to another path or version does not decrypt. No value is ever stored in
-- clear, and no column but ciphertext depends on it.
CREATE TABLE secrets (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  path VARCHAR(400) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  scope_type VARCHAR(8) NOT NULL,                 -- team | entity
  team VARCHAR(63) NULL,                          -- the owning team (an entity's owner's team)
  entity_ref VARCHAR(160) NULL,                   -- for entity scopes
  environment VARCHAR(63) NOT NULL DEFAULT '',
  name VARCHAR(63) NOT NULL,
  max_versions INT NOT NULL DEFAULT 10,
  current_version INT NOT NULL DEFAULT 0,         -- the last version written (0: none yet)
  created_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  created_by VARCHAR(200) NOT NULL,
  UNIQUE KEY secrets_path (path),
  KEY secrets_team (team)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE secret_versions (
  secret_id BIGINT UNSIGNED NOT NULL,
  version INT NOT NULL,
  master_key_id VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  wrapped_key VARBINARY(72) NOT NULL,             -- nonce || data key sealed by the master key
  nonce VARBINARY(24) NOT NULL,
  ciphertext MEDIUMBLOB NULL,                     -- value || tag; NULL once destroyed
  size INT NOT NULL,                              -- the value's length in bytes
  created_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  created_by VARCHAR(200) NOT NULL,
  deleted_at DATETIME(6) NULL,                    -- soft delete (undelete clears it)
  destroyed_at DATETIME(6) NULL,                  -- destroyed: the ciphertext is gone for good
  PRIMARY KEY (secret_id, version),
  KEY secret_versions_master_key (master_key_id),
  CONSTRAINT secret_versions_secret FOREIGN KEY (secret_id) REFERENCES secrets (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CALL portico_grant('SELECT, INSERT, UPDATE, DELETE', 'secrets');
CALL portico_grant('SELECT, INSERT, UPDATE, DELETE', 'secret_versions');
