-- 0001: the handlers' database account and the procedure later migrations grant through.
--
-- portico-admin sets @portico_db, @portico_app_user, @portico_app_host and
-- @portico_app_password from the configuration before each migration. The handlers' account
-- gets only the privileges each migration grants it, table by table. Where the hosting panel
-- makes accounts itself (shared hosting), set db_user to that account and grant by hand, or
-- leave @portico_app_user empty (PORTICO_DB_USER=) and the account steps are skipped.

CREATE OR REPLACE PROCEDURE portico_grant(IN privs VARCHAR(200), IN tbl VARCHAR(64))
  SQL SECURITY INVOKER
  COMMENT 'Portico migrations: grant privs on one table to the handlers'' account'
BEGIN
  IF COALESCE(@portico_app_user, '') <> '' THEN
    EXECUTE IMMEDIATE CONCAT('GRANT ', privs, ' ON ',
      '`', REPLACE(@portico_db, '`', '``'), '`.`', REPLACE(tbl, '`', '``'), '`',
      ' TO ', QUOTE(@portico_app_user), '@', QUOTE(@portico_app_host));
  END IF;
END;

BEGIN NOT ATOMIC
  IF COALESCE(@portico_app_user, '') <> '' THEN
    EXECUTE IMMEDIATE CONCAT('CREATE USER IF NOT EXISTS ', QUOTE(@portico_app_user), '@',
      QUOTE(@portico_app_host), ' IDENTIFIED BY ', QUOTE(@portico_app_password));
    EXECUTE IMMEDIATE CONCAT('ALTER USER ', QUOTE(@portico_app_user), '@',
      QUOTE(@portico_app_host), ' IDENTIFIED BY ', QUOTE(@portico_app_password));
  END IF;
END;

-- The handlers read the schema version for /api/v1/system/ready, and nothing else here.
CALL portico_grant('SELECT', 'schema_migrations');
