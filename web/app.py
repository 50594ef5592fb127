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


def create_app(url: str, *, secure_cookies: bool = False) -> FastAPI:
    """The server for the database at ``url`` (a SQLAlchemy URL, see ``depot.db.database_url``).

    ``secure_cookies`` marks the session cookie Secure: set it when the server runs behind TLS."""
    app = FastAPI(title="relief", version=__version__, docs_url=None, redoc_url=None,
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

    @app.middleware("http")
    async def guard(request, call_next):
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            response = JSONResponse({"detail": f"the request body is larger than {MAX_BODY // (1024 * 1024)} MB "
                                               "(the most the server accepts)"}, status_code=413)
        elif request.method in ("POST", "PUT", "PATCH") and length is None \
                and "chunked" in request.headers.get("transfer-encoding", ""):
            response = JSONResponse({"detail": "send the request body with a Content-Length"}, status_code=411)
        else:
            response = await call_next(request)
        for key, value in HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    return app


def from_environment() -> FastAPI:
    """The server ``relief serve`` starts in each worker process: the database of
    ``$RELIEF_SERVE_URL``, Secure cookies when ``$RELIEF_SECURE_COOKIES`` is set."""
    return create_app(os.environ["RELIEF_SERVE_URL"], secure_cookies=bool(os.environ.get("RELIEF_SECURE_COOKIES")))
