-- 0021: what a request and the resource it makes are called, for people: "orders_dev · mariadb ·
-- dev" (the value of the template's naming parameter, the template, the environment; see
-- lib/provision provision_display_name), set when the request is made and shown in lists, pages,
-- titles and notices in place of "Resource 12".
ALTER TABLE provision_requests ADD COLUMN name VARCHAR(200) NOT NULL DEFAULT '' AFTER entity_ref;
ALTER TABLE resources ADD COLUMN name VARCHAR(200) NOT NULL DEFAULT '' AFTER entity_ref;

-- Rows made before: the parameter "name" when they have one (the usual naming parameter).
UPDATE provision_requests q
  JOIN template_versions v ON v.id = q.template_version_id JOIN templates t ON t.id = v.template_id
   SET q.name = LEFT(CONCAT_WS(' · ', NULLIF(JSON_VALUE(q.parameters, '$.name'), ''), t.name, q.environment), 200)
 WHERE q.name = '';
UPDATE resources r
  JOIN template_versions v ON v.id = r.template_version_id JOIN templates t ON t.id = v.template_id
   SET r.name = LEFT(CONCAT_WS(' · ', NULLIF(JSON_VALUE(r.parameters, '$.name'), ''), t.name, r.environment), 200)
 WHERE r.name = '';
