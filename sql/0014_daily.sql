-- What employees need every day (issue 15): notes on clients and events, the login digest's
-- per-employee settings, and the indexes that keep every line of the digest one indexed statement.
--
-- Notes (docs/rules.md §4): an append-only thread on a client or an event. The application role
-- may INSERT and SELECT notes, never UPDATE or DELETE them (crm/setup.py APP_PRIVILEGES): a
-- correction is a new note. The database sets a note's id and creation date, and its author is the
-- transaction's acting employee (crm.employee_id, crm/db.py), whatever the writer sends. Notes are
-- not copied into audit_log: a note is already its own record of who wrote what and when, and it
-- never changes; a record's history reads its notes directly (crm/repositories/audit.py).
--
-- The digest's settings (employee_digest): whether the employee sees the digest at login, and the
-- "seen up to" mark — the id of the last audit row their previous digest covered, so "my events
-- changed since my last login" reads only the audit rows after it. Bookkeeping, like sessions: not
-- audited. The mark only goes up and never past the newest audit row, whoever writes it.

-- Notes --------------------------------------------------------------------------------------------

CREATE TABLE notes (
    id         bigint PRIMARY KEY,
    client_id  bigint REFERENCES clients (id),
    event_id   bigint REFERENCES events (id),
    author_id  bigint NOT NULL REFERENCES employees (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    body       text NOT NULL,
    -- On exactly one record: a client or an event.
    CONSTRAINT notes_one_record CHECK (num_nonnulls(client_id, event_id) = 1),
    CONSTRAINT notes_body_check CHECK (char_length(body) BETWEEN 1 AND 2000),
    -- The text rule of sql/0010_text_rules.sql (tabs and line feeds allowed), and something to show.
    CONSTRAINT notes_body_text CHECK (crm_text_is_clean(body, true) AND crm_text_shows(body))
);
-- Ids from their sequence, as every table since sql/0011 (no identity the writer could override).
CREATE SEQUENCE notes_id_seq AS bigint OWNED BY notes.id;
-- A record's notes, latest first (its detail and its history).
CREATE INDEX notes_client_idx ON notes (client_id, created_at DESC, id DESC) WHERE client_id IS NOT NULL;
CREATE INDEX notes_event_idx ON notes (event_id, created_at DESC, id DESC) WHERE event_id IS NOT NULL;
-- Keeps the author's foreign key cheap to check.
CREATE INDEX notes_author_idx ON notes (author_id);

-- The id, the creation date and the author are the database's (trusted writers excepted, as in
-- sql/0011: the owner and superusers).
CREATE FUNCTION public.notes_set_by_database() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    actor bigint := NULLIF(current_setting('crm.employee_id', true), '')::bigint;
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
CREATE TRIGGER set_by_database_on_insert BEFORE INSERT ON notes
    FOR EACH ROW EXECUTE FUNCTION notes_set_by_database();

-- The digest's settings ----------------------------------------------------------------------------

CREATE TABLE employee_digest (
    employee_id   bigint PRIMARY KEY REFERENCES employees (id),
    enabled       boolean NOT NULL DEFAULT true,
    seen_audit_id bigint NOT NULL DEFAULT 0 CHECK (seen_audit_id >= 0),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- updated_at is the database's; the mark never goes back nor past the newest audit row.
CREATE FUNCTION public.employee_digest_set_by_database() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER set_by_database_on_insert BEFORE INSERT ON employee_digest
    FOR EACH ROW EXECUTE FUNCTION employee_digest_set_by_database();
CREATE TRIGGER employee_digest_mark_goes_up BEFORE UPDATE ON employee_digest
    FOR EACH ROW EXECUTE FUNCTION employee_digest_set_by_database();

-- The digest's indexes (crm/repositories/digest.py) ------------------------------------------------

-- Sales: my clients not contacted for 90 days (least recently contacted first).
CREATE INDEX clients_sales_updated_idx ON clients (sales_contact_id, updated_at) INCLUDE (id);
-- Sales: my contracts not signed / not fully paid, client by client.
CREATE INDEX contracts_client_unsigned_idx ON contracts (client_id) WHERE NOT is_signed;
CREATE INDEX contracts_client_unpaid_idx ON contracts (client_id) WHERE remaining_amount > 0;
-- Management: contracts signed but not fully paid, oldest signature first.
CREATE INDEX contracts_signed_unpaid_idx ON contracts (signed_at) WHERE is_signed AND remaining_amount > 0;
-- Events a support employee still has to run (not ended): the hand-over and deactivated owners.
CREATE INDEX events_support_ends_idx ON events (support_contact_id, ends_at);
-- Support: event changes after the seen mark, in audit order (read from the index alone).
CREATE INDEX audit_log_event_updates_idx ON audit_log (id) INCLUDE (record_id, employee_id)
    WHERE table_name = 'events' AND action = 'update';
