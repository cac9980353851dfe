-- The sales pipeline (issue 14): the catalogue of services the company sells, and the sale
-- opportunities that become contracts.
--
-- What the database itself keeps, whoever writes:
--   * services: a name unique ignoring case, a unit price >= 0, a unit (per event / guest / hour);
--     never deleted (the application role has no DELETE): retired (is_active = false).
--   * opportunities move through the stage machine below (opportunity_move_allowed), and only
--     there: a new one starts at 'new'; 'won' and 'lost' are final (nothing of a closed opportunity
--     changes again, its lines neither). Lost ones have a reason, won ones their contract (of the
--     same client, for the opportunity's amount when it was won), closed ones the moment they were
--     closed (the database's now(); demo loads and trusted writers may send a past one, sql/0011).
--   * an opportunity's amount is always the sum of its lines (quantity x unit price) that are not
--     removed, checked at COMMIT (a line and the amount it changes are two statements).
--   * a line is added only for an active service; its opportunity and service never change
--     (column grants); a removed line stays removed (lines are never deleted either).
--   * ids from their sequence, creation dates and versions set by the database, versions only go
--     up (sql/0011's triggers), text CHECKs (sql/0010), audit triggers (sql/0005).
-- The owner of an opportunity is its client's sales contact, read through the client (never
-- stored twice), so reassigning a client moves its opportunities with it, as its contracts.

-- Stages and their default probabilities ----------------------------------------------------------
-- Read by everyone (the weighted amount is amount x probability / 100); only the schema owner
-- changes them (README: Pipeline, the probabilities).
CREATE TABLE opportunity_stages (
    stage       text PRIMARY KEY
                CHECK (stage IN ('new', 'qualified', 'proposal', 'negotiation', 'won', 'lost')),
    position    smallint NOT NULL UNIQUE CHECK (position BETWEEN 1 AND 6),
    probability smallint NOT NULL CHECK (probability BETWEEN 0 AND 100),
    is_final    boolean NOT NULL,
    CONSTRAINT opportunity_stages_final CHECK (is_final = (stage IN ('won', 'lost')))
);
INSERT INTO opportunity_stages (stage, position, probability, is_final) VALUES
    ('new', 1, 10, false),
    ('qualified', 2, 25, false),
    ('proposal', 3, 50, false),
    ('negotiation', 4, 75, false),
    ('won', 5, 100, true),
    ('lost', 6, 0, true);

-- The moves an opportunity may make (crm/services/pipeline.py ALLOWED_MOVES says the same): one
-- stage forward, back to any earlier open stage, lost from any open stage, won from negotiation.
CREATE FUNCTION public.opportunity_move_allowed(from_stage text, to_stage text) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN (from_stage, to_stage) IN (
        ('new', 'qualified'), ('qualified', 'proposal'), ('proposal', 'negotiation'),
        ('qualified', 'new'), ('proposal', 'new'), ('proposal', 'qualified'),
        ('negotiation', 'new'), ('negotiation', 'qualified'), ('negotiation', 'proposal'),
        ('new', 'lost'), ('qualified', 'lost'), ('proposal', 'lost'), ('negotiation', 'lost'),
        ('negotiation', 'won'));

-- Services ------------------------------------------------------------------------------------------
CREATE TABLE services (
    id          bigint PRIMARY KEY,
    name        text NOT NULL CHECK (btrim(name) <> '' AND length(name) <= 150),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    unit_price  numeric(12, 2) NOT NULL CHECK (unit_price >= 0),
    unit        text NOT NULL CHECK (unit IN ('event', 'guest', 'hour')),
    is_active   boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    version     integer NOT NULL DEFAULT 1,
    CONSTRAINT services_name_text CHECK (public.crm_text_is_clean(name, false) AND public.crm_text_shows(name)),
    CONSTRAINT services_description_text CHECK (public.crm_text_is_clean(description, true))
);
CREATE SEQUENCE services_id_seq AS bigint OWNED BY services.id;
CREATE UNIQUE INDEX services_name_key ON services (lower(name));
CREATE INDEX services_active_name_idx ON services (is_active, lower(name));

-- Opportunities -------------------------------------------------------------------------------------
CREATE TABLE opportunities (
    id                 bigint PRIMARY KEY,
    client_id          bigint NOT NULL REFERENCES clients (id),
    title              text NOT NULL CHECK (btrim(title) <> '' AND length(title) <= 150),
    stage              text NOT NULL DEFAULT 'new' REFERENCES opportunity_stages (stage),
    expected_close_on  date CHECK (expected_close_on BETWEEN '2000-01-01' AND '2999-12-31'),
    expected_attendees integer NOT NULL DEFAULT 0 CHECK (expected_attendees BETWEEN 0 AND 1000000),
    amount             numeric(12, 2) NOT NULL DEFAULT 0 CHECK (amount >= 0),
    lost_reason        text CHECK (btrim(lost_reason) <> '' AND length(lost_reason) <= 300),
    contract_id        bigint UNIQUE REFERENCES contracts (id),
    closed_at          timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    version            integer NOT NULL DEFAULT 1,
    CONSTRAINT opportunities_reason_when_lost CHECK ((stage = 'lost') = (lost_reason IS NOT NULL)),
    CONSTRAINT opportunities_won_contract CHECK ((stage = 'won') = (contract_id IS NOT NULL)),
    CONSTRAINT opportunities_closed_at CHECK ((stage IN ('won', 'lost')) = (closed_at IS NOT NULL)),
    CONSTRAINT opportunities_title_text
        CHECK (public.crm_text_is_clean(title, false) AND public.crm_text_shows(title)),
    CONSTRAINT opportunities_lost_reason_text CHECK (public.crm_text_is_clean(lost_reason, false))
);
CREATE SEQUENCE opportunities_id_seq AS bigint OWNED BY opportunities.id;
-- The pipeline lists: by stage, then expected close date.
CREATE INDEX opportunities_stage_idx ON opportunities (stage, expected_close_on, id);
-- A client's opportunities (and the foreign key's checks).
CREATE INDEX opportunities_client_idx ON opportunities (client_id);
-- Won / lost this month or quarter.
CREATE INDEX opportunities_closed_idx ON opportunities (closed_at) WHERE closed_at IS NOT NULL;

CREATE TABLE opportunity_lines (
    id             bigint PRIMARY KEY,
    opportunity_id bigint NOT NULL REFERENCES opportunities (id),
    service_id     bigint NOT NULL REFERENCES services (id),
    quantity       integer NOT NULL CHECK (quantity BETWEEN 1 AND 1000000),
    unit_price     numeric(12, 2) NOT NULL CHECK (unit_price >= 0),
    is_removed     boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    version        integer NOT NULL DEFAULT 1
);
CREATE SEQUENCE opportunity_lines_id_seq AS bigint OWNED BY opportunity_lines.id;
CREATE INDEX opportunity_lines_opportunity_idx ON opportunity_lines (opportunity_id, id);
CREATE INDEX opportunity_lines_service_idx ON opportunity_lines (service_id);

-- The stage machine -----------------------------------------------------------------------------------
CREATE FUNCTION opportunities_stage_machine() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER opportunities_stage_machine BEFORE INSERT OR UPDATE ON opportunities
    FOR EACH ROW EXECUTE FUNCTION opportunities_stage_machine();

-- Lines: an active service when added; nothing changes on a closed opportunity; removed for good.
CREATE FUNCTION opportunity_lines_rules() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER opportunity_lines_rules BEFORE INSERT OR UPDATE ON opportunity_lines
    FOR EACH ROW EXECUTE FUNCTION opportunity_lines_rules();

-- Amount = sum of the lines, checked at COMMIT (deferred), as contracts' remaining amounts (0006).
CREATE FUNCTION opportunities_amount_is_sum_of_lines() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE CONSTRAINT TRIGGER opportunities_amount_on_write AFTER INSERT OR UPDATE OF amount ON opportunities
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION opportunities_amount_is_sum_of_lines();
CREATE CONSTRAINT TRIGGER opportunity_lines_add_up
    AFTER INSERT OR UPDATE OF quantity, unit_price, is_removed, opportunity_id OR DELETE ON opportunity_lines
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION opportunities_amount_is_sum_of_lines();

-- Ids, dates and versions (sql/0011) ---------------------------------------------------------------
CREATE TRIGGER set_by_database_on_insert BEFORE INSERT ON services
    FOR EACH ROW EXECUTE FUNCTION set_by_database_on_insert('public.services_id_seq', 'created_at', 'updated_at');
CREATE TRIGGER set_by_database_on_insert BEFORE INSERT ON opportunities
    FOR EACH ROW EXECUTE FUNCTION set_by_database_on_insert('public.opportunities_id_seq', 'created_at', 'updated_at');
CREATE TRIGGER set_by_database_on_insert BEFORE INSERT ON opportunity_lines
    FOR EACH ROW EXECUTE FUNCTION set_by_database_on_insert('public.opportunity_lines_id_seq', 'created_at', 'updated_at');
CREATE TRIGGER versions_only_go_up BEFORE UPDATE ON services
    FOR EACH ROW EXECUTE FUNCTION versions_only_go_up();
CREATE TRIGGER versions_only_go_up BEFORE UPDATE ON opportunities
    FOR EACH ROW EXECUTE FUNCTION versions_only_go_up();
CREATE TRIGGER versions_only_go_up BEFORE UPDATE ON opportunity_lines
    FOR EACH ROW EXECUTE FUNCTION versions_only_go_up();

-- Audit (sql/0005) ------------------------------------------------------------------------------------
ALTER TABLE audit_log DROP CONSTRAINT audit_log_table_name_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_table_name_check
    CHECK (table_name IN ('employees', 'clients', 'contracts', 'payments', 'events',
                          'services', 'opportunities', 'opportunity_lines'));
CREATE TRIGGER audit_insert AFTER INSERT ON services REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_changes();
CREATE TRIGGER audit_update AFTER UPDATE ON services REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_changes();
CREATE TRIGGER audit_insert AFTER INSERT ON opportunities REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_changes();
CREATE TRIGGER audit_update AFTER UPDATE ON opportunities REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_changes();
CREATE TRIGGER audit_insert AFTER INSERT ON opportunity_lines REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_changes();
CREATE TRIGGER audit_update AFTER UPDATE ON opportunity_lines REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_changes();
