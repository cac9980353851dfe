-- What the application role can no longer do, whatever it sends (security review, issues 13 / 19).
--
-- 1. Ids always come from their sequence: a BEFORE INSERT trigger takes the next value whatever
--    the writer sent (GENERATED ALWAYS alone gives way to OVERRIDING SYSTEM VALUE), so nobody can
--    insert a row at a chosen future id and make later creates fail.
-- 2. The database sets what no writer should choose: the creation date of every new row, a
--    payment's paid_at, a contract's signed_at (when it is signed, then never again), the version
--    of a new row (1) and updated_at; an UPDATE either leaves everything as it was or raises the
--    version by exactly one.
-- 3. Login throttling keeps no username as typed (it may be a password typed into the wrong field):
--    the key of an employee's username is their id, of anything else an HMAC-SHA-256 under a
--    per-database secret; rows expire; the application role reaches the table only through
--    SECURITY DEFINER functions, never reads it. Trusted devices get their own count (crm.devices).
--
-- The rules of 1-2 bind the writers that are not the schema owner: the application role. The owner
-- (migrations) and superusers (a DBA, the tests' factories) are trusted: they may set ids' dates
-- and versions as they need. The demo loader (crm/demo.py) writes realistic past dates as the
-- application role; it may, only in the transaction of a demo load into a database holding no real
-- data (demo_load_begin()).
--
-- Grants for the new tables and functions are in crm/setup.py (APP_PRIVILEGES, APP_FUNCTIONS).

-- Who may choose their own values ------------------------------------------------------------------

-- The database's owner role (<db>_owner, which runs migrations) and superusers: pg_database_owner
-- is the predefined role whose only member is the owner of the current database.
CREATE FUNCTION public.writer_is_trusted() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN pg_catalog.pg_has_role(CURRENT_USER, 'pg_database_owner', 'MEMBER');
COMMENT ON FUNCTION public.writer_is_trusted() IS
    'Whether the current role is the database owner (or a superuser): the rules of 0011 bind everyone else';

-- The transactions of demo loads (one row each while they run; older rows are removed by the next).
CREATE TABLE demo_loads (
    xact_id xid8 PRIMARY KEY
);

-- What crm/demo.py calls real data: any client that is not a demo client (reserved .example
-- domain) and any sales or support employee that is not a demo one. Management accounts are not
-- real data (a fresh install has its first manager).
CREATE FUNCTION public.demo_holds_real_data() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN EXISTS (SELECT 1 FROM public.clients WHERE email NOT LIKE '%.example')
        OR EXISTS (SELECT 1 FROM public.employees
                    WHERE team <> 'management' AND email NOT LIKE '%@demo.epicevents.example');

-- Called by the demo loader at the start of its transaction: in a database holding no real data,
-- the rows it writes keep the dates it sends (true); otherwise they get the database's (false).
CREATE FUNCTION public.demo_load_begin() RETURNS boolean
    LANGUAGE plpgsql VOLATILE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF public.demo_holds_real_data() THEN
        RETURN false;
    END IF;
    -- Transactions older than every running one are over.
    DELETE FROM public.demo_loads WHERE xact_id < pg_snapshot_xmin(pg_current_snapshot());
    INSERT INTO public.demo_loads (xact_id) VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING;
    RETURN true;
END $$;
REVOKE ALL ON FUNCTION public.demo_load_begin() FROM PUBLIC;

CREATE FUNCTION public.in_demo_load() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN EXISTS (SELECT 1 FROM public.demo_loads WHERE xact_id = pg_catalog.pg_current_xact_id());

-- 1. Ids from their sequence -----------------------------------------------------------------------
-- The identity columns become plain columns fed by the trigger below from a sequence owned by the
-- column (so TRUNCATE ... RESTART IDENTITY still restarts it), which goes on from where the
-- identity's sequence was.
DO $$
DECLARE
    t text;
    last_value bigint;
    called boolean;
BEGIN
    FOREACH t IN ARRAY ARRAY['employees', 'clients', 'contracts', 'payments', 'events'] LOOP
        EXECUTE format('SELECT last_value, is_called FROM %s',
                       pg_get_serial_sequence(format('public.%I', t), 'id'))
            INTO last_value, called;
        EXECUTE format('ALTER TABLE public.%I ALTER COLUMN id DROP IDENTITY', t);
        EXECUTE format('CREATE SEQUENCE public.%I AS bigint OWNED BY public.%I.id', t || '_id_seq', t);
        PERFORM setval(format('public.%I', t || '_id_seq'), last_value, called);
    END LOOP;
END $$;

-- 2. What the database sets on insert --------------------------------------------------------------
-- TG_ARGV[0]: the table's id sequence; TG_ARGV[1:]: the columns that hold the moment of the
-- insert (their defaults are now()). A version starts at 1. Writers' own values cost nothing to
-- check: the program sends none of these columns, and only values that differ from what the
-- database would set lead to the demo-load look-up. A new table gets the same trigger with its
-- own arguments (tests/test_app_role.py checks every insertable table has it).
CREATE FUNCTION public.set_by_database_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    moments text[] := TG_ARGV[1:TG_NARGS - 1];
    sent jsonb := pg_catalog.to_jsonb(NEW);
    chosen boolean := false;  -- whether the writer sent dates of its own
    moment text;
BEGIN
    NEW.id := pg_catalog.nextval(TG_ARGV[0]::regclass);
    IF public.writer_is_trusted() THEN
        RETURN NEW;
    END IF;
    IF sent ? 'version' THEN
        NEW := pg_catalog.jsonb_populate_record(NEW, '{"version": 1}');
    END IF;
    FOREACH moment IN ARRAY moments LOOP
        chosen := chosen OR (sent ->> moment)::timestamptz IS DISTINCT FROM now();
    END LOOP;
    IF TG_TABLE_NAME = 'contracts' THEN  -- a contract's signed_at is the moment it was signed
        chosen := chosen OR NEW.signed_at IS DISTINCT FROM CASE WHEN NEW.is_signed THEN now() END;
    END IF;
    IF chosen AND NOT public.in_demo_load() THEN
        NEW := pg_catalog.jsonb_populate_record(
            NEW, (SELECT pg_catalog.jsonb_object_agg(m, now()) FROM pg_catalog.unnest(moments) AS m));
        IF TG_TABLE_NAME = 'contracts' THEN
            NEW.signed_at := CASE WHEN NEW.is_signed THEN now() END;
        END IF;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER set_by_database_on_insert BEFORE INSERT ON employees
    FOR EACH ROW EXECUTE FUNCTION set_by_database_on_insert('public.employees_id_seq', 'created_at', 'updated_at');
CREATE TRIGGER set_by_database_on_insert BEFORE INSERT ON clients
    FOR EACH ROW EXECUTE FUNCTION set_by_database_on_insert('public.clients_id_seq', 'created_at', 'updated_at');
CREATE TRIGGER set_by_database_on_insert BEFORE INSERT ON contracts
    FOR EACH ROW EXECUTE FUNCTION set_by_database_on_insert('public.contracts_id_seq', 'created_at', 'updated_at');
CREATE TRIGGER set_by_database_on_insert BEFORE INSERT ON payments
    FOR EACH ROW EXECUTE FUNCTION set_by_database_on_insert('public.payments_id_seq', 'created_at', 'paid_at');
CREATE TRIGGER set_by_database_on_insert BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION set_by_database_on_insert('public.events_id_seq', 'created_at', 'updated_at');

-- ... and on update: versions only go up -----------------------------------------------------------
-- An UPDATE raises the version by exactly one (and updated_at becomes now()), or changes nothing
-- at all but the columns named in TG_ARGV (an employee's password hash replaced by a stronger one
-- of the same password at login: no edit anyone made, crm/repositories/employees.py replace_hash).
-- Anything else — a lower, equal or skipped version — is refused, so nobody can rewind a record's
-- version to defeat the lost-update check. A contract's signed_at is the moment it was signed.
CREATE FUNCTION public.versions_only_go_up() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF public.writer_is_trusted() THEN
        RETURN NEW;
    END IF;
    IF NEW.version = OLD.version + 1 THEN
        NEW.updated_at := now();
    ELSIF NEW.version = OLD.version
          AND to_jsonb(NEW) - coalesce(TG_ARGV, '{}') - 'updated_at'
              = to_jsonb(OLD) - coalesce(TG_ARGV, '{}') - 'updated_at' THEN
        NEW.updated_at := OLD.updated_at;
    ELSE
        RAISE EXCEPTION '%: an update raises the version by exactly one (from % to %, not %)',
            TG_TABLE_NAME, OLD.version, OLD.version + 1, NEW.version
            USING ERRCODE = 'check_violation', CONSTRAINT = 'versions_only_go_up';
    END IF;
    IF TG_TABLE_NAME = 'contracts' THEN
        NEW.signed_at := CASE WHEN NOT NEW.is_signed THEN NULL
                              WHEN OLD.is_signed THEN OLD.signed_at
                              ELSE now() END;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER versions_only_go_up BEFORE UPDATE ON employees
    FOR EACH ROW EXECUTE FUNCTION versions_only_go_up('password_hash');
CREATE TRIGGER versions_only_go_up BEFORE UPDATE ON clients
    FOR EACH ROW EXECUTE FUNCTION versions_only_go_up();
CREATE TRIGGER versions_only_go_up BEFORE UPDATE ON contracts
    FOR EACH ROW EXECUTE FUNCTION versions_only_go_up();
CREATE TRIGGER versions_only_go_up BEFORE UPDATE ON events
    FOR EACH ROW EXECUTE FUNCTION versions_only_go_up();

-- 3. Login throttling --------------------------------------------------------------------------------

-- HMAC-SHA-256 (RFC 2104) from the built-in sha256(): pgcrypto is not in every PostgreSQL build.
CREATE FUNCTION public.hmac_sha256(key bytea, message bytea) RETURNS bytea
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    block bytea := CASE WHEN length(key) > 64 THEN sha256(key) ELSE key END;
    inner_pad bytea;
    outer_pad bytea;
BEGIN
    block := block || decode(repeat('00', 64 - length(block)), 'hex');
    inner_pad := block;
    outer_pad := block;
    FOR i IN 0..63 LOOP
        inner_pad := set_byte(inner_pad, i, get_byte(block, i) # 54);  -- 0x36
        outer_pad := set_byte(outer_pad, i, get_byte(block, i) # 92);  -- 0x5c
    END LOOP;
    RETURN sha256(outer_pad || sha256(inner_pad || message));
END $$;

-- The per-database secret of the keyed hash: 64 bytes from PostgreSQL's strong random source
-- (gen_random_uuid(), 122 random bits each). Only the owner reads it (no grant).
CREATE TABLE login_throttle_secret (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    secret   bytea NOT NULL CHECK (length(secret) = 64)
);
INSERT INTO login_throttle_secret (secret)
SELECT decode(replace(gen_random_uuid()::text || gen_random_uuid()::text
                      || gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex');

-- A computer an employee has logged in from: the SHA-256 of the random token it keeps (crm.devices
-- beside the config). Its attempts are counted apart from everyone else's for that username, so
-- failures made elsewhere never lock an employee out of their own computer (OWASP device cookies).
CREATE TABLE login_devices (
    token_hash    text PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    employee_id   bigint NOT NULL REFERENCES employees (id),
    first_used_at timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_devices_employee_idx ON login_devices (employee_id, last_used_at DESC);
CREATE INDEX login_devices_last_used_idx ON login_devices (last_used_at);

-- The key of a throttled attempt: 'device:<token hash>' for a known device of that employee,
-- 'employee:<id>' for any other attempt at an existing username, 'unknown:<HMAC of the name>'
-- otherwise. Nothing typed is ever stored as it was typed.
ALTER TABLE login_throttle RENAME COLUMN username TO throttle_key;
ALTER TABLE login_throttle ADD COLUMN touched_at timestamptz NOT NULL DEFAULT now();

CREATE FUNCTION public.login_throttle_key(typed_username text, device_token_hash text) RETURNS text
    LANGUAGE sql STABLE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    -- The keyed hash is computed for every attempt (OFFSET 0 keeps the subquery apart), so an
    -- existing username takes as long as an unknown one.
    SELECT CASE
               WHEN d.token_hash IS NOT NULL THEN 'device:' || d.token_hash
               WHEN e.id IS NOT NULL THEN 'employee:' || e.id
               ELSE 'unknown:' || h.digest
           END
      FROM (SELECT encode(public.hmac_sha256(s.secret, convert_to(lower(typed_username), 'UTF8')), 'hex') AS digest
              FROM public.login_throttle_secret s OFFSET 0) AS h
      LEFT JOIN public.employees e ON lower(e.username) = lower(typed_username)
      LEFT JOIN public.login_devices d ON d.token_hash = device_token_hash AND d.employee_id = e.id;
END;

-- Existing rows: usernames as typed become keys.
UPDATE login_throttle t
   SET throttle_key = coalesce(
           'employee:' || (SELECT e.id FROM employees e WHERE lower(e.username) = lower(t.throttle_key)),
           'unknown:' || encode(hmac_sha256((SELECT secret FROM login_throttle_secret),
                                            convert_to(lower(t.throttle_key), 'UTF8')), 'hex')),
       touched_at = now();

ALTER TABLE login_throttle ADD CONSTRAINT login_throttle_key_shape
    CHECK (throttle_key ~ '^(employee:[0-9]+|device:[0-9a-f]{64}|unknown:[0-9a-f]{64})$');
-- Expiry: a row nobody wrote for an hour is deleted (its window and its lock, 15 minutes each,
-- are long over: crm/security.py), a few at a time by later attempts.
CREATE INDEX login_throttle_touched_idx ON login_throttle (touched_at);

-- Count an attempt before its password is checked (crm/repositories/throttle.py begin_attempt);
-- a few expired rows go on the way.
CREATE FUNCTION public.login_attempt_begin(attempt_key text, attempted_at timestamptz, time_window interval)
    RETURNS TABLE (attempts integer, lock_ends timestamptz)
    LANGUAGE sql VOLATILE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    DELETE FROM public.login_throttle
     WHERE throttle_key IN (SELECT o.throttle_key FROM public.login_throttle o
                             WHERE o.touched_at < now() - interval '1 hour'
                             ORDER BY o.touched_at LIMIT 50 FOR UPDATE SKIP LOCKED);
    INSERT INTO public.login_throttle AS t (throttle_key, failures, first_failure_at)
    VALUES (attempt_key, 1, attempted_at)
    ON CONFLICT (throttle_key) DO UPDATE SET
        failures = CASE WHEN t.locked_until > attempted_at THEN t.failures
                        WHEN t.first_failure_at IS NULL
                             OR t.first_failure_at <= attempted_at - time_window THEN 1
                        ELSE t.failures + 1 END,
        first_failure_at = CASE WHEN t.locked_until > attempted_at THEN t.first_failure_at
                                WHEN t.first_failure_at IS NULL
                                     OR t.first_failure_at <= attempted_at - time_window THEN attempted_at
                                ELSE t.first_failure_at END,
        touched_at = now()
    RETURNING t.failures, CASE WHEN t.locked_until > attempted_at THEN t.locked_until END;
END;

-- Lock a key until lock_until (a longer lock stays); the count starts again afterwards.
CREATE FUNCTION public.login_attempt_lock(attempt_key text, lock_until timestamptz) RETURNS timestamptz
    LANGUAGE sql VOLATILE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    UPDATE public.login_throttle
       SET locked_until = GREATEST(locked_until, lock_until), failures = 0, first_failure_at = NULL,
           touched_at = now()
     WHERE throttle_key = attempt_key
    RETURNING locked_until;
END;

-- After a right password: forget the key's attempts, unless it was locked meanwhile; then the end
-- of that lock, and nothing changes. The row stays locked until the caller's transaction ends.
CREATE FUNCTION public.login_attempt_clear(attempt_key text, attempted_at timestamptz) RETURNS timestamptz
    LANGUAGE plpgsql VOLATILE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    lock_ends timestamptz;
BEGIN
    SELECT t.locked_until INTO lock_ends
      FROM public.login_throttle t WHERE t.throttle_key = attempt_key FOR UPDATE;
    IF lock_ends > attempted_at THEN
        RETURN lock_ends;
    END IF;
    UPDATE public.login_throttle t
       SET failures = 0, first_failure_at = NULL, locked_until = NULL, touched_at = now()
     WHERE t.throttle_key = attempt_key AND (t.failures <> 0 OR t.locked_until IS NOT NULL);
    RETURN NULL;
END $$;

-- Forget every count and lock of an employee (all their keys); how many keys had one. A password
-- reset by management and the installer's `python -m main --unlock USERNAME` call it.
CREATE FUNCTION public.login_attempts_forget(employee bigint) RETURNS integer
    LANGUAGE sql VOLATILE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    WITH forgotten AS (
        DELETE FROM public.login_throttle t
         WHERE t.throttle_key = 'employee:' || employee
            OR t.throttle_key IN (SELECT 'device:' || d.token_hash FROM public.login_devices d
                                   WHERE d.employee_id = employee)
        RETURNING t.failures, t.locked_until
    )
    SELECT count(*)::integer FROM forgotten f WHERE f.failures > 0 OR f.locked_until IS NOT NULL;
END;

-- After a right password from a device: remember it for that employee (or note it was used
-- again). Devices unused for 180 days are forgotten; an employee keeps at most their 20 latest.
CREATE FUNCTION public.login_device_remember(employee bigint, device_token_hash text) RETURNS void
    LANGUAGE sql VOLATILE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    DELETE FROM public.login_devices d WHERE d.last_used_at < now() - interval '180 days';
    INSERT INTO public.login_devices AS d (token_hash, employee_id) VALUES (device_token_hash, employee)
    ON CONFLICT (token_hash) DO UPDATE SET last_used_at = now() WHERE d.employee_id = employee;
    DELETE FROM public.login_devices d
     WHERE d.employee_id = employee
       AND d.token_hash NOT IN (SELECT l.token_hash FROM public.login_devices l
                                 WHERE l.employee_id = employee ORDER BY l.last_used_at DESC LIMIT 20);
END;

REVOKE ALL ON FUNCTION public.login_throttle_key(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.login_attempt_begin(text, timestamptz, interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.login_attempt_lock(text, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.login_attempt_clear(text, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.login_attempts_forget(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.login_device_remember(bigint, text) FROM PUBLIC;
