"""HTTP routes of schemes: list, read, add a version, evaluate without storing."""

from __future__ import annotations

import json
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Path, Query, Request
from starlette.concurrency import run_in_threadpool

from schemas.schemes import EvaluateRequest, SchemeOut, SchemeSummary
from service.deps import PrincipalDep, SessionDep
from service.errors import UnsupportedMediaType, ValidationFailed
from service.models import StoredScheme
from service.schemes import service

__all__ = ["router"]

router = APIRouter(prefix="/v1/schemes", tags=["schemes"])
SchemeIdPath = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=80)]
VersionQuery = Annotated[int | None, Query(ge=1, le=1_000_000)]


def _active_ids(session: SessionDep, stored: list[StoredScheme]) -> set[int]:
    cohorts = {s.cohort for s in stored if s.cohort}
    return {service.get_active_for_cohort(session, c)[0].id for c in cohorts}


def _summary(stored: StoredScheme, active: set[int]) -> dict[str, Any]:
    return {
        "scheme_id": stored.scheme_id,
        "version": stored.version,
        "cohort": stored.cohort,
        "title": stored.title,
        "fingerprint": stored.fingerprint,
        "created_by": stored.created_by,
        "created_at": stored.created_at,
        "active": stored.id in active,
    }


@router.get("", response_model=list[SchemeSummary], summary="Every stored scheme version")
def list_schemes(session: SessionDep, cohort: str | None = None) -> list[SchemeSummary]:
    """Reference schemes and cohort schemes, every version, with which one is active."""
    stored = service.list_schemes(session, cohort=cohort)
    active = _active_ids(session, stored)
    return [SchemeSummary(**_summary(s, active)) for s in stored]


@router.get("/{scheme_id}", response_model=SchemeOut, summary="One scheme version, in full")
def get_scheme(
    scheme_id: SchemeIdPath, session: SessionDep, version: VersionQuery = None
) -> SchemeOut:
    """The latest version unless ``version`` is given."""
    stored = service.get_or_raise(session, scheme_id, version=version)
    active = _active_ids(session, [stored])
    return SchemeOut(**_summary(stored, active), document=stored.document)


async def _document(request: Request) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    try:
        if content_type in ("application/yaml", "application/x-yaml", "text/yaml"):
            document = yaml.safe_load(body.decode("utf-8"))
        elif content_type in ("application/json", ""):
            document = json.loads(body)
        else:
            raise UnsupportedMediaType("Send the scheme as JSON or YAML (application/yaml).")
    except (ValueError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ValidationFailed(
            f"The body is not a readable scheme document: {exc}",
            errors=[{"loc": ["body"], "message": "unreadable document"}],
        ) from None
    if not isinstance(document, dict):
        raise ValidationFailed(
            "A scheme document is a mapping of keys (id, version, title, criteria, …).",
            errors=[{"loc": ["body"], "message": "not a mapping"}],
        )
    return document


@router.post(
    "",
    response_model=SchemeOut,
    status_code=201,
    summary="Store a new scheme version (JSON or YAML)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "application/yaml": {"schema": {"type": "string"}},
            },
        }
    },
)
async def post_scheme(request: Request, session: SessionDep, principal: PrincipalDep) -> SchemeOut:
    """A bad scheme is a 422 naming the bad key; an existing version is never changed (409)."""
    document = await _document(request)
    stored = await run_in_threadpool(service.create, session, principal, document=document)
    active = await run_in_threadpool(_active_ids, session, [stored])
    return SchemeOut(**_summary(stored, active), document=stored.document)


@router.post("/{scheme_id}/evaluate", summary="Score posted firms under a scheme; stores nothing")
def evaluate(
    scheme_id: SchemeIdPath,
    body: EvaluateRequest,
    session: SessionDep,
    request: Request,
    version: VersionQuery = None,
) -> dict[str, Any]:
    """Per firm: each gate's outcome, each criterion's raw value, normalised value and points."""
    settings = request.app.state.settings
    return service.evaluate(
        session,
        scheme_id,
        version=version,
        request=body,
        usd_cny=settings.usd_cny,
        max_rows=settings.max_rows,
    )
