-- 0010: catalog search by its own term index instead of InnoDB FULLTEXT.
--
-- Measured at 100,000 entities: FULLTEXT prefix words ("+payments*") took 90-350 ms a query
-- (the index also keeps deleted documents until an OPTIMIZE), and a search with facets ran six
-- of them. Each entity's terms (the words of its name, title, description and tags; see
-- catalog_terms in lib/catalog.c) are rows here, so a prefix is a range scan of this primary key.
-- The collation makes terms compare without case or accents.
CREATE TABLE entity_terms (
  term VARCHAR(63) NOT NULL COLLATE utf8mb4_unicode_ci,
  entity_id BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (term, entity_id),
  KEY entity_terms_entity (entity_id),
  CONSTRAINT entity_terms_entity FOREIGN KEY (entity_id) REFERENCES entities (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The terms of the entities already stored, split as lib/catalog.c splits them (between ASCII
-- spaces and punctuation).
INSERT IGNORE INTO entity_terms (term, entity_id)
SELECT t.w, e.id
FROM entities e,
     JSON_TABLE(CONCAT('["', REPLACE(TRIM(REGEXP_REPLACE(CONCAT_WS(' ', e.name, e.title, e.description, e.tags),
                                                         '[[:space:][:punct:]]+', ' ')), ' ', '","'), '"]'),
                '$[*]' COLUMNS (w VARCHAR(200) PATH '$')) t
WHERE t.w <> '' AND CHAR_LENGTH(t.w) <= 63;

-- The facet counts (kind, type, lifecycle, owner; owner_team for the read scopes) come from one
-- grouped query; with no words it reads this index, not the rows (350 -> 67 ms at 100,000).
ALTER TABLE entities DROP INDEX entities_text, ADD KEY entities_facets (kind, type, lifecycle, owner_ref, owner_team);

CALL portico_grant('SELECT, INSERT, DELETE', 'entity_terms');
