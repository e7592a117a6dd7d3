-- 0003: accounts, sessions, login throttling and role bindings.
-- Users are never deleted by the handlers (they are disabled, so the audit log keeps its
-- meaning); sessions are stored by the SHA-256 of their id only.

CREATE TABLE users (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  username VARCHAR(64) NOT NULL,
  email VARCHAR(254) NULL,
  display_name VARCHAR(200) NOT NULL DEFAULT '',
  kind VARCHAR(16) NOT NULL DEFAULT 'human' CHECK (kind IN ('human', 'service')),
  password_hash VARCHAR(160) NULL,          -- NULL for service accounts (tokens only)
  disabled_at DATETIME(6) NULL,
  password_changed_at DATETIME(6) NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  UNIQUE KEY users_username (username),
  UNIQUE KEY users_email (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE sessions (
  id_hash CHAR(64) NOT NULL PRIMARY KEY,
  user_id BIGINT UNSIGNED NOT NULL,
  created_at DATETIME(6) NOT NULL,
  last_seen_at DATETIME(6) NOT NULL,
  expires_at DATETIME(6) NOT NULL,          -- absolute expiry; idle expiry is last_seen_at + idle
  remote_addr VARCHAR(64) NULL,
  user_agent VARCHAR(512) NULL,
  KEY sessions_by_user (user_id),
  KEY sessions_by_expiry (expires_at),
  CONSTRAINT sessions_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Failed logins, per account and per address, shared by every process and host.
CREATE TABLE login_throttle (
  kind VARCHAR(8) NOT NULL CHECK (kind IN ('user', 'addr')),
  subject VARCHAR(255) NOT NULL,
  failures INT UNSIGNED NOT NULL,
  last_failure_at DATETIME(6) NOT NULL,
  locked_until DATETIME(6) NULL,
  PRIMARY KEY (kind, subject)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- subject (a user or a team) holds role within scope (global, a team, or a catalog entity).
CREATE TABLE role_bindings (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  subject_type VARCHAR(8) NOT NULL CHECK (subject_type IN ('user', 'team')),
  subject_id BIGINT UNSIGNED NOT NULL,
  role VARCHAR(64) NOT NULL,
  scope_type VARCHAR(8) NOT NULL DEFAULT 'global' CHECK (scope_type IN ('global', 'team', 'entity')),
  scope_id VARCHAR(255) NOT NULL DEFAULT '',
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  UNIQUE KEY role_bindings_unique (subject_type, subject_id, role, scope_type, scope_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CALL portico_grant('SELECT, INSERT, UPDATE', 'users');
CALL portico_grant('SELECT, INSERT, UPDATE, DELETE', 'sessions');
CALL portico_grant('SELECT, INSERT, UPDATE, DELETE', 'login_throttle');
CALL portico_grant('SELECT, INSERT, DELETE', 'role_bindings');
