"""`python -m main --backup FILE` and `--restore FILE`: the questions and the lines around
crm.backup, which does the work."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from crm import backup, validation
from crm import config as config_file
from crm.cli import exits
from crm.config import Config
from crm.db import admin_conninfo
from crm.errors import CRMError
from crm.ui.prompts import Prompts, ask
from crm.ui.wizard import WizardCancelled, ask_location, config_for

EXIT_OK, EXIT_CANCELLED = exits.OK, exits.REFUSED


def size_text(size: int) -> str:
    """1536 → '1.5 KiB'."""
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


class _Progress:
    """A dump: one line per table as pg_dump reaches it. A restore: each table and its rows."""

    def __init__(self) -> None:
        self.table = ""

    def __call__(self, what: str, table: str, amount: int) -> None:
        if what == "restoring":
            print(f"  {table}… ", end="", flush=True)
        elif what == "restored":
            print(f"{amount:,} rows")
        elif table != self.table:  # dumping
            self.table = table
            print(f"  {table}… ({size_text(amount)} written so far)")


def run_backup(prompts: Prompts, config: Config, start_embedded: Callable[..., str], file: str) -> int:
    """Back the CRM database up to `file`; the exit status."""
    path = Path(file).expanduser().absolute()
    try:
        backup.check_target(path)
        if config.embedded:  # its superuser, on the private socket
            admin = start_embedded(config.data_dir, config.keep_running)
        else:
            host, port = config.database.admin_address
            user = prompts.text(
                f"Superuser (or a member of the database's owner role) on {host}:{port}:", "postgres"
            )
            admin = admin_conninfo(config, user, prompts.password("Its password (not stored):"))
        print(f"Backing up database {config.database.name!r} to {path}…")
        result = backup.backup(admin, config.database.name, path, progress=_Progress())
    except (KeyboardInterrupt, EOFError):
        print("Backup cancelled; no file was written.")
        return EXIT_CANCELLED
    except CRMError as error:
        print(error)
        return exits.for_error(error)
    print(f"Backup written: {result.path} ({size_text(result.size)}, {result.tables} tables, mode 0600).")
    print(f"Restore it with: python -m main --restore {result.path}")
    return EXIT_OK


def run_restore(prompts: Prompts, path: Path, start_embedded: Callable[..., str], file: str) -> int:
    """Restore the backup `file` into a new database and write the config at `path`; exit status."""
    try:
        archive = backup.inspect_archive(Path(file))
    except CRMError as error:
        print(error)
        return exits.for_error(error)
    print(
        f"{archive.path}: a backup of database {archive.dbname!r} (schema up to sql/{archive.schema_level}, "
        f"made by pg_dump {archive.dumped_by})."
    )
    try:
        keep = _old_config_name(path) if path.exists() else None
        if keep is not None and not prompts.confirm(
            f"{path} exists: write the restored database's configuration in its place? "
            f"(The current one is kept as {keep.name}.)"
        ):
            raise WizardCancelled
        admin, settings, data_dir = ask_location(prompts, path, start_embedded, retry=False)
        dbname = ask(
            prompts, "Name of the new database:", validation.database_name, archive.dbname or "epic_events"
        )
        print("Restoring…")
        app_password = backup.restore(archive, admin, dbname, progress=_Progress())
        config = config_for(settings, dbname, app_password, data_dir, path)
        if keep is not None:
            os.link(path, keep)
        config_file.write(config)
    except (KeyboardInterrupt, EOFError, WizardCancelled):
        print("Restore cancelled; nothing was changed.")
        return EXIT_CANCELLED
    except CRMError as error:
        print(error)
        return exits.for_error(error)
    print(f"Restored into {dbname!r}; configuration written to {path} (readable only by you).")
    if keep is not None:
        print(f"The previous configuration is kept as {keep}.")
    print("Employees log in with the usernames and passwords they had.")
    return EXIT_OK


def _old_config_name(path: Path) -> Path:
    """crm.ini.old, or crm.ini.old.2, … : the first name not taken."""
    candidate, n = path.with_name(path.name + ".old"), 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}.old.{n}")
    return candidate
