-- 0005: teams (with a parent team) and memberships. A role bound to a team is held by every
-- member of that team and of the teams below it.
CREATE TABLE teams (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(63) NOT NULL,
  display_name VARCHAR(200) NOT NULL DEFAULT '',
  parent_id BIGINT UNSIGNED NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  UNIQUE KEY teams_name (name),
  CONSTRAINT teams_parent FOREIGN KEY (parent_id) REFERENCES teams (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE team_members (
  team_id BIGINT UNSIGNED NOT NULL,
  user_id BIGINT UNSIGNED NOT NULL,
  added_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (team_id, user_id),
  KEY team_members_by_user (user_id),
  CONSTRAINT team_members_team FOREIGN KEY (team_id) REFERENCES teams (id),
  CONSTRAINT team_members_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every (ancestor, descendant) pair, each team being its own ancestor at depth 0: bindings held
-- through parent teams are then one join, not a recursive query on every request.
CREATE TABLE team_closure (
  ancestor_id BIGINT UNSIGNED NOT NULL,
  descendant_id BIGINT UNSIGNED NOT NULL,
  depth INT UNSIGNED NOT NULL,
  PRIMARY KEY (descendant_id, ancestor_id),
  KEY team_closure_by_ancestor (ancestor_id),
  CONSTRAINT team_closure_ancestor FOREIGN KEY (ancestor_id) REFERENCES teams (id),
  CONSTRAINT team_closure_descendant FOREIGN KEY (descendant_id) REFERENCES teams (id)
) ENGINE=InnoDB;

CALL portico_grant('SELECT, INSERT, UPDATE', 'teams');
CALL portico_grant('SELECT, INSERT', 'team_closure');
CALL portico_grant('SELECT, INSERT, DELETE', 'team_members');
