-- The database trusts nothing it cannot check (issue 13): who acts is verified from a session.
--
-- Until now the acting employee was the transaction-local setting crm.employee_id, which any
-- connection could set to anyone. From this migration:
--
-- 1. The verified actor. crm_act_as(token, employee) — SECURITY DEFINER, the owner's — hashes the
--    session token (sessions keep only its SHA-256, sql/0012), checks the session is open (it
--    exists, is the employee's, has not ended; its employee is active — a deactivation, a team
--    change or a new password ends the sessions, sql/0012) and records the employee, their team and the session for the current transaction in
--    verified_actors, a table only the owner reads and writes. It returns whether it did. crm_actor()
--    is the transaction's verified employee; every trigger that read crm.employee_id reads it
--    (the audit trail, notes, exports, notifications). For the schema owner and superusers
--    (migrations, the installer, a DBA, the tests' factories) crm_actor() is still what
--    crm.employee_id says: they may write anything anyway.
-- 2. Writes without a verified actor are refused: the application role's INSERT or UPDATE on an
--    audited table (employees, clients, contracts, payments, events, services, opportunities,
--    opportunity_lines) raises unless crm_act_as verified someone in the transaction, or the
--    transaction is a demo load into a database without real data (sql/0011 demo_load_begin).
-- 3. Employees: team, active flag and password hash change only through SECURITY DEFINER functions
--    that check the verified actor (crm/setup.py APP_FUNCTIONS): employee_update and
--    employee_set_active by management, never their own team nor their own deactivation, and the
--    company keeps an active manager; employee_set_password_hash by management for someone else
--    (a reset) or by the employee for themselves (a change: the session that makes it stays open);
--    employee_rehash by the employee themselves, for the hash they were just verified against (at
--    login, after the session opened). The application role loses UPDATE on those columns; any
--    other write to employees is management's.
-- 4. Row-level security on clients, contracts, payments and events for INSERT and UPDATE, as
--    crm/permissions.py says (defence in depth: a bug in a service cannot write another
--    employee's record): management writes every row; sales create their own clients, update
--    them, update their clients' contracts, record payments (never corrections) on them and create
--    their events; support update the events assigned to them. Only management hands a client or
--    an event to someone else (the owner columns). Reading stays open to everyone (docs/rules.md §5).
--    The owner and superusers are not bound (no FORCE).
-- 5. A payment's recorded_by is the verified actor, whatever the writer sends (its paid_at and a
--    contract's signed_at are the database's since sql/0011).
-- 6. An ended session stays ended: nobody reopens one to make crm_act_as accept its token.
--
-- What stays (README, Security): the application role may still INSERT a session row (a login is
-- checked by the program, argon2 is not in PostgreSQL), so whoever holds that role's password can
-- still open a session in anyone's name. In team mode only the CRM server holds it.

-- 1. The verified actor -------------------------------------------------------------------------

-- One row per write transaction that verified its actor (its xid). A row of a transaction that
-- rolled back vanishes with it; rows of committed ones are removed, a few at a time, by later calls.
CREATE TABLE verified_actors (
    xact_id     xid8 PRIMARY KEY,
    employee_id bigint NOT NULL,
    team        text NOT NULL,
    session_id  bigint NOT NULL,
    rehash      boolean NOT NULL DEFAULT false  -- set by employee_rehash() while it replaces the hash
);

CREATE FUNCTION public.crm_act_as(token text, employee bigint) RETURNS boolean
    LANGUAGE plpgsql VOLATILE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    found_session bigint;
    found_team text;
BEGIN
    -- Rows of transactions older than every running one are over (skip those another call holds).
    DELETE FROM public.verified_actors
     WHERE xact_id IN (SELECT v.xact_id FROM public.verified_actors v
                        WHERE v.xact_id < pg_snapshot_xmin(pg_current_snapshot())
                        ORDER BY v.xact_id LIMIT 20 FOR UPDATE SKIP LOCKED);
    SELECT s.id, e.team INTO found_session, found_team
      FROM public.sessions s JOIN public.employees e ON e.id = s.employee_id
     WHERE s.token_hash = sha256(convert_to(coalesce(token, ''), 'UTF8'))
       AND s.employee_id = employee
       AND s.ended_at IS NULL
       AND e.is_active;
    -- (The lifetime and the idle limit are measured on the clock of the service that opens and
    -- checks sessions, sql/0012: it ends an expired one when it resolves it, before any write.)
    IF NOT FOUND THEN
        DELETE FROM public.verified_actors WHERE xact_id = pg_current_xact_id();
        RETURN false;
    END IF;
    INSERT INTO public.verified_actors AS v (xact_id, employee_id, team, session_id)
    VALUES (pg_current_xact_id(), employee, found_team, found_session)
    ON CONFLICT (xact_id) DO UPDATE
        SET employee_id = EXCLUDED.employee_id, team = EXCLUDED.team, session_id = EXCLUDED.session_id,
            rehash = false;
    RETURN true;
END $$;
REVOKE ALL ON FUNCTION public.crm_act_as(text, bigint) FROM PUBLIC;

-- Whether the session (the login role, whatever role a SECURITY DEFINER function runs as) is the
-- database owner's or a superuser's: they may still name the actor with crm.employee_id.
CREATE FUNCTION public.session_is_trusted() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN pg_catalog.pg_has_role(SESSION_USER, 'pg_database_owner', 'MEMBER');

-- The verified actor of the current transaction (NULL: nobody verified).
CREATE FUNCTION public.crm_actor() RETURNS bigint
    LANGUAGE sql STABLE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    RETURN coalesce(
        (SELECT v.employee_id FROM public.verified_actors v WHERE v.xact_id = pg_current_xact_id_if_assigned()),
        CASE WHEN public.session_is_trusted()
             THEN NULLIF(current_setting('crm.employee_id', true), '')::bigint END);
COMMENT ON FUNCTION public.crm_actor() IS
    'The employee crm_act_as verified for this transaction (the owner and superusers: crm.employee_id)';

-- The verified actor's team, their session, and whether employee_rehash() is at work.
CREATE FUNCTION public.crm_actor_team() RETURNS text
    LANGUAGE sql STABLE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    RETURN (SELECT v.team FROM public.verified_actors v WHERE v.xact_id = pg_current_xact_id_if_assigned());

CREATE FUNCTION public.crm_actor_session() RETURNS bigint
    LANGUAGE sql STABLE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    RETURN coalesce(
        (SELECT v.session_id FROM public.verified_actors v WHERE v.xact_id = pg_current_xact_id_if_assigned()),
        CASE WHEN public.session_is_trusted()
             THEN NULLIF(current_setting('crm.session_id', true), '')::bigint END);

CREATE FUNCTION public.crm_actor_rehash() RETURNS boolean
    LANGUAGE sql STABLE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    RETURN coalesce(
        (SELECT v.rehash FROM public.verified_actors v WHERE v.xact_id = pg_current_xact_id_if_assigned()),
        public.session_is_trusted() AND current_setting('crm.password_change', true) = 'rehashed');

-- Read by the rules as the writer (row-level security runs as the application role): crm/setup.py
-- APP_FUNCTIONS grants them.
REVOKE ALL ON FUNCTION public.crm_actor() FROM PUBLIC;
REVOKE ALL ON FUNCTION public.crm_actor_team() FROM PUBLIC;
REVOKE ALL ON FUNCTION public.crm_actor_session() FROM PUBLIC;
REVOKE ALL ON FUNCTION public.crm_actor_rehash() FROM PUBLIC;

-- 2. Writes need a verified actor -----------------------------------------------------------------

CREATE FUNCTION public.actor_required() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF public.crm_actor() IS NULL AND NOT public.writer_is_trusted() AND NOT public.in_demo_load() THEN
        RAISE EXCEPTION '%: no verified employee in this transaction (crm_act_as with an open session first)',
            TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END $$;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['employees', 'clients', 'contracts', 'payments', 'events',
                             'services', 'opportunities', 'opportunity_lines'] LOOP
        EXECUTE format('CREATE TRIGGER actor_required BEFORE INSERT OR UPDATE ON public.%I'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION public.actor_required()', t);
    END LOOP;
END $$;

-- The triggers that named the actor from crm.employee_id ------------------------------------------

CREATE OR REPLACE FUNCTION audit_changes() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET TimeZone = 'UTC'
AS $$
DECLARE
    actor bigint := public.crm_actor();
    -- A rehash at login says so (employee_rehash()); else it is a change.
    password_note text := CASE WHEN public.crm_actor_rehash() THEN 'rehashed' ELSE 'changed' END;
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

-- Not ended: the verified session that changes its own employee's password, and a rehash. (Names
-- qualified: it fires inside the functions below, whose search_path is the catalog's only.)
CREATE OR REPLACE FUNCTION sessions_end_on_employee_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    reason text;
    keep bigint := CASE WHEN NEW.id = public.crm_actor() THEN public.crm_actor_session() END;
BEGIN
    IF OLD.is_active AND NOT NEW.is_active THEN
        reason := 'deactivated';
    ELSIF NEW.team IS DISTINCT FROM OLD.team THEN
        reason := 'team';
    ELSIF NEW.password_hash IS DISTINCT FROM OLD.password_hash AND NOT public.crm_actor_rehash() THEN
        reason := 'password';
    ELSE
        RETURN NULL;
    END IF;
    UPDATE public.sessions SET ended_at = now(), end_reason = reason
     WHERE employee_id = NEW.id AND ended_at IS NULL AND id IS DISTINCT FROM keep;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION public.notes_set_by_database() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    actor bigint := public.crm_actor();
BEGIN
    IF NOT public.writer_is_trusted() THEN
        -- Refused before an id is drawn: a refused note burns no id.
        IF actor IS NULL OR NEW.author_id IS DISTINCT FROM actor THEN
            RAISE EXCEPTION 'a note is written by the acting employee'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'notes_author_is_actor', TABLE = 'notes';
        END IF;
        NEW.created_at := now();
    END IF;
    NEW.id := pg_catalog.nextval('public.notes_id_seq'::regclass);
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION public.notify_support_of_event_change() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET TimeZone = 'UTC'
AS $$
DECLARE
    actor bigint := public.crm_actor();
    watched text[] := '{starts_at,ends_at,location,attendees,status,cancel_reason}';
    old_row jsonb := CASE WHEN TG_OP = 'UPDATE' THEN to_jsonb(OLD) ELSE '{}'::jsonb END;
    new_row jsonb := to_jsonb(NEW);
    old_support bigint := CASE WHEN TG_OP = 'UPDATE' THEN OLD.support_contact_id END;
    diff jsonb := '{}';
BEGIN
    IF TG_OP = 'UPDATE' THEN
        SELECT coalesce(jsonb_object_agg(k, jsonb_build_array(old_row -> k, new_row -> k)), '{}')
          INTO diff
          FROM unnest(watched) AS k
         WHERE (old_row -> k) IS DISTINCT FROM (new_row -> k);
    END IF;
    IF NEW.support_contact_id IS DISTINCT FROM old_support THEN
        diff := diff || jsonb_build_object('support_contact', jsonb_build_array(
            (SELECT e.full_name FROM public.employees e WHERE e.id = old_support),
            (SELECT e.full_name FROM public.employees e WHERE e.id = NEW.support_contact_id)));
        IF old_support IS NOT NULL AND old_support IS DISTINCT FROM actor THEN
            PERFORM public.notification_write(old_support, NEW.id, 'unassigned', diff, actor);
        END IF;
        IF NEW.support_contact_id IS NOT NULL AND NEW.support_contact_id IS DISTINCT FROM actor THEN
            PERFORM public.notification_write(NEW.support_contact_id, NEW.id, 'assigned', diff, actor);
        END IF;
    ELSIF diff <> '{}' AND NEW.support_contact_id IS NOT NULL AND NEW.support_contact_id IS DISTINCT FROM actor THEN
        PERFORM public.notification_write(NEW.support_contact_id, NEW.id, 'changed', diff, actor);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION public.notifications_read_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF public.writer_is_trusted() THEN
        RETURN NEW;
    END IF;
    IF OLD.read_at IS NOT NULL OR NEW.read_at IS NULL
       OR NEW.employee_id IS DISTINCT FROM public.crm_actor() THEN
        RAISE EXCEPTION 'a notification is marked read once, by the employee it tells'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'notifications_read_once';
    END IF;
    NEW.read_at := now();
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION public.exports_set_by_database() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    actor bigint := public.crm_actor();
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

-- 3. Employees ------------------------------------------------------------------------------------

-- The verified actor, who must be in management (else an error naming what was refused).
CREATE FUNCTION public.crm_manager_acting(what text) RETURNS bigint
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    actor bigint := public.crm_actor();
BEGIN
    IF actor IS NULL OR public.crm_actor_team() IS DISTINCT FROM 'management' THEN
        RAISE EXCEPTION 'only a verified manager can %', what USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN actor;
END $$;
REVOKE ALL ON FUNCTION public.crm_manager_acting(text) FROM PUBLIC;

CREATE FUNCTION public.crm_keeps_a_manager() RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM public.employees WHERE team = 'management' AND is_active) THEN
        RAISE EXCEPTION 'the company keeps at least one active manager'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'employees_keep_a_manager';
    END IF;
END $$;
REVOKE ALL ON FUNCTION public.crm_keeps_a_manager() FROM PUBLIC;

-- An employee's username, name, e-mail, phone and team, if still at expected_version (false if not).
CREATE FUNCTION public.employee_update(
    employee bigint, expected_version integer, new_username text, new_full_name text, new_email text,
    new_phone text, new_team text
) RETURNS boolean
    LANGUAGE plpgsql VOLATILE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    actor bigint := public.crm_manager_acting('change an employee');
    changed integer;
BEGIN
    IF employee = actor AND new_team IS DISTINCT FROM (SELECT e.team FROM public.employees e WHERE e.id = employee) THEN
        RAISE EXCEPTION 'nobody changes their own team' USING ERRCODE = 'insufficient_privilege';
    END IF;
    UPDATE public.employees
       SET username = new_username, full_name = new_full_name, email = new_email, phone = new_phone,
           team = new_team, updated_at = now(), version = version + 1
     WHERE id = employee AND version = expected_version;
    GET DIAGNOSTICS changed = ROW_COUNT;
    PERFORM public.crm_keeps_a_manager();
    RETURN changed = 1;
END $$;

-- Deactivate or reactivate; false when it already was so (or there is no such employee).
CREATE FUNCTION public.employee_set_active(employee bigint, active boolean) RETURNS boolean
    LANGUAGE plpgsql VOLATILE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    actor bigint := public.crm_manager_acting('deactivate or reactivate an employee');
    changed integer;
BEGIN
    IF employee = actor THEN
        RAISE EXCEPTION 'nobody deactivates or reactivates themselves' USING ERRCODE = 'insufficient_privilege';
    END IF;
    UPDATE public.employees SET is_active = active, updated_at = now(), version = version + 1
     WHERE id = employee AND is_active IS DISTINCT FROM active;
    GET DIAGNOSTICS changed = ROW_COUNT;
    PERFORM public.crm_keeps_a_manager();
    RETURN changed = 1;
END $$;

-- A new password hash: someone else's by management (a reset), or one's own (a change). The other
-- sessions of the employee end; the verified one making its own change goes on.
CREATE FUNCTION public.employee_set_password_hash(employee bigint, new_hash text) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    actor bigint := public.crm_actor();
BEGIN
    IF actor IS NULL OR (employee <> actor AND public.crm_actor_team() IS DISTINCT FROM 'management') THEN
        RAISE EXCEPTION 'a password is changed by its employee or reset by a verified manager'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    UPDATE public.employees SET password_hash = new_hash, updated_at = now(), version = version + 1
     WHERE id = employee;
    -- (after the UPDATE: its text rule, employees_password_hash_text, speaks first)
    IF new_hash !~ '^\$argon2id\$' THEN
        RAISE EXCEPTION 'a password hash is an argon2id hash'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'employees_password_hash_argon2id';
    END IF;
END $$;

-- The login's rehash: the verified employee's own hash, replaced by a stronger one of the same
-- password only while it is still the hash the program verified (old_hash); true if it was.
CREATE FUNCTION public.employee_rehash(employee bigint, old_hash text, new_hash text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    changed integer;
BEGIN
    IF public.crm_actor() IS DISTINCT FROM employee OR NOT EXISTS (
        SELECT 1 FROM public.verified_actors v WHERE v.xact_id = pg_current_xact_id_if_assigned()) THEN
        RAISE EXCEPTION 'a hash is rehashed by its own verified employee' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF new_hash !~ '^\$argon2id\$' THEN
        RAISE EXCEPTION 'a password hash is an argon2id hash'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'employees_password_hash_argon2id';
    END IF;
    UPDATE public.verified_actors SET rehash = true WHERE xact_id = pg_current_xact_id();
    UPDATE public.employees SET password_hash = new_hash WHERE id = employee AND password_hash = old_hash;
    GET DIAGNOSTICS changed = ROW_COUNT;
    UPDATE public.verified_actors SET rehash = false WHERE xact_id = pg_current_xact_id();
    RETURN changed = 1;
END $$;

REVOKE ALL ON FUNCTION public.employee_update(bigint, integer, text, text, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.employee_set_active(bigint, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.employee_set_password_hash(bigint, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.employee_rehash(bigint, text, text) FROM PUBLIC;

-- Any other write to employees by the application role (creating one; the row locks' no-op) is
-- management's; a demo load into a database without real data creates its demo employees.
CREATE FUNCTION public.employees_written_by_management() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT public.writer_is_trusted() AND NOT public.in_demo_load()
       AND public.crm_actor_team() IS DISTINCT FROM 'management' THEN
        RAISE EXCEPTION 'only a verified manager writes employees' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER employees_written_by_management BEFORE INSERT OR UPDATE ON employees
    FOR EACH ROW EXECUTE FUNCTION employees_written_by_management();

-- 4. Row-level security ---------------------------------------------------------------------------
-- The actor and their team are read once per statement ((SELECT f()) is an InitPlan); the owner
-- checks are one index look-up a row. UPDATE's USING is true: a row lock (FOR UPDATE / FOR SHARE)
-- is subject to it, and the services lock a record before they tell the actor why they may not
-- change it. WITH CHECK binds the new row; since only management may change an owner column
-- (owner_changes_by_management below), a row that passes it was the actor's before too.

CREATE FUNCTION public.crm_writes_all() RETURNS boolean
    LANGUAGE sql STABLE
    RETURN public.crm_actor_team() = 'management' OR public.in_demo_load();

ALTER TABLE clients ENABLE ROW LEVEL SECURITY;
CREATE POLICY clients_read ON clients FOR SELECT USING (true);
CREATE POLICY clients_insert ON clients FOR INSERT WITH CHECK (
    (SELECT public.crm_writes_all())
    OR ((SELECT public.crm_actor_team()) = 'sales' AND sales_contact_id = (SELECT public.crm_actor())));
CREATE POLICY clients_update ON clients FOR UPDATE USING (true) WITH CHECK (
    (SELECT public.crm_writes_all())
    OR ((SELECT public.crm_actor_team()) = 'sales' AND sales_contact_id = (SELECT public.crm_actor())));

ALTER TABLE contracts ENABLE ROW LEVEL SECURITY;
CREATE POLICY contracts_read ON contracts FOR SELECT USING (true);
CREATE POLICY contracts_insert ON contracts FOR INSERT WITH CHECK ((SELECT public.crm_writes_all()));
CREATE POLICY contracts_update ON contracts FOR UPDATE USING (true) WITH CHECK (
    (SELECT public.crm_writes_all())
    OR ((SELECT public.crm_actor_team()) = 'sales'
        AND EXISTS (SELECT 1 FROM public.clients c
                     WHERE c.id = client_id AND c.sales_contact_id = (SELECT public.crm_actor()))));

ALTER TABLE payments ENABLE ROW LEVEL SECURITY;
CREATE POLICY payments_read ON payments FOR SELECT USING (true);
CREATE POLICY payments_insert ON payments FOR INSERT WITH CHECK (
    (SELECT public.crm_writes_all())
    OR ((SELECT public.crm_actor_team()) = 'sales' AND corrects_payment_id IS NULL
        AND EXISTS (SELECT 1 FROM public.contracts k JOIN public.clients c ON c.id = k.client_id
                     WHERE k.id = contract_id AND c.sales_contact_id = (SELECT public.crm_actor()))));

ALTER TABLE events ENABLE ROW LEVEL SECURITY;
CREATE POLICY events_read ON events FOR SELECT USING (true);
CREATE POLICY events_insert ON events FOR INSERT WITH CHECK (
    (SELECT public.in_demo_load())
    OR ((SELECT public.crm_actor_team()) = 'sales'
        AND EXISTS (SELECT 1 FROM public.contracts k JOIN public.clients c ON c.id = k.client_id
                     WHERE k.id = contract_id AND c.sales_contact_id = (SELECT public.crm_actor()))));
CREATE POLICY events_update ON events FOR UPDATE USING (true) WITH CHECK (
    (SELECT public.crm_writes_all())
    OR ((SELECT public.crm_actor_team()) = 'support' AND support_contact_id = (SELECT public.crm_actor())));

-- Handing a client or an event to someone else (or taking an event away) is management's.
CREATE FUNCTION public.owner_changes_by_management() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT public.writer_is_trusted() AND NOT public.crm_writes_all() THEN
        RAISE EXCEPTION '%: only management gives a record to another employee', TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER owner_changes_by_management BEFORE UPDATE OF sales_contact_id ON clients
    FOR EACH ROW WHEN (NEW.sales_contact_id IS DISTINCT FROM OLD.sales_contact_id)
    EXECUTE FUNCTION owner_changes_by_management();
CREATE TRIGGER owner_changes_by_management BEFORE UPDATE OF support_contact_id ON events
    FOR EACH ROW WHEN (NEW.support_contact_id IS DISTINCT FROM OLD.support_contact_id)
    EXECUTE FUNCTION owner_changes_by_management();

-- 5. Who recorded a payment -----------------------------------------------------------------------

CREATE FUNCTION public.payments_recorded_by_actor() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT public.writer_is_trusted() AND NOT public.in_demo_load() THEN
        NEW.recorded_by := public.crm_actor();
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER payments_recorded_by_actor BEFORE INSERT ON payments
    FOR EACH ROW EXECUTE FUNCTION payments_recorded_by_actor();

-- 6. An ended session stays ended -----------------------------------------------------------------

CREATE FUNCTION public.sessions_stay_ended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.ended_at IS NOT NULL AND NOT public.writer_is_trusted()
       AND (NEW.ended_at, NEW.end_reason) IS DISTINCT FROM (OLD.ended_at, OLD.end_reason) THEN
        RAISE EXCEPTION 'an ended session stays ended'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'sessions_stay_ended';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER sessions_stay_ended BEFORE UPDATE ON sessions
    FOR EACH ROW EXECUTE FUNCTION sessions_stay_ended();
