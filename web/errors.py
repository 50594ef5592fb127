"""The one place where the server turns errors into responses.

A relief error becomes a status and one message: 401 not signed in, 403 outside the
account's role or scope, 404 an unknown record addressed by the path, 409 a refusal of
the books (not enough stock, stale plan, document reused with other content), 413 an
upload above its limit, 422 bad input (the message names the value and what is allowed),
429 too many sign-ins, 503 the database unusable. The API answers JSON ``{"detail":
message, "problems": [...]}``; a web page (any path outside ``/api``) gets the same
message and status as an HTML page, and a page asked for without a valid session goes to
``/login`` (``pages`` renders its own form errors in the form).
Anything unexpected is logged with its traceback, never shown, and answered 500.
"""

from __future__ import annotations

import json
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from relief.errors import (DatabaseState, Forbidden, InvalidInput, NotSignedIn, ReliefError, TooManyAttempts,
                           UnknownIncident, UnknownPlan)
from relief.web.uploads import TooLarge

log = logging.getLogger("relief.web")
NOT_FOUND = (UnknownPlan, UnknownIncident)


def status_of(error: ReliefError, *, in_path: bool = False) -> int:
    """The HTTP status for ``error``; ``in_path`` when the unknown record was named by the
    URL path (404) rather than by a field of the request (422)."""
    if isinstance(error, NotSignedIn):
        return 401
    if isinstance(error, Forbidden):
        return 403
    if isinstance(error, TooManyAttempts):
        return 429
    if in_path and isinstance(error, NOT_FOUND):
        return 404
    if isinstance(error, TooLarge):
        return 413
    if isinstance(error, InvalidInput):
        return 422
    if isinstance(error, DatabaseState):
        return 503
    return 409


def body(error: ReliefError) -> dict:
    """The JSON body for ``error``: its message, and its problems as (where, field, message)."""
    problems = [{"where": p.where, "field": p.field, "message": p.message}
                for p in getattr(error, "problems", [])]
    out = {"detail": str(error)}
    if getattr(error, "field", None) or getattr(error, "option", None):
        out["field"] = error.field or error.option
    if problems:
        out["problems"] = problems
    return out


def is_api(request: Request) -> bool:
    """True when ``request`` is for the JSON API (its path is ``/api`` or under it)."""
    path = request.url.path
    return path == "/api" or path.startswith("/api/")


def page(request: Request, status: int, message: str):
    """The HTML error page with ``status`` and ``message`` for a request outside ``/api``."""
    from relief.web.pages_common import render  # the pages import this module

    return render(request, "error.html", status=status, message=message)


def _received(error: dict) -> str:
    """A request-format error's message with the value received, when there was one:
    ``Input should be a valid integer; got "twenty"``."""
    message = error.get("msg", "")
    if "input" not in error or error.get("type") == "missing" or isinstance(error["input"], (dict, list, bytes)):
        return message
    shown = json.dumps(error["input"], ensure_ascii=False, default=str)
    return f"{message}; got {shown[:80]}{'...' if len(shown) > 80 else ''}"


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(ReliefError)
    async def relief_error(request: Request, exc: ReliefError):
        status = status_of(exc, in_path=bool(request.path_params))
        if not is_api(request):
            if isinstance(exc, NotSignedIn):
                return RedirectResponse("/login", status_code=303)
            return page(request, status, str(exc))
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse(body(exc), status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        problems = [{"where": ".".join(str(x) for x in e.get("loc", ())), "field": str(e.get("loc", ("",))[-1]),
                     "message": _received(e)} for e in exc.errors()]
        first = problems[0] if problems else {"where": "", "message": "invalid request"}
        if not is_api(request):
            return page(request, 422, f"{first['where']}: {first['message']}")
        return JSONResponse({"detail": f"{first['where']}: {first['message']}", "problems": problems},
                            status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if not is_api(request) and exc.status_code >= 400:
            return page(request, exc.status_code, str(exc.detail))
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        message = f"unexpected server error ({type(exc).__name__}); see the server log"
        if not is_api(request):
            return page(request, 500, message)
        return JSONResponse({"detail": message}, status_code=500)
