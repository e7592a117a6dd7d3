-- 0015: the master key that seals new secret versions, as the database knows it. A writer reads
-- this row in share mode inside its transaction and seals only under that key (lib/secrets);
-- portico-admin rotate-master-key changes it before wrapping the data keys again, which waits
-- for the writers in flight. So no version can be sealed, late, under a key a rotation has
-- already found unused and dropped. No row: no rotation yet, the keyring's first key seals.
CREATE TABLE secret_keyring (
  id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
  current_key_id VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL
) ENGINE=InnoDB;

CALL portico_grant('SELECT, UPDATE', 'secret_keyring');
