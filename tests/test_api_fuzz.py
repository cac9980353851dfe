"""Schema-driven fuzzing: schemathesis generates requests from /api/v1/openapi.json for every
operation and sends each as a logged-in manager and as a sales employee. No answer may be a 5xx,
break its own declared schema (status, content type, body), or leak a stack trace, SQL or a
hash. Bounded for CI (CRM_FUZZ_EXAMPLES, default 15 a operation: well under two minutes); a
long run: CRM_FUZZ_EXAMPLES=500 pytest tests/test_api_fuzz.py."""

from __future__ import annotations

import os
import re
from collections import Counter
from datetime import timedelta

import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from crm.services.pool import DatabasePool
from crm.services.sessions import SessionPolicy
from crm.web.app import create_app
from tests.api import API, TestClient, login
from tests.conftest import empty_tables
from tests.factories import (
    make_client,
    make_contract,
    make_event,
    make_opportunity,
    make_service,
    make_staff,
)

EXAMPLES = int(os.environ.get("CRM_FUZZ_EXAMPLES", "15"))
LEAKS = re.compile(
    r"Traceback|File \"|psycopg|\bSELECT\b|\bINSERT INTO\b|\bUPDATE \w+ SET\b|\$argon2"
    r"|password_hash|token_hash",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def fuzz_app(crm_db):
    """The API on the module's database with some data, its pool opened here (schemathesis calls
    the app without running its lifespan)."""
    with psycopg.connect(crm_db.admin_dsn, autocommit=True) as conn:
        empty_tables(conn)
        staff = make_staff(conn, "manager", "bill", "kate")
        for n in range(3):
            client_id = make_client(conn, staff["bill"].id, f"Client {n}")
            make_contract(conn, client_id, remaining="500.00")
            make_event(conn, make_contract(conn, client_id, signed=True), support_id=staff["kate"].id)
        services = [make_service(conn, name, "45.00", "guest") for name in ("Catering", "Venue")]
        for n, stage in enumerate(("negotiation", "proposal", "new")):
            client_id = make_client(conn, staff["bill"].id, f"Client {n}", email=f"p{n}@client.test")
            make_opportunity(
                conn, client_id, f"Opportunity {n}", lines=[(services[0], 10, "45.00")], stage=stage
            )
    pool = DatabasePool(crm_db.app_dsn, 1, 4)
    policy = SessionPolicy(lifetime=timedelta(hours=8), idle=None, reauth_window=timedelta(minutes=60))
    app = create_app(pool, policy, manage_pool=False, login_attempts=(1_000_000, 60.0))
    app.state.admin_dsn = crm_db.admin_dsn
    pool.open()
    try:
        yield app
    finally:
        pool.close()


USERS = {"manager": "marie", "sales": "bill"}


def fresh_token(app, who: str) -> dict[str, str]:
    """A new session (failed logins the fuzzing made forgotten first: it locks usernames too)."""
    with psycopg.connect(app.state.admin_dsn, autocommit=True) as conn:
        conn.execute("DELETE FROM login_throttle")
    with TestClient(app) as client:
        return login(client, USERS[who])


@pytest.fixture(scope="module")
def tokens(fuzz_app):
    return {who: fresh_token(fuzz_app, who) for who in USERS}


@pytest.fixture(scope="module")
def fuzz_schema(fuzz_app):
    return schemathesis.openapi.from_asgi(f"{API}/openapi.json", fuzz_app)


def no_leak(ctx, response, case):
    """No stack trace, SQL text or hash in any answer."""
    found = LEAKS.search(response.text or "")
    if found:
        raise AssertionError(f"the answer leaks {found.group(0)!r}: {response.text[:300]}")
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"} and "\n" not in body["error"]["message"]
    assert response.headers.get("cache-control", [""])[0] == "no-store" or response.status_code == 204
    assert response.headers.get("x-content-type-options", [""])[0] == "nosniff"


# The second pass pins the ids in the path to records that exist (random ids find nothing).
PATH_IDS = (
    "client_id",
    "contract_id",
    "event_id",
    "employee_id",
    "payment_id",
    "record_id",
    "service_id",
    "opportunity_id",
    "line_id",
)
FIRST_IDS = dict.fromkeys(PATH_IDS, 1)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_the_api_keeps_its_own_schema(fuzz_app, fuzz_schema, tokens, mode):
    operations = [result.ok() for result in fuzz_schema.get_all_operations()]
    assert len(operations) >= 25
    seen: Counter[int] = Counter()
    for operation, fixed in [(op, ids) for op in operations for ids in (None, FIRST_IDS)]:
        wanted = {name: fixed[name] for name in PATH_IDS if fixed and "{" + name + "}" in operation.path}
        if fixed and not wanted:
            continue  # nothing to pin: the first pass covered it

        @given(case=operation.as_strategy(generation_mode=mode, path_parameters=wanted or None))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            database=None,
            phases=[Phase.explicit, Phase.generate],
        )
        def fuzz(case):
            logout = case.method.upper() == "DELETE" and case.path == f"{API}/sessions"
            for who, headers in tokens.items():
                if logout:  # a throwaway session: the others go on
                    headers = fresh_token(fuzz_app, who)
                response = case.call_and_validate(headers=headers, checks=CHECKS, additional_checks=[no_leak])
                seen[response.status_code] += 1

        fuzz()
    print(f"schemathesis ({mode.value}): answers by status {dict(sorted(seen.items()))}")
    ok = sum(count for status, count in seen.items() if status < 300)
    assert not any(status >= 500 for status in seen)
    assert ok > 20 or mode == GenerationMode.NEGATIVE  # the fuzzing reached real records
