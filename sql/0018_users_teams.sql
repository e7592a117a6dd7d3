-- 0018: people and teams managed from the portal.
--
-- A password reset by an administrator leaves a temporary password that must be changed at the
-- first login (must_change_password: until then the account may only see who it is, log out and
-- change its password). Resets are throttled like logins, in login_throttle under kind 'reset'.
-- Teams can be renamed, moved under another parent and deleted: role bindings scoped on a team
-- follow its name, the closure table is rewritten, and a deleted team's rows go.
ALTER TABLE users ADD COLUMN must_change_password TINYINT(1) NOT NULL DEFAULT 0;

ALTER TABLE login_throttle
  MODIFY kind VARCHAR(8) NOT NULL CHECK (kind IN ('user', 'addr', 'reset'));

CALL portico_grant('SELECT, INSERT, UPDATE, DELETE', 'teams');
CALL portico_grant('SELECT, INSERT, DELETE', 'team_closure');
CALL portico_grant('SELECT, INSERT, UPDATE, DELETE', 'role_bindings');
