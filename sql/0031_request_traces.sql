-- 0031: the request that made a job or a deploy, and its W3C trace (lib/trace.h), so that "what
-- happened to request X" (GET /api/v1/audit/requests/{id}) finds them, and the runner sends the
-- trace on to the systems its drivers call (a child span per call, in the traceparent header).
ALTER TABLE jobs
  ADD COLUMN request_id CHAR(32) NULL,
  ADD COLUMN traceparent CHAR(55) NULL,
  ADD KEY jobs_request (request_id);
ALTER TABLE cicd_deploys
  ADD COLUMN request_id CHAR(32) NULL,
  ADD COLUMN traceparent CHAR(55) NULL,
  ADD KEY cicd_deploys_request (request_id);
-- the audit events of one request, read by the same view
ALTER TABLE audit_events ADD KEY audit_by_request (request_id);
