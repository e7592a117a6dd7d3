-- 0024: one person's wrong passwords no longer lock another out (lib/throttle, cgi-bin/auth.c).
--
-- Failures are counted per (account, address) pair ('pair', "id:<n>@<address>"): guessing from
-- one address locks that address out of that account, nobody else. A browser that logged in gets
-- a device cookie (its SHA-256 here, kind 'dev'), and the address it logged in from is remembered
-- (kind 'addr', SHA-256 of the address): a known device is counted on its own key ('dev'), never
-- locked by failures elsewhere; a known address is spared the account-wide count ('user', with
-- the higher login_max_failures_account) that bounds guessing spread over many addresses.
-- Rows older than login_device_days are ignored and pruned; disabling an account, an
-- administrator's password reset or unlock forget them.
ALTER TABLE login_throttle
  MODIFY kind VARCHAR(8) NOT NULL CHECK (kind IN ('user', 'addr', 'reset', 'pair', 'dev'));

CREATE TABLE login_devices (
  user_id BIGINT UNSIGNED NOT NULL,
  kind VARCHAR(4) NOT NULL CHECK (kind IN ('dev', 'addr')),
  hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  first_seen_at DATETIME(6) NOT NULL,
  last_seen_at DATETIME(6) NOT NULL,
  PRIMARY KEY (user_id, kind, hash),
  KEY login_devices_seen (user_id, kind, last_seen_at),
  CONSTRAINT login_devices_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CALL portico_grant('SELECT, INSERT, UPDATE, DELETE', 'login_devices');
