"""OpenTelemetry tracing, on only when the standard ``OTEL_*`` environment variables ask for it.

Tracing is on when ``OTEL_TRACES_EXPORTER`` names exporters (``otlp``, ``console``; ``none``
turns it off) or, with that variable unset, when ``OTEL_EXPORTER_OTLP_ENDPOINT`` or
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` is set; ``OTEL_SDK_DISABLED=true`` wins over both.
Otherwise nothing is imported, built or wrapped: no provider, no exporter, no middleware.

When on, the app gets a server span per request (named by method and route template, with the
status) from ``opentelemetry-instrumentation-fastapi``, a child span per SQL statement from
``opentelemetry-instrumentation-sqlalchemy``, and the request's ``X-Request-ID`` as the
``cohorts.request_id`` attribute of its server span. Spans leave through a batch processor;
OTLP goes over HTTP/protobuf, and every other ``OTEL_*`` setting (service name, resource
attributes, sampler, headers, timeouts) is read by the SDK itself.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import FastAPI
from opentelemetry import trace
from sqlalchemy import Engine

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

__all__ = [
    "DEFAULT_SERVICE_NAME",
    "REQUEST_ID_ATTRIBUTE",
    "Tracing",
    "TracingMisconfigured",
    "enabled",
    "install",
    "tag_request_id",
]

REQUEST_ID_ATTRIBUTE = "cohorts.request_id"
DEFAULT_SERVICE_NAME = "cohort-selection"


class TracingMisconfigured(ValueError):
    """The OTEL_* variables ask for something this service does not ship."""


def enabled(environ: Mapping[str, str]) -> bool:
    """Whether the environment asks for traces (see the module docstring for the rule)."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    names = environ.get("OTEL_TRACES_EXPORTER")
    if names is not None:
        return bool(_exporter_names(names))
    return bool(
        environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )


def _exporter_names(value: str) -> list[str]:
    names = [name.strip().lower() for name in value.split(",") if name.strip()]
    return [] if names == ["none"] else names


def _exporters(environ: Mapping[str, str]) -> list[SpanExporter]:
    protocol = (
        environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
        or environ.get("OTEL_EXPORTER_OTLP_PROTOCOL")
        or "http/protobuf"
    )
    exporters: list[SpanExporter] = []
    for name in _exporter_names(environ.get("OTEL_TRACES_EXPORTER", "otlp")):
        if name == "otlp":
            if protocol != "http/protobuf":
                raise TracingMisconfigured(
                    f"OTEL_EXPORTER_OTLP_PROTOCOL={protocol!r}: this service exports OTLP over "
                    "'http/protobuf' only"
                )
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporters.append(OTLPSpanExporter())  # endpoint, headers, timeout: from OTEL_*
        elif name == "console":
            from opentelemetry.sdk.trace.export import ConsoleSpanExporter

            exporters.append(ConsoleSpanExporter())
        else:
            raise TracingMisconfigured(
                f"OTEL_TRACES_EXPORTER names {name!r}; this service ships 'otlp' and 'console'"
            )
    return exporters


@dataclass(slots=True)
class Tracing:
    """An app's tracing while it is on: the provider its spans go through."""

    provider: TracerProvider

    def shutdown(self) -> None:
        """Stop tracing SQL (the instrumentor is one per process), flush and close the exporters."""
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

        SQLAlchemyInstrumentor().uninstrument()
        self.provider.shutdown()


def install(app: FastAPI, engine: Engine) -> Tracing | None:
    """Trace ``app`` and its ``engine`` if the process's environment asks for it (the SDK reads
    its other ``OTEL_*`` settings from there too); otherwise do nothing."""
    if not enabled(os.environ):
        return None
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    # Resource.create() reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES; TracerProvider
    # reads its sampler from OTEL_TRACES_SAMPLER.
    resource = Resource.create()
    if str(resource.attributes.get("service.name", "")).startswith("unknown_service"):
        resource = resource.merge(Resource({"service.name": DEFAULT_SERVICE_NAME}))
    provider = TracerProvider(resource=resource)
    for exporter in _exporters(os.environ):
        provider.add_span_processor(BatchSpanProcessor(exporter))
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        excluded_urls="/healthz,/readyz,/metrics",
        exclude_spans=["receive", "send"],  # one span per request, not one per ASGI message
    )
    # The instrumentation declares SQLAlchemy < 2.1 though the engine events it listens to are
    # unchanged in 2.1; tests/service/test_tracing.py checks that statements are traced.
    SQLAlchemyInstrumentor().instrument(
        engine=engine, tracer_provider=provider, skip_dep_check=True
    )
    return Tracing(provider=provider)


def tag_request_id(request_id: str) -> None:
    """Put the request id on the span being served (the server span, when tracing is on)."""
    trace.get_current_span().set_attribute(REQUEST_ID_ATTRIBUTE, request_id)
