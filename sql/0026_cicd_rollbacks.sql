-- 0026: a deployment's rollbacks found by index (cgi-bin/cicd_dora.c counts a deployment a later
-- one rolled back as a change failure: without it, one scan of the deployments per deployment).
ALTER TABLE cicd_deployments ADD KEY cicd_deployments_rollback (rollback_of);
