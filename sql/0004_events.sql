-- Events: the indexes behind the event lists, filters and search, and one more rule the
-- database keeps: an event's support contact is an active employee of the support team when
-- assigned (checked only when the assignment changes, so deactivating someone later is fine).

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- "List events", newest first, paged.
CREATE INDEX events_created_idx ON events (created_at DESC, id DESC);
-- Date order across all events.
CREATE INDEX events_starts_idx ON events (starts_at);
-- Support's "my events", upcoming first.
CREATE INDEX events_support_starts_idx ON events (support_contact_id, starts_at);
-- Management's "events without support".
CREATE INDEX events_unassigned_idx ON events (created_at DESC, id DESC) WHERE support_contact_id IS NULL;
-- Search by name: ILIKE '%text%'.
CREATE INDEX events_name_trgm_idx ON events USING gin (name gin_trgm_ops);

CREATE FUNCTION events_support_is_active_support() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.support_contact_id IS NOT NULL
       AND (TG_OP = 'INSERT' OR NEW.support_contact_id IS DISTINCT FROM OLD.support_contact_id)
       AND NOT EXISTS (SELECT 1 FROM employees
                       WHERE id = NEW.support_contact_id AND team = 'support' AND is_active) THEN
        RAISE EXCEPTION 'an event''s support contact must be an active support employee'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'events_support_is_active_support';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER events_support_is_active_support BEFORE INSERT OR UPDATE OF support_contact_id ON events
    FOR EACH ROW EXECUTE FUNCTION events_support_is_active_support();
