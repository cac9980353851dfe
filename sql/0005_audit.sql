-- The audit trail: every inserted or updated row of employees, clients, contracts, payments and
-- events writes one row here, in the same transaction, from triggers — so no write path can skip
-- it and a rolled-back write leaves no row.
--
-- Who acted comes from the transaction-local setting crm.employee_id (crm/db.py
-- Database.transaction); writes made outside the program (bootstrap, a DBA) record NULL.
--
-- Tamper-proofing: the table and the trigger function belong to the schema owner role. The
-- application role may only SELECT audit_log (crm/setup.py APP_PRIVILEGES): it cannot insert,
-- update, delete or truncate audit rows, nor drop or disable the triggers (only the owner can),
-- nor skip them (session_replication_role is for superusers). Its writes reach the table only
-- through the trigger function, which runs as the owner (SECURITY DEFINER) with a fixed
-- search_path and fully qualified names.
--
-- `changes` maps each changed column to [old, new] (old is null on insert). Never recorded: the
-- password hash (only {"password": "set" | "changed" | "rehashed"}), and the bookkeeping
-- columns id, version, created_at and updated_at. An update that changes nothing else writes no
-- row. login_throttle is bookkeeping too and is not audited.

CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    employee_id bigint REFERENCES employees (id),
    table_name  text NOT NULL
                CHECK (table_name IN ('employees', 'clients', 'contracts', 'payments', 'events')),
    record_id   bigint NOT NULL,
    action      text NOT NULL CHECK (action IN ('insert', 'update')),
    changes     jsonb NOT NULL CHECK (jsonb_typeof(changes) = 'object')
);
-- "History of a record", newest first.
CREATE INDEX audit_log_record_idx ON audit_log (table_name, record_id, at DESC, id DESC);
-- What one employee did (and keeps the foreign key cheap to check).
CREATE INDEX audit_log_employee_idx ON audit_log (employee_id, at DESC);

-- One statement-level trigger per table and event: each write statement (an INSERT, an UPDATE, a
-- COPY of the demo data) is audited with one set-based INSERT from its transition tables, which
-- costs a fraction of a row-level trigger on bulk loads.
CREATE FUNCTION audit_changes() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    -- Only the catalog (pg_temp last, so no temporary object can shadow anything); dates in UTC.
    SET search_path = pg_catalog, pg_temp
    SET TimeZone = 'UTC'
AS $$
DECLARE
    actor bigint := NULLIF(current_setting('crm.employee_id', true), '')::bigint;
    -- A rehash at login says so (crm/repositories/employees.py replace_hash); else it is a change.
    password_note text := CASE WHEN current_setting('crm.password_change', true) = 'rehashed'
                               THEN 'rehashed' ELSE 'changed' END;
    noise text[] := '{id,version,created_at,updated_at,password_hash}';
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO public.audit_log (employee_id, table_name, record_id, action, changes)
        SELECT actor, TG_TABLE_NAME, n.id, 'insert',
               (SELECT coalesce(jsonb_object_agg(c.key, jsonb_build_array(NULL, c.value)), '{}')
                  FROM jsonb_each(n.row) AS c
                 WHERE c.key <> ALL (noise))
               || CASE WHEN n.row ? 'password_hash' THEN '{"password": "set"}' ELSE '{}' END::jsonb
          FROM (SELECT r.id, to_jsonb(r) AS row FROM new_rows AS r) AS n;
    ELSE
        INSERT INTO public.audit_log (employee_id, table_name, record_id, action, changes)
        SELECT actor, TG_TABLE_NAME, d.id, 'update', d.diff
          FROM (SELECT n.id,
                       (SELECT coalesce(jsonb_object_agg(c.key, jsonb_build_array(o.row -> c.key, c.value)), '{}')
                          FROM jsonb_each(n.row) AS c
                         WHERE c.key <> ALL (noise) AND c.value IS DISTINCT FROM o.row -> c.key)
                       || CASE WHEN n.row -> 'password_hash' IS DISTINCT FROM o.row -> 'password_hash'
                               THEN jsonb_build_object('password', password_note)
                               ELSE '{}' END AS diff
                  FROM (SELECT r.id, to_jsonb(r) AS row FROM new_rows AS r) AS n
                  JOIN (SELECT r.id, to_jsonb(r) AS row FROM old_rows AS r) AS o ON o.id = n.id) AS d
         WHERE d.diff <> '{}';
    END IF;
    RETURN NULL;
END $$;
-- Trigger functions cannot be called directly anyway; nobody else needs to reference it.
REVOKE ALL ON FUNCTION audit_changes() FROM PUBLIC;

CREATE TRIGGER audit_insert AFTER INSERT ON employees REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_changes();
CREATE TRIGGER audit_update AFTER UPDATE ON employees REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_changes();
CREATE TRIGGER audit_insert AFTER INSERT ON clients REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_changes();
CREATE TRIGGER audit_update AFTER UPDATE ON clients REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_changes();
CREATE TRIGGER audit_insert AFTER INSERT ON contracts REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_changes();
CREATE TRIGGER audit_update AFTER UPDATE ON contracts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_changes();
CREATE TRIGGER audit_insert AFTER INSERT ON payments REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_changes();
CREATE TRIGGER audit_update AFTER UPDATE ON payments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_changes();
CREATE TRIGGER audit_insert AFTER INSERT ON events REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_changes();
CREATE TRIGGER audit_update AFTER UPDATE ON events REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_changes();
