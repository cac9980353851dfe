-- Text the program stores is text a terminal can show safely, whoever writes it.
--
-- The forms refuse control characters, bidi controls and the other invisible format characters
-- (crm/validation.py unsafe_characters); until now the database took them from any other writer
-- (an import, the API, a direct connection), so an ESC sequence in a client's name could move the
-- cursor or retitle another employee's terminal, and "Zo\u202ee" could pass for another record.
-- This migration makes the database keep the same rule on every text column the program writes,
-- and the e-mail columns keep the form's e-mail syntax as closely as a regular expression can.
--
-- What the database refuses (crm_text_is_clean):
--   * control characters: C0 (U+0001-U+001F; NUL cannot be stored at all), DEL, C1
--     (U+0080-U+009F) — except tab and line feed in an event's notes;
--   * the format characters of Unicode category Cf (Unicode 14, as Python 3.11 knows them): soft
--     hyphen, the bidi controls U+061C, U+200E/F, U+202A-U+202E, U+2066-U+2069, the zero-width
--     space U+200B, the word joiner and invisible operators U+2060-U+2064, U+206A-U+206F, the BOM
--     U+FEFF, U+FFF9-U+FFFB, and the others listed below; the line and paragraph separators
--     U+2028/U+2029;
--   * ZWJ / ZWNJ (U+200D / U+200C) first, after an ASCII character, or doubled; tag characters
--     (U+E0020-U+E007F) except after the black flag U+1F3F4 or another tag (emoji flags).
-- What only Python refuses (stated here so nobody looks for it in the database): a ZWJ / ZWNJ
-- after a non-ASCII character that is not a letter, mark or symbol, or before one that is not
-- (the database only asks for a non-ASCII character before it); a name made only of invisible
-- letters other than those listed in crm_text_shows (combining marks alone, for example).
--
-- Rows that break the rule (possible only from other writers) are repaired first, so the
-- constraints are valid for every row: control characters become U+FFFD (the replacement
-- character, so the repair shows where something was), invisible characters are removed, and a
-- name left with nothing to show becomes U+FFFD. Each repair bumps the row's version (an editor
-- holding the old one is told to reload) and is in the audit trail with no acting employee.
--
-- The e-mail CHECKs are added NOT VALID: an address the program accepted before (a..b@x.com) or
-- one another writer stored cannot be repaired without guessing what was meant; every new or
-- changed row is checked, and the form asks for a valid address at the row's next edit.
--
-- Not covered here, and why: employees.username (its CHECK already allows ASCII letters, digits,
-- '.', '-', '_' only) and team (a list); login_throttle.username (bookkeeping the program never
-- shows, keyed by whatever was typed at the login prompt); audit_log and schema_migrations (the
-- application role cannot write them).

-- The rule --------------------------------------------------------------------------------------------
-- SQL-standard bodies: parsed once here, no search_path at call time (as f_unaccent in 0008).
CREATE FUNCTION public.crm_text_is_clean(value text, multiline boolean) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN value OPERATOR(pg_catalog.!~) CASE WHEN multiline
        THEN '[\x01-\x08\x0b-\x1f\x7f-\x9f]'
        ELSE '[\x01-\x1f\x7f-\x9f]' END
    AND value OPERATOR(pg_catalog.!~) ('[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e'
        '\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb'
        '\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001]')
    AND value OPERATOR(pg_catalog.!~) '(^|[\x01-\x7f])[\u200c\u200d]|[\u200c\u200d]{2}'
    AND value OPERATOR(pg_catalog.!~) '(^|[^\U0001f3f4\U000e0020-\U000e007f])[\U000e0020-\U000e007f]';
COMMENT ON FUNCTION public.crm_text_is_clean(text, boolean) IS
    'No control, bidi or zero-width character (joiners only inside non-ASCII text); tab and line feed when multiline';

-- A name shows something: a character other than spaces (of any width) and the letters that show
-- nothing (Hangul fillers, the blank Braille pattern).
CREATE FUNCTION public.crm_text_shows(value text) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN value OPERATOR(pg_catalog.~)
        '[^ \t\n\u00a0\u1680\u2000-\u200d\u202f\u205f\u3000\u115f\u1160\u3164\uffa0\u2800\ufeff]';

-- The repair of a value the rule refuses: control characters become U+FFFD, invisible ones go.
CREATE FUNCTION public.crm_text_repaired(value text, multiline boolean) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN pg_catalog.regexp_replace(pg_catalog.regexp_replace(pg_catalog.regexp_replace(
        pg_catalog.regexp_replace(pg_catalog.regexp_replace(
            value,
            CASE WHEN multiline THEN '[\x01-\x08\x0b-\x1f\x7f-\x9f]' ELSE '[\x01-\x1f\x7f-\x9f]' END,
            E'\uFFFD', 'g'),
            '[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b\u200e\u200f\u2028-\u202e'
            '\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438'
            '\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001]', '', 'g'),
        '([\u200c\u200d])[\u200c\u200d]+', '\1', 'g'),
        '(^|[\x01-\x7f])[\u200c\u200d]+', '\1', 'g'),
        '(^|[^\U0001f3f4\U000e0020-\U000e007f])[\U000e0020-\U000e007f]+', '\1', 'g');

-- The e-mail syntax of the form (email-validator, crm/validation.py email), as a regex: a name of
-- dot-separated runs of letters, digits and !#$%&'*+/=?^_`{|}~- (or any non-ASCII character), at
-- most 64 characters, no dot first, last or doubled; a domain of at least two dot-separated labels
-- of letters, digits and inner hyphens (or non-ASCII), each at most 63, the last not only digits
-- nor a special-use name (.arpa .invalid .local .localhost .onion); at most 254 in all.
-- Gaps (only Python refuses them): non-ASCII characters that IDNA or email-validator do not allow
-- in a name or a domain (symbols, for example), "--" in the third and fourth places of a label
-- that is not valid punycode, and lengths counted in punycode rather than characters.
CREATE FUNCTION public.crm_email_is_valid(value text) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN pg_catalog.length(value) <= 254
    AND pg_catalog.length(pg_catalog.split_part(value, '@', 1)) <= 64
    -- (negated classes: the ASCII characters left out, every non-ASCII one in; they are faster)
    AND value OPERATOR(pg_catalog.~)
        '^[^\x01-\x20"(),.:;<>@[\\\]\x7f]+([.][^\x01-\x20"(),.:;<>@[\\\]\x7f]+)*@([^\x01-\x2c./:-@[-`{-\x7f]+[.])+[^\x01-\x2c./:-@[-`{-\x7f]+$'
    -- no label starts or ends with a hyphen, the last is not only digits, none is longer than 63
    AND pg_catalog.split_part(value, '@', 2) OPERATOR(pg_catalog.!~) '(^|[.])-|-([.]|$)|[.][0-9]+$'
    AND CASE WHEN pg_catalog.length(pg_catalog.split_part(value, '@', 2)) < 64 THEN true
             ELSE pg_catalog.split_part(value, '@', 2) OPERATOR(pg_catalog.!~) '[^.]{64}' END
    AND pg_catalog.lower(value) OPERATOR(pg_catalog.!~) '[.](arpa|invalid|local|localhost|onion)$';
COMMENT ON FUNCTION public.crm_email_is_valid(text) IS
    'The form''s e-mail syntax (email-validator) as closely as a regular expression can';

-- Repairs ---------------------------------------------------------------------------------------------
-- Names: repaired, and U+FFFD when nothing visible is left (they cannot be blank).
UPDATE employees
   SET full_name = CASE WHEN public.crm_text_shows(public.crm_text_repaired(full_name, false))
                        THEN public.crm_text_repaired(full_name, false) ELSE E'\uFFFD' END,
       email = public.crm_text_repaired(email, false),
       phone = public.crm_text_repaired(phone, false),
       password_hash = public.crm_text_repaired(password_hash, false),
       updated_at = now(), version = version + 1
 WHERE NOT (public.crm_text_is_clean(full_name, false) AND public.crm_text_shows(full_name)
            AND public.crm_text_is_clean(email, false) AND public.crm_text_is_clean(password_hash, false)
            AND coalesce(public.crm_text_is_clean(phone, false), true));

UPDATE clients
   SET full_name = CASE WHEN public.crm_text_shows(public.crm_text_repaired(full_name, false))
                        THEN public.crm_text_repaired(full_name, false) ELSE E'\uFFFD' END,
       email = public.crm_text_repaired(email, false),
       phone = public.crm_text_repaired(phone, false),
       company_name = public.crm_text_repaired(company_name, false),
       updated_at = now(), version = version + 1
 WHERE NOT (public.crm_text_is_clean(full_name, false) AND public.crm_text_shows(full_name)
            AND public.crm_text_is_clean(email, false) AND public.crm_text_is_clean(company_name, false)
            AND coalesce(public.crm_text_is_clean(phone, false), true));

UPDATE events
   SET name = CASE WHEN public.crm_text_shows(public.crm_text_repaired(name, false))
                   THEN public.crm_text_repaired(name, false) ELSE E'\uFFFD' END,
       client_contact = public.crm_text_repaired(client_contact, false),
       location = public.crm_text_repaired(location, false),
       notes = public.crm_text_repaired(notes, true),
       updated_at = now(), version = version + 1
 WHERE NOT (public.crm_text_is_clean(name, false) AND public.crm_text_shows(name)
            AND public.crm_text_is_clean(client_contact, false) AND public.crm_text_is_clean(location, false)
            AND public.crm_text_is_clean(notes, true));

-- The constraints: one per column, named <table>_<column>_text (crm/services/*.py _RULE_MESSAGES) --
ALTER TABLE employees
    ADD CONSTRAINT employees_full_name_text
        CHECK (public.crm_text_is_clean(full_name, false) AND public.crm_text_shows(full_name)),
    ADD CONSTRAINT employees_email_text CHECK (public.crm_text_is_clean(email, false)),
    ADD CONSTRAINT employees_phone_text CHECK (public.crm_text_is_clean(phone, false)),
    ADD CONSTRAINT employees_password_hash_text CHECK (public.crm_text_is_clean(password_hash, false));

ALTER TABLE clients
    ADD CONSTRAINT clients_full_name_text
        CHECK (public.crm_text_is_clean(full_name, false) AND public.crm_text_shows(full_name)),
    ADD CONSTRAINT clients_email_text CHECK (public.crm_text_is_clean(email, false)),
    ADD CONSTRAINT clients_phone_text CHECK (public.crm_text_is_clean(phone, false)),
    ADD CONSTRAINT clients_company_name_text CHECK (public.crm_text_is_clean(company_name, false));

ALTER TABLE events
    ADD CONSTRAINT events_name_text CHECK (public.crm_text_is_clean(name, false) AND public.crm_text_shows(name)),
    ADD CONSTRAINT events_client_contact_text CHECK (public.crm_text_is_clean(client_contact, false)),
    ADD CONSTRAINT events_location_text CHECK (public.crm_text_is_clean(location, false)),
    ADD CONSTRAINT events_notes_text CHECK (public.crm_text_is_clean(notes, true));

-- E-mail: the form's syntax, replacing 0001's "something@something" (same constraint names).
ALTER TABLE employees DROP CONSTRAINT employees_email_check;
ALTER TABLE employees ADD CONSTRAINT employees_email_check CHECK (public.crm_email_is_valid(email)) NOT VALID;
ALTER TABLE clients DROP CONSTRAINT clients_email_check;
ALTER TABLE clients ADD CONSTRAINT clients_email_check CHECK (public.crm_email_is_valid(email)) NOT VALID;
