"""The sections of the team menus, in the order they are shown."""

from __future__ import annotations

from crm.ui.events import events_section
from crm.ui.menu import Section


def all_sections() -> list[Section]:
    """Every section; each team sees the ones with actions it may use."""
    return [
        events_section(),
    ]
