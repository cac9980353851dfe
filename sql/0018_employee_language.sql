-- The language of each employee's screens (issue 16): 'en' or 'fr', chosen in the menus' My account
-- → Language; NULL (the default) follows the program's `[ui] language` setting. Setting it is an
-- update of the employee like any other (its version goes up, the audit trail records it).

ALTER TABLE employees
    ADD COLUMN language text NULL CONSTRAINT employees_language_check CHECK (language IN ('en', 'fr'));
