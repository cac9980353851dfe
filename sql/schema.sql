-- The schema of an Epic Events CRM database, in one file to read: what a fresh bootstrap makes
-- (crm/setup.py bootstrap: every sql/NNNN_*.sql migration applied in order, then the grants of
-- APP_PRIVILEGES / APP_UPDATE_COLUMNS), as `pg_dump --schema-only --create` prints it.
--
-- Generated; do not edit. It is never applied: crm/migrations.py applies only the numbered
-- sql/NNNN_*.sql files, and migrations remain the way to create and upgrade a database. After a
-- new migration or a change of grants, regenerate it with (tests/test_schema_file.py fails until
-- then):
--
--     python -m tests.schema --write
--
-- Names: epic_events stands for the database's name, epic_events_owner for the schema owner
-- role (<db>_owner, no login) and epic_events_app for the application role (<db>_app). Left out
-- of pg_dump's text: its SET lines, version lines and \restrict keys, and the database's locale
-- (the server's default).

--
-- PostgreSQL database dump
--


--
-- Name: epic_events; Type: DATABASE; Schema: -; Owner: epic_events_owner
--

CREATE DATABASE epic_events WITH TEMPLATE = template0 ENCODING = 'UTF8';


ALTER DATABASE epic_events OWNER TO epic_events_owner;

\connect epic_events


--
-- Name: pg_trgm; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;


--
-- Name: EXTENSION pg_trgm; Type: COMMENT; Schema: -; Owner: 
--

COMMENT ON EXTENSION pg_trgm IS 'text similarity measurement and index searching based on trigrams';


--
-- Name: unaccent; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;


--
-- Name: EXTENSION unaccent; Type: COMMENT; Schema: -; Owner: 
--

COMMENT ON EXTENSION unaccent IS 'text search dictionary that removes accents';


--
-- Name: actor_required(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.actor_required() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF public.crm_actor() IS NULL AND NOT public.writer_is_trusted() AND NOT public.in_demo_load() THEN
        RAISE EXCEPTION '%: no verified employee in this transaction (crm_act_as with an open session first)',
            TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END $$;


ALTER FUNCTION public.actor_required() OWNER TO epic_events_owner;

--
-- Name: audit_changes(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.audit_changes() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    SET "TimeZone" TO 'UTC'
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


ALTER FUNCTION public.audit_changes() OWNER TO epic_events_owner;

--
-- Name: client_import_staging(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.client_import_staging() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
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


ALTER FUNCTION public.client_import_staging() OWNER TO epic_events_owner;

--
-- Name: clients_sales_is_active_sales(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.clients_sales_is_active_sales() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.sales_contact_id IS DISTINCT FROM OLD.sales_contact_id THEN
        PERFORM 1 FROM employees
          WHERE id = NEW.sales_contact_id AND team = 'sales' AND is_active
          FOR SHARE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'a client''s sales contact must be an active sales employee'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'clients_sales_is_active_sales';
        END IF;
    END IF;
    RETURN NEW;
END $$;


ALTER FUNCTION public.clients_sales_is_active_sales() OWNER TO epic_events_owner;

--
-- Name: contracts_never_unsign(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.contracts_never_unsign() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF OLD.is_signed AND NOT NEW.is_signed THEN
        RAISE EXCEPTION 'a signed contract cannot be un-signed'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'contracts_never_unsign';
    END IF;
    RETURN NEW;
END $$;


ALTER FUNCTION public.contracts_never_unsign() OWNER TO epic_events_owner;

--
-- Name: contracts_remaining_is_total_minus_paid(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.contracts_remaining_is_total_minus_paid() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    ids bigint[];
    cid bigint;
    total numeric;
    remaining numeric;
    paid numeric;
BEGIN
    IF TG_TABLE_NAME = 'contracts' THEN
        ids := ARRAY[NEW.id];
    ELSIF TG_OP = 'INSERT' THEN
        ids := ARRAY[NEW.contract_id];
    ELSIF TG_OP = 'DELETE' THEN
        ids := ARRAY[OLD.contract_id];
    ELSE
        ids := ARRAY[OLD.contract_id, NEW.contract_id];
    END IF;
    FOREACH cid IN ARRAY ids LOOP
        SELECT c.total_amount, c.remaining_amount INTO total, remaining FROM contracts c WHERE c.id = cid;
        CONTINUE WHEN NOT FOUND;
        SELECT coalesce(sum(p.amount), 0) INTO paid FROM payments p WHERE p.contract_id = cid;
        IF remaining <> total - paid THEN
            RAISE EXCEPTION 'contract %: the remaining amount (%) must be the total (%) minus the payments (%)',
                cid, remaining, total, paid
                USING ERRCODE = 'check_violation', CONSTRAINT = 'contracts_remaining_is_total_minus_paid';
        END IF;
    END LOOP;
    RETURN NULL;
END $$;


ALTER FUNCTION public.contracts_remaining_is_total_minus_paid() OWNER TO epic_events_owner;

--
-- Name: crm_act_as(text, bigint); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.crm_act_as(token text, employee bigint) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
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


ALTER FUNCTION public.crm_act_as(token text, employee bigint) OWNER TO epic_events_owner;

--
-- Name: session_is_trusted(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.session_is_trusted() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN pg_has_role(SESSION_USER, 'pg_database_owner'::name, 'MEMBER'::text);


ALTER FUNCTION public.session_is_trusted() OWNER TO epic_events_owner;


--
-- Name: verified_actors; Type: TABLE; Schema: public; Owner: epic_events_owner
--

CREATE TABLE public.verified_actors (
    xact_id xid8 NOT NULL,
    employee_id bigint NOT NULL,
    team text NOT NULL,
    session_id bigint NOT NULL,
    rehash boolean DEFAULT false NOT NULL
);


ALTER TABLE public.verified_actors OWNER TO epic_events_owner;

--
-- Name: crm_actor(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.crm_actor() RETURNS bigint
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    RETURN COALESCE((SELECT v.employee_id FROM public.verified_actors v WHERE (v.xact_id = pg_current_xact_id_if_assigned())), CASE WHEN public.session_is_trusted() THEN (NULLIF(current_setting('crm.employee_id'::text, true), ''::text))::bigint ELSE NULL::bigint END);


ALTER FUNCTION public.crm_actor() OWNER TO epic_events_owner;

--
-- Name: FUNCTION crm_actor(); Type: COMMENT; Schema: public; Owner: epic_events_owner
--

COMMENT ON FUNCTION public.crm_actor() IS 'The employee crm_act_as verified for this transaction (the owner and superusers: crm.employee_id)';


--
-- Name: crm_actor_rehash(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.crm_actor_rehash() RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    RETURN COALESCE((SELECT v.rehash FROM public.verified_actors v WHERE (v.xact_id = pg_current_xact_id_if_assigned())), (public.session_is_trusted() AND (current_setting('crm.password_change'::text, true) = 'rehashed'::text)));


ALTER FUNCTION public.crm_actor_rehash() OWNER TO epic_events_owner;

--
-- Name: crm_actor_session(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.crm_actor_session() RETURNS bigint
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    RETURN COALESCE((SELECT v.session_id FROM public.verified_actors v WHERE (v.xact_id = pg_current_xact_id_if_assigned())), CASE WHEN public.session_is_trusted() THEN (NULLIF(current_setting('crm.session_id'::text, true), ''::text))::bigint ELSE NULL::bigint END);


ALTER FUNCTION public.crm_actor_session() OWNER TO epic_events_owner;

--
-- Name: crm_actor_team(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.crm_actor_team() RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    RETURN (SELECT v.team FROM public.verified_actors v WHERE (v.xact_id = pg_current_xact_id_if_assigned()));


ALTER FUNCTION public.crm_actor_team() OWNER TO epic_events_owner;

--
-- Name: crm_email_is_valid(text); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.crm_email_is_valid(value text) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN ((length(value) <= 254) AND (length(split_part(value, '@'::text, 1)) <= 64) AND (value ~ '^[^\x01-\x20"(),.:;<>@[\\\]\x7f]+([.][^\x01-\x20"(),.:;<>@[\\\]\x7f]+)*@([^\x01-\x2c./:-@[-`{-\x7f]+[.])+[^\x01-\x2c./:-@[-`{-\x7f]+$'::text) AND (split_part(value, '@'::text, 2) !~ '(^|[.])-|-([.]|$)|[.][0-9]+$'::text) AND CASE WHEN (length(split_part(value, '@'::text, 2)) < 64) THEN true ELSE (split_part(value, '@'::text, 2) !~ '[^.]{64}'::text) END AND (lower(value) !~ '[.](arpa|invalid|local|localhost|onion)$'::text));


ALTER FUNCTION public.crm_email_is_valid(value text) OWNER TO epic_events_owner;

--
-- Name: FUNCTION crm_email_is_valid(value text); Type: COMMENT; Schema: public; Owner: epic_events_owner
--

COMMENT ON FUNCTION public.crm_email_is_valid(value text) IS 'The form''s e-mail syntax (email-validator) as closely as a regular expression can';


--
-- Name: crm_keeps_a_manager(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.crm_keeps_a_manager() RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM public.employees WHERE team = 'management' AND is_active) THEN
        RAISE EXCEPTION 'the company keeps at least one active manager'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'employees_keep_a_manager';
    END IF;
END $$;


ALTER FUNCTION public.crm_keeps_a_manager() OWNER TO epic_events_owner;

--
-- Name: crm_manager_acting(text); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.crm_manager_acting(what text) RETURNS bigint
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
    actor bigint := public.crm_actor();
BEGIN
    IF actor IS NULL OR public.crm_actor_team() IS DISTINCT FROM 'management' THEN
        RAISE EXCEPTION 'only a verified manager can %', what USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN actor;
END $$;


ALTER FUNCTION public.crm_manager_acting(what text) OWNER TO epic_events_owner;

--
-- Name: crm_text_is_clean(text, boolean); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.crm_text_is_clean(value text, multiline boolean) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN ((value !~ CASE WHEN multiline THEN '[\x01-\x08\x0b-\x1f\x7f-\x9f]'::text ELSE '[\x01-\x1f\x7f-\x9f]'::text END) AND (value !~ '[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001]'::text) AND (value !~ '(^|[\x01-\x7f])[\u200c\u200d]|[\u200c\u200d]{2}'::text) AND (value !~ '(^|[^\U0001f3f4\U000e0020-\U000e007f])[\U000e0020-\U000e007f]'::text));


ALTER FUNCTION public.crm_text_is_clean(value text, multiline boolean) OWNER TO epic_events_owner;

--
-- Name: FUNCTION crm_text_is_clean(value text, multiline boolean); Type: COMMENT; Schema: public; Owner: epic_events_owner
--

COMMENT ON FUNCTION public.crm_text_is_clean(value text, multiline boolean) IS 'No control, bidi or zero-width character (joiners only inside non-ASCII text); tab and line feed when multiline';


--
-- Name: crm_text_repaired(text, boolean); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.crm_text_repaired(value text, multiline boolean) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(value, CASE WHEN multiline THEN '[\x01-\x08\x0b-\x1f\x7f-\x9f]'::text ELSE '[\x01-\x1f\x7f-\x9f]'::text END, '�'::text, 'g'::text), '[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001]'::text, ''::text, 'g'::text), '([\u200c\u200d])[\u200c\u200d]+'::text, '\1'::text, 'g'::text), '(^|[\x01-\x7f])[\u200c\u200d]+'::text, '\1'::text, 'g'::text), '(^|[^\U0001f3f4\U000e0020-\U000e007f])[\U000e0020-\U000e007f]+'::text, '\1'::text, 'g'::text);


ALTER FUNCTION public.crm_text_repaired(value text, multiline boolean) OWNER TO epic_events_owner;

--
-- Name: crm_text_shows(text); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.crm_text_shows(value text) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN (value ~ '[^ \t\n\u00a0\u1680\u2000-\u200d\u202f\u205f\u3000\u115f\u1160\u3164\uffa0\u2800\ufeff]'::text);


ALTER FUNCTION public.crm_text_shows(value text) OWNER TO epic_events_owner;

--
-- Name: demo_loads; Type: TABLE; Schema: public; Owner: epic_events_owner
--

CREATE TABLE public.demo_loads (
    xact_id xid8 NOT NULL
);


ALTER TABLE public.demo_loads OWNER TO epic_events_owner;

--
-- Name: in_demo_load(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.in_demo_load() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN (EXISTS (SELECT 1 FROM public.demo_loads WHERE (demo_loads.xact_id = pg_current_xact_id())));


ALTER FUNCTION public.in_demo_load() OWNER TO epic_events_owner;

--
-- Name: crm_writes_all(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.crm_writes_all() RETURNS boolean
    LANGUAGE sql STABLE
    RETURN ((public.crm_actor_team() = 'management'::text) OR public.in_demo_load());


ALTER FUNCTION public.crm_writes_all() OWNER TO epic_events_owner;

--
-- Name: clients; Type: TABLE; Schema: public; Owner: epic_events_owner
--

CREATE TABLE public.clients (
    id bigint NOT NULL,
    full_name text NOT NULL,
    email text NOT NULL,
    phone text,
    company_name text DEFAULT ''::text NOT NULL,
    sales_contact_id bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    CONSTRAINT clients_company_name_check CHECK ((length(company_name) <= 150)),
    CONSTRAINT clients_company_name_text CHECK (public.crm_text_is_clean(company_name, false)),
    CONSTRAINT clients_email_text CHECK (public.crm_text_is_clean(email, false)),
    CONSTRAINT clients_full_name_check CHECK (((btrim(full_name) <> ''::text) AND (length(full_name) <= 150))),
    CONSTRAINT clients_full_name_text CHECK ((public.crm_text_is_clean(full_name, false) AND public.crm_text_shows(full_name))),
    CONSTRAINT clients_phone_check CHECK ((length(phone) <= 40)),
    CONSTRAINT clients_phone_text CHECK (public.crm_text_is_clean(phone, false))
);


ALTER TABLE public.clients OWNER TO epic_events_owner;

--
-- Name: employees; Type: TABLE; Schema: public; Owner: epic_events_owner
--

CREATE TABLE public.employees (
    id bigint NOT NULL,
    username text NOT NULL,
    full_name text NOT NULL,
    email text NOT NULL,
    phone text,
    team text NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    password_hash text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    language text,
    CONSTRAINT employees_email_text CHECK (public.crm_text_is_clean(email, false)),
    CONSTRAINT employees_full_name_check CHECK (((btrim(full_name) <> ''::text) AND (length(full_name) <= 150))),
    CONSTRAINT employees_full_name_text CHECK ((public.crm_text_is_clean(full_name, false) AND public.crm_text_shows(full_name))),
    CONSTRAINT employees_language_check CHECK ((language = ANY (ARRAY['en'::text, 'fr'::text]))),
    CONSTRAINT employees_password_hash_text CHECK (public.crm_text_is_clean(password_hash, false)),
    CONSTRAINT employees_phone_check CHECK ((length(phone) <= 40)),
    CONSTRAINT employees_phone_text CHECK (public.crm_text_is_clean(phone, false)),
    CONSTRAINT employees_team_check CHECK ((team = ANY (ARRAY['management'::text, 'sales'::text, 'support'::text]))),
    CONSTRAINT employees_username_check CHECK ((username ~ '^[A-Za-z0-9._-]{3,40}$'::text))
);


ALTER TABLE public.employees OWNER TO epic_events_owner;

--
-- Name: demo_holds_real_data(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.demo_holds_real_data() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN ((EXISTS (SELECT 1 FROM public.clients WHERE (clients.email !~~ '%.example'::text))) OR (EXISTS (SELECT 1 FROM public.employees WHERE ((employees.team <> 'management'::text) AND (employees.email !~~ '%@demo.epicevents.example'::text)))));


ALTER FUNCTION public.demo_holds_real_data() OWNER TO epic_events_owner;

--
-- Name: demo_load_begin(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.demo_load_begin() RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
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


ALTER FUNCTION public.demo_load_begin() OWNER TO epic_events_owner;

--
-- Name: employee_digest_set_by_database(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.employee_digest_set_by_database() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF public.writer_is_trusted() THEN
        RETURN NEW;
    END IF;
    NEW.updated_at := now();
    NEW.seen_audit_id := LEAST(NEW.seen_audit_id, (SELECT coalesce(max(id), 0) FROM public.audit_log));
    IF TG_OP = 'UPDATE' THEN
        NEW.seen_audit_id := GREATEST(NEW.seen_audit_id, OLD.seen_audit_id);
    END IF;
    RETURN NEW;
END $$;


ALTER FUNCTION public.employee_digest_set_by_database() OWNER TO epic_events_owner;

--
-- Name: employee_rehash(bigint, text, text); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.employee_rehash(employee bigint, old_hash text, new_hash text) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
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
END $_$;


ALTER FUNCTION public.employee_rehash(employee bigint, old_hash text, new_hash text) OWNER TO epic_events_owner;

--
-- Name: employee_set_active(bigint, boolean); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.employee_set_active(employee bigint, active boolean) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
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


ALTER FUNCTION public.employee_set_active(employee bigint, active boolean) OWNER TO epic_events_owner;

--
-- Name: employee_set_own_language(text); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.employee_set_own_language(new_language text) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
    actor bigint := public.crm_actor();
    changed integer;
BEGIN
    IF actor IS NULL THEN
        RAISE EXCEPTION 'an employee''s language is set by that employee, verified'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    UPDATE public.employees SET language = new_language, updated_at = now(), version = version + 1
     WHERE id = actor AND language IS DISTINCT FROM new_language;
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed = 1;
END $$;


ALTER FUNCTION public.employee_set_own_language(new_language text) OWNER TO epic_events_owner;

--
-- Name: employee_set_password_hash(bigint, text); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.employee_set_password_hash(employee bigint, new_hash text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
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
END $_$;


ALTER FUNCTION public.employee_set_password_hash(employee bigint, new_hash text) OWNER TO epic_events_owner;

--
-- Name: employee_update(bigint, integer, text, text, text, text, text); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.employee_update(employee bigint, expected_version integer, new_username text, new_full_name text, new_email text, new_phone text, new_team text) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
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


ALTER FUNCTION public.employee_update(employee bigint, expected_version integer, new_username text, new_full_name text, new_email text, new_phone text, new_team text) OWNER TO epic_events_owner;

--
-- Name: employees_written_by_management(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.employees_written_by_management() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NOT public.writer_is_trusted() AND NOT public.in_demo_load()
       AND public.crm_actor_team() IS DISTINCT FROM 'management' THEN
        RAISE EXCEPTION 'only a verified manager writes employees' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;


ALTER FUNCTION public.employees_written_by_management() OWNER TO epic_events_owner;

--
-- Name: events_need_signed_contract(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.events_need_signed_contract() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM contracts WHERE id = NEW.contract_id AND is_signed) THEN
        RAISE EXCEPTION 'an event needs a signed contract'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'events_need_signed_contract';
    END IF;
    RETURN NEW;
END $$;


ALTER FUNCTION public.events_need_signed_contract() OWNER TO epic_events_owner;

--
-- Name: events_status_moves(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.events_status_moves() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status <> 'planned' AND NOT public.writer_is_trusted() THEN
            RAISE EXCEPTION 'a new event is planned, not %', NEW.status
                USING ERRCODE = 'check_violation', CONSTRAINT = 'events_status_moves';
        END IF;
    ELSIF NEW.status IS DISTINCT FROM OLD.status
          AND (OLD.status, NEW.status) NOT IN (('planned', 'confirmed'), ('confirmed', 'done'),
                                               ('planned', 'cancelled'), ('confirmed', 'cancelled')) THEN
        RAISE EXCEPTION 'an event cannot go from % to %', OLD.status, NEW.status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'events_status_moves';
    END IF;
    RETURN NEW;
END $$;


ALTER FUNCTION public.events_status_moves() OWNER TO epic_events_owner;

--
-- Name: events_support_is_active_support(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.events_support_is_active_support() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NEW.support_contact_id IS NOT NULL
       AND (TG_OP = 'INSERT' OR NEW.support_contact_id IS DISTINCT FROM OLD.support_contact_id) THEN
        PERFORM 1 FROM employees
          WHERE id = NEW.support_contact_id AND team = 'support' AND is_active
          FOR SHARE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'an event''s support contact must be an active support employee'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'events_support_is_active_support';
        END IF;
    END IF;
    RETURN NEW;
END $$;


ALTER FUNCTION public.events_support_is_active_support() OWNER TO epic_events_owner;

--
-- Name: exports_set_by_database(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.exports_set_by_database() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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


ALTER FUNCTION public.exports_set_by_database() OWNER TO epic_events_owner;

--
-- Name: f_unaccent(text); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.f_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN public.unaccent('public.unaccent'::regdictionary, $1);


ALTER FUNCTION public.f_unaccent(text) OWNER TO epic_events_owner;

--
-- Name: FUNCTION f_unaccent(text); Type: COMMENT; Schema: public; Owner: epic_events_owner
--

COMMENT ON FUNCTION public.f_unaccent(text) IS 'unaccent() as IMMUTABLE, for the search indexes: "Zoé Lefèvre" -> "Zoe Lefevre"';


--
-- Name: f_search_pattern(text); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.f_search_pattern(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN (('%'::text || replace(replace(replace(public.f_unaccent($1), '\'::text, '\\'::text), '%'::text, '\%'::text), '_'::text, '\_'::text)) || '%'::text);


ALTER FUNCTION public.f_search_pattern(text) OWNER TO epic_events_owner;

--
-- Name: FUNCTION f_search_pattern(text); Type: COMMENT; Schema: public; Owner: epic_events_owner
--

COMMENT ON FUNCTION public.f_search_pattern(text) IS 'The ILIKE pattern matching text anywhere in an f_unaccent() value, its % _ \ taken literally';


--
-- Name: hmac_sha256(bytea, bytea); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.hmac_sha256(key bytea, message bytea) RETURNS bytea
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'pg_temp'
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


ALTER FUNCTION public.hmac_sha256(key bytea, message bytea) OWNER TO epic_events_owner;

--
-- Name: login_throttle; Type: TABLE; Schema: public; Owner: epic_events_owner
--

CREATE TABLE public.login_throttle (
    throttle_key text CONSTRAINT login_throttle_username_not_null NOT NULL,
    failures integer DEFAULT 0 NOT NULL,
    first_failure_at timestamp with time zone,
    locked_until timestamp with time zone,
    touched_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT login_throttle_failures_check CHECK ((failures >= 0)),
    CONSTRAINT login_throttle_key_shape CHECK ((throttle_key ~ '^(employee:[0-9]+|device:[0-9a-f]{64}|unknown:[0-9a-f]{64})$'::text))
);


ALTER TABLE public.login_throttle OWNER TO epic_events_owner;

--
-- Name: login_attempt_begin(text, timestamp with time zone, interval); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.login_attempt_begin(attempt_key text, attempted_at timestamp with time zone, time_window interval) RETURNS TABLE(attempts integer, lock_ends timestamp with time zone)
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    BEGIN ATOMIC
 DELETE FROM public.login_throttle
   WHERE (login_throttle.throttle_key IN ( SELECT o.throttle_key
            FROM public.login_throttle o
           WHERE (o.touched_at < (now() - '01:00:00'::interval))
           ORDER BY o.touched_at
          LIMIT 50
          FOR UPDATE OF o SKIP LOCKED));
 INSERT INTO public.login_throttle AS t (throttle_key, failures, first_failure_at)
   VALUES (login_attempt_begin.attempt_key, 1, login_attempt_begin.attempted_at) ON CONFLICT(throttle_key) DO UPDATE SET failures =
         CASE
             WHEN (t.locked_until > login_attempt_begin.attempted_at) THEN t.failures
             WHEN ((t.first_failure_at IS NULL) OR (t.first_failure_at <= (login_attempt_begin.attempted_at - login_attempt_begin.time_window))) THEN 1
             ELSE (t.failures + 1)
         END, first_failure_at =
         CASE
             WHEN (t.locked_until > login_attempt_begin.attempted_at) THEN t.first_failure_at
             WHEN ((t.first_failure_at IS NULL) OR (t.first_failure_at <= (login_attempt_begin.attempted_at - login_attempt_begin.time_window))) THEN login_attempt_begin.attempted_at
             ELSE t.first_failure_at
         END, touched_at = now()
   RETURNING t.failures,
         CASE
             WHEN (t.locked_until > login_attempt_begin.attempted_at) THEN t.locked_until
             ELSE NULL::timestamp with time zone
         END AS "case";
END;


ALTER FUNCTION public.login_attempt_begin(attempt_key text, attempted_at timestamp with time zone, time_window interval) OWNER TO epic_events_owner;

--
-- Name: login_attempt_clear(text, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.login_attempt_clear(attempt_key text, attempted_at timestamp with time zone) RETURNS timestamp with time zone
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
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


ALTER FUNCTION public.login_attempt_clear(attempt_key text, attempted_at timestamp with time zone) OWNER TO epic_events_owner;

--
-- Name: login_attempt_lock(text, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.login_attempt_lock(attempt_key text, lock_until timestamp with time zone) RETURNS timestamp with time zone
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    BEGIN ATOMIC
 UPDATE public.login_throttle SET locked_until = GREATEST(login_throttle.locked_until, login_attempt_lock.lock_until), failures = 0, first_failure_at = NULL::timestamp with time zone, touched_at = now()
   WHERE (login_throttle.throttle_key = login_attempt_lock.attempt_key)
   RETURNING login_throttle.locked_until;
END;


ALTER FUNCTION public.login_attempt_lock(attempt_key text, lock_until timestamp with time zone) OWNER TO epic_events_owner;

--
-- Name: login_devices; Type: TABLE; Schema: public; Owner: epic_events_owner
--

CREATE TABLE public.login_devices (
    token_hash text NOT NULL,
    employee_id bigint NOT NULL,
    first_used_at timestamp with time zone DEFAULT now() NOT NULL,
    last_used_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT login_devices_token_hash_check CHECK ((token_hash ~ '^[0-9a-f]{64}$'::text))
);


ALTER TABLE public.login_devices OWNER TO epic_events_owner;

--
-- Name: login_attempts_forget(bigint); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.login_attempts_forget(employee bigint) RETURNS integer
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    BEGIN ATOMIC
 WITH forgotten AS (
          DELETE FROM public.login_throttle t
           WHERE ((t.throttle_key = ('employee:'::text || login_attempts_forget.employee)) OR (t.throttle_key IN ( SELECT ('device:'::text || d.token_hash)
                    FROM public.login_devices d
                   WHERE (d.employee_id = login_attempts_forget.employee))))
           RETURNING t.failures,
             t.locked_until
         )
  SELECT (count(*))::integer AS count
    FROM forgotten f
   WHERE ((f.failures > 0) OR (f.locked_until IS NOT NULL));
END;


ALTER FUNCTION public.login_attempts_forget(employee bigint) OWNER TO epic_events_owner;

--
-- Name: login_device_remember(bigint, text); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.login_device_remember(employee bigint, device_token_hash text) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    BEGIN ATOMIC
 DELETE FROM public.login_devices d
   WHERE (d.last_used_at < (now() - '180 days'::interval));
 INSERT INTO public.login_devices AS d (token_hash, employee_id)
   VALUES (login_device_remember.device_token_hash, login_device_remember.employee) ON CONFLICT(token_hash) DO UPDATE SET last_used_at = now()
   WHERE (d.employee_id = login_device_remember.employee);
 DELETE FROM public.login_devices d
   WHERE ((d.employee_id = login_device_remember.employee) AND (NOT (d.token_hash IN ( SELECT l.token_hash
            FROM public.login_devices l
           WHERE (l.employee_id = login_device_remember.employee)
           ORDER BY l.last_used_at DESC
          LIMIT 20))));
END;


ALTER FUNCTION public.login_device_remember(employee bigint, device_token_hash text) OWNER TO epic_events_owner;

--
-- Name: login_throttle_secret; Type: TABLE; Schema: public; Owner: epic_events_owner
--

CREATE TABLE public.login_throttle_secret (
    only_row boolean DEFAULT true NOT NULL,
    secret bytea NOT NULL,
    CONSTRAINT login_throttle_secret_only_row_check CHECK (only_row),
    CONSTRAINT login_throttle_secret_secret_check CHECK ((length(secret) = 64))
);


ALTER TABLE public.login_throttle_secret OWNER TO epic_events_owner;

--
-- Name: login_throttle_key(text, text); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.login_throttle_key(typed_username text, device_token_hash text) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    BEGIN ATOMIC
 SELECT
         CASE
             WHEN (d.token_hash IS NOT NULL) THEN ('device:'::text || d.token_hash)
             WHEN (e.id IS NOT NULL) THEN ('employee:'::text || e.id)
             ELSE ('unknown:'::text || h.digest)
         END AS "case"
    FROM ((( SELECT encode(public.hmac_sha256(s.secret, convert_to(lower(login_throttle_key.typed_username), 'UTF8'::name)), 'hex'::text) AS digest
            FROM public.login_throttle_secret s
          OFFSET 0) h
      LEFT JOIN public.employees e ON ((lower(e.username) = lower(login_throttle_key.typed_username))))
      LEFT JOIN public.login_devices d ON (((d.token_hash = login_throttle_key.device_token_hash) AND (d.employee_id = e.id))));
END;


ALTER FUNCTION public.login_throttle_key(typed_username text, device_token_hash text) OWNER TO epic_events_owner;

--
-- Name: mail_outbox_moves(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.mail_outbox_moves() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF public.writer_is_trusted() THEN
        RETURN NEW;
    END IF;
    IF OLD.status <> 'pending' OR NEW.attempts < OLD.attempts THEN
        RAISE EXCEPTION 'an outbox row only moves forward (it was %, % attempts)', OLD.status, OLD.attempts
            USING ERRCODE = 'check_violation', CONSTRAINT = 'mail_outbox_moves';
    END IF;
    NEW.sent_at := CASE WHEN NEW.status = 'sent' THEN now() END;
    RETURN NEW;
END $$;


ALTER FUNCTION public.mail_outbox_moves() OWNER TO epic_events_owner;

--
-- Name: notes_set_by_database(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.notes_set_by_database() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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


ALTER FUNCTION public.notes_set_by_database() OWNER TO epic_events_owner;

--
-- Name: mail_outbox; Type: TABLE; Schema: public; Owner: epic_events_owner
--

CREATE TABLE public.mail_outbox (
    id bigint NOT NULL,
    notification_id bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    next_attempt_at timestamp with time zone DEFAULT now() NOT NULL,
    last_error text,
    sent_at timestamp with time zone,
    CONSTRAINT mail_outbox_attempts_check CHECK (((attempts >= 0) AND (attempts <= 1000))),
    CONSTRAINT mail_outbox_last_error_check CHECK ((length(last_error) <= 500)),
    CONSTRAINT mail_outbox_last_error_text CHECK (public.crm_text_is_clean(last_error, false)),
    CONSTRAINT mail_outbox_sent_at CHECK (((status = 'sent'::text) = (sent_at IS NOT NULL))),
    CONSTRAINT mail_outbox_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'sent'::text, 'failed'::text, 'expired'::text])))
);


ALTER TABLE public.mail_outbox OWNER TO epic_events_owner;

--
-- Name: notifications; Type: TABLE; Schema: public; Owner: epic_events_owner
--

CREATE TABLE public.notifications (
    id bigint NOT NULL,
    employee_id bigint NOT NULL,
    event_id bigint NOT NULL,
    kind text NOT NULL,
    changes jsonb NOT NULL,
    changed_by bigint,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    read_at timestamp with time zone,
    CONSTRAINT notifications_changes_check CHECK ((jsonb_typeof(changes) = 'object'::text)),
    CONSTRAINT notifications_kind_check CHECK ((kind = ANY (ARRAY['assigned'::text, 'unassigned'::text, 'changed'::text]))),
    CONSTRAINT notifications_read_after_created CHECK ((read_at >= created_at))
);


ALTER TABLE public.notifications OWNER TO epic_events_owner;

--
-- Name: notification_write(bigint, bigint, text, jsonb, bigint); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.notification_write(recipient bigint, event bigint, what text, diff jsonb, actor bigint) RETURNS void
    LANGUAGE sql
    SET search_path TO 'pg_catalog', 'pg_temp'
    BEGIN ATOMIC
 WITH told AS (
          INSERT INTO public.notifications (employee_id, event_id, kind, changes, changed_by)
           VALUES (notification_write.recipient, notification_write.event, notification_write.what, notification_write.diff, notification_write.actor)
           RETURNING notifications.id
         )
  INSERT INTO public.mail_outbox (notification_id)  SELECT told.id
            FROM told;
END;


ALTER FUNCTION public.notification_write(recipient bigint, event bigint, what text, diff jsonb, actor bigint) OWNER TO epic_events_owner;

--
-- Name: notifications_read_once(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.notifications_read_once() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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


ALTER FUNCTION public.notifications_read_once() OWNER TO epic_events_owner;

--
-- Name: notify_support_of_event_change(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.notify_support_of_event_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    SET "TimeZone" TO 'UTC'
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


ALTER FUNCTION public.notify_support_of_event_change() OWNER TO epic_events_owner;

--
-- Name: opportunities_amount_is_sum_of_lines(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.opportunities_amount_is_sum_of_lines() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    ids bigint[];
    oid_ bigint;
    stored numeric;
    lines numeric;
BEGIN
    IF TG_TABLE_NAME = 'opportunities' THEN
        ids := ARRAY[NEW.id];
    ELSIF TG_OP = 'INSERT' THEN
        ids := ARRAY[NEW.opportunity_id];
    ELSIF TG_OP = 'DELETE' THEN
        ids := ARRAY[OLD.opportunity_id];
    ELSE
        ids := ARRAY[OLD.opportunity_id, NEW.opportunity_id];
    END IF;
    FOREACH oid_ IN ARRAY ids LOOP
        SELECT o.amount INTO stored FROM opportunities o WHERE o.id = oid_;
        CONTINUE WHEN NOT FOUND;
        SELECT coalesce(sum(l.quantity * l.unit_price), 0) INTO lines
          FROM opportunity_lines l WHERE l.opportunity_id = oid_ AND NOT l.is_removed;
        IF stored <> lines THEN
            RAISE EXCEPTION 'opportunity %: the amount (%) must be the sum of its lines (%)', oid_, stored, lines
                USING ERRCODE = 'check_violation', CONSTRAINT = 'opportunities_amount_is_sum_of_lines';
        END IF;
    END LOOP;
    RETURN NULL;
END $$;


ALTER FUNCTION public.opportunities_amount_is_sum_of_lines() OWNER TO epic_events_owner;

--
-- Name: opportunities_stage_machine(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.opportunities_stage_machine() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    final boolean;
    contract_client bigint;
    contract_total numeric;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.stage <> 'new' THEN
            RAISE EXCEPTION 'a new opportunity starts at the stage new, not %', NEW.stage
                USING ERRCODE = 'check_violation', CONSTRAINT = 'opportunities_stage_moves';
        END IF;
        RETURN NEW;
    END IF;
    IF OLD.stage IN ('won', 'lost') THEN
        IF to_jsonb(NEW) - 'updated_at' IS DISTINCT FROM to_jsonb(OLD) - 'updated_at' THEN
            RAISE EXCEPTION 'opportunity %: a % opportunity is final', OLD.id, OLD.stage
                USING ERRCODE = 'check_violation', CONSTRAINT = 'opportunities_closed_are_final';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.stage IS DISTINCT FROM OLD.stage AND NOT public.opportunity_move_allowed(OLD.stage, NEW.stage) THEN
        RAISE EXCEPTION 'opportunity %: no move from % to %', OLD.id, OLD.stage, NEW.stage
            USING ERRCODE = 'check_violation', CONSTRAINT = 'opportunities_stage_moves';
    END IF;
    final := NEW.stage IN ('won', 'lost');
    IF final AND NOT (NEW.closed_at IS NOT NULL AND (public.writer_is_trusted() OR public.in_demo_load())) THEN
        NEW.closed_at := now();
    END IF;
    IF NEW.stage = 'won' AND NEW.contract_id IS NOT NULL THEN  -- without one: opportunities_won_contract
        SELECT c.client_id, c.total_amount INTO contract_client, contract_total
          FROM contracts c WHERE c.id = NEW.contract_id;
        IF contract_client IS DISTINCT FROM NEW.client_id OR contract_total IS DISTINCT FROM NEW.amount THEN
            RAISE EXCEPTION 'opportunity %: its contract is for its client and its amount', OLD.id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'opportunities_won_contract_matches';
        END IF;
    END IF;
    RETURN NEW;
END $$;


ALTER FUNCTION public.opportunities_stage_machine() OWNER TO epic_events_owner;

--
-- Name: opportunity_lines_rules(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.opportunity_lines_rules() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.service_id IS DISTINCT FROM OLD.service_id THEN
        PERFORM 1 FROM services WHERE id = NEW.service_id AND is_active;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'a line is added only for an active service'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'opportunity_lines_service_is_active';
        END IF;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.is_removed
       AND to_jsonb(NEW) - 'updated_at' IS DISTINCT FROM to_jsonb(OLD) - 'updated_at' THEN
        RAISE EXCEPTION 'line %: a removed line stays removed', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'opportunity_lines_removed_are_final';
    END IF;
    IF (TG_OP = 'INSERT' OR to_jsonb(NEW) - 'updated_at' IS DISTINCT FROM to_jsonb(OLD) - 'updated_at')
       AND EXISTS (SELECT 1 FROM opportunities o
                    WHERE o.id IN (NEW.opportunity_id, CASE WHEN TG_OP = 'UPDATE' THEN OLD.opportunity_id END)
                      AND o.stage IN ('won', 'lost')) THEN
        RAISE EXCEPTION 'the lines of a closed opportunity do not change'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'opportunities_closed_are_final';
    END IF;
    RETURN NEW;
END $$;


ALTER FUNCTION public.opportunity_lines_rules() OWNER TO epic_events_owner;

--
-- Name: opportunity_move_allowed(text, text); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.opportunity_move_allowed(from_stage text, to_stage text) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN (((((((((((((((from_stage = 'new'::text) AND (to_stage = 'qualified'::text)) OR ((from_stage = 'qualified'::text) AND (to_stage = 'proposal'::text))) OR ((from_stage = 'proposal'::text) AND (to_stage = 'negotiation'::text))) OR ((from_stage = 'qualified'::text) AND (to_stage = 'new'::text))) OR ((from_stage = 'proposal'::text) AND (to_stage = 'new'::text))) OR ((from_stage = 'proposal'::text) AND (to_stage = 'qualified'::text))) OR ((from_stage = 'negotiation'::text) AND (to_stage = 'new'::text))) OR ((from_stage = 'negotiation'::text) AND (to_stage = 'qualified'::text))) OR ((from_stage = 'negotiation'::text) AND (to_stage = 'proposal'::text))) OR ((from_stage = 'new'::text) AND (to_stage = 'lost'::text))) OR ((from_stage = 'qualified'::text) AND (to_stage = 'lost'::text))) OR ((from_stage = 'proposal'::text) AND (to_stage = 'lost'::text))) OR ((from_stage = 'negotiation'::text) AND (to_stage = 'lost'::text))) OR ((from_stage = 'negotiation'::text) AND (to_stage = 'won'::text)));


ALTER FUNCTION public.opportunity_move_allowed(from_stage text, to_stage text) OWNER TO epic_events_owner;

--
-- Name: owner_changes_by_management(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.owner_changes_by_management() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NOT public.writer_is_trusted() AND NOT public.crm_writes_all() THEN
        RAISE EXCEPTION '%: only management gives a record to another employee', TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;


ALTER FUNCTION public.owner_changes_by_management() OWNER TO epic_events_owner;

--
-- Name: payments_correction_matches(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.payments_correction_matches() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    cancelled payments%ROWTYPE;
BEGIN
    SELECT * INTO cancelled FROM payments WHERE id = NEW.corrects_payment_id;
    IF NOT FOUND
       OR cancelled.corrects_payment_id IS NOT NULL
       OR cancelled.contract_id <> NEW.contract_id
       OR cancelled.amount <> -NEW.amount THEN
        RAISE EXCEPTION 'payment %: a correction cancels a payment of its contract for its whole amount',
            NEW.corrects_payment_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'payments_correction_matches';
    END IF;
    RETURN NEW;
END $$;


ALTER FUNCTION public.payments_correction_matches() OWNER TO epic_events_owner;

--
-- Name: payments_recorded_by_actor(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.payments_recorded_by_actor() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NOT public.writer_is_trusted() AND NOT public.in_demo_load() THEN
        NEW.recorded_by := public.crm_actor();
    END IF;
    RETURN NEW;
END $$;


ALTER FUNCTION public.payments_recorded_by_actor() OWNER TO epic_events_owner;

--
-- Name: sessions_end_on_employee_change(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.sessions_end_on_employee_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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


ALTER FUNCTION public.sessions_end_on_employee_change() OWNER TO epic_events_owner;

--
-- Name: sessions_stay_ended(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.sessions_stay_ended() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF OLD.ended_at IS NOT NULL AND NOT public.writer_is_trusted()
       AND (NEW.ended_at, NEW.end_reason) IS DISTINCT FROM (OLD.ended_at, OLD.end_reason) THEN
        RAISE EXCEPTION 'an ended session stays ended'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'sessions_stay_ended';
    END IF;
    RETURN NEW;
END $$;


ALTER FUNCTION public.sessions_stay_ended() OWNER TO epic_events_owner;

--
-- Name: set_by_database_on_insert(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.set_by_database_on_insert() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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


ALTER FUNCTION public.set_by_database_on_insert() OWNER TO epic_events_owner;

--
-- Name: versions_only_go_up(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.versions_only_go_up() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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


ALTER FUNCTION public.versions_only_go_up() OWNER TO epic_events_owner;

--
-- Name: writer_is_trusted(); Type: FUNCTION; Schema: public; Owner: epic_events_owner
--

CREATE FUNCTION public.writer_is_trusted() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN pg_has_role(CURRENT_USER, 'pg_database_owner'::name, 'MEMBER'::text);


ALTER FUNCTION public.writer_is_trusted() OWNER TO epic_events_owner;

--
-- Name: FUNCTION writer_is_trusted(); Type: COMMENT; Schema: public; Owner: epic_events_owner
--

COMMENT ON FUNCTION public.writer_is_trusted() IS 'Whether the current role is the database owner (or a superuser): the rules of 0011 bind everyone else';


--
-- Name: audit_log; Type: TABLE; Schema: public; Owner: epic_events_owner
--

CREATE TABLE public.audit_log (
    id bigint NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    employee_id bigint,
    table_name text NOT NULL,
    record_id bigint NOT NULL,
    action text NOT NULL,
    changes jsonb NOT NULL,
    CONSTRAINT audit_log_action_check CHECK ((action = ANY (ARRAY['insert'::text, 'update'::text]))),
    CONSTRAINT audit_log_changes_check CHECK ((jsonb_typeof(changes) = 'object'::text)),
    CONSTRAINT audit_log_table_name_check CHECK ((table_name = ANY (ARRAY['employees'::text, 'clients'::text, 'contracts'::text, 'payments'::text, 'events'::text, 'services'::text, 'opportunities'::text, 'opportunity_lines'::text])))
);


ALTER TABLE public.audit_log OWNER TO epic_events_owner;

--
-- Name: audit_log_id_seq; Type: SEQUENCE; Schema: public; Owner: epic_events_owner
--

ALTER TABLE public.audit_log ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.audit_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: clients_id_seq; Type: SEQUENCE; Schema: public; Owner: epic_events_owner
--

CREATE SEQUENCE public.clients_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER SEQUENCE public.clients_id_seq OWNER TO epic_events_owner;

--
-- Name: clients_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: epic_events_owner
--

ALTER SEQUENCE public.clients_id_seq OWNED BY public.clients.id;


--
-- Name: contracts; Type: TABLE; Schema: public; Owner: epic_events_owner
--

CREATE TABLE public.contracts (
    id bigint NOT NULL,
    client_id bigint NOT NULL,
    total_amount numeric(12,2) NOT NULL,
    remaining_amount numeric(12,2) NOT NULL,
    is_signed boolean DEFAULT false NOT NULL,
    signed_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    CONSTRAINT contracts_remaining_range CHECK (((remaining_amount >= (0)::numeric) AND (remaining_amount <= total_amount))),
    CONSTRAINT contracts_signed_at CHECK ((is_signed = (signed_at IS NOT NULL))),
    CONSTRAINT contracts_total_amount_check CHECK ((total_amount >= (0)::numeric))
);


ALTER TABLE public.contracts OWNER TO epic_events_owner;

--
-- Name: contracts_id_seq; Type: SEQUENCE; Schema: public; Owner: epic_events_owner
--

CREATE SEQUENCE public.contracts_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER SEQUENCE public.contracts_id_seq OWNER TO epic_events_owner;

--
-- Name: contracts_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: epic_events_owner
--

ALTER SEQUENCE public.contracts_id_seq OWNED BY public.contracts.id;


--
-- Name: employee_digest; Type: TABLE; Schema: public; Owner: epic_events_owner
--

CREATE TABLE public.employee_digest (
    employee_id bigint NOT NULL,
    enabled boolean DEFAULT true NOT NULL,
    seen_audit_id bigint DEFAULT 0 NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT employee_digest_seen_audit_id_check CHECK ((seen_audit_id >= 0))
);


ALTER TABLE public.employee_digest OWNER TO epic_events_owner;

--
-- Name: employees_id_seq; Type: SEQUENCE; Schema: public; Owner: epic_events_owner
--

CREATE SEQUENCE public.employees_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER SEQUENCE public.employees_id_seq OWNER TO epic_events_owner;

--
-- Name: employees_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: epic_events_owner
--

ALTER SEQUENCE public.employees_id_seq OWNED BY public.employees.id;


--
-- Name: events; Type: TABLE; Schema: public; Owner: epic_events_owner
--

CREATE TABLE public.events (
    id bigint NOT NULL,
    name text NOT NULL,
    contract_id bigint NOT NULL,
    support_contact_id bigint,
    client_contact text DEFAULT ''::text NOT NULL,
    starts_at timestamp with time zone NOT NULL,
    ends_at timestamp with time zone NOT NULL,
    location text DEFAULT ''::text NOT NULL,
    attendees integer DEFAULT 0 NOT NULL,
    notes text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    status text DEFAULT 'planned'::text NOT NULL,
    cancel_reason text,
    CONSTRAINT events_attendees_check CHECK ((attendees >= 0)),
    CONSTRAINT events_cancel_reason_check CHECK (((btrim(cancel_reason) <> ''::text) AND (length(cancel_reason) <= 500))),
    CONSTRAINT events_cancel_reason_needed CHECK (((status = 'cancelled'::text) = (cancel_reason IS NOT NULL))),
    CONSTRAINT events_cancel_reason_text CHECK (public.crm_text_is_clean(cancel_reason, false)),
    CONSTRAINT events_client_contact_check CHECK ((length(client_contact) <= 300)),
    CONSTRAINT events_client_contact_text CHECK (public.crm_text_is_clean(client_contact, false)),
    CONSTRAINT events_dates_in_range CHECK (((starts_at >= '1900-01-01 00:00:00+00'::timestamp with time zone) AND (ends_at < '3001-01-01 00:00:00+00'::timestamp with time zone))),
    CONSTRAINT events_end_after_start CHECK ((ends_at >= starts_at)),
    CONSTRAINT events_location_check CHECK ((length(location) <= 300)),
    CONSTRAINT events_location_text CHECK (public.crm_text_is_clean(location, false)),
    CONSTRAINT events_name_check CHECK (((btrim(name) <> ''::text) AND (length(name) <= 150))),
    CONSTRAINT events_name_text CHECK ((public.crm_text_is_clean(name, false) AND public.crm_text_shows(name))),
    CONSTRAINT events_notes_check CHECK ((length(notes) <= 5000)),
    CONSTRAINT events_notes_text CHECK (public.crm_text_is_clean(notes, true)),
    CONSTRAINT events_status_check CHECK ((status = ANY (ARRAY['planned'::text, 'confirmed'::text, 'done'::text, 'cancelled'::text])))
);


ALTER TABLE public.events OWNER TO epic_events_owner;

--
-- Name: events_id_seq; Type: SEQUENCE; Schema: public; Owner: epic_events_owner
--

CREATE SEQUENCE public.events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER SEQUENCE public.events_id_seq OWNER TO epic_events_owner;

--
-- Name: events_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: epic_events_owner
--

ALTER SEQUENCE public.events_id_seq OWNED BY public.events.id;


--
-- Name: exports; Type: TABLE; Schema: public; Owner: epic_events_owner
--

CREATE TABLE public.exports (
    id bigint NOT NULL,
    employee_id bigint NOT NULL,
    kind text NOT NULL,
    filters jsonb DEFAULT '{}'::jsonb NOT NULL,
    row_count integer NOT NULL,
    excel boolean DEFAULT false NOT NULL,
    face text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT exports_face_check CHECK ((face = ANY (ARRAY['menus'::text, 'commands'::text, 'api'::text, 'web'::text]))),
    CONSTRAINT exports_filters_check CHECK ((jsonb_typeof(filters) = 'object'::text)),
    CONSTRAINT exports_kind_check CHECK ((kind = ANY (ARRAY['clients'::text, 'contracts'::text, 'events'::text, 'payments'::text]))),
    CONSTRAINT exports_row_count_check CHECK ((row_count >= 0))
);


ALTER TABLE public.exports OWNER TO epic_events_owner;

--
-- Name: exports_id_seq; Type: SEQUENCE; Schema: public; Owner: epic_events_owner
--

CREATE SEQUENCE public.exports_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER SEQUENCE public.exports_id_seq OWNER TO epic_events_owner;

--
-- Name: exports_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: epic_events_owner
--

ALTER SEQUENCE public.exports_id_seq OWNED BY public.exports.id;


--
-- Name: mail_outbox_id_seq; Type: SEQUENCE; Schema: public; Owner: epic_events_owner
--

CREATE SEQUENCE public.mail_outbox_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER SEQUENCE public.mail_outbox_id_seq OWNER TO epic_events_owner;

--
-- Name: mail_outbox_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: epic_events_owner
--

ALTER SEQUENCE public.mail_outbox_id_seq OWNED BY public.mail_outbox.id;


--
-- Name: notes; Type: TABLE; Schema: public; Owner: epic_events_owner
--

CREATE TABLE public.notes (
    id bigint NOT NULL,
    client_id bigint,
    event_id bigint,
    author_id bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    body text NOT NULL,
    CONSTRAINT notes_body_check CHECK (((char_length(body) >= 1) AND (char_length(body) <= 2000))),
    CONSTRAINT notes_body_text CHECK ((public.crm_text_is_clean(body, true) AND public.crm_text_shows(body))),
    CONSTRAINT notes_one_record CHECK ((num_nonnulls(client_id, event_id) = 1))
);


ALTER TABLE public.notes OWNER TO epic_events_owner;

--
-- Name: notes_id_seq; Type: SEQUENCE; Schema: public; Owner: epic_events_owner
--

CREATE SEQUENCE public.notes_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER SEQUENCE public.notes_id_seq OWNER TO epic_events_owner;

--
-- Name: notes_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: epic_events_owner
--

ALTER SEQUENCE public.notes_id_seq OWNED BY public.notes.id;


--
-- Name: notifications_id_seq; Type: SEQUENCE; Schema: public; Owner: epic_events_owner
--

CREATE SEQUENCE public.notifications_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER SEQUENCE public.notifications_id_seq OWNER TO epic_events_owner;

--
-- Name: notifications_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: epic_events_owner
--

ALTER SEQUENCE public.notifications_id_seq OWNED BY public.notifications.id;


--
-- Name: opportunities; Type: TABLE; Schema: public; Owner: epic_events_owner
--

CREATE TABLE public.opportunities (
    id bigint NOT NULL,
    client_id bigint NOT NULL,
    title text NOT NULL,
    stage text DEFAULT 'new'::text NOT NULL,
    expected_close_on date,
    expected_attendees integer DEFAULT 0 NOT NULL,
    amount numeric(12,2) DEFAULT 0 NOT NULL,
    lost_reason text,
    contract_id bigint,
    closed_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    CONSTRAINT opportunities_amount_check CHECK ((amount >= (0)::numeric)),
    CONSTRAINT opportunities_closed_at CHECK (((stage = ANY (ARRAY['won'::text, 'lost'::text])) = (closed_at IS NOT NULL))),
    CONSTRAINT opportunities_expected_attendees_check CHECK (((expected_attendees >= 0) AND (expected_attendees <= 1000000))),
    CONSTRAINT opportunities_expected_close_on_check CHECK (((expected_close_on >= '2000-01-01'::date) AND (expected_close_on <= '2999-12-31'::date))),
    CONSTRAINT opportunities_lost_reason_check CHECK (((btrim(lost_reason) <> ''::text) AND (length(lost_reason) <= 300))),
    CONSTRAINT opportunities_lost_reason_text CHECK (public.crm_text_is_clean(lost_reason, false)),
    CONSTRAINT opportunities_reason_when_lost CHECK (((stage = 'lost'::text) = (lost_reason IS NOT NULL))),
    CONSTRAINT opportunities_title_check CHECK (((btrim(title) <> ''::text) AND (length(title) <= 150))),
    CONSTRAINT opportunities_title_text CHECK ((public.crm_text_is_clean(title, false) AND public.crm_text_shows(title))),
    CONSTRAINT opportunities_won_contract CHECK (((stage = 'won'::text) = (contract_id IS NOT NULL)))
);


ALTER TABLE public.opportunities OWNER TO epic_events_owner;

--
-- Name: opportunities_id_seq; Type: SEQUENCE; Schema: public; Owner: epic_events_owner
--

CREATE SEQUENCE public.opportunities_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER SEQUENCE public.opportunities_id_seq OWNER TO epic_events_owner;

--
-- Name: opportunities_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: epic_events_owner
--

ALTER SEQUENCE public.opportunities_id_seq OWNED BY public.opportunities.id;


--
-- Name: opportunity_lines; Type: TABLE; Schema: public; Owner: epic_events_owner
--

CREATE TABLE public.opportunity_lines (
    id bigint NOT NULL,
    opportunity_id bigint NOT NULL,
    service_id bigint NOT NULL,
    quantity integer NOT NULL,
    unit_price numeric(12,2) NOT NULL,
    is_removed boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    CONSTRAINT opportunity_lines_quantity_check CHECK (((quantity >= 1) AND (quantity <= 1000000))),
    CONSTRAINT opportunity_lines_unit_price_check CHECK ((unit_price >= (0)::numeric))
);


ALTER TABLE public.opportunity_lines OWNER TO epic_events_owner;

--
-- Name: opportunity_lines_id_seq; Type: SEQUENCE; Schema: public; Owner: epic_events_owner
--

CREATE SEQUENCE public.opportunity_lines_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER SEQUENCE public.opportunity_lines_id_seq OWNER TO epic_events_owner;

--
-- Name: opportunity_lines_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: epic_events_owner
--

ALTER SEQUENCE public.opportunity_lines_id_seq OWNED BY public.opportunity_lines.id;


--
-- Name: opportunity_stages; Type: TABLE; Schema: public; Owner: epic_events_owner
--

CREATE TABLE public.opportunity_stages (
    stage text NOT NULL,
    "position" smallint NOT NULL,
    probability smallint NOT NULL,
    is_final boolean NOT NULL,
    CONSTRAINT opportunity_stages_final CHECK ((is_final = (stage = ANY (ARRAY['won'::text, 'lost'::text])))),
    CONSTRAINT opportunity_stages_position_check CHECK ((("position" >= 1) AND ("position" <= 6))),
    CONSTRAINT opportunity_stages_probability_check CHECK (((probability >= 0) AND (probability <= 100))),
    CONSTRAINT opportunity_stages_stage_check CHECK ((stage = ANY (ARRAY['new'::text, 'qualified'::text, 'proposal'::text, 'negotiation'::text, 'won'::text, 'lost'::text])))
);


ALTER TABLE public.opportunity_stages OWNER TO epic_events_owner;

--
-- Name: payments; Type: TABLE; Schema: public; Owner: epic_events_owner
--

CREATE TABLE public.payments (
    id bigint NOT NULL,
    contract_id bigint NOT NULL,
    amount numeric(12,2) NOT NULL,
    paid_at timestamp with time zone DEFAULT now() NOT NULL,
    recorded_by bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    corrects_payment_id bigint,
    CONSTRAINT payments_amount_sign CHECK ((((corrects_payment_id IS NULL) AND (amount > (0)::numeric)) OR ((corrects_payment_id IS NOT NULL) AND (amount < (0)::numeric))))
);


ALTER TABLE public.payments OWNER TO epic_events_owner;

--
-- Name: payments_id_seq; Type: SEQUENCE; Schema: public; Owner: epic_events_owner
--

CREATE SEQUENCE public.payments_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER SEQUENCE public.payments_id_seq OWNER TO epic_events_owner;

--
-- Name: payments_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: epic_events_owner
--

ALTER SEQUENCE public.payments_id_seq OWNED BY public.payments.id;


--
-- Name: schema_migrations; Type: TABLE; Schema: public; Owner: epic_events_owner
--

CREATE TABLE public.schema_migrations (
    filename text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);


ALTER TABLE public.schema_migrations OWNER TO epic_events_owner;

--
-- Name: services; Type: TABLE; Schema: public; Owner: epic_events_owner
--

CREATE TABLE public.services (
    id bigint NOT NULL,
    name text NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    unit_price numeric(12,2) NOT NULL,
    unit text NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    CONSTRAINT services_description_check CHECK ((length(description) <= 2000)),
    CONSTRAINT services_description_text CHECK (public.crm_text_is_clean(description, true)),
    CONSTRAINT services_name_check CHECK (((btrim(name) <> ''::text) AND (length(name) <= 150))),
    CONSTRAINT services_name_text CHECK ((public.crm_text_is_clean(name, false) AND public.crm_text_shows(name))),
    CONSTRAINT services_unit_check CHECK ((unit = ANY (ARRAY['event'::text, 'guest'::text, 'hour'::text]))),
    CONSTRAINT services_unit_price_check CHECK ((unit_price >= (0)::numeric))
);


ALTER TABLE public.services OWNER TO epic_events_owner;

--
-- Name: services_id_seq; Type: SEQUENCE; Schema: public; Owner: epic_events_owner
--

CREATE SEQUENCE public.services_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER SEQUENCE public.services_id_seq OWNER TO epic_events_owner;

--
-- Name: services_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: epic_events_owner
--

ALTER SEQUENCE public.services_id_seq OWNED BY public.services.id;


--
-- Name: sessions; Type: TABLE; Schema: public; Owner: epic_events_owner
--

CREATE TABLE public.sessions (
    id bigint NOT NULL,
    token_hash bytea NOT NULL,
    employee_id bigint NOT NULL,
    face text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    last_used_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    reauthenticated_at timestamp with time zone,
    ended_at timestamp with time zone,
    end_reason text,
    CONSTRAINT sessions_end CHECK (((ended_at IS NULL) = (end_reason IS NULL))),
    CONSTRAINT sessions_end_reason_check CHECK ((end_reason = ANY (ARRAY['logout'::text, 'password'::text, 'deactivated'::text, 'team'::text, 'expired'::text]))),
    CONSTRAINT sessions_face_check CHECK ((face = ANY (ARRAY['menus'::text, 'commands'::text, 'api'::text, 'web'::text]))),
    CONSTRAINT sessions_lifetime CHECK ((expires_at > created_at)),
    CONSTRAINT sessions_token_hash_check CHECK ((length(token_hash) = 32))
);


ALTER TABLE public.sessions OWNER TO epic_events_owner;

--
-- Name: sessions_id_seq; Type: SEQUENCE; Schema: public; Owner: epic_events_owner
--

CREATE SEQUENCE public.sessions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER SEQUENCE public.sessions_id_seq OWNER TO epic_events_owner;

--
-- Name: sessions_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: epic_events_owner
--

ALTER SEQUENCE public.sessions_id_seq OWNED BY public.sessions.id;


--
-- Name: mail_outbox id; Type: DEFAULT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.mail_outbox ALTER COLUMN id SET DEFAULT nextval('public.mail_outbox_id_seq'::regclass);


--
-- Name: notifications id; Type: DEFAULT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.notifications ALTER COLUMN id SET DEFAULT nextval('public.notifications_id_seq'::regclass);


--
-- Name: audit_log audit_log_pkey; Type: CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);


--
-- Name: clients clients_email_check; Type: CHECK CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE public.clients
    ADD CONSTRAINT clients_email_check CHECK (public.crm_email_is_valid(email)) NOT VALID;


--
-- Name: clients clients_pkey; Type: CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.clients
    ADD CONSTRAINT clients_pkey PRIMARY KEY (id);


--
-- Name: contracts contracts_pkey; Type: CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.contracts
    ADD CONSTRAINT contracts_pkey PRIMARY KEY (id);


--
-- Name: demo_loads demo_loads_pkey; Type: CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.demo_loads
    ADD CONSTRAINT demo_loads_pkey PRIMARY KEY (xact_id);


--
-- Name: employee_digest employee_digest_pkey; Type: CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.employee_digest
    ADD CONSTRAINT employee_digest_pkey PRIMARY KEY (employee_id);


--
-- Name: employees employees_email_check; Type: CHECK CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE public.employees
    ADD CONSTRAINT employees_email_check CHECK (public.crm_email_is_valid(email)) NOT VALID;


--
-- Name: employees employees_pkey; Type: CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.employees
    ADD CONSTRAINT employees_pkey PRIMARY KEY (id);


--
-- Name: events events_contract_id_key; Type: CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_contract_id_key UNIQUE (contract_id);


--
-- Name: events events_pkey; Type: CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_pkey PRIMARY KEY (id);


--
-- Name: exports exports_pkey; Type: CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.exports
    ADD CONSTRAINT exports_pkey PRIMARY KEY (id);


--
-- Name: login_devices login_devices_pkey; Type: CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.login_devices
    ADD CONSTRAINT login_devices_pkey PRIMARY KEY (token_hash);


--
-- Name: login_throttle login_throttle_pkey; Type: CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.login_throttle
    ADD CONSTRAINT login_throttle_pkey PRIMARY KEY (throttle_key);


--
-- Name: login_throttle_secret login_throttle_secret_pkey; Type: CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.login_throttle_secret
    ADD CONSTRAINT login_throttle_secret_pkey PRIMARY KEY (only_row);


--
-- Name: mail_outbox mail_outbox_notification_id_key; Type: CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.mail_outbox
    ADD CONSTRAINT mail_outbox_notification_id_key UNIQUE (notification_id);


--
-- Name: mail_outbox mail_outbox_pkey; Type: CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.mail_outbox
    ADD CONSTRAINT mail_outbox_pkey PRIMARY KEY (id);


--
-- Name: notes notes_pkey; Type: CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.notes
    ADD CONSTRAINT notes_pkey PRIMARY KEY (id);


--
-- Name: notifications notifications_pkey; Type: CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.notifications
    ADD CONSTRAINT notifications_pkey PRIMARY KEY (id);


--
-- Name: opportunities opportunities_contract_id_key; Type: CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.opportunities
    ADD CONSTRAINT opportunities_contract_id_key UNIQUE (contract_id);


--
-- Name: opportunities opportunities_pkey; Type: CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.opportunities
    ADD CONSTRAINT opportunities_pkey PRIMARY KEY (id);


--
-- Name: opportunity_lines opportunity_lines_pkey; Type: CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.opportunity_lines
    ADD CONSTRAINT opportunity_lines_pkey PRIMARY KEY (id);


--
-- Name: opportunity_stages opportunity_stages_pkey; Type: CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.opportunity_stages
    ADD CONSTRAINT opportunity_stages_pkey PRIMARY KEY (stage);


--
-- Name: opportunity_stages opportunity_stages_position_key; Type: CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.opportunity_stages
    ADD CONSTRAINT opportunity_stages_position_key UNIQUE ("position");


--
-- Name: payments payments_corrects_payment_id_key; Type: CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.payments
    ADD CONSTRAINT payments_corrects_payment_id_key UNIQUE (corrects_payment_id);


--
-- Name: payments payments_pkey; Type: CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.payments
    ADD CONSTRAINT payments_pkey PRIMARY KEY (id);


--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (filename);


--
-- Name: services services_pkey; Type: CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.services
    ADD CONSTRAINT services_pkey PRIMARY KEY (id);


--
-- Name: sessions sessions_pkey; Type: CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_pkey PRIMARY KEY (id);


--
-- Name: sessions sessions_token_hash_key; Type: CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_token_hash_key UNIQUE (token_hash);


--
-- Name: verified_actors verified_actors_pkey; Type: CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.verified_actors
    ADD CONSTRAINT verified_actors_pkey PRIMARY KEY (xact_id);


--
-- Name: audit_log_employee_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX audit_log_employee_idx ON public.audit_log USING btree (employee_id, at DESC);


--
-- Name: audit_log_event_updates_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX audit_log_event_updates_idx ON public.audit_log USING btree (id) INCLUDE (record_id, employee_id) WHERE ((table_name = 'events'::text) AND (action = 'update'::text));


--
-- Name: audit_log_payment_contract_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX audit_log_payment_contract_idx ON public.audit_log USING btree (((((changes -> 'contract_id'::text) ->> 1))::bigint), at DESC, id DESC) WHERE (table_name = 'payments'::text);


--
-- Name: audit_log_record_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX audit_log_record_idx ON public.audit_log USING btree (table_name, record_id, at DESC, id DESC);


--
-- Name: clients_company_name_search_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX clients_company_name_search_idx ON public.clients USING gin (public.f_unaccent(company_name) public.gin_trgm_ops);


--
-- Name: clients_created_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX clients_created_idx ON public.clients USING btree (created_at DESC, id DESC);


--
-- Name: clients_email_key; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE UNIQUE INDEX clients_email_key ON public.clients USING btree (lower(email));


--
-- Name: clients_full_name_search_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX clients_full_name_search_idx ON public.clients USING gin (public.f_unaccent(full_name) public.gin_trgm_ops);


--
-- Name: clients_sales_created_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX clients_sales_created_idx ON public.clients USING btree (sales_contact_id, created_at DESC, id DESC);


--
-- Name: clients_sales_updated_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX clients_sales_updated_idx ON public.clients USING btree (sales_contact_id, updated_at) INCLUDE (id);


--
-- Name: contracts_client_created_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX contracts_client_created_idx ON public.contracts USING btree (client_id, created_at DESC, id DESC);


--
-- Name: contracts_client_unpaid_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX contracts_client_unpaid_idx ON public.contracts USING btree (client_id) WHERE (remaining_amount > (0)::numeric);


--
-- Name: contracts_client_unsigned_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX contracts_client_unsigned_idx ON public.contracts USING btree (client_id) WHERE (NOT is_signed);


--
-- Name: contracts_created_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX contracts_created_idx ON public.contracts USING btree (created_at DESC, id DESC);


--
-- Name: contracts_signed_unpaid_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX contracts_signed_unpaid_idx ON public.contracts USING btree (signed_at) WHERE (is_signed AND (remaining_amount > (0)::numeric));


--
-- Name: contracts_unpaid_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX contracts_unpaid_idx ON public.contracts USING btree (created_at DESC, id DESC) WHERE (remaining_amount > (0)::numeric);


--
-- Name: contracts_unsigned_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX contracts_unsigned_idx ON public.contracts USING btree (created_at DESC, id DESC) WHERE (NOT is_signed);


--
-- Name: employees_email_key; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE UNIQUE INDEX employees_email_key ON public.employees USING btree (lower(email));


--
-- Name: employees_team_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX employees_team_idx ON public.employees USING btree (team, is_active);


--
-- Name: employees_username_key; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE UNIQUE INDEX employees_username_key ON public.employees USING btree (lower(username));


--
-- Name: events_agenda_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX events_agenda_idx ON public.events USING gist (tstzrange(starts_at, ends_at, '[]'::text)) WHERE (status <> 'cancelled'::text);


--
-- Name: events_created_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX events_created_idx ON public.events USING btree (created_at DESC, id DESC);


--
-- Name: events_name_search_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX events_name_search_idx ON public.events USING gin (public.f_unaccent(name) public.gin_trgm_ops);


--
-- Name: events_open_support_starts_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX events_open_support_starts_idx ON public.events USING btree (support_contact_id, starts_at) WHERE (status = ANY (ARRAY['planned'::text, 'confirmed'::text]));


--
-- Name: events_starts_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX events_starts_idx ON public.events USING btree (starts_at);


--
-- Name: events_support_ends_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX events_support_ends_idx ON public.events USING btree (support_contact_id, ends_at);


--
-- Name: events_support_starts_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX events_support_starts_idx ON public.events USING btree (support_contact_id, starts_at);


--
-- Name: events_unassigned_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX events_unassigned_idx ON public.events USING btree (created_at DESC, id DESC) WHERE (support_contact_id IS NULL);


--
-- Name: exports_employee_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX exports_employee_idx ON public.exports USING btree (employee_id, created_at DESC);


--
-- Name: login_devices_employee_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX login_devices_employee_idx ON public.login_devices USING btree (employee_id, last_used_at DESC);


--
-- Name: login_devices_last_used_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX login_devices_last_used_idx ON public.login_devices USING btree (last_used_at);


--
-- Name: login_throttle_touched_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX login_throttle_touched_idx ON public.login_throttle USING btree (touched_at);


--
-- Name: mail_outbox_pending_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX mail_outbox_pending_idx ON public.mail_outbox USING btree (next_attempt_at, id) WHERE (status = 'pending'::text);


--
-- Name: notes_author_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX notes_author_idx ON public.notes USING btree (author_id);


--
-- Name: notes_client_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX notes_client_idx ON public.notes USING btree (client_id, created_at DESC, id DESC) WHERE (client_id IS NOT NULL);


--
-- Name: notes_event_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX notes_event_idx ON public.notes USING btree (event_id, created_at DESC, id DESC) WHERE (event_id IS NOT NULL);


--
-- Name: notifications_changed_by_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX notifications_changed_by_idx ON public.notifications USING btree (changed_by);


--
-- Name: notifications_employee_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX notifications_employee_idx ON public.notifications USING btree (employee_id, id DESC);


--
-- Name: notifications_event_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX notifications_event_idx ON public.notifications USING btree (event_id);


--
-- Name: notifications_unread_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX notifications_unread_idx ON public.notifications USING btree (employee_id, id DESC) WHERE (read_at IS NULL);


--
-- Name: opportunities_client_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX opportunities_client_idx ON public.opportunities USING btree (client_id);


--
-- Name: opportunities_closed_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX opportunities_closed_idx ON public.opportunities USING btree (closed_at) WHERE (closed_at IS NOT NULL);


--
-- Name: opportunities_stage_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX opportunities_stage_idx ON public.opportunities USING btree (stage, expected_close_on, id);


--
-- Name: opportunity_lines_opportunity_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX opportunity_lines_opportunity_idx ON public.opportunity_lines USING btree (opportunity_id, id);


--
-- Name: opportunity_lines_service_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX opportunity_lines_service_idx ON public.opportunity_lines USING btree (service_id);


--
-- Name: payments_contract_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX payments_contract_idx ON public.payments USING btree (contract_id, paid_at DESC);


--
-- Name: payments_recorded_by_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX payments_recorded_by_idx ON public.payments USING btree (recorded_by);


--
-- Name: services_active_name_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX services_active_name_idx ON public.services USING btree (is_active, lower(name));


--
-- Name: services_name_key; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE UNIQUE INDEX services_name_key ON public.services USING btree (lower(name));


--
-- Name: sessions_employee_open_idx; Type: INDEX; Schema: public; Owner: epic_events_owner
--

CREATE INDEX sessions_employee_open_idx ON public.sessions USING btree (employee_id) WHERE (ended_at IS NULL);


--
-- Name: clients actor_required; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER actor_required BEFORE INSERT OR UPDATE ON public.clients FOR EACH STATEMENT EXECUTE FUNCTION public.actor_required();


--
-- Name: contracts actor_required; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER actor_required BEFORE INSERT OR UPDATE ON public.contracts FOR EACH STATEMENT EXECUTE FUNCTION public.actor_required();


--
-- Name: employees actor_required; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER actor_required BEFORE INSERT OR UPDATE ON public.employees FOR EACH STATEMENT EXECUTE FUNCTION public.actor_required();


--
-- Name: events actor_required; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER actor_required BEFORE INSERT OR UPDATE ON public.events FOR EACH STATEMENT EXECUTE FUNCTION public.actor_required();


--
-- Name: opportunities actor_required; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER actor_required BEFORE INSERT OR UPDATE ON public.opportunities FOR EACH STATEMENT EXECUTE FUNCTION public.actor_required();


--
-- Name: opportunity_lines actor_required; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER actor_required BEFORE INSERT OR UPDATE ON public.opportunity_lines FOR EACH STATEMENT EXECUTE FUNCTION public.actor_required();


--
-- Name: payments actor_required; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER actor_required BEFORE INSERT OR UPDATE ON public.payments FOR EACH STATEMENT EXECUTE FUNCTION public.actor_required();


--
-- Name: services actor_required; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER actor_required BEFORE INSERT OR UPDATE ON public.services FOR EACH STATEMENT EXECUTE FUNCTION public.actor_required();


--
-- Name: clients audit_insert; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER audit_insert AFTER INSERT ON public.clients REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes();


--
-- Name: contracts audit_insert; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER audit_insert AFTER INSERT ON public.contracts REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes();


--
-- Name: employees audit_insert; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER audit_insert AFTER INSERT ON public.employees REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes();


--
-- Name: events audit_insert; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER audit_insert AFTER INSERT ON public.events REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes();


--
-- Name: opportunities audit_insert; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER audit_insert AFTER INSERT ON public.opportunities REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes();


--
-- Name: opportunity_lines audit_insert; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER audit_insert AFTER INSERT ON public.opportunity_lines REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes();


--
-- Name: payments audit_insert; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER audit_insert AFTER INSERT ON public.payments REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes();


--
-- Name: services audit_insert; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER audit_insert AFTER INSERT ON public.services REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes();


--
-- Name: clients audit_update; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER audit_update AFTER UPDATE ON public.clients REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes();


--
-- Name: contracts audit_update; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER audit_update AFTER UPDATE ON public.contracts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes();


--
-- Name: employees audit_update; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER audit_update AFTER UPDATE ON public.employees REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes();


--
-- Name: events audit_update; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER audit_update AFTER UPDATE ON public.events REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes();


--
-- Name: opportunities audit_update; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER audit_update AFTER UPDATE ON public.opportunities REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes();


--
-- Name: opportunity_lines audit_update; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER audit_update AFTER UPDATE ON public.opportunity_lines REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes();


--
-- Name: payments audit_update; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER audit_update AFTER UPDATE ON public.payments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes();


--
-- Name: services audit_update; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER audit_update AFTER UPDATE ON public.services REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes();


--
-- Name: clients clients_sales_is_active_sales; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER clients_sales_is_active_sales BEFORE INSERT OR UPDATE OF sales_contact_id ON public.clients FOR EACH ROW EXECUTE FUNCTION public.clients_sales_is_active_sales();


--
-- Name: contracts contracts_never_unsign; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER contracts_never_unsign BEFORE UPDATE OF is_signed ON public.contracts FOR EACH ROW EXECUTE FUNCTION public.contracts_never_unsign();


--
-- Name: contracts contracts_remaining_on_insert; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE CONSTRAINT TRIGGER contracts_remaining_on_insert AFTER INSERT ON public.contracts DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN ((new.remaining_amount <> new.total_amount)) EXECUTE FUNCTION public.contracts_remaining_is_total_minus_paid();


--
-- Name: contracts contracts_remaining_on_update; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE CONSTRAINT TRIGGER contracts_remaining_on_update AFTER UPDATE OF total_amount, remaining_amount ON public.contracts DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.contracts_remaining_is_total_minus_paid();


--
-- Name: employee_digest employee_digest_mark_goes_up; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER employee_digest_mark_goes_up BEFORE UPDATE ON public.employee_digest FOR EACH ROW EXECUTE FUNCTION public.employee_digest_set_by_database();


--
-- Name: employees employees_written_by_management; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER employees_written_by_management BEFORE INSERT OR UPDATE ON public.employees FOR EACH ROW EXECUTE FUNCTION public.employees_written_by_management();


--
-- Name: events events_need_signed_contract; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER events_need_signed_contract BEFORE INSERT OR UPDATE OF contract_id ON public.events FOR EACH ROW EXECUTE FUNCTION public.events_need_signed_contract();


--
-- Name: events events_status_moves; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER events_status_moves BEFORE INSERT OR UPDATE OF status ON public.events FOR EACH ROW EXECUTE FUNCTION public.events_status_moves();


--
-- Name: events events_support_is_active_support; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER events_support_is_active_support BEFORE INSERT OR UPDATE OF support_contact_id ON public.events FOR EACH ROW EXECUTE FUNCTION public.events_support_is_active_support();


--
-- Name: mail_outbox mail_outbox_moves; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER mail_outbox_moves BEFORE UPDATE ON public.mail_outbox FOR EACH ROW EXECUTE FUNCTION public.mail_outbox_moves();


--
-- Name: notifications notifications_read_once; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER notifications_read_once BEFORE UPDATE ON public.notifications FOR EACH ROW EXECUTE FUNCTION public.notifications_read_once();


--
-- Name: events notify_support_on_update; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER notify_support_on_update AFTER UPDATE OF support_contact_id, starts_at, ends_at, location, attendees, status, cancel_reason ON public.events FOR EACH ROW EXECUTE FUNCTION public.notify_support_of_event_change();


--
-- Name: opportunities opportunities_amount_on_write; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE CONSTRAINT TRIGGER opportunities_amount_on_write AFTER INSERT OR UPDATE OF amount ON public.opportunities DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.opportunities_amount_is_sum_of_lines();


--
-- Name: opportunities opportunities_stage_machine; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER opportunities_stage_machine BEFORE INSERT OR UPDATE ON public.opportunities FOR EACH ROW EXECUTE FUNCTION public.opportunities_stage_machine();


--
-- Name: opportunity_lines opportunity_lines_add_up; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE CONSTRAINT TRIGGER opportunity_lines_add_up AFTER INSERT OR DELETE OR UPDATE OF quantity, unit_price, is_removed, opportunity_id ON public.opportunity_lines DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.opportunities_amount_is_sum_of_lines();


--
-- Name: opportunity_lines opportunity_lines_rules; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER opportunity_lines_rules BEFORE INSERT OR UPDATE ON public.opportunity_lines FOR EACH ROW EXECUTE FUNCTION public.opportunity_lines_rules();


--
-- Name: clients owner_changes_by_management; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER owner_changes_by_management BEFORE UPDATE OF sales_contact_id ON public.clients FOR EACH ROW WHEN ((new.sales_contact_id IS DISTINCT FROM old.sales_contact_id)) EXECUTE FUNCTION public.owner_changes_by_management();


--
-- Name: events owner_changes_by_management; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER owner_changes_by_management BEFORE UPDATE OF support_contact_id ON public.events FOR EACH ROW WHEN ((new.support_contact_id IS DISTINCT FROM old.support_contact_id)) EXECUTE FUNCTION public.owner_changes_by_management();


--
-- Name: payments payments_add_up; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE CONSTRAINT TRIGGER payments_add_up AFTER INSERT OR DELETE OR UPDATE OF amount, contract_id ON public.payments DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.contracts_remaining_is_total_minus_paid();


--
-- Name: payments payments_correction_matches; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER payments_correction_matches BEFORE INSERT OR UPDATE ON public.payments FOR EACH ROW WHEN ((new.corrects_payment_id IS NOT NULL)) EXECUTE FUNCTION public.payments_correction_matches();


--
-- Name: payments payments_recorded_by_actor; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER payments_recorded_by_actor BEFORE INSERT ON public.payments FOR EACH ROW EXECUTE FUNCTION public.payments_recorded_by_actor();


--
-- Name: employees sessions_end_on_employee_change; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER sessions_end_on_employee_change AFTER UPDATE OF is_active, team, password_hash ON public.employees FOR EACH ROW EXECUTE FUNCTION public.sessions_end_on_employee_change();


--
-- Name: sessions sessions_stay_ended; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER sessions_stay_ended BEFORE UPDATE ON public.sessions FOR EACH ROW EXECUTE FUNCTION public.sessions_stay_ended();


--
-- Name: clients set_by_database_on_insert; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER set_by_database_on_insert BEFORE INSERT ON public.clients FOR EACH ROW EXECUTE FUNCTION public.set_by_database_on_insert('public.clients_id_seq', 'created_at', 'updated_at');


--
-- Name: contracts set_by_database_on_insert; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER set_by_database_on_insert BEFORE INSERT ON public.contracts FOR EACH ROW EXECUTE FUNCTION public.set_by_database_on_insert('public.contracts_id_seq', 'created_at', 'updated_at');


--
-- Name: employee_digest set_by_database_on_insert; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER set_by_database_on_insert BEFORE INSERT ON public.employee_digest FOR EACH ROW EXECUTE FUNCTION public.employee_digest_set_by_database();


--
-- Name: employees set_by_database_on_insert; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER set_by_database_on_insert BEFORE INSERT ON public.employees FOR EACH ROW EXECUTE FUNCTION public.set_by_database_on_insert('public.employees_id_seq', 'created_at', 'updated_at');


--
-- Name: events set_by_database_on_insert; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER set_by_database_on_insert BEFORE INSERT ON public.events FOR EACH ROW EXECUTE FUNCTION public.set_by_database_on_insert('public.events_id_seq', 'created_at', 'updated_at');


--
-- Name: exports set_by_database_on_insert; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER set_by_database_on_insert BEFORE INSERT ON public.exports FOR EACH ROW EXECUTE FUNCTION public.exports_set_by_database();


--
-- Name: notes set_by_database_on_insert; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER set_by_database_on_insert BEFORE INSERT ON public.notes FOR EACH ROW EXECUTE FUNCTION public.notes_set_by_database();


--
-- Name: opportunities set_by_database_on_insert; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER set_by_database_on_insert BEFORE INSERT ON public.opportunities FOR EACH ROW EXECUTE FUNCTION public.set_by_database_on_insert('public.opportunities_id_seq', 'created_at', 'updated_at');


--
-- Name: opportunity_lines set_by_database_on_insert; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER set_by_database_on_insert BEFORE INSERT ON public.opportunity_lines FOR EACH ROW EXECUTE FUNCTION public.set_by_database_on_insert('public.opportunity_lines_id_seq', 'created_at', 'updated_at');


--
-- Name: payments set_by_database_on_insert; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER set_by_database_on_insert BEFORE INSERT ON public.payments FOR EACH ROW EXECUTE FUNCTION public.set_by_database_on_insert('public.payments_id_seq', 'created_at', 'paid_at');


--
-- Name: services set_by_database_on_insert; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER set_by_database_on_insert BEFORE INSERT ON public.services FOR EACH ROW EXECUTE FUNCTION public.set_by_database_on_insert('public.services_id_seq', 'created_at', 'updated_at');


--
-- Name: sessions set_by_database_on_insert; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER set_by_database_on_insert BEFORE INSERT ON public.sessions FOR EACH ROW EXECUTE FUNCTION public.set_by_database_on_insert('public.sessions_id_seq');


--
-- Name: clients versions_only_go_up; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER versions_only_go_up BEFORE UPDATE ON public.clients FOR EACH ROW EXECUTE FUNCTION public.versions_only_go_up();


--
-- Name: contracts versions_only_go_up; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER versions_only_go_up BEFORE UPDATE ON public.contracts FOR EACH ROW EXECUTE FUNCTION public.versions_only_go_up();


--
-- Name: employees versions_only_go_up; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER versions_only_go_up BEFORE UPDATE ON public.employees FOR EACH ROW EXECUTE FUNCTION public.versions_only_go_up('password_hash');


--
-- Name: events versions_only_go_up; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER versions_only_go_up BEFORE UPDATE ON public.events FOR EACH ROW EXECUTE FUNCTION public.versions_only_go_up();


--
-- Name: opportunities versions_only_go_up; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER versions_only_go_up BEFORE UPDATE ON public.opportunities FOR EACH ROW EXECUTE FUNCTION public.versions_only_go_up();


--
-- Name: opportunity_lines versions_only_go_up; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER versions_only_go_up BEFORE UPDATE ON public.opportunity_lines FOR EACH ROW EXECUTE FUNCTION public.versions_only_go_up();


--
-- Name: services versions_only_go_up; Type: TRIGGER; Schema: public; Owner: epic_events_owner
--

CREATE TRIGGER versions_only_go_up BEFORE UPDATE ON public.services FOR EACH ROW EXECUTE FUNCTION public.versions_only_go_up();


--
-- Name: audit_log audit_log_employee_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_employee_id_fkey FOREIGN KEY (employee_id) REFERENCES public.employees(id);


--
-- Name: clients clients_sales_contact_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.clients
    ADD CONSTRAINT clients_sales_contact_id_fkey FOREIGN KEY (sales_contact_id) REFERENCES public.employees(id);


--
-- Name: contracts contracts_client_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.contracts
    ADD CONSTRAINT contracts_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id);


--
-- Name: employee_digest employee_digest_employee_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.employee_digest
    ADD CONSTRAINT employee_digest_employee_id_fkey FOREIGN KEY (employee_id) REFERENCES public.employees(id);


--
-- Name: events events_contract_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_contract_id_fkey FOREIGN KEY (contract_id) REFERENCES public.contracts(id);


--
-- Name: events events_support_contact_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_support_contact_id_fkey FOREIGN KEY (support_contact_id) REFERENCES public.employees(id);


--
-- Name: exports exports_employee_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.exports
    ADD CONSTRAINT exports_employee_id_fkey FOREIGN KEY (employee_id) REFERENCES public.employees(id);


--
-- Name: login_devices login_devices_employee_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.login_devices
    ADD CONSTRAINT login_devices_employee_id_fkey FOREIGN KEY (employee_id) REFERENCES public.employees(id);


--
-- Name: mail_outbox mail_outbox_notification_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.mail_outbox
    ADD CONSTRAINT mail_outbox_notification_id_fkey FOREIGN KEY (notification_id) REFERENCES public.notifications(id);


--
-- Name: notes notes_author_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.notes
    ADD CONSTRAINT notes_author_id_fkey FOREIGN KEY (author_id) REFERENCES public.employees(id);


--
-- Name: notes notes_client_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.notes
    ADD CONSTRAINT notes_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id);


--
-- Name: notes notes_event_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.notes
    ADD CONSTRAINT notes_event_id_fkey FOREIGN KEY (event_id) REFERENCES public.events(id);


--
-- Name: notifications notifications_changed_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.notifications
    ADD CONSTRAINT notifications_changed_by_fkey FOREIGN KEY (changed_by) REFERENCES public.employees(id);


--
-- Name: notifications notifications_employee_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.notifications
    ADD CONSTRAINT notifications_employee_id_fkey FOREIGN KEY (employee_id) REFERENCES public.employees(id);


--
-- Name: notifications notifications_event_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.notifications
    ADD CONSTRAINT notifications_event_id_fkey FOREIGN KEY (event_id) REFERENCES public.events(id);


--
-- Name: opportunities opportunities_client_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.opportunities
    ADD CONSTRAINT opportunities_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id);


--
-- Name: opportunities opportunities_contract_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.opportunities
    ADD CONSTRAINT opportunities_contract_id_fkey FOREIGN KEY (contract_id) REFERENCES public.contracts(id);


--
-- Name: opportunities opportunities_stage_fkey; Type: FK CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.opportunities
    ADD CONSTRAINT opportunities_stage_fkey FOREIGN KEY (stage) REFERENCES public.opportunity_stages(stage);


--
-- Name: opportunity_lines opportunity_lines_opportunity_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.opportunity_lines
    ADD CONSTRAINT opportunity_lines_opportunity_id_fkey FOREIGN KEY (opportunity_id) REFERENCES public.opportunities(id);


--
-- Name: opportunity_lines opportunity_lines_service_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.opportunity_lines
    ADD CONSTRAINT opportunity_lines_service_id_fkey FOREIGN KEY (service_id) REFERENCES public.services(id);


--
-- Name: payments payments_contract_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.payments
    ADD CONSTRAINT payments_contract_id_fkey FOREIGN KEY (contract_id) REFERENCES public.contracts(id);


--
-- Name: payments payments_corrects_payment_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.payments
    ADD CONSTRAINT payments_corrects_payment_id_fkey FOREIGN KEY (corrects_payment_id) REFERENCES public.payments(id);


--
-- Name: payments payments_recorded_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.payments
    ADD CONSTRAINT payments_recorded_by_fkey FOREIGN KEY (recorded_by) REFERENCES public.employees(id);


--
-- Name: sessions sessions_employee_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: epic_events_owner
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_employee_id_fkey FOREIGN KEY (employee_id) REFERENCES public.employees(id);


--
-- Name: clients; Type: ROW SECURITY; Schema: public; Owner: epic_events_owner
--

ALTER TABLE public.clients ENABLE ROW LEVEL SECURITY;

--
-- Name: clients clients_insert; Type: POLICY; Schema: public; Owner: epic_events_owner
--

CREATE POLICY clients_insert ON public.clients FOR INSERT WITH CHECK ((( SELECT public.crm_writes_all() AS crm_writes_all) OR ((( SELECT public.crm_actor_team() AS crm_actor_team) = 'sales'::text) AND (sales_contact_id = ( SELECT public.crm_actor() AS crm_actor)))));


--
-- Name: clients clients_read; Type: POLICY; Schema: public; Owner: epic_events_owner
--

CREATE POLICY clients_read ON public.clients FOR SELECT USING (true);


--
-- Name: clients clients_update; Type: POLICY; Schema: public; Owner: epic_events_owner
--

CREATE POLICY clients_update ON public.clients FOR UPDATE USING (true) WITH CHECK ((( SELECT public.crm_writes_all() AS crm_writes_all) OR ((( SELECT public.crm_actor_team() AS crm_actor_team) = 'sales'::text) AND (sales_contact_id = ( SELECT public.crm_actor() AS crm_actor)))));


--
-- Name: contracts; Type: ROW SECURITY; Schema: public; Owner: epic_events_owner
--

ALTER TABLE public.contracts ENABLE ROW LEVEL SECURITY;

--
-- Name: contracts contracts_insert; Type: POLICY; Schema: public; Owner: epic_events_owner
--

CREATE POLICY contracts_insert ON public.contracts FOR INSERT WITH CHECK (( SELECT public.crm_writes_all() AS crm_writes_all));


--
-- Name: contracts contracts_read; Type: POLICY; Schema: public; Owner: epic_events_owner
--

CREATE POLICY contracts_read ON public.contracts FOR SELECT USING (true);


--
-- Name: contracts contracts_update; Type: POLICY; Schema: public; Owner: epic_events_owner
--

CREATE POLICY contracts_update ON public.contracts FOR UPDATE USING (true) WITH CHECK ((( SELECT public.crm_writes_all() AS crm_writes_all) OR ((( SELECT public.crm_actor_team() AS crm_actor_team) = 'sales'::text) AND (EXISTS ( SELECT 1
   FROM public.clients c
  WHERE ((c.id = contracts.client_id) AND (c.sales_contact_id = ( SELECT public.crm_actor() AS crm_actor))))))));


--
-- Name: events; Type: ROW SECURITY; Schema: public; Owner: epic_events_owner
--

ALTER TABLE public.events ENABLE ROW LEVEL SECURITY;

--
-- Name: events events_insert; Type: POLICY; Schema: public; Owner: epic_events_owner
--

CREATE POLICY events_insert ON public.events FOR INSERT WITH CHECK ((( SELECT public.in_demo_load() AS in_demo_load) OR ((( SELECT public.crm_actor_team() AS crm_actor_team) = 'sales'::text) AND (EXISTS ( SELECT 1
   FROM (public.contracts k
     JOIN public.clients c ON ((c.id = k.client_id)))
  WHERE ((k.id = events.contract_id) AND (c.sales_contact_id = ( SELECT public.crm_actor() AS crm_actor))))))));


--
-- Name: events events_read; Type: POLICY; Schema: public; Owner: epic_events_owner
--

CREATE POLICY events_read ON public.events FOR SELECT USING (true);


--
-- Name: events events_update; Type: POLICY; Schema: public; Owner: epic_events_owner
--

CREATE POLICY events_update ON public.events FOR UPDATE USING (true) WITH CHECK ((( SELECT public.crm_writes_all() AS crm_writes_all) OR ((( SELECT public.crm_actor_team() AS crm_actor_team) = 'support'::text) AND (support_contact_id = ( SELECT public.crm_actor() AS crm_actor)))));


--
-- Name: payments; Type: ROW SECURITY; Schema: public; Owner: epic_events_owner
--

ALTER TABLE public.payments ENABLE ROW LEVEL SECURITY;

--
-- Name: payments payments_insert; Type: POLICY; Schema: public; Owner: epic_events_owner
--

CREATE POLICY payments_insert ON public.payments FOR INSERT WITH CHECK ((( SELECT public.crm_writes_all() AS crm_writes_all) OR ((( SELECT public.crm_actor_team() AS crm_actor_team) = 'sales'::text) AND (corrects_payment_id IS NULL) AND (EXISTS ( SELECT 1
   FROM (public.contracts k
     JOIN public.clients c ON ((c.id = k.client_id)))
  WHERE ((k.id = payments.contract_id) AND (c.sales_contact_id = ( SELECT public.crm_actor() AS crm_actor))))))));


--
-- Name: payments payments_read; Type: POLICY; Schema: public; Owner: epic_events_owner
--

CREATE POLICY payments_read ON public.payments FOR SELECT USING (true);


--
-- Name: DATABASE epic_events; Type: ACL; Schema: -; Owner: epic_events_owner
--

REVOKE CONNECT,TEMPORARY ON DATABASE epic_events FROM PUBLIC;
GRANT CONNECT ON DATABASE epic_events TO epic_events_app;


--
-- Name: SCHEMA public; Type: ACL; Schema: -; Owner: pg_database_owner
--

REVOKE USAGE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO epic_events_app;


--
-- Name: FUNCTION lo_close(integer); Type: ACL; Schema: pg_catalog; Owner: postgres
--

REVOKE ALL ON FUNCTION pg_catalog.lo_close(integer) FROM PUBLIC;


--
-- Name: FUNCTION lo_creat(integer); Type: ACL; Schema: pg_catalog; Owner: postgres
--

REVOKE ALL ON FUNCTION pg_catalog.lo_creat(integer) FROM PUBLIC;


--
-- Name: FUNCTION lo_create(oid); Type: ACL; Schema: pg_catalog; Owner: postgres
--

REVOKE ALL ON FUNCTION pg_catalog.lo_create(oid) FROM PUBLIC;


--
-- Name: FUNCTION lo_from_bytea(oid, bytea); Type: ACL; Schema: pg_catalog; Owner: postgres
--

REVOKE ALL ON FUNCTION pg_catalog.lo_from_bytea(oid, bytea) FROM PUBLIC;


--
-- Name: FUNCTION lo_get(oid); Type: ACL; Schema: pg_catalog; Owner: postgres
--

REVOKE ALL ON FUNCTION pg_catalog.lo_get(oid) FROM PUBLIC;


--
-- Name: FUNCTION lo_get(oid, bigint, integer); Type: ACL; Schema: pg_catalog; Owner: postgres
--

REVOKE ALL ON FUNCTION pg_catalog.lo_get(oid, bigint, integer) FROM PUBLIC;


--
-- Name: FUNCTION lo_lseek(integer, integer, integer); Type: ACL; Schema: pg_catalog; Owner: postgres
--

REVOKE ALL ON FUNCTION pg_catalog.lo_lseek(integer, integer, integer) FROM PUBLIC;


--
-- Name: FUNCTION lo_lseek64(integer, bigint, integer); Type: ACL; Schema: pg_catalog; Owner: postgres
--

REVOKE ALL ON FUNCTION pg_catalog.lo_lseek64(integer, bigint, integer) FROM PUBLIC;


--
-- Name: FUNCTION lo_open(oid, integer); Type: ACL; Schema: pg_catalog; Owner: postgres
--

REVOKE ALL ON FUNCTION pg_catalog.lo_open(oid, integer) FROM PUBLIC;


--
-- Name: FUNCTION lo_put(oid, bigint, bytea); Type: ACL; Schema: pg_catalog; Owner: postgres
--

REVOKE ALL ON FUNCTION pg_catalog.lo_put(oid, bigint, bytea) FROM PUBLIC;


--
-- Name: FUNCTION lo_tell(integer); Type: ACL; Schema: pg_catalog; Owner: postgres
--

REVOKE ALL ON FUNCTION pg_catalog.lo_tell(integer) FROM PUBLIC;


--
-- Name: FUNCTION lo_tell64(integer); Type: ACL; Schema: pg_catalog; Owner: postgres
--

REVOKE ALL ON FUNCTION pg_catalog.lo_tell64(integer) FROM PUBLIC;


--
-- Name: FUNCTION lo_truncate(integer, integer); Type: ACL; Schema: pg_catalog; Owner: postgres
--

REVOKE ALL ON FUNCTION pg_catalog.lo_truncate(integer, integer) FROM PUBLIC;


--
-- Name: FUNCTION lo_truncate64(integer, bigint); Type: ACL; Schema: pg_catalog; Owner: postgres
--

REVOKE ALL ON FUNCTION pg_catalog.lo_truncate64(integer, bigint) FROM PUBLIC;


--
-- Name: FUNCTION lo_unlink(oid); Type: ACL; Schema: pg_catalog; Owner: postgres
--

REVOKE ALL ON FUNCTION pg_catalog.lo_unlink(oid) FROM PUBLIC;


--
-- Name: FUNCTION loread(integer, integer); Type: ACL; Schema: pg_catalog; Owner: postgres
--

REVOKE ALL ON FUNCTION pg_catalog.loread(integer, integer) FROM PUBLIC;


--
-- Name: FUNCTION lowrite(integer, bytea); Type: ACL; Schema: pg_catalog; Owner: postgres
--

REVOKE ALL ON FUNCTION pg_catalog.lowrite(integer, bytea) FROM PUBLIC;


--
-- Name: FUNCTION pg_cancel_backend(integer); Type: ACL; Schema: pg_catalog; Owner: postgres
--

REVOKE ALL ON FUNCTION pg_catalog.pg_cancel_backend(integer) FROM PUBLIC;


--
-- Name: FUNCTION pg_terminate_backend(pid integer, timeout bigint); Type: ACL; Schema: pg_catalog; Owner: postgres
--

REVOKE ALL ON FUNCTION pg_catalog.pg_terminate_backend(pid integer, timeout bigint) FROM PUBLIC;


--
-- Name: FUNCTION audit_changes(); Type: ACL; Schema: public; Owner: epic_events_owner
--

REVOKE ALL ON FUNCTION public.audit_changes() FROM PUBLIC;


--
-- Name: FUNCTION client_import_staging(); Type: ACL; Schema: public; Owner: epic_events_owner
--

REVOKE ALL ON FUNCTION public.client_import_staging() FROM PUBLIC;
GRANT ALL ON FUNCTION public.client_import_staging() TO epic_events_app;


--
-- Name: FUNCTION crm_act_as(token text, employee bigint); Type: ACL; Schema: public; Owner: epic_events_owner
--

REVOKE ALL ON FUNCTION public.crm_act_as(token text, employee bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION public.crm_act_as(token text, employee bigint) TO epic_events_app;


--
-- Name: FUNCTION crm_actor(); Type: ACL; Schema: public; Owner: epic_events_owner
--

REVOKE ALL ON FUNCTION public.crm_actor() FROM PUBLIC;
GRANT ALL ON FUNCTION public.crm_actor() TO epic_events_app;


--
-- Name: FUNCTION crm_actor_rehash(); Type: ACL; Schema: public; Owner: epic_events_owner
--

REVOKE ALL ON FUNCTION public.crm_actor_rehash() FROM PUBLIC;
GRANT ALL ON FUNCTION public.crm_actor_rehash() TO epic_events_app;


--
-- Name: FUNCTION crm_actor_session(); Type: ACL; Schema: public; Owner: epic_events_owner
--

REVOKE ALL ON FUNCTION public.crm_actor_session() FROM PUBLIC;
GRANT ALL ON FUNCTION public.crm_actor_session() TO epic_events_app;


--
-- Name: FUNCTION crm_actor_team(); Type: ACL; Schema: public; Owner: epic_events_owner
--

REVOKE ALL ON FUNCTION public.crm_actor_team() FROM PUBLIC;
GRANT ALL ON FUNCTION public.crm_actor_team() TO epic_events_app;


--
-- Name: FUNCTION crm_keeps_a_manager(); Type: ACL; Schema: public; Owner: epic_events_owner
--

REVOKE ALL ON FUNCTION public.crm_keeps_a_manager() FROM PUBLIC;


--
-- Name: FUNCTION crm_manager_acting(what text); Type: ACL; Schema: public; Owner: epic_events_owner
--

REVOKE ALL ON FUNCTION public.crm_manager_acting(what text) FROM PUBLIC;


--
-- Name: TABLE demo_loads; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT SELECT ON TABLE public.demo_loads TO epic_events_app;


--
-- Name: TABLE clients; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT SELECT,INSERT ON TABLE public.clients TO epic_events_app;


--
-- Name: COLUMN clients.full_name; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(full_name) ON TABLE public.clients TO epic_events_app;


--
-- Name: COLUMN clients.email; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(email) ON TABLE public.clients TO epic_events_app;


--
-- Name: COLUMN clients.phone; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(phone) ON TABLE public.clients TO epic_events_app;


--
-- Name: COLUMN clients.company_name; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(company_name) ON TABLE public.clients TO epic_events_app;


--
-- Name: COLUMN clients.sales_contact_id; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(sales_contact_id) ON TABLE public.clients TO epic_events_app;


--
-- Name: COLUMN clients.updated_at; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(updated_at) ON TABLE public.clients TO epic_events_app;


--
-- Name: COLUMN clients.version; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(version) ON TABLE public.clients TO epic_events_app;


--
-- Name: TABLE employees; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT SELECT,INSERT ON TABLE public.employees TO epic_events_app;


--
-- Name: COLUMN employees.updated_at; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(updated_at) ON TABLE public.employees TO epic_events_app;


--
-- Name: FUNCTION demo_load_begin(); Type: ACL; Schema: public; Owner: epic_events_owner
--

REVOKE ALL ON FUNCTION public.demo_load_begin() FROM PUBLIC;
GRANT ALL ON FUNCTION public.demo_load_begin() TO epic_events_app;


--
-- Name: FUNCTION employee_rehash(employee bigint, old_hash text, new_hash text); Type: ACL; Schema: public; Owner: epic_events_owner
--

REVOKE ALL ON FUNCTION public.employee_rehash(employee bigint, old_hash text, new_hash text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.employee_rehash(employee bigint, old_hash text, new_hash text) TO epic_events_app;


--
-- Name: FUNCTION employee_set_active(employee bigint, active boolean); Type: ACL; Schema: public; Owner: epic_events_owner
--

REVOKE ALL ON FUNCTION public.employee_set_active(employee bigint, active boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION public.employee_set_active(employee bigint, active boolean) TO epic_events_app;


--
-- Name: FUNCTION employee_set_own_language(new_language text); Type: ACL; Schema: public; Owner: epic_events_owner
--

REVOKE ALL ON FUNCTION public.employee_set_own_language(new_language text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.employee_set_own_language(new_language text) TO epic_events_app;


--
-- Name: FUNCTION employee_set_password_hash(employee bigint, new_hash text); Type: ACL; Schema: public; Owner: epic_events_owner
--

REVOKE ALL ON FUNCTION public.employee_set_password_hash(employee bigint, new_hash text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.employee_set_password_hash(employee bigint, new_hash text) TO epic_events_app;


--
-- Name: FUNCTION employee_update(employee bigint, expected_version integer, new_username text, new_full_name text, new_email text, new_phone text, new_team text); Type: ACL; Schema: public; Owner: epic_events_owner
--

REVOKE ALL ON FUNCTION public.employee_update(employee bigint, expected_version integer, new_username text, new_full_name text, new_email text, new_phone text, new_team text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.employee_update(employee bigint, expected_version integer, new_username text, new_full_name text, new_email text, new_phone text, new_team text) TO epic_events_app;


--
-- Name: FUNCTION login_attempt_begin(attempt_key text, attempted_at timestamp with time zone, time_window interval); Type: ACL; Schema: public; Owner: epic_events_owner
--

REVOKE ALL ON FUNCTION public.login_attempt_begin(attempt_key text, attempted_at timestamp with time zone, time_window interval) FROM PUBLIC;
GRANT ALL ON FUNCTION public.login_attempt_begin(attempt_key text, attempted_at timestamp with time zone, time_window interval) TO epic_events_app;


--
-- Name: FUNCTION login_attempt_clear(attempt_key text, attempted_at timestamp with time zone); Type: ACL; Schema: public; Owner: epic_events_owner
--

REVOKE ALL ON FUNCTION public.login_attempt_clear(attempt_key text, attempted_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION public.login_attempt_clear(attempt_key text, attempted_at timestamp with time zone) TO epic_events_app;


--
-- Name: FUNCTION login_attempt_lock(attempt_key text, lock_until timestamp with time zone); Type: ACL; Schema: public; Owner: epic_events_owner
--

REVOKE ALL ON FUNCTION public.login_attempt_lock(attempt_key text, lock_until timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION public.login_attempt_lock(attempt_key text, lock_until timestamp with time zone) TO epic_events_app;


--
-- Name: FUNCTION login_attempts_forget(employee bigint); Type: ACL; Schema: public; Owner: epic_events_owner
--

REVOKE ALL ON FUNCTION public.login_attempts_forget(employee bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION public.login_attempts_forget(employee bigint) TO epic_events_app;


--
-- Name: FUNCTION login_device_remember(employee bigint, device_token_hash text); Type: ACL; Schema: public; Owner: epic_events_owner
--

REVOKE ALL ON FUNCTION public.login_device_remember(employee bigint, device_token_hash text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.login_device_remember(employee bigint, device_token_hash text) TO epic_events_app;


--
-- Name: FUNCTION login_throttle_key(typed_username text, device_token_hash text); Type: ACL; Schema: public; Owner: epic_events_owner
--

REVOKE ALL ON FUNCTION public.login_throttle_key(typed_username text, device_token_hash text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.login_throttle_key(typed_username text, device_token_hash text) TO epic_events_app;


--
-- Name: TABLE mail_outbox; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT SELECT ON TABLE public.mail_outbox TO epic_events_app;


--
-- Name: COLUMN mail_outbox.status; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(status) ON TABLE public.mail_outbox TO epic_events_app;


--
-- Name: COLUMN mail_outbox.attempts; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(attempts) ON TABLE public.mail_outbox TO epic_events_app;


--
-- Name: COLUMN mail_outbox.next_attempt_at; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(next_attempt_at) ON TABLE public.mail_outbox TO epic_events_app;


--
-- Name: COLUMN mail_outbox.last_error; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(last_error) ON TABLE public.mail_outbox TO epic_events_app;


--
-- Name: COLUMN mail_outbox.sent_at; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(sent_at) ON TABLE public.mail_outbox TO epic_events_app;


--
-- Name: TABLE notifications; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT SELECT ON TABLE public.notifications TO epic_events_app;


--
-- Name: COLUMN notifications.read_at; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(read_at) ON TABLE public.notifications TO epic_events_app;


--
-- Name: FUNCTION notification_write(recipient bigint, event bigint, what text, diff jsonb, actor bigint); Type: ACL; Schema: public; Owner: epic_events_owner
--

REVOKE ALL ON FUNCTION public.notification_write(recipient bigint, event bigint, what text, diff jsonb, actor bigint) FROM PUBLIC;


--
-- Name: FUNCTION notify_support_of_event_change(); Type: ACL; Schema: public; Owner: epic_events_owner
--

REVOKE ALL ON FUNCTION public.notify_support_of_event_change() FROM PUBLIC;


--
-- Name: TABLE audit_log; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT SELECT ON TABLE public.audit_log TO epic_events_app;


--
-- Name: SEQUENCE clients_id_seq; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT USAGE ON SEQUENCE public.clients_id_seq TO epic_events_app;


--
-- Name: TABLE contracts; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT SELECT,INSERT ON TABLE public.contracts TO epic_events_app;


--
-- Name: COLUMN contracts.total_amount; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(total_amount) ON TABLE public.contracts TO epic_events_app;


--
-- Name: COLUMN contracts.remaining_amount; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(remaining_amount) ON TABLE public.contracts TO epic_events_app;


--
-- Name: COLUMN contracts.is_signed; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(is_signed) ON TABLE public.contracts TO epic_events_app;


--
-- Name: COLUMN contracts.signed_at; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(signed_at) ON TABLE public.contracts TO epic_events_app;


--
-- Name: COLUMN contracts.updated_at; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(updated_at) ON TABLE public.contracts TO epic_events_app;


--
-- Name: COLUMN contracts.version; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(version) ON TABLE public.contracts TO epic_events_app;


--
-- Name: SEQUENCE contracts_id_seq; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT USAGE ON SEQUENCE public.contracts_id_seq TO epic_events_app;


--
-- Name: TABLE employee_digest; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT SELECT,INSERT ON TABLE public.employee_digest TO epic_events_app;


--
-- Name: COLUMN employee_digest.enabled; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(enabled) ON TABLE public.employee_digest TO epic_events_app;


--
-- Name: COLUMN employee_digest.seen_audit_id; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(seen_audit_id) ON TABLE public.employee_digest TO epic_events_app;


--
-- Name: COLUMN employee_digest.updated_at; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(updated_at) ON TABLE public.employee_digest TO epic_events_app;


--
-- Name: SEQUENCE employees_id_seq; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT USAGE ON SEQUENCE public.employees_id_seq TO epic_events_app;


--
-- Name: TABLE events; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT SELECT,INSERT ON TABLE public.events TO epic_events_app;


--
-- Name: COLUMN events.name; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(name) ON TABLE public.events TO epic_events_app;


--
-- Name: COLUMN events.support_contact_id; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(support_contact_id) ON TABLE public.events TO epic_events_app;


--
-- Name: COLUMN events.client_contact; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(client_contact) ON TABLE public.events TO epic_events_app;


--
-- Name: COLUMN events.starts_at; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(starts_at) ON TABLE public.events TO epic_events_app;


--
-- Name: COLUMN events.ends_at; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(ends_at) ON TABLE public.events TO epic_events_app;


--
-- Name: COLUMN events.location; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(location) ON TABLE public.events TO epic_events_app;


--
-- Name: COLUMN events.attendees; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(attendees) ON TABLE public.events TO epic_events_app;


--
-- Name: COLUMN events.notes; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(notes) ON TABLE public.events TO epic_events_app;


--
-- Name: COLUMN events.updated_at; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(updated_at) ON TABLE public.events TO epic_events_app;


--
-- Name: COLUMN events.version; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(version) ON TABLE public.events TO epic_events_app;


--
-- Name: COLUMN events.status; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(status) ON TABLE public.events TO epic_events_app;


--
-- Name: COLUMN events.cancel_reason; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(cancel_reason) ON TABLE public.events TO epic_events_app;


--
-- Name: SEQUENCE events_id_seq; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT USAGE ON SEQUENCE public.events_id_seq TO epic_events_app;


--
-- Name: TABLE exports; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT SELECT,INSERT ON TABLE public.exports TO epic_events_app;


--
-- Name: SEQUENCE exports_id_seq; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT USAGE ON SEQUENCE public.exports_id_seq TO epic_events_app;


--
-- Name: TABLE notes; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT SELECT,INSERT ON TABLE public.notes TO epic_events_app;


--
-- Name: SEQUENCE notes_id_seq; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT USAGE ON SEQUENCE public.notes_id_seq TO epic_events_app;


--
-- Name: TABLE opportunities; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT SELECT,INSERT ON TABLE public.opportunities TO epic_events_app;


--
-- Name: COLUMN opportunities.title; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(title) ON TABLE public.opportunities TO epic_events_app;


--
-- Name: COLUMN opportunities.stage; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(stage) ON TABLE public.opportunities TO epic_events_app;


--
-- Name: COLUMN opportunities.expected_close_on; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(expected_close_on) ON TABLE public.opportunities TO epic_events_app;


--
-- Name: COLUMN opportunities.expected_attendees; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(expected_attendees) ON TABLE public.opportunities TO epic_events_app;


--
-- Name: COLUMN opportunities.amount; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(amount) ON TABLE public.opportunities TO epic_events_app;


--
-- Name: COLUMN opportunities.lost_reason; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(lost_reason) ON TABLE public.opportunities TO epic_events_app;


--
-- Name: COLUMN opportunities.contract_id; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(contract_id) ON TABLE public.opportunities TO epic_events_app;


--
-- Name: COLUMN opportunities.closed_at; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(closed_at) ON TABLE public.opportunities TO epic_events_app;


--
-- Name: COLUMN opportunities.updated_at; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(updated_at) ON TABLE public.opportunities TO epic_events_app;


--
-- Name: COLUMN opportunities.version; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(version) ON TABLE public.opportunities TO epic_events_app;


--
-- Name: SEQUENCE opportunities_id_seq; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT USAGE ON SEQUENCE public.opportunities_id_seq TO epic_events_app;


--
-- Name: TABLE opportunity_lines; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT SELECT,INSERT ON TABLE public.opportunity_lines TO epic_events_app;


--
-- Name: COLUMN opportunity_lines.quantity; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(quantity) ON TABLE public.opportunity_lines TO epic_events_app;


--
-- Name: COLUMN opportunity_lines.unit_price; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(unit_price) ON TABLE public.opportunity_lines TO epic_events_app;


--
-- Name: COLUMN opportunity_lines.is_removed; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(is_removed) ON TABLE public.opportunity_lines TO epic_events_app;


--
-- Name: COLUMN opportunity_lines.updated_at; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(updated_at) ON TABLE public.opportunity_lines TO epic_events_app;


--
-- Name: COLUMN opportunity_lines.version; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(version) ON TABLE public.opportunity_lines TO epic_events_app;


--
-- Name: SEQUENCE opportunity_lines_id_seq; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT USAGE ON SEQUENCE public.opportunity_lines_id_seq TO epic_events_app;


--
-- Name: TABLE opportunity_stages; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT SELECT ON TABLE public.opportunity_stages TO epic_events_app;


--
-- Name: TABLE payments; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT SELECT,INSERT ON TABLE public.payments TO epic_events_app;


--
-- Name: SEQUENCE payments_id_seq; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT USAGE ON SEQUENCE public.payments_id_seq TO epic_events_app;


--
-- Name: TABLE schema_migrations; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT SELECT ON TABLE public.schema_migrations TO epic_events_app;


--
-- Name: TABLE services; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT SELECT,INSERT ON TABLE public.services TO epic_events_app;


--
-- Name: COLUMN services.name; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(name) ON TABLE public.services TO epic_events_app;


--
-- Name: COLUMN services.description; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(description) ON TABLE public.services TO epic_events_app;


--
-- Name: COLUMN services.unit_price; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(unit_price) ON TABLE public.services TO epic_events_app;


--
-- Name: COLUMN services.unit; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(unit) ON TABLE public.services TO epic_events_app;


--
-- Name: COLUMN services.is_active; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(is_active) ON TABLE public.services TO epic_events_app;


--
-- Name: COLUMN services.updated_at; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(updated_at) ON TABLE public.services TO epic_events_app;


--
-- Name: COLUMN services.version; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(version) ON TABLE public.services TO epic_events_app;


--
-- Name: SEQUENCE services_id_seq; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT USAGE ON SEQUENCE public.services_id_seq TO epic_events_app;


--
-- Name: TABLE sessions; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT SELECT,INSERT ON TABLE public.sessions TO epic_events_app;


--
-- Name: COLUMN sessions.last_used_at; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(last_used_at) ON TABLE public.sessions TO epic_events_app;


--
-- Name: COLUMN sessions.reauthenticated_at; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(reauthenticated_at) ON TABLE public.sessions TO epic_events_app;


--
-- Name: COLUMN sessions.ended_at; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(ended_at) ON TABLE public.sessions TO epic_events_app;


--
-- Name: COLUMN sessions.end_reason; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT UPDATE(end_reason) ON TABLE public.sessions TO epic_events_app;


--
-- Name: SEQUENCE sessions_id_seq; Type: ACL; Schema: public; Owner: epic_events_owner
--

GRANT USAGE ON SEQUENCE public.sessions_id_seq TO epic_events_app;


--
-- PostgreSQL database dump complete
--
