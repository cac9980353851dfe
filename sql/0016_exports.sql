-- CSV exports and imports (issue 15 §5).
--
-- 1. Every export leaves a trace. Everyone may read every client, contract, event and payment,
--    so an export is the bulk way out of the database: each one writes a row here, in the
--    transaction that read the rows it wrote to the file (crm/services/exports.py) — who, what
--    (which list), with which filters, how many rows, for which face. The rows are an audit trail
--    of their own: the application role may only INSERT and SELECT them (no UPDATE, no DELETE),
--    and the database sets the id, the date and the employee (the transaction's crm.employee_id,
--    as the audit trail records it), whatever the writer sends.
-- 2. An import of clients stages the file's rows in a temporary table that lives only in its
--    transaction (ON COMMIT DROP) before one INSERT … SELECT (and one UPDATE … FROM for the
--    duplicates the user chose to update). The application role may not create temporary tables
--    (crm/setup.py APP_ROLE_PROBES): client_import_staging() creates this one table, of a fixed
--    shape, as the owner, and lets the caller fill and read it.

CREATE TABLE exports (
    id          bigint PRIMARY KEY,
    employee_id bigint NOT NULL REFERENCES employees (id),
    kind        text NOT NULL CHECK (kind IN ('clients', 'contracts', 'events', 'payments')),
    filters     jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(filters) = 'object'),
    row_count   integer NOT NULL CHECK (row_count >= 0),
    excel       boolean NOT NULL DEFAULT false,
    face        text NOT NULL CHECK (face IN ('menus', 'commands', 'api', 'web')),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE SEQUENCE exports_id_seq AS bigint OWNED BY exports.id;
-- What one employee exported, newest first (and keeps the foreign key cheap to check).
CREATE INDEX exports_employee_idx ON exports (employee_id, created_at DESC);

-- The id from its sequence, the date and the acting employee from the database (the owner and
-- superusers, trusted as in sql/0011, may choose them).
CREATE FUNCTION public.exports_set_by_database() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    actor bigint := NULLIF(current_setting('crm.employee_id', true), '')::bigint;
BEGIN
    NEW.id := pg_catalog.nextval('public.exports_id_seq'::regclass);
    IF public.writer_is_trusted() THEN
        RETURN NEW;
    END IF;
    IF actor IS NULL THEN
        RAISE EXCEPTION 'an export is recorded only inside a transaction naming its employee'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'exports_employee_is_actor';
    END IF;
    NEW.employee_id := actor;
    NEW.created_at := now();
    RETURN NEW;
END $$;
CREATE TRIGGER set_by_database_on_insert BEFORE INSERT ON exports
    FOR EACH ROW EXECUTE FUNCTION exports_set_by_database();

-- The staging table of an import: one row per line of the file (line: its line number in the
-- file, for the report). Created empty in the caller's transaction, dropped at its end.
CREATE FUNCTION public.client_import_staging() RETURNS void
    LANGUAGE plpgsql VOLATILE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF pg_catalog.to_regclass('pg_temp.client_import') IS NOT NULL THEN
        RAISE EXCEPTION 'one import at a time in a transaction'
            USING ERRCODE = 'object_in_use';
    END IF;
    CREATE TEMPORARY TABLE client_import (
        line             integer NOT NULL PRIMARY KEY,
        full_name        text NOT NULL,
        email            text NOT NULL,
        phone            text,
        company_name     text NOT NULL,
        sales_contact_id bigint NOT NULL
    ) ON COMMIT DROP;
    EXECUTE pg_catalog.format('GRANT INSERT, SELECT ON pg_temp.client_import TO %I', session_user);
END $$;
REVOKE ALL ON FUNCTION public.client_import_staging() FROM PUBLIC;
