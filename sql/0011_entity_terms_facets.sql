-- 0011: each term row carries what search filters, counts and sorts by (kind, type, lifecycle,
-- owner, owner's team, namespace, ref), so a search with words reads only the range of its
-- first word in this primary key: no lookup into entities per match. Measured at 100,000
-- entities: a word's facets and page in 30-45 ms instead of about 100. The rows are rewritten
-- with the entity on every change (lib/catalog_store.c). The table is built anew and swapped in
-- (one INSERT ... SELECT, not an UPDATE of every row).
CREATE TABLE entity_terms_new (
  term VARCHAR(63) NOT NULL COLLATE utf8mb4_unicode_ci,
  entity_id BIGINT UNSIGNED NOT NULL,
  kind VARCHAR(16) NOT NULL,
  type VARCHAR(63) NOT NULL DEFAULT '',
  lifecycle VARCHAR(63) NOT NULL DEFAULT '',
  owner_ref VARCHAR(160) NULL,
  owner_team VARCHAR(63) NULL,
  namespace VARCHAR(63) NOT NULL,
  ref VARCHAR(160) NOT NULL,
  PRIMARY KEY (term, entity_id),
  KEY entity_terms_of_entity (entity_id),
  CONSTRAINT entity_terms_of_entity FOREIGN KEY (entity_id) REFERENCES entities (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO entity_terms_new (term, entity_id, kind, type, lifecycle, owner_ref, owner_team, namespace, ref)
SELECT t.term, t.entity_id, e.kind, e.type, e.lifecycle, e.owner_ref, e.owner_team, e.namespace, e.ref
FROM entity_terms t JOIN entities e ON e.id = t.entity_id;

DROP TABLE entity_terms;
RENAME TABLE entity_terms_new TO entity_terms;

CALL portico_grant('SELECT, INSERT, DELETE', 'entity_terms');
