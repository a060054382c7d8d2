"""Templates, languages and the headers every page carries (CSP, no caching, the CSRF cookie).

Chinese first: a page is Chinese unless ``?lang=en`` (remembered in a cookie) asks for English.
Templates say both at once with ``t("中文", "English")``; Jinja's autoescape escapes all else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.datastructures import URL
from starlette.requests import Request
from starlette.responses import HTMLResponse

from service.pages import session as page_session
from service.selection.shortlists import export

__all__ = ["ASSETS", "CONTENT_SECURITY_POLICY", "language", "page", "secure_cookies"]

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


_ENVIRONMENT.filters["num"] = _number
_ENVIRONMENT.globals["flag_words"] = export.flag_words
_ENVIRONMENT.globals["titles_of"] = export.titles_of


def language(request: Request) -> str:
    """``en`` or ``zh``: the query's choice, else the cookie's, else Chinese."""
    chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "zh"
    return "en" if chosen == "en" else "zh"


def secure_cookies(request: Request) -> bool:
    """Whether cookies get ``Secure``: the request came over HTTPS (behind a proxy too)."""
    return request.url.scheme == "https"


def _relative(url: URL) -> str:
    return f"{url.path}?{url.query}" if url.query else url.path


def page(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` in the request's language with its CSRF token and safety headers."""
    lang = language(request)
    token = request.cookies.get(page_session.CSRF_COOKIE) or page_session.new_csrf_token()

    def t(zh: str, en: str) -> str:
        return en if lang == "en" else zh

    other = "zh" if lang == "en" else "en"
    body = _ENVIRONMENT.get_template(template).render(
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
    if request.query_params.get("lang") in ("en", "zh"):
        response.set_cookie(
            LANG_COOKIE, lang, samesite="strict", secure=secure, path="/ui", max_age=365 * 24 * 3600
        )
    return response
