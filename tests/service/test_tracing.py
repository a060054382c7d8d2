"""OpenTelemetry tracing: spans reach a real OTLP/HTTP receiver when OTEL_* ask for it, and
nothing is built (not even imported) when they do not."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from service import tracing
from service.app import create_app
from service.keys import create_key
from service.settings import Settings
from tests.conftest import REPO_ROOT
from tests.service.builders import make_uscc

OTEL_VARIABLES = (
    "OTEL_SDK_DISABLED",
    "OTEL_TRACES_EXPORTER",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
    "OTEL_SERVICE_NAME",
    "OTEL_RESOURCE_ATTRIBUTES",
)


class OtlpReceiver:
    """A real OTLP/HTTP trace receiver on loopback that decodes what it is sent."""

    def __init__(self) -> None:
        self.requests: list[ExportTraceServiceRequest] = []
        self.paths: list[str] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                if self.headers.get("content-encoding") == "gzip":
                    body = gzip.decompress(body)
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                with receiver._lock:
                    receiver.requests.append(request)
                    receiver.paths.append(self.path)
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                         daemon=True).start()  # shutdown() waits one poll (0.5 s by default)

    def spans(self) -> list[dict[str, Any]]:
        """Every span received: name, kind, ids, attributes, and the resource's attributes."""
        with self._lock:
            requests = list(self.requests)
        found = []
        for request in requests:
            for resource_spans in request.resource_spans:
                resource = _attributes(resource_spans.resource.attributes)
                for scope_spans in resource_spans.scope_spans:
                    for span in scope_spans.spans:
                        found.append(
                            {
                                "name": span.name,
                                "kind": span.kind,
                                "trace_id": span.trace_id.hex(),
                                "span_id": span.span_id.hex(),
                                "parent_span_id": span.parent_span_id.hex(),
                                "attributes": _attributes(span.attributes),
                                "resource": resource,
                            }
                        )
        return found

    def stop(self) -> None:
        """Stop listening."""
        self._server.shutdown()
        self._server.server_close()


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind else None


def _attributes(pairs: Any) -> dict[str, Any]:
    return {pair.key: _value(pair.value) for pair in pairs}


@pytest.fixture
def otel_clean(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No OTEL_* variable from the environment the suite runs in."""
    for name in OTEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def otlp_receiver() -> Iterator[OtlpReceiver]:
    """An OTLP/HTTP receiver listening on a free loopback port."""
    receiver = OtlpReceiver()
    yield receiver
    receiver.stop()


def _admin_key(app: FastAPI) -> str:
    with app.state.write_sessions.begin() as session:
        return create_key(session, role="admin", label="tracing-admin")[1]


SERVER = 2  # opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER


def test_spans_reach_an_otlp_receiver_with_route_status_and_request_id(
    otel_clean: pytest.MonkeyPatch, otlp_receiver: OtlpReceiver, make_app: Callable[..., FastAPI]
) -> None:
    otel_clean.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", otlp_receiver.endpoint)
    otel_clean.setenv("OTEL_SERVICE_NAME", "cohorts-under-test")
    app = make_app()
    assert app.state.tracing is not None
    headers = {"X-API-Key": _admin_key(app), "X-Request-ID": "trace-me-1"}
    with TestClient(app) as client:
        response = client.get(f"/v1/firms/{make_uscc(41)}", headers=headers)
        assert response.status_code == 404
        assert client.get("/healthz").status_code == 200  # excluded: probes make no spans
    # Leaving the client ran the app's shutdown, which flushed the batch of spans.
    assert otlp_receiver.paths
    assert set(otlp_receiver.paths) == {"/v1/traces"}
    spans = otlp_receiver.spans()
    (server,) = [s for s in spans if s["kind"] == SERVER]
    assert server["name"] == "GET /v1/firms/{uscc}"
    attributes = server["attributes"]
    assert attributes["http.route"] == "/v1/firms/{uscc}"
    status = attributes.get("http.response.status_code", attributes.get("http.status_code"))
    assert status == 404
    assert attributes[tracing.REQUEST_ID_ATTRIBUTE] == "trace-me-1"
    assert server["resource"]["service.name"] == "cohorts-under-test"
    # The request's SQL (the key lookup, the firm) ran in spans of the same trace; the key
    # minted before the request made traces of its own.
    sql = ("db.statement", "db.query.text")  # the old and the stable semantic conventions
    queries = [s for s in spans if any(name in s["attributes"] for name in sql)]
    in_request = [q for q in queries if q["trace_id"] == server["trace_id"]]
    assert in_request
    assert all(q["parent_span_id"] for q in in_request)


def test_no_variable_no_tracing_and_the_sdk_is_not_even_imported(
    otel_clean: pytest.MonkeyPatch,
) -> None:
    # Whether tracing is on depends on the variables alone, not on the database: run once.
    app = create_app(Settings(database_url="sqlite://", log_json=False, webhook_worker=False))
    assert app.state.tracing is None
    # In a fresh interpreter: building the app without OTEL_* imports no SDK and no exporter.
    probe = (
        "import sys\n"
        "from service.app import create_app\n"
        "from service.settings import Settings\n"
        "app = create_app(Settings(database_url='sqlite://', webhook_worker=False))\n"
        "assert app.state.tracing is None\n"
        "print(sorted(m for m in sys.modules if m.startswith(('opentelemetry.sdk', "
        "'opentelemetry.exporter', 'opentelemetry.instrumentation'))))\n"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=environment,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("variables", "on"),
    [
        ({}, False),
        ({"OTEL_SERVICE_NAME": "cohorts"}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, True),
        ({"OTEL_TRACES_EXPORTER": "console"}, True),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, False),
        ({"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, False),
    ],
)
def test_the_standard_variables_decide_whether_tracing_is_on(
    variables: dict[str, str], on: bool
) -> None:
    assert tracing.enabled(variables) is on


def test_an_exporter_this_service_does_not_ship_is_refused_at_start(
    otel_clean: pytest.MonkeyPatch, make_app: Callable[..., FastAPI]
) -> None:
    otel_clean.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
    otel_clean.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
    with pytest.raises(tracing.TracingMisconfigured, match="http/protobuf"):
        make_app()
