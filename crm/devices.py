"""This computer's device tokens: one random token per username that logged in here.

After a successful login the program keeps the token it sent (crm.devices beside the config,
mode 0600); the database keeps only its SHA-256. Later attempts at that username from this
computer send the token and are counted apart from everyone else's (crm/services/auth.py), so
failed logins made elsewhere cannot lock an employee out of their own computer. A token is no
credential (the password is still needed); losing the file only means the next login here is
counted with everyone else's again.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from pathlib import Path

from crm.config import Config


def devices_path(config: Config) -> Path:
    """The device token file: crm.devices beside the config file."""
    return config.path.with_suffix(".devices")


class DeviceTokens:
    """The tokens in one file, read when asked and written after each new login."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        tokens = data.get("tokens") if isinstance(data, dict) else None
        if not isinstance(tokens, dict):
            return {}
        return {k: v for k, v in tokens.items() if isinstance(k, str) and isinstance(v, str)}

    def token_for(self, username: str) -> str:
        """This computer's token for a username: the one kept, else a new one (kept only by remember)."""
        return self._read().get(username) or secrets.token_urlsafe(32)

    def remember(self, username: str, token: str) -> None:
        """Keep the token a successful login used (nothing when it is already kept, or the folder
        is read-only: the login works the same)."""
        tokens = self._read()
        if tokens.get(username) == token:
            return
        tokens[username] = token
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        except OSError:
            return
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"tokens": tokens}, handle)
            os.replace(tmp, self.path)
        except OSError:
            Path(tmp).unlink(missing_ok=True)
