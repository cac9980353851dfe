-- Accent-insensitive search: "lefevre" finds "Lefèvre", "zoe" finds "Zoé" and "ZOÉ" finds "Zoe".
-- Client and event searches compare f_unaccent(column) ILIKE f_search_pattern(text), and the
-- trigram indexes below are built on exactly those f_unaccent(column) expressions.
--
-- unaccent is a trusted extension (PostgreSQL 13+), so the schema owner role that runs migrations
-- may create it, as it creates pg_trgm in 0003/0004.
CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;

-- unaccent() is only STABLE (its rules could be reloaded), and an index expression must be
-- IMMUTABLE: the wrapper promises it is. Its body is an SQL-standard body, parsed here and bound
-- to the function and dictionary found now (by oid), so no search_path at call time — a caller's,
-- or the restricted one of VACUUM/ANALYZE/REINDEX — can change what it runs. That is what a
-- `SET search_path` clause would fix, without its per-call cost. The DO block names the schema the
-- extension really lives in (public, unless it was there before in another schema).
-- Like every function, both are executable by PUBLIC: only the owner and the application role
-- have USAGE on schema public (crm/setup.py), and the application role needs them to search.
DO $do$
DECLARE
    home text := (SELECT quote_ident(n.nspname)
                    FROM pg_catalog.pg_extension x
                    JOIN pg_catalog.pg_namespace n ON n.oid = x.extnamespace
                   WHERE x.extname = 'unaccent');
BEGIN
    EXECUTE format(
        'CREATE FUNCTION public.f_unaccent(text) RETURNS text'
        ' LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE'
        ' RETURN %s.unaccent(%L::pg_catalog.regdictionary, $1)',
        home, home || '.unaccent');
END
$do$;
COMMENT ON FUNCTION public.f_unaccent(text) IS
    'unaccent() as IMMUTABLE, for the search indexes: "Zoé Lefèvre" -> "Zoe Lefevre"';

-- The ILIKE pattern that finds `text` anywhere in an f_unaccent(column): accents removed first,
-- then its own % _ and \ escaped, so they match literally — even those unaccent() makes out of
-- other characters (a full-width ％ becomes %). Called with a constant, it is computed once while
-- the query is planned, and the planner sees the pattern the trigram indexes need.
CREATE FUNCTION public.f_search_pattern(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN '%'
        || pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(public.f_unaccent($1),
               E'\\', E'\\\\'), '%', E'\\%'), '_', E'\\_')
        || '%';
COMMENT ON FUNCTION public.f_search_pattern(text) IS
    'The ILIKE pattern matching text anywhere in an f_unaccent() value, its % _ \ taken literally';

-- The search indexes, on what the searches compare; they replace the plain trigram indexes of
-- 0003/0004, which no query uses any more.
CREATE INDEX clients_full_name_search_idx ON clients USING gin (public.f_unaccent(full_name) gin_trgm_ops);
CREATE INDEX clients_company_name_search_idx ON clients USING gin (public.f_unaccent(company_name) gin_trgm_ops);
CREATE INDEX events_name_search_idx ON events USING gin (public.f_unaccent(name) gin_trgm_ops);
DROP INDEX clients_full_name_trgm_idx;
DROP INDEX clients_company_name_trgm_idx;
DROP INDEX events_name_trgm_idx;
