"""The OpenAPI is a contract (issue 12): a bounded, seeded schemathesis run over every
operation against the real server (``live_server``), anonymous and with a staff token:
no server errors, and every status code an operation returns is declared for it.

Bounded: ``MAX_EXAMPLES`` examples per operation, derandomized (seeded by the operation),
so the run is repeatable and takes well under two minutes. The staff run sends only
safe methods (GET): its token could otherwise delete or activate shared test data.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hyp_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from gis.auth.service import add_user, issue_token

MAX_EXAMPLES = 4
CHECKS = [not_a_server_error, status_code_conformance]
BOUNDED = hyp_settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="session")
def api_schema(live_server: str) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{live_server}/openapi.json")


@pytest.fixture(scope="session")
def staff_headers(engine: Engine) -> Iterator[dict[str, str]]:
    """A committed admin account (the live server reads the database) and its token."""
    name = f"schemathesis-{uuid.uuid4().hex[:8]}"
    with Session(engine) as s:
        user = add_user(s, name, "correct horse battery", "admin", "Schemathesis")
        s.commit()
        token = issue_token(user)
    yield {"Authorization": f"Bearer {token}"}
    with Session(engine) as s:
        s.execute(text("DELETE FROM app_user WHERE username = :n"), {"n": name})
        s.commit()


def _run(api_schema: schemathesis.BaseSchema, headers: dict[str, str], methods: set[str]) -> list:
    """Every operation's bounded examples; the failures (operation, error) of all of them."""
    failures: list[tuple[str, str]] = []
    calls = [0]
    for result in api_schema.get_all_operations():
        op = result.ok()
        if op.method.upper() not in methods:
            continue

        @BOUNDED
        @given(case=op.as_strategy())
        def check(case: schemathesis.Case) -> None:
            calls[0] += 1
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            check()
        except Exception as exc:  # noqa: BLE001 - collected and reported below
            failures.append((f"{op.method.upper()} {op.path}", str(exc)[:2000]))
    assert calls[0] >= 40, f"only {calls[0]} calls: the run checked (almost) nothing"
    print(f"schemathesis: {calls[0]} calls")
    return failures


ALL = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def test_anonymous_calls_get_no_server_error_and_declared_codes(
    api_schema: schemathesis.BaseSchema,
) -> None:
    failures = _run(api_schema, {}, ALL)
    assert not failures, "\n\n".join(f"{op}: {err}" for op, err in failures)


def test_staff_reads_get_no_server_error_and_declared_codes(
    api_schema: schemathesis.BaseSchema, staff_headers: dict[str, str]
) -> None:
    failures = _run(api_schema, staff_headers, {"GET"})
    assert not failures, "\n\n".join(f"{op}: {err}" for op, err in failures)
