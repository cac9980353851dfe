"""The sections of the team menus, in the order they are shown."""

from __future__ import annotations

from dataclasses import replace

from crm.ui.catalogue import catalogue_section
from crm.ui.clients import clients_section
from crm.ui.contracts import contracts_section
from crm.ui.employees import employees_section, my_account_section
from crm.ui.events import events_section
from crm.ui.history import history_section
from crm.ui.menu import Section
from crm.ui.notifications import notifications_section
from crm.ui.pipeline import pipeline_section
from crm.ui.planning import planning_section


def all_sections() -> list[Section]:
    """Every section; each team sees the ones with actions it may use. No team's menu has more
    than 9 entries (tests/test_menu_keys.py): the services catalogue is a part of the Pipeline."""
    pipeline = pipeline_section()
    return [
        clients_section(),
        contracts_section(),
        events_section(),
        replace(pipeline, actions=(*pipeline.actions, catalogue_section())),
        employees_section(),
        history_section(),
        planning_section(),
        notifications_section(),
        my_account_section(),
    ]
