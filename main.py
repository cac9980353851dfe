"""Entry point: `python -m main` runs the Epic Events CRM (the menus, or one command)."""

import sys

from crm.cli import main

if __name__ == "__main__":
    sys.exit(main())
