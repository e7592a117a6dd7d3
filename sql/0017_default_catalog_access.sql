-- 0017: every member of any team reads the whole catalog by default (Backstage's default).
--
-- A binding's subject may now be "members": every user who is a member of at least one team.
-- The built-in role catalog-reader (lib/authz) holds catalog.entity.read and nothing else, so
-- the binding below gives team members the catalog and no secrets, templates, iam pages or
-- other people's email. It is an ordinary row: listed as built-in by GET /api/v1/iam/bindings,
-- a platform admin may delete it (audited, effective at once) and create it again.
ALTER TABLE role_bindings
  MODIFY subject_type VARCHAR(8) NOT NULL CHECK (subject_type IN ('user', 'team', 'members'));

INSERT IGNORE INTO role_bindings (subject_type, subject_id, role, scope_type, scope_id)
VALUES ('members', 0, 'catalog-reader', 'global', '');

-- what processes keep about bindings is tied to the authorization epoch (0007)
UPDATE auth_epoch SET n = n + 1 WHERE id = 1;
