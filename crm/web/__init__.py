"""The HTTP API face: FastAPI over crm.services (`python -m main serve`, crm/cli/serve.py)."""
