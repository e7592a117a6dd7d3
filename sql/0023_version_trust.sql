-- 0023: trust is given to one template version's XML, not to the template's name: a version is
-- trusted while trusted_sha256 (hex SHA-256 of the XML an administrator trusted) equals SHA2 of its
-- XML now, so a draft nobody reviewed (or one changed after review) is never trusted. Existing
-- trust moves to the template's published and deprecated versions; drafts lose it.
ALTER TABLE template_versions ADD COLUMN trusted_sha256 CHAR(64) NULL,
  ADD COLUMN trusted_by VARCHAR(200) NULL, ADD COLUMN trusted_at DATETIME NULL;
UPDATE template_versions v JOIN templates t ON t.id = v.template_id
  SET v.trusted_sha256 = SHA2(v.xml, 256), v.trusted_by = 'migration 0023', v.trusted_at = UTC_TIMESTAMP()
  WHERE t.trusted = 1 AND v.state IN ('published', 'deprecated');
ALTER TABLE templates DROP COLUMN trusted;
