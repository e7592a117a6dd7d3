-- 0007: custom roles, attribute policies, and the authorization epoch.
--
-- Custom roles are named sets of permissions, next to the built-in viewer, developer,
-- maintainer and admin (which live in code). Policies are attribute conditions on top of the
-- role bindings: "for permissions matching P on a resource whose attributes match C, the caller
-- must also hold role R there / belong to the owning team". They are data, evaluated by one
-- engine (lib/authz).
CREATE TABLE roles (
  name VARCHAR(64) NOT NULL PRIMARY KEY,
  description VARCHAR(500) NOT NULL DEFAULT '',
  permissions TEXT NOT NULL,                    -- JSON array of permission names
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE policies (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(64) NOT NULL,
  description VARCHAR(500) NOT NULL DEFAULT '',
  permission VARCHAR(128) NOT NULL,             -- a permission, "area.*" or "*"
  conditions TEXT NOT NULL,                     -- JSON object: attribute -> value, all must match
  require_role VARCHAR(64) NULL,
  require_owner TINYINT(1) NOT NULL DEFAULT 0,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  UNIQUE KEY policies_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One counter that every change to who-may-do-what raises in the change's own transaction
-- (a disabled user, a revoked token or session, a binding, a membership, a role, a policy).
-- Handlers keep what they learned about a credential while the counter stands still, and read
-- it (a plain, consistent read) on every request: a change stops a credential on the very next
-- request, in every process.
CREATE TABLE auth_epoch (
  id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
  n BIGINT UNSIGNED NOT NULL
) ENGINE=InnoDB;
INSERT INTO auth_epoch (id, n) VALUES (1, 1);

-- The rate-limit statement records its own verdict (the cells granted), so it can answer with
-- RETURNING.
ALTER TABLE rate_limits ADD COLUMN ok TINYINT NOT NULL DEFAULT 1;

CALL portico_grant('SELECT, INSERT, UPDATE, DELETE', 'roles');
CALL portico_grant('SELECT, INSERT, DELETE', 'policies');
CALL portico_grant('SELECT, UPDATE', 'auth_epoch');
