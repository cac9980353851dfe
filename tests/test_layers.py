"""The layers keep to their lanes: faces reach the database only through the services."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CRM = Path(__file__).resolve().parent.parent / "crm"
FACES = sorted((CRM / "ui").glob("*.py"))
WEB = sorted((CRM / "web").glob("*.py"))  # the HTTP API: a face like the menus
SECTIONS = {"clients", "contracts", "events", "employees", "history"}

# What a face may import from the program: the services, what they take and give back, the rules
# it asks for early feedback, the input parsers, and the other face modules.
ALLOWED = (
    "crm.services",
    "crm.models",
    "crm.errors",
    "crm.permissions",
    "crm.validation",
    "crm.ui",
    "crm.i18n",
)
# The first-run faces (wizard, upgrade) are faces of the setup use cases and their config file;
# the menu loop reports unexpected errors.
EXTRA = {
    "wizard": ("crm.setup", "crm.config", "psycopg.conninfo"),
    "upgrade": ("crm.setup", "crm.config", "crm.db", "crm.cli"),
    "unlock": ("crm.setup", "crm.config", "crm.db", "crm.monitoring"),
    "backup": ("crm.backup", "crm.config", "crm.db", "crm.cli"),
    "login": ("crm.config", "crm.devices"),
    "menu": ("crm.monitoring",),
    "accessible": ("crm.i18n",),
    "csvfiles": ("crm.i18n",),
}
# The API's modules: the services and what they take and give; its error answers report
# unexpected errors. No permission check of its own: crm.permissions is asked by the services.
# Like the menus, the API asks crm.permissions only for early answers (a PATCH that changes nothing).
WEB_ALLOWED = (
    "crm.services",
    "crm.models",
    "crm.errors",
    "crm.permissions",
    "crm.validation",
    "crm.web",
    "crm.__version__",
)
WEB_EXTRA = {"errors": ("crm.monitoring",)}
# How money and dates are shown in the current language (crm/formats.py), through crm/ui/render.py.
ALLOWED += ("crm.formats",)


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports (`from crm import x` counts as crm.x)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names if node.module == "crm")
    return names


@pytest.mark.parametrize("path", FACES, ids=lambda p: p.stem)
def test_faces_import_only_services_models_and_rules(path):
    allowed = ALLOWED + EXTRA.get(path.stem, ())
    program = {m for m in imported_modules(path) if m == "crm" or m.startswith(("crm.", "psycopg"))}
    wrong = {m for m in program if m != "crm" and not m.startswith(allowed)}
    assert not wrong, f"{path.name} imports {sorted(wrong)}"


@pytest.mark.parametrize("path", WEB, ids=lambda p: p.stem)
def test_the_api_imports_only_services_and_models(path):
    allowed = WEB_ALLOWED + WEB_EXTRA.get(path.stem, ())
    program = {m for m in imported_modules(path) if m == "crm" or m.startswith(("crm.", "psycopg"))}
    wrong = {m for m in program if m != "crm" and not m.startswith(allowed)}
    assert not wrong, f"{path.name} imports {sorted(wrong)}"


@pytest.mark.parametrize("path", [p for p in FACES if p.stem in SECTIONS], ids=lambda p: p.stem)
def test_section_modules_do_not_import_each_other(path):
    others = {f"crm.ui.{name}" for name in SECTIONS - {path.stem}}
    assert not imported_modules(path) & others


def test_only_repositories_hold_sql():
    """No module outside crm/repositories (and the bootstrap, migrations and db plumbing) calls
    execute() or copy()."""
    allowed = {"repositories", "setup.py", "migrations.py", "db.py", "embedded.py", "demo.py", "backup.py"}
    offenders = []
    for path in CRM.rglob("*.py"):
        part = path.relative_to(CRM).parts[0]
        if part in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in {"execute", "executemany", "copy"}:
                offenders.append(f"{path.relative_to(CRM)}:{node.lineno}")
    assert not offenders
