"""The server application: the HTTP API under ``/api``, the web pages, static files.

``create_app(url)`` builds it for the database at ``url``. Every response carries the
security headers (a Content-Security-Policy that allows only this server's own scripts,
styles and images, and no framing); request bodies above ``MAX_BODY`` bytes are refused
with 413 before they are read. The OpenAPI documentation at ``/docs`` is served from the
Swagger UI files of an installed package: no page loads anything from another server.
"""

from __future__ import annotations

import os
from pathlib import Path

import swagger_ui_bundle
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers, MutableHeaders

from relief import __version__
from relief.web import api, errors, pages

HERE = Path(__file__).resolve().parent
MAX_BODY = 5 * 1024 * 1024
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
HEADERS = {"content-security-policy": CSP, "x-frame-options": "DENY", "x-content-type-options": "nosniff",
           "referrer-policy": "same-origin", "cross-origin-opener-policy": "same-origin"}
DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>relief API</title>
<link rel="stylesheet" href="/static/swagger/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/static/swagger/swagger-ui-bundle.js"></script>
<script src="/static/swagger-init.js"></script></body></html>"""


class Relief(FastAPI):
    """The FastAPI application behind ``Guard``, which is outside even the handler of
    unexpected errors, so that a 500 carries the security headers too."""

    def build_middleware_stack(self):
        return Guard(super().build_middleware_stack())


class Guard:
    """The outermost layer (plain ASGI): every HTTP response gets ``HEADERS`` (those it
    does not set itself); a body announced above ``MAX_BODY`` bytes is answered 413 and a
    POST, PUT or PATCH body sent in chunks without a length 411, before anything reads it."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in HEADERS.items():
                    if key not in headers:
                        headers[key] = value
            await send(message)

        request = Headers(scope=scope)
        length = request.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            refusal = JSONResponse({"detail": f"the request body is larger than {MAX_BODY // (1024 * 1024)} MB "
                                              "(the most the server accepts)"}, status_code=413)
        elif scope["method"] in ("POST", "PUT", "PATCH") and length is None \
                and "chunked" in request.get("transfer-encoding", "").lower():
            refusal = JSONResponse({"detail": "send the request body with a Content-Length"}, status_code=411)
        else:
            await self.app(scope, receive, send_with_headers)
            return
        await refusal(scope, receive, send_with_headers)


def create_app(url: str, *, secure_cookies: bool = False) -> FastAPI:
    """The server for the database at ``url`` (a SQLAlchemy URL, see ``depot.db.database_url``).

    ``secure_cookies`` marks the session cookie Secure: set it when the server runs behind TLS."""
    app = Relief(title="relief", version=__version__, docs_url=None, redoc_url=None,
                 description="Relief-supply depots, dispatch plans and drills. Sign in with POST /api/token, "
                             "then send `Authorization: Bearer <token>` on every call.")
    app.state.url = url
    app.state.secure_cookies = secure_cookies
    errors.install(app)
    app.mount("/static/swagger", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="swagger")
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(DOCS_PAGE)

    return app


def from_environment() -> FastAPI:
    """The server ``relief serve`` starts in each worker process: the database of
    ``$RELIEF_SERVE_URL``, Secure cookies when ``$RELIEF_SECURE_COOKIES`` is set."""
    return create_app(os.environ["RELIEF_SERVE_URL"], secure_cookies=bool(os.environ.get("RELIEF_SECURE_COOKIES")))
