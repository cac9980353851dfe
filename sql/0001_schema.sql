-- Epic Events CRM — core schema.
-- Applied once, in one transaction, by crm/migrations.py while the schema owner role is active.
-- Rules that protect the data live here too (CHECKs, triggers), so no code path can skip them.

CREATE TABLE employees (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      text NOT NULL CHECK (username ~ '^[A-Za-z0-9._-]{3,40}$'),
    full_name     text NOT NULL CHECK (btrim(full_name) <> '' AND length(full_name) <= 150),
    email         text NOT NULL CHECK (length(email) BETWEEN 3 AND 254 AND email LIKE '%_@_%'),
    phone         text CHECK (length(phone) <= 40),
    team          text NOT NULL CHECK (team IN ('management', 'sales', 'support')),
    is_active     boolean NOT NULL DEFAULT true,
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    version       integer NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX employees_username_key ON employees (lower(username));
CREATE UNIQUE INDEX employees_email_key ON employees (lower(email));
CREATE INDEX employees_team_idx ON employees (team, is_active);

-- Failed-login bookkeeping, keyed by the lower-cased username as typed (whether or not it
-- exists, so the lock itself reveals nothing).
CREATE TABLE login_throttle (
    username         text PRIMARY KEY,
    failures         integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
    first_failure_at timestamptz,
    locked_until     timestamptz
);

CREATE TABLE clients (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    full_name        text NOT NULL CHECK (btrim(full_name) <> '' AND length(full_name) <= 150),
    email            text NOT NULL CHECK (length(email) BETWEEN 3 AND 254 AND email LIKE '%_@_%'),
    phone            text CHECK (length(phone) <= 40),
    company_name     text NOT NULL DEFAULT '' CHECK (length(company_name) <= 150),
    sales_contact_id bigint NOT NULL REFERENCES employees (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    version          integer NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX clients_email_key ON clients (lower(email));

-- A contract's sales contact is always its client's: it is read through the client, never stored
-- twice, so reassigning a client moves its contracts with it.
CREATE TABLE contracts (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id        bigint NOT NULL REFERENCES clients (id),
    total_amount     numeric(12, 2) NOT NULL CHECK (total_amount >= 0),
    remaining_amount numeric(12, 2) NOT NULL,
    is_signed        boolean NOT NULL DEFAULT false,
    signed_at        timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    version          integer NOT NULL DEFAULT 1,
    CONSTRAINT contracts_remaining_range CHECK (remaining_amount >= 0 AND remaining_amount <= total_amount),
    CONSTRAINT contracts_signed_at CHECK (is_signed = (signed_at IS NOT NULL))
);

CREATE FUNCTION contracts_never_unsign() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.is_signed AND NOT NEW.is_signed THEN
        RAISE EXCEPTION 'a signed contract cannot be un-signed'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'contracts_never_unsign';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER contracts_never_unsign BEFORE UPDATE OF is_signed ON contracts
    FOR EACH ROW EXECUTE FUNCTION contracts_never_unsign();

CREATE TABLE payments (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contract_id  bigint NOT NULL REFERENCES contracts (id),
    amount       numeric(12, 2) NOT NULL CHECK (amount > 0),
    paid_at      timestamptz NOT NULL DEFAULT now(),
    recorded_by  bigint NOT NULL REFERENCES employees (id),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payments_contract_idx ON payments (contract_id, paid_at DESC);

-- One event per contract: the event is what a signed contract is for.
CREATE TABLE events (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name               text NOT NULL CHECK (btrim(name) <> '' AND length(name) <= 150),
    contract_id        bigint NOT NULL UNIQUE REFERENCES contracts (id),
    support_contact_id bigint REFERENCES employees (id),
    client_contact     text NOT NULL DEFAULT '' CHECK (length(client_contact) <= 300),
    starts_at          timestamptz NOT NULL,
    ends_at            timestamptz NOT NULL,
    location           text NOT NULL DEFAULT '' CHECK (length(location) <= 300),
    attendees          integer NOT NULL DEFAULT 0 CHECK (attendees >= 0),
    notes              text NOT NULL DEFAULT '' CHECK (length(notes) <= 5000),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    version            integer NOT NULL DEFAULT 1,
    CONSTRAINT events_end_after_start CHECK (ends_at >= starts_at)
);

CREATE FUNCTION events_need_signed_contract() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM contracts WHERE id = NEW.contract_id AND is_signed) THEN
        RAISE EXCEPTION 'an event needs a signed contract'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'events_need_signed_contract';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER events_need_signed_contract BEFORE INSERT OR UPDATE OF contract_id ON events
    FOR EACH ROW EXECUTE FUNCTION events_need_signed_contract();
