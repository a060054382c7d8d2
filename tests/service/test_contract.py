"""The contract test: schemathesis drives every operation of the app's own OpenAPI document.

Generated requests, valid and invalid, go to the app in process on each database, as the admin;
every answer must be conforming (documented status, content type, headers and body schema), no
answer a 5xx, and every invalid request refused with a 4xx. The run is bounded and seeded:
a fixed number of examples per operation and mode, derandomised, no example database.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import hypothesis
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
EXAMPLES_PER_OPERATION = 8


def _exercise(app: FastAPI, headers: dict[str, str]) -> tuple[int, list[str]]:
    """Run the bounded examples of every operation; the cases sent and the failures."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    # Query strings are open, as OpenAPI's are: an unknown parameter is ignored, not refused.
    schema.config.generation.allow_extra_parameters = False
    # The key is sent with every request (below), not generated: a request lacking it is not
    # invalid data but an unauthenticated one, which tests/service/test_access.py covers.
    schema.config.generation.with_security_parameters = False
    failures: list[str] = []
    sent = 0
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"the document is not valid: {result.err()}"
        operations.append(result.ok())
    assert operations, "the document lists no operation"
    for operation in operations:
        # An operation with no input has no invalid request to make.
        has_input = bool(operation.path_parameters or operation.query or operation.body)
        modes = [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if has_input else [])
        for mode in modes:
            strategy = operation.as_strategy(generation_mode=mode)

            @hypothesis.settings(
                max_examples=EXAMPLES_PER_OPERATION,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @hypothesis.given(case=strategy)
            def run(case: Any) -> None:
                nonlocal sent
                sent += 1
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                run()
            except (Exception, BaseExceptionGroup) as exc:  # a FailureGroup is a group
                summary = str(exc).strip().splitlines()
                failures.append(f"{operation.label} [{mode.value}]: {' | '.join(summary[:12])}")
    return sent, failures


def test_every_operation_keeps_the_contract(
    app: FastAPI, as_role: Callable[[str], dict[str, str]]
) -> None:
    sent, failures = _exercise(app, as_role("admin"))
    print(f"schemathesis sent {sent} requests")  # the count the closing note reports (-s)
    assert not failures, "\n\n".join(failures)
    assert sent >= 2 * len(app.openapi()["paths"])

