-- 0019: a Portico team is shown as its Group in the catalog (lib/team_group). The Group Portico
-- writes and keeps in step is marked managed_by = 'team'; one written by hand or synced from a
-- location has none, and Portico leaves it alone. Teams made before this are given their Group by
-- `portico-admin sync-team-groups` (./dev.sh up runs it).
ALTER TABLE entities ADD COLUMN managed_by VARCHAR(16) NULL;
