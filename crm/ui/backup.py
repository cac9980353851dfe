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
from crm.i18n import _
from crm.ui.prompts import Prompts, ask
from crm.ui.wizard import WizardCancelled, ask_location, config_for

EXIT_OK, EXIT_CANCELLED = exits.OK, exits.REFUSED


def size_text(size: int) -> str:
    """1536 → '1.5 KiB'."""
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return _("{value:.0f} bytes").format(value=value) if unit == "bytes" else f"{value:.1f} {unit}"
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
            print(_("{amount:,} rows").format(amount=amount))
        elif table != self.table:  # dumping
            self.table = table
            print(_("  {table}… ({amount} written so far)").format(table=table, amount=size_text(amount)))


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
                _("Superuser (or a member of the database's owner role) on {host}:{port}:").format(
                    host=host, port=port
                ),
                "postgres",
            )
            admin = admin_conninfo(config, user, prompts.password(_("Its password (not stored):")))
        print(_("Backing up database {name!r} to {path}…").format(name=config.database.name, path=path))
        result = backup.backup(admin, config.database.name, path, progress=_Progress())
    except (KeyboardInterrupt, EOFError):
        print(_("Backup cancelled; no file was written."))
        return EXIT_CANCELLED
    except CRMError as error:
        print(error)
        return exits.for_error(error)
    print(
        _("Backup written: {path} ({size}, {tables} tables, mode 0600).").format(
            path=result.path, size=size_text(result.size), tables=result.tables
        )
    )
    print(_("Restore it with: python -m main --restore {path}").format(path=result.path))
    return EXIT_OK


def run_restore(prompts: Prompts, path: Path, start_embedded: Callable[..., str], file: str) -> int:
    """Restore the backup `file` into a new database and write the config at `path`; exit status."""
    try:
        archive = backup.inspect_archive(Path(file))
    except CRMError as error:
        print(error)
        return exits.for_error(error)
    print(
        _(
            "{path}: a backup of database {dbname!r} (schema up to sql/{schema_level}, "
            "made by pg_dump {dumped_by})."
        ).format(
            path=archive.path,
            dbname=archive.dbname,
            schema_level=archive.schema_level,
            dumped_by=archive.dumped_by,
        )
    )
    try:
        keep = _old_config_name(path) if path.exists() else None
        if keep is not None and not prompts.confirm(
            _(
                "{path} exists: write the restored database's configuration in its place? "
                "(The current one is kept as {name}.)"
            ).format(path=path, name=keep.name)
        ):
            raise WizardCancelled
        admin, settings, data_dir = ask_location(prompts, path, start_embedded, retry=False)
        dbname = ask(
            prompts, _("Name of the new database:"), validation.database_name, archive.dbname or "epic_events"
        )
        print(_("Restoring…"))
        app_password = backup.restore(archive, admin, dbname, progress=_Progress())
        config = config_for(settings, dbname, app_password, data_dir, path)
        if keep is not None:
            os.link(path, keep)
        config_file.write(config)
    except (KeyboardInterrupt, EOFError, WizardCancelled):
        print(_("Restore cancelled; nothing was changed."))
        return EXIT_CANCELLED
    except CRMError as error:
        print(error)
        return exits.for_error(error)
    print(
        _("Restored into {dbname!r}; configuration written to {path} (readable only by you).").format(
            dbname=dbname, path=path
        )
    )
    if keep is not None:
        print(_("The previous configuration is kept as {keep}.").format(keep=keep))
    print(_("Employees log in with the usernames and passwords they had."))
    return EXIT_OK


def _old_config_name(path: Path) -> Path:
    """crm.ini.old, or crm.ini.old.2, … : the first name not taken."""
    candidate, n = path.with_name(path.name + ".old"), 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}.old.{n}")
    return candidate
