-- Clients, contracts and payments: the indexes behind their lists, filters and search, and one
-- more rule the database keeps: a client reassigned to another sales contact goes to an active
-- sales employee. (On insert the sales contact is the sales employee creating the client, which
-- the permission layer checks.) Remaining amounts are lowered by the payment's own transaction
-- with a guarded UPDATE; the CHECK in 0001 is the last line of defence.

-- Trigram indexes make ILIKE '%text%' searches fast. pg_trgm is a trusted extension, so the schema
-- owner role that runs migrations may create it; 0004 asks for it too (IF NOT EXISTS).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- "List clients", newest first, paged.
CREATE INDEX clients_created_idx ON clients (created_at DESC, id DESC);
-- Sales' "my clients", newest first; also every lookup of a sales employee's clients.
CREATE INDEX clients_sales_created_idx ON clients (sales_contact_id, created_at DESC, id DESC);
-- Search by name or company: ILIKE '%text%'.
CREATE INDEX clients_full_name_trgm_idx ON clients USING gin (full_name gin_trgm_ops);
CREATE INDEX clients_company_name_trgm_idx ON clients USING gin (company_name gin_trgm_ops);

-- "List contracts", newest first, paged.
CREATE INDEX contracts_created_idx ON contracts (created_at DESC, id DESC);
-- A client's contracts (client detail; a sales employee's contracts through their clients).
CREATE INDEX contracts_client_created_idx ON contracts (client_id, created_at DESC, id DESC);
-- Sales' "contracts not signed" and "contracts not fully paid", newest first.
CREATE INDEX contracts_unsigned_idx ON contracts (created_at DESC, id DESC) WHERE NOT is_signed;
CREATE INDEX contracts_unpaid_idx ON contracts (created_at DESC, id DESC) WHERE remaining_amount > 0;

-- Who recorded payments (an employee's history; keeps the foreign key cheap to check).
CREATE INDEX payments_recorded_by_idx ON payments (recorded_by);

CREATE FUNCTION clients_sales_is_active_sales() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.sales_contact_id IS DISTINCT FROM OLD.sales_contact_id
       AND NOT EXISTS (SELECT 1 FROM employees
                       WHERE id = NEW.sales_contact_id AND team = 'sales' AND is_active) THEN
        RAISE EXCEPTION 'a client''s sales contact must be an active sales employee'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'clients_sales_is_active_sales';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER clients_sales_is_active_sales BEFORE UPDATE OF sales_contact_id ON clients
    FOR EACH ROW EXECUTE FUNCTION clients_sales_is_active_sales();
