-- Correcting a payment recorded by mistake (a typo in the amount, the wrong contract).
--
-- Payments are facts and stay as they were recorded: nobody edits or deletes one. Management
-- corrects one by recording a correction: a payment row of the opposite amount, on the same
-- contract, naming the payment it cancels. The remaining amount goes back up by that amount (the
-- rule "remaining = total - payments" of 0006 still holds), the audit trail keeps both rows, and
-- the right payment can then be recorded again.

ALTER TABLE payments ADD COLUMN corrects_payment_id bigint UNIQUE REFERENCES payments (id);

-- A payment is more than 0; a correction is less than 0 and names the payment it cancels.
ALTER TABLE payments DROP CONSTRAINT payments_amount_check;
ALTER TABLE payments ADD CONSTRAINT payments_amount_sign CHECK (
    (corrects_payment_id IS NULL AND amount > 0) OR (corrects_payment_id IS NOT NULL AND amount < 0)
);

-- A correction cancels exactly one payment (UNIQUE above), of its own contract, for its whole
-- amount, and a correction is never itself corrected. (The program's role can only insert and
-- read payments, so the row read here cannot change meanwhile.)
CREATE FUNCTION payments_correction_matches() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER payments_correction_matches BEFORE INSERT OR UPDATE ON payments
    FOR EACH ROW WHEN (NEW.corrects_payment_id IS NOT NULL)
    EXECUTE FUNCTION payments_correction_matches();
