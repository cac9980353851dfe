-- Login sessions: one row per login, whichever face it came through (the menus, a command, the
-- API). The token itself never reaches the database: only its SHA-256, so a copy of this table
-- opens no session. A session ends at logout, after its absolute lifetime (expires_at), after
-- too long without use (faces that have no idle lock of their own check last_used_at), and when
-- its employee is deactivated, moved to another team or has their password reset or changed —
-- the trigger below ends those, so every writer (any face, any future one) gets the same rule.
-- Rows are never deleted (the application role has no DELETE): an ended session stays as a
-- record of when someone was logged in.

CREATE TABLE sessions (
    id                 bigint PRIMARY KEY,
    token_hash         bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    employee_id        bigint NOT NULL REFERENCES employees (id),
    face               text NOT NULL CHECK (face IN ('menus', 'commands', 'api', 'web')),
    created_at         timestamptz NOT NULL DEFAULT now(),
    last_used_at       timestamptz NOT NULL DEFAULT now(),
    expires_at         timestamptz NOT NULL,
    reauthenticated_at timestamptz,
    ended_at           timestamptz,
    end_reason         text CHECK (end_reason IN ('logout', 'password', 'deactivated', 'team', 'expired')),
    CONSTRAINT sessions_end CHECK ((ended_at IS NULL) = (end_reason IS NULL)),
    CONSTRAINT sessions_lifetime CHECK (expires_at > created_at)
);
-- Ids from the sequence whatever the writer sends (sql/0011). The dates are the program's: a
-- session's lifetime is measured on the clock of the service that opens and checks it.
CREATE SEQUENCE sessions_id_seq AS bigint OWNED BY sessions.id;
CREATE TRIGGER set_by_database_on_insert BEFORE INSERT ON sessions
    FOR EACH ROW EXECUTE FUNCTION set_by_database_on_insert('public.sessions_id_seq');
-- An employee's open sessions (ended all at once by the trigger).
CREATE INDEX sessions_employee_open_idx ON sessions (employee_id) WHERE ended_at IS NULL;

-- A deactivation, a team change or a new password hash ends the employee's open sessions, in the
-- transaction that makes the change. Not ended: the session that changes its own password
-- (crm.session_id names it, transaction-locally) and a rehash of the same password at login
-- (crm.password_change = 'rehashed', see sql/0005_audit.sql).
CREATE FUNCTION sessions_end_on_employee_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    reason text;
    keep bigint := NULLIF(current_setting('crm.session_id', true), '')::bigint;
BEGIN
    IF OLD.is_active AND NOT NEW.is_active THEN
        reason := 'deactivated';
    ELSIF NEW.team IS DISTINCT FROM OLD.team THEN
        reason := 'team';
    ELSIF NEW.password_hash IS DISTINCT FROM OLD.password_hash
          AND current_setting('crm.password_change', true) IS DISTINCT FROM 'rehashed' THEN
        reason := 'password';
    ELSE
        RETURN NULL;
    END IF;
    UPDATE sessions SET ended_at = now(), end_reason = reason
     WHERE employee_id = NEW.id AND ended_at IS NULL AND id IS DISTINCT FROM keep;
    RETURN NULL;
END $$;
CREATE TRIGGER sessions_end_on_employee_change AFTER UPDATE OF is_active, team, password_hash ON employees
    FOR EACH ROW EXECUTE FUNCTION sessions_end_on_employee_change();
