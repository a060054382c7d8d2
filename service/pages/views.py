"""Page routes under ``/ui``: parse the form or query, call one use case, render a template.

Access is the API's: each route has a rule in ``service.access``, checked by ``authorize``
with the caller taken from the session cookie. Every POST passes ``require_csrf``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar, cast

from fastapi import APIRouter, Depends, FastAPI, Form, Path, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException

from schemas.notice import GROUNDS_MAX_CHARS, ObjectionIn
from schemas.rounds import RoundIn
from schemas.selection import ConflictIn, RatingIn, ScoreRunIn
from service.deps import PrincipalDep, SessionDep, read_small, run_read
from service.errors import Forbidden, ServiceError, Unauthorized, ValidationFailed, for_status
from service.growth import service as growth_service
from service.keys import Principal, authenticate
from service.limiter import RateLimiter
from service.models import utcnow
from service.nominations.submission import CandidateUpload, submit_candidate_list
from service.pages import service
from service.pages import session as page_session
from service.pages.failures import in_words
from service.pages.rendering import cached_page, kept_page, language, page, secure_cookies
from service.params import CohortPath, IdPath
from service.rounds import service as rounds_service
from service.selection import explained
from service.selection.explained import ExplanationCache
from service.selection.notice import service as notice_service
from service.selection.progress import service as progress_service
from service.selection.rendered import cache_for
from service.selection.reviews import service as reviews_service
from service.selection.runs import service as runs_service
from service.selection.shortlists import service as shortlists_service
from service.selection.transitions import service as transitions_service

__all__ = ["install_page_errors", "require_csrf", "router"]

_USCC = re.compile(r"^[0-9A-Z]{18}$")
_Model = TypeVar("_Model", bound=BaseModel)
_MAX_ID = 2**31 - 1


async def require_csrf(request: Request) -> None:
    """Refuse a POST signed in by cookie (or signing in) whose form token is not the cookie's."""
    if request.method != "POST" or request.headers.get("x-api-key"):
        # A header-keyed call is not one a browser can be tricked into making.
        return
    form = await request.form()
    field = form.get(page_session.CSRF_FIELD)
    if not page_session.tokens_match(
        request.cookies.get(page_session.CSRF_COOKIE), field if isinstance(field, str) else None
    ):
        raise Forbidden("The form's security token is missing or stale; reload the page and retry.")


router = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])
Text = Annotated[str, Form(max_length=4000)]
OptionalText = Annotated[str, Form(max_length=4000)]


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _from_form(
    model: type[_Model], fields: dict[str, Any], *, strict: bool | None = None
) -> _Model:
    """``model`` from a form's fields, as the API validates it; what it refuses (a bad date, a
    NUL, text too long) is the form's error, a page naming the field, never a 500."""
    try:
        return model.model_validate(fields, strict=strict)
    except PydanticValidationError as exc:
        raise RequestValidationError(exc.errors()) from None


@router.get("/ui")
def home(request: Request, principal: PrincipalDep) -> Response:
    """The signed-in start page: links for the caller's role."""
    return page(request, "home.html")


@router.get("/ui/login")
def login_form(request: Request) -> Response:
    """The sign-in form."""
    return page(request, "login.html", error=None)


@router.post("/ui/login")
def login(
    request: Request, session: SessionDep, api_key: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    """Exchange an API key for a server-side session whose random token the cookie carries."""
    principal = authenticate(session, api_key.strip())
    if principal is None or principal.key_id is None:
        return page(
            request,
            "login.html",
            status=400,
            error=("密钥无效或已吊销。", "The key is unknown or revoked."),
        )
    lifetime_s = int(request.app.state.settings.page_session_minutes * 60)
    token = page_session.open_session(
        session,
        key_id=principal.key_id,
        lifetime_s=lifetime_s,
        user_agent=request.headers.get("user-agent", ""),
    )
    response = _see_other("/ui")
    response.set_cookie(
        page_session.SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
        path="/ui",
        max_age=lifetime_s,
    )
    return response


@router.post("/ui/logout")
def logout(request: Request, session: SessionDep) -> Response:
    """End the server-side session and forget its cookie (the key itself stays valid)."""
    cookie = request.cookies.get(page_session.SESSION_COOKIE)
    if cookie:
        page_session.end(session, cookie)
    response = _see_other("/ui/login")
    response.delete_cookie(
        page_session.SESSION_COOKIE,
        path="/ui",
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
    )
    return response


@router.get("/ui/rounds")
def rounds(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    """Every round, newest last."""
    listed = rounds_service.list_rounds(session, after_id=None, limit=1000)
    return page(request, "rounds.html", rounds=listed)


@router.post("/ui/rounds")
def open_round(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    name: Text,
    year: Annotated[int, Form(ge=2000, le=2100)],
    reference_date: Annotated[str, Form(max_length=10)],
    capacity: Annotated[int, Form(ge=1, le=1000)] = 100,
) -> Response:
    """Open a round from the admin's form."""
    data = _from_form(
        RoundIn,
        {
            "name": name,
            "year": year,
            "reference_date": reference_date,
            "capacities": {c: capacity for c in service.COHORTS},
        },
        strict=False,
    )
    created = rounds_service.create(session, principal, data=data)
    session.flush()
    return _see_other(f"/ui/rounds/{created.id}")


@router.get("/ui/rounds/{round_id}")
def round_dashboard(
    request: Request, round_id: IdPath, session: SessionDep, principal: PrincipalDep
) -> Response:
    """A round's dashboard."""
    view = service.dashboard(
        session,
        principal,
        round_id=round_id,
        usd_cny=request.app.state.settings.usd_cny,
        explained=explained.cache_for(request.app.state),
    )
    panel = service.round_panel(session, principal, round_id=round_id)
    return page(request, "dashboard.html", view=view, panel=panel)


@router.post("/ui/rounds/{round_id}/state")
def move_round(
    request: Request,
    round_id: IdPath,
    session: SessionDep,
    principal: PrincipalDep,
    state: Annotated[str, Form(pattern="^(open|scoring|decided)$")],
) -> Response:
    """Move the round to the state the admin chose."""
    transitions_service.change_state(
        session, principal, round_id=round_id, state=state, reason=None
    )
    return _see_other(f"/ui/rounds/{round_id}")


@router.post("/ui/rounds/{round_id}/notice")
@router.post("/ui/rounds/{round_id}/publish")
def take_step(
    request: Request, round_id: IdPath, session: SessionDep, principal: PrincipalDep
) -> Response:
    """The admin's one-click step on a round, named by the path: open its notice, or publish it."""
    step: service.Step = "publish" if request.url.path.endswith("/publish") else "notice"
    service.take_step(
        session, principal, round_id=round_id, step=step, settings=request.app.state.settings
    )
    return _see_other(f"/ui/rounds/{round_id}")


def _objection_limit(request: Request) -> dict[str, int]:
    """The objection limiter's allowance for the page to state: objections per minutes."""
    limiter: RateLimiter = request.app.state.objection_limiter
    return {"count": limiter.limit, "window": max(1, round(limiter.window_seconds / 60))}


def _signed_in(request: Request, session: Session) -> None:
    """Let a public page's header name a signed-in visitor (and offer sign-out); without a live
    session (none, ended, expired, revoked) the visitor is anonymous, never refused."""
    cookie = request.cookies.get(page_session.SESSION_COOKIE)
    if cookie:
        request.state.principal = page_session.read(session, cookie)


@router.get("/ui/notices/{round_id}")
def notice(request: Request, round_id: IdPath, session: SessionDep) -> Response:
    """The public notice (公示) for anyone, signed in or not: the period, the proposed firms and
    how to object, with the objection form while the period runs."""
    _signed_in(request, session)
    view = service.notice_view(session, round_id=round_id, today=utcnow().date())
    return page(request, "notice.html", notice=view, receipt=None, limit=_objection_limit(request))


@router.post("/ui/notices/{round_id}/objections")
def object_to(
    request: Request,
    round_id: IdPath,
    session: SessionDep,
    uscc: Annotated[str, Form(max_length=40)],
    grounds: Annotated[str, Form(max_length=GROUNDS_MAX_CHARS)],
    contact: Annotated[str, Form(max_length=200)],
) -> Response:
    """File an objection from the notice page, under the API's rate limit per address; the
    page shows the id to quote."""
    _signed_in(request, session)
    address = request.client.host if request.client else "unknown"
    limiter: RateLimiter = request.app.state.objection_limiter
    limiter.hit(address, what="objections")
    data = _from_form(ObjectionIn, {"uscc": uscc, "grounds": grounds, "contact": contact})
    today = utcnow().date()
    receipt = notice_service.file_objection(
        session, round_id=round_id, data=data, client_address=address, today=today
    )
    view = service.notice_view(session, round_id=round_id, today=today)
    return page(
        request,
        "notice.html",
        status=201,
        notice=view,
        receipt=receipt,
        limit=_objection_limit(request),
    )


@router.post("/ui/rounds/{round_id}/cohorts/{cohort}/score-runs")
def score(
    request: Request,
    round_id: IdPath,
    cohort: CohortPath,
    session: SessionDep,
    principal: PrincipalDep,
) -> Response:
    """Score the cohort with the scheme's defaults."""
    runs_service.create(
        session,
        principal,
        round_id=round_id,
        cohort=cohort,
        options=ScoreRunIn(),
        usd_cny=request.app.state.settings.usd_cny,
    )
    return _see_other(f"/ui/rounds/{round_id}/cohorts/{cohort}/shortlist")


async def _shortlist_page(
    request: Request,
    principal: Principal,
    *,
    round_id: int,
    cohort: str,
    key: tuple[str, ...],
    template: str,
    build: Callable[[Session, ExplanationCache], dict[str, Any]],
) -> Response:
    """A page over the cohort's shortlist, rebuilt only when the run, ratings, decisions or the
    viewer's conflicts and assignments change (read on every request). Most requests find it
    rendered: that check is a small read (``read_small``); a page to build is read and
    rendered in one worker-thread hop."""
    state = request.app.state

    def page_key(session: Session) -> tuple[object, ...]:
        version = shortlists_service.shortlist_version(
            session, principal, round_id=round_id, cohort=cohort
        )
        return (version, principal.key_id, round_id, cohort, *key)

    def kept(session: Session) -> Response | None:
        return kept_page(request, cache_for(state), page_key(session), template)

    def read(session: Session) -> Response:
        return cached_page(
            request,
            cache_for(state),
            page_key(session),
            template,
            lambda: build(session, explained.cache_for(state)),
        )

    found = await read_small(request, kept)
    return found if found is not None else await run_read(request, read)


@router.get("/ui/rounds/{round_id}/cohorts/{cohort}/shortlist")
async def shortlist(
    request: Request,
    round_id: IdPath,
    cohort: CohortPath,
    principal: PrincipalDep,
    sort: str = "position",
    order: str = "asc",
    q: str = "",
    decision: str = "",
    flagged: bool = False,
    rows: Literal["", "all"] = "",
) -> Response:
    """The ranked shortlist, sorted and filtered by the query."""
    if sort not in service.SORT_KEYS:
        raise ValidationFailed(
            f"sort must be one of {', '.join(service.SORT_KEYS)}.",
            errors=[{"loc": ["query", "sort"], "message": "unknown key"}],
        )

    def build(session: Session, kept: ExplanationCache) -> dict[str, Any]:
        view = service.shortlist_view(
            session,
            principal,
            round_id=round_id,
            cohort=cohort,
            sort=sort,
            descending=order == "desc",
            search=q[:200],
            decision=decision,
            flagged=flagged,
            all_rows=rows == "all",
            explained=kept,
        )
        return {
            "view": view,
            "round_id": round_id,
            "cohort": cohort,
            "order": order,
            "flagged": flagged,
        }

    # The whole query is in the key: the page shows it back (filters, the language link).
    return await _shortlist_page(
        request,
        principal,
        round_id=round_id,
        cohort=cohort,
        key=(request.url.query,),
        template="shortlist.html",
        build=build,
    )


def _uscc(value: str) -> str:
    if not _USCC.match(value):
        raise ValidationFailed("Not a USCC.", errors=[{"loc": ["uscc"], "message": "not a USCC"}])
    return value


@router.get("/ui/rounds/{round_id}/cohorts/{cohort}/firms/{uscc}")
async def firm(
    request: Request,
    round_id: IdPath,
    cohort: CohortPath,
    uscc: str,
    principal: PrincipalDep,
) -> Response:
    """One firm's explanation with its chart, ratings and (for a reviewer) the rating form."""
    _uscc(uscc)

    def build(session: Session, kept: ExplanationCache) -> dict[str, Any]:
        view = service.firm_view(
            session, principal, round_id=round_id, cohort=cohort, uscc=uscc, explained=kept
        )
        return {
            "view": view,
            "round_id": round_id,
            "cohort": cohort,
            "done": request.query_params.get("done"),
        }

    return await _shortlist_page(
        request,
        principal,
        round_id=round_id,
        cohort=cohort,
        key=(uscc, request.url.query),
        template="firm.html",
        build=build,
    )


@router.get("/ui/growth-models/{model_id}")
def growth_model(
    request: Request,
    model_id: Annotated[str, Path(pattern=r"^[0-9a-f]{8,64}$")],
    session: SessionDep,
) -> Response:
    """A growth model's card in words: evidence, backtest, calibration, data range, label,
    features, library versions, and the sections the card lacks."""
    card = growth_service.card(session, model_id=model_id)
    return page(request, "growth_model.html", card=card, view=service.growth_card_view(card))


@router.get("/ui/rounds/{round_id}/cohorts/{cohort}/export")
def export(
    request: Request,
    round_id: IdPath,
    cohort: CohortPath,
    session: SessionDep,
    principal: PrincipalDep,
    format: Literal["csv", "xlsx"] = "xlsx",
) -> Response:
    """The shortlist as the API exports it, in the page's language."""
    file = shortlists_service.export(
        session,
        principal,
        round_id=round_id,
        cohort=cohort,
        format=format,
        eligible_only=False,
        sector=None,
        lang="en" if language(request) == "en" else "zh",
    )
    disposition = f'attachment; filename="{file.filename}"'
    return Response(
        file.body, media_type=file.media_type, headers={"Content-Disposition": disposition}
    )


@router.get("/ui/rounds/{round_id}/cohorts/{cohort}/compare")
def compare(
    request: Request,
    round_id: IdPath,
    cohort: CohortPath,
    session: SessionDep,
    principal: PrincipalDep,
) -> Response:
    """Two to four firms side by side (``?uscc=…&uscc=…``)."""
    usccs = list(dict.fromkeys(_uscc(u) for u in request.query_params.getlist("uscc")))
    if not 2 <= len(usccs) <= 4:
        raise ValidationFailed(
            "Compare two to four firms.",
            errors=[{"loc": ["query", "uscc"], "message": "2 to 4 firms"}],
        )
    kept = explained.cache_for(request.app.state)
    views = service.firm_views(
        session, principal, round_id=round_id, cohort=cohort, usccs=usccs, explained=kept
    )
    return page(request, "compare.html", views=views, round_id=round_id, cohort=cohort)


def _firm_url(round_id: int, cohort: str, uscc: str, done: str) -> str:
    return f"/ui/rounds/{round_id}/cohorts/{cohort}/firms/{_uscc(uscc)}?done={done}"


def _ratings(form: FormData) -> list[RatingIn]:
    """The rating form's ``score:<criterion>`` (and ``comment:<criterion>``) fields as ratings."""
    ratings = []
    for name, value in form.multi_items():
        if not name.startswith("score:") or not isinstance(value, str) or not value.strip():
            continue
        criterion = name.removeprefix("score:")
        comment = form.get(f"comment:{criterion}")
        try:
            score_value = float(value)
        except ValueError:
            raise ValidationFailed(
                f"The rating of {criterion} is not a number.",
                errors=[{"loc": ["form", name], "message": "not a number"}],
            ) from None
        try:
            rating = RatingIn(
                criterion=criterion,
                score=score_value,
                comment=comment.strip() or None if isinstance(comment, str) else None,
            )
        except PydanticValidationError as exc:
            # "nan" and "inf" parse as floats; a rating refuses them (a 422, never a 500).
            raise ValidationFailed(
                f"The rating of {criterion} is invalid.",
                errors=[
                    {
                        "loc": ["form", f"{e['loc'][0]}:{criterion}"],
                        "message": e["msg"],
                        "type": e["type"],
                        "ctx": e.get("ctx"),
                    }
                    for e in exc.errors()
                ],
            ) from None
        ratings.append(rating)
    if not ratings:
        raise ValidationFailed(
            "Give at least one rating.", errors=[{"loc": ["form"], "message": "no rating given"}]
        )
    return ratings


@router.post("/ui/rounds/{round_id}/cohorts/{cohort}/firms/{uscc}/reviews")
async def rate(
    request: Request,
    round_id: IdPath,
    cohort: CohortPath,
    uscc: str,
    session: SessionDep,
    principal: PrincipalDep,
    nomination_id: Annotated[int, Form(ge=1, le=_MAX_ID)],
) -> Response:
    """Store the reviewer's ratings (and comments) from the rating form."""
    form = await request.form()
    try:
        ratings = _ratings(form)
    except ValidationFailed as exc:
        await run_in_threadpool(service.name_firm, session, exc, uscc=_uscc(uscc))
        raise
    await run_in_threadpool(
        service.rate,
        session,
        principal,
        round_id=round_id,
        uscc=uscc,
        nomination_id=nomination_id,
        ratings=ratings,
    )
    return _see_other(_firm_url(round_id, cohort, uscc, "rated"))


@router.post("/ui/rounds/{round_id}/cohorts/{cohort}/firms/{uscc}/conflicts")
def declare_conflict(
    request: Request,
    round_id: IdPath,
    cohort: CohortPath,
    uscc: str,
    session: SessionDep,
    principal: PrincipalDep,
    nomination_id: Annotated[int, Form(ge=1, le=_MAX_ID)],
    reason: OptionalText = "",
) -> Response:
    """Record the reviewer's conflict of interest with the firm; back to the shortlist, where
    the firm is hidden from them from now on (conflicts hide everything), and a line says so."""
    data = _from_form(ConflictIn, {"reason": reason.strip() or None})
    reviews_service.declare_conflict(
        session, principal, round_id=round_id, nomination_id=nomination_id, reason=data.reason
    )
    return _see_other(f"/ui/rounds/{round_id}/cohorts/{cohort}/shortlist?done=conflict")


async def _chosen(request: Request) -> dict[int, tuple[service.Outcome, str | None]]:
    """The decisions form's ``outcome:<id>`` and ``reason:<id>`` fields as nomination id →
    (outcome, reason)."""
    form = await request.form()
    chosen: dict[int, tuple[service.Outcome, str | None]] = {}
    for name, value in form.multi_items():
        if not name.startswith("outcome:") or value not in ("select", "waitlist", "reject"):
            continue
        key = name.removeprefix("outcome:")
        if not key.isdigit() or len(key) > 10 or int(key) > _MAX_ID:
            continue  # no nomination's id (the database's ids are 32-bit)
        reason = form.get(f"reason:{key}")
        chosen[int(key)] = (
            cast(service.Outcome, value),  # one of the three, checked above
            reason.strip()[:4000] or None if isinstance(reason, str) else None,
        )
    return chosen


ChosenDep = Annotated[dict[int, tuple[service.Outcome, str | None]], Depends(_chosen)]


@router.post("/ui/rounds/{round_id}/cohorts/{cohort}/decisions/confirm")
@router.post("/ui/rounds/{round_id}/cohorts/{cohort}/decisions/edit")
def confirm_decisions(
    request: Request,
    round_id: IdPath,
    cohort: CohortPath,
    chosen: ChosenDep,
    session: SessionDep,
    principal: PrincipalDep,
) -> Response:
    """Show what the batch would do, with the count against capacity, before recording it; or
    (``…/edit``, the confirmation's way back) the shortlist with the chair's choices and reasons
    still filled in, every row shown so that no chosen firm is hidden below the line."""
    if request.url.path.endswith("/edit"):
        view = service.shortlist_view(
            session,
            principal,
            round_id=round_id,
            cohort=cohort,
            sort="position",
            descending=False,
            search="",
            decision="",
            flagged=False,
            all_rows=True,
            explained=explained.cache_for(request.app.state),
        )
        return page(
            request,
            "shortlist.html",
            view=view,
            round_id=round_id,
            cohort=cohort,
            order="asc",
            flagged=False,
            chosen=chosen,
        )
    summary = service.decision_summary(
        session, principal, round_id=round_id, cohort=cohort, chosen=chosen
    )
    return page(request, "confirm.html", summary=summary, round_id=round_id, cohort=cohort)


@router.post("/ui/rounds/{round_id}/cohorts/{cohort}/decisions")
def record_decisions(
    round_id: IdPath,
    cohort: CohortPath,
    chosen: ChosenDep,
    session: SessionDep,
    principal: PrincipalDep,
) -> Response:
    """Record the confirmed batch all or nothing."""
    recorded = service.record_decisions(
        session, principal, round_id=round_id, cohort=cohort, chosen=chosen
    )
    return _see_other(f"/ui/rounds/{round_id}/cohorts/{cohort}/shortlist?decided={recorded}")


@router.get("/ui/assignments")
def my_assignments(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    """The signed-in reviewer's assigned firms per round and cohort, with their progress."""
    assert principal.reviewer_id is not None  # only reviewer keys pass the rule; each has one
    groups = progress_service.for_reviewer(session, reviewer_id=principal.reviewer_id)
    return page(request, "assignments.html", groups=groups)


@router.get("/ui/rounds/{round_id}/upload")
def upload_form(
    request: Request, round_id: IdPath, session: SessionDep, principal: PrincipalDep
) -> Response:
    """The officer's candidate-list upload form."""
    selection_round = rounds_service.get_or_raise(session, round_id)
    return page(request, "upload.html", round=selection_round, report=None, headers={})


@router.post("/ui/rounds/{round_id}/upload")
async def upload(
    request: Request,
    round_id: IdPath,
    session: SessionDep,
    principal: PrincipalDep,
    file: UploadFile,
) -> Response:
    """Store the uploaded list and show its per-row report in the file's own header names."""
    content = await file.read()
    name = file.filename or "list.csv"
    fmt = "xlsx" if name.lower().endswith(".xlsx") else "csv"
    stored = await run_in_threadpool(
        submit_candidate_list,
        session,
        principal,
        round_id=round_id,
        upload=CandidateUpload(
            content=content, format=fmt, filename=name, content_type=file.content_type
        ),
        mode="partial",
        idempotency_key=None,
        path=request.url.path,
        settings=request.app.state.settings,
        metrics=request.app.state.metrics,
        staging_sessions=request.app.state.write_sessions,
    )
    selection_round = rounds_service.get_or_raise(session, round_id)
    return page(
        request,
        "upload.html",
        round=selection_round,
        report=stored.body,
        headers=service.file_headers(
            content,
            filename=name,
            content_type=file.content_type,
            max_xlsx_uncompressed=request.app.state.settings.max_xlsx_uncompressed_bytes,
        ),
        status=201,
    )


def _page_error(request: Request, exc: Exception) -> ServiceError:
    """The service error a failed page shows."""
    if isinstance(exc, ServiceError):
        return exc
    if isinstance(exc, RequestValidationError):
        errors = [
            {
                "loc": [str(p) for p in err.get("loc", ())],
                "message": str(err.get("msg", "")),
                "type": err.get("type"),
                "ctx": err.get("ctx"),
            }
            for err in exc.errors()
        ]
        return ValidationFailed("The form is incomplete or invalid.", errors=errors)
    assert isinstance(exc, StarletteHTTPException)
    return for_status(exc.status_code)(str(exc.detail))


def install_page_errors(app: FastAPI) -> None:
    """Answer failures under ``/ui`` with a page (signed out: the sign-in form), leaving every
    other path to the problem+json handlers installed before."""
    for kind in (ServiceError, RequestValidationError, StarletteHTTPException):
        previous = app.exception_handlers[kind]

        async def handler(request: Request, exc: Exception, previous: Any = previous) -> Response:
            path = request.url.path
            if path != "/ui" and not path.startswith("/ui/"):
                response: Response = await previous(request, exc)
                return response
            error = _page_error(request, exc)
            if isinstance(error, Unauthorized):
                return _see_other("/ui/login")
            response = page(
                request, "error.html", status=error.status, error=error, said=in_words(error)
            )
            # Retry-After (429, 503), Allow (405): the page's reader waits as the API's would.
            response.headers.update(error.headers)
            return response

        app.add_exception_handler(kind, handler)
