-- 0004: API tokens for scripts and CI. Stored by SHA-256 only; the token itself is shown once.
-- scopes is a JSON array of permission names: a token can do what its owner can do, and no
-- more than its scopes allow.
CREATE TABLE api_tokens (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT UNSIGNED NOT NULL,
  name VARCHAR(100) NOT NULL,
  token_hash CHAR(64) NOT NULL,
  prefix VARCHAR(12) NOT NULL,               -- the first characters, to recognise it in lists
  scopes TEXT NOT NULL CHECK (JSON_VALID(scopes)),
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  expires_at DATETIME(6) NOT NULL,
  last_used_at DATETIME(6) NULL,
  revoked_at DATETIME(6) NULL,
  UNIQUE KEY api_tokens_hash (token_hash),
  KEY api_tokens_by_user (user_id, id),
  CONSTRAINT api_tokens_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CALL portico_grant('SELECT, INSERT, UPDATE', 'api_tokens');
