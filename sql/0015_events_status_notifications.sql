-- Events get a status, and support employees are told when an event of theirs changes (issue 15
-- §2 and §3).
--
-- 1. Event status: planned → confirmed → done, or cancelled (from planned or confirmed) with a
--    reason. The database keeps the moves for every writer, the schema owner included (trigger
--    events_status_moves); a new row written by the application role starts planned. Done and
--    cancelled events are "closed": they leave the lists of open work (crm/repositories/events.py).
-- 2. Notifications: when an event is assigned to a support employee, taken away from them, or its
--    dates, location, attendees or status change, each support employee concerned gets a row here,
--    written by a trigger in the transaction of the change (so a rolled-back change leaves none),
--    unless they made the change themselves. The application role may only read them and mark
--    its own employee's as read (once: read_at is the database's now()).
-- 3. The e-mail outbox: one row per notification, in the same transaction; the program sends them
--    after commit when [mail] is configured (crm/services/mail.py), claiming each row with FOR
--    UPDATE SKIP LOCKED and marking it sent in the transaction of the send. The application role
--    may move a row only forward: pending → sent / failed / expired, attempts never go down.
--
-- Who acted comes from crm.employee_id, as for the audit trail (sql/0005_audit.sql). Grants are in
-- crm/setup.py (APP_PRIVILEGES, APP_UPDATE_COLUMNS).

-- 1. Event status ---------------------------------------------------------------------------------
ALTER TABLE events
    ADD COLUMN status text NOT NULL DEFAULT 'planned'
        CONSTRAINT events_status_check CHECK (status IN ('planned', 'confirmed', 'done', 'cancelled')),
    ADD COLUMN cancel_reason text
        CONSTRAINT events_cancel_reason_check CHECK (btrim(cancel_reason) <> '' AND length(cancel_reason) <= 500),
    ADD CONSTRAINT events_cancel_reason_needed CHECK ((status = 'cancelled') = (cancel_reason IS NOT NULL)),
    ADD CONSTRAINT events_cancel_reason_text CHECK (public.crm_text_is_clean(cancel_reason, false));

CREATE FUNCTION public.events_status_moves() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER events_status_moves BEFORE INSERT OR UPDATE OF status ON events
    FOR EACH ROW EXECUTE FUNCTION public.events_status_moves();

-- The open events of a support employee, and those without support, upcoming first.
CREATE INDEX events_open_support_starts_idx ON events (support_contact_id, starts_at)
    WHERE status IN ('planned', 'confirmed');
-- The agenda: the events that are not cancelled and overlap a week (however long they last).
CREATE INDEX events_agenda_idx ON events USING gist (tstzrange(starts_at, ends_at, '[]'))
    WHERE status <> 'cancelled';

-- 2. Notifications --------------------------------------------------------------------------------
-- Ids from a sequence only the owner's trigger draws (no identity column: sql/0011).
CREATE SEQUENCE notifications_id_seq AS bigint;
CREATE TABLE notifications (
    id          bigint PRIMARY KEY DEFAULT nextval('notifications_id_seq'),
    employee_id bigint NOT NULL REFERENCES employees (id),  -- the support employee told
    event_id    bigint NOT NULL REFERENCES events (id),
    kind        text NOT NULL CHECK (kind IN ('assigned', 'unassigned', 'changed')),
    -- field -> [old, new]: starts_at, ends_at, location, attendees, status, cancel_reason, and
    -- support_contact (names) for an assignment
    changes     jsonb NOT NULL CHECK (jsonb_typeof(changes) = 'object'),
    changed_by  bigint REFERENCES employees (id),  -- null: outside the program
    created_at  timestamptz NOT NULL DEFAULT now(),
    read_at     timestamptz,
    CONSTRAINT notifications_read_after_created CHECK (read_at >= created_at)
);
ALTER SEQUENCE notifications_id_seq OWNED BY notifications.id;
-- An employee's notifications, newest first; the unread ones and their count.
CREATE INDEX notifications_employee_idx ON notifications (employee_id, id DESC);
CREATE INDEX notifications_unread_idx ON notifications (employee_id, id DESC) WHERE read_at IS NULL;
CREATE INDEX notifications_event_idx ON notifications (event_id);
CREATE INDEX notifications_changed_by_idx ON notifications (changed_by);

-- 3. The e-mail outbox ----------------------------------------------------------------------------
CREATE SEQUENCE mail_outbox_id_seq AS bigint;
CREATE TABLE mail_outbox (
    id              bigint PRIMARY KEY DEFAULT nextval('mail_outbox_id_seq'),
    notification_id bigint NOT NULL UNIQUE REFERENCES notifications (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sent', 'failed', 'expired')),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts BETWEEN 0 AND 1000),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text CHECK (length(last_error) <= 500),
    sent_at         timestamptz,
    CONSTRAINT mail_outbox_sent_at CHECK ((status = 'sent') = (sent_at IS NOT NULL)),
    CONSTRAINT mail_outbox_last_error_text CHECK (public.crm_text_is_clean(last_error, false))
);
ALTER SEQUENCE mail_outbox_id_seq OWNED BY mail_outbox.id;
-- What the next drain sends, oldest first.
CREATE INDEX mail_outbox_pending_idx ON mail_outbox (next_attempt_at, id) WHERE status = 'pending';

-- Writing them: the owner's trigger, in the transaction of the change ------------------------------
CREATE FUNCTION public.notification_write(recipient bigint, event bigint, what text, diff jsonb, actor bigint)
    RETURNS void
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    WITH told AS (
        INSERT INTO public.notifications (employee_id, event_id, kind, changes, changed_by)
        VALUES (recipient, event, what, diff, actor)
        RETURNING id
    )
    INSERT INTO public.mail_outbox (notification_id) SELECT told.id FROM told;
END;
REVOKE ALL ON FUNCTION public.notification_write(bigint, bigint, text, jsonb, bigint) FROM PUBLIC;

CREATE FUNCTION public.notify_support_of_event_change() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET TimeZone = 'UTC'
AS $$
DECLARE
    actor bigint := NULLIF(current_setting('crm.employee_id', true), '')::bigint;
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
REVOKE ALL ON FUNCTION public.notify_support_of_event_change() FROM PUBLIC;

-- Updates only: the program creates events without a support employee (assigning one is an
-- update), and bulk loads (the demo data) are not news to anyone.
CREATE TRIGGER notify_support_on_update
    AFTER UPDATE OF support_contact_id, starts_at, ends_at, location, attendees, status, cancel_reason ON events
    FOR EACH ROW EXECUTE FUNCTION public.notify_support_of_event_change();

-- What the application role may change --------------------------------------------------------------
-- A notification is marked read once, by the employee it tells, at the database's now().
CREATE FUNCTION public.notifications_read_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF public.writer_is_trusted() THEN
        RETURN NEW;
    END IF;
    IF OLD.read_at IS NOT NULL OR NEW.read_at IS NULL
       OR NEW.employee_id IS DISTINCT FROM NULLIF(current_setting('crm.employee_id', true), '')::bigint THEN
        RAISE EXCEPTION 'a notification is marked read once, by the employee it tells'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'notifications_read_once';
    END IF;
    NEW.read_at := now();
    RETURN NEW;
END $$;
CREATE TRIGGER notifications_read_once BEFORE UPDATE ON notifications
    FOR EACH ROW EXECUTE FUNCTION public.notifications_read_once();

-- An outbox row moves only forward: a row that left 'pending' never changes again (a sent e-mail
-- is never sent twice), attempts never go down, and sent_at is the database's now().
CREATE FUNCTION public.mail_outbox_moves() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER mail_outbox_moves BEFORE UPDATE ON mail_outbox
    FOR EACH ROW EXECUTE FUNCTION public.mail_outbox_moves();
