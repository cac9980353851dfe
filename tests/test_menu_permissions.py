"""Every menu entry of every team is offered exactly when crm.permissions says so."""

from __future__ import annotations

import pytest

from crm import permissions
from crm.models import Team
from crm.permissions import Action
from crm.ui.menu import MenuAction, Section
from crm.ui.menus import all_sections
from tests.test_permissions import person


def every_section(sections=None):
    """Every section of the menus, sub-sections (Events → Reports) included."""
    for section in all_sections() if sections is None else sections:
        yield section
        yield from every_section([entry for entry in section.actions if isinstance(entry, Section)])


ENTRIES = [
    (section.title, entry)
    for section in every_section()
    for entry in section.actions
    if not isinstance(entry, Section)
]


def test_every_entry_names_the_action_it_offers():
    for title, entry in ENTRIES:
        assert isinstance(entry, MenuAction)
        assert isinstance(entry.permission, Action), f"{title} → {entry.label}"
    # Nothing else on an entry can decide who sees it.
    assert set(MenuAction.__dataclass_fields__) == {"label", "run", "permission"}


@pytest.mark.parametrize("team", list(Team))
@pytest.mark.parametrize("active", [True, False])
def test_each_team_sees_exactly_what_permissions_allows(team, active):
    actor = person(team, id_=7, active=active)
    for section in every_section():
        shown = [entry.label for entry in section.visible_actions(actor) if isinstance(entry, MenuAction)]
        allowed = [
            entry.label
            for entry in section.actions
            if isinstance(entry, MenuAction) and permissions.visible(actor, entry.permission)
        ]
        assert shown == allowed
        subsections = [entry for entry in section.actions if isinstance(entry, Section)]
        for sub in subsections:  # a sub-section is offered when one of its actions is
            offered = sub in section.visible_actions(actor)
            assert offered == any(permissions.visible(actor, a.permission) for a in sub.actions)


EXPECTED_MENUS = {
    Team.MANAGEMENT: {
        "Clients": ["List clients", "Show a client", "Search clients", "Clients of a sales employee",
                    "Reassign a client", "Add a note", "Export to CSV",
                    "Import clients from CSV"],
        "Contracts": ["List contracts", "Show a contract", "Contracts not signed", "Contracts not fully paid",
                      "Create a contract", "Update a contract", "Record a payment", "Correct a payment",
                      "Export to CSV"],
        "Events": ["List events", "Show an event", "Search events", "Reports", "Assign support",
                   "Update an event", "Add a note", "Export to CSV", "Change an event's status"],
        "Reports": ["Events without support", "Events of a support employee"],
        "Pipeline": ["Open opportunities", "Show an opportunity", "Edit an opportunity",
                     "Move to another stage", "Mark won or lost", "Pipeline report", "Services"],
        "Services": ["List services", "Show a service", "Create a service", "Update a service",
                     "Retire or restore a service"],
        "Employees": ["List employees", "Show an employee", "Create an employee", "Update an employee",
                      "Reset a password", "Deactivate an employee", "Reactivate an employee", "Hand over"],
        "History": ["History of a record"],
        "Planning": ["Week agenda", "Signed contracts without an event"],
        "Notifications": [],
        "My account": ["Show my details", "Change my password", "Show my digest",
                       "Digest at login (on or off)", "Language"],
    },
    Team.SALES: {
        "Clients": ["List clients", "Show a client", "Search clients", "My clients", "Create a client",
                    "Update a client", "Add a note", "Export to CSV", "Import clients from CSV"],
        "Contracts": ["List contracts", "Show a contract", "Contracts not signed", "Contracts not fully paid",
                      "Update a contract", "Record a payment", "Export to CSV"],
        "Events": ["List events", "Show an event", "Search events", "Create an event", "Export to CSV"],
        "Reports": [],
        "Pipeline": ["My opportunities by stage", "Open opportunities", "Show an opportunity",
                     "Create an opportunity", "Edit an opportunity", "Move to another stage",
                     "Mark won or lost", "Pipeline report"],
        "Services": [],
        "Employees": ["List employees", "Show an employee"],
        "History": [],
        "Planning": ["Signed contracts without an event"],
        "Notifications": [],
        "My account": ["Show my details", "Change my password", "Show my digest",
                       "Digest at login (on or off)", "Language"],
    },
    Team.SUPPORT: {
        "Clients": ["List clients", "Show a client", "Search clients", "Export to CSV"],
        "Contracts": ["List contracts", "Show a contract", "Export to CSV"],
        "Events": ["List events", "Show an event", "Search events", "My events", "Update an event",
                   "Add a note", "Export to CSV", "Change an event's status"],
        "Reports": [],
        "Pipeline": ["Open opportunities", "Show an opportunity"],
        "Services": [],
        "Employees": ["List employees", "Show an employee"],
        "History": [],
        "Planning": ["Week agenda", "Export my calendar (.ics)"],
        "Notifications": ["Unread notifications", "All notifications"],
        "My account": ["Show my details", "Change my password", "Show my digest",
                       "Digest at login (on or off)", "Language"],
    },
}  # fmt: skip


@pytest.mark.parametrize("team", list(Team))
def test_the_menus_of_each_team(team):
    actor = person(team, id_=7)
    menus = {s.title: [e.label for e in s.visible_actions(actor)] for s in every_section()}
    assert menus == EXPECTED_MENUS[team]
