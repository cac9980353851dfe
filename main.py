"""Entry point: `python -m main` runs the Epic Events CRM."""

import sys

from crm.app import main

if __name__ == "__main__":
    sys.exit(main())
