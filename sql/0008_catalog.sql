-- 0008: the service catalog. Entities as Backstage shapes them; the document is kept as given
-- (JSON), the fields the catalog searches and authorizes on are columns. Relations are stored in
-- both directions, each row naming the entity whose spec declared it, so a change to that spec
-- replaces exactly its rows and a deleted entity takes its rows with it. A target that is not
-- (yet) in the catalog stays as its ref: dangling, reported, not dropped.
CREATE TABLE entities (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  ref VARCHAR(160) NOT NULL,                 -- canonical, lower-case: component:default/payments
  kind VARCHAR(16) NOT NULL,
  namespace VARCHAR(63) NOT NULL,
  name VARCHAR(63) NOT NULL,
  title VARCHAR(200) NOT NULL DEFAULT '',
  description TEXT NOT NULL,
  type VARCHAR(63) NOT NULL DEFAULT '',
  lifecycle VARCHAR(63) NOT NULL DEFAULT '',
  owner_ref VARCHAR(160) NULL,
  owner_team VARCHAR(63) NULL,               -- the Portico team an owning Group maps to (by name)
  tags VARCHAR(3300) NOT NULL DEFAULT '',    -- space-separated, for search
  document MEDIUMTEXT NOT NULL,
  version INT UNSIGNED NOT NULL DEFAULT 1,   -- the ETag
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  UNIQUE KEY entities_ref (ref),
  KEY entities_kind (kind, namespace, name),
  KEY entities_owner (owner_ref),
  KEY entities_owner_team (owner_team),
  FULLTEXT KEY entities_text (name, title, description, tags)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE relations (
  source_ref VARCHAR(160) NOT NULL,
  type VARCHAR(32) NOT NULL,
  target_ref VARCHAR(160) NOT NULL,
  declared_by BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (source_ref, type, target_ref, declared_by),
  KEY relations_target (target_ref, type),
  KEY relations_declared (declared_by),
  CONSTRAINT relations_declared_by FOREIGN KEY (declared_by) REFERENCES entities (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CALL portico_grant('SELECT, INSERT, UPDATE, DELETE', 'entities');
CALL portico_grant('SELECT, INSERT, DELETE', 'relations');
