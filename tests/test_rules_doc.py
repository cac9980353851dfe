"""docs/rules.md: its permission table is what crm/permissions.py decides, and what the code cites
of it exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crm import permissions
from crm.models import Team
from crm.permissions import Action
from tests.test_permissions import person

REPO = Path(__file__).resolve().parent.parent
RULES = REPO / "docs" / "rules.md"
TEAM_COLUMNS = (Team.MANAGEMENT, Team.SALES, Team.SUPPORT)


def permission_rows() -> dict[Action, list[str]]:
    """The rows of the table in docs/rules.md §5.1: Action -> its management, sales, support cells."""
    text = RULES.read_text(encoding="utf-8")
    section = text[text.index("### 5.1") : text.index("### 5.2")]
    rows = {}
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        action = Action(re.match(r"`([^`]+)`", cells[0]).group(1))
        assert action not in rows, f"two rows for {action.value!r}"
        rows[action] = cells[1:]
    return rows


def test_every_action_has_one_row_in_the_permission_table():
    assert set(permission_rows()) == set(Action)


@pytest.mark.parametrize("action", list(Action))
def test_the_permission_table_says_what_crm_permissions_decides(action):
    cells = permission_rows()[action]
    assert len(cells) == len(TEAM_COLUMNS)
    for team, cell in zip(TEAM_COLUMNS, cells, strict=True):
        actor = person(team, id_=7)
        own = permissions.refusal(actor, action, owner_id=7)
        others = permissions.refusal(actor, action, owner_id=8)
        if cell == "—":
            assert own is not None and others is not None, (action, team)
            assert not permissions.visible(actor, action)
        elif cell.startswith(("yes", "all")):
            assert own is None and others is None, (action, team)
        else:
            quoted = re.search(r'"([^"]+)"', cell)
            assert quoted, f"{action.value} / {team}: 'yes', 'all', '—' or a quoted refusal"
            assert own is None, (action, team)
            assert others == quoted.group(1)


def cited_files() -> list[Path]:
    """The files whose comments and docstrings may cite docs: code, SQL, tests, the README."""
    files = [REPO / "README.md"]
    for folder, pattern in (("crm", "*.py"), ("sql", "*.sql"), ("tests", "*.py")):
        files += sorted((REPO / folder).rglob(pattern))
    return [path for path in files if path != Path(__file__).resolve()]


def test_no_file_cites_the_product_brief_that_is_not_in_the_repository():
    citing = [
        f"{path.relative_to(REPO)}:{number}"
        for path in cited_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\bSPEC\b", line)
    ]
    assert citing == [], "cite docs/rules.md §N instead"


def test_every_cited_section_of_docs_rules_exists():
    headings = set(re.findall(r"^#{2,3} (\d+(?:\.\d+)?)\. ", RULES.read_text(encoding="utf-8"), re.MULTILINE))
    cited = {
        (f"{path.relative_to(REPO)}", section)
        for path in cited_files()
        for section in re.findall(r"docs/rules\.md §(\d+(?:\.\d+)?)", path.read_text(encoding="utf-8"))
    }
    assert cited, "the code cites docs/rules.md"
    assert {(where, section) for where, section in cited if section not in headings} == set()
