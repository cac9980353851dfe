-- History of a contract shows its payments too: find the audit rows of a contract's payments
-- through the index below instead of reading every payment's audit row.
CREATE INDEX audit_log_payment_contract_idx ON audit_log ((((changes -> 'contract_id') ->> 1)::bigint), at DESC, id DESC)
    WHERE table_name = 'payments';
