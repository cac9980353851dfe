-- An employee's own language (sql/0018) is set through this function, by the verified employee
-- themselves (sql/0017): the application role has no UPDATE on employees.language, and the
-- trigger that keeps every other write to employees management's does not apply to its owner.
-- Returns whether it changed (the version goes up and the audit trail records it when it does).

CREATE FUNCTION public.employee_set_own_language(new_language text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    actor bigint := public.crm_actor();
    changed integer;
BEGIN
    IF actor IS NULL THEN
        RAISE EXCEPTION 'an employee''s language is set by that employee, verified'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    UPDATE public.employees SET language = new_language, updated_at = now(), version = version + 1
     WHERE id = actor AND language IS DISTINCT FROM new_language;
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed = 1;
END $$;

REVOKE ALL ON FUNCTION public.employee_set_own_language(text) FROM PUBLIC;
