"""`python -m main serve`: the HTTP API (crm/web) on uvicorn.

The database is opened like the menus open it (the embedded server started and kept running
while the API runs, pending migrations applied where the program may; or the configured central
server), then each worker holds a pool of application-role connections ([api] pool_min /
pool_max). Everything about a session is in PostgreSQL, so any number of `serve` processes, on
any number of machines, can share one database. SIGTERM (or Ctrl-C) stops it cleanly: requests
in flight finish, the pool closes, the embedded server is released, and the exit status is 0.
"""

from __future__ import annotations

import os
import signal
import stat
from pathlib import Path
from typing import Any

import click

from crm.cli.common import pass_context
from crm.cli.context import CommandContext
from crm.cli.output import note
from crm.i18n import _

SOCKET_DIR = "CRM_API_SOCKET_DIR"  # the embedded server's socket folder, for the workers


def build_app(config: Any, conninfo: str) -> Any:
    """The API of a config, on a pool of connections to conninfo."""
    from crm.services.pool import DatabasePool
    from crm.web.app import create_app

    pool = DatabasePool(conninfo, config.api_pool_min, config.api_pool_max)
    return create_app(pool, config.session_policy(idle_lock_of_its_own=False))


def worker_app() -> Any:
    """The app of one worker process (`--workers N`): the config from $CRM_CONFIG, the embedded
    server's socket folder from the parent."""
    from crm import config as config_file
    from crm import monitoring
    from crm.db import app_conninfo, use_prepare_threshold
    from crm.services import mail

    config = config_file.load()
    monitoring.init(config)
    use_prepare_threshold(config.database.prepare_threshold)
    mail.configure(config.mail)  # API event writes e-mail their notifications after commit
    return build_app(config, app_conninfo(config, os.environ.get(SOCKET_DIR) or None))


class _Stopped(Exception):
    """SIGTERM or Ctrl-C, after uvicorn's own graceful shutdown (it raises the signal again)."""


def _stop_on_signals() -> None:
    def stop(_signum: int, _frame: object) -> None:
        raise _Stopped()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def _tls_options(certfile: Path | None, keyfile: Path | None) -> dict[str, Any]:
    """uvicorn's TLS options: both files or neither; the private key readable by its owner only."""
    from crm.errors import ConfigError

    if certfile is None and keyfile is None:
        return {}
    if certfile is None or keyfile is None:
        raise click.UsageError(_("Give both --tls-certfile and --tls-keyfile (or neither)."))
    mode = stat.S_IMODE(keyfile.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(
            _(
                "{keyfile} is readable by other users (mode {mode:o}); it is the server's private key."
                " Fix it with: chmod 600 {keyfile}"
            ).format(keyfile=keyfile, mode=mode)
        )
    return {"ssl_certfile": str(certfile), "ssl_keyfile": str(keyfile)}


TLS_FILE = click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="TCP port.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Worker processes.")
@click.option("--tls-certfile", type=TLS_FILE, help="Serve https: the certificate (PEM, with its chain).")
@click.option("--tls-keyfile", type=TLS_FILE, help="Serve https: its private key (PEM, mode 0600).")
@pass_context
def serve(
    ctx: CommandContext,
    host: str,
    port: int,
    workers: int,
    tls_certfile: Path | None,
    tls_keyfile: Path | None,
) -> None:
    """Serve the HTTP API (JSON; docs at /api/docs, schema at /api/v1/openapi.json): what the CRM
    server runs; employees' computers connect to it ("CRM server" mode).

    \b
    Examples:
      python -m main serve
      python -m main serve --host 0.0.0.0 --port 8443 --tls-certfile crm.pem --tls-keyfile crm.key
      python -m main serve --port 8080 --workers 4   (behind a TLS reverse proxy on this machine)
    """
    import uvicorn

    from crm.app import Runtime
    from crm.db import app_conninfo, use_prepare_threshold
    from crm.errors import ConfigError

    config = ctx.config
    if config.server is not None:
        raise ConfigError(
            _(
                "{path} connects to the CRM server at {url}: `serve` runs on the"
                " server, with the config the wizard wrote there (its [database])."
            ).format(path=config.path, url=config.server.url)
        )
    tls = _tls_options(tls_certfile, tls_keyfile)
    use_prepare_threshold(config.database.prepare_threshold)
    runtime = Runtime()
    _stop_on_signals()
    try:
        runtime.open(config, notify=note).close()  # the server started, the migrations applied
        socket_dir = runtime.server.host if config.embedded and runtime.server is not None else None
        options: dict[str, Any] = {
            "host": host,
            "port": port,
            "log_level": "info",
            "access_log": False,  # paths hold search texts: personal data stays out of the logs
            "server_header": False,
            "proxy_headers": True,
            "forwarded_allow_ips": "127.0.0.1",
            "timeout_graceful_shutdown": 10,
            **tls,
        }
        shown = f"[{host}]" if ":" in host else host
        scheme = "https" if tls else "http"
        note(
            _(
                "Epic Events CRM API on {scheme}://{shown}:{port}/api/v1 (docs: /api/docs); SIGTERM or "
                "Ctrl-C stops it."
            ).format(scheme=scheme, shown=shown, port=port)
        )
        if workers == 1:
            uvicorn.run(build_app(config, app_conninfo(config, socket_dir)), **options)
        else:
            os.environ[SOCKET_DIR] = socket_dir or ""
            os.environ["CRM_CONFIG"] = str(config.path)
            uvicorn.run("crm.cli.serve:worker_app", factory=True, workers=workers, **options)
    except _Stopped:
        pass  # a clean stop: exit status 0
    finally:
        runtime.close()
        note(_("The API has stopped."))
