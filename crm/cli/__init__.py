"""The scriptable commands: `python -m main <noun> <verb> …`, also installed as `crm`.

One click group per noun (client, contract, event, employee, history), commands named by verb,
options named like the form fields. Every command calls the same services as the menus, through
a backend (crm.services.backend), and maps domain errors to exit statuses (crm.cli.exits). With no
command, `python -m main` starts the interactive program.
"""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    """Run a command (or the interactive program); return the exit status."""
    from crm.cli.root import run

    return run(argv)
