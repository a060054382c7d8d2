"""Rendered documents as HTTP answers: strong ``ETag``, ``304 Not Modified``, gzip when accepted."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from service.conditional import etag_matches
from service.selection.rendered import Rendered

__all__ = ["conditional_response"]


def conditional_response(
    rendered: Rendered, request: Request, if_none_match: str | None, cache: str
) -> Response:
    """200 with the body (gzip when the client accepts it), or 304 when ``If-None-Match`` names
    the representation's tag; both with the tag, ``Cache-Control`` and ``Vary``."""
    accepts_gzip = "gzip" in request.headers.get("accept-encoding", "").lower()
    use_gzip = accepts_gzip and rendered.gzipped is not None and rendered.gzip_etag is not None
    etag = rendered.gzip_etag if use_gzip and rendered.gzip_etag else rendered.etag
    headers = {"ETag": etag, "Cache-Control": cache, "Vary": "Accept-Encoding"}
    if etag_matches(if_none_match, etag, weak=True):
        return Response(status_code=304, headers=headers)
    if use_gzip and rendered.gzipped is not None:
        headers["Content-Encoding"] = "gzip"
        return Response(rendered.gzipped, media_type="application/json", headers=headers)
    return Response(rendered.body, media_type="application/json", headers=headers)
