"""Where a command-line session's token is kept: one private file per config file.

`$XDG_RUNTIME_DIR/epic-events-crm/` (else `~/.local/state/epic-events-crm/`), a folder of mode
0700, never the working directory. The file is created with O_CREAT | O_EXCL | O_NOFOLLOW and
mode 0600; a file or folder that group or others may read, or that is not the user's own, is
refused (as the config file is). Only the token is in it; the database has only its SHA-256.

In "CRM server" mode the file is keyed by the config file and the server's URL: a token is only
ever sent back to the server that issued it, even when the config is pointed at another one.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from crm.errors import ConfigError
from crm.i18n import _

APP_FOLDER = "epic-events-crm"


def folder() -> Path:
    """The folder session files live in (not created here)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime).is_absolute():
        return Path(runtime) / APP_FOLDER
    state = os.environ.get("XDG_STATE_HOME")
    base = Path(state) if state and Path(state).is_absolute() else Path.home() / ".local" / "state"
    return base / APP_FOLDER


def path_for(config_path: Path, server: str | None = None) -> Path:
    """The session file of one config file (two configs, two independent logins), and of one CRM
    server's URL in "CRM server" mode (another server, another file: never its token)."""
    key = str(config_path.resolve()) + (f"\n{server}" if server else "")
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return folder() / f"session-{digest}"


def _check_private(path: Path, what: str) -> None:
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode):
        raise ConfigError(
            (
                _("{path} is a symbolic link; the session folder must be a real one.")
                if what == "folder"
                else _("{path} is a symbolic link; the session file must be a real one.")
            ).format(path=path)
        )
    if info.st_uid != os.getuid():
        raise ConfigError(_("{path} belongs to another user; refusing to use it.").format(path=path))
    if stat.S_IMODE(info.st_mode) & 0o077:
        fix = "700" if what == "folder" else "600"
        raise ConfigError(
            _(
                "{path} is readable by other users (mode {S_IMODE:o}); it holds a login session. Fix "
                "it with: chmod {fix} {path}"
            ).format(path=path, S_IMODE=stat.S_IMODE(info.st_mode), fix=fix)
        )


def _ensure_folder() -> Path:
    where = folder()
    where.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        where.mkdir(mode=0o700)
    except FileExistsError:
        pass
    _check_private(where, "folder")
    return where


def read(config_path: Path, server: str | None = None) -> str | None:
    """The token of this config's session file, or None when there is none."""
    path = path_for(config_path, server)
    if not os.path.lexists(path):
        return None
    _check_private(path.parent, "folder")
    _check_private(path, "file")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, encoding="ascii", errors="replace") as handle:
        return handle.read(200).strip() or None


def write(config_path: Path, token: str, server: str | None = None) -> Path:
    """Keep a new session's token (replacing the file of an earlier one)."""
    _ensure_folder()
    path = path_for(config_path, server)
    remove(config_path, server)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(token + "\n")
    return path


def remove(config_path: Path, server: str | None = None) -> None:
    """Forget this config's session file (if any)."""
    try:
        path_for(config_path, server).unlink()
    except FileNotFoundError:
        pass
