"""Templates, languages and the headers every page carries (CSP, no caching, the CSRF cookie).

Chinese first: a page is Chinese unless ``?lang=en`` (remembered in a cookie) asks for English.
Templates say both at once with ``t("中文", "English")``; Jinja's autoescape escapes all else.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from starlette.datastructures import URL
from starlette.requests import Request
from starlette.responses import HTMLResponse

from service.pages import service as pages_service
from service.pages import session as page_session
from service.selection.rendered import Rendered, RenderedCache
from service.selection.shortlists import export, words

__all__ = [
    "ASSETS",
    "CONTENT_SECURITY_POLICY",
    "cached_page",
    "compile_templates",
    "language",
    "page",
    "secure_cookies",
]

ASSETS = Path(__file__).parent / "assets"
LANG_COOKIE = "cohorts_lang"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

_ENVIRONMENT = Environment(
    loader=PackageLoader("service.pages", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
    # Templates ship with the package and change only with a new release: no stat() per render.
    auto_reload=False,
)


def _number(value: Any, digits: int = 2) -> str:
    """A number for reading: fixed digits, thousands separated; a dash for a missing value."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def _percent(value: Any) -> str:
    """A share (0–1) as a whole percent; a dash for a missing value."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return "—"
    return f"{value * 100:.0f}%"


# Zones that read as Beijing time; any other shows its offset from UTC.
_BEIJING = frozenset({"Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "PRC"})


@pass_context
def _minute(context: Context, value: Any) -> str:
    """A stored (UTC) time to the minute in the app's display zone, saying the zone."""
    if value is None:
        return "—"
    request = context.get("request")
    name = request.app.state.settings.display_timezone if request is not None else "UTC"
    local = value.astimezone(zoneinfo.ZoneInfo(name))
    if name in _BEIJING:
        zone = "Beijing time" if context.get("lang") == "en" else "北京时间"
    else:
        offset = local.strftime("%z")  # +0800
        zone = "UTC" if offset == "+0000" else f"UTC{offset[:3]}:{offset[3:]}"
    return f"{local:%Y-%m-%d %H:%M} {zone}"


_ENVIRONMENT.filters["num"] = _number
_ENVIRONMENT.filters["minute"] = _minute
_ENVIRONMENT.filters["percent"] = _percent
_ENVIRONMENT.globals["flag_words"] = export.flag_words
_ENVIRONMENT.globals["titles_of"] = export.titles_of
_ENVIRONMENT.globals["title_words"] = export.title_words
_ENVIRONMENT.globals["gates_in_words"] = words.gates_in_words
_ENVIRONMENT.globals["named"] = words.named
_ENVIRONMENT.globals["note_words"] = words.note_words
_ENVIRONMENT.globals["bilingual"] = words.bilingual
_ENVIRONMENT.filters["reading"] = words.reading
_ENVIRONMENT.globals["card_words"] = pages_service.card_words
_ENVIRONMENT.globals["years_text"] = pages_service.years_text


def compile_templates() -> None:
    """Compile every template now (at start-up), not on the first request that renders it:
    compiling takes 5-110 ms a template, which a worker's first viewers would otherwise wait."""
    for name in _ENVIRONMENT.list_templates():
        _ENVIRONMENT.get_template(name)


def language(request: Request) -> str:
    """``en`` or ``zh``: the query's choice, else the cookie's, else Chinese."""
    chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "zh"
    return "en" if chosen == "en" else "zh"


def secure_cookies(request: Request) -> bool:
    """Whether cookies get ``Secure``: the request came over HTTPS (behind a proxy too)."""
    return request.url.scheme == "https"


def _relative(url: URL) -> str:
    return f"{url.path}?{url.query}" if url.query else url.path


def _render(request: Request, template: str, token: str, context: dict[str, Any]) -> str:
    lang = language(request)

    def t(zh: str, en: str) -> str:
        return en if lang == "en" else zh

    other = "zh" if lang == "en" else "en"
    return _ENVIRONMENT.get_template(template).render(
        request=request,
        lang=lang,
        t=t,
        csrf_field=page_session.CSRF_FIELD,
        csrf_token=token,
        principal=getattr(request.state, "principal", None),
        # Relative, so a page names no address but its own server's.
        other_lang_url=_relative(request.url.include_query_params(lang=other)),
        **context,
    )


def _token(request: Request) -> str:
    return request.cookies.get(page_session.CSRF_COOKIE) or page_session.new_csrf_token()


def _respond(request: Request, body: str | bytes, token: str, status: int) -> HTMLResponse:
    """The page with its safety headers, its CSRF cookie and the language cookie if chosen."""
    response = HTMLResponse(body, status_code=status)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    secure = secure_cookies(request)
    if request.cookies.get(page_session.CSRF_COOKIE) != token:
        response.set_cookie(
            page_session.CSRF_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=secure,
            path="/ui",
        )
    lang = language(request)
    if request.query_params.get("lang") in ("en", "zh"):
        response.set_cookie(
            LANG_COOKIE, lang, samesite="strict", secure=secure, path="/ui", max_age=365 * 24 * 3600
        )
    return response


def page(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` in the request's language with its CSRF token and safety headers."""
    token = _token(request)
    return _respond(request, _render(request, template, token, context), token, status)


# Stands in for the viewer's CSRF token in a cached page (tokens are URL-safe base64).
_TOKEN_SLOT = "@@csrf-token@@"  # noqa: S105 - a placeholder, not a secret
_TOKEN_SLOT_BYTES = _TOKEN_SLOT.encode()


def kept_page(
    request: Request, cache: RenderedCache, key: Hashable, template: str
) -> HTMLResponse | None:
    """The page rendered earlier under ``key`` (see ``cached_page``) with this viewer's CSRF
    token put in, or None when it is not kept."""
    cached = cache.get(_cache_key(request, template, key))
    return None if cached is None else _with_token(request, cached)


def cached_page(
    request: Request,
    cache: RenderedCache,
    key: Hashable,
    template: str,
    build: Callable[[], dict[str, Any]],
) -> HTMLResponse:
    """A page rendered once per ``key`` (which must name everything it shows, the viewer and
    the language included), with the viewer's CSRF token put in on the way out."""
    kept = kept_page(request, cache, key, template)
    if kept is not None:
        return kept
    cached = Rendered(_render(request, template, _TOKEN_SLOT, build()).encode(), "")
    cache.put(_cache_key(request, template, key), cached)
    return _with_token(request, cached)


def _cache_key(request: Request, template: str, key: Hashable) -> Hashable:
    return ("page", template, language(request), key)


def _with_token(request: Request, cached: Rendered) -> HTMLResponse:
    token = _token(request)
    # Bytes in, bytes out: no decoding and re-encoding of a 125 KB page per request.
    return _respond(request, cached.body.replace(_TOKEN_SLOT_BYTES, token.encode()), token, 200)
