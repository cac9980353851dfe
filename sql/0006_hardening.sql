-- Hardening after the security review: rules the database now keeps itself.
--
-- 1. Event dates stay within years every part of the program can read and show.
-- 2. A contract's remaining amount is always its total minus the payments recorded on it.
-- 3. "An active sales / support employee" is checked under a row lock, so a deactivation running
--    at the same time cannot slip past it; a new client's sales contact is checked too.
--
-- Rows written before these rules that break them (only possible through the defects they close)
-- are repaired first, so each rule holds for every row; the audit trail records each repair with
-- no acting employee.

-- 1. Event dates ------------------------------------------------------------------------------------
-- The program accepts typed years 2000 to 2999 (crm/validation.py YEAR_MIN, YEAR_MAX) in any time
-- zone, which is at most 3000-01-01 in UTC; the bounds here leave room around that. Beyond them,
-- year 10000 in UTC cannot be read back by the driver, nor 9999-12-31 shown in a zone east of UTC.
UPDATE events
   SET starts_at = least(greatest(starts_at, '1900-01-01 00:00+00'), '3000-12-31 23:59+00'),
       ends_at   = least(greatest(ends_at, '1900-01-01 00:00+00'), '3000-12-31 23:59+00'),
       updated_at = now(), version = version + 1
 WHERE starts_at < '1900-01-01 00:00+00' OR ends_at >= '3001-01-01 00:00+00';

-- With events_end_after_start (ends_at >= starts_at), this bounds both dates on both sides.
ALTER TABLE events ADD CONSTRAINT events_dates_in_range
    CHECK (starts_at >= '1900-01-01 00:00+00' AND ends_at < '3001-01-01 00:00+00');

-- 2. Remaining = total - payments -------------------------------------------------------------------
-- The payments are the facts (who recorded what, when); the remaining amount follows from them.
-- Repair: the remaining amount of every contract becomes its total minus its payments; a contract
-- paid beyond its total (its total was lowered below what was paid) gets a total of what was paid.
WITH paid AS (
    SELECT c.id, c.total_amount, coalesce(sum(p.amount), 0) AS paid
      FROM contracts c LEFT JOIN payments p ON p.contract_id = c.id
     GROUP BY c.id
)
UPDATE contracts c
   SET total_amount = greatest(paid.total_amount, paid.paid),
       remaining_amount = greatest(paid.total_amount, paid.paid) - paid.paid,
       updated_at = now(), version = c.version + 1
  FROM paid
 WHERE paid.id = c.id AND c.remaining_amount <> c.total_amount - paid.paid;

-- Checked at COMMIT (deferred): a payment lowers the remaining amount and is inserted in two
-- statements of one transaction (crm/services/contracts.py record_payment), and the demo loader
-- copies contracts before their payments. The check reads the contract and its payments as they
-- are at commit; the program writes both only while holding the contract's row lock.
CREATE FUNCTION contracts_remaining_is_total_minus_paid() RETURNS trigger LANGUAGE plpgsql AS $$
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

-- A new contract has no payments yet: only one inserted with less remaining than its total needs
-- checking (its payments, inserted later in the transaction, are checked by the payments trigger).
CREATE CONSTRAINT TRIGGER contracts_remaining_on_insert AFTER INSERT ON contracts
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.remaining_amount <> NEW.total_amount)
    EXECUTE FUNCTION contracts_remaining_is_total_minus_paid();
CREATE CONSTRAINT TRIGGER contracts_remaining_on_update AFTER UPDATE OF total_amount, remaining_amount ON contracts
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION contracts_remaining_is_total_minus_paid();
CREATE CONSTRAINT TRIGGER payments_add_up AFTER INSERT OR UPDATE OF amount, contract_id OR DELETE ON payments
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION contracts_remaining_is_total_minus_paid();

-- 3. Active sales / support, under lock -------------------------------------------------------------
-- FOR SHARE (FOR KEY SHARE would not do: a deactivation updates is_active, not the key): a
-- deactivation or team change of that employee waits for this transaction to end, and one that
-- committed first is seen here (the row is read again at its newest version), so no client or
-- event is given to an employee who stopped being active sales / support at the same moment.
-- The app role's UPDATE right on employees (crm/setup.py) is what lets it take the lock.
CREATE OR REPLACE FUNCTION clients_sales_is_active_sales() RETURNS trigger LANGUAGE plpgsql AS $$
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
-- Now on INSERT too: a client is created with an active sales employee as its sales contact.
DROP TRIGGER clients_sales_is_active_sales ON clients;
CREATE TRIGGER clients_sales_is_active_sales BEFORE INSERT OR UPDATE OF sales_contact_id ON clients
    FOR EACH ROW EXECUTE FUNCTION clients_sales_is_active_sales();

CREATE OR REPLACE FUNCTION events_support_is_active_support() RETURNS trigger LANGUAGE plpgsql AS $$
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
