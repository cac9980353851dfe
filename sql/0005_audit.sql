-- The audit trail: every insert and update of employees, clients, contracts, payments and events
-- writes one row here, in the same transaction, from a trigger — so no write path can skip it and
-- a rolled-back write leaves no row.
--
-- Who acted comes from the transaction-local setting crm.employee_id (crm/db.py
-- Database.transaction); writes made outside the program (bootstrap, a DBA) record NULL.
--
-- Tamper-proofing: the table and the trigger function belong to the schema owner role. The
-- application role may only SELECT audit_log (crm/setup.py APP_PRIVILEGES): it cannot insert,
-- update, delete or truncate audit rows, nor drop or disable the triggers (only the owner can).
-- Its writes reach the table only through the trigger function, which runs as the owner
-- (SECURITY DEFINER) with a fixed search_path and fully qualified names.
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

CREATE FUNCTION audit_record_change() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    -- Only the catalog (pg_temp last, so no temporary object can shadow anything); dates in UTC.
    SET search_path = pg_catalog, pg_temp
    SET TimeZone = 'UTC'
AS $$
DECLARE
    new_row jsonb := to_jsonb(NEW);
    old_row jsonb := CASE WHEN TG_OP = 'UPDATE' THEN to_jsonb(OLD) ELSE '{}'::jsonb END;
    diff    jsonb := '{}'::jsonb;
    column_name text;
BEGIN
    FOR column_name IN SELECT jsonb_object_keys(new_row) LOOP
        CONTINUE WHEN column_name IN ('id', 'version', 'created_at', 'updated_at');
        IF column_name = 'password_hash' THEN
            IF TG_OP = 'INSERT' THEN
                diff := diff || jsonb_build_object('password', 'set');
            ELSIF new_row -> column_name IS DISTINCT FROM old_row -> column_name THEN
                -- A rehash at login says so (crm.password_change = 'rehashed'); anything else is a change.
                diff := diff || jsonb_build_object(
                    'password',
                    CASE WHEN current_setting('crm.password_change', true) = 'rehashed'
                         THEN 'rehashed' ELSE 'changed' END);
            END IF;
        ELSIF TG_OP = 'INSERT' THEN
            diff := diff || jsonb_build_object(column_name, jsonb_build_array(NULL, new_row -> column_name));
        ELSIF new_row -> column_name IS DISTINCT FROM old_row -> column_name THEN
            diff := diff || jsonb_build_object(
                column_name, jsonb_build_array(old_row -> column_name, new_row -> column_name));
        END IF;
    END LOOP;
    IF TG_OP = 'UPDATE' AND diff = '{}'::jsonb THEN
        RETURN NULL;
    END IF;
    INSERT INTO public.audit_log (employee_id, table_name, record_id, action, changes)
    VALUES (
        NULLIF(current_setting('crm.employee_id', true), '')::bigint,
        TG_TABLE_NAME,
        (new_row ->> 'id')::bigint,
        lower(TG_OP),
        diff
    );
    RETURN NULL;
END $$;
-- Trigger functions cannot be called directly anyway; nobody else needs to reference it.
REVOKE ALL ON FUNCTION audit_record_change() FROM PUBLIC;

CREATE TRIGGER audit AFTER INSERT OR UPDATE ON employees
    FOR EACH ROW EXECUTE FUNCTION audit_record_change();
CREATE TRIGGER audit AFTER INSERT OR UPDATE ON clients
    FOR EACH ROW EXECUTE FUNCTION audit_record_change();
CREATE TRIGGER audit AFTER INSERT OR UPDATE ON contracts
    FOR EACH ROW EXECUTE FUNCTION audit_record_change();
CREATE TRIGGER audit AFTER INSERT OR UPDATE ON payments
    FOR EACH ROW EXECUTE FUNCTION audit_record_change();
CREATE TRIGGER audit AFTER INSERT OR UPDATE ON events
    FOR EACH ROW EXECUTE FUNCTION audit_record_change();
